"""Sending an agent's reply to a Telegram chat: text pieces, then photos and documents.

Text goes as MarkdownV2 (the reply's HTML subset converted, everything else escaped so it
shows literally) or as plain text when the inbox sets `parse_mode=plain`. A reply longer than
4096 characters goes as several messages. Attachments follow as sendPhoto (JPEG and PNG up to
10 MB) or sendDocument (up to 50 MB), uploaded from the stored files. The first message sent
answers the customer's message the reply refers to, if any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors.telegram.api import BotApi, TelegramError
from javob.connectors.telegram.formatting import (
    MAX_MESSAGE,
    escape,
    html_to_markdown,
    split_text,
    utf16_length,
)
from javob.connectors.telegram.inbound import external_id
from javob.core.http import Upload

if TYPE_CHECKING:
    from javob.conversations.models import Attachment, Message

PHOTO_TYPES = ("image/jpeg", "image/png")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class Sender:
    def __init__(self, api: BotApi, *, plain: bool) -> None:
        self.api = api
        self.plain = plain

    def send(self, message: Message) -> str:
        """Send every part; return the id of the first Telegram message."""
        chat_id = chat_of(message)
        reply = _reply_parameters(message, chat_id)
        sent: list[int] = []
        for text, markdown in self.pieces(message):
            sent.append(self._text(chat_id, text, markdown, None if sent else reply))
        for attachment in message.attachments.order_by("id"):
            sent.append(self._file(chat_id, attachment, None if sent else reply))
        if not sent:
            raise TelegramError(_("The reply is empty."), transient=False)
        return external_id(chat_id, sent[0])

    def pieces(self, message: Message) -> list[tuple[str, bool]]:
        """(text, is MarkdownV2) for each message to send."""
        if self.plain:
            return [(piece, False) for piece in split_text(message.text)]
        if message.html and utf16_length(message.text) <= MAX_MESSAGE:
            rendered = html_to_markdown(message.html)
            if rendered:
                return [(rendered, True)]
        return [(escape(piece), True) for piece in split_text(message.text)]

    def _text(self, chat_id: int, text: str, markdown: bool, reply: dict[str, Any] | None) -> int:
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markdown:
            params["parse_mode"] = "MarkdownV2"
        if reply:
            params["reply_parameters"] = reply
        try:
            return _message_id(self.api.call("sendMessage", params))
        except TelegramError as exc:
            if not (markdown and "can't parse entities" in exc.description):
                raise
        # Our conversion should never produce invalid markup; if it ever does, the customer
        # still gets the words.
        params.pop("parse_mode")
        params["text"] = unescape(text)
        return _message_id(self.api.call("sendMessage", params))

    def _file(self, chat_id: int, attachment: Attachment, reply: dict[str, Any] | None) -> int:
        if attachment.size > MAX_UPLOAD_BYTES:
            raise TelegramError(
                _("%(name)s is larger than the 50 MB a bot may upload.")
                % {"name": attachment.filename},
                transient=False,
            )
        as_photo = attachment.content_type in PHOTO_TYPES and attachment.size <= MAX_PHOTO_BYTES
        method, field = ("sendPhoto", "photo") if as_photo else ("sendDocument", "document")
        with attachment.file.open("rb") as handle:
            content = handle.read()
        params: dict[str, Any] = {"chat_id": chat_id}
        if reply:
            params["reply_parameters"] = reply
        upload = Upload(field, attachment.filename, attachment.content_type, content)
        return _message_id(self.api.call(method, params, upload))


def chat_of(message: Message) -> int:
    """The chat a reply goes to: the group of a group conversation, else the customer's."""
    thread = message.conversation.thread_key
    if thread.startswith("group:"):
        return int(thread.removeprefix("group:"))
    identity = (
        message.conversation.contact.identities.filter(kind="telegram").order_by("id").first()
    )
    if identity is None or not identity.value.lstrip("-").isdigit():
        raise TelegramError(_("The contact has no Telegram chat."), transient=False)
    return int(identity.value)


def _reply_parameters(message: Message, chat_id: int) -> dict[str, Any] | None:
    replied = message.reply_to
    if replied is None or not replied.external_id:
        return None
    chat, _sep, message_id = replied.external_id.partition(":")
    if chat != str(chat_id) or not message_id.isdigit():
        return None
    # Sent anyway if the customer deleted the message meanwhile.
    return {"message_id": int(message_id), "allow_sending_without_reply": True}


def _message_id(result: Any) -> int:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    raise TelegramError(_("Telegram did not return the sent message."), transient=True)


def unescape(text: str) -> str:
    out, escaped = [], False
    for char in text:
        if char == "\\" and not escaped:
            escaped = True
            continue
        out.append(char)
        escaped = False
    return "".join(out)
