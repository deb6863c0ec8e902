"""What an operator needs to connect a Meta inbox and see that it works: the webhook URL and
verify token to paste into Meta's dashboard, the last event received and the last error."""

from __future__ import annotations

from typing import Any

from javob.connectors.actions import webhook_url
from javob.connectors.models import InboundPayload
from javob.conversations.models import Delivery, Inbox, Message


def inbox_health(inbox: Inbox) -> dict[str, Any]:
    payloads = InboundPayload.objects.filter(inbox=inbox)
    last = payloads.order_by("-received_at").values_list("received_at", flat=True).first()
    bad = payloads.exclude(error="").order_by("-received_at").values("received_at", "error").first()
    failed = (
        Message.objects.filter(inbox=inbox, delivery_status=Delivery.FAILED)
        .order_by("-created_at")
        .values("created_at", "failure_reason")
        .first()
    )
    errors = []
    if bad is not None:
        errors.append((bad["received_at"], f"webhook: {bad['error']}"))
    if failed is not None:
        errors.append((failed["created_at"], f"send: {failed['failure_reason']}"))
    latest_error = max(errors, default=None, key=lambda item: item[0])
    return {
        "id": inbox.pk,
        "kind": inbox.kind,
        "webhook_url": webhook_url(inbox),
        "verify_token": str(inbox.settings.get("verify_token", "")),
        "last_event_at": last.isoformat() if last else None,
        "last_error": latest_error[1] if latest_error else "",
        "last_error_at": latest_error[0].isoformat() if latest_error else None,
        "pending_payloads": payloads.filter(processed_at__isnull=True).count(),
    }
