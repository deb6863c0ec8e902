"""What a web-chat visitor does: open a session, fill the pre-chat form, write, read, ask
for a person or a transcript. Every write goes through the conversations actions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors.webchat.config import WidgetConfig, visitor_language, widget_config
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.queries import presence_payload
from javob.connectors.webchat.tokens import identity_valid, visitor_key, visitor_token
from javob.conversations import events
from javob.conversations.actions import receive_message
from javob.conversations.delivery import apply_delivery_update
from javob.conversations.events import announce
from javob.conversations.models import (
    Conversation,
    Direction,
    EventKind,
    Inbox,
    Message,
    SenderType,
)
from javob.conversations.queries import viewer_ids
from javob.core.errors import ActionError, PermissionDenied
from javob.core.tasks import enqueue_on_commit
from javob.core.types import DeliveryUpdate, Identity, InboundAttachment, InboundMessage
from javob.realtime.publish import publish

MAX_TEXT = 10_000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PHONE = re.compile(r"^\+?[\d\s().-]{5,24}$")


@dataclass(frozen=True, slots=True)
class SessionInput:
    token: str = ""
    languages: tuple[str, ...] = ()
    user_id: str = ""
    user_email: str = ""
    user_name: str = ""
    user_hash: str = ""


@dataclass(frozen=True, slots=True)
class Session:
    visitor: Visitor
    token: str
    config: WidgetConfig


@dataclass(frozen=True, slots=True)
class VisitorDetails:
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class VisitorMessage:
    client_id: str
    text: str = ""
    attachments: tuple[InboundAttachment, ...] = field(default_factory=tuple)


def config_of(inbox: Inbox) -> WidgetConfig:
    return widget_config(inbox.settings, list(inbox.languages))


def check_start_session(inbox: Inbox, data: SessionInput) -> Session:
    """The returning visitor of a valid token, else a new one; checks a signed identity.

    A host site that knows its user signs `user_id` (and `user_email` when given, joined as
    "id|email") with the inbox's identity secret; a wrong signature is refused, never
    ignored, so a typo in the host's backend shows at once.
    """
    config = config_of(inbox)
    key = visitor_key(inbox.pk, data.token) if data.token else None
    visitor = Visitor.objects.filter(inbox=inbox, key=key).first() if key else None
    verified = _verified_identity(inbox, data)
    language = visitor_language(list(data.languages), config, list(inbox.languages))
    with transaction.atomic():
        if visitor is None or (verified and visitor.verified_id not in ("", verified)):
            visitor = Visitor(inbox=inbox, bot_active=bool(inbox.settings.get("bot")))
        visitor.language = language
        if verified:
            visitor.verified_id = verified
            visitor.email = data.user_email.strip().lower() or visitor.email
            visitor.name = data.user_name.strip()[:255] or visitor.name
        visitor.save()
    return Session(visitor, visitor_token(inbox.pk, visitor.key), config)


def _verified_identity(inbox: Inbox, data: SessionInput) -> str:
    user_id = data.user_id.strip()
    if not user_id:
        return ""
    signed = f"{user_id}|{data.user_email.strip().lower()}" if data.user_email else user_id
    if not identity_valid(str(inbox.secrets.get("identity_secret", "")), signed, data.user_hash):
        raise PermissionDenied(_("The identity signature does not match."), field="user_hash")
    if data.user_email:
        _check_email(data.user_email)
    return user_id[:200]


def _check_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ActionError(_("Enter a valid email address."), field="email") from error
    return email


def check_update_visitor(visitor: Visitor, details: VisitorDetails) -> Visitor:
    """Store what the visitor typed in the pre-chat or offline form."""
    updates: dict[str, str] = {}
    if details.name.strip():
        updates["name"] = details.name.strip()[:255]
    if details.email.strip() and not visitor.verified_id:
        updates["email"] = _check_email(details.email)
    if details.phone.strip():
        if not PHONE.match(details.phone.strip()):
            raise ActionError(_("Enter a valid phone number."), field="phone")
        updates["phone"] = details.phone.strip()
    for name, value in updates.items():
        setattr(visitor, name, value)
    if updates:
        visitor.save(update_fields=list(updates))
    return visitor


def missing_prechat(visitor: Visitor, config: WidgetConfig) -> list[str]:
    """Required pre-chat fields the visitor has not given yet."""
    return [
        name
        for name, mode in config.prechat.items()
        if mode == "required" and not getattr(visitor, name)
    ]


def check_visitor_message(visitor: Visitor, data: VisitorMessage) -> Message:
    """Store a visitor's message once, however often the widget re-sends it.

    The widget queues what is typed while offline and sends each message with the same
    client id until it is acknowledged; the id makes the repeats one message.
    """
    if not CLIENT_ID.match(data.client_id):
        raise ActionError(_("A message needs a `client_id`."), field="client_id")
    text = data.text.strip()
    if not text and not data.attachments:
        raise ActionError(_("Write a message first."), field="text")
    if len(text) > MAX_TEXT:
        raise ActionError(_("The message is too long."), field="text")
    inbox = visitor.inbox
    missing = missing_prechat(visitor, config_of(inbox))
    if missing:
        raise ActionError(_("Please fill in the form first."), field=missing[0])
    # One transaction: the pipeline (routing, auto-ack) runs after commit and must see the
    # conversation's language.
    with transaction.atomic():
        received = receive_message(_inbound(visitor, data, text))
        message = received.message
        _give_language(message.conversation_id, visitor.language)
        if visitor.conversation_id != message.conversation_id or visitor.contact_id is None:
            visitor.conversation_id = message.conversation_id
            visitor.contact_id = message.sender_contact_id
            visitor.save(update_fields=["conversation", "contact"])
    return message


# The widget's languages as the BCP 47 tags conversations carry (see intelligence.language).
CONVERSATION_LANGUAGE = {"uz": "uz-Latn", "uz-cyrl": "uz-Cyrl", "ru": "ru", "en": "en"}


def _give_language(conversation_id: int, widget_language: str) -> None:
    """The widget's language becomes the conversation's when it has none yet, so routing,
    the auto-acknowledgement and canned answers use it before any text is analysed."""
    tag = CONVERSATION_LANGUAGE.get(widget_language)
    if tag:
        Conversation.objects.filter(pk=conversation_id, language="").update(language=tag)


def _inbound(visitor: Visitor, data: VisitorMessage, text: str) -> InboundMessage:
    if visitor.verified_id and visitor.email:
        sender = Identity("email", visitor.email)
        extra: tuple[Identity, ...] = (Identity("web", f"user:{visitor.verified_id}"),)
    elif visitor.verified_id:
        sender, extra = Identity("web", f"user:{visitor.verified_id}"), ()
    else:
        sender, extra = Identity("web", f"visitor:{visitor.key}"), ()
    metadata = {"widget_language": visitor.language}
    if visitor.email and not visitor.verified_id:
        metadata["visitor_email"] = visitor.email
    return InboundMessage(
        inbox_id=visitor.inbox_id,
        sender=sender,
        external_id=f"{visitor.key}:{data.client_id}",
        text=text,
        sender_name=visitor.name,
        thread_key=f"visitor:{visitor.key}",
        attachments=data.attachments,
        extra_identities=extra,
        contact_locale=visitor.language,
        metadata=metadata,
    )


def do_mark_read(visitor: Visitor, up_to_message_id: int) -> int:
    """The visitor saw the agent's messages up to this one; returns how many became read."""
    if visitor.conversation_id is None:
        return 0
    unread = Message.objects.filter(
        conversation_id=visitor.conversation_id,
        direction=Direction.OUTGOING,
        pk__lte=up_to_message_id,
        read_at__isnull=True,
        external_id__isnull=False,
    ).values_list("external_id", flat=True)
    count = 0
    for external_id in [e for e in unread if e]:
        update = DeliveryUpdate(inbox_id=visitor.inbox_id, external_id=external_id, status="read")
        if apply_delivery_update(update):
            count += 1
    return count


