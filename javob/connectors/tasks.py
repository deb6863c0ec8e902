"""Turning stored webhook payloads into messages and delivery updates.

A worker claims a payload with a conditional UPDATE that sets a lease, so any number of
workers run safely; one that dies lets the lease run out and the scheduler's sweep hands the
payload to another. Receiving is idempotent, so a payload processed twice stores nothing twice.

With the database task queue (no Redis) a stored payload is its own queue entry: workers
claim pending payloads directly (`run_payload_worker`), so a webhook writes one row, not a
payload and a task row. With other queues each payload is queued as a `process_payload` task.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from pydantic import ValidationError

from javob.connectors.base import Connector, Ignored, Parsed
from javob.connectors.models import InboundPayload
from javob.connectors.registry import connector_for
from javob.conversations.actions import receive_message
from javob.conversations.delivery import apply_delivery_update
from javob.conversations.edits import receive_edit
from javob.core.errors import ActionError
from javob.core.types import DeliveryUpdate, InboundEdit, InboundMessage

logger = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
# What a connector raises for a body it cannot understand; anything else (a database outage,
# say) leaves the payload pending, to be retried once its lease runs out.
UNPARSEABLE = (ValueError, ValidationError, ActionError, KeyError, TypeError)


def claim_payload(payload_id: int, now: dt.datetime | None = None) -> InboundPayload | None:
    """Take the lease on an unprocessed payload; None if it is done or someone holds it."""
    now = now or timezone.now()
    claimed = (
        InboundPayload.objects.filter(pk=payload_id, processed_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return InboundPayload.objects.select_related("inbox").get(pk=payload_id)


@task()
def process_payload(payload_id: int) -> str:
    """Parse one stored payload and hand what it holds to the actions. Idempotent."""
    payload = claim_payload(payload_id)
    if payload is None:
        return "skipped"
    connector = connector_for(payload.inbox)
    ignored: list[str] = []
    try:
        for item in connector.parse(bytes(payload.body)):
            reason = _apply(connector, item)
            if reason:
                ignored.append(reason)
    except UNPARSEABLE as exc:
        # Kept in quarantine with the reason; `reprocess` tries it again after a fix.
        logger.warning("Payload %s quarantined: %s", payload_id, exc)
        _finish(payload_id, error=f"{type(exc).__name__}: {exc}"[:4000])
        return "quarantined"
    _finish(payload_id, error="", ignored="; ".join(ignored)[:200])
    return "ignored" if ignored else "processed"


def _apply(connector: Connector, item: Parsed) -> str:
    """Hand one parsed item to its action; the reason when it is kept unused, else ""."""
    if isinstance(item, InboundMessage):
        received = receive_message(item)
        if received.created:
            connector.received(received.message.pk, item)
    elif isinstance(item, DeliveryUpdate):
        apply_delivery_update(item)
    elif isinstance(item, InboundEdit):
        if not receive_edit(item):
            return "edit of an unknown message"
    elif isinstance(item, Ignored):
        return item.reason
    return ""


def _finish(payload_id: int, *, error: str, ignored: str = "") -> None:
    InboundPayload.objects.filter(pk=payload_id).update(
        processed_at=timezone.now(), lease_until=None, error=error, ignored=ignored
    )


def claims_pending_payloads() -> bool:
    """True when workers claim stored payloads directly (the database task queue), so that
    storing a payload queues no task."""
    return isinstance(process_payload.get_backend(), DatabaseBackend)


def drain_payloads(batch: int = 100) -> int:
    """Process pending payloads, oldest first, until none is left unclaimed; how many this
    call processed. Safe to run in any number of workers: each payload is claimed first."""
    done = 0
    while ids := pending_payloads(grace_seconds=0, limit=batch):
        done += sum(process_payload.call(payload_id) != "skipped" for payload_id in ids)
    return done


def run_payload_worker(stop: threading.Event, interval: float) -> None:
    """The loop of the worker role's payload thread: drain, then wait `interval` seconds
    when there was nothing to do. An error (a database outage) is logged and retried."""
    while not stop.is_set():
        try:
            if not drain_payloads():
                stop.wait(interval)
        except Exception:
            logger.exception("Processing stored payloads failed; retrying")
            stop.wait(max(interval, 1.0))
        finally:
            close_old_connections()


def pending_payloads(grace_seconds: int = 30, limit: int = 1000) -> list[int]:
    """Stored payloads no worker has finished: a task was lost or a worker died (or, with
    `grace_seconds=0`, every payload waiting for a worker)."""
    now = timezone.now()
    return list(
        InboundPayload.objects.filter(
            processed_at__isnull=True,
            received_at__lte=now - dt.timedelta(seconds=grace_seconds),
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def quarantined_payloads(inbox_id: int | None = None) -> list[int]:
    """Payloads that could not be parsed, oldest first."""
    query = InboundPayload.objects.exclude(error="")
    if inbox_id is not None:
        query = query.filter(inbox_id=inbox_id)
    return list(query.order_by("received_at", "pk").values_list("pk", flat=True))


def ignored_payloads(inbox_id: int | None = None, reason: str = "") -> list[int]:
    """Payloads kept without a message (group chats for listening, say), oldest first."""
    query = InboundPayload.objects.exclude(ignored="")
    if inbox_id is not None:
        query = query.filter(inbox_id=inbox_id)
    if reason:
        query = query.filter(ignored__startswith=reason)
    return list(query.order_by("received_at", "pk").values_list("pk", flat=True))


def reprocess(payload_ids: list[int]) -> int:
    """Put quarantined or ignored payloads back in line (after a connector fix, say)."""
    with transaction.atomic():
        ids = list(
            InboundPayload.objects.filter(pk__in=payload_ids)
            .filter(~Q(error="") | ~Q(ignored=""))
            .values_list("pk", flat=True)
        )
        InboundPayload.objects.filter(pk__in=ids).update(
            processed_at=None, error="", ignored="", lease_until=None
        )
        for payload_id in ids:
            transaction.on_commit(lambda pk=payload_id: process_payload.enqueue(pk))  # type: ignore[misc]
    return len(ids)
