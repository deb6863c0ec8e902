import json
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from javob.core.scheduler import run_forever, run_once


class Command(BaseCommand):
    help = "Run the periodic sweeps (snooze wake-ups, delivery retries, stuck payloads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=None)
        parser.add_argument("--once", action="store_true", help="Run every sweep once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(json.dumps(run_once()))
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        run_forever(options["interval"] or settings.JAVOB_SCHEDULER_INTERVAL, stop)