def do_touch(visitor_id: int, *, connected: int = 0, hidden: int = 0) -> None:
    """Record a sign of life; `connected` is +1 on connect and -1 on disconnect, `hidden`
    +1 when an open widget's page is hidden and -1 when it is shown again (or closes hidden).
    When that makes the visitor come or go, the agents who may see the conversation are told.
    One write either way: a thousand widgets connecting at once must stay cheap."""
    now = timezone.now()
    if not connected and not hidden:
        Visitor.objects.filter(pk=visitor_id).update(last_seen_at=now)
        return
    with transaction.atomic():
        row = (
            Visitor.objects.select_for_update()
            .filter(pk=visitor_id)
            .values("connections", "hidden_connections", "online", "away_since", "conversation_id")
            .first()
        )
        if row is None:
            return
        connections = max(row["connections"] + connected, 0)
        hidden_now = min(max(row["hidden_connections"] + hidden, 0), connections)
        online = connections > hidden_now
        away_since = None if online else now if row["online"] else row["away_since"]
        Visitor.objects.filter(pk=visitor_id).update(
            last_seen_at=now,
            connections=connections,
            hidden_connections=hidden_now,
            online=online,
            away_since=away_since,
        )
        if online != row["online"] and row["conversation_id"] is not None:
            _announce_presence(row["conversation_id"], online, away_since)


def _announce_presence(conversation_id: int, online: bool, away_since: dt.datetime | None) -> None:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is not None:
        payload = presence_payload(conversation_id, online, away_since)
        publish(viewer_ids(conversation), "visitor.presence", payload)


def do_agent_read(conversation_id: int) -> int:
    """An agent opened the conversation: the visitor's messages up to now are read, and their
    open widgets show it. The number of messages newly marked."""
    from javob.connectors.webchat.connector import push

    unread = Message.objects.filter(
        conversation_id=conversation_id, direction=Direction.INCOMING, read_at__isnull=True
    )
    last = unread.order_by("-id").values_list("pk", flat=True).first()
    if last is None:
        return 0
    marked = unread.filter(pk__lte=last).update(read_at=timezone.now())
    visitors = list(
        Visitor.objects.filter(conversation_id=conversation_id).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: push(visitors, "read", {"up_to": last}))
    return marked


def check_handover(visitor: Visitor) -> None:
    """The visitor asked for a person: the bot stops answering and the agents are told."""
    if not visitor.bot_active:
        return
    visitor.bot_active = False
    visitor.save(update_fields=["bot_active"])
    if visitor.conversation is not None:
        events.append(visitor.conversation, EventKind.HANDOVER, actor_type=SenderType.CONTACT)
        announce(visitor.conversation, "conversation.handover", {"visitor": visitor.pk})


def check_request_transcript(visitor: Visitor, email: str) -> None:
    """Mail the visitor their conversation (a task, after commit)."""
    from javob.connectors.webchat.tasks import mail_transcript

    address = _check_email(email)
    if visitor.conversation_id is None:
        raise ActionError(_("There is no conversation to send yet."), field="email")
    enqueue_on_commit(mail_transcript, visitor.pk, address)
