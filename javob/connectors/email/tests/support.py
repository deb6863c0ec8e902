"""Set-up shared by the email tests: inboxes, mails written as real clients write them."""

from __future__ import annotations

import datetime as dt
import itertools
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from javob.accounts.models import Workspace
from javob.connectors.actions import do_add_inbox
from javob.connectors.email.models import Outcome, RawMail
from javob.connectors.email.tasks import process_mail
from javob.conversations.models import Conversation, Inbox, Message

_numbers = itertools.count(1)
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def email_inbox(
    workspace: Workspace, address: str = "support@shop.example", **options: str
) -> Inbox:
    return do_add_inbox(workspace, "email", "Shop support", {"address": address, **options}, [])


def mail(
    *,
    sender: str = "Dilnoza <dilnoza@customer.example>",
    to: str = "support@shop.example",
    subject: str = "Buyurtma",
    text: str = "Salom! Buyurtmam qayerda?",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    cc: str = "",
    headers: dict[str, str] | None = None,
    reply_to: str = "",
) -> bytes:
    """A plain-text mail as a mail client sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(T0 + dt.timedelta(minutes=next(_numbers)))
    message["Message-ID"] = message_id or f"<m{next(_numbers)}@customer.example>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message.as_bytes(policy=policy.SMTP)  # CRLF line ends, as mail travels


def address(name: str, email: str) -> str:
    return formataddr((name, email))


def process_all() -> list[str]:
    """Run the parse task for every stored, unprocessed mail, oldest first."""
    pending = RawMail.objects.filter(processed_at__isnull=True).order_by("pk")
    return [process_mail.call(pk) for pk in pending.values_list("pk", flat=True)]


def conversation_of(message_id: str, inbox: Inbox | None = None) -> Conversation:
    """The (surviving) conversation holding the mail with this Message-ID."""
    rows = RawMail.objects.filter(rfc_message_id=message_id.strip("<>"), outcome=Outcome.MESSAGE)
    raw = rows.get(inbox=inbox) if inbox is not None else rows.get()
    assert raw.message_id is not None
    message = Message.objects.select_related("conversation").get(pk=raw.message_id)
    return message.conversation
