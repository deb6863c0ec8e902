"""A small Graph API client over the one outbound HTTP client, and the map from Graph errors
to permanent or transient delivery failures.

Graph answers errors as `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`
(WhatsApp adds `error_data.details`). Which codes are worth a retry is documented per product;
the lists below are the ones Meta names as throttling or temporary.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from javob.connectors.base import DeliveryError
from javob.core import http
from javob.core.http import Upload, multipart

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"

# Rate limits and throttling: application (4), user (17), page (32), custom (613), WhatsApp
# business account (80007), Cloud API throughput (130429) and pair rate (131056).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80007, 130429, 131056})
# "Unknown error" / "service temporarily unavailable" codes Meta asks callers to retry.
TEMPORARY_CODES = frozenset({1, 2, 131000, 131016, 133004})
EXPIRED_TOKEN = 190
OUTSIDE_WINDOW = 131047  # WhatsApp: more than 24 hours since the customer last wrote
UNDELIVERABLE = 131026  # WhatsApp: the number is not on WhatsApp, or cannot receive this
# Messenger/Instagram: (10, 2018278) message sent outside the allowed window; 551 person
# unavailable; (100, 2018001) no matching user found.
MESSENGER_WINDOW = (10, 2018278)
DEFAULT_RETRY_AFTER = 60


class GraphError(DeliveryError):
    """A failed Graph call, with Meta's code and, for rate limits, how long to wait."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        code: int | None = None,
        subcode: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(reason, permanent=permanent, retry_after=retry_after)
        self.code = code
        self.subcode = subcode


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def error_from_response(status: int, body: bytes, headers: dict[str, str]) -> GraphError:
    """Turn a non-2xx Graph answer into a GraphError, permanent unless retrying can help."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = {}
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        text = f"HTTP {status}: {body[:200].decode(errors='replace')}"
        if status == 429:
            return classify(status, None, None, text, headers)
        return GraphError(text, permanent=not (status >= 500 or status == 408))
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    message = str(error.get("message") or "")
    details = error.get("error_data", {})
    if isinstance(details, dict) and details.get("details"):
        message = f"{message}: {details['details']}"
    return classify(status, code, subcode, message, headers)


def classify(
    status: int, code: int | None, subcode: int | None, message: str, headers: dict[str, str]
) -> GraphError:
    """The permanent/transient decision for one Graph error, with a reason an agent can read."""
    reason = f"{message} (code {code})" if code is not None else message
    if code in RATE_LIMIT_CODES or status == 429:
        wait = _int(headers.get("retry-after")) or DEFAULT_RETRY_AFTER
        return GraphError(
            _("Rate limited by Meta: %(reason)s") % {"reason": reason},
            permanent=False,
            code=code,
            subcode=subcode,
            retry_after=wait,
        )
    if code == EXPIRED_TOKEN:
        reason = _("The access token expired or was revoked; reconnect the inbox. %(reason)s") % {
            "reason": reason
        }
    elif code == OUTSIDE_WINDOW or (code, subcode) == MESSENGER_WINDOW:
        reason = _(
            "More than 24 hours have passed since the customer's last message: only an "
            "approved template (or a tagged message) can be sent now. %(reason)s"
        ) % {"reason": reason}
    elif code == UNDELIVERABLE:
        reason = _("The message cannot be delivered to this customer. %(reason)s") % {
            "reason": reason
        }
    transient = code in TEMPORARY_CODES or (status >= 500 and code not in (EXPIRED_TOKEN,))
    return GraphError(reason, permanent=not transient, code=code, subcode=subcode)


class GraphClient:
    """Calls to one Graph API base URL with one access token (sent as a bearer header)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = (base_url or DEFAULT_GRAPH_URL).rstrip("/")
        self.token = token

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base_url}/{path.lstrip('/')}{query}"

    def get(self, path_or_url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        url = path_or_url if "://" in path_or_url else self.url(path_or_url, params)
        return self._json(self._call("GET", url, None, {}))

    def post(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(data, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        return self._json(self._call("POST", self.url(path), body, headers))

    def post_multipart(self, path: str, fields: dict[str, str], upload: Upload) -> dict[str, Any]:
        body, content_type = multipart(fields, upload)
        headers = {"Content-Type": content_type}
        return self._json(self._call("POST", self.url(path), body, headers))

    def download(self, url: str, *, authorized: bool) -> http.Response:
        """Fetch a media URL (WhatsApp's needs the bearer token; Messenger's CDN links do not)."""
        headers = {"Authorization": f"Bearer {self.token}"} if authorized else {}
        response = self._send("GET", url, None, headers)
        if not 200 <= response.status < 300:
            raise error_from_response(response.status, response.body, response.headers)
        return response

    def _call(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> http.Response:
        headers = {**headers, "Authorization": f"Bearer {self.token}", "User-Agent": "Javob"}
        response = self._send(method, url, body, headers)
        if not 200 <= response.status < 300:
            raise error_from_response(response.status, response.body, response.headers)
        return response

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> http.Response:
        try:
            return http.request(method, url, body=body, headers=headers)
        except http.BlockedAddress as exc:
            raise GraphError(str(exc), permanent=True) from exc
        except http.OutboundError as exc:
            raise GraphError(str(exc), permanent=False) from exc

    @staticmethod
    def _json(response: http.Response) -> dict[str, Any]:
        try:
            data = json.loads(response.body or b"{}")
        except ValueError as exc:
            raise GraphError(
                _("Meta answered with something that is not JSON."), permanent=False
            ) from exc
        if not isinstance(data, dict):
            raise GraphError(_("Meta answered with something that is not JSON."), permanent=False)
        return data
