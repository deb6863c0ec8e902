"""A generic HTTP SMS gateway, configured by field names (presets.py for Eskiz, Play Mobile).

Sending: `send_url` with `send_method` (POST or GET), the body as JSON or a form (`body_format`),
the recipient, sender, text, callback URL and our own message id written under the configured
field names (dotted paths such as `messages.0.sms.content.text` build nested JSON), and the
provider's message id read from `response_id_path` of the answer (our own id when the gateway
gives none). Auth: `none`, `bearer` (`api_token`), `basic` (`username` + `password`), or `login`:
a token from `login_url` for `username` + `password`, kept and fetched again when the gateway
answers 401 (Eskiz's tokens expire).

Receiving: these gateways sign nothing, so the inbox's generated `inbound_secret` must come
back in the `secret_header` header (default `X-Javob-Secret`) or as the `secret` query
parameter of the callback URL. A body (JSON or form) holding `dlr_id_field` and
`dlr_status_field` is a delivery report, mapped through `sent_values`, `delivered_values` and
`failed_values`; one holding `in_from_field` is an incoming SMS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlencode

from django.utils.translation import gettext as _

from javob.connectors import health
from javob.connectors.base import (
    DeliveryError,
    Ignored,
    OutgoingFile,
    Parsed,
    WebhookRejected,
    WebhookRequest,
)
from javob.connectors.sms.actions import do_store_session_token
from javob.connectors.sms.common import (
    PHONE,
    json_or_none,
    no_files_sentence,
    normalise_phone,
    recipient,
    refuse_files,
    retry_after,
    short,
)
from javob.connectors.sms.connector import SmsConnector
from javob.connectors.sms.presets import PRESETS
from javob.core.errors import ActionError
from javob.core.http import OutboundError, Response, request
from javob.core.types import DeliveryUpdate, Identity, InboundMessage

if TYPE_CHECKING:
    from javob.conversations.models import Conversation, Message

logger = logging.getLogger(__name__)
AUTHS = ("none", "bearer", "basic", "login")
DEFAULT_SECRET_HEADER = "x-javob-secret"  # noqa: S105 - a header name
SECRET_PARAM = "secret"  # noqa: S105 - a query parameter name


def get_path(data: Any, path: str) -> Any:
    """`data` at a dotted path (`data.token`, `messages.0.id`); None where it is missing."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def set_path(data: dict[str, Any], path: str, value: str) -> None:
    """Write `value` at a dotted path, creating objects, and lists for numeric parts."""
    parts = path.split(".")
    node: Any = data
    for part, following in itertools.pairwise(parts):
        child: Any = [] if following.isdigit() else {}
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append(None)
            node[index] = node[index] if node[index] is not None else child
            node = node[index]
        else:
            node = node.setdefault(part, child)
    if isinstance(node, list):
        index = int(parts[-1])
        while len(node) <= index:
            node.append(None)
        node[index] = value
    else:
        node[parts[-1]] = value


