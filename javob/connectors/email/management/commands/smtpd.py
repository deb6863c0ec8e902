"""`javob smtpd [--host H] [--port P] [--lmtp] [--max-bytes N] [--tls-cert F --tls-key F]`."""

from __future__ import annotations

import logging
import signal
import ssl
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from javob.connectors.email.config import DEFAULT_MAX_BYTES
from javob.connectors.email.smtpd import MailController


class Command(BaseCommand):
    help = "Receive mail for the email inboxes over SMTP (MX, forwarding) or LMTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP (RFC 2033).")
        parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)
        parser.add_argument("--tls-cert", default="", help="Offer STARTTLS with this cert.")
        parser.add_argument("--tls-key", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            # aiosmtpd logs every command with its addresses at INFO: noise, and personal data.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        context = None
        if options["tls_cert"]:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(options["tls_cert"], options["tls_key"] or None)
        controller = MailController(
            host=options["host"],
            port=options["port"],
            lmtp=options["lmtp"],
            max_bytes=options["max_bytes"],
            tls_context=context,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        controller.start()
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(f"{protocol} on {options['host']}:{options['port']}")
        try:
            stop.wait()
        finally:
            controller.stop()
