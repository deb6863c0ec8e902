#!/usr/bin/env python
"""Web chat benchmark: many widget websockets on one node, and the chat round trip.

Starts `javob run` (web + task worker + scheduler in one process, the single-machine set-up)
on a fresh database, opens N visitor websockets (default 1,000) from this process, and
measures:

- memory of the server process per open widget connection (RSS before and after);
- the round trip visitor -> agent -> visitor: a visitor sends a message over its socket, an
  agent (a bearer-token websocket) sees `message.created` and answers through the REST API,
  and the visitor's socket receives the reply. p50/p99 over the rounds, while all N sockets
  stay open;
- the team presence push: the agent switches availability (REST API) and every one of the N
  open widgets receives the new `agents` state; p50/p99 from the API call to the last socket.

SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench_widget.
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
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_version, fresh_database, percentile, print_table, setup_django

ORIGIN = "http://bench.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def seed(visitors: int) -> tuple[str, str, list[str]]:
    """A workspace, an agent token, a web-chat inbox and `visitors` visitor tokens."""
    from javob.accounts.actions import do_create_token, do_create_workspace
    from javob.connectors.actions import do_add_inbox
    from javob.connectors.webchat.models import Visitor
    from javob.connectors.webchat.tokens import visitor_token

    workspace, owner = do_create_workspace("Bench", "owner@bench.example")
    _token, secret = do_create_token(owner)
    inbox = do_add_inbox(workspace, "webchat", "Bench chat", {"allowed_origins": ORIGIN}, ["en"])
    rows = Visitor.objects.bulk_create(
        [Visitor(inbox=inbox, language="en") for _ in range(visitors)]
    )
    tokens = [visitor_token(inbox.pk, row.key) for row in rows]
    return str(inbox.settings["public_id"]), secret, tokens


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = f"from javob.cli import main; main(['run', '--port', '{port}'])"
    server = subprocess.Popen([sys.executable, "-c", code], env=env)  # noqa: S603 (our own code)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("The server did not start.")


def reply(port: int, secret: str, conversation_id: int, text: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/conversations/{conversation_id}/reply",
        data=json.dumps({"text": text}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http://127.0.0.1)
        response.read()


async def open_sockets(port: int, public_id: str, tokens: list[str]) -> list[Any]:
    import websockets

    async def one(token: str) -> Any:
        url = f"ws://127.0.0.1:{port}/ws/widget/{public_id}/?token={token}"
        connection = await websockets.connect(url, origin=ORIGIN, max_queue=None)  # type: ignore[arg-type]
        await connection.recv()  # hello
        return connection

    sockets = []
    for start in range(0, len(tokens), 100):  # in waves, as visitors arrive
        sockets += await asyncio.gather(*(one(t) for t in tokens[start : start + 100]))
    return sockets


async def until(connection: Any, event: str, text: str, deadline: float = 15) -> dict[str, Any]:
    """The next `event` about a message with this text (skipping every other event)."""
    while True:
        data = json.loads(await asyncio.wait_for(connection.recv(), deadline))
        payload: dict[str, Any] = data["payload"]
        message = payload.get("message", payload)
        if data["event"] == event and message.get("text") == text:
            return payload


async def round_trips(
    port: int, secret: str, sockets: list[Any], rounds: int
) -> dict[str, list[float]]:
    import websockets

    agent = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/agent/",
        additional_headers={"Authorization": f"Bearer {secret}"},
    )
    await agent.recv()  # hello
    names = ("total", "to agent", "reply call", "to visitor")
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        visitor = sockets[(i * 7919) % len(sockets)]
        started = time.perf_counter()
        await visitor.send(json.dumps({"type": "message", "client_id": f"r{i}", "text": f"Hi {i}"}))
        created = await until(agent, "message.created", f"Hi {i}")
        seen = time.perf_counter()
        conversation_id = created["conversation"]["id"]
        await asyncio.to_thread(reply, port, secret, conversation_id, f"Answer {i}")
        answered = time.perf_counter()
        await until(visitor, "message", f"Answer {i}")
        done = time.perf_counter()
        times["total"].append((done - started) * 1000)
        times["to agent"].append((seen - started) * 1000)
        times["reply call"].append((answered - seen) * 1000)
        times["to visitor"].append((done - answered) * 1000)
    await agent.close()
    return times


def set_availability(port: int, secret: str, availability: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/me/availability",
        data=json.dumps({"availability": availability}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http://127.0.0.1)
        response.read()


async def agents_state(connection: Any, state: str, deadline: float = 15) -> float:
    """When (perf_counter) this socket heard the team's new state."""
    while True:
        data = json.loads(await asyncio.wait_for(connection.recv(), deadline))
        if data["event"] == "agents" and data["payload"]["agents"] == state:
            return time.perf_counter()


