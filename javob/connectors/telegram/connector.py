"""Telegram Bot API connector.

Adding an inbox checks the bot token (`getMe`) and registers the webhook (`setWebhook`) with a
random secret token, which Telegram sends back in `X-Telegram-Bot-Api-Secret-Token` on every
update; deactivating it calls `deleteWebhook`. Updates are deduplicated on `update_id`.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors import health
from javob.connectors.base import Connector, DeliveryError, Parsed, WebhookRejected, WebhookRequest
from javob.connectors.telegram import inbound
from javob.connectors.telegram.api import DEFAULT_API_URL, BotApi, TelegramError
from javob.connectors.telegram.outbound import Sender
from javob.connectors.telegram.schemas import BotUser
from javob.core.errors import ActionError
from javob.core.tasks import enqueue_on_commit
from javob.core.types import InboundMessage

if TYPE_CHECKING:
    from javob.conversations.models import Message

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name
TOKEN_PATTERN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,100}")
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post"]
PARSE_MODES = ("MarkdownV2", "plain")
TRUE = ("1", "true", "yes", "on")


class TelegramConnector(Connector):
    kind = "telegram"
    required_settings = ("bot_token",)
    secret_settings = ("bot_token", "webhook_secret")

    @property
    def api(self) -> BotApi:
        return BotApi(
            str(self.inbox.secrets.get("bot_token", "")),
            str(self.inbox.settings.get("api_url", "")) or DEFAULT_API_URL,
        )

    def setting(self, name: str) -> str:
        return str(self.inbox.settings.get(name, "")).strip()

    @property
    def groups_as_conversations(self) -> bool:
        return self.setting("groups_as_conversations").lower() in TRUE

    def setup(self) -> None:
        token = str(self.inbox.secrets.get("bot_token", "")).strip()
        if not TOKEN_PATTERN.fullmatch(token):
            raise ActionError(
                _("This is not a Telegram bot token (it looks like 123456789:AAH...)."),
                field="bot_token",
            )
        parse_mode = self.setting("parse_mode") or "MarkdownV2"
        if parse_mode not in PARSE_MODES:
            raise ActionError(
                _("parse_mode is MarkdownV2 or plain, not %(value)s.") % {"value": parse_mode},
                field="parse_mode",
            )
        self.inbox.settings = {**self.inbox.settings, "parse_mode": parse_mode}
        # Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -: token_urlsafe fits.
        self.inbox.secrets = {
            **self.inbox.secrets,
            "bot_token": token,
            "webhook_secret": secrets.token_urlsafe(32),
        }

    def activate(self) -> None:
        from javob.connectors.actions import webhook_url

        try:
            bot = BotUser.model_validate(self.api.call("getMe"))
        except TelegramError as exc:
            raise ActionError(
                _("Telegram refused the bot token: %(reason)s") % {"reason": exc.description},
                field="bot_token",
            ) from None
        params = {
            "url": webhook_url(self.inbox),
            "secret_token": self.secret,
            "allowed_updates": ALLOWED_UPDATES,
        }
        try:
            self.api.call("setWebhook", params)
        except TelegramError as exc:
            raise ActionError(
                _("Telegram did not accept the webhook %(url)s: %(reason)s")
                % {"url": params["url"], "reason": exc.description},
                field="bot_token",
            ) from None
        self.inbox.settings = {
            **self.inbox.settings,
            "bot_id": bot.id,
            "bot_username": bot.username,
        }
        self.inbox.save(update_fields=["settings"])

    def deactivate(self) -> None:
        try:
            self.api.call("deleteWebhook", {"drop_pending_updates": False})
        except TelegramError as exc:
            raise ActionError(
                _("Telegram did not remove the webhook: %(reason)s") % {"reason": exc.description}
            ) from None

    @property
    def secret(self) -> str:
        return str(self.inbox.secrets.get("webhook_secret", ""))

    def verify(self, request: WebhookRequest) -> None:
        given = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise WebhookRejected("bad or missing secret token")

    def payload_id(self, request: WebhookRequest) -> str | None:
        try:
            data = json.loads(request.body)
        except ValueError:
            return None
        update_id = data.get("update_id") if isinstance(data, dict) else None
        return str(update_id) if isinstance(update_id, int) else None

    def parse(self, body: bytes) -> Sequence[Parsed]:
        raw: Any = json.loads(body)
        if not isinstance(raw, dict):
            raise ValueError("a Telegram update is a JSON object")
        return inbound.parse_update(
            self.inbox.pk, raw, groups_as_conversations=self.groups_as_conversations
        )

    def received(self, message_id: int, inbound_message: InboundMessage) -> None:
        if inbound_message.metadata.get("media"):
            from javob.connectors.telegram.tasks import fetch_media

            enqueue_on_commit(fetch_media, message_id)

    def send(self, message: Message) -> str:
        sender = Sender(self.api, plain=self.setting("parse_mode") == "plain")
        try:
            sent = sender.send(message)
        except TelegramError as exc:
            health.record_error(self.inbox, "send", exc.description)
            raise DeliveryError(
                exc.description, permanent=not exc.transient, retry_after=exc.retry_after
            ) from None
        health.record_ok(self.inbox)
        return sent
