"""Reads for the widget: which inbox a public id names, a visitor's history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from javob.connectors.webchat.models import Visitor
from javob.conversations.models import Attachment, Direction, Inbox, Message
from javob.core.errors import NotFound

HISTORY_LIMIT = 50


def widget_inbox(public_id: str) -> Inbox:
    inbox = (
        Inbox.objects.filter(kind="webchat", is_active=True, settings__public_id=public_id)
        .order_by("pk")
        .first()
    )
    if inbox is None or not public_id:
        raise NotFound(_("No such chat."), field="inbox")
    return inbox


def history(visitor: Visitor, before_id: int | None = None) -> list[dict[str, Any]]:
    """The visitor's conversation, oldest first: their messages and the replies, no notes."""
    if visitor.conversation_id is None:
        return []
    query = (
        Message.objects.filter(
            conversation_id=visitor.conversation_id,
            direction__in=[Direction.INCOMING, Direction.OUTGOING],
        )
        .select_related("sender_agent__user")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )
    if before_id is not None:
        query = query.filter(pk__lt=before_id)
    rows = list(query[:HISTORY_LIMIT])
    return [message_for_widget(m, visitor) for m in reversed(rows)]


def message_for_widget(message: Message, visitor: Visitor) -> dict[str, Any]:
    mine = message.direction == Direction.INCOMING
    external = message.external_id or ""
    agent = message.sender_agent
    return {
        "id": message.pk,
        "client_id": external.split(":", 1)[1] if mine and ":" in external else None,
        "mine": mine,
        "sender": message.sender_type,
        "agent": agent.name if agent is not None and not mine else "",
        "text": message.text,
        "status": message.delivery_status,
        "read": message.read_at is not None,
        "attachments": [attachment_for_widget(a, visitor) for a in message.attachments.all()],
        "created_at": message.created_at.isoformat(),
    }


def attachment_for_widget(attachment: Attachment, visitor: Visitor) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.filename,
        "type": attachment.content_type,
        "size": attachment.size,
    }


def visitor_attachment(visitor: Visitor, attachment_id: int) -> Attachment:
    if visitor.conversation_id is None:
        raise NotFound(_("No such file."), field="attachment")
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__conversation_id=visitor.conversation_id,
            message__direction__in=[Direction.INCOMING, Direction.OUTGOING],
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise NotFound(_("No such file."), field="attachment")
    return attachment
