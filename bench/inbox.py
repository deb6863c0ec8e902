#!/usr/bin/env python
"""Inbox benchmark: one team's open conversations, first page and a deep page, at 100k.

Seeds a workspace with 100,000 conversations and 1,000,000 messages (eight teams, every
status, a year of activity), then times the list an agent opens all day: the open
conversations of one team, newest activity first, 25 per page, exactly as the REST list
endpoint builds it (`filter_conversations` -> `select_related("contact")`,
`prefetch_related("labels")` -> `page`). First page, and the page after 50 pages of cursors;
as an admin (sees everything) and as an agent of that team (sees through the visibility
rule). Prints p50/p95 over the runs and the query plan of the first page.

SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench (dropped and
recreated). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from javob.accounts.models import Membership, Team, Workspace
    from javob.conversations.models import Conversation

STATUSES = (("open", 20), ("pending", 10), ("snoozed", 5), ("resolved", 40), ("closed", 25))
TEAMS = 8
PAGE = 25
DEEP = 50
BATCH = 5000


@dataclass(frozen=True, slots=True)
class Cast:
    workspace: Workspace
    admin: Membership
    agent: Membership  # an agent of `team`
    team: Team
    agents: list[Membership]
    teams: list[Team]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100, help="timed runs per case (>= 50)")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def make_cast() -> Cast:
    from javob.accounts.actions import AgentInput, do_add_agent, do_create_team
    from javob.accounts.actions import do_create_workspace as create
    from javob.accounts.models import Role

    workspace, _owner = create("Inbox bench", "owner@bench.example.com")
    admin = do_add_agent(workspace, AgentInput(email="admin@bench.example.com", role=Role.ADMIN))
    agents = [
        do_add_agent(workspace, AgentInput(email=f"agent{i}@bench.example.com"))
        for i in range(TEAMS * 3)
    ]
    teams = [
        do_create_team(workspace, f"Team {t + 1}", [a.pk for a in agents[t * 3 : t * 3 + 3]])
        for t in range(TEAMS)
    ]
    return Cast(workspace, admin, agents[0], teams[0], agents, teams)


# Seeding. bulk_create (and, for the messages, executemany) writes rows without the actions:
# this is a benchmark fixture of a size no action-by-action load would reach in minutes,
# and only the read path is measured.


def seed(cast: Cast, conversations: int, messages: int, rng: random.Random) -> float:
    from django.db import transaction

    started = time.perf_counter()
    inboxes = _inboxes(cast.workspace)
    contacts = _contacts(cast.workspace, conversations * 2 // 5, rng)
    labels = _labels(cast.workspace)
    per_conversation = messages / conversations
    made = 0
    for start in range(0, conversations, BATCH):
        count = min(BATCH, conversations - start)
        with transaction.atomic():  # one commit per batch, not one per row
            rows = _conversations(cast, inboxes, contacts, start, count, rng)
            _label(rows, labels, rng)
            quota = round(per_conversation * (start + count)) - made
            made += _messages(rows, quota, rng)
    _analyze()
    return time.perf_counter() - started


def _inboxes(workspace: Workspace) -> list[int]:
    from javob.connectors.actions import do_add_inbox

    kinds = ("telegram", "whatsapp", "email", "webchat")
    # No provider to reach: stored as demo data is (connect=False).
    return [do_add_inbox(workspace, kind, kind, {}, [], connect=False).pk for kind in kinds]


def _contacts(workspace: Workspace, count: int, rng: random.Random) -> list[int]:
    from javob.contacts.models import Contact

    rows = [Contact(workspace=workspace, name=f"Customer {i}", locale="uz") for i in range(count)]
    Contact.objects.bulk_create(rows, batch_size=BATCH)
    return list(Contact.objects.filter(workspace=workspace).values_list("pk", flat=True))


def _labels(workspace: Workspace) -> list[Any]:
    from javob.conversations.models import Label

    names = ("delivery", "refund", "payment", "vip", "app")
    return [Label.objects.create(workspace=workspace, name=name) for name in names]


def _conversations(
    cast: Cast, inboxes: list[int], contacts: list[int], start: int, count: int, rng: random.Random
) -> list[Conversation]:
    import datetime as dt

    from django.utils import timezone

    from javob.conversations.models import Conversation

    now = timezone.now()
    statuses = [name for name, _ in STATUSES]
    weights = [weight for _, weight in STATUSES]
    rows = []
    for number in range(start + 1, start + count + 1):
        status = rng.choices(statuses, weights)[0]
        # Active conversations are recent; finished ones spread over the year.
        age = rng.uniform(0, 30 if status in ("open", "pending", "snoozed") else 365)
        last = now - dt.timedelta(days=age)
        team = rng.choice(cast.teams) if rng.random() < 0.9 else None
        assignee = rng.choice(cast.agents) if rng.random() < 0.7 else None
        rows.append(
            Conversation(
                workspace=cast.workspace,
                number=number,
                inbox_id=rng.choice(inboxes),
                contact_id=rng.choice(contacts),
                status=status,
                team=team,
                assignee=assignee,
                priority=rng.choice(("none", "none", "low", "medium", "high")),
                last_activity_at=last,
                snoozed_until=now + dt.timedelta(days=2) if status == "snoozed" else None,
                resolved_at=last if status in ("resolved", "closed") else None,
            )
        )
    return Conversation.objects.bulk_create(rows, batch_size=1000)


def _label(rows: list[Conversation], labels: list[Any], rng: random.Random) -> None:
    from javob.conversations.models import Conversation

    through = Conversation.labels.through
    links = [
        through(conversation_id=row.pk, label_id=label.pk)
        for row in rows
        if rng.random() < 0.3
        for label in rng.sample(labels, rng.randint(1, 2))
    ]
    through.objects.bulk_create(links, batch_size=BATCH)


def _messages(rows: list[Conversation], quota: int, rng: random.Random) -> int:
    counts = _split(quota, len(rows), rng)
    batch: list[tuple[Any, ...]] = []
    for conversation, count in zip(rows, counts, strict=True):
        batch += _thread(conversation, count)
    _insert_messages(batch)
    return sum(counts)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` spread over `parts`, each at least 1, roughly 1..2x the mean."""
    mean = total / parts
    counts = [max(1, round(rng.uniform(0.2, 1.8) * mean)) for _ in range(parts)]
    counts[-1] = max(1, counts[-1] + total - sum(counts))
    return counts


