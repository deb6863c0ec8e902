"""The one SLA sweeper: claims due warnings and breaches with conditional UPDATEs.

Run by the scheduler every few seconds (`core.scheduler.SWEEPS`). Any number may run at once:
a row is claimed by the UPDATE that sets its `breached_at` / `warned_at`, and only the sweeper
whose UPDATE changed it writes the timeline row (a sweeper that reaches a row another one is
claiming waits for that transaction, then skips the row). After downtime the catch-up is exact: a
breach is dated at its due time and a warning at its warning time, never at the sweep time,
and a target already past due is breached without a late warning first.

Listeners (automation rules' escalations) are dotted paths in `LISTENERS`, each called after
commit as `listener(kind, claims)` with the event kind and the claimed `Claim`s.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from javob.accounts.models import Membership, Role, Team
from javob.conversations.models import Conversation, Event, EventKind, SenderType
from javob.realtime.publish import can_deliver, publish
from javob.sla.events import REALTIME_NAMES
from javob.sla.models import SlaTimer

logger = logging.getLogger(__name__)

BATCH = 5000
LISTENERS: tuple[str, ...] = ("javob.automation.engine.on_sla_claims",)


@dataclass(frozen=True, slots=True)
class Claim:
    timer_id: int
    conversation_id: int
    workspace_id: int
    metric: str
    at: dt.datetime  # the due time (breach) or the warning time (warning)


Places = dict[int, tuple[int | None, int | None]]  # conversation id -> (team id, assignee id)

# Claim columns: the stamp column is set from the time column, where the rows are due.
_BREACH = ("breached_at", "due_at", "due_at <= %s")
_WARNING = ("warned_at", "warn_at", "warn_at <= %s AND due_at > %s")


def _update_sql(spec: tuple[str, str, str]) -> tuple[str, int]:
    """The claiming UPDATE of up to BATCH due rows, and how many times it takes `now`."""
    stamp, source, due = spec
    table = SlaTimer._meta.db_table
    unclaimed = f"{stamp} IS NULL AND breached_at IS NULL AND fulfilled_at IS NULL AND {due}"
    sql = (
        f"UPDATE {table} SET {stamp} = {source} WHERE id IN ("  # noqa: S608 - fixed names
        f"SELECT id FROM {table} WHERE {unclaimed} LIMIT {BATCH}) AND {unclaimed} "
        f"RETURNING id, conversation_id, workspace_id, metric, {source} AS at"
    )
    return sql, 2 * due.count("%s")


def _claim(spec: tuple[str, str, str], now: dt.datetime) -> list[Claim]:
    """Set the stamp of due rows in one UPDATE; the rows this UPDATE changed."""
    sql, uses = _update_sql(spec)
    with connection.cursor() as cursor:
        cursor.execute(sql, [now] * uses)
        rows = cursor.fetchall()
    claims = [Claim(pk, cid, wid, metric, _aware(at)) for pk, cid, wid, metric, at in rows]
    return sorted(claims, key=lambda c: c.timer_id)


def _claim_postgres(spec: tuple[str, str, str], kind: str, now: dt.datetime) -> list[Claim]:
    """PostgreSQL: claim and write the timeline rows in one statement.

    The batch is picked through the partial index in due order and locked with SKIP LOCKED
    (a second sweeper takes other rows, never waits, never deadlocks with an agent's reply);
    the UPDATE reaches the picked rows by primary key, so each batch costs its own rows only,
    however large the backlog. The viewers' keys are read after commit, only when a browser
    can be listening (`_announce`).
    """
    stamp, source, due = spec
    timers = SlaTimer._meta.db_table
    events = Event._meta.db_table
    unclaimed = f"{stamp} IS NULL AND breached_at IS NULL AND fulfilled_at IS NULL AND {due}"
    qualified = " AND ".join(f"t.{term}" for term in unclaimed.split(" AND "))
    sql = (
        f"WITH claimed AS (UPDATE {timers} t SET {stamp} = t.{source} "  # noqa: S608 - fixed names
        f"WHERE t.id = ANY(ARRAY(SELECT id FROM {timers} "
        f"WHERE {unclaimed} ORDER BY {source} LIMIT {BATCH} FOR UPDATE SKIP LOCKED)) "
        f"AND {qualified} "
        f"RETURNING t.id, t.conversation_id, t.workspace_id, t.metric, t.{source} AS at), "
        f"written AS (INSERT INTO {events} (workspace_id, conversation_id, kind, actor_type, "
        "data, created_at) SELECT workspace_id, conversation_id, %s, %s, "
        "jsonb_build_object('metric', metric), at FROM claimed) "
        "SELECT * FROM claimed ORDER BY id"
    )
    uses = 2 * due.count("%s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*([now] * uses), kind, SenderType.SYSTEM])
        rows = cursor.fetchall()
    return [Claim(pk, cid, wid, metric, at) for pk, cid, wid, metric, at in rows]


def _aware(value: dt.datetime | str) -> dt.datetime:
    # PostgreSQL returns aware datetimes; SQLite returns the stored UTC text.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _write_events(kind: str, source: str, claims: Sequence[Claim]) -> None:
    """SQLite: one INSERT ... SELECT of the timeline rows, dated at the due (or warning) times."""
    timers = SlaTimer._meta.db_table
    events = Event._meta.db_table
    data = "json_object('metric', metric)"  # SQLite; PostgreSQL goes through _claim_postgres
    placeholders = ", ".join(["%s"] * len(claims))
    sql = (
        f"INSERT INTO {events} (workspace_id, conversation_id, kind, actor_type, data, "  # noqa: S608
        f"created_at) SELECT workspace_id, conversation_id, %s, %s, {data}, {source} "
        f"FROM {timers} WHERE id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, SenderType.SYSTEM, *(c.timer_id for c in claims)])


def _claim_batch(spec: tuple[str, str, str], kind: str, now: dt.datetime) -> list[Claim]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            claims = _claim_postgres(spec, kind, now)
        else:
            claims = _claim(spec, now)
            if claims:
                _write_events(kind, spec[1], claims)
        if not claims:
            return []
        transaction.on_commit(lambda: _announce(kind, claims))
        for path in LISTENERS:
            transaction.on_commit(lambda path=path: _listener(path)(kind, claims))  # type: ignore[misc]
        return claims


def _places(conversation_ids: list[int]) -> Places:
    if not conversation_ids:
        return {}
    # Raw SQL: the ORM spends longer building a 5,000-value IN list than the query takes.
    table = Conversation._meta.db_table
    placeholders = ", ".join(["%s"] * len(conversation_ids))
    sql = f"SELECT id, team_id, assignee_id FROM {table} WHERE id IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, conversation_ids)
        return {pk: (team, assignee) for pk, team, assignee in cursor.fetchall()}


def _announce(kind: str, claims: Sequence[Claim]) -> None:
    """After commit: one realtime event per group of conversations that have the same viewers.

    Conversations of one workspace, team and assignee are seen by the same agents, so a
    catch-up of 100k breaches costs a few dozen publications, not 100k. The payload lists
    the conversations: {"conversations": [{"id": 7, "sla": {"metric": ..., "at": ...}}]}.
    Nothing is read or built when no browser can be listening (a scheduler process with the
    in-memory channel layer).
    """
    if not can_deliver():
        return
    places = _places([c.conversation_id for c in claims])
    groups: dict[tuple[int, int | None, int | None], list[Claim]] = {}
    for claim in claims:
        team_id, assignee_id = places.get(claim.conversation_id, (None, None))
        groups.setdefault((claim.workspace_id, team_id, assignee_id), []).append(claim)
    viewers = Viewers()
    name = REALTIME_NAMES[EventKind(kind)]
    for (workspace_id, team_id, assignee_id), members in groups.items():
        publish(
            lambda w=workspace_id, t=team_id, a=assignee_id: viewers.of(w, t, a),  # type: ignore[misc]
            name,
            lambda members=members: _payload(members),  # type: ignore[misc]
        )


def _payload(claims: Sequence[Claim]) -> dict[str, Any]:
    """Built after commit, and only when a browser can be listening (see `publish`)."""
    items = [
        {"id": c.conversation_id, "sla": {"metric": c.metric, "at": c.at.isoformat()}}
        for c in claims
    ]
    return {"conversations": items}


@cache
def _listener(path: str) -> Callable[[str, list[Claim]], None]:
    module_name, _dot, name = path.rpartition(".")
    listener: Callable[[str, list[Claim]], None] = getattr(import_module(module_name), name)
    return listener


class Viewers:
    """`conversations.queries.viewer_ids` by (workspace, team, assignee), with few queries.

    Computed only when a realtime layer can deliver (publish calls it lazily after commit).
    """

    def __init__(self) -> None:
        self._workspaces: dict[int, _Members] = {}

    def of(self, workspace_id: int, team_id: int | None, assignee_id: int | None) -> list[int]:
        members = self._members(workspace_id)
        if team_id is None:
            return sorted(members.active)
        ids = members.privileged | members.by_team.get(team_id, set())
        if assignee_id in members.active:
            ids.add(assignee_id)
        return sorted(ids)

    def _members(self, workspace_id: int) -> _Members:
        if workspace_id not in self._workspaces:
            query = Membership.objects.filter(workspace_id=workspace_id, is_active=True)
            active = set(query.values_list("pk", flat=True))
            privileged = set(
                query.filter(role__in=[Role.OWNER, Role.ADMIN, Role.SUPERVISOR]).values_list(
                    "pk", flat=True
                )
            )
            by_team: dict[int, set[int]] = {}
            through = Team.members.through.objects.filter(team__workspace_id=workspace_id)
            for team_id, member_id in through.values_list("team_id", "membership_id"):
                if member_id in active:
                    by_team.setdefault(team_id, set()).add(member_id)
            self._workspaces[workspace_id] = _Members(active, privileged, by_team)
        return self._workspaces[workspace_id]


@dataclass(frozen=True, slots=True)
class _Members:
    active: set[int]
    privileged: set[int]
    by_team: dict[int, set[int]]


def lock_for_delete(conversation_ids: list[int]) -> None:
    """Lock the timers of conversations about to be deleted (`conversations.deletion`).

    Waits for a sweep batch that claimed one of them to commit (its timeline rows are then
    visible to the delete that follows), and every later batch skips them (SKIP LOCKED), so
    no timeline row is written for a deleted conversation."""
    table = SlaTimer._meta.db_table
    for start in range(0, len(conversation_ids), BATCH):
        chunk = conversation_ids[start : start + BATCH]
        placeholders = ", ".join(["%s"] * len(chunk))
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        sql = (
            f"SELECT id FROM {table} WHERE conversation_id IN ({placeholders}) "  # noqa: S608
            f"ORDER BY id{lock}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Claim every due breach, then every due warning; the counts of each."""
    now = now or timezone.now()
    counts = {}
    for spec, kind in ((_BREACH, EventKind.SLA_BREACHED), (_WARNING, EventKind.SLA_WARNING)):
        total = 0
        while batch := _claim_batch(spec, kind, now):
            total += len(batch)
            if len(batch) < BATCH:
                break
        counts[str(kind)] = total
    return counts


def sweep_sla() -> int:
    """The scheduler's entry point: the number of breaches and warnings sent."""
    return sum(sweep().values())
