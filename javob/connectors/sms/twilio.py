"""Twilio Programmable Messaging: signed webhooks in, the Messages REST API out.

Inbox settings: `account_sid`, `from_number` or `messaging_service_sid`, `api_url` (default
https://api.twilio.com); secret: `auth_token`. Twilio signs each webhook with
`X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, of the URL it called
followed by every POST parameter's name and value, sorted by name. Behind a proxy the URL this
process sees is not that one, so the signature is checked against the inbox's public webhook
URL (`JAVOB_PUBLIC_URL`) first and the URL as received second.

The same webhook takes incoming SMS/MMS (`SmsStatus=received`; `MessageSid` is the delivery
id) and the status callbacks of our sends (`MessageStatus`; one delivery per status). The
acknowledgement is empty TwiML, so Twilio sends no automatic answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from javob.connectors import health
from javob.connectors.base import (
    DeliveryError,
    Ignored,
    OutgoingFile,
    Parsed,
    WebhookRejected,
    WebhookRequest,
)
from javob.connectors.sms import media
from javob.connectors.sms.common import (
    PHONE,
    json_or_none,
    normalise_phone,
    phone_of,
    recipient,
    retry_after,
    short,
)
from javob.connectors.sms.connector import SmsConnector
from javob.core.errors import ActionError
from javob.core.http import OutboundError, Response, request
from javob.core.tasks import enqueue_on_commit
from javob.core.types import DeliveryUpdate, Identity, InboundMessage

if TYPE_CHECKING:
    from javob.conversations.models import Conversation, Message

logger = logging.getLogger(__name__)
DEFAULT_API_URL = "https://api.twilio.com"
SIGNATURE_HEADER = "x-twilio-signature"
TWIML_EMPTY = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's message statuses and ours; the ones before `sent` change nothing here.
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read"}
FAILED = ("undelivered", "failed", "canceled")
PENDING = ("accepted", "scheduled", "queued", "sending", "receiving")
# Twilio error codes whose failure a retry cannot cure although the HTTP status says 5xx/429
# (none) or that are transient although 4xx: too many requests, queue overflow.
TRANSIENT_CODES = (20429, 30001)
ERROR_TEXTS = {
    "21211": gettext_lazy("The number is not a valid phone number."),
    "21408": gettext_lazy("Sending to this region is not enabled on the Twilio account."),
    "21610": gettext_lazy("The customer has unsubscribed (replied STOP)."),
    "21614": gettext_lazy("The number is not a mobile number."),
    "30003": gettext_lazy("The handset is unreachable."),
    "30004": gettext_lazy("The message was blocked."),
    "30005": gettext_lazy("The number is unknown or no longer exists."),
    "30006": gettext_lazy("The number is a landline or its carrier is unreachable."),
    "30007": gettext_lazy("The carrier filtered the message."),
    "30008": gettext_lazy("Unknown error from the carrier."),
    "30011": gettext_lazy("The handset does not take MMS, or has MMS switched off."),
    "21621": gettext_lazy("The sending number is not enabled for MMS."),
}


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's `X-Twilio-Signature` of a POST to `url` with these form parameters."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


class TwilioConnector(SmsConnector):
    ack_body: ClassVar[bytes] = TWIML_EMPTY
    ack_content_type: ClassVar[str] = "text/xml; charset=utf-8"

    @property
    def api_url(self) -> str:
        return (self.setting("api_url") or DEFAULT_API_URL).rstrip("/")

    @property
    def account_url(self) -> str:
        return f"{self.api_url}/2010-04-01/Accounts/{self.setting('account_sid')}"

    def setup(self) -> None:
        if not self.setting("account_sid").startswith("AC"):
            raise ActionError(
                _("`account_sid` is the Account SID from the Twilio console (AC...)."),
                field="account_sid",
            )
        if not self.secret("auth_token"):
            raise ActionError(_("Twilio needs the account's `auth_token`."), field="auth_token")
        if not (self.setting("from_number") or self.setting("messaging_service_sid")):
            raise ActionError(
                _("Give the `from_number` to send from, or a `messaging_service_sid`."),
                field="from_number",
            )
        if self.setting("from_number"):
            self.inbox.settings = {
                **self.inbox.settings,
                "from_number": normalise_phone(self.setting("from_number")),
            }

    def activate(self) -> None:
        """Check the Account SID and auth token with `GET /Accounts/{sid}.json`."""
        try:
            response = self._call("GET", f"{self.account_url}.json")
        except OutboundError as exc:
            raise ActionError(
                _("Twilio cannot be reached: %(reason)s") % {"reason": exc}, field="api_url"
            ) from None
        if response.status != 200:
            raise ActionError(
                _("Twilio refused the credentials: %(reason)s") % {"reason": _error_text(response)},
                field="auth_token",
            )

    def _call(
        self, method: str, url: str, data: dict[str, str] | list[tuple[str, str]] | None = None
    ) -> Response:
        credentials = f"{self.setting('account_sid')}:{self.secret('auth_token')}"
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Accept": "application/json",
        }
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return request(method, url, body=body, headers=headers)

    # ---- webhooks ----

    def signed_urls(self, request: WebhookRequest) -> list[str]:
        from javob.connectors.actions import webhook_url

        query = urlsplit(request.url).query
        public = webhook_url(self.inbox) + (f"?{query}" if query else "")
        return list(dict.fromkeys([public, request.url]))

    def verify(self, request: WebhookRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        token = self.secret("auth_token")
        if not given or not token:
            raise WebhookRejected("missing X-Twilio-Signature")
        params = list(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        for url in self.signed_urls(request):
            if hmac.compare_digest(signature(token, url, params).encode(), given.encode()):
                return
        raise WebhookRejected("bad X-Twilio-Signature")

    def payload_id(self, request: WebhookRequest) -> str | None:
        data = form(request.body)
        sid = data.get("MessageSid") or data.get("SmsSid") or ""
        if not sid:  # not a message: the same body posted again is still stored once
            return "sha256:" + hashlib.sha256(request.body).hexdigest()
        if _is_inbound(data):
            return sid
        return f"{sid}:{data.get('MessageStatus') or data.get('SmsStatus') or ''}"

    def parse(self, body: bytes) -> Sequence[Parsed]:
        data = form(body)
        sid = data.get("MessageSid") or data.get("SmsSid") or ""
        if sid and _is_inbound(data) and data.get("From"):
            return [self._inbound(sid, data)]
        status = data.get("MessageStatus") or data.get("SmsStatus") or ""
        if sid and status:
            return [_status_update(self.inbox.pk, sid, status, data)]
        logger.info(
            "Twilio payload for SMS inbox %s not understood; fields: %s",
            self.inbox.pk,
            ", ".join(sorted(data)[:30]),
        )
        return [Ignored("not a Twilio message or status callback")]

    def _inbound(self, sid: str, data: dict[str, str]) -> InboundMessage:
        media = []
        for index in range(_int(data.get("NumMedia"))):
            url = data.get(f"MediaUrl{index}", "")
            if url:
                content_type = data.get(f"MediaContentType{index}") or "application/octet-stream"
                media.append(
                    {
                        "key": f"{sid}:{index}",
                        "url": url,
                        "content_type": content_type,
                        "filename": "",
                        "status": "pending",
                        "attempts": 0,
                    }
                )
        sms = {
            "provider": "twilio",
            "to": data.get("To", ""),
            "segments": _int(data.get("NumSegments")) or 1,
        }
        metadata: dict[str, object] = {"sms": sms}
        if media:
            metadata["media"] = media
        return InboundMessage(
            inbox_id=self.inbox.pk,
            sender=Identity(PHONE, normalise_phone(data["From"])),
            external_id=sid,
            text=data.get("Body", ""),
            metadata=metadata,
        )

    def received(self, message_id: int, inbound: InboundMessage) -> None:
        if inbound.metadata.get("media"):
            from javob.connectors.sms.tasks import fetch_media

            enqueue_on_commit(fetch_media, message_id)

    def download(self, url: str, max_bytes: int) -> Response:
        """A media URL of an incoming MMS, with the account's credentials (Twilio may enforce
        HTTP auth on media); the client drops them on the redirect to storage."""
        credentials = f"{self.setting('account_sid')}:{self.secret('auth_token')}"
        headers = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
        return request("GET", url, headers=headers, max_bytes=max_bytes)

    # ---- sending ----

    def reply_notes(self, conversation: Conversation) -> list[str]:
        prefixes = ", ".join(media.mms_prefixes(self.inbox))
        return [
            _(
                "Files go by MMS: at most 10 files, 5 MB in all, to numbers starting with "
                "%(prefixes)s."
            )
            % {"prefixes": prefixes}
        ]

    def check_reply_files(self, conversation: Conversation, files: Sequence[OutgoingFile]) -> None:
        if files:
            media.check_files(self.inbox, phone_of(conversation), files)

    def send(self, message: Message) -> str:
        from javob.connectors.actions import webhook_url

        to = recipient(message.conversation)
        data: list[tuple[str, str]] = [("To", to), ("StatusCallback", webhook_url(self.inbox))]
        if message.text:  # Twilio wants Body, MediaUrl or both
            data.insert(1, ("Body", message.text))
        if self.setting("messaging_service_sid"):
            data.append(("MessagingServiceSid", self.setting("messaging_service_sid")))
        else:
            data.append(("From", self.setting("from_number")))
        data += [("MediaUrl", url) for url in self._media_urls(message, to)]
        try:
            response = self._call("POST", f"{self.account_url}/Messages.json", data)
        except OutboundError as exc:
            health.record_error(self.inbox, "send", str(exc))
            raise DeliveryError(str(exc), permanent=False) from None
        sid = _sid(response)
        if sid:
            health.record_ok(self.inbox)
            return sid
        failure = send_failure(response)
        health.record_error(self.inbox, "send", failure.reason)
        raise failure

    def _media_urls(self, message: Message, to: str) -> list[str]:
        """Each attachment as a signed public URL; the same limits as before queueing (the
        reply may have been queued by a path that did not check them)."""
        attachments = list(message.attachments.order_by("pk"))
        files = [OutgoingFile(a.filename, a.content_type, a.size) for a in attachments]
        try:
            media.check_files(self.inbox, to, files)
        except ActionError as exc:
            raise DeliveryError(exc.message, permanent=True) from None
        return [media.media_url(self.inbox, attachment) for attachment in attachments]


def send_failure(response: Response) -> DeliveryError:
    """Twilio's answer to a refused send as a DeliveryError: 429 and 5xx (and Twilio's own
    rate-limit codes) are transient, any other 4xx is final; the reason is Twilio's text."""
    reason = _error_text(response)
    data = json_or_none(response.body)
    code = _int(data.get("code")) if isinstance(data, dict) else 0
    if response.status == 429 or code in TRANSIENT_CODES:
        return DeliveryError(reason, permanent=False, retry_after=retry_after(response))
    if response.status >= 500:
        return DeliveryError(reason, permanent=False)
    return DeliveryError(reason, permanent=True)


