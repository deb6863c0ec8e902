"""The generic API channel: any system posts customer messages and receives agent replies.

Inbound: the REST endpoint (`POST /api/v1/inboxes/{id}/messages`, agent token) or a webhook
to `/hooks/api/{inbox id}` signed like our outbound webhooks. Outbound: each agent reply is
POSTed as JSON to the inbox's `webhook_url`, signed with HMAC-SHA256 over
"{timestamp}.{body}" with the inbox's webhook secret, carrying an Idempotency-Key header that
stays the same across retries of one message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from pydantic import BaseModel, Field

from javob.connectors.base import Connector, DeliveryError, Parsed, WebhookRejected, WebhookRequest
from javob.core import http
from javob.core.errors import ActionError
from javob.core.types import DeliveryUpdate, Identity, InboundMessage

if TYPE_CHECKING:
    from javob.conversations.models import Message

SIGNATURE_HEADER = "x-javob-signature"
TIMESTAMP_HEADER = "x-javob-timestamp"
MAX_SKEW_SECONDS = 300
MIN_SECRET_LENGTH = 16
TRANSIENT_STATUSES = {408, 425, 429}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class InboundSender(BaseModel):
    id: str = Field(min_length=1, max_length=320)
    name: str = Field(default="", max_length=255)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    locale: str = Field(default="", max_length=16)


class InboundBody(BaseModel):
    """A customer message as an external system posts it."""

    id: str = Field(min_length=1, max_length=255, description="Your id; a repeat is ignored.")
    sender: InboundSender
    text: str = Field(default="", max_length=100_000)
    subject: str = Field(default="", max_length=500)
    thread: str = Field(default="", max_length=500, description="Your thread id, if any.")
    in_reply_to: str | None = Field(default=None, max_length=500)


class StatusBody(BaseModel):
    """A delivery report for an agent reply, posted back by the external system."""

    message_id: str = Field(min_length=1, max_length=500)
    status: str = Field(pattern="^(delivered|read|failed)$")
    reason: str = Field(default="", max_length=1000)


def to_inbound(inbox_id: int, body: InboundBody) -> InboundMessage:
    extra = []
    if body.sender.email:
        extra.append(Identity("email", body.sender.email))
    if body.sender.phone:
        extra.append(Identity("phone", body.sender.phone))
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity("api", body.sender.id),
        external_id=body.id,
        text=body.text,
        sender_name=body.sender.name,
        subject=body.subject,
        thread_key=body.thread,
        reply_to_external_ids=(body.in_reply_to,) if body.in_reply_to else (),
        extra_identities=tuple(extra),
        contact_locale=body.sender.locale,
    )


class ApiConnector(Connector):
    kind = "api"
    secret_settings = ("webhook_secret",)
    optional_settings = ("webhook_url",)

    def setup(self) -> None:
        chosen = str(self.inbox.secrets.get("webhook_secret", ""))
        if chosen and len(chosen) < MIN_SECRET_LENGTH:
            raise ActionError(
                _("The webhook secret must be at least %(n)d characters.")
                % {"n": MIN_SECRET_LENGTH},
                field="webhook_secret",
            )
        self.inbox.secrets = {
            **self.inbox.secrets,
            "webhook_secret": chosen or secrets.token_urlsafe(32),
        }

    @property
    def secret(self) -> str:
        return str(self.inbox.secrets.get("webhook_secret", ""))

    def verify(self, request: WebhookRequest) -> None:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not self.secret or not (timestamp.isascii() and timestamp.isdigit()):
            raise WebhookRejected("missing timestamp or secret")
        if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise WebhookRejected("timestamp too old")
        if not hmac.compare_digest(sign(self.secret, timestamp, request.body), signature):
            raise WebhookRejected("bad signature")

    def payload_id(self, request: WebhookRequest) -> str | None:
        """A message by its id; a status report by message and status, so that "delivered"
        and then "read" for one message are two deliveries, not one repeated."""
        try:
            data = json.loads(request.body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        if _is_status(data):
            return f"status:{data['message_id']}:{data['status']}"[:255]
        value = data.get("id")
        return str(value)[:255] if value else None

    def parse(self, body: bytes) -> Sequence[Parsed]:
        data = json.loads(body)
        if _is_status(data):
            status = StatusBody.model_validate(data)
            return [
                DeliveryUpdate(
                    self.inbox.pk, status.message_id, status.status, reason=status.reason
                )
            ]
        return [to_inbound(self.inbox.pk, InboundBody.model_validate(data))]

    def send(self, message: Message) -> str:
        url = str(self.inbox.settings.get("webhook_url", ""))
        if not url:
            raise DeliveryError(
                _("The inbox has no webhook_url to deliver replies to."), permanent=True
            )
        body = json.dumps(outbound_body(message), ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Javob",
            "Idempotency-Key": str(message.idempotency_key),
            "X-Javob-Timestamp": timestamp,
            "X-Javob-Signature": sign(self.secret, timestamp, body),
        }
        try:
            response = http.request("POST", url, body=body, headers=headers)
        except http.BlockedAddress as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        except http.OutboundError as exc:
            raise DeliveryError(str(exc), permanent=False) from exc
        return _provider_id(message, response)


def _is_status(data: object) -> bool:
    return isinstance(data, dict) and "status" in data and "message_id" in data


def _provider_id(message: Message, response: http.Response) -> str:
    if 200 <= response.status < 300:
        try:
            data = json.loads(response.body or b"{}")
        except ValueError:
            data = {}
        value = data.get("id") if isinstance(data, dict) else None
        return str(value) if value else f"javob-{message.idempotency_key}"
    reason = f"HTTP {response.status}: {response.body[:200].decode(errors='replace')}"
    permanent = 400 <= response.status < 500 and response.status not in TRANSIENT_STATUSES
    raise DeliveryError(reason, permanent=permanent)


def outbound_body(message: Message) -> dict[str, Any]:
    conversation = message.conversation
    identity = conversation.contact.identities.filter(kind="api").first()
    return {
        "event": "message.created",
        "message": {
            "id": message.pk,
            "idempotency_key": str(message.idempotency_key),
            "text": message.text,
            "html": message.html,
            "created_at": message.created_at.isoformat(),
            "sender": {
                "type": message.sender_type,
                "name": message.sender_agent.name if message.sender_agent else "",
            },
        },
        "conversation": {"id": conversation.pk, "number": conversation.number},
        "contact": {
            "id": conversation.contact_id,
            "external_id": identity.value if identity else None,
        },
    }
