#!/usr/bin/env python
"""Ingest benchmark: inbound customer messages per second, and the latency of each.

Two paths into the same fresh database:
- direct: `receive_message()` called in this process, one message after another;
- http: a `javob web` server (uvicorn) started as a subprocess, fed by client threads through
  the API channel's REST endpoint `POST /api/v1/inboxes/{id}/messages` (or, on a build that
  lacks it, the signed webhook `/hooks/api/{id}`, which only stores the payload for a worker).

Messages come from new and returning customers, 1-3 per conversation, interleaved as in a
busy inbox. Everything a real message costs is included: contact resolution, threading,
events, the realtime publish to every agent who may see the conversation, and the task
enqueued after commit (the database task queue, or Redis when REDIS_URL is set).

SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench (dropped and
recreated). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Database,
    database_version,
    fresh_database,
    percentile,
    print_table,
    setup_django,
)

TEXTS = (
    "Assalomu alaykum! Buyurtmam qayerda? 3 kun oldin to'lagan edim",
    "Здравствуйте, оплатил Uzcard, а заказ висит как «не оплачен»",
    "Hi, the SMS code never arrives and I can't log into the app.",
    "Humo karta o‘tmayapti, “to‘lov rad etildi” deyapti",
    "Буюртмам ҳали ҳам келмади, курьер қўнғироқ қилмади",
    "Спасибо, всё получили!",
)
LOCALES = ("uz", "ru", "en", "uz", "uz-Cyrl", "ru")


@dataclass(frozen=True, slots=True)
class Item:
    """One customer message, independent of how it is sent."""

    id: str
    sender: str
    thread: str
    text: str
    locale: str


@dataclass(frozen=True, slots=True)
class Result:
    path: str
    n: int
    seconds: float
    latencies: list[float]  # seconds

    def row(self, backend: str, threads: int) -> list[object]:
        return [
            backend,
            self.path,
            self.n,
            threads,
            f"{self.n / self.seconds:.0f}",
            f"{percentile(self.latencies, 0.5) * 1000:.1f}",
            f"{percentile(self.latencies, 0.99) * 1000:.1f}",
        ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=5000, help="messages per path (default 5000)")
    parser.add_argument("--http-n", type=int, help="messages over HTTP (default: --n)")
    parser.add_argument("--threads", type=int, default=4, help="HTTP client threads (4)")
    parser.add_argument("--agents", type=int, default=10, help="agents in the workspace (10)")
    parser.add_argument("--skip-http", action="store_true", help="measure receive_message only")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def messages(n: int, prefix: str, rng: random.Random) -> list[Item]:
    """`n` messages: 70% from new customers, 30% from returning ones (a new thread), each
    conversation 1-3 messages, up to 20 conversations interleaved."""
    customers: list[str] = []
    threads: list[list[Item]] = []
    total = 0
    while total < n:
        if customers and rng.random() < 0.3:
            sender = rng.choice(customers)
        else:
            sender = f"{prefix}-customer-{len(customers)}"
            customers.append(sender)
        thread = f"{prefix}-thread-{len(threads)}"
        kind = rng.randrange(len(TEXTS))
        count = min(rng.randint(1, 3), n - total)
        threads.append(
            [
                Item(f"{prefix}-{total + i}", sender, thread, TEXTS[kind], LOCALES[kind])
                for i in range(count)
            ]
        )
        total += count
    return list(_interleave(threads, rng))


def _interleave(threads: list[list[Item]], rng: random.Random) -> Iterator[Item]:
    waiting = list(reversed(threads))
    active: list[list[Item]] = []
    while waiting or active:
        while waiting and len(active) < 20:
            active.append(waiting.pop())
        current = rng.choice(active)
        yield current.pop(0)
        if not current:
            active.remove(current)


def prepare(agents: int) -> tuple[int, int, str]:
    """A workspace with `agents` agents and two API inboxes; returns (direct, http, token)."""
    from javob.accounts.actions import AgentInput, do_add_agent, do_create_token
    from javob.accounts.actions import do_create_workspace as create
    from javob.connectors.actions import do_add_inbox

    workspace, owner = create("Bench", "owner@bench.example.com")
    for i in range(agents - 1):
        do_add_agent(workspace, AgentInput(email=f"agent{i}@bench.example.com"))
    # Replies are never sent here; `.invalid` never resolves, should one try.
    hook = {"webhook_url": "https://hooks.bench.invalid/"}
    direct = do_add_inbox(workspace, "api", "Direct", hook, [])
    over_http = do_add_inbox(workspace, "api", "HTTP", hook, [])
    _token, secret = do_create_token(owner, "bench")
    return direct.pk, over_http.pk, secret


def run_direct(inbox_id: int, items: list[Item]) -> Result:
    from django.db import reset_queries

    from javob.conversations.actions import receive_message
    from javob.core.types import Identity, InboundMessage

    def inbound(item: Item) -> InboundMessage:
        return InboundMessage(
            inbox_id=inbox_id,
            sender=Identity("api", item.sender),
            external_id=item.id,
            text=item.text,
            sender_name=item.sender,
            thread_key=item.thread,
            contact_locale=item.locale,
        )

    prepared = [inbound(item) for item in items]
    latencies = []
    started = time.perf_counter()
    for message in prepared:
        before = time.perf_counter()
        receive_message(message)
        latencies.append(time.perf_counter() - before)
        reset_queries()
    return Result("direct", len(items), time.perf_counter() - started, latencies)


def queries_per_message(inbox_id: int, items: list[Item]) -> float:
    """Database round trips of one receive (new and returning customers, as in the run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from javob.conversations.actions import receive_message
    from javob.core.types import Identity, InboundMessage

    with CaptureQueriesContext(connection) as captured:
        for item in items:
            receive_message(
                InboundMessage(
                    inbox_id=inbox_id,
                    sender=Identity("api", item.sender),
                    external_id=item.id,
                    text=item.text,
                    thread_key=item.thread,
                )
            )
    return len(captured.captured_queries) / len(items)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`javob web` on a free port, with this run's database."""

    def __init__(self, database: Database) -> None:
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database.url, "JAVOB_LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "javob.cli", "web", "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise SystemExit(f"javob web exited:\n{error}")
            try:
                status, _body = self.get("/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("javob web did not answer /healthz within 60 s")

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def endpoint(server: Server, inbox_id: int) -> str:
    """The REST endpoint when this build has it, else the signed webhook."""
    status, body = server.get("/api/v1/openapi.json")
    paths = json.loads(body).get("paths", {}) if status == 200 else {}
    if "post" in paths.get("/api/v1/inboxes/{inbox_id}/messages", {}):
        return f"/api/v1/inboxes/{inbox_id}/messages"
    return f"/hooks/api/{inbox_id}"


class Poster:
    """One client thread's keep-alive connection, posting messages one at a time."""

    def __init__(self, port: int, path: str, token: str, secret: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.path = path
        self.token = token
        self.secret = secret
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def post(self, item: Item) -> None:
        body = json.dumps(
            {
                "id": item.id,
                "sender": {"id": item.sender, "name": item.sender, "locale": item.locale},
                "text": item.text,
                "thread": item.thread,
            },
            ensure_ascii=False,
        ).encode()
        before = time.perf_counter()
        self.connection.request("POST", self.path, body=body, headers=self._headers(body))
        response = self.connection.getresponse()
        response.read()
        self.latencies.append(time.perf_counter() - before)
        if response.status not in (200, 201):
            self.errors.append(f"{response.status} for {item.id}")

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
            return headers
        from javob.connectors.api.connector import sign

        timestamp = str(int(time.time()))
        headers["X-Javob-Timestamp"] = timestamp
        headers["X-Javob-Signature"] = sign(self.secret, timestamp, body)
        return headers


def run_http(
    database: Database, inbox_id: int, token: str, items: list[Item], threads: int
) -> Result:
    from javob.conversations.models import Inbox

    secret = str(Inbox.objects.get(pk=inbox_id).secrets.get("webhook_secret", ""))
    server = Server(database)
    try:
        path = endpoint(server, inbox_id)
        warm = Poster(server.port, path, token, secret)
        for item in items[: threads * 5]:  # the first requests load code; not timed
            warm.post(item)
        timed = items[threads * 5 :]
        posters = [Poster(server.port, path, token, secret) for _ in range(threads)]
        workers = [
            threading.Thread(target=_post_all, args=(poster, timed[i::threads]))
            for i, poster in enumerate(posters)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    errors = [error for poster in posters for error in poster.errors]
    if errors:
        print(f"{len(errors)} requests failed, e.g. {errors[:3]}", file=sys.stderr)
    label = "http (REST)" if path.startswith("/api/") else "http (webhook, stored only)"
    latencies = [value for poster in posters for value in poster.latencies]
    return Result(label, len(timed), seconds, latencies)


def _post_all(poster: Poster, items: list[Item]) -> None:
    for item in items:
        poster.post(item)


def main() -> None:
    args = parse_args()
    database = fresh_database("ingest")
    try:
        setup_django(database)
        report(args, database)
    finally:
        database.cleanup()


def report(args: Any, database: Database) -> None:
    rng = random.Random(args.seed)
    direct_inbox, http_inbox, token = prepare(args.agents)
    warm = messages(50, "warm", rng)
    run_direct(direct_inbox, warm)  # imports, caches and the first rows; not timed
    results = [run_direct(direct_inbox, messages(args.n, "direct", rng))]
    queries = queries_per_message(direct_inbox, messages(60, "count", rng))
    if not args.skip_http:
        items = messages(args.http_n or args.n, "http", rng)
        results.append(run_http(database, http_inbox, token, items, args.threads))
    print(f"\nIngest, {database_version()}, {args.agents} agents, {queries:.1f} queries/message")
    headers = ["backend", "path", "n", "threads", "messages/s", "p50 ms", "p99 ms"]
    rows = [
        result.row(database.backend, 1 if result.path == "direct" else args.threads)
        for result in results
    ]
    print_table(headers, rows)


if __name__ == "__main__":
    main()
