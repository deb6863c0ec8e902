"""The one SLA sweeper: claims due warnings and breaches with conditional UPDATEs.

Run by the scheduler every few seconds (`core.scheduler.SWEEPS`). Any number may run at once:
a row is claimed by the UPDATE that sets its `breached_at` / `warned_at`, and only the sweeper
whose UPDATE changed it writes the timeline row. After downtime the catch-up is exact: a
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

from django.db import connection, transaction
from django.utils import timezone

from javob.accounts.models import Membership, Role, Team
from javob.conversations.models import Conversation, Event, EventKind, SenderType
from javob.realtime.publish import publish
from javob.sla.events import REALTIME_NAMES, payload
from javob.sla.models import SlaTimer

logger = logging.getLogger(__name__)

BATCH = 5000
LISTENERS: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Claim:
    timer_id: int
    conversation_id: int
    workspace_id: int
    metric: str
    at: dt.datetime  # the due time (breach) or the warning time (warning)


# Claim columns: the stamp column is set from the time column, where the rows are due.
_BREACH = ("breached_at", "due_at", "due_at <= %s")
_WARNING = ("warned_at", "warn_at", "warn_at <= %s AND due_at > %s")


def _claim_ids(spec: tuple[str, str, str], now: dt.datetime) -> list[int]:
    stamp, source, due = spec
    table = SlaTimer._meta.db_table
    unclaimed = f"{stamp} IS NULL AND breached_at IS NULL AND fulfilled_at IS NULL AND {due}"
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    params = [now] * due.count("%s")
    sql = (
        f"UPDATE {table} SET {stamp} = {source} WHERE id IN ("  # noqa: S608 - fixed names
        f"SELECT id FROM {table} WHERE {unclaimed} LIMIT {BATCH}{lock}) AND {unclaimed} "
        "RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params])
        return [int(row[0]) for row in cursor.fetchall()]


def _claim_batch(spec: tuple[str, str, str], kind: str, now: dt.datetime) -> list[Claim]:
    with transaction.atomic():
        ids = _claim_ids(spec, now)
        if not ids:
            return []
        rows = SlaTimer.objects.filter(pk__in=ids).values_list(
            "pk", "conversation_id", "workspace_id", "metric", spec[1]
        )
        claims = [Claim(*row) for row in rows.order_by("pk")]
        Event.objects.bulk_create(
            [
                Event(
                    workspace_id=c.workspace_id,
                    conversation_id=c.conversation_id,
                    kind=kind,
                    actor_type=SenderType.SYSTEM,
                    data={"metric": c.metric, "due_at": c.at.isoformat()},
                    created_at=c.at,
                )
                for c in claims
            ],
            batch_size=1000,
        )
        _announce(kind, claims)
        for path in LISTENERS:
            transaction.on_commit(lambda path=path: _listener(path)(kind, claims))  # type: ignore[misc]
        return claims


def _announce(kind: str, claims: Sequence[Claim]) -> None:
    viewers = Viewers()
    name = REALTIME_NAMES[EventKind(kind)]
    for claim in claims:
        data = {"metric": claim.metric}
        publish(
            lambda cid=claim.conversation_id: viewers.of(cid),  # type: ignore[misc]
            name,
            payload(claim.conversation_id, data, claim.at),
        )


@cache
def _listener(path: str) -> Callable[[str, list[Claim]], None]:
    module_name, _dot, name = path.rpartition(".")
    listener: Callable[[str, list[Claim]], None] = getattr(import_module(module_name), name)
    return listener


class Viewers:
    """`conversations.queries.viewer_ids` for many conversations, with few queries.

    Computed only when a realtime layer can deliver (publish calls it lazily after commit).
    """

    def __init__(self) -> None:
        self._conversations: dict[int, tuple[int, int | None, int | None]] = {}
        self._workspaces: dict[int, _Members] = {}

    def of(self, conversation_id: int) -> list[int]:
        if conversation_id not in self._conversations:
            row = Conversation.objects.filter(pk=conversation_id).values_list(
                "workspace_id", "team_id", "assignee_id"
            )
            self._conversations[conversation_id] = row.get()
        workspace_id, team_id, assignee_id = self._conversations[conversation_id]
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
