"""Outbound delivery state: claiming a message to send, and moving its status forward only.

A worker claims a queued message with a conditional UPDATE that also sets a lease, so two
workers never send it at once; a worker that dies holding the lease simply lets it run out,
and the scheduler's sweep hands the message to another worker, which sends it with the same
idempotency key.

A status report that names no known message yet (the provider called back before the send
response with its id was stored) is kept as an EarlyReport and applied when `record_sent`
stores that id; the scheduler applies those that raced the send and deletes those older than
EARLY_REPORT_HOURS.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.conversations import events
from javob.conversations.models import (
    DELIVERY_RANK,
    Delivery,
    Direction,
    EarlyReport,
    EventKind,
    Message,
)
from javob.conversations.queries import access_message
from javob.core.errors import ActionError
from javob.core.types import DeliveryUpdate

logger = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 3600.0
# A report waits this long for its message: a send response comes within seconds (minutes
# with retries); a report older than this names a message Javob never sent.
EARLY_REPORT_HOURS = 24
# The scheduler looks again at reports this recent, in case one raced the send's transaction.
EARLY_RECHECK_MINUTES = 2
EARLY_SWEEP_BATCH = 5000


def backoff_seconds(attempt: int) -> float:
    """Delay after failed attempt `attempt` (1-based): base * 2^(attempt-1), capped at an hour,
    with "equal jitter" — uniform in the upper half — so delays still grow but retries of many
    messages failing together spread out."""
    ceiling = min(MAX_BACKOFF_SECONDS, settings.JAVOB_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


def claim(message_id: int, now: dt.datetime | None = None) -> Message | None:
    """Take the lease on a due, queued message; None if it is not due or someone holds it."""
    now = now or timezone.now()
    lease = now + dt.timedelta(seconds=settings.JAVOB_DELIVERY_LEASE_SECONDS)
    claimed = (
        Message.objects.filter(
            pk=message_id, delivery_status=Delivery.QUEUED, next_attempt_at__lte=now
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return Message.objects.select_related(
        "conversation__contact", "inbox", "sender_agent__user"
    ).get(pk=message_id)


def record_sent(message: Message, external_id: str) -> bool:
    """Mark a queued message sent with the provider's id; False if it was no longer queued."""
    try:
        return _record_sent(message, external_id)
    except IntegrityError:
        # The provider's id is already taken in this inbox (a customer message with the same
        # id: providers number both directions in one space, or not uniquely). The message
        # was sent all the same; keep that, without an id to match status reports on.
        logger.warning("Message %s: provider id %r already used", message.pk, external_id)
        return _record_sent(message, None)


def _record_sent(message: Message, external_id: str | None) -> bool:
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, delivery_status=Delivery.QUEUED).update(
            delivery_status=Delivery.SENT,
            delivery_rank=DELIVERY_RANK[Delivery.SENT],
            external_id=external_id,
            sent_at=timezone.now(),
            lease_until=None,
            next_attempt_at=None,
            failure_reason="",
        )
        if updated:
            _announce_delivery(message.pk, Delivery.SENT, "")
            if external_id is not None:
                _apply_early(message.pk, message.inbox_id, external_id)
    return bool(updated)


def _apply_early(message_id: int, inbox_id: int, external_id: str) -> None:
    """Apply the reports that came before the id was known, lowest rank first (as if they had
    arrived in order, so "delivered" then "read" both set their times), and drop them."""
    early = list(
        EarlyReport.objects.filter(inbox_id=inbox_id, external_id=external_id).order_by("rank")
    )
    if not early:
        return
    for report in early:
        _move(message_id, report.status, report.at, report.reason)
    EarlyReport.objects.filter(pk__in=[report.pk for report in early]).delete()


def record_failure(
    message: Message, reason: str, *, permanent: bool, retry_after: float | None = None
) -> dt.datetime | None:
    """Schedule a retry for a transient failure, or mark the message failed.

    `retry_after` is the provider's own wait (a rate limit): the next attempt is due exactly
    then instead of after the usual backoff. Returns when the next attempt is due, or None when
    the failure is final.
    """
    final = permanent or message.attempts >= settings.JAVOB_DELIVERY_MAX_ATTEMPTS
    now = timezone.now()
    with transaction.atomic():
        current = Message.objects.filter(pk=message.pk, delivery_status=Delivery.QUEUED)
        if final:
            if current.update(
                delivery_status=Delivery.FAILED,
                delivery_rank=DELIVERY_RANK[Delivery.FAILED],
                failure_reason=reason[:2000],
                lease_until=None,
                next_attempt_at=None,
            ):
                _announce_delivery(message.pk, Delivery.FAILED, reason)
            return None
        wait = retry_after if retry_after is not None else backoff_seconds(message.attempts)
        due = now + dt.timedelta(seconds=min(max(wait, 0.0), MAX_BACKOFF_SECONDS))
        current.update(failure_reason=reason[:2000], lease_until=None, next_attempt_at=due)
        return due