async def presence_pushes(
    port: int, secret: str, sockets: list[Any], rounds: int
) -> dict[str, list[float]]:
    """Milliseconds from the availability call to the first and the last socket hearing the
    new state (every socket listens before the call; the client reads all N sockets in this
    one process, so the figures include its work)."""
    times: dict[str, list[float]] = {"first widget": [], "last widget": []}
    for i in range(rounds):
        state = "online" if i % 2 == 0 else "away"
        started = time.perf_counter()
        listening = [asyncio.ensure_future(agents_state(s, state)) for s in sockets]
        await asyncio.to_thread(set_availability, port, secret, state)
        heard = await asyncio.gather(*listening)
        times["first widget"].append((min(heard) - started) * 1000)
        times["last widget"].append((max(heard) - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--presence", type=int, default=20, help="availability switches")
    args = parser.parse_args()
    database = fresh_database("widget")
    setup_django(database)
    public_id, secret, tokens = seed(args.sockets)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "JAVOB_LOG_LEVEL": "WARNING",
        # every simulated visitor connects from 127.0.0.1
        "JAVOB_WIDGET_CONNECTS_PER_IP_MINUTE": "1000000",
        "JAVOB_WIDGET_MESSAGES_PER_IP_MINUTE": "1000000",
    }
    server = start_server(port, env)
    try:
        asyncio.run(
            run(
                port,
                server.pid,
                public_id,
                secret,
                tokens,
                (args.rounds, args.presence),
                database.backend,
            )
        )
    finally:
        server.terminate()
        server.wait(10)
        database.cleanup()


async def run(
    port: int,
    pid: int,
    public_id: str,
    secret: str,
    tokens: list[str],
    counts: tuple[int, int],
    backend: str,
) -> None:
    rounds, switches = counts
    before = rss_kib(pid)
    opened = time.perf_counter()
    sockets = await open_sockets(port, public_id, tokens)
    opened = time.perf_counter() - opened
    await asyncio.sleep(1)
    after = rss_kib(pid)
    times = await round_trips(port, secret, sockets, rounds)
    times = {("round trip" if k == "total" else f"- {k}"): v for k, v in times.items()}
    pushes = await presence_pushes(port, secret, sockets, switches) if switches else {}
    version = await asyncio.to_thread(database_version)
    print(f"database: {backend} {version}; server: javob run (one process)")
    print_table(
        ["measure", "value"],
        [
            ["open widget sockets", f"{len(sockets)} (opened in {opened:.1f} s)"],
            ["server RSS before / after", f"{before / 1024:.0f} MiB / {after / 1024:.0f} MiB"],
            ["memory per connection", f"{(after - before) / len(sockets):.1f} KiB"],
            *(
                [
                    f"{name} p50 / p99 ({rounds} rounds)",
                    f"{percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f} ms",
                ]
                for name, values in times.items()
            ),
            *(
                [
                    f"presence push, {which} p50 / p99 ({switches})",
                    f"{percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f} ms",
                ]
                for which, values in pushes.items()
            ),
        ],
    )
    for connection in sockets:
        await connection.close()


if __name__ == "__main__":
    main()
