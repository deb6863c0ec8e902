"""Entry points: the after-receive pipeline step and the reactions to replies and status.

- `after_receive(message_id)` is listed in `conversations.pipeline.AFTER_RECEIVE`;
- `on_agent_reply(message_id)`, `on_status_change(conversation_id)` and
  `on_conversation_change(conversation_id, reason)` are called by `on_event`, which
  `conversations.hooks.AFTER_EVENT` runs for every "message_out", "status", "priority",
  "team" and "labels" timeline row, inside the transaction that wrote it.

All are idempotent and tolerate running late or out of order: a customer message handled
after the agent already answered it starts its target and meets it at the reply's time.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from javob.conversations.models import (
    Conversation,
    Direction,
    Event,
    EventKind,
    Message,
    SenderType,
)
from javob.sla import timers
from javob.sla.models import REPLY_METRICS

# Keys the connectors set on Message.metadata for mail a machine sent (RFC 3834
# Auto-Submitted, Precedence: bulk/junk/list, vacation replies, bounces).
AUTOMATED_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


def is_automated(message: Message) -> bool:
    """Whether a machine sent this message, as the channel recorded it in `metadata`.

    Recognised: `metadata["automated"] is True` (what the email channel sets), an
    `auto_submitted` value other than "no", and a `precedence` of bulk, junk, list or
    auto_reply. Automated messages never start SLA timers nor get an acknowledgement.
    """
    meta = message.metadata or {}
    if meta.get("automated") is True:
        return True
    auto_submitted = str(meta.get("auto_submitted", "") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    return str(meta.get("precedence", "") or "").strip().lower() in AUTOMATED_PRECEDENCE


def after_receive(message_id: int) -> None:
    """Start the SLA targets a customer message starts (pipeline step)."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.direction != Direction.INCOMING or is_automated(message):
        return
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("inbox", "contact")
            .get(pk=message.conversation_id)
        )
        if conversation.merged_into_id is not None or not conversation.is_active:
            return
        replies = Message.objects.filter(
            conversation=conversation, direction=Direction.OUTGOING, sender_type=SenderType.AGENT
        )
        answered = replies.filter(created_at__lt=message.created_at).exists()
        timers.on_customer_message(conversation, message.created_at, answered)
        later = replies.filter(created_at__gte=message.created_at).order_by("created_at").first()
        if later is not None:
            timers.fulfil(conversation, REPLY_METRICS, later.created_at, reason="replied")


def on_agent_reply(message_id: int) -> None:
    """An agent's reply meets the reply targets; bots and automatic messages do not."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.direction != Direction.OUTGOING:
        return
    if message.sender_type != SenderType.AGENT or is_automated(message):
        return
    conversation = (
        Conversation.objects.select_related("inbox", "contact").filter(pk=message.conversation_id)
    ).first()
    if conversation is not None:
        timers.on_reply(conversation, message.created_at)


def on_status_change(conversation_id: int) -> None:
    """Pause, resume, meet or reopen the targets after the conversation's last status change."""
    conversation = (
        Conversation.objects.select_related("inbox", "contact").filter(pk=conversation_id).first()
    )
    change = (
        Event.objects.filter(conversation_id=conversation_id, kind=EventKind.STATUS)
        .order_by("-created_at", "-id")
        .first()
    )
    if conversation is None or change is None:
        return
    timers.on_status(conversation, str(change.data.get("from", "")), change.created_at)


def on_conversation_change(conversation_id: int, reason: str) -> None:
    """Priority, team or labels changed: the matching policy's targets apply to unmet ones."""
    conversation = (
        Conversation.objects.select_related("inbox", "contact").filter(pk=conversation_id).first()
    )
    if conversation is not None and conversation.is_active:
        timers.retarget(conversation, timezone.now(), reason)


RETARGETING = (EventKind.PRIORITY, EventKind.TEAM, EventKind.LABELS)


def on_event(event: Event) -> None:
    """The hook `conversations.hooks` calls for the timeline kinds SLA cares about."""
    if event.kind == EventKind.MESSAGE_OUT and event.message_id is not None:
        on_agent_reply(event.message_id)
    elif event.kind == EventKind.STATUS:
        on_status_change(event.conversation_id)
    elif event.kind in RETARGETING:
        on_conversation_change(event.conversation_id, str(event.kind))
