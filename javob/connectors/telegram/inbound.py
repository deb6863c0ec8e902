"""Telegram updates into InboundMessage / InboundEdit values.

Private chats become conversations. Groups, supergroups and channels the bot sits in are kept
for listening (see base.Ignored) unless the inbox sets `groups_as_conversations`. A message is
known by "<chat id>:<message id>" (Telegram numbers messages per chat).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from javob.connectors.base import Ignored, Parsed
from javob.connectors.telegram import schemas
from javob.core.types import Identity, InboundEdit, InboundMessage

GROUP_CHATS = ("group", "supergroup")
LISTENING = "kept for listening"
# Message contents we store as an "unsupported" placeholder rather than drop silently.
OTHER_CONTENT = (
    "poll",
    "dice",
    "game",
    "invoice",
    "story",
    "animation",
    "paid_media",
    "giveaway",
    "checklist",
)


@dataclass(frozen=True, slots=True)
class Media:
    kind: str
    file: schemas.FileRef
    filename: str
    content_type: str

    def placeholder(self) -> dict[str, Any]:
        return {
            "key": self.file.file_unique_id or self.file.file_id,
            "kind": self.kind,
            "file_id": self.file.file_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.file.file_size,
            "status": "pending",
            "attempts": 0,
        }


def external_id(chat_id: int, message_id: int) -> str:
    return f"{chat_id}:{message_id}"


def parse_update(
    inbox_id: int, raw: dict[str, Any], *, groups_as_conversations: bool
) -> list[Parsed]:
    update = schemas.Update.model_validate(raw)
    if update.message is not None:
        if not _wanted(update.message, groups_as_conversations):
            return [Ignored(f"{update.message.chat.type} chat {LISTENING}")]
        return [to_message(inbox_id, update.message, raw["message"])]
    if update.edited_message is not None:
        if not _wanted(update.edited_message, groups_as_conversations):
            return [Ignored(f"{update.edited_message.chat.type} chat edit {LISTENING}")]
        return [to_edit(inbox_id, update.edited_message)]
    if update.channel_post is not None or update.edited_channel_post is not None:
        return [Ignored(f"channel post {LISTENING}")]
    kinds = sorted(key for key in raw if key != "update_id")
    return [Ignored("unsupported update: " + (", ".join(kinds)[:120] or "empty"))]


def _wanted(message: schemas.Message, groups_as_conversations: bool) -> bool:
    if message.sender is None or message.sender.is_bot:
        return False
    if message.chat.type == "private":
        return True
    return groups_as_conversations and message.chat.type in GROUP_CHATS


def to_message(inbox_id: int, message: schemas.Message, raw: dict[str, Any]) -> InboundMessage:
    sender = message.sender
    if sender is None:
        raise ValueError("a message without a sender is not a customer message")
    text, metadata, extra = _content(message, raw)
    media = _media(message)
    if media is not None:
        metadata["media"] = [media.placeholder()]
    metadata["telegram"] = _sender_data(message)
    replied = message.reply_to_message
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity("telegram", str(sender.id)),
        external_id=external_id(message.chat.id, message.message_id),
        text=text,
        sender_name=sender.full_name or (f"@{sender.username}" if sender.username else ""),
        thread_key="" if message.chat.type == "private" else f"group:{message.chat.id}",
        reply_to_external_ids=(
            (external_id(message.chat.id, replied.message_id),) if replied else ()
        ),
        extra_identities=extra,
        contact_locale=sender.language_code.lower()[:16],
        sent_at=dt.datetime.fromtimestamp(message.date, tz=dt.UTC),
        metadata=metadata,
    )


def to_edit(inbox_id: int, message: schemas.Message) -> InboundEdit:
    at = message.edit_date or message.date
    return InboundEdit(
        inbox_id=inbox_id,
        external_id=external_id(message.chat.id, message.message_id),
        text=message.text or message.caption,
        edited_at=dt.datetime.fromtimestamp(at, tz=dt.UTC),
    )


def _sender_data(message: schemas.Message) -> dict[str, Any]:
    sender = message.sender
    data: dict[str, Any] = {"chat_id": message.chat.id, "chat_type": message.chat.type}
    if sender is not None:
        data["user"] = {
            "id": sender.id,
            "username": sender.username,
            "first_name": sender.first_name,
            "last_name": sender.last_name,
            "language_code": sender.language_code,
        }
    if message.chat.title:
        data["chat_title"] = message.chat.title
    if message.media_group_id:
        data["media_group_id"] = message.media_group_id
    return data


def _content(
    message: schemas.Message, raw: dict[str, Any]
) -> tuple[str, dict[str, Any], tuple[Identity, ...]]:
    """The text shown for a message, its structured metadata and extra sender identities.

    Locations, venues and contacts get a short language-neutral text so every agent and the
    conversation list can read them; the values themselves are in the metadata."""
    if message.venue is not None:
        venue = message.venue
        text = "📍 " + ", ".join(part for part in (venue.title, venue.address) if part)
        place = {"title": venue.title, "address": venue.address, **_point(venue.location)}
        return text, {"venue": place}, ()
    if message.location is not None:
        point = _point(message.location)
        return f"📍 {point['latitude']}, {point['longitude']}", {"location": point}, ()
    if message.contact is not None:
        return _shared_contact(message, message.contact)
    if message.sticker is not None:
        return message.sticker.emoji, {"sticker": {"set_name": message.sticker.set_name}}, ()
    text = message.text or message.caption
    if not text and _media(message) is None:
        other = next((key for key in OTHER_CONTENT if key in raw), "")
        return "", {"unsupported": other or "unknown"}, ()
    return text, {}, ()


def _point(location: schemas.Location) -> dict[str, float]:
    return {"latitude": location.latitude, "longitude": location.longitude}


def _shared_contact(
    message: schemas.Message, contact: schemas.Contact
) -> tuple[str, dict[str, Any], tuple[Identity, ...]]:
    phone = contact.phone_number.strip()
    if phone and not phone.startswith("+"):
        phone = "+" + phone  # Telegram sends international numbers, with or without the +
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    data = {"phone_number": phone, "name": name, "user_id": contact.user_id}
    # Someone else's number is information, not who the sender is.
    own = message.sender is not None and contact.user_id == message.sender.id
    extra = (Identity("phone", phone),) if own and phone else ()
    return f"👤 {name}, {phone}" if name else f"👤 {phone}", {"contact": data}, extra


def _media(message: schemas.Message) -> Media | None:
    mid = message.message_id
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size))
        return Media("photo", largest, f"photo_{mid}.jpg", "image/jpeg")
    if message.sticker is not None:
        sticker = message.sticker
        suffix, mime = (
            ("webm", "video/webm")
            if sticker.is_video
            else ("tgs", "application/x-tgsticker")
            if sticker.is_animated
            else ("webp", "image/webp")
        )
        return Media("sticker", sticker, f"sticker_{mid}.{suffix}", mime)
    if message.voice is not None:
        mime = message.voice.mime_type or "audio/ogg"
        return Media("voice", message.voice, f"voice_{mid}.ogg", mime)
    if message.video_note is not None:
        return Media("video_note", message.video_note, f"video_note_{mid}.mp4", "video/mp4")
    for kind, default_name, default_type in (
        ("document", f"document_{mid}", "application/octet-stream"),
        ("video", f"video_{mid}.mp4", "video/mp4"),
        ("audio", f"audio_{mid}.mp3", "audio/mpeg"),
    ):
        item: schemas.Document | None = getattr(message, kind)
        if item is not None:
            name = item.file_name or default_name
            return Media(kind, item, name, item.mime_type or default_type)
    return None
