"""What an operator needs to connect a Meta inbox and see that it works: the webhook URL and
verify token to paste into Meta's dashboard, the last event received and the last error."""

from __future__ import annotations

from typing import Any

from javob.connectors.health import inbox_health
from javob.connectors.models import InboundPayload
from javob.conversations.models import Inbox


def meta_inbox_report(inbox: Inbox) -> dict[str, Any]:
    health = inbox_health(inbox)
    error = f"{health.operation}: {health.last_error}" if health.last_error else ""
    return {
        "id": inbox.pk,
        "kind": inbox.kind,
        "webhook_url": health.webhook_url,
        "verify_token": str(inbox.settings.get("verify_token", "")),
        "last_event_at": health.last_event_at.isoformat() if health.last_event_at else None,
        "last_error": error,
        "last_error_at": health.last_error_at.isoformat() if health.last_error_at else None,
        "pending_payloads": InboundPayload.objects.filter(
            inbox=inbox, processed_at__isnull=True
        ).count(),
    }
