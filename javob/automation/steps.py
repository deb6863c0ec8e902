"""The automation step of the after-receive pipeline (`conversations.pipeline.AFTER_RECEIVE`)."""

from __future__ import annotations

from javob.automation.engine import on_event
from javob.conversations.models import Direction, Message


def after_receive(message_id: int) -> None:
    """Run "conversation created" rules for a conversation's first customer message, then
    "message received" rules. Each run is keyed by the message, so running again is safe."""
    message = (
        Message.objects.filter(pk=message_id, direction=Direction.INCOMING)
        .only("pk", "conversation_id")
        .first()
    )
    if message is None:
        return
    key = f"message:{message.pk}"
    first = (
        Message.objects.filter(
            conversation_id=message.conversation_id, direction=Direction.INCOMING
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if first == message.pk:
        on_event(
            "conversation_created", message.conversation_id, message_id=message.pk, event_key=key
        )
    on_event("message_received", message.conversation_id, message_id=message.pk, event_key=key)
