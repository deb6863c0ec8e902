"""Every write of the email channel: storing raw mail, quarantine, auto-replies.

Raw bytes are stored first, deduplicated per inbox on the Message-ID header and on the bytes'
SHA-256; parsing happens in `tasks.process_mail`, after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors.email import threading
from javob.connectors.email.config import mail_settings
from javob.connectors.email.models import Outcome, OutgoingMail, RawMail, WebhookToken
from javob.conversations.actions import do_send_reply
from javob.conversations.models import Conversation, Inbox, Message, SenderType
from javob.core.tasks import enqueue_on_commit

HEADER_END = re.compile(rb"\r?\n\r?\n")
MAX_HEADER_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Stored:
    raw_mail_id: int
    created: bool


class TooLarge(ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            _("The mail is %(size)d bytes; this inbox accepts at most %(limit)d.")
            % {"size": size, "limit": limit}
        )
        self.size = size
        self.limit = limit


def header_message_id(raw: bytes) -> str:
    """The Message-ID from the header block alone (the body is not read)."""
    end = HEADER_END.search(raw, 0, MAX_HEADER_BYTES)
    head = raw[: end.end() if end else MAX_HEADER_BYTES]
    value = BytesHeaderParser(policy=compat32).parsebytes(head).get("Message-ID", "")
    return threading.norm_id(str(value))


def store_mail(
    inbox: Inbox,
    raw: bytes,
    source: str,
    *,
    envelope_to: list[str] | None = None,
    enqueue: bool = True,
) -> Stored:
    """Keep one received mail's bytes and queue its parsing. A mail already stored for this
    inbox (same Message-ID, or same bytes) is not stored again: `created` is False.

    A caller storing many mails in one transaction passes `enqueue=False` and queues them
    together with `enqueue_parsing` in that transaction (one task row per batch).

    Raises TooLarge above the inbox's size limit; the caller answers with a notice (SMTP 552,
    HTTP 413) or keeps only the headers (`store_oversized`)."""
    limit = mail_settings(inbox).max_bytes
    if len(raw) > limit:
        raise TooLarge(len(raw), limit)
    message_id = header_message_id(raw)
    digest = hashlib.sha256(raw).hexdigest()
    existing = _existing(inbox, message_id, digest)
    if existing is not None:
        return Stored(existing, created=False)
    try:
        with transaction.atomic():
            mail = RawMail.objects.create(
                workspace_id=inbox.workspace_id,
                inbox=inbox,
                source=source,
                rfc_message_id=message_id,
                sha256=digest,
                envelope_to=[address.lower() for address in envelope_to or []],
                raw=raw,
                size=len(raw),
            )
            if enqueue:
                _enqueue(mail.pk)
    except IntegrityError:
        found = _existing(inbox, message_id, digest)
        if found is None:
            raise
        return Stored(found, created=False)
    return Stored(mail.pk, created=True)


def store_oversized(inbox: Inbox, head: bytes, size: int, source: str) -> Stored:
    """Keep the headers of a mail too large to take, in quarantine with the reason, so an
    admin sees it was refused (nothing vanishes silently)."""
    message_id = header_message_id(head)
    digest = hashlib.sha256(head).hexdigest()
    existing = _existing(inbox, message_id, digest)
    if existing is not None:
        return Stored(existing, created=False)
    error = str(TooLarge(size, mail_settings(inbox).max_bytes))
    mail = RawMail.objects.create(
        workspace_id=inbox.workspace_id,
        inbox=inbox,
        source=source,
        rfc_message_id=message_id,
        sha256=digest,
        raw=head,
        size=size,
        processed_at=timezone.now(),
        outcome=Outcome.QUARANTINED,
        error=error,
    )
    return Stored(mail.pk, created=True)


def _existing(inbox: Inbox, message_id: str, digest: str) -> int | None:
    """The stored mail with this Message-ID or these bytes. Each lookup is one probe of a
    unique index and reads no row: the `<> ''` term repeats the condition of the partial
    index on Message-IDs, without which SQLite cannot use it and scans every stored mail
    of the inbox (the IMAP ingest slowed with the table's size)."""
    query = RawMail.objects.filter(inbox=inbox)
    if message_id:
        by_id = query.filter(rfc_message_id=message_id).exclude(rfc_message_id="")
        found = by_id.values_list("pk", flat=True)[:1]
        if found:
            return found[0]
    found = query.filter(sha256=digest).values_list("pk", flat=True)[:1]
    return found[0] if found else None


def _enqueue(raw_mail_id: int) -> None:
    from javob.connectors.email.tasks import process_mail

    enqueue_on_commit(process_mail, raw_mail_id)


def accept_webhook_token(inbox: Inbox, token: str, now: dt.datetime, window: dt.timedelta) -> bool:
    """Record a signed webhook's token; False if the inbox accepted it within `window` (a
    replay). Call it in the transaction that stores the mail, so a failed store does not
    use the token up."""
    WebhookToken.objects.filter(inbox=inbox, seen_at__lt=now - window).delete()
    try:
        with transaction.atomic():
            WebhookToken.objects.create(inbox=inbox, token=token, seen_at=now)
    except IntegrityError:
        return False
    return True


def enqueue_parsing(raw_mail_ids: list[int]) -> None:
    """Queue the parsing of mails stored with `enqueue=False`, as one task."""
    from javob.connectors.email.tasks import process_mails

    if raw_mail_ids:
        enqueue_on_commit(process_mails, raw_mail_ids)


def quarantined(inbox_id: int | None = None) -> list[int]:
    """Mails that could not be parsed (or were too large), oldest first."""
    query = RawMail.objects.filter(outcome=Outcome.QUARANTINED)
    if inbox_id is not None:
        query = query.filter(inbox_id=inbox_id)
    return list(query.order_by("received_at", "pk").values_list("pk", flat=True))


def reprocess(raw_mail_ids: list[int]) -> int:
    """Put quarantined mails back in line (after a parser fix, say)."""
    with transaction.atomic():
        ids = list(
            RawMail.objects.filter(pk__in=raw_mail_ids, outcome=Outcome.QUARANTINED)
            .exclude(raw=b"")
            .values_list("pk", flat=True)
        )
        RawMail.objects.filter(pk__in=ids).update(
            processed_at=None, outcome=Outcome.PENDING, error="", lease_until=None
        )
        for raw_mail_id in ids:
            _enqueue(raw_mail_id)
    return len(ids)


def may_auto_reply(message: Message) -> bool:
    """Whether an automatic answer to this customer mail is allowed.

    No for automated mail (auto-replies, bounces, lists, no-reply senders: the parser's
    verdict), for mail that carries our own X-Loop, for a sender claiming to be one of us,
    and when this conversation already got an automatic answer in the last day (a loop with a
    system that strips the headers stops there too)."""
    if message.direction != "incoming":
        return False
    meta = message.metadata or {}
    email_meta = meta.get("email", {})
    if meta.get("automated") or email_meta.get("spoofed_agent"):
        return False
    loop = str(email_meta.get("headers", {}).get("x-loop", "")).lower()
    addresses = _workspace_addresses(message.workspace_id)
    if any(address and address in loop for address in addresses):
        return False
    since = timezone.now() - dt.timedelta(days=1)
    return not OutgoingMail.objects.filter(
        automatic=True,
        message__conversation_id=message.conversation_id,
        created_at__gte=since,
    ).exists()


def _workspace_addresses(workspace_id: int) -> list[str]:
    inboxes = Inbox.objects.filter(workspace_id=workspace_id, kind="email")
    return [str(address).lower() for address in inboxes.values_list("settings__address", flat=True)]


def do_send_auto_reply(conversation: Conversation, text: str, *, html: str = "") -> Message:
    """Queue an automatic answer (an acknowledgement, an out-of-hours notice). It is sent with
    Auto-Submitted: auto-replied and X-Loop, so no well-behaved system answers it back."""
    with transaction.atomic():
        return do_send_reply(
            conversation,
            text,
            html=html,
            sender_type=SenderType.SYSTEM,
            metadata={"automated": True},
        )
