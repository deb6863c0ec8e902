"""SLA timeline rows and their realtime announcements to the agents who may see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from javob.conversations import events
from javob.conversations.models import Conversation, EventKind
from javob.conversations.queries import viewer_ids
from javob.realtime.publish import publish

REALTIME_NAMES = {
    EventKind.SLA_ACTIVATED: "sla.activated",
    EventKind.SLA_PAUSED: "sla.paused",
    EventKind.SLA_FULFILLED: "sla.fulfilled",
    EventKind.SLA_WARNING: "sla.warning",
    EventKind.SLA_BREACHED: "sla.breached",
}


def payload(conversation_id: int, data: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    return {"conversation": {"id": conversation_id}, "sla": {**data, "at": at.isoformat()}}


def record(conversation: Conversation, kind: str, data: dict[str, Any], at: dt.datetime) -> None:
    """Append one SLA timeline row and announce it after commit."""
    events.append(conversation, kind, data=data, at=at)
    publish(
        lambda: viewer_ids(conversation),
        REALTIME_NAMES[EventKind(kind)],
        payload(conversation.pk, data, at),
    )
