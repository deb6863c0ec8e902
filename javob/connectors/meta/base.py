"""What every Meta connector (WhatsApp, Messenger, Instagram) shares: a verify token made at
set-up, the GET handshake, the app-secret signature on every webhook, one delivery id per body,
the Graph client, and the customer-service window checked before a reply is queued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from javob.connectors.base import Connector, WebhookRequest
from javob.connectors.meta.common import ensure_verify_token, graph_client
from javob.connectors.meta.graph import GraphClient
from javob.connectors.meta.webhook import answer_handshake, payload_hash, verify_signature
from javob.connectors.meta.window import check_reply_allowed

if TYPE_CHECKING:
    from javob.conversations.models import Conversation


class MetaConnector(Connector):
    secret_settings = ("access_token", "app_secret")

    def setup(self) -> None:
        ensure_verify_token(self.inbox)

    @property
    def graph(self) -> GraphClient:
        return graph_client(self.inbox)

    def handshake(self, request: WebhookRequest) -> str | None:
        return answer_handshake(str(self.inbox.settings.get("verify_token", "")), request)

    def verify(self, request: WebhookRequest) -> None:
        verify_signature(str(self.inbox.secrets.get("app_secret", "")), request)

    def payload_id(self, request: WebhookRequest) -> str | None:
        return payload_hash(request.body)

    def check_reply(self, conversation: Conversation) -> None:
        check_reply_allowed(conversation)
