"""Writes the Meta connectors make beyond receiving messages: media fetched after the message
was stored, and messages the customer unsent.

Every change leaves a timeline event and is announced to the agents who see the conversation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from javob.conversations import events
from javob.conversations.actions import store_attachment
from javob.conversations.models import Direction, EventKind, Message, SenderType

MESSAGE_UNSENT = EventKind.MESSAGE_UNSENT


def _delete_files(files: list[FieldFile]) -> None:
    for file in files:
        file.delete(save=False)


def media_items(message: Message) -> list[dict[str, Any]]:
    items = message.metadata.get("media") if isinstance(message.metadata, dict) else None
    return [dict(item) for item in items] if isinstance(items, list) else []


def do_store_media(
    message_id: int, index: int, filename: str, content_type: str, content: bytes
) -> bool:
    """Attach a downloaded file to a message and mark its media item done; False if it was
    done already (a repeated task) or the message is gone."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return False
        items = media_items(message)
        if index >= len(items) or items[index].get("status") == "done":
            return False
        store_attachment(message, filename, content_type, content)
        items[index] = {**items[index], "status": "done", "error": ""}
        _save_media(message, items)
    return True


def do_mark_media_failed(message_id: int, index: int, reason: str, *, final: bool) -> int:
    """Record a failed download; returns the number of attempts so far."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return 0
        items = media_items(message)
        if index >= len(items) or items[index].get("status") == "done":
            return 0
        attempts = int(items[index].get("attempts", 0)) + 1
        status = "failed" if final else "pending"
        items[index] = {**items[index], "status": status, "attempts": attempts, "error": reason}
        _save_media(message, items)
    return attempts


def _save_media(message: Message, items: list[dict[str, Any]]) -> None:
    message.metadata = {**message.metadata, "media": items}
    message.save(update_fields=["metadata"])
    conversation = message.conversation
    events.announce(conversation, "message.updated", {"message": events.message_payload(message)})


def do_unsend_message(inbox_id: int, external_id: str, at: dt.datetime | None = None) -> bool:
    """The customer unsent a message: remove its text and files, keep the row and a timeline
    trace that something was removed. Idempotent; False if there was nothing to remove."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(inbox_id=inbox_id, direction=Direction.INCOMING, external_id=external_id)
            .first()
        )
        if message is None or message.metadata.get("unsent"):
            return False
        when = at or timezone.now()
        files = [attachment.file for attachment in message.attachments.all()]
        message.attachments.all().delete()
        # Files go once the rows are gone for good, not in a transaction that may roll back.
        transaction.on_commit(lambda: _delete_files(files))
        message.text = ""
        message.html = ""
        metadata = {key: value for key, value in message.metadata.items() if key != "media"}
        message.metadata = {**metadata, "unsent": True, "unsent_at": when.isoformat()}
        message.save(update_fields=["text", "html", "metadata"])
        conversation = message.conversation
        events.append(
            conversation,
            MESSAGE_UNSENT,
            actor_type=SenderType.CONTACT,
            message=message,
            at=timezone.now(),
        )
        events.announce(
            conversation, "message.updated", {"message": events.message_payload(message)}
        )
    return True
