#!/usr/bin/env python
"""Webhook acknowledge benchmark: latency (p50, p99) and sustained webhooks/s per connector.

The real ASGI app under `javob web --workers 2` (uvicorn, uvloop, httptools, no access log),
on a fresh database (SQLite, or PostgreSQL when DATABASE_URL names one whose name contains
"bench"). A Python load generator (asyncio, raw sockets, keep-alive connections) posts
distinct, correctly signed deliveries to `/hooks/<kind>/<inbox id>` the way the provider
would, and times each request until its answer arrives. An acknowledged webhook is verified
and stored raw under its provider id; the parsing happens later in a worker (none runs here)
and is not part of the acknowledgement.

First, per kind, the CPU cost of one acknowledgement in this process (no HTTP, no load
generator): through the ASGI application as uvicorn calls it, and through Django's test
client (the Django view with its middleware). `--cpu-n 0` skips it, `--skip-http` runs only it.

Connectors plug in through DRIVERS: a driver makes an inbox of its kind and builds the
headers and body of delivery number i. telegram and api are here; sms-twilio and sms-gateway
(bench/sms_webhooks.py), whatsapp, messenger and instagram (bench/whatsapp_webhooks.py) and x
(bench/x_webhooks.py) register from their scripts, which this one loads. Run
`bench/webhooks.py --kind telegram` (repeat --kind; default: every kind).

Every delivery is distinct; after each kind's run the stored payloads are counted and a
shortfall is printed. The load generator runs on uvloop when installed (`--no-uvloop`: on
asyncio's own loop).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, database_version, fresh_database, percentile, print_table

Request = tuple[dict[str, str], bytes]


@dataclass
class Driver:
    """How to benchmark one connector kind."""

    kind: str
    # Make an inbox of this kind in `workspace` (a provider stand-in may be needed for it).
    create_inbox: Callable[[Any], Any]
    # The headers and body of delivery number i for `inbox`.
    build: Callable[[Any, int], Request]
    # False where the signature covers the URL the server is reached at, which the
    # in-process ASGI call cannot reproduce (Twilio): no in-process CPU row then.
    in_process: bool = True


# --- telegram ---------------------------------------------------------------------------


def _telegram_inbox(workspace: Any) -> Any:
    from javob.connectors.actions import do_add_inbox
    from javob.connectors.telegram.tests.fake_telegram import TOKEN, fake_telegram

    # Adding the inbox calls getMe and setWebhook: a local Bot API stand-in answers them.
    with fake_telegram() as fake:
        options = {"bot_token": TOKEN, "api_url": fake.url}
        return do_add_inbox(workspace, "telegram", "Bench bot", options, [])


def _telegram_update(inbox: Any, i: int) -> Request:
    user = 5_000_000_000 + i % 5000
    update = {
        "update_id": 100_000_000 + i,
        "message": {
            "message_id": 10 + i,
            "from": {"id": user, "is_bot": False, "first_name": "Dilnoza", "language_code": "uz"},
            "chat": {"id": user, "first_name": "Dilnoza", "type": "private"},
            "date": 1763884800 + i,
            "text": "Assalomu alaykum! Buyurtmam qayerda? 3 kun oldin to'lagan edim",
        },
    }
    secret = str(inbox.secrets["webhook_secret"])
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    return headers, json.dumps(update).encode()


# --- api (the generic channel, for comparison) -------------------------------------------


def _api_inbox(workspace: Any) -> Any:
    from javob.connectors.actions import do_add_inbox

    return do_add_inbox(workspace, "api", "Bench API", {"webhook_url": "https://h.invalid/"}, [])


def _api_message(inbox: Any, i: int) -> Request:
    from javob.connectors.api.connector import sign

    body = json.dumps(
        {"id": f"bench-{i}", "sender": {"id": f"c-{i % 5000}"}, "text": "Salom"}
    ).encode()
    timestamp = str(int(time.time()))
    secret = str(inbox.secrets["webhook_secret"])
    headers = {
        "Content-Type": "application/json",
        "X-Javob-Timestamp": timestamp,
        "X-Javob-Signature": sign(secret, timestamp, body),
    }
    return headers, body


DRIVERS: dict[str, Driver] = {
    "telegram": Driver("telegram", _telegram_inbox, _telegram_update),
    "api": Driver("api", _api_inbox, _api_message),
}


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def uvicorn_server(database: Database, workers: int) -> Iterator[tuple[int, int]]:
    """`javob web` (uvicorn, uvloop, httptools, no access log) with `workers` processes; the
    port and the process id of the supervisor."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database.url, "JAVOB_LOG_LEVEL": "WARNING"}
    # The https public URL only served the webhook registration; served as https here, the
    # app would redirect plain-HTTP requests (TLS ends at a proxy in production).
    env.pop("JAVOB_PUBLIC_URL", None)
    command = [sys.executable, "-m", "javob.cli", "web", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        _wait_ready(port, process)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("uvicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("uvicorn did not answer /healthz within 60 s")


# --- the load generator -------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float]
    seconds: float
    errors: list[str]
    # CPU seconds spent during the run by the web processes, by the load generator and by
    # every PostgreSQL process of this machine.
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    postgres_cpu: float = 0.0


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, from Linux's /proc;
    0.0 where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(tree_cpu(int(child)) for child in children)


def postgres_cpu() -> dict[int, int]:
    """CPU clock ticks of every process named postgres on this machine, by pid (/proc)."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _sep, rest = stat.read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            fields = rest.split()
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


def postgres_cpu_since(before: dict[int, int]) -> float:
    """CPU seconds PostgreSQL spent since `before`: the processes alive at the end (a process
    that exited meanwhile is left out rather than counted negative)."""
    after = postgres_cpu()
    ticks = sum(used - before.get(pid, 0) for pid, used in after.items())
    return ticks / os.sysconf("SC_CLK_TCK")


def measured(pid: int, run: Callable[[], Outcome]) -> Outcome:
    server, client, postgres = tree_cpu(pid), time.process_time(), postgres_cpu()
    outcome = run()
    outcome.server_cpu = tree_cpu(pid) - server
    outcome.client_cpu = time.process_time() - client
    outcome.postgres_cpu = postgres_cpu_since(postgres)
    return outcome


def run_loop(main: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Run the load generator on uvloop when it is installed (cheaper per request)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return asyncio.run(main, loop_factory=uvloop.new_event_loop)


def encode(path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _sep, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _client(port: int, requests: list[bytes], outcome: Outcome) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for raw in requests:
            before = time.perf_counter()
            status = await _exchange(reader, writer, raw)
            outcome.latencies.append(time.perf_counter() - before)
            if status != 200:
                outcome.errors.append(str(status))
    finally:
        writer.close()


async def _closed_loop(port: int, requests: list[bytes], concurrency: int) -> Outcome:
    outcome = Outcome([], 0.0, [])
    started = time.perf_counter()
    await asyncio.gather(
        *(_client(port, requests[i::concurrency], outcome) for i in range(concurrency))
    )
    outcome.seconds = time.perf_counter() - started
    return outcome


async def _paced(port: int, requests: list[bytes], rate: float, connections: int) -> Outcome:
    """Open-loop load: requests start on a fixed schedule, whatever the answers do; a request
    that finds no free connection waits for one (that wait counts in its latency)."""
    outcome = Outcome([], 0.0, [])
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    started = time.perf_counter()

    async def one(index: int, raw: bytes) -> None:
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        scheduled = max(due, time.perf_counter())
        reader, writer = await pool.get()
        try:
            status = await _exchange(reader, writer, raw)
        finally:
            pool.put_nowait((reader, writer))
        outcome.latencies.append(time.perf_counter() - scheduled)
        if status != 200:
            outcome.errors.append(str(status))

    await asyncio.gather(*(one(i, raw) for i, raw in enumerate(requests)))
    outcome.seconds = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait()[1].close()
    return outcome


# --- the run ------------------------------------------------------------------------------


def parse_args(kinds: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--kind", action="append", choices=kinds, dest="kinds")
    parser.add_argument("--n", type=int, default=6000, help="deliveries per run (6000)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes (2)")
    parser.add_argument(
        "--rate", type=float, default=200.0, help="paced run: webhooks/s offered (200)"
    )
    parser.add_argument(
        "--cpu-n",
        type=int,
        default=1000,
        help="in-process CPU cost: acknowledgements timed per path, 0 to skip (1000)",
    )
    parser.add_argument("--skip-http", action="store_true", help="only the in-process CPU cost")
    parser.add_argument(
        "--no-uvloop", action="store_true", help="load generator on asyncio's own loop"
    )
    return parser.parse_args()


def row(label: str, mode: str, outcome: Outcome, concurrency: int) -> list[object]:
    done = len(outcome.latencies)
    if outcome.errors:
        print(f"{label} {mode}: {len(outcome.errors)} errors, e.g. {outcome.errors[:3]}")
    return [
        label,
        mode,
        done,
        concurrency,
        f"{done / outcome.seconds:.0f}",
        f"{percentile(outcome.latencies, 0.5) * 1000:.1f}",
        f"{percentile(outcome.latencies, 0.99) * 1000:.1f}",
        f"{outcome.server_cpu / done * 1000:.2f}",
        f"{outcome.postgres_cpu / done * 1000:.2f}",
        f"{outcome.client_cpu / done * 1000:.2f}",
        len(outcome.errors),
    ]


def run_kind(
    database: Database, label: str, driver: Driver, args: argparse.Namespace
) -> list[list[object]]:
    from javob.accounts.actions import do_create_workspace
    from javob.connectors.models import InboundPayload

    workspace, _owner = do_create_workspace(f"Bench {label}", f"{label}@b.example")
    inbox = driver.create_inbox(workspace)
    path = f"/hooks/{driver.kind}/{inbox.pk}"
    warm = args.concurrency * 20
    paced_n = int(args.rate * 10)
    total = warm + args.n + paced_n
    raws = [encode(path, *driver.build(inbox, i)) for i in range(total)]
    loop = (lambda main: asyncio.run(main)) if args.no_uvloop else run_loop
    with uvicorn_server(database, args.workers) as (port, pid):
        loop(_closed_loop(port, raws[:warm], args.concurrency))  # load code; not timed
        closed = raws[warm : warm + args.n]
        sustained = measured(pid, lambda: loop(_closed_loop(port, closed, args.concurrency)))
        paced_raws = raws[warm + args.n :]
        paced = measured(pid, lambda: loop(_paced(port, paced_raws, args.rate, args.concurrency)))
    # Every acknowledged delivery is distinct: each must have been stored once.
    stored = InboundPayload.objects.filter(inbox_id=inbox.pk).count()
    if stored != total:
        print(f"{label}: {total} deliveries sent, {stored} payloads stored")
    return [
        row(label, "sustained (closed loop)", sustained, args.concurrency),
        row(label, f"paced at {args.rate:.0f}/s", paced, args.concurrency),
    ]


# --- CPU per acknowledgement, in this process -------------------------------------------


def _asgi_post(path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw_headers = [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _through_asgi(path: str, requests: list[Request]) -> list[int]:
    from javob.asgi import application

    statuses = []
    for headers, body in requests:
        sent: list[dict[str, Any]] = []

        bodies = [body]

        async def receive(bodies: list[bytes] = bodies) -> dict[str, Any]:
            if not bodies:  # the client waits for its answer (Django listens for a disconnect)
                await asyncio.Event().wait()
            return {"type": "http.request", "body": bodies.pop(), "more_body": False}

        async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
            sent.append(message)

        await application(_asgi_post(path, headers, body), receive, send)
        statuses.append(int(sent[0]["status"]))
    return statuses


def _through_test_client(path: str, requests: list[Request]) -> list[int]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    statuses = []
    for headers, body in requests:
        extra = {name: value for name, value in headers.items() if name != "Content-Type"}
        response = client.post(
            path, data=body, content_type=headers["Content-Type"], headers=extra, secure=True
        )
        statuses.append(response.status_code)
    return statuses


def cpu_per_ack(label: str, driver: Driver, n: int) -> list[list[object]]:
    """CPU seconds of this process (all its threads) per acknowledgement, without HTTP
    parsing or a load generator: through the ASGI application (what uvicorn calls) and through
    Django's test client (the Django view with its middleware)."""
    from javob.accounts.actions import do_create_workspace

    workspace, _owner = do_create_workspace(f"CPU {label}", f"cpu-{label}@b.example")
    inbox = driver.create_inbox(workspace)
    path = f"/hooks/{driver.kind}/{inbox.pk}"
    warm = 200
    requests = [driver.build(inbox, 50_000_000 + i) for i in range(2 * (warm + n))]
    paths: list[tuple[str, Callable[[list[Request]], list[int]]]] = [
        ("ASGI app in-process", lambda batch: asyncio.run(_through_asgi(path, batch))),
        ("Django test client", lambda batch: _through_test_client(path, batch)),
    ]
    rows: list[list[object]] = []
    for number, (name, run) in enumerate(paths):
        batch = requests[number * (warm + n) : (number + 1) * (warm + n)]
        run(batch[:warm])
        wall, cpu = time.perf_counter(), time.process_time()
        statuses = run(batch[warm:])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        errors = sum(status != 200 for status in statuses)
        rows.append([label, name, n, f"{cpu / n * 1000:.2f}", f"{wall / n * 1000:.2f}", errors])
    return rows


def load_drivers() -> None:
    """Add the drivers of the other connectors (each script registers its own on import)."""
    import bench.sms_webhooks
    import bench.whatsapp_webhooks
    import bench.x_webhooks  # noqa: F401


def main(kinds: Sequence[str] = ()) -> None:
    """Run the benchmark for `kinds` (default: every kind), or those given with --kind."""
    load_drivers()
    kinds = kinds or sorted(DRIVERS)
    args = parse_args(kinds)
    os.environ["JAVOB_PUBLIC_URL"] = "https://javob.bench.invalid"
    # Provider stand-ins for inbox set-up listen on loopback.
    os.environ["JAVOB_OUTBOUND_ALLOW"] = "127.0.0.1"
    database = fresh_database("webhooks")
    try:
        from bench.common import setup_django

        setup_django(database)
        rows: list[list[object]] = []
        cpu_rows: list[list[object]] = []
        for label in args.kinds or kinds:
            driver = DRIVERS[label]
            if args.cpu_n and driver.in_process:
                cpu_rows += cpu_per_ack(label, driver, args.cpu_n)
            if not args.skip_http:
                rows += run_kind(database, label, driver, args)
        if cpu_rows:
            print(f"\nCPU per acknowledgement in one process, {database_version()}")
            print_table(["kind", "path", "n", "CPU ms", "wall ms", "errors"], cpu_rows)
        if not rows:
            return
        print(
            f"\nWebhook acknowledgement, {database_version()}, uvicorn --workers {args.workers}, "
            f"{os.cpu_count()} CPUs (load generator on the same machine)"
        )
        headers = ["kind", "load", "n", "connections", "webhooks/s", "p50 ms", "p99 ms"]
        headers += ["web CPU ms/ack", "PostgreSQL CPU ms/ack", "load generator CPU ms/ack"]
        print_table([*headers, "errors"], rows)
        print(
            "CPU per acknowledgement (Linux /proc): web = the uvicorn processes, all threads; "
            "PostgreSQL = every postgres process of the machine (0 for SQLite; other users of "
            "the server count too); load generator = this process."
        )
    finally:
        database.cleanup()


if __name__ == "__main__":
    # Run as a script, this file is __main__; the drivers register in bench.webhooks.
    from bench import webhooks

    webhooks.main()
