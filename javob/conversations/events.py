"""Timeline rows and the realtime events that announce them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from javob.accounts.models import Membership
from javob.conversations import hooks
from javob.conversations.models import Conversation, Event, Message, SenderType
from javob.conversations.queries import viewer_ids
from javob.realtime.publish import publish


def append(
    conversation: Conversation,
    kind: str,
    *,
    actor: Membership | None = None,
    actor_type: str | None = None,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Event:
    event = Event.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        kind=kind,
        actor=actor,
        actor_type=actor_type or (SenderType.AGENT if actor else SenderType.SYSTEM),
        message=message,
        data=data or {},
        created_at=at or timezone.now(),
    )
    hooks.after_event(event)
    return event


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "inbox_id": conversation.inbox_id,
        "language": conversation.language,
        "sentiment": conversation.sentiment,
        "last_activity_at": conversation.last_activity_at.isoformat(),
    }


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "direction": message.direction,
        "sender_type": message.sender_type,
        "text": message.text,
        "delivery_status": message.delivery_status,
        "failure_reason": message.failure_reason,
        "created_at": message.created_at.isoformat(),
    }


def announce(conversation: Conversation, event: str, extra: dict[str, Any] | None = None) -> None:
    """Publish a change of `conversation` to every agent who may see it, after commit.

    The recipients are computed after commit, from the conversation as this transaction left
    it, and only when someone can be listening.
    """
    payload = {"conversation": conversation_payload(conversation), **(extra or {})}
    publish(lambda: viewer_ids(conversation), event, payload)
