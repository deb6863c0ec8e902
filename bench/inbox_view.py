#!/usr/bin/env python
"""Server time of the agent UI's pages at 100k conversations / 1M messages.

Seeds the workspace of bench/inbox.py (same data, same seed), then renders pages through
Django's test client — the whole server path: middleware (session, auth, language, CSP),
the view, its queries and the template — and prints p50/p95 over the runs:

- the inbox "All" and a team view as an admin, "Mine" and "All" as a team agent, the next
  page ("load more") as htmx asks for it, and the sidebar's counts of every view, which the
  page fetches right after it loads;
- the conversation page of a conversation with many messages.

SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench (dropped and
recreated). See docs/benchmarks-webcore.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from bench.inbox import Cast, make_cast, seed

if TYPE_CHECKING:
    from django.test import Client


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60, help="timed runs per case (>= 20)")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def browser(member: Any) -> Client:
    from django.test import Client

    client = Client()
    client.force_login(member.user)
    return client


def timed(runs: int, action: Callable[[], Any]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run. On a shared machine the CPU time of this
    process (which runs the database too, for SQLite) is the steadier of the two."""
    action()  # warm the caches and the code paths once
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.status_code
    return wall, cpu


def next_page_url(client: Client, url: str) -> str:
    body = client.get(url).content.decode()
    cursor = body.split("cursor=")[1].split('"')[0]
    return f"{url}?cursor={cursor}"


def busiest_conversation(cast: Cast) -> tuple[int, int]:
    from django.db.models import Count

    from javob.conversations.models import Conversation

    row = (
        Conversation.objects.filter(workspace=cast.workspace)
        .annotate(n=Count("messages"))
        .order_by("-n")
        .values_list("pk", "n")
        .first()
    )
    assert row is not None
    return row[0], row[1]


def cases(cast: Cast) -> list[tuple[str, str, Client, str, dict[str, str]]]:
    admin, agent = browser(cast.admin), browser(cast.agent)
    team = f"/inbox/team-{cast.team.pk}/"
    conversation_id, messages = busiest_conversation(cast)
    htmx = {"HX-Request": "true"}
    return [
        ("admin", "inbox: All", admin, "/inbox/all/", {}),
        ("admin", f"inbox: {cast.team.name}", admin, team, {}),
        ("admin", "inbox: All, load more", admin, next_page_url(admin, "/inbox/all/"), htmx),
        ("admin", "sidebar counts", admin, "/inbox/all/nav", htmx),
        ("team agent", "inbox: Mine", agent, "/inbox/mine/", {}),
        ("team agent", "inbox: All", agent, "/inbox/all/", {}),
        ("team agent", "sidebar counts", agent, "/inbox/all/nav", htmx),
        (
            "admin",
            f"conversation ({messages} messages)",
            admin,
            f"/conversations/{conversation_id}/",
            {},
        ),
    ]


def measure(cast: Cast, runs: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for who, name, client, url, headers in cases(cast):
        wall, cpu = timed(runs, partial(client.get, url, headers=headers))
        figures = [percentile(t, q) * 1000 for t in (wall, cpu) for q in (0.5, 0.95)]
        rows.append([who, name, runs, *(f"{f:.1f}" for f in figures)])
    return rows


def main() -> None:
    args = parse_args()
    database = fresh_database("inbox-view")
    try:
        setup_django(database)
        report(args, database)
    finally:
        database.cleanup()


def report(args: Any, database: Database) -> None:
    from django.conf import settings

    from javob.conversations.models import Conversation, Message

    settings.ALLOWED_HOSTS = ["testserver"]
    rng = random.Random(args.seed)
    cast = make_cast()
    seconds = seed(cast, args.conversations, args.messages, rng)
    stored = (Conversation.objects.count(), Message.objects.count())
    opened = Conversation.objects.filter(status="open").count()
    print(
        f"\nAgent UI pages, {database_version()}: seeded {stored[0]:,} conversations and "
        f"{stored[1]:,} messages in {seconds:.0f} s; {opened:,} open; 50 rows per page"
    )
    headers = ["backend", "who", "page", "runs", "p50 ms", "p95 ms", "CPU p50", "CPU p95"]
    rows = [[database.backend, *row] for row in measure(cast, max(20, args.runs))]
    print_table(headers, rows)
    print(f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
