"""Changes the customer makes to messages already stored: edits, and media that arrives late.

An edit replaces the message's text and leaves the previous text in the timeline, so the
history is never lost. Media of chat channels is announced in the webhook and downloaded by a
task: the message carries a placeholder per file in `metadata["media"]` whose `status` moves
from "pending" to "stored" (with the attachment) or "failed" (after the last attempt).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from javob.conversations import events
from javob.conversations.actions import MAX_TEXT, store_attachment
from javob.conversations.models import Direction, EventKind, Message, SenderType
from javob.core.types import InboundEdit


def fetch_pending_media[C](
    message_id: int,
    connector_class: Callable[[Any], C],
    fetch_one: Callable[[C, int, dict[str, Any]], bool],
    schedule_retry: Callable[[int, int], None],
) -> str:
    """Download every pending file of one message (a connector's `fetch_media` task): stored
    files are skipped; `fetch_one` returns False when a transient failure leaves a file for
    another attempt, and then `schedule_retry(message_id, attempt)` is called once."""
    message = Message.objects.select_related("inbox").filter(pk=message_id).first()
    if message is None:
        return "gone"
    connector = connector_class(message.inbox)
    pending = [
        entry
        for entry in message.metadata.get("media", [])
        if isinstance(entry, dict) and entry.get("status") == "pending"
    ]
    retry = False
    for entry in pending:
        retry |= not fetch_one(connector, message_id, entry)
    if retry:
        schedule_retry(message_id, int(pending[0].get("attempts", 0)) + 1)
        return "retry"
    return "done"


def receive_edit(edit: InboundEdit) -> bool:
    """Apply a customer's edit to the stored message; False if that message is unknown.

    Edits carry the provider's edit time: one older than the edit already applied (a late
    delivery) is ignored, and so is one that changes nothing.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("conversation")
            .filter(
                inbox_id=edit.inbox_id,
                direction=Direction.INCOMING,
                external_id=edit.external_id,
            )
            .first()
        )
        if message is None:
            return False
        at = edit.edited_at or timezone.now()
        if _is_stale(message, at) or message.text == edit.text[:MAX_TEXT]:
            return True
        previous = message.text
        message.text = edit.text[:MAX_TEXT]
        message.metadata = {**message.metadata, **edit.metadata, "edited_at": at.isoformat()}
        message.save(update_fields=["text", "metadata"])
        events.append(
            message.conversation,
            EventKind.MESSAGE_EDITED,
            actor_type=SenderType.CONTACT,
            message=message,
            data={"previous_text": previous, "text": message.text},
        )
        _announce(message)
    return True


def _is_stale(message: Message, at: dt.datetime) -> bool:
    applied = message.metadata.get("edited_at")
    return bool(applied) and dt.datetime.fromisoformat(str(applied)) >= at


def store_media(
    message_id: int, key: str, filename: str, content_type: str, content: bytes
) -> bool:
    """Attach a downloaded file to its placeholder; False if it was stored before."""
    with transaction.atomic():
        message, entry = _locked_entry(message_id, key)
        if entry is None or entry.get("status") == "stored":
            return False
        store_attachment(message, filename, content_type, content)
        entry.update(status="stored", size=len(content), error="")
        message.save(update_fields=["metadata"])
        _announce(message)
    return True


def media_failed(message_id: int, key: str, reason: str, *, final: bool) -> int:
    """Count a failed download of a placeholder; after the last one it shows as failed.
    Returns the number of attempts so far."""
    with transaction.atomic():
        message, entry = _locked_entry(message_id, key)
        if entry is None or entry.get("status") == "stored":
            return 0
        attempts = int(entry.get("attempts", 0)) + 1
        entry.update(attempts=attempts, error=reason[:500])
        if final:
            entry["status"] = "failed"
        message.save(update_fields=["metadata"])
        if final:
            _announce(message)
    return attempts


def _locked_entry(message_id: int, key: str) -> tuple[Message, dict[str, Any] | None]:
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message_id)
    for entry in message.metadata.get("media", []):
        if isinstance(entry, dict) and entry.get("key") == key:
            return message, entry
    return message, None


def _announce(message: Message) -> None:
    events.announce(
        message.conversation, "message.updated", {"message": events.message_payload(message)}
    )
