"""The `javob` command: process roles (demo, run, web, worker, scheduler) and every Django
management command (migrate, createworkspace, token, inbox, ai, ...)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

ROLES = ("demo", "run", "web", "worker", "scheduler")


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "javob.settings")
    import django

    django.setup()
    if args and args[0] in ROLES:
        run_role(args[0], args[1:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["javob", *args])


def run_role(role: str, args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"javob {role}")
    if role in ("demo", "run", "web"):
        parser.add_argument("--host", default=os.environ.get("JAVOB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    if role == "web":
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--access-log",
            action="store_true",
            default=os.environ.get("JAVOB_ACCESS_LOG", "") == "1",
            help="log every request (off by default: the proxy in front logs them)",
        )
    options = parser.parse_args(args)
    if role == "demo":
        demo(options.host, options.port)
    elif role == "run":
        run(options.host, options.port)
    elif role == "web":
        web(options.host, options.port, options.workers, access_log=options.access_log)
    elif role == "worker":
        worker()
    else:
        from django.core.management import call_command

        call_command("scheduler")


def web(host: str, port: int, workers: int = 1, *, access_log: bool = False) -> None:
    import uvicorn

    uvicorn.run(
        "javob.asgi:application",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level=os.environ.get("JAVOB_LOG_LEVEL", "info").lower(),
        access_log=access_log,
        # C event loop and HTTP parser (locked dependencies): cheaper per request than the
        # pure-Python ones. Without the access log a request writes no line.
        loop="uvloop",
        http="httptools",
        lifespan="off",
    )


def worker() -> None:
    from django.conf import settings
    from django.core.management import call_command

    if settings.REDIS_URL:
        call_command("rqworker", "default", with_scheduler=True)
    else:
        payload_thread(threading.Event()).start()
        call_command(
            "db_worker", queue_name="*", interval=settings.JAVOB_WORKER_INTERVAL, reload=False
        )


def payload_thread(stop: threading.Event) -> threading.Thread:
    """With the database task queue, stored webhook payloads are claimed directly by this
    thread of the worker (no task row per webhook; see javob.connectors.tasks)."""
    from django.conf import settings

    from javob.connectors.tasks import run_payload_worker

    return threading.Thread(
        target=run_payload_worker,
        args=(stop, settings.JAVOB_WORKER_INTERVAL),
        name="payloads",
        daemon=True,
    )


def run(host: str, port: int) -> None:
    """Everything for one machine. Without Redis, worker and scheduler run as threads of the
    web process so the in-memory channel layer reaches every browser; with Redis they are
    separate processes, as on a cluster."""
    from django.conf import settings

    if settings.REDIS_URL:
        supervise(host, port)
    else:
        run_in_process(host, port)


def run_in_process(host: str, port: int) -> None:
    import uvicorn
    from django.conf import settings
    from django_tasks_db.management.commands.db_worker import Worker

    from javob.core.scheduler import run_forever

    stop = threading.Event()
    task_worker = Worker(
        queue_names=["*"],
        interval=settings.JAVOB_WORKER_INTERVAL,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"run-{os.getpid()}",
        excluded_queue_names=[],
    )
    threads = [
        threading.Thread(target=task_worker.run, name="worker", daemon=True),
        payload_thread(stop),
        threading.Thread(
            target=run_forever,
            args=(settings.JAVOB_SCHEDULER_INTERVAL, stop),
            name="scheduler",
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    config = uvicorn.Config(
        "javob.asgi:application",
        host=host,
        port=port,
        log_level="info",
        loop="uvloop",
        http="httptools",
        lifespan="off",
    )
    try:
        uvicorn.Server(config).run()
    finally:
        stop.set()
        task_worker.running = False


def supervise(host: str, port: int) -> None:
    commands = [
        [sys.executable, "-m", "javob.cli", "web", "--host", host, "--port", str(port)],
        [sys.executable, "-m", "javob.cli", "worker"],
        [sys.executable, "-m", "javob.cli", "scheduler"],
    ]
    children = [subprocess.Popen(command) for command in commands]  # noqa: S603
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop()
    for child in children:
        child.wait(timeout=30)


def demo(host: str, port: int) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("loaddemo", host=host, port=port)
    run(host, port)


if __name__ == "__main__":
    main()
