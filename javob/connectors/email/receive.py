"""From a parsed mail to a stored message: identity, threading, bounces and participants.

The From address identifies the contact, never Reply-To. A mail whose From is one of the
workspace's agents or inboxes is not taken as an agent's reply: it is stored as a customer
message and flagged `spoofed_agent`. Bounces change the original message's delivery status
and create no contact. Automated mail is stored with `metadata["automated"] = True`, which the
auto-reply guard and the SLA timers read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from javob.accounts.models import Membership
from javob.connectors.email import threading
from javob.connectors.email.bounce import Bounce
from javob.connectors.email.config import MailSettings, mail_settings
from javob.connectors.email.models import (
    Outcome,
    OutgoingMail,
    Participant,
    ParticipantRole,
    RawMail,
)
from javob.connectors.email.parse import Address, ParsedMail
from javob.contacts.actions import resolve_contact
from javob.contacts.models import ContactIdentity
from javob.conversations.actions import do_merge_conversations, receive_message
from javob.conversations.delivery import apply_delivery_update
from javob.conversations.models import Conversation, Inbox, Message
from javob.core.types import DeliveryUpdate, Identity, InboundAttachment, InboundMessage

logger = logging.getLogger(__name__)
MAX_FULL_TEXT = 100_000
KEPT_HEADERS = ("auto-submitted", "x-loop", "list-id", "precedence", "return-path")


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str
    message: Message | None = None


class NoSender(ValueError):
    """The mail has no usable From address."""


def receive_parsed(raw: RawMail, parsed: ParsedMail) -> Result:
    """Store what a parsed mail means, in one transaction."""
    own_id = threading.norm_id(parsed.message_id)
    with transaction.atomic():
        # One mail of an inbox at a time: two replies of one new thread processed at once
        # would otherwise each miss the other and start two conversations.
        inbox = Inbox.objects.select_for_update().get(pk=raw.inbox_id)
        settings = mail_settings(inbox)
        ours = OutgoingMail.objects.filter(inbox__workspace_id=inbox.workspace_id)
        if own_id and ours.filter(rfc_message_id=own_id).exists():
            return Result(Outcome.OWN)  # our own reply, seen again (a Cc or a Sent copy)
        if parsed.bounce is not None:
            return _bounce(inbox, parsed.bounce)
        return _message(inbox, settings, raw, parsed, own_id)


def _bounce(inbox: Inbox, bounce: Bounce) -> Result:
    original = threading.norm_id(bounce.original_message_id)
    if bounce.permanent and original:
        outgoing = OutgoingMail.objects.filter(
            rfc_message_id=original, inbox__workspace_id=inbox.workspace_id
        ).first()
        if outgoing is not None:
            apply_delivery_update(
                DeliveryUpdate(outgoing.inbox_id, original, "failed", reason=bounce.reason)
            )
    return Result(Outcome.BOUNCE)


def _message(
    inbox: Inbox, settings: MailSettings, raw: RawMail, parsed: ParsedMail, own_id: str
) -> Result:
    sender = _sender(parsed)
    cited = threading.norm_ids([*parsed.in_reply_to, *parsed.references])
    recipients = [a.email for a in (*parsed.to, *parsed.cc)] + list(raw.envelope_to)
    choice = threading.choose(
        inbox,
        own_id=own_id,
        cited=cited,
        recipients=recipients,
        reply_domain=settings.reply_domain,
        subject=parsed.subject,
        sender_email=sender.email,
    )
    external_id = own_id or f"sha256:{raw.sha256}"
    inbound = InboundMessage(
        inbox_id=inbox.pk,
        sender=Identity("email", sender.email),
        external_id=external_id,
        # The visible reply, without quoted history and signature: what agents read first
        # and what language and sentiment analysis see. The whole text stays in metadata.
        text=parsed.reply_text.strip() or parsed.text,
        html=parsed.html,
        sender_name=sender.name,
        subject=parsed.subject,
        thread_key=external_id,
        reply_to_external_ids=tuple(cited),
        attachments=tuple(
            InboundAttachment(a.filename, a.content_type, a.content) for a in parsed.attachments
        ),
        sent_at=parsed.date,
        metadata=_metadata(inbox, settings, parsed, own_id, choice.rule),
        conversation_id=choice.conversation_id,
    )
    received = receive_message(inbound)
    message = received.message
    if received.created:
        threading.record_ids(message, external_id, cited)
        _merge(message.conversation_id, choice.merge_ids)
        if not parsed.automated.is_automated:
            _add_participants(message, settings, parsed)
    return Result(Outcome.MESSAGE, message)


def _sender(parsed: ParsedMail) -> Address:
    sender = parsed.from_
    if sender is None or "@" not in sender.email:
        raise NoSender("the mail has no From address")
    return sender


def _metadata(
    inbox: Inbox, settings: MailSettings, parsed: ParsedMail, own_id: str, rule: str
) -> dict[str, Any]:
    automated = parsed.automated
    return {
        "automated": automated.is_automated,
        "email": {
            "message_id": own_id,
            "references": threading.norm_ids(parsed.references),
            "in_reply_to": threading.norm_ids(parsed.in_reply_to),
            "from": _addr(parsed.from_),
            "reply_to": [_addr(a) for a in parsed.reply_to],
            "to": [_addr(a) for a in parsed.to],
            "cc": [_addr(a) for a in parsed.cc],
            "full_text": parsed.text[:MAX_FULL_TEXT],
            "automated_reason": automated.reason,
            "spoofed_agent": is_ours(inbox, settings, parsed.from_.email if parsed.from_ else ""),
            "headers": {k: parsed.headers[k] for k in KEPT_HEADERS if k in parsed.headers},
            "threaded_by": rule,
        },
    }


def _addr(address: Address | None) -> dict[str, str]:
    if address is None:
        return {"name": "", "email": ""}
    return {"name": address.name, "email": address.email.lower()}


def is_ours(inbox: Inbox, settings: MailSettings, email: str) -> bool:
    """Whether `email` belongs to an agent or an inbox of this workspace."""
    email = email.strip().lower()
    if not email:
        return False
    if email == settings.address or threading.token_of(email, settings.reply_domain):
        return True
    agents = Membership.objects.filter(workspace_id=inbox.workspace_id, user__email__iexact=email)
    if agents.exists():
        return True
    return Inbox.objects.filter(
        workspace_id=inbox.workspace_id, kind="email", settings__address=email
    ).exists()


def _merge(target_id: int, source_ids: tuple[int, ...]) -> None:
    """Fold conversations the mail proved to be one thread into the oldest of them."""
    if not source_ids:
        return
    ids = sorted({target_id, *source_ids})
    locked = {c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=ids)}
    target = locked[target_id]
    for source_id in source_ids:
        source = locked.get(source_id)
        if source is not None and source.merged_into_id is None and source.pk != target.pk:
            do_merge_conversations(source, target, actor=None)


def _add_participants(message: Message, settings: MailSettings, parsed: ParsedMail) -> None:
    """The sender and everyone else addressed become participants; at most
    `max_new_contacts` new contacts per mail (a mail to a thousand addresses creates few)."""
    conversation_id = message.conversation_id
    if message.sender_contact_id is not None:
        _participant(conversation_id, message.sender_contact_id, ParticipantRole.FROM)
    budget = settings.max_new_contacts
    inbox = message.inbox
    for role, addresses in ((ParticipantRole.TO, parsed.to), (ParticipantRole.CC, parsed.cc)):
        for address in addresses:
            email = address.email.strip().lower()
            if "@" not in email or is_ours(inbox, settings, email):
                continue
            contact_id, budget = _contact_for(inbox.workspace_id, address, email, budget)
            if contact_id is not None:
                _participant(conversation_id, contact_id, role)


def _contact_for(
    workspace_id: int, address: Address, email: str, budget: int
) -> tuple[int | None, int]:
    found = ContactIdentity.objects.filter(
        workspace_id=workspace_id, kind="email", value=email
    ).first()
    if found is not None:
        return found.contact_id, budget
    if budget <= 0:
        return None, budget
    identity = InboundMessage(
        inbox_id=0, sender=Identity("email", email), external_id=None, sender_name=address.name
    )
    contact, _created = resolve_contact(workspace_id, identity)
    return contact.pk, budget - 1


def _participant(conversation_id: int, contact_id: int, role: str) -> None:
    Participant.objects.get_or_create(
        conversation_id=conversation_id, contact_id=contact_id, defaults={"role": role}
    )
