"""Turning stored webhook payloads into messages and delivery updates."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone
from pydantic import ValidationError

from javob.connectors.models import InboundPayload
from javob.connectors.registry import connector_for
from javob.conversations.actions import receive_message
from javob.conversations.delivery import apply_delivery_update
from javob.core.errors import ActionError
from javob.core.types import InboundMessage

logger = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)


@task()
def process_payload(payload_id: int) -> str:
    """Parse one stored payload and hand what it holds to the actions. Idempotent."""
    now = timezone.now()
    claimed = (
        InboundPayload.objects.filter(pk=payload_id, processed_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    payload = InboundPayload.objects.select_related("inbox").get(pk=payload_id)
    try:
        items = connector_for(payload.inbox).parse(bytes(payload.body))
        for item in items:
            if isinstance(item, InboundMessage):
                receive_message(item)
            else:
                apply_delivery_update(item)
    except (ValueError, ValidationError, ActionError, KeyError, TypeError) as exc:
        # Unparseable: keep it in quarantine with the reason; `javob reprocess` retries it.
        logger.warning("Payload %s quarantined: %s", payload_id, exc)
        InboundPayload.objects.filter(pk=payload_id).update(
            error=f"{type(exc).__name__}: {exc}"[:4000],
            processed_at=timezone.now(),
            lease_until=None,
        )
        return "quarantined"
    InboundPayload.objects.filter(pk=payload_id).update(
        processed_at=timezone.now(), lease_until=None, error=""
    )
    return "processed"


def pending_payloads(grace_seconds: int = 30) -> list[int]:
    """Stored payloads no worker has finished: a task was lost or a worker died."""
    now = timezone.now()
    return list(
        InboundPayload.objects.filter(
            processed_at__isnull=True,
            received_at__lte=now - dt.timedelta(seconds=grace_seconds),
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)[:1000]
    )


def reprocess(payload_ids: list[int]) -> int:
    """Put quarantined payloads back in line (after a connector fix, say)."""
    with transaction.atomic():
        count = (
            InboundPayload.objects.filter(pk__in=payload_ids)
            .exclude(error="")
            .update(processed_at=None, error="", lease_until=None)
        )
    for payload_id in payload_ids:
        transaction.on_commit(lambda pk=payload_id: process_payload.enqueue(pk))  # type: ignore[misc]
    return count
