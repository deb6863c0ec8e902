"""Mail to a visitor through the web-chat inbox's linked email inbox (setting `email_inbox`).

A follow-up or transcript goes out from the email inbox's address through its SMTP server,
with a Message-ID of its own, In-Reply-To and References chaining it to the previous mail of
the conversation (ours or the visitor's answer), and, where the email inbox has a reply
domain, a Reply-To of reply+<token>@<reply domain>. The token and the Message-ID are recorded
for the email inbox, so the email channel files the visitor's answer under the chat
conversation (see `email.threading.choose`); the web-chat connector tells it which senders
may join by citing a Message-ID alone (`takes_part_by_email`).

Each mail is a `VisitorMail` row, rendered once; the sweep sends due rows and retries a
transient failure with backoff, so a mail server that is down loses nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors.base import DeliveryError
from javob.connectors.email import threading
from javob.connectors.email.config import mail_settings
from javob.connectors.email.send import transmit
from javob.connectors.health import record_error, record_ok
from javob.connectors.webchat.config import widget_config
from javob.connectors.webchat.models import MailStatus, Visitor, VisitorMail
from javob.conversations.models import Conversation, Direction, Inbox, Message

MAX_ATTEMPTS = 6
BATCH = 100


def linked_email_inbox(inbox: Inbox) -> Inbox | None:
    """The active email inbox of the same workspace this web-chat inbox continues through."""
    chosen = widget_config(inbox.settings, list(inbox.languages)).email_inbox
    if chosen is None:
        return None
    return Inbox.objects.filter(
        pk=chosen, workspace_id=inbox.workspace_id, kind="email", is_active=True
    ).first()


def queue_mail(
    visitor: Visitor,
    email_inbox: Inbox,
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    anchor: Message,
) -> VisitorMail:
    """Render one mail with its headers and record its ids for the answer; send it later."""
    conversation = anchor.conversation
    settings = mail_settings(email_inbox)
    domain = settings.address.rpartition("@")[2] or "javob.invalid"
    parent, references = _parent(conversation, email_inbox)
    reply_to = ""
    if settings.reply_domain:
        token = threading.reply_token(conversation, inbox_id=email_inbox.pk)
        reply_to = f"reply+{token}@{settings.reply_domain}"
    with transaction.atomic():
        row = VisitorMail.objects.create(
            visitor=visitor,
            conversation=conversation,
            email_inbox=email_inbox,
            kind=kind,
            to=to,
            subject=threading.tagged_subject(subject, conversation.number, reply=False)[:998],
            body=body,
            rfc_message_id=f"javob.webchat.{uuid.uuid4().hex}@{domain}",
            in_reply_to=parent,
            references=references,
            reply_to=reply_to,
            created_at=timezone.now(),
        )
        threading.record_ids(anchor, row.rfc_message_id, [], inbox_id=email_inbox.pk)
    return row


def _parent(conversation: Conversation, email_inbox: Inbox) -> tuple[str, list[str]]:
    """The latest mail of the conversation through this inbox (our previous mail or the
    visitor's answer) and the References chain that continues it."""
    candidates: list[tuple[dt.datetime, str, list[str]]] = []
    previous = (
        VisitorMail.objects.filter(conversation=conversation, email_inbox=email_inbox)
        .order_by("-created_at", "-id")
        .first()
    )
    if previous is not None:
        candidates.append((previous.created_at, previous.rfc_message_id, previous.references))
    answer = (
        Message.objects.filter(
            conversation=conversation, inbox=email_inbox, direction=Direction.INCOMING
        )
        .order_by("-created_at", "-id")
        .first()
    )
    email_meta = answer.metadata.get("email", {}) if answer is not None else {}
    if answer is not None and email_meta.get("message_id"):
        cited = [str(value) for value in email_meta.get("references", [])]
        candidates.append((answer.created_at, str(email_meta["message_id"]), cited))
    if not candidates:
        return "", []
    _at, parent, cited = max(candidates, key=lambda candidate: candidate[0])
    return parent, threading.reference_chain(cited, parent)


def send_due(now: dt.datetime | None = None) -> int:
    """Send the pending mails that are due; the number sent. Safe from any number of
    schedulers: each attempt is claimed with a conditional UPDATE."""
    now = now or timezone.now()
    due = VisitorMail.objects.filter(status=MailStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    sent = 0
    for row in due.select_related("email_inbox", "conversation__inbox").order_by("id")[:BATCH]:
        sent += deliver(row, now)
    return sent


def deliver(row: VisitorMail, now: dt.datetime) -> int:
    """One attempt at one mail (1 if it went out). The next attempt is booked before this
    one starts, so a crash mid-send is retried, and a lost claim sends nothing."""
    backoff = dt.timedelta(minutes=2**row.attempts)
    claimed = VisitorMail.objects.filter(
        pk=row.pk, status=MailStatus.PENDING, attempts=row.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + backoff)
    if not claimed:
        return 0
    settings = mail_settings(row.email_inbox)
    try:
        if settings.smtp is None:
            raise DeliveryError(_("The inbox has no SMTP server to send with."), permanent=True)
        transmit(settings.smtp, build_mime(row, settings.address), settings.address, [row.to])
    except DeliveryError as error:
        _failed(row, error, final=error.permanent or row.attempts + 1 >= MAX_ATTEMPTS)
        return 0
    VisitorMail.objects.filter(pk=row.pk).update(
        status=MailStatus.SENT, sent_at=timezone.now(), error=""
    )
    record_ok(row.email_inbox)
    return 1


def _failed(row: VisitorMail, error: DeliveryError, *, final: bool) -> None:
    changes: dict[str, object] = {"error": error.reason[:2000]}
    if final:
        changes["status"] = MailStatus.FAILED
    VisitorMail.objects.filter(pk=row.pk).update(**changes)
    record_error(row.email_inbox, "webchat follow-up", error.reason)


def build_mime(row: VisitorMail, sender: str) -> EmailMessage:
    chat = row.conversation.inbox
    mail = EmailMessage()
    mail["From"] = formataddr((chat.name, sender))
    mail["To"] = row.to
    if row.reply_to:
        mail["Reply-To"] = formataddr((chat.name, row.reply_to))
    mail["Subject"] = row.subject
    mail["Date"] = format_datetime(row.created_at)
    mail["Message-ID"] = f"<{row.rfc_message_id}>"
    if row.in_reply_to:
        mail["In-Reply-To"] = f"<{row.in_reply_to}>"
        mail["References"] = " ".join(f"<{value}>" for value in row.references)
    mail.set_content(row.body)
    return mail
