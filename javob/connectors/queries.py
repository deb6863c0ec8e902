"""Reads about connections: how each inbox's channel is doing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from javob.connectors.models import InboundPayload
from javob.conversations.models import Delivery, Direction, Inbox, Message


def with_health(inboxes: QuerySet[Inbox]) -> QuerySet[Inbox]:
    """Annotate each inbox with its connection health, in the same single query.

    `last_event_at`: when the provider last delivered a webhook. `payload_error` /
    `payload_error_at`: the newest quarantined payload's error. `send_error` /
    `send_error_at`: the newest failed outgoing message's reason. Newest is by id, which
    rises with time and walks the inbox foreign-key index backwards.
    """
    payloads = InboundPayload.objects.filter(inbox=OuterRef("pk")).order_by("-pk")
    quarantined = payloads.exclude(error="")
    failed = Message.objects.filter(
        inbox=OuterRef("pk"), direction=Direction.OUTGOING, delivery_status=Delivery.FAILED
    ).order_by("-pk")
    return inboxes.annotate(
        last_event_at=Subquery(payloads.values("received_at")[:1]),
        payload_error=Subquery(quarantined.values("error")[:1]),
        payload_error_at=Subquery(quarantined.values("received_at")[:1]),
        send_error=Subquery(failed.values("failure_reason")[:1]),
        send_error_at=Subquery(failed.values("created_at")[:1]),
    )


@dataclass(frozen=True, slots=True)
class Health:
    last_event_at: dt.datetime | None
    last_error: str
    last_error_at: dt.datetime | None


def health(inbox: Inbox) -> Health:
    """The connection health of an inbox annotated by `with_health`: the newer of its two
    kinds of error is the last error."""
    errors = [
        (at, text)
        for at, text in (
            (getattr(inbox, "payload_error_at", None), getattr(inbox, "payload_error", None)),
            (getattr(inbox, "send_error_at", None), getattr(inbox, "send_error", None)),
        )
        if at is not None and text
    ]
    newest = max(errors, key=lambda pair: pair[0], default=(None, ""))
    return Health(getattr(inbox, "last_event_at", None), str(newest[1]), newest[0])
