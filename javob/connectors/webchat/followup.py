"""Continuity by email: agent replies a visitor has not seen go to their email once they have
been gone for the inbox's `away_minutes`; transcripts on request.

With a linked email inbox (setting `email_inbox`) these mails go out through it
(mailing.py), and the visitor's emailed answer joins the chat conversation; without one,
through Django's mail backend from `email_from`, and an answer starts a new conversation
wherever `email_reply_to` leads.

One sweep, safe to run from any number of schedulers: each visitor's batch is claimed with a
conditional UPDATE of `emailed_up_to`, so a reply is mailed once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from javob.connectors.webchat.config import widget_config
from javob.connectors.webchat.mailing import deliver, linked_email_inbox, queue_mail, send_due
from javob.connectors.webchat.models import MailKind, Visitor
from javob.conversations.models import Direction, Inbox, Message

BATCH = 200


def _sender(inbox: Inbox) -> str:
    return str(inbox.settings.get("email_from") or settings.DEFAULT_FROM_EMAIL)


def _line(message: Message, visitor: Visitor) -> str:
    when = formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
    if message.direction == Direction.INCOMING:
        who = visitor.name or _("You")
    else:
        agent = message.sender_agent
        who = agent.name if agent is not None else _("Support")
    return f"[{when}] {who}: {message.text}"


def _mail(visitor: Visitor, to: str, subject: str, lines: list[str], intro: str) -> None:
    """Without a linked email inbox: through Django's mail backend; no answer can join."""
    inbox = visitor.inbox
    body = "\n\n".join([intro, *lines])
    mail = EmailMessage(subject=subject, body=body, from_email=_sender(inbox), to=[to])
    reply_to = inbox.settings.get("email_reply_to")
    if reply_to:
        mail.reply_to = [str(reply_to)]
    mail.send()


def send_transcript(visitor_id: int, email: str) -> None:
    visitor = Visitor.objects.select_related("inbox", "conversation").get(pk=visitor_id)
    if visitor.conversation is None or visitor.conversation_id is None:
        return
    messages = (
        Message.objects.filter(
            conversation_id=visitor.conversation_id,
            direction__in=[Direction.INCOMING, Direction.OUTGOING],
        )
        .select_related("sender_agent__user")
        .order_by("created_at", "id")
    )
    rows = list(messages)
    if not rows:
        return
    with translation.override(visitor.language or "en"):
        subject = _("Your conversation with %(inbox)s") % {"inbox": visitor.inbox.name}
        intro = _("Here is your conversation #%(number)d.") % {
            "number": visitor.conversation.number
        }
        lines = [_line(m, visitor) for m in rows]
    linked = linked_email_inbox(visitor.inbox)
    if linked is None:
        _mail(visitor, email, subject, lines, intro)
        return
    row = queue_mail(
        visitor,
        linked,
        kind=MailKind.TRANSCRIPT,
        to=email,
        subject=subject,
        body="\n\n".join([intro, *lines]),
        anchor=rows[-1],
    )
    deliver(row, timezone.now())


def _away_visitors(now: dt.datetime) -> list[Visitor]:
    candidates = (
        Visitor.objects.filter(
            connections=0, conversation__isnull=False, last_seen_at__isnull=False
        )
        .exclude(email="")
        .select_related("inbox", "conversation")
        .order_by("last_seen_at")[:BATCH]
    )
    away = []
    for visitor in candidates:
        minutes = widget_config(visitor.inbox.settings, list(visitor.inbox.languages)).away_minutes
        if visitor.last_seen_at is not None and visitor.last_seen_at <= now - dt.timedelta(
            minutes=minutes
        ):
            away.append(visitor)
    return away


def email_unseen_replies() -> int:
    """The sweep: mail each away visitor the agent replies they have not read, and send the
    mails through linked email inboxes that are due (new or retried); the count of mails."""
    sent = 0
    for visitor in _away_visitors(timezone.now()):
        sent += _follow_up(visitor)
    return sent + send_due()


def _follow_up(visitor: Visitor) -> int:
    """Claim and mail (or queue, with a linked email inbox) one visitor's unseen replies."""
    if visitor.conversation_id is None:
        return 0
    replies = list(
        Message.objects.filter(
            conversation_id=visitor.conversation_id,
            direction=Direction.OUTGOING,
            pk__gt=visitor.emailed_up_to,
            read_at__isnull=True,
        )
        .select_related("sender_agent__user", "conversation")
        .order_by("created_at", "id")
    )
    if not replies:
        return 0
    linked = linked_email_inbox(visitor.inbox)
    with transaction.atomic():
        claimed = Visitor.objects.filter(pk=visitor.pk, emailed_up_to=visitor.emailed_up_to).update(
            emailed_up_to=replies[-1].pk
        )
        if not claimed:
            return 0  # another scheduler took this batch
        conversation = replies[-1].conversation
        with translation.override(visitor.language or "en"):
            subject = _("[#%(number)d] New reply from %(inbox)s") % {
                "number": conversation.number,
                "inbox": visitor.inbox.name,
            }
            intro = _("You left the chat; here is our answer. Reply to this email to continue.")
            lines = [_line(m, visitor) for m in replies]
        if linked is not None:
            body = "\n\n".join([intro, *lines])
            queue_mail(
                visitor,
                linked,
                kind=MailKind.FOLLOWUP,
                to=visitor.email,
                subject=subject,
                body=body,
                anchor=replies[-1],
            )
            return 0  # sent by send_due, with retries
    _mail(visitor, visitor.email, subject, lines, intro)
    return 1
