"""WhatsApp Cloud API webhook bodies -> InboundMessage and DeliveryUpdate values.

One body batches entries, each entry changes, each change messages and statuses. Every
message becomes exactly one stored message, whatever its type: a type we do not know is kept
as a placeholder with its raw fields in metadata, never an error that stops the batch.
Reactions are stored as a short message replying to the message they react to, so the agent
sees them in the timeline at the moment they came and the conversation's activity moves, and
the wamid of the reaction keeps it idempotent like any other message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from javob.connectors.base import Parsed
from javob.core.types import DeliveryUpdate, Identity, InboundMessage

logger = logging.getLogger(__name__)
STATUSES = ("sent", "delivered", "read", "failed")
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
Content = tuple[str, dict[str, Any]]  # text, metadata


def parse_body(
    inbox_id: int,
    phone_number_id: str,
    body: bytes,
    template_updates: list[dict[str, Any]] | None = None,
) -> list[Parsed]:
    """Messages and statuses of one body; template review results go to `template_updates`."""
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        logger.info(
            "WhatsApp inbox %s: ignored a body of object %r", inbox_id, _get(data, "object")
        )
        return []
    parsed: list[Parsed] = []
    for entry in _list(data.get("entry")):
        for change in _list(_get(entry, "changes")):
            field = _get(change, "field")
            if field == "message_template_status_update" and template_updates is not None:
                template_updates.append(_dict(_get(change, "value")))
            if field != "messages":
                continue
            parsed.extend(_parse_change(inbox_id, phone_number_id, _dict(_get(change, "value"))))
    return parsed


def _parse_change(inbox_id: int, phone_number_id: str, value: dict[str, Any]) -> list[Parsed]:
    number = str(_dict(value.get("metadata")).get("phone_number_id", ""))
    if phone_number_id and number and number != phone_number_id:
        # The app's webhook also carries the other numbers of the business account.
        logger.info("WhatsApp inbox %s: skipped a change for number %s", inbox_id, number)
        return []
    names = {
        str(contact.get("wa_id", "")): str(_dict(contact.get("profile")).get("name", ""))
        for contact in map(_dict, _list(value.get("contacts")))
    }
    parsed: list[Parsed] = [
        to_inbound(inbox_id, message, names)
        for message in map(_dict, _list(value.get("messages")))
        if message.get("from") and message.get("id")
    ]
    for status in map(_dict, _list(value.get("statuses"))):
        update = to_update(inbox_id, status)
        if update is not None:
            parsed.append(update)
    return parsed


def to_inbound(inbox_id: int, message: dict[str, Any], names: dict[str, str]) -> InboundMessage:
    sender = str(message["from"])
    kind = str(message.get("type") or "unknown")
    text, extra = _content(kind, message)
    context = _dict(message.get("context"))
    reply_to = [str(context["id"])] if context.get("id") else []
    if kind == "reaction" and extra["reaction"].get("message_id"):
        reply_to = [str(extra["reaction"]["message_id"])]
    sent_at = timestamp(message.get("timestamp"))
    metadata: dict[str, Any] = {"type": kind, **extra}
    if sent_at is not None:
        metadata["sent_at"] = sent_at.isoformat()
    if context.get("forwarded") or context.get("frequently_forwarded"):
        metadata["forwarded"] = True
    if message.get("referral"):
        metadata["referral"] = message["referral"]
    phone = "+" + sender.lstrip("+")
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity("whatsapp", phone),
        external_id=str(message["id"]),
        text=text,
        sender_name=names.get(sender, ""),
        reply_to_external_ids=tuple(reply_to),
        extra_identities=(Identity("phone", phone),),
        sent_at=sent_at,
        metadata=metadata,
    )


def to_update(inbox_id: int, status: dict[str, Any]) -> DeliveryUpdate | None:
    value = status.get("status")
    if value not in STATUSES or not status.get("id"):
        return None  # "deleted", "warning" and future values change nothing here
    reason = "; ".join(_error_text(error) for error in map(_dict, _list(status.get("errors"))))
    return DeliveryUpdate(
        inbox_id,
        str(status["id"]),
        str(value),
        at=timestamp(status.get("timestamp")),
        reason=reason,
    )


def _error_text(error: dict[str, Any]) -> str:
    title = str(error.get("title") or error.get("message") or "")
    details = str(_dict(error.get("error_data")).get("details") or "")
    if error.get("message") and error.get("message") != title:
        details = details or str(error["message"])
    text = f"{title}: {details}" if details and details != title else title
    return f"{text} (code {error['code']})" if error.get("code") is not None else text


def timestamp(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(str(value)), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# One function per message type: (text, metadata) from the type's object.


def _content(kind: str, message: dict[str, Any]) -> Content:
    if kind == "contacts":  # a list of vCards, not an object
        contacts = _list(message.get("contacts"))
        return _contacts_text(contacts) or _("[Contact card]"), {"contacts": contacts}
    body = _dict(message.get(kind))
    if kind in MEDIA_TYPES:
        return _media(kind, body)
    handler = HANDLERS.get(kind)
    if handler is None:
        return _unsupported(kind, message)
    return handler(body)


def _text(body: dict[str, Any]) -> Content:
    return str(body.get("body", "")), {}


def _media(kind: str, body: dict[str, Any]) -> Content:
    labels = {
        "image": _("[Image]"),
        "audio": _("[Voice message]") if body.get("voice") else _("[Audio]"),
        "video": _("[Video]"),
        "document": _("[Document]"),
        "sticker": _("[Sticker]"),
    }
    caption = str(body.get("caption") or "")
    item = {
        "id": str(body.get("id", "")),
        "kind": kind,
        "mime_type": str(body.get("mime_type", "")),
        "filename": str(body.get("filename") or ""),
        "sha256": str(body.get("sha256", "")),
        "status": "pending" if body.get("id") else "failed",
    }
    return caption or labels[kind], {"media": [item]}


def _location(body: dict[str, Any]) -> Content:
    latitude, longitude = body.get("latitude"), body.get("longitude")
    lines = [str(body[key]) for key in ("name", "address") if body.get(key)]
    lines.append(f"{latitude}, {longitude}")
    if body.get("url"):
        lines.append(str(body["url"]))
    location = {
        key: body[key] for key in ("latitude", "longitude", "name", "address", "url") if key in body
    }
    return "📍 " + "\n".join(lines), {"location": location}


def _contacts_text(contacts: list[Any]) -> str:
    lines = []
    for contact in map(_dict, contacts):
        name = str(_dict(contact.get("name")).get("formatted_name", ""))
        phones = [str(_dict(p).get("phone", "")) for p in _list(contact.get("phones"))]
        emails = [str(_dict(e).get("email", "")) for e in _list(contact.get("emails"))]
        lines.append(" ".join(part for part in [name, *phones, *emails] if part))
    return "\n".join(f"👤 {line}" for line in lines if line)


def _reaction(body: dict[str, Any]) -> Content:
    emoji = str(body.get("emoji") or "")
    reaction = {"emoji": emoji, "message_id": str(body.get("message_id", ""))}
    return emoji or _("[Reaction removed]"), {"reaction": reaction}


def _interactive(body: dict[str, Any]) -> Content:
    kind = str(body.get("type", ""))
    reply = _dict(body.get(kind))
    if kind == "nfm_reply":  # a WhatsApp Flow's answers, as a JSON string
        return _("[Form reply]"), {
            "interactive": {"type": kind, "response": reply.get("response_json")}
        }
    title = str(reply.get("title", ""))
    description = str(reply.get("description", ""))
    text = f"{title}\n{description}" if description else title
    choice = {"type": kind, "id": str(reply.get("id", "")), "title": title}
    return text or _("[Interactive reply]"), {"interactive": choice}


def _button(body: dict[str, Any]) -> Content:
    return str(body.get("text", "")), {"button": {"payload": str(body.get("payload", ""))}}


def _order(body: dict[str, Any]) -> Content:
    items = _list(body.get("product_items"))
    text = _("[Order: %(count)d items]") % {"count": len(items)}
    return text, {"order": body}


def _system(body: dict[str, Any]) -> Content:
    return str(body.get("body") or _("[System message]")), {"system": body}


def _unsupported(kind: str, message: dict[str, Any]) -> Content:
    errors = [_error_text(error) for error in map(_dict, _list(message.get("errors")))]
    text = _("[Unsupported message: %(type)s]") % {"type": kind}
    return text, {"errors": errors, "raw": {kind: message.get(kind)}}


HANDLERS: dict[str, Callable[[dict[str, Any]], Content]] = {
    "text": _text,
    "location": _location,
    "reaction": _reaction,
    "interactive": _interactive,
    "button": _button,
    "order": _order,
    "system": _system,
}


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _get(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None
