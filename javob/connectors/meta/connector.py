"""Messenger and Instagram connectors: one class, two kinds (see messenger.py, instagram.py).

Inbox settings: `account_id` (the Facebook Page id, or the Instagram professional account id:
events for other accounts of the same app are skipped), `verify_token` (generated when not
given), `human_agent` ("1" when Meta granted the app the HUMAN_AGENT tag: replies then stay
possible for 7 days), `graph_url`. Secrets: `access_token` (a Page access token) and
`app_secret`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors.base import Parsed
from javob.connectors.meta.actions import do_unsend_message
from javob.connectors.meta.base import MetaConnector
from javob.connectors.meta.comments import parse_feed, parse_instagram_comment
from javob.connectors.meta.common import (
    Fetched,
    enabled,
    filename_for,
    recipient,
)
from javob.connectors.meta.graph import GraphError
from javob.connectors.meta.messaging import Events, parse_messaging
from javob.connectors.meta.window import window
from javob.contacts.actions import normalize_identity
from javob.conversations.models import DELIVERY_RANK, Delivery, Direction, Message
from javob.conversations.queries import replied_external_id
from javob.core.http import Upload
from javob.core.types import DeliveryUpdate, Identity

if TYPE_CHECKING:
    from javob.conversations.models import Attachment

logger = logging.getLogger(__name__)
RECEIPT_LOOKBACK = 200  # outgoing messages a watermark may cover, newest first


class MetaMessagingConnector(MetaConnector):
    """What Messenger and Instagram share; subclasses set `kind` and `webhook_object`."""

    webhook_object: ClassVar[str]
    comment_field: ClassVar[str]
    public_reply_edge: ClassVar[str]  # POST /{comment-id}/<edge> answers a comment publicly
    accepts_uploads: ClassVar[bool]
    required_settings = ("access_token", "app_secret")

    @property
    def account_id(self) -> str:
        return str(self.inbox.settings.get("account_id", ""))

    def parse(self, body: bytes) -> Sequence[Parsed]:
        """Messages and receipts of one body.

        Unsends are applied here, as they are read: the connector interface has no value for
        "this message was deleted" yet (see docs/meta.md). This runs in the payload task only,
        and unsending is idempotent, so a payload processed twice changes nothing more.
        """
        events = self.events(body)
        for external_id, at in events.unsent:
            do_unsend_message(self.inbox.pk, external_id, at)
        updates = events.updates + self._watermark_updates(events.watermarks)
        return [*events.messages, *updates]

    def events(self, body: bytes) -> Events:
        data = json.loads(body)
        events = Events()
        if not isinstance(data, dict) or data.get("object") != self.webhook_object:
            logger.info("%s inbox %s: ignored a body", self.kind, self.inbox.pk)
            return events
        for entry in data.get("entry") or []:
            if not isinstance(entry, dict):
                continue
            if self.account_id and str(entry.get("id", "")) != self.account_id:
                logger.info(
                    "%s inbox %s: skipped account %s", self.kind, self.inbox.pk, entry.get("id")
                )
                continue
            for event in entry.get("messaging") or []:
                if isinstance(event, dict):
                    parse_messaging(self.inbox.pk, self.kind, event, events)
            for change in entry.get("changes") or []:
                if isinstance(change, dict) and change.get("field") == self.comment_field:
                    self._comment(change.get("value"), entry.get("time"), events)
        return events

    def _comment(self, value: object, at: object, events: Events) -> None:
        if not isinstance(value, dict):
            return
        if self.comment_field == "feed":
            parse_feed(self.inbox.pk, self.account_id, value, events)
        else:
            parse_instagram_comment(self.inbox.pk, self.account_id, value, at, events)

    def _watermark_updates(
        self, watermarks: list[tuple[str, str, dt.datetime]]
    ) -> list[DeliveryUpdate]:
        """Each outgoing message to that customer sent before the watermark, not yet there."""
        updates = []
        for customer, status, watermark in watermarks:
            rank = DELIVERY_RANK[Delivery(status)]
            covered = (
                Message.objects.filter(
                    inbox_id=self.inbox.pk,
                    direction=Direction.OUTGOING,
                    conversation__contact__identities__kind=self.kind,
                    conversation__contact__identities__value=_identity_value(self.kind, customer),
                    sent_at__lte=watermark,
                    delivery_rank__lt=rank,
                    external_id__isnull=False,
                )
                .order_by("-sent_at")
                .values_list("external_id", flat=True)[:RECEIPT_LOOKBACK]
            )
            updates += [
                DeliveryUpdate(self.inbox.pk, str(mid), status, at=watermark) for mid in covered
            ]
        return updates

    def fetch_media(self, item: dict[str, object]) -> Fetched:
        """Attachments come as CDN links that need no token."""
        url = str(item.get("url") or "")
        if not url:
            raise GraphError(_("The attachment has no URL."), permanent=True)
        response = self.graph.download(url, authorized=False)
        content_type = response.headers.get("content-type") or "application/octet-stream"
        return Fetched(filename_for(item, content_type), content_type, response.body)

    # Sending

    def send(self, message: Message) -> str:
        """A comment reply (public or private), or a direct message within the window."""
        conversation = message.conversation
        if conversation.thread_key.startswith("comment:"):
            return self._answer_comment(message)
        now = timezone.now()
        open_window = window(
            conversation, now, human_agent=enabled(self.inbox.settings.get("human_agent"))
        )
        if not open_window.is_open:
            raise GraphError(_outside_window_reason(), permanent=True)
        base: dict[str, Any] = {"recipient": {"id": recipient(conversation, self.kind)}}
        if open_window.needs_tag:
            base |= {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        else:
            base["messaging_type"] = "RESPONSE"
        return self._send_direct(message, base)

    def _send_direct(self, message: Message, base: dict[str, Any]) -> str:
        ids = []
        link = message.metadata.get("media_link")
        if message.text:
            ids.append(self._post_message({**base, "message": {"text": message.text}}))
        if isinstance(link, dict) and link.get("url"):
            attachment = {
                "type": str(link.get("type") or "file"),
                "payload": {"url": str(link["url"])},
            }
            ids.append(self._post_message({**base, "message": {"attachment": attachment}}))
        for attachment_row in message.attachments.order_by("pk"):
            ids.append(self._upload_and_send(base, attachment_row))
        if not ids:
            raise GraphError(_("There is nothing to send."), permanent=True)
        return ids[0]

    def _upload_and_send(self, base: dict[str, Any], attachment: Attachment) -> str:
        if not self.accepts_uploads:
            raise GraphError(
                _("%(channel)s accepts files only by link.") % {"channel": self.kind.title()},
                permanent=True,
            )
        with attachment.file.open("rb") as handle:
            content = handle.read()
        kind = attachment.content_type.split("/", 1)[0]
        kind = kind if kind in ("image", "video", "audio") else "file"
        fields = {
            key: json.dumps(value) if isinstance(value, dict) else str(value)
            for key, value in base.items()
        }
        fields["message"] = json.dumps(
            {"attachment": {"type": kind, "payload": {"is_reusable": False}}}
        )
        upload = Upload("filedata", attachment.filename, attachment.content_type, content)
        return _message_id(self.graph.post_multipart("me/messages", fields, upload))

    def _post_message(self, body: dict[str, Any]) -> str:
        return _message_id(self.graph.post("me/messages", body))

    def _answer_comment(self, message: Message) -> str:
        """Public: a reply under the comment. Private: one direct message to its author."""
        comment_id = replied_external_id(message)
        if not comment_id:
            raise GraphError(
                _("There is no comment to answer in this conversation."), permanent=True
            )
        if message.metadata.get("comment_reply") == "private":
            body = {"recipient": {"comment_id": comment_id}, "message": {"text": message.text}}
            return self._post_message(body)
        data = self.graph.post(f"{comment_id}/{self.public_reply_edge}", {"message": message.text})
        if not data.get("id"):
            raise GraphError(_("Meta accepted the reply but gave no id."), permanent=False)
        return str(data["id"])


def _identity_value(kind: str, value: str) -> str:
    """The customer's id as contacts store it (Instagram ids are kept in lower case)."""
    return normalize_identity(Identity(kind, value)).value


def _message_id(data: dict[str, Any]) -> str:
    value = data.get("message_id")
    if not value:
        raise GraphError(_("Meta accepted the message but gave no id."), permanent=False)
    return str(value)


def _outside_window_reason() -> str:
    return _(
        "More than 24 hours have passed since the customer's last message (7 days with the "
        "human agent tag): Meta will not deliver a reply until the customer writes again."
    )
