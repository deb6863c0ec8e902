"""The SMS channel: one inbox kind, one adapter per provider, chosen by the `provider` setting.

`twilio` (twilio.py) speaks Twilio's Programmable Messaging API; `gateway` (gateway.py) is a
configurable HTTP SMS gateway with presets for Eskiz and Play Mobile (presets.py). The registry
names this class; building it for an inbox gives the provider's subclass, so each adapter keeps
its own webhook acknowledgement and checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from javob.connectors.base import Connector, WebhookRejected, WebhookRequest
from javob.core.errors import ActionError

if TYPE_CHECKING:
    from javob.conversations.models import Inbox

PROVIDERS = ("twilio", "gateway")


class SmsConnector(Connector):
    kind = "sms"
    required_settings = ("provider",)
    optional_settings = (
        # Twilio
        "account_sid",
        "from_number",
        "messaging_service_sid",
        "api_url",
        "mms_prefixes",
        "media_url_max_age",
        # An HTTP gateway (presets.py fills these for Eskiz and Play Mobile)
        "preset",
        "sender",
        "send_url",
        "send_method",
        "body_format",
        "auth",
        "username",
        "login_url",
        "login_user_field",
        "login_password_field",
        "login_token_path",
        "to_field",
        "to_format",
        "from_field",
        "text_field",
        "callback_field",
        "id_field",
        "response_id_path",
        "error_path",
        "secret_header",
        "in_from_field",
        "in_to_field",
        "in_text_field",
        "in_id_field",
        "dlr_id_field",
        "dlr_status_field",
        "dlr_reason_field",
        "sent_values",
        "delivered_values",
        "failed_values",
    )
    # `session_token` is the gateway's login token, kept between sends until it expires.
    secret_settings = ("auth_token", "password", "api_token", "inbound_secret", "session_token")

    def __new__(cls, inbox: Inbox) -> SmsConnector:
        if cls is SmsConnector:
            provider = str(inbox.settings.get("provider", "")).strip()
            if provider == "twilio":
                from javob.connectors.sms.twilio import TwilioConnector

                return super().__new__(TwilioConnector)
            if provider == "gateway":
                from javob.connectors.sms.gateway import GatewayConnector

                return super().__new__(GatewayConnector)
        return super().__new__(cls)

    def setting(self, name: str) -> str:
        return str(self.inbox.settings.get(name, "")).strip()

    def secret(self, name: str) -> str:
        return str(self.inbox.secrets.get(name, "")).strip()

    def setup(self) -> None:
        raise ActionError(
            _("`provider` is one of: %(providers)s.") % {"providers": ", ".join(PROVIDERS)},
            field="provider",
        )

    def verify(self, request: WebhookRequest) -> None:
        raise WebhookRejected("this SMS inbox names no known provider")
