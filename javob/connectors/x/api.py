"""A small X API v2 client over the one outbound HTTP client, and the map from X's error
answers to permanent or transient failures.

Calls in the account's own context (sending, subscribing) are signed with OAuth 1.0a from the
consumer key/secret and the access token/secret, or carry an OAuth 2.0 user access token when
the inbox has one. Registering and removing the webhook uses the app's bearer token.

X answers errors as problem details (`{"title", "detail", "type", "status"}`, sometimes with
`reason` and `registration_url`) or, from older endpoints, `{"errors": [{"code", "message"}]}`.
401 and 403 are permanent (revoked credentials, or an access tier that does not include the
endpoint); 429 waits until `x-rate-limit-reset` (epoch seconds); 5xx are transient.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from javob.connectors.x.signing import oauth1_header
from javob.core import http

DEFAULT_API_URL = "https://api.x.com"
TIMEOUT_SECONDS = 30.0
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 15 * 60.0  # X's rate-limit windows are 15 minutes
MEDIA_HOSTS = (".twitter.com", ".x.com", ".twimg.com")


class XError(Exception):
    """A failed X API call: the provider's text, its HTTP status, and whether to retry."""

    def __init__(
        self, reason: str, *, status: int = 0, transient: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.transient = transient
        self.retry_after = retry_after

    @property
    def denied(self) -> bool:
        """The account's access does not allow this call (a 403 from X)."""
        return self.status == 403


@dataclass(frozen=True, slots=True)
class Credentials:
    consumer_key: str = ""
    consumer_secret: str = ""
    access_token: str = ""
    access_token_secret: str = ""
    user_token: str = ""  # an OAuth 2.0 user access token; used instead of OAuth 1.0a
    bearer_token: str = ""  # the app's bearer token, for the webhook registration

    @property
    def user_context(self) -> bool:
        oauth1 = (
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
        )
        return bool(self.user_token) or all(oauth1)

    def secrets(self) -> tuple[str, ...]:
        return tuple(
            value
            for value in (
                self.consumer_key,
                self.consumer_secret,
                self.access_token,
                self.access_token_secret,
                self.user_token,
                self.bearer_token,
            )
            if value
        )


class XApi:
    def __init__(self, credentials: Credentials, api_url: str = DEFAULT_API_URL) -> None:
        self.credentials = credentials
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")

    def user_call(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        """A call in the account's context; returns the answer's JSON."""
        url = f"{self.api_url}{path}"
        return self._call(method, url, data, self._user_authorization(method, url))

    def user_download(self, url: str, max_bytes: int) -> http.Response:
        """GET a file only the account may read (direct-message media), signed like a call.
        The account's credentials go only to X's own hosts (or the configured `api_url`)."""
        host = (urlsplit(url).hostname or "").lower()
        if host != urlsplit(self.api_url).hostname and not host.endswith(MEDIA_HOSTS):
            raise XError(
                _("%(host)s is not an X media host; nothing was downloaded.") % {"host": host},
                transient=False,
            )
        headers = {"Authorization": self._user_authorization("GET", url), "User-Agent": "Javob"}
        try:
            response = http.request(
                "GET", url, headers=headers, timeout=TIMEOUT_SECONDS, max_bytes=max_bytes
            )
        except http.BlockedAddress as exc:
            raise XError(self.scrub(str(exc)), transient=False) from None
        except http.OutboundError as exc:
            raise XError(self.scrub(str(exc)), transient=True) from None
        if 200 <= response.status < 300:
            return response
        raise error_from(response.status, response.body, response.headers, self.scrub)

    def _user_authorization(self, method: str, url: str) -> str:
        creds = self.credentials
        if creds.user_token:
            authorization = f"Bearer {creds.user_token}"
        elif creds.user_context:
            authorization = oauth1_header(
                method,
                url,
                consumer_key=creds.consumer_key,
                consumer_secret=creds.consumer_secret,
                token=creds.access_token,
                token_secret=creds.access_token_secret,
            )
        else:
            raise XError(
                _("The inbox has no credentials to act as the X account."), transient=False
            )
        return authorization

    def app_call(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        """A call with the app's bearer token (webhooks and removing subscriptions)."""
        if not self.credentials.bearer_token:
            raise XError(_("The inbox has no `bearer_token` of the X app."), transient=False)
        url = f"{self.api_url}{path}"
        return self._call(method, url, data, f"Bearer {self.credentials.bearer_token}")

    def user_upload(self, path: str, fields: dict[str, str], upload: http.Upload) -> Any:
        """A multipart/form-data POST in the account's context (a media chunk); the body is
        not part of an OAuth 1.0a signature (RFC 5849 signs only form-urlencoded bodies)."""
        url = f"{self.api_url}{path}"
        body, content_type = http.multipart(fields, upload)
        headers = {
            "Authorization": self._user_authorization("POST", url),
            "User-Agent": "Javob",
            "Content-Type": content_type,
        }
        return self._send("POST", url, body, headers)

    def _call(self, method: str, url: str, data: dict[str, Any] | None, auth: str) -> Any:
        headers = {"Authorization": auth, "User-Agent": "Javob"}
        body = None
        if data is not None:
            body = json.dumps(data, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        return self._send(method, url, body, headers)

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Any:
        try:
            response = http.request(
                method, url, body=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except http.BlockedAddress as exc:
            raise XError(self.scrub(str(exc)), transient=False) from None
        except http.OutboundError as exc:
            raise XError(self.scrub(str(exc)), transient=True) from None
        if 200 <= response.status < 300:
            return _json(response.body)
        raise error_from(response.status, response.body, response.headers, self.scrub)

    def scrub(self, text: str) -> str:
        for secret in self.credentials.secrets():
            text = text.replace(secret, "<secret>")
        return text


def _json(body: bytes) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        raise XError(_("X answered with something that is not JSON."), transient=True) from None


def provider_text(status: int, body: bytes) -> str:
    """X's own words for an error, whichever of its two error shapes it used."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = None
    if isinstance(data, dict):
        parts = [str(data[key]) for key in ("title", "detail") if data.get(key)]
        errors = data.get("errors")
        if isinstance(errors, list):
            parts += [
                str(item.get("message") or item.get("detail"))
                for item in errors
                if isinstance(item, dict) and (item.get("message") or item.get("detail"))
            ]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    text = body[:200].decode(errors="replace").strip()
    return f"HTTP {status}" + (f": {text}" if text else "")


def retry_after(headers: dict[str, str], now: float | None = None) -> float:
    """Seconds until `x-rate-limit-reset` (epoch seconds), within sane bounds."""
    reset = headers.get("x-rate-limit-reset", "")
    if not reset.strip().isdigit():
        return DEFAULT_RETRY_AFTER
    wait = int(reset) - (time.time() if now is None else now)
    return float(min(max(wait, 1.0), MAX_RETRY_AFTER))


def error_from(status: int, body: bytes, headers: dict[str, str], scrub: Any = str) -> XError:
    text = scrub(provider_text(status, body))
    lowered = {key.lower(): value for key, value in headers.items()}
    if status == 429:
        return XError(
            _("Rate limited by X: %(reason)s") % {"reason": text},
            status=status,
            transient=True,
            retry_after=retry_after(lowered),
        )
    if status == 401:
        text = _("X refused the credentials; reconnect the inbox. %(reason)s") % {"reason": text}
    elif status == 403:
        text = _("The X account's access does not allow this: %(reason)s") % {"reason": text}
    return XError(text, status=status, transient=status >= 500 or status == 408)