def apply_delivery_update(update: DeliveryUpdate) -> bool:
    """Apply a provider's status report if it moves the message forward; ignore it otherwise.

    A report naming no outgoing message of the inbox is kept (see EarlyReport) and applied
    when a send stores that id; it returns False, as nothing has changed yet.
    """
    if update.status not in DELIVERY_RANK or update.status == Delivery.QUEUED:
        return False
    at = update.at or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.filter(
                inbox_id=update.inbox_id,
                external_id=update.external_id,
                direction=Direction.OUTGOING,
            )
            .only("pk")
            .first()
        )
        if message is None:
            _keep_early(update, at)
            return False
        return _move(message.pk, update.status, at, update.reason)


def _move(message_id: int, status: str, at: dt.datetime, reason: str) -> bool:
    """Move the message to `status` if that is forward; announce the change."""
    rank = DELIVERY_RANK[Delivery(status)]
    fields: dict[str, object] = {"delivery_status": status, "delivery_rank": rank}
    if status == Delivery.DELIVERED:
        fields["delivered_at"] = at
    elif status == Delivery.READ:
        fields["read_at"] = at
    elif status == Delivery.FAILED:
        fields["failure_reason"] = reason[:2000]
    # A report never applies to a queued message: it can only be about an earlier send
    # of a message an agent has since re-queued.
    moved = (
        Message.objects.filter(pk=message_id, delivery_rank__lt=rank)
        .exclude(delivery_status=Delivery.QUEUED)
        .update(**fields)
    )
    if moved:
        _announce_delivery(message_id, status, reason)
    return bool(moved)


def _keep_early(update: DeliveryUpdate, at: dt.datetime) -> None:
    """One INSERT; a repeat of the same report is dropped by the unique constraint. "sent"
    is not kept: storing the provider's id marks the message sent anyway."""
    rank = DELIVERY_RANK[Delivery(update.status)]
    if rank <= DELIVERY_RANK[Delivery.SENT] or not update.external_id:
        return
    report = EarlyReport(
        inbox_id=update.inbox_id,
        external_id=update.external_id[:500],
        status=update.status,
        rank=rank,
        at=at,
        reason=update.reason[:2000],
        received_at=timezone.now(),
    )
    EarlyReport.objects.bulk_create([report], ignore_conflicts=True)


def sweep_early_reports(now: dt.datetime | None = None) -> int:
    """Apply recent early reports whose message is now known (a report that raced the send's
    transaction, so neither saw the other), then delete reports too old to find a message.
    Returns how many rows went."""
    now = now or timezone.now()
    known = Message.objects.filter(
        inbox_id=OuterRef("inbox_id"),
        external_id=OuterRef("external_id"),
        direction=Direction.OUTGOING,
    ).exclude(delivery_status=Delivery.QUEUED)
    recent = EarlyReport.objects.filter(
        received_at__gte=now - dt.timedelta(minutes=EARLY_RECHECK_MINUTES)
    ).filter(Exists(known))
    pairs = set(recent.values_list("inbox_id", "external_id")[:EARLY_SWEEP_BATCH])
    for inbox_id, external_id in pairs:
        with transaction.atomic():
            message = Message.objects.filter(
                inbox_id=inbox_id, external_id=external_id, direction=Direction.OUTGOING
            ).first()
            if message is not None:
                _apply_early(message.pk, inbox_id, external_id)
    old = EarlyReport.objects.filter(received_at__lt=now - dt.timedelta(hours=EARLY_REPORT_HOURS))
    ids = list(old.order_by("received_at").values_list("pk", flat=True)[:EARLY_SWEEP_BATCH])
    deleted = EarlyReport.objects.filter(pk__in=ids).delete()[0] if ids else 0
    return len(pairs) + deleted


def check_retry(actor: Membership, message_id: int) -> Message:
    """An agent asks to send a failed message again."""
    with transaction.atomic():
        message = access_message(actor, message_id)
        now = timezone.now()
        requeued = Message.objects.filter(pk=message.pk, delivery_status=Delivery.FAILED).update(
            delivery_status=Delivery.QUEUED,
            delivery_rank=DELIVERY_RANK[Delivery.QUEUED],
            attempts=0,
            next_attempt_at=now,
            lease_until=None,
        )
        if not requeued:
            raise ActionError(_("Only a failed message can be sent again."), field="message_id")
        _announce_delivery(message.pk, Delivery.QUEUED, "", actor=actor)
        transaction.on_commit(lambda: _enqueue(message.pk))
    message.refresh_from_db()
    return message


def _enqueue(message_id: int) -> None:
    from javob.conversations.tasks import deliver_message

    deliver_message.enqueue(message_id)


def _announce_delivery(
    message_id: int, status: str, reason: str, *, actor: Membership | None = None
) -> None:
    message = Message.objects.select_related("conversation").get(pk=message_id)
    data = {"status": status}
    if reason:
        data["reason"] = reason[:2000]
    events.append(message.conversation, EventKind.DELIVERY, actor=actor, message=message, data=data)
    events.announce(
        message.conversation, "message.updated", {"message": events.message_payload(message)}
    )


def due_messages(now: dt.datetime | None = None, grace_seconds: int = 30) -> list[int]:
    """Queued messages that are due and unclaimed for a while: a task was lost or a worker died."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(
            delivery_status=Delivery.QUEUED,
            next_attempt_at__lte=now - dt.timedelta(seconds=grace_seconds),
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
