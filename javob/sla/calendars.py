"""The calendars of each workspace, kept in memory per process.

The automation rules' "business hours now" condition asks for the calendar of one
conversation on every message. Reading the calendar link, the calendar and its holidays each
time costs two or three ORM statements, so each process keeps the workspace's calendars (as
`hours.Calendar` values, by team and by inbox) and reads them again only when the workspace's
calendar token (`CalendarSet`) has changed. Every write to a calendar, its holidays or the
calendar link of an inbox or a team gives the workspace a new token inside its transaction
(`bump_calendars`), so a change made in any process is seen by the next evaluation in every
process. A random token rather than a counter: a rolled-back write can never make an old
cached set current again.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from javob.conversations.models import Conversation
from javob.sla import hours
from javob.sla.models import CalendarLink, CalendarSet


@dataclass(frozen=True, slots=True)
class Calendars:
    """A workspace's linked calendars: by team id and by inbox id."""

    by_team: dict[int, hours.Calendar]
    by_inbox: dict[int, hours.Calendar]

    def of(self, team_id: int | None, inbox_id: int) -> hours.Calendar | None:
        """The team's calendar when the team has one, else the inbox's (as `calendar_for`)."""
        if team_id is not None and team_id in self.by_team:
            return self.by_team[team_id]
        return self.by_inbox.get(inbox_id)


_cache: dict[int, tuple[str | None, Calendars]] = {}
_lock = threading.Lock()


def bump_calendars(workspace_id: int) -> None:
    """Give the workspace's calendars a new token: every process reads them again.

    Called by every calendar, holiday and calendar-link write action, inside its transaction."""
    CalendarSet.objects.bulk_create(
        [CalendarSet(workspace_id=workspace_id, token=uuid.uuid4().hex)],
        update_conflicts=True,
        unique_fields=["workspace"],
        update_fields=["token"],
    )


def token_of(workspace_id: int) -> str | None:
    """The workspace's calendar token (None before its first calendar write): one statement."""
    q = connection.ops.quote_name
    sql = f"SELECT {q('token')} FROM {q(CalendarSet._meta.db_table)} WHERE {q('workspace_id')} = %s"  # noqa: S608 - fixed names
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id])
        row = cursor.fetchone()
    return row[0] if row else None


def calendars_of(workspace_id: int, token: str | None) -> Calendars:
    """The workspace's linked calendars (from memory while `token` is the one they were read
    with)."""
    cached = _cache.get(workspace_id)
    if cached is None or cached[0] != token:
        cached = (token, _read(workspace_id))
        with _lock:
            _cache[workspace_id] = cached
    return cached[1]


def forget_calendars() -> None:
    """Drop every workspace's calendars from memory (tests that roll back their writes)."""
    with _lock:
        _cache.clear()


def _read(workspace_id: int) -> Calendars:
    from javob.sla.queries import as_hours  # queries uses this module's reads

    links = CalendarLink.objects.filter(workspace_id=workspace_id).select_related("calendar")
    converted: dict[int, hours.Calendar] = {}
    by_team: dict[int, hours.Calendar] = {}
    by_inbox: dict[int, hours.Calendar] = {}
    for link in links.prefetch_related("calendar__holidays"):
        if link.calendar_id not in converted:
            converted[link.calendar_id] = as_hours(link.calendar)
        if link.team_id is not None:
            by_team[link.team_id] = converted[link.calendar_id]
        elif link.inbox_id is not None:
            by_inbox[link.inbox_id] = converted[link.calendar_id]
    return Calendars(by_team, by_inbox)


class OpenNow:
    """Whether the conversation's team or inbox is inside its business hours at `at` (always,
    without a calendar): the automation rules' "business hours now" condition.

    Called as is, it reads the workspace's calendar token (one statement); the rules' statement
    reads the token itself (`token_sql`) and calls `with_token(token)`. The calendars come from
    memory either way."""

    def __call__(self, conversation: Conversation, at: dt.datetime, /) -> bool:
        return self.with_token(token_of(conversation.workspace_id))(conversation, at)

    def token_sql(self, workspace_column: str) -> str:
        q = connection.ops.quote_name
        return (
            f"SELECT {q('token')} FROM {q(CalendarSet._meta.db_table)} "  # noqa: S608 - fixed names
            f"WHERE {q('workspace_id')} = {workspace_column}"
        )

    def with_token(self, token: str | None) -> Callable[[Conversation, dt.datetime], bool]:
        def is_open(conversation: Conversation, at: dt.datetime) -> bool:
            calendars = calendars_of(conversation.workspace_id, token)
            calendar = calendars.of(conversation.team_id, conversation.inbox_id)
            return calendar is None or hours.is_open(calendar, at)

        return is_open


open_now = OpenNow()
