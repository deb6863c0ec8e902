"""Background work of the email channel: parsing stored mail and polling mailboxes.

A worker claims a stored mail with a conditional UPDATE that sets a lease, so any number of
workers run safely; one that dies lets the lease run out and the scheduler's sweep hands the
mail to another. Processing is idempotent (receive is keyed by the Message-ID).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from javob.connectors.email.models import ImapState, Outcome, RawMail
from javob.connectors.email.parse import parse_mail
from javob.conversations.models import Inbox
from javob.core.errors import ActionError

logger = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)


def claim_mail(raw_mail_id: int, now: dt.datetime | None = None) -> RawMail | None:
    """Take the lease on an unprocessed mail; None if it is done or someone holds it."""
    now = now or timezone.now()
    claimed = (
        RawMail.objects.filter(pk=raw_mail_id, processed_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    return RawMail.objects.get(pk=raw_mail_id) if claimed else None


@task()
def process_mail(raw_mail_id: int) -> str:
    """Parse one stored mail and store what it means. Idempotent."""
    return _process(raw_mail_id)


@task()
def process_mails(raw_mail_ids: list[int]) -> list[str]:
    """`process_mail` for each of a batch stored together (an IMAP fetch), in order. A
    worker dying half-way leaves the rest to the pending-mail sweep."""
    return [_process(raw_mail_id) for raw_mail_id in raw_mail_ids]


def _process(raw_mail_id: int) -> str:
    from javob.connectors.email.config import mail_settings
    from javob.connectors.email.receive import receive_parsed

    mail = claim_mail(raw_mail_id)
    if mail is None:
        return "skipped"
    try:
        limit = mail_settings(Inbox.objects.get(pk=mail.inbox_id)).max_bytes
        result = receive_parsed(mail, parse_mail(bytes(mail.raw), max_bytes=limit))
    except (ValueError, ActionError) as exc:
        # Kept with its bytes and the reason; `javob email reprocess` tries it again.
        logger.warning("Mail %s quarantined: %s", raw_mail_id, exc)
        _finish(raw_mail_id, Outcome.QUARANTINED, error=f"{type(exc).__name__}: {exc}"[:4000])
        return str(Outcome.QUARANTINED)
    _finish(raw_mail_id, result.outcome, message_id=result.message.pk if result.message else None)
    return str(result.outcome)


def _finish(
    raw_mail_id: int, outcome: str, *, error: str = "", message_id: int | None = None
) -> None:
    RawMail.objects.filter(pk=raw_mail_id).update(
        processed_at=timezone.now(),
        lease_until=None,
        outcome=outcome,
        error=error,
        message_id=message_id,
    )


def pending_mail(grace_seconds: int = 30) -> list[int]:
    """Stored mail no worker has finished: a task was lost or a worker died."""
    now = timezone.now()
    return list(
        RawMail.objects.filter(
            processed_at__isnull=True, received_at__lte=now - dt.timedelta(seconds=grace_seconds)
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )


@task()
def fetch_mailbox(inbox_id: int) -> int:
    """Poll one inbox's IMAP mailbox once; the number of new mails stored."""
    from javob.connectors.email.imap import ImapError, fetch_inbox

    inbox = Inbox.objects.filter(pk=inbox_id, kind="email", is_active=True).first()
    if inbox is None:
        return 0
    try:
        return fetch_inbox(inbox).stored
    except ImapError as exc:
        # Recorded on the inbox's IMAP state; the next poll tries again.
        logger.warning("Polling inbox %s failed: %s", inbox_id, exc)
        return 0


def due_mailboxes(now: dt.datetime | None = None) -> list[int]:
    """Inboxes whose mailbox is due for a poll, each handed out once per interval: the claim
    moves `next_poll_at` forward with a conditional UPDATE."""
    from javob.connectors.email.config import mail_settings

    now = now or timezone.now()
    due = []
    for inbox in Inbox.objects.filter(kind="email", is_active=True, settings__has_key="imap_host"):
        state, _created = ImapState.objects.get_or_create(inbox=inbox)
        seconds = max(10, mail_settings(inbox).poll_seconds)
        claimed = (
            ImapState.objects.filter(pk=state.pk)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .update(next_poll_at=now + dt.timedelta(seconds=seconds))
        )
        if claimed:
            due.append(inbox.pk)
    return due
