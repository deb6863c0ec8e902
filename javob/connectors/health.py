"""Connection health of an inbox: the last event received and the last failed provider call.

Connectors call `record_error()` when a call to the provider fails (registering the webhook,
sending, downloading media) and `record_ok()` when one succeeds. A success costs one UPDATE
that matches nothing unless an error is standing, so the common path writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from javob.connectors.models import ConnectorHealth, InboundPayload
from javob.conversations.models import Delivery, Direction, Inbox, Message

MAX_ERROR = 2000


@dataclass(frozen=True, slots=True)
class Health:
    """How an inbox's channel is doing. `last_error` is the newest of: a failed provider call
    (`operation` names it), a quarantined webhook payload, a failed outgoing message."""

    webhook_url: str
    last_event_at: dt.datetime | None
    operation: str
    last_error: str
    last_error_at: dt.datetime | None
    last_ok_at: dt.datetime | None

    @property
    def healthy(self) -> bool:
        """No error, or a successful provider call after the last one."""
        if self.last_error_at is None:
            return True
        return self.last_ok_at is not None and self.last_ok_at >= self.last_error_at


def record_error(inbox: Inbox, operation: str, reason: str) -> None:
    """Remember a failed provider call (never pass anything holding a secret)."""
    ConnectorHealth.objects.update_or_create(
        inbox_id=inbox.pk,
        defaults={
            "workspace_id": inbox.workspace_id,
            "operation": operation[:64],
            "last_error": reason[:MAX_ERROR],
            "last_error_at": timezone.now(),
        },
    )


def record_ok(inbox: Inbox) -> None:
    """A provider call worked: mark a standing error as recovered."""
    ConnectorHealth.objects.filter(inbox_id=inbox.pk, last_error_at__isnull=False).filter(
        Q(last_ok_at__isnull=True) | Q(last_ok_at__lt=F("last_error_at"))
    ).update(last_ok_at=timezone.now())


def with_health(inboxes: QuerySet[Inbox]) -> QuerySet[Inbox]:
    """Annotate each inbox with what `health()` reads, in the same single query.

    Newest is by id, which rises with time and walks the inbox foreign-key index backwards.
    """
    payloads = InboundPayload.objects.filter(inbox=OuterRef("pk")).order_by("-pk")
    quarantined = payloads.exclude(error="")
    failed = Message.objects.filter(
        inbox=OuterRef("pk"), direction=Direction.OUTGOING, delivery_status=Delivery.FAILED
    ).order_by("-pk")
    return inboxes.select_related("health").annotate(
        last_event_at=Subquery(payloads.values("received_at")[:1]),
        payload_error=Subquery(quarantined.values("error")[:1]),
        payload_error_at=Subquery(quarantined.values("received_at")[:1]),
        send_error=Subquery(failed.values("failure_reason")[:1]),
        send_error_at=Subquery(failed.values("created_at")[:1]),
    )


def health(inbox: Inbox) -> Health:
    """The health of an inbox annotated by `with_health()`."""
    from javob.connectors.actions import webhook_url

    row: ConnectorHealth | None = getattr(inbox, "health", None)
    errors = [
        (at, operation, text)
        for at, operation, text in (
            (
                getattr(inbox, "payload_error_at", None),
                "webhook",
                getattr(inbox, "payload_error", ""),
            ),
            (getattr(inbox, "send_error_at", None), "send", getattr(inbox, "send_error", "")),
            (
                row.last_error_at if row else None,
                row.operation if row else "",
                row.last_error if row else "",
            ),
        )
        if at is not None and text
    ]
    at, operation, text = max(errors, key=lambda error: error[0], default=(None, "", ""))
    return Health(
        webhook_url=webhook_url(inbox),
        last_event_at=getattr(inbox, "last_event_at", None),
        operation=str(operation),
        last_error=str(text),
        last_error_at=at,
        last_ok_at=row.last_ok_at if row else None,
    )


def inbox_health(inbox: Inbox) -> Health:
    return health(with_health(Inbox.objects.filter(pk=inbox.pk)).get())