def decode_body(body: bytes) -> dict[str, Any]:
    """A callback's fields: a JSON object, or a form."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        data = json_or_none(body)
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(text, keep_blank_values=True))


def _values(setting: str) -> set[str]:
    return {value.strip().lower() for value in setting.split(",") if value.strip()}


class GatewayConnector(SmsConnector):
    ack_body: ClassVar[bytes] = b"ok"

    def setting(self, name: str) -> str:
        own = super().setting(name)
        if own:
            return own
        preset = PRESETS.get(super().setting("preset"), {})
        return preset.get(name, "")

    def setup(self) -> None:
        preset = super().setting("preset")
        if preset and preset not in PRESETS:
            raise ActionError(
                _("`preset` is one of: %(presets)s.") % {"presets": ", ".join(PRESETS)},
                field="preset",
            )
        if not self.setting("send_url"):
            raise ActionError(_("Give the gateway's `send_url`, or a `preset`."), field="send_url")
        auth = self.setting("auth") or "none"
        if auth not in AUTHS:
            raise ActionError(
                _("`auth` is one of: %(auths)s.") % {"auths": ", ".join(AUTHS)}, field="auth"
            )
        self._check_auth(auth)
        if not self.setting("to_field") or not self.setting("text_field"):
            raise ActionError(
                _("Name the gateway's `to_field` and `text_field`."), field="to_field"
            )
        if not self.secret("inbound_secret"):
            self.inbox.secrets = {**self.inbox.secrets, "inbound_secret": secrets.token_urlsafe(32)}

    def _check_auth(self, auth: str) -> None:
        if auth == "bearer" and not self.secret("api_token"):
            raise ActionError(_("Bearer auth needs the `api_token`."), field="api_token")
        if auth in ("basic", "login") and not (
            self.setting("username") and self.secret("password")
        ):
            raise ActionError(
                _("This gateway needs the `username` and `password`."), field="username"
            )
        if auth == "login" and not self.setting("login_url"):
            raise ActionError(_("Login auth needs the `login_url`."), field="login_url")

    def activate(self) -> None:
        """With login auth, log in once: wrong credentials show when the inbox is added."""
        if self.setting("auth") == "login":
            try:
                self.login()
            except DeliveryError as exc:
                raise ActionError(
                    _("The gateway refused the login: %(reason)s") % {"reason": exc.reason},
                    field="password",
                ) from None
            except OutboundError as exc:
                raise ActionError(
                    _("The gateway cannot be reached: %(reason)s") % {"reason": exc},
                    field="login_url",
                ) from None

    # ---- webhooks ----

    def callback_url(self) -> str:
        from javob.connectors.actions import webhook_url

        return (
            f"{webhook_url(self.inbox)}?{urlencode({SECRET_PARAM: self.secret('inbound_secret')})}"
        )

    def verify(self, request: WebhookRequest) -> None:
        expected = self.secret("inbound_secret")
        header = (self.setting("secret_header") or DEFAULT_SECRET_HEADER).lower()
        given = request.headers.get(header) or request.query.get(SECRET_PARAM) or ""
        if not expected or not given:
            raise WebhookRejected("missing shared secret")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("wrong shared secret")

    def payload_id(self, request: WebhookRequest) -> str | None:
        data = decode_body(request.body)
        dlr_id, status = self._dlr(data)
        if dlr_id and status:
            return f"dlr:{dlr_id}:{status}"[:255]
        in_id = self._field(data, "in_id_field")
        if in_id and self._field(data, "in_from_field"):
            return f"in:{in_id}"[:255]
        return "sha256:" + hashlib.sha256(request.body).hexdigest()

    def _field(self, data: dict[str, Any], setting: str) -> str:
        path = self.setting(setting)
        value = get_path(data, path) if path else None
        return "" if value is None else str(value).strip()

    def _dlr(self, data: dict[str, Any]) -> tuple[str, str]:
        return self._field(data, "dlr_id_field"), self._field(data, "dlr_status_field")

    def parse(self, body: bytes) -> Sequence[Parsed]:
        data = decode_body(body)
        dlr_id, status = self._dlr(data)
        if dlr_id and status:
            return [self._delivery(dlr_id, status, data)]
        sender = self._field(data, "in_from_field")
        if sender:
            return [self._inbound(sender, data)]
        logger.info(
            "SMS gateway payload for inbox %s not understood; fields: %s",
            self.inbox.pk,
            ", ".join(sorted(str(key) for key in data)[:30]),
        )
        return [Ignored("not a delivery report or an incoming SMS")]

    def _delivery(self, dlr_id: str, status: str, data: dict[str, Any]) -> Parsed:
        value = status.lower()
        if value in _values(self.setting("delivered_values")):
            return DeliveryUpdate(self.inbox.pk, dlr_id, "delivered")
        if value in _values(self.setting("failed_values")):
            reason = self._field(data, "dlr_reason_field") or status
            return DeliveryUpdate(self.inbox.pk, dlr_id, "failed", reason=reason[:500])
        if value in _values(self.setting("sent_values")):
            return DeliveryUpdate(self.inbox.pk, dlr_id, "sent")
        return Ignored(f"unmapped status {status[:40]}")

    def _inbound(self, sender: str, data: dict[str, Any]) -> InboundMessage:
        return InboundMessage(
            inbox_id=self.inbox.pk,
            sender=Identity(PHONE, normalise_phone(sender)),
            external_id=self._field(data, "in_id_field") or None,
            text=self._field(data, "in_text_field"),
            metadata={"sms": {"provider": "gateway", "to": self._field(data, "in_to_field")}},
        )

    # ---- sending ----

    def limits(self) -> list[str]:
        return [no_files_sentence()]

    def reply_notes(self, conversation: Conversation) -> list[str]:
        return [no_files_sentence()]

    def check_reply_files(self, conversation: Conversation, files: Sequence[OutgoingFile]) -> None:
        if files:
            raise ActionError(no_files_sentence(), field="files")

    def send(self, message: Message) -> str:
        refuse_files(message)
        own_id = message.idempotency_key.hex
        to = recipient(message.conversation)
        if self.setting("to_format") == "digits":
            to = to.lstrip("+")
        fields = {
            "to_field": to,
            "from_field": self.setting("sender"),
            "text_field": message.text,
            "callback_field": self.callback_url(),
            "id_field": own_id,
        }
        values = {self.setting(name): value for name, value in fields.items() if self.setting(name)}
        try:
            response = self._send_once(values)
            if response.status == 401 and self.setting("auth") == "login":
                self.login()  # the token expired: a new one, and one more try
                response = self._send_once(values)
        except OutboundError as exc:
            health.record_error(self.inbox, "send", str(exc))
            raise DeliveryError(str(exc), permanent=False) from None
        except DeliveryError as exc:
            health.record_error(self.inbox, "send", exc.reason)
            raise
        return self._accepted(response, own_id)

    def _send_once(self, values: dict[str, str]) -> Response:
        headers = {"Accept": "application/json", **self._auth_header()}
        url, body = self.setting("send_url"), None
        if self.setting("send_method").upper() == "GET":
            url += ("&" if "?" in url else "?") + urlencode(values)
            return request("GET", url, headers=headers)
        if self.setting("body_format") == "form":
            body = urlencode(values).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            document: dict[str, Any] = {}
            for path, value in values.items():
                set_path(document, path, value)
            body = json.dumps(document, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        return request("POST", url, body=body, headers=headers)

    def _auth_header(self) -> dict[str, str]:
        auth = self.setting("auth")
        if auth == "bearer":
            return {"Authorization": f"Bearer {self.secret('api_token')}"}
        if auth == "basic":
            pair = f"{self.setting('username')}:{self.secret('password')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if auth == "login":
            token = self.secret("session_token") or self.login()
            return {"Authorization": f"Bearer {token}"}
        return {}

    def login(self) -> str:
        """Fetch a new token from `login_url` and keep it; DeliveryError when refused."""
        fields = {
            self.setting("login_user_field") or "username": self.setting("username"),
            self.setting("login_password_field") or "password": self.secret("password"),
        }
        response = request(
            "POST",
            self.setting("login_url"),
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        token = get_path(json_or_none(response.body), self.setting("login_token_path") or "token")
        if response.status != 200 or not token:
            reason = _("Login failed: %(reason)s") % {"reason": self._error_text(response)}
            raise DeliveryError(reason, permanent=response.status < 500 and response.status != 429)
        do_store_session_token(self.inbox, str(token))
        return str(token)

    def _accepted(self, response: Response, own_id: str) -> str:
        if 200 <= response.status < 300:
            path = self.setting("response_id_path")
            if not path:
                health.record_ok(self.inbox)
                return own_id
            provider_id = get_path(json_or_none(response.body), path)
            if provider_id not in (None, ""):
                health.record_ok(self.inbox)
                return str(provider_id)
            # Accepted without the id we need: sending again could send twice, so it stops here.
            failure = DeliveryError(
                _("The gateway gave no message id at `%(path)s`: %(body)s")
                % {"path": path, "body": short(response.body)},
                permanent=True,
            )
        elif response.status == 429:
            reason = self._error_text(response)
            failure = DeliveryError(reason, permanent=False, retry_after=retry_after(response))
        else:
            reason = self._error_text(response)
            failure = DeliveryError(reason, permanent=response.status < 500)
        health.record_error(self.inbox, "send", failure.reason)
        raise failure

    def _error_text(self, response: Response) -> str:
        detail = get_path(json_or_none(response.body), self.setting("error_path") or "message")
        text = str(detail) if detail not in (None, "") else short(response.body)
        return (f"HTTP {response.status}: {text}" if text else f"HTTP {response.status}")[:500]
