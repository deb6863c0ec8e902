#!/usr/bin/env python
"""Settings pages benchmark: the admin list pages of a busy workspace, server time.

Seeds the inbox benchmark's workspace (100,000 conversations, 1,000,000 messages, 8 teams,
labels on 30% of conversations), then 100,000 webhook payloads (1% quarantined) and 1% of
the outgoing messages failed, and times GET of each /settings/ list page through Django's
whole stack (test client, signed-in admin). The inboxes page computes each inbox's health
(last payload, last quarantined payload, last failed reply) with subqueries; the teams and
labels pages count conversations. Prints p50/p95.

SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_version, fresh_database, percentile, print_table, setup_django

PAGES = ("agents", "teams", "inboxes", "labels", "tokens")
BATCH = 5000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--payloads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def seed_health(workspace_id: int, payloads: int, rng: random.Random) -> None:
    """Webhook payloads on every inbox (1% quarantined) and 1% of replies failed."""
    from django.db import transaction

    from javob.connectors.models import InboundPayload
    from javob.conversations.models import Inbox, Message

    inboxes = list(Inbox.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True))
    for start in range(0, payloads, BATCH):
        rows = [
            InboundPayload(
                workspace_id=workspace_id,
                inbox_id=rng.choice(inboxes),
                provider_id=f"p-{number}",
                body=b"{}",
                error="ValueError: bench" if rng.random() < 0.01 else "",
            )
            for number in range(start, min(payloads, start + BATCH))
        ]
        with transaction.atomic():
            InboundPayload.objects.bulk_create(rows, batch_size=1000)
    outgoing = Message.objects.filter(direction="outgoing").values_list("pk", flat=True)
    failed = [pk for pk in outgoing.iterator() if rng.random() < 0.01]
    for start in range(0, len(failed), BATCH):
        Message.objects.filter(pk__in=failed[start : start + BATCH]).update(
            delivery_status="failed", failure_reason="HTTP 400: bench"
        )


def timed(runs: int, client: Any, url: str) -> list[float]:
    assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    args = parse_args()
    database = fresh_database("settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    try:
        setup_django(database)
        report(args, database.backend)
    finally:
        database.cleanup()


def report(args: argparse.Namespace, backend: str) -> None:
    from django.db import connection
    from django.test import Client

    from bench.inbox import make_cast, seed

    rng = random.Random(args.seed)
    cast = make_cast()
    seconds = seed(cast, args.conversations, args.messages, rng)
    seed_health(cast.workspace.pk, args.payloads, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(cast.admin.user)
    print(
        f"\nSettings pages, {database_version()}: {args.conversations:,} conversations, "
        f"{args.messages:,} messages, {args.payloads:,} payloads (seeded in {seconds:.0f} s)"
    )
    rows = []
    for name in PAGES:
        times = timed(args.runs, client, f"/settings/{name}/")
        p50, p95 = percentile(times, 0.5) * 1000, percentile(times, 0.95) * 1000
        rows.append([backend, f"/settings/{name}/", args.runs, f"{p50:.1f}", f"{p95:.1f}"])
    print_table(["backend", "page", "runs", "p50 ms", "p95 ms"], rows)


if __name__ == "__main__":
    main()
