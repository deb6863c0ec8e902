"""Building SLA set-ups for tests through the actions, as an admin would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from conftest import Cast
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Event, Message
from javob.conversations.tests.factories import inbound
from javob.sla.actions import (
    CalendarInput,
    PolicyInput,
    check_link_calendar,
    check_save_calendar,
    check_save_policy,
)
from javob.sla.models import Calendar, SlaPolicy

TASHKENT = ZoneInfo("Asia/Tashkent")
WEEKDAYS_9_18 = [[["09:00", "18:00"]]] * 5 + [[], []]


def tashkent_office(cast: Cast, name: str = "Tashkent office") -> Calendar:
    calendar = check_save_calendar(
        cast.alice, None, CalendarInput(name=name, zone="Asia/Tashkent", weekly=WEEKDAYS_9_18)
    )
    check_link_calendar(cast.alice, calendar.pk, inbox_id=cast.inbox_a.pk)
    return calendar


def standard_policy(cast: Cast, **overrides: Any) -> SlaPolicy:
    values: dict[str, Any] = {
        "name": "Standard",
        "targets": {
            "first_reply": {"none": 120, "urgent": 30},
            "next_reply": {"none": 240},
            "resolution": {"none": 480},
        },
        "warn_minutes": 30,
    }
    values.update(overrides)
    return check_save_policy(cast.alice, None, PolicyInput(**values))


def customer_writes(
    cast: Cast, on_commit: Callable[..., Any], sender: str = "customer-1", **kwargs: Any
) -> Message:
    """A customer message, with the after-receive pipeline run after commit as in production."""
    with on_commit():
        return receive_message(inbound(cast.inbox_a.pk, sender, **kwargs)).message


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TASHKENT)


def sla_events(conversation: Conversation) -> list[tuple[str, str, str]]:
    """(kind, metric, local time) of the SLA timeline rows, oldest first."""
    rows = Event.objects.filter(conversation=conversation, kind__startswith="sla_").order_by(
        "created_at", "id"
    )
    return [
        (e.kind, e.data["metric"], e.created_at.astimezone(TASHKENT).strftime("%a %H:%M"))
        for e in rows
    ]
