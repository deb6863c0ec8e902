"""The customer-service window: how long after a customer's last message a business may
write freely.

WhatsApp, Messenger and Instagram all allow free-form replies for 24 hours after the customer's
last message. Later, WhatsApp accepts only approved templates; Messenger and Instagram accept a
message tagged HUMAN_AGENT for up to 7 days, where the inbox enables it (Meta grants the tag per
app). The window runs from the provider's timestamp of the message when we have it, so a
backlog processed late does not stretch it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors.meta.common import enabled
from javob.conversations.models import Conversation, Direction, Message
from javob.core.errors import ActionError

STANDARD = dt.timedelta(hours=24)
HUMAN_AGENT = dt.timedelta(days=7)
META_KINDS = ("whatsapp", "messenger", "instagram")


@dataclass(frozen=True, slots=True)
class Window:
    """Whether a free-form message may go out now, until when, and whether only with a tag."""

    is_open: bool
    ends_at: dt.datetime | None
    needs_tag: bool = False


def last_customer_message_at(conversation: Conversation) -> dt.datetime | None:
    """When the customer last wrote to this inbox (in any of their conversations)."""
    row = (
        Message.objects.filter(inbox_id=conversation.inbox_id, direction=Direction.INCOMING)
        .filter(Q(sender_contact_id=conversation.contact_id) | Q(conversation=conversation))
        .order_by("-created_at", "-id")
        .values_list("created_at", "metadata")
        .first()
    )
    if row is None:
        return None
    created_at, metadata = row
    sent_at = metadata.get("sent_at") if isinstance(metadata, dict) else None
    if isinstance(sent_at, str):
        try:
            return min(dt.datetime.fromisoformat(sent_at), created_at)
        except ValueError:
            pass
    return created_at


def window(conversation: Conversation, now: dt.datetime, *, human_agent: bool = False) -> Window:
    last = last_customer_message_at(conversation)
    if last is None:
        return Window(is_open=False, ends_at=None)
    if now < last + STANDARD:
        return Window(is_open=True, ends_at=last + STANDARD)
    if human_agent and now < last + HUMAN_AGENT:
        return Window(is_open=True, ends_at=last + HUMAN_AGENT, needs_tag=True)
    return Window(is_open=False, ends_at=last + (HUMAN_AGENT if human_agent else STANDARD))


def reply_window(conversation: Conversation, now: dt.datetime | None = None) -> Window:
    """The window of a conversation of any Meta channel, with the inbox's HUMAN_AGENT
    setting (Messenger and Instagram only). Public comment threads have no window."""
    kind = conversation.inbox.kind
    now = now or timezone.now()
    if conversation.thread_key.startswith("comment:"):
        return Window(is_open=True, ends_at=None)
    human_agent = kind != "whatsapp" and enabled(conversation.inbox.settings.get("human_agent"))
    return window(conversation, now, human_agent=human_agent)


def check_reply_allowed(conversation: Conversation, now: dt.datetime | None = None) -> None:
    """Refuse a free-form reply Meta would not deliver, before it is queued.

    For the reply action and the reply box; other channels pass untouched.
    """
    if conversation.inbox.kind not in META_KINDS or reply_window(conversation, now).is_open:
        return
    if conversation.inbox.kind == "whatsapp":
        message = _(
            "More than 24 hours have passed since the customer's last WhatsApp message. "
            "Send an approved template instead; a free-form reply is possible again once "
            "the customer answers."
        )
    else:
        message = _(
            "More than 24 hours have passed since the customer's last message (7 days with the "
            "human agent tag): Meta will not deliver a reply until the customer writes again."
        )
    raise ActionError(message, field="text")
