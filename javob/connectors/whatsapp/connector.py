"""WhatsApp Cloud API: webhooks in, messages out through the Graph API.

Inbox settings: `phone_number_id` (required), `waba_id` (the WhatsApp Business Account, for
templates), `verify_token` (generated when not given), `graph_url` (default
https://graph.facebook.com/v21.0). Secrets: `access_token` (a system user's permanent token)
and `app_secret` (signs the webhooks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors.base import Parsed
from javob.connectors.meta.base import MetaConnector
from javob.connectors.meta.common import (
    Fetched,
    filename_for,
    recipient,
)
from javob.connectors.meta.graph import GraphError
from javob.connectors.whatsapp.actions import do_set_template_status
from javob.connectors.whatsapp.inbound import parse_body
from javob.core.http import Upload

if TYPE_CHECKING:
    from javob.conversations.models import Attachment, Message


class WhatsAppConnector(MetaConnector):
    kind = "whatsapp"
    required_settings = ("phone_number_id", "access_token", "app_secret")

    @property
    def phone_number_id(self) -> str:
        return str(self.inbox.settings.get("phone_number_id", ""))

    def parse(self, body: bytes) -> Sequence[Parsed]:
        """Messages and statuses; a template's review result (approved, paused, rejected)
        updates the synced template right here, as the interface has no value for it."""
        template_updates: list[dict[str, Any]] = []
        parsed = parse_body(self.inbox.pk, self.phone_number_id, body, template_updates)
        for update in template_updates:
            do_set_template_status(self.inbox, update)
        return parsed

    def fetch_media(self, item: dict[str, object]) -> Fetched:
        """GET /{media-id} for a short-lived URL, then the URL itself with the bearer token."""
        media_id = str(item.get("id") or "")
        if not media_id:
            raise GraphError(_("The message names no media id."), permanent=True)
        info = self.graph.get(media_id)
        url = str(info.get("url") or "")
        if not url:
            raise GraphError(
                _("Meta gave no URL for media %(id)s.") % {"id": media_id}, permanent=False
            )
        response = self.graph.download(url, authorized=True)
        content_type = str(
            info.get("mime_type")
            or item.get("mime_type")
            or response.headers.get("content-type")
            or "application/octet-stream"
        )
        return Fetched(filename_for(item, content_type), content_type, response.body)

    def send(self, message: Message) -> str:
        """Send a template, media, or text; reply context when the message answers one."""
        to = recipient(message.conversation, "whatsapp").lstrip("+")
        template = message.metadata.get("whatsapp_template")
        if isinstance(template, dict):
            return self._post(message, to, {"type": "template", "template": template})
        attachments = list(message.attachments.order_by("pk"))
        link = message.metadata.get("media_link")
        if isinstance(link, dict) and link.get("url"):
            kind = str(link.get("type") or "document")
            body = _with_caption(kind, {"link": str(link["url"])}, message.text, link)
            return self._post(message, to, {"type": kind, kind: body})
        if attachments:
            return self._send_attachments(message, to, attachments)
        text = {"preview_url": False, "body": message.text}
        return self._post(message, to, {"type": "text", "text": text})

    def _send_attachments(self, message: Message, to: str, attachments: list[Attachment]) -> str:
        """Upload each file (POST /{phone-number-id}/media), then send it; the text rides as
        the first file's caption. The first file's id stands for the message."""
        first = ""
        for position, attachment in enumerate(attachments):
            kind = media_kind(attachment.content_type)
            media_id = self.upload(attachment)
            caption = message.text if position == 0 else ""
            body = _with_caption(kind, {"id": media_id}, caption, {"filename": attachment.filename})
            sent = self._post(message, to, {"type": kind, kind: body})
            first = first or sent
        return first

    def upload(self, attachment: Attachment) -> str:
        with attachment.file.open("rb") as handle:
            content = handle.read()
        upload = Upload("file", attachment.filename, attachment.content_type, content)
        fields = {"messaging_product": "whatsapp", "type": attachment.content_type}
        data = self.graph.post_multipart(f"{self.phone_number_id}/media", fields, upload)
        media_id = str(data.get("id") or "")
        if not media_id:
            raise GraphError(_("Meta accepted the upload but gave no media id."), permanent=False)
        return media_id

    def _post(self, message: Message, to: str, content: dict[str, Any]) -> str:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            **content,
        }
        replied = message.reply_to.external_id if message.reply_to_id and message.reply_to else None
        if replied:
            body["context"] = {"message_id": replied}
        data = self.graph.post(f"{self.phone_number_id}/messages", body)
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            return str(messages[0].get("id") or "")
        raise GraphError(_("Meta accepted the message but gave no id."), permanent=False)


def media_kind(content_type: str) -> str:
    """The WhatsApp message type for a file: image, audio, video, or document."""
    major = content_type.split("/", 1)[0]
    if major in ("image", "audio", "video") and content_type not in ("image/gif",):
        return major
    return "document"


def _with_caption(
    kind: str, media: dict[str, str], caption: str, extra: dict[str, Any]
) -> dict[str, str]:
    # Audio and stickers take no caption; documents also carry their file name.
    if caption and kind in ("image", "video", "document"):
        media["caption"] = caption
    if kind == "document" and extra.get("filename"):
        media["filename"] = str(extra["filename"])
    return media