MESSAGE_COLUMNS = (
    "workspace_id", "conversation_id", "inbox_id", "direction", "sender_type",
    "sender_contact_id", "text", "html", "references", "delivery_status", "delivery_rank",
    "failure_reason", "idempotency_key", "attempts", "metadata", "created_at",
    "language", "sentiment", "intent", "pii_spans",
)  # fmt: skip


def _thread(conversation: Conversation, count: int) -> Iterator[tuple[Any, ...]]:
    import datetime as dt

    from django.db import connection

    ops = connection.ops
    uuid_as_hex = connection.vendor == "sqlite"  # how Django stores a UUIDField there
    for i in range(count):
        incoming = i % 2 == 0
        at = conversation.last_activity_at - dt.timedelta(minutes=5 * (count - 1 - i))
        key = uuid.uuid4()
        yield (
            conversation.workspace_id,
            conversation.pk,
            conversation.inbox_id,
            "incoming" if incoming else "outgoing",
            "contact" if incoming else "agent",
            conversation.contact_id if incoming else None,
            "Assalomu alaykum! Buyurtmam qayerda?" if incoming else "Tekshirib beraman.",
            "",
            "[]",
            "" if incoming else "read",
            0 if incoming else 30,
            "",
            key.hex if uuid_as_hex else key,
            0,
            "{}",
            ops.adapt_datetimefield_value(at),
            "uz-Latn" if incoming else "",
            "neutral" if incoming else "",
            "",
            "[]",
        )


def _insert_messages(rows: list[tuple[Any, ...]]) -> None:
    """A million rows through Model() and bulk_create would spend minutes in Python; the
    fixture writes them with one executemany per batch instead."""
    from django.db import connection

    from javob.conversations.models import Message

    ops = connection.ops
    columns = ", ".join(ops.quote_name(column) for column in MESSAGE_COLUMNS)
    marks = ", ".join(["%s"] * len(MESSAGE_COLUMNS))
    table = ops.quote_name(Message._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - our own names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _analyze() -> None:
    """Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` keep them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# Measuring.


def open_of_team(member: Membership, team: Team) -> QuerySet[Conversation]:
    """The list endpoint's query: filter, joins, then `page` orders and slices."""
    from javob.conversations.queries import ConversationFilter, filter_conversations

    flt = ConversationFilter(status="open", team_id=team.pk)
    return filter_conversations(member, flt).select_related("contact").prefetch_related("labels")


def deep_cursor(member: Membership, team: Team) -> tuple[int, str | None]:
    """The cursor of page DEEP + 1 (or of the last page, when there are fewer)."""
    from javob.conversations.queries import page

    cursor = None
    for number in range(1, DEEP + 1):
        _rows, following = page(open_of_team(member, team), cursor, PAGE)
        if following is None:
            return number, cursor
        cursor = following
    return DEEP + 1, cursor


def timed(runs: int, action: Callable[[], object]) -> list[float]:
    action()  # warm the caches and the code paths once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def one_page(member: Membership, team: Team, cursor: str | None) -> object:
    from javob.conversations.queries import page

    return page(open_of_team(member, team), cursor, PAGE)


def measure(cast: Cast, runs: int) -> list[list[object]]:
    rows = []
    for who, member in (("admin", cast.admin), ("team agent", cast.agent)):
        deep, cursor = deep_cursor(member, cast.team)
        for name, at in (("first page", None), (f"page {deep}", cursor)):
            times = timed(runs, partial(one_page, member, cast.team, at))
            p50, p95 = percentile(times, 0.5) * 1000, percentile(times, 0.95) * 1000
            rows.append([who, name, runs, f"{p50:.1f}", f"{p95:.1f}"])
    return rows


def explain(member: Membership, team: Team) -> str:
    """The plan of the first page's main query (as `page` orders and slices it)."""
    query = open_of_team(member, team).order_by("-last_activity_at", "-id")[: PAGE + 1]
    return query.explain()


def main() -> None:
    args = parse_args()
    database = fresh_database("inbox")
    try:
        setup_django(database)
        report(args, database)
    finally:
        database.cleanup()


def report(args: Any, database: Database) -> None:
    from javob.conversations.models import Conversation, Message

    rng = random.Random(args.seed)
    cast = make_cast()
    seconds = seed(cast, args.conversations, args.messages, rng)
    stored = (Conversation.objects.count(), Message.objects.count())
    open_team = Conversation.objects.filter(status="open", team=cast.team).count()
    print(
        f"\nInbox, {database_version()}: seeded {stored[0]:,} conversations and {stored[1]:,} "
        f"messages in {seconds:.0f} s; {open_team:,} open in {cast.team.name}, {PAGE} per page"
    )
    headers = ["backend", "who", "page", "runs", "p50 ms", "p95 ms"]
    rows = [[database.backend, *row] for row in measure(cast, max(50, args.runs))]
    print_table(headers, rows)
    for who, member in (("admin", cast.admin), ("team agent", cast.agent)):
        print(f"\nQuery plan, first page, {who}:\n{explain(member, cast.team)}")


if __name__ == "__main__":
    main()
