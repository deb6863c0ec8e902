"""Building an outgoing mail: its threading headers (fixed before the first attempt) and MIME.

Every reply carries a Message-ID derived from the message's idempotency key, so a retry after
a lost answer from the server sends the same id, In-Reply-To and the full References chain of
the mail it answers, a Reply-To with the conversation's token where the inbox has a reply
domain, and the [#number] tag in the subject.
"""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.utils import timezone

from javob.connectors.email import threading
from javob.connectors.email.config import MailSettings
from javob.connectors.email.models import MailId, MailIdKind, OutgoingMail, Participant
from javob.conversations.models import Direction, Message

MAX_CC = 20
PLACEHOLDER = re.compile(r"\{(agent|signature)\}")
BLANK_LINES = re.compile(r"\n{3,}")
# An agent who typed the "-- " separator themselves: it is added once, by us.
DELIMITER = re.compile(r"\A--[ \t]*(\n|\Z)")


def prepare_outgoing(message: Message, settings: MailSettings) -> OutgoingMail:
    """The stored headers of `message`, created at its first send attempt and reused after."""
    existing = OutgoingMail.objects.filter(message=message).first()
    if existing is not None:
        return existing
    conversation = message.conversation
    domain = settings.address.rpartition("@")[2] or "javob.invalid"
    message_id = f"javob.{message.idempotency_key.hex}@{domain}"
    parent = _parent(message)
    references = threading.reference_chain(_references_of(parent), parent[0]) if parent else []
    subject = threading.tagged_subject(
        conversation.subject, conversation.number, reply=parent is not None
    )
    reply_to = ""
    if settings.reply_domain:
        reply_to = f"reply+{threading.reply_token(conversation)}@{settings.reply_domain}"
    outgoing = OutgoingMail.objects.create(
        message=message,
        inbox_id=message.inbox_id,
        rfc_message_id=message_id,
        in_reply_to=parent[0] if parent else "",
        references=references,
        reply_to=reply_to,
        subject=subject[:998],
        complete=parent is None or bool(references),
        # Set by every automatic sender (the SLA acknowledgement, do_send_auto_reply): such a
        # reply goes out with Auto-Submitted and X-Loop.
        automatic=message.metadata.get("automated") is True,
    )
    threading.record_ids(message, message_id, references)
    return outgoing


def _parent(message: Message) -> tuple[str, Message] | None:
    """The latest earlier mail of the conversation (its Message-ID and row), if any."""
    row = (
        MailId.objects.filter(
            kind=MailIdKind.OWN,
            message__conversation_id=message.conversation_id,
            message__created_at__lte=message.created_at,
        )
        .exclude(message_id=message.pk)
        .select_related("message")
        .order_by("-message__created_at", "-message_id")
        .first()
    )
    return (row.value, row.message) if row is not None else None


def _references_of(parent: tuple[str, Message] | None) -> list[str]:
    if parent is None:
        return []
    row = parent[1]
    if row.direction == Direction.OUTGOING:
        stored = OutgoingMail.objects.filter(message=row).values_list("references", flat=True)
        return list(stored.first() or [])
    email_meta = row.metadata.get("email", {})
    return [str(item) for item in email_meta.get("references", [])]


def recipients(message: Message) -> tuple[str, list[str]]:
    """The customer's address and the Cc'd participants' (reply to all, capped)."""
    conversation = message.conversation
    to = (
        conversation.contact.identities.filter(kind="email")
        .order_by("id")
        .values_list("value", flat=True)
        .first()
    )
    cc_rows = (
        Participant.objects.filter(conversation=conversation)
        .exclude(contact_id=conversation.contact_id)
        .values_list("contact__identities__value", "contact__identities__kind")
    )
    cc = sorted({value for value, kind in cc_rows if kind == "email" and value != to})
    return to or "", cc[:MAX_CC]


def build_mime(message: Message, outgoing: OutgoingMail, settings: MailSettings) -> EmailMessage:
    to, cc = recipients(message)
    agent = message.sender_agent
    sender_name = message.inbox.name
    if agent is not None:
        sender_name = agent.display_name or agent.user.get_full_name() or sender_name
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, settings.address))
    mail["To"] = to
    if cc:
        mail["Cc"] = ", ".join(cc)
    if outgoing.reply_to:
        mail["Reply-To"] = formataddr((message.inbox.name, outgoing.reply_to))
    mail["Subject"] = outgoing.subject
    mail["Date"] = format_datetime(message.created_at or timezone.now())
    mail["Message-ID"] = f"<{outgoing.rfc_message_id}>"
    if outgoing.in_reply_to:
        mail["In-Reply-To"] = f"<{outgoing.in_reply_to}>"
        mail["References"] = " ".join(f"<{value}>" for value in outgoing.references)
    if outgoing.automatic:
        # RFC 3834: mark our own automatic mail, so other systems (and other Javob installs)
        # never answer it, and X-Loop names us so we recognise it coming back.
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Loop"] = settings.address
        mail["X-Auto-Response-Suppress"] = "All"
        mail["Precedence"] = "auto_reply"
    _set_body(mail, message, settings, sender_name)
    _attach(mail, message)
    return mail


def signature_text(template: str, agent_name: str, agent_signature: str) -> str:
    """The signature under a reply. The inbox's template is used as it is, with `{agent}`
    filled in, unless the agent has a signature of their own: then a template with
    `{signature}` gets it in that place, and a template without it gives way to it."""
    own = DELIMITER.sub("", agent_signature.replace("\r\n", "\n").strip()).strip()
    if own and "{signature}" not in template:
        return own
    values = {"agent": agent_name, "signature": own}
    text = PLACEHOLDER.sub(lambda found: values[found.group(1)], template)
    return BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def _set_body(mail: EmailMessage, message: Message, settings: MailSettings, agent: str) -> None:
    member = message.sender_agent
    own = member.email_signature if member is not None else ""
    signature = signature_text(settings.signature, agent, own)
    text = message.text
    if signature:
        text = f"{text}\n\n-- \n{signature}"
    mail.set_content(text)
    body_html = message.html or "<p>" + html.escape(message.text).replace("\n", "<br>") + "</p>"
    if signature:
        body_html += '<div class="signature">' + html.escape(signature).replace("\n", "<br>")
        body_html += "</div>"
    mail.add_alternative(f"<!doctype html><html><body>{body_html}</body></html>", subtype="html")


def _attach(mail: EmailMessage, message: Message) -> None:
    for attachment in message.attachments.all().order_by("id"):
        maintype, _slash, subtype = attachment.content_type.partition("/")
        with attachment.file.open("rb") as handle:
            content = handle.read()
        mail.add_attachment(
            content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
