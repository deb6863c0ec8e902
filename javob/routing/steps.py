"""The routing step of the after-receive pipeline; it runs after the automation rules."""

from __future__ import annotations

from javob.conversations.models import Direction, Message
from javob.routing.actions import route_conversation


def is_automated(message: Message) -> bool:
    """Automated mail (auto-replies, bounces, lists) and spam are never assigned: connectors
    mark them with `metadata["automated"]` or `metadata["spam"]`."""
    metadata = message.metadata or {}
    return bool(metadata.get("automated") or metadata.get("spam"))


def after_receive(message_id: int) -> None:
    """Route the message's conversation when it has no agent yet. Safe to run again: an
    assigned conversation is left alone."""
    message = (
        Message.objects.filter(pk=message_id, direction=Direction.INCOMING)
        .only("pk", "conversation_id", "metadata")
        .first()
    )
    if message is None or is_automated(message):
        return
    route_conversation(message.conversation_id)