def _sid(response: Response) -> str:
    if response.status not in (200, 201):
        return ""
    data = json_or_none(response.body)
    return str(data.get("sid") or "") if isinstance(data, dict) else ""


def _error_text(response: Response) -> str:
    data = json_or_none(response.body)
    if isinstance(data, dict) and data.get("message"):
        code = data.get("code")
        prefix = f"Twilio {code}: " if code else f"Twilio HTTP {response.status}: "
        return prefix + str(data["message"])
    return f"Twilio HTTP {response.status}: {short(response.body)}"


def _is_inbound(data: dict[str, str]) -> bool:
    return (data.get("SmsStatus") or data.get("MessageStatus")) == "received"


def _status_update(inbox_id: int, sid: str, status: str, data: dict[str, str]) -> Parsed:
    if status in STATUSES:
        return DeliveryUpdate(inbox_id, sid, STATUSES[status])
    if status in FAILED:
        code = data.get("ErrorCode", "")
        text = data.get("ErrorMessage") or str(ERROR_TEXTS.get(code, ""))
        reason = f"Twilio {code}: {text}".strip(": ") if code else f"Twilio: {status}"
        return DeliveryUpdate(inbox_id, sid, "failed", reason=reason)
    if status in PENDING:
        return Ignored(f"status {status}")
    return Ignored(f"unknown status {status[:40]}")


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
