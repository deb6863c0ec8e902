"""Connection health of an inbox: the last event received and the last failed provider call.

Connectors call `record_error()` when a call to the provider fails (registering the webhook,
sending, downloading media) and `record_ok()` when one succeeds. A success costs one UPDATE
that matches nothing unless an error is standing, so the common path writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

from javob.connectors.models import ConnectorHealth, InboundPayload
from javob.conversations.models import Inbox

MAX_ERROR = 2000


@dataclass(frozen=True, slots=True)
class Health:
    webhook_url: str
    last_event_at: dt.datetime | None
    operation: str
    last_error: str
    last_error_at: dt.datetime | None
    last_ok_at: dt.datetime | None

    @property
    def healthy(self) -> bool:
        """No error, or a successful call after the last one."""
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


def inbox_health(inbox: Inbox) -> Health:
    from javob.connectors.actions import webhook_url

    row = ConnectorHealth.objects.filter(inbox_id=inbox.pk).first()
    last_event_at = (
        InboundPayload.objects.filter(inbox_id=inbox.pk)
        .order_by("-id")
        .values_list("received_at", flat=True)
        .first()
    )
    return Health(
        webhook_url=webhook_url(inbox),
        last_event_at=last_event_at,
        operation=row.operation if row else "",
        last_error=row.last_error if row else "",
        last_error_at=row.last_error_at if row else None,
        last_ok_at=row.last_ok_at if row else None,
    )
