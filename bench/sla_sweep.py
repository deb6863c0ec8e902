#!/usr/bin/env python
"""SLA sweep benchmark: one full sweep over 100k open conversations with running targets.

Seeds a workspace with 100,000 open conversations, each with a running first-reply and a
running resolution timer (200,000 due rows), then times `javob.sla.sweep.sweep()`:

- idle: nothing is due (what the scheduler does every few seconds);
- steady: 1% of the first-reply targets are past due and 1% inside their warning window;
- catch-up: every first-reply target is past due (the scheduler was down): 100,000 breaches
  claimed, 100,000 timeline rows written, dated at their due times.

Each case is reset and run `--runs` times; the median and the worst wall time are printed,
with the median CPU time of this process and (PostgreSQL on the same machine) of its
database backend. Realtime
announcements are queued after commit as in production (no browser is connected here, so
nothing is sent). SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench_sla
(dropped and recreated). Figures: docs/benchmarks-sla.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Database,
    database_version,
    fresh_database,
    median,
    print_table,
    setup_django,
)

BATCH = 5000
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one catch-up sweep")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: time the sweeps on the database a previous run seeded (migrated again)",
    )
    return parser.parse_args()


def seed(count: int) -> None:
    from javob.accounts.actions import do_create_workspace
    from javob.connectors.actions import do_add_inbox
    from javob.contacts.models import Contact
    from javob.conversations.models import Conversation
    from javob.sla.actions import PolicyInput, do_save_policy
    from javob.sla.models import SlaTimer

    workspace, _owner = do_create_workspace("SLA bench", "owner@bench.example.com")
    inbox = do_add_inbox(workspace, "api", "API", {"webhook_url": "https://hooks.example.com"}, [])
    policy = do_save_policy(
        workspace,
        None,
        PolicyInput(
            name="Bench", targets={"first_reply": {"none": 60}, "resolution": {"none": 480}}
        ),
    )
    contacts = Contact.objects.bulk_create(
        [Contact(workspace=workspace, name=f"Customer {i}") for i in range(1000)]
    )
    for start in range(0, count, BATCH):
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    workspace=workspace,
                    number=i + 1,
                    inbox=inbox,
                    contact=contacts[i % len(contacts)],
                    status="open",
                    last_activity_at=NOW - dt.timedelta(minutes=i % 600),
                )
                for i in range(start, min(start + BATCH, count))
            ]
        )
        timers = []
        for conversation in conversations:
            for metric in ("first_reply", "resolution"):
                timers.append(
                    SlaTimer(
                        workspace=workspace,
                        conversation=conversation,
                        metric=metric,
                        policy=policy,
                        target_minutes=60,
                        started_at=NOW - dt.timedelta(hours=1),
                        due_at=NOW + dt.timedelta(days=1),
                        warn_at=NOW + dt.timedelta(days=1) - dt.timedelta(minutes=15),
                    )
                )
        SlaTimer.objects.bulk_create(timers)


def reset(due_fraction: float, warn_fraction: float) -> None:
    """Every timer running and not due; then the first fractions of first-reply ones due."""
    from javob.conversations.models import Event
    from javob.sla.models import SlaTimer

    Event.objects.filter(kind__startswith="sla_").delete()
    later = NOW + dt.timedelta(days=1)
    SlaTimer.objects.update(
        due_at=later, warn_at=later - dt.timedelta(minutes=15), breached_at=None, warned_at=None
    )
    first = SlaTimer.objects.filter(metric="first_reply").order_by("id")
    total = first.count()
    due_ids = list(first.values_list("id", flat=True)[: int(total * due_fraction)])
    warn_ids = list(
        first.values_list("id", flat=True)[
            int(total * due_fraction) : int(total * (due_fraction + warn_fraction))
        ]
    )
    for start in range(0, len(due_ids), BATCH):
        SlaTimer.objects.filter(id__in=due_ids[start : start + BATCH]).update(
            due_at=NOW - dt.timedelta(minutes=5), warn_at=NOW - dt.timedelta(minutes=20)
        )
    for start in range(0, len(warn_ids), BATCH):
        SlaTimer.objects.filter(id__in=warn_ids[start : start + BATCH]).update(
            due_at=NOW + dt.timedelta(minutes=5), warn_at=NOW - dt.timedelta(minutes=10)
        )


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process
    db_cpu: list[float] = field(default_factory=list)  # the PostgreSQL backend


def run_case(due: float, warn: float, runs: int) -> tuple[Timings, dict[str, int]]:
    from django.db import connection

    from javob.sla.sweep import sweep

    timings, counts = Timings(), {}
    for _ in range(runs):
        reset(due, warn)
        if connection.vendor == "postgresql":  # the reset's dead rows are not the sweep's cost
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE sla_slatimer")
                cursor.execute("VACUUM ANALYZE conversations_event")
        db_before, cpu_before = backend_cpu(), time.process_time()
        started = time.perf_counter()
        counts = sweep(NOW)
        timings.wall.append(time.perf_counter() - started)
        timings.cpu.append(time.process_time() - cpu_before)
        db_after = backend_cpu()
        if db_before is not None and db_after is not None:
            timings.db_cpu.append(db_after - db_before)
    return timings, counts


def floor() -> float:
    """The cost of writing one timeline row per first-reply timer and nothing else."""
    from django.db import connection, transaction

    reset(0.0, 0.0)
    data = "jsonb_build_object('m', metric)" if connection.vendor == "postgresql" else "'{}'"
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO conversations_event (workspace_id, conversation_id, kind, actor_type, "  # noqa: S608
            f"data, created_at) SELECT workspace_id, conversation_id, 'x', 'system', {data}, "
            "due_at FROM sla_slatimer WHERE metric = 'first_reply'"
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def profile(count: int) -> None:
    import cProfile
    import pstats

    from javob.sla.sweep import sweep

    reset(1.0, 0.0)
    with cProfile.Profile() as profiler:
        sweep(NOW)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    args = parse_args()
    database = Database("postgresql", os.environ.get("DATABASE_URL", ""), lambda: None)
    if not args.reuse:
        database = fresh_database("sla")
    try:
        setup_django(database)
        started = time.perf_counter()
        if not args.reuse:
            seed(args.conversations)
        print(
            f"{database_version()}: {args.conversations:,} open conversations with "
            f"{2 * args.conversations:,} running SLA timers "
            f"(seeded in {time.perf_counter() - started:.1f} s)"
        )
        print()
        if args.profile:
            profile(args.conversations)
            return
        rows = []
        for name, due, warn in (
            ("idle (nothing due)", 0.0, 0.0),
            ("steady (1% breach, 1% warn)", 0.01, 0.01),
            ("catch-up (all first replies due)", 1.0, 0.0),
        ):
            timings, counts = run_case(due, warn, args.runs)
            db_cpu = f"{median(timings.db_cpu) * 1000:.0f}" if timings.db_cpu else "-"
            rows.append(
                (
                    name,
                    f"{counts['sla_breached']:,}",
                    f"{counts['sla_warning']:,}",
                    f"{median(timings.wall) * 1000:.0f}",
                    f"{max(timings.wall) * 1000:.0f}",
                    f"{median(timings.cpu) * 1000:.0f}",
                    db_cpu,
                )
            )
        print_table(
            [
                "case",
                "breaches",
                "warnings",
                "median ms",
                "worst ms",
                "CPU median ms",
                "DB CPU median ms",
            ],
            rows,
        )
        print(f"load average during the cases: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        print()
        print(f"Floor on this machine now: {floor() * 1000:.0f} ms to write the same number of")
        print(
            "timeline rows alone (INSERT ... SELECT of one row per first-reply timer, rolled back)."
        )
        print()
        print_schema()
    finally:
        database.cleanup()


def print_schema() -> None:
    """What each timeline row and each claimed timer costs: the indexes and foreign keys."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("conversations_event", "sla_slatimer"):
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [table]
            )
            indexes = [row[0].split(" USING ", 1)[1] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
                "ORDER BY conname",
                [table],
            )
            keys = [row[0] for row in cursor.fetchall()]
            print(f"{table}: {len(indexes)} indexes: {'; '.join(indexes)}")
            print(
                f"{table}: {len(keys)} foreign keys (checked per inserted row): {', '.join(keys)}"
            )


if __name__ == "__main__":
    main()
