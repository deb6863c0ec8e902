"""Messenger and Instagram messaging webhooks -> InboundMessage and DeliveryUpdate values.

Both products send `{"object": "page" | "instagram", "entry": [{"id", "time", "messaging":
[event, ...]}]}`, one event per customer action: a `message` (text, attachments, quick reply,
reply to a message or a story), a `postback` (a button), a `reaction`, a `read` receipt (a
watermark on Messenger, the last read message on Instagram), or a Messenger `delivery`
receipt. Echoes of what the business itself sent (`is_echo`) are ignored: our replies are
stored when an agent writes them.

Reading receipts need a lookup: a watermark says "everything up to this time", so the
outgoing messages it covers are found here and each gets its own update.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from javob.core.types import DeliveryUpdate, Identity, InboundMessage

logger = logging.getLogger(__name__)
MEDIA_TYPES = ("image", "video", "audio", "file")
LINK_TYPES = ("share", "ig_reel", "reel", "ig_post", "fallback", "template")


@dataclass(slots=True)
class Events:
    """What one body asks for: messages to store, receipts to apply, messages to unsend."""

    messages: list[InboundMessage] = field(default_factory=list)
    updates: list[DeliveryUpdate] = field(default_factory=list)
    unsent: list[tuple[str, dt.datetime | None]] = field(default_factory=list)
    # (customer id, status, watermark) for receipts that name no message
    watermarks: list[tuple[str, str, dt.datetime]] = field(default_factory=list)


def event_time(value: object) -> dt.datetime | None:
    """Meta's timestamps: milliseconds (messaging), seconds (feed), or ISO 8601 strings."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        seconds = number / 1000 if number > 10**11 else number
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("+0000", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def parse_messaging(inbox_id: int, kind: str, event: dict[str, Any], into: Events) -> None:
    """Sort one messaging event into `into`."""
    sender = str(_dict(event.get("sender")).get("id") or "")
    at = event_time(event.get("timestamp"))
    if not sender:
        return
    if "message" in event:
        _message(inbox_id, kind, sender, at, _dict(event["message"]), into)
    elif "postback" in event:
        into.messages.append(_postback(inbox_id, kind, sender, at, _dict(event["postback"])))
    elif "reaction" in event:
        into.messages.append(_reaction(inbox_id, kind, sender, at, _dict(event["reaction"])))
    elif "read" in event:
        _read(inbox_id, sender, at, _dict(event["read"]), into)
    elif "delivery" in event:
        _delivery(inbox_id, sender, _dict(event["delivery"]), into)


def _message(
    inbox_id: int,
    kind: str,
    sender: str,
    at: dt.datetime | None,
    message: dict[str, Any],
    into: Events,
) -> None:
    mid = str(message.get("mid") or "")
    if message.get("is_echo") or not mid:
        return
    if message.get("is_deleted"):
        into.unsent.append((mid, at))
        return
    text = str(message.get("text") or "")
    metadata: dict[str, Any] = {"type": "message"}
    media, extra_lines = _attachments(_list(message.get("attachments")), metadata)
    if media:
        metadata["media"] = media
    if message.get("quick_reply"):
        metadata["quick_reply"] = _dict(message["quick_reply"]).get("payload", "")
    if message.get("is_unsupported"):
        extra_lines.append(_("[Unsupported message]"))
    reply_to = _dict(message.get("reply_to"))
    story = _dict(reply_to.get("story"))
    if story:
        metadata["story_reply"] = {"id": str(story.get("id", "")), "url": str(story.get("url", ""))}
    parts = [text, *extra_lines] if text else extra_lines
    into.messages.append(
        _inbound(
            inbox_id,
            kind,
            sender,
            mid,
            "\n".join(part for part in parts if part) or _("[Empty message]"),
            at,
            metadata,
            reply_to=str(reply_to.get("mid") or ""),
        )
    )


def _attachments(
    attachments: list[Any], metadata: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Files to fetch, and lines of text for what is not a file."""
    media: list[dict[str, Any]] = []
    lines: list[str] = []
    labels = {
        "image": _("[Image]"),
        "video": _("[Video]"),
        "audio": _("[Audio]"),
        "file": _("[File]"),
    }
    for attachment in map(_dict, attachments):
        kind = str(attachment.get("type") or "")
        payload = _dict(attachment.get("payload"))
        url = str(payload.get("url") or "")
        if kind in MEDIA_TYPES and url:
            media.append(
                {"url": url, "kind": kind, "mime_type": "", "filename": "", "status": "pending"}
            )
            lines.append(labels[kind])
        elif kind == "story_mention":
            # Meta's terms: a story's media must not be stored; keep the link only, which
            # stops working when the story expires.
            metadata["story_mention"] = {"url": url}
            lines.append(_("[Mentioned you in their story]"))
        elif kind == "location":
            coordinates = _dict(payload.get("coordinates"))
            metadata["location"] = coordinates
            lines.append(f"📍 {coordinates.get('lat')}, {coordinates.get('long')}")
        elif kind in LINK_TYPES:
            metadata.setdefault("shares", []).append(
                {"type": kind, "url": url, "title": payload.get("title", "")}
            )
            lines.append(str(payload.get("title") or url or _("[Shared content]")))
        else:
            metadata.setdefault("unsupported", []).append(kind)
            lines.append(_("[Unsupported attachment: %(type)s]") % {"type": kind or "?"})
    return media, lines


def _postback(
    inbox_id: int, kind: str, sender: str, at: dt.datetime | None, postback: dict[str, Any]
) -> InboundMessage:
    mid = str(postback.get("mid") or f"postback:{sender}:{int(at.timestamp() * 1000) if at else 0}")
    metadata = {"type": "postback", "postback": {"payload": postback.get("payload", "")}}
    title = str(postback.get("title") or postback.get("payload") or _("[Button]"))
    return _inbound(inbox_id, kind, sender, mid, title, at, metadata)


def _reaction(
    inbox_id: int, kind: str, sender: str, at: dt.datetime | None, reaction: dict[str, Any]
) -> InboundMessage:
    """Stored like WhatsApp's: a short message replying to the message reacted to."""
    target = str(reaction.get("mid") or "")
    stamp = int(at.timestamp() * 1000) if at else 0
    removed = reaction.get("action") == "unreact"
    emoji = str(reaction.get("emoji") or reaction.get("reaction") or "")
    text = _("[Reaction removed]") if removed else emoji or _("[Reaction]")
    metadata = {
        "type": "reaction",
        "reaction": {
            "emoji": "" if removed else emoji,
            "message_id": target,
            "name": reaction.get("reaction", ""),
        },
    }
    return _inbound(
        inbox_id,
        kind,
        sender,
        f"reaction:{target}:{sender}:{stamp}",
        text,
        at,
        metadata,
        reply_to=target,
    )


def _read(
    inbox_id: int, sender: str, at: dt.datetime | None, read: dict[str, Any], into: Events
) -> None:
    watermark = event_time(read.get("watermark"))
    if watermark is not None:
        into.watermarks.append((sender, "read", watermark))
    elif read.get("mid"):
        # Instagram names the last message read: it and everything before it are read.
        into.updates.append(DeliveryUpdate(inbox_id, str(read["mid"]), "read", at=at))
        if at is not None:
            into.watermarks.append((sender, "read", at))


def _delivery(inbox_id: int, sender: str, delivery: dict[str, Any], into: Events) -> None:
    watermark = event_time(delivery.get("watermark"))
    for mid in _list(delivery.get("mids")):
        into.updates.append(DeliveryUpdate(inbox_id, str(mid), "delivered", at=watermark))
    if watermark is not None:
        into.watermarks.append((sender, "delivered", watermark))


def _inbound(
    inbox_id: int,
    kind: str,
    sender: str,
    external_id: str,
    text: str,
    at: dt.datetime | None,
    metadata: dict[str, Any],
    *,
    reply_to: str = "",
    name: str = "",
    thread_key: str = "",
) -> InboundMessage:
    if at is not None:
        metadata["sent_at"] = at.isoformat()
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity(kind, sender),
        external_id=external_id,
        text=text,
        sender_name=name,
        thread_key=thread_key,
        reply_to_external_ids=(reply_to,) if reply_to else (),
        sent_at=at,
        metadata=metadata,
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
