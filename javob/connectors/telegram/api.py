"""A small Telegram Bot API client over the one outbound HTTP client (`javob.core.http`).

Requests go to `{api_url}/bot{token}/{method}`, files come from `{api_url}/file/bot{token}/
{file_path}`; `api_url` is https://api.telegram.org unless the inbox names a self-hosted Bot
API server. Every answer is `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N,
"description": "...", "parameters": {"retry_after": N}}`. The token is part of every URL, so
it is scrubbed from every error this module raises.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from javob.core import http
from javob.core.http import Upload, multipart

DEFAULT_API_URL = "https://api.telegram.org"
TIMEOUT_SECONDS = 30.0
# Bot API answers are small; files are read up to the caller's limit.
MAX_ANSWER_BYTES = 1024 * 1024


class TelegramError(Exception):
    """A Bot API call failed. `transient` failures may work later (after `retry_after`)."""

    def __init__(
        self,
        description: str,
        *,
        code: int = 0,
        transient: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.transient = transient
        self.retry_after = retry_after


class BotApi:
    def __init__(self, token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.token = token
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")

    def call(
        self, method: str, params: dict[str, Any] | None = None, upload: Upload | None = None
    ) -> Any:
        """Call one Bot API method; return its `result` or raise TelegramError."""
        if upload is None:
            body = json.dumps(params or {}, ensure_ascii=False).encode()
            content_type = "application/json"
        else:
            fields = {
                name: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for name, value in (params or {}).items()
            }
            body, content_type = multipart(fields, upload)
        url = f"{self.api_url}/bot{self.token}/{method}"
        response = self._request("POST", url, body, {"Content-Type": content_type})
        return self._result(response)

    def download(self, file_path: str, max_bytes: int) -> bytes:
        """The bytes of a file `getFile` named; TelegramError if missing or too large."""
        url = f"{self.api_url}/file/bot{self.token}/{file_path.lstrip('/')}"
        response = self._request("GET", url, None, {}, max_bytes=max_bytes)
        if response.status != 200:
            self._result(response)  # raises with Telegram's own description
            raise TelegramError(f"HTTP {response.status}", code=response.status, transient=True)
        return response.body

    def _request(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> http.Response:
        try:
            return http.request(
                method,
                url,
                body=body,
                headers={"User-Agent": "Javob", **headers},
                timeout=TIMEOUT_SECONDS,
                max_bytes=max_bytes,
            )
        except http.BlockedAddress as exc:
            raise TelegramError(self.scrub(str(exc)), transient=False) from None
        except http.OutboundError as exc:
            raise TelegramError(self.scrub(str(exc)), transient=True) from None

    def _result(self, response: http.Response) -> Any:
        try:
            data = json.loads(response.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            if response.status >= 500 or response.status in (408, 429):
                raise TelegramError(f"HTTP {response.status}", code=response.status, transient=True)
            raise TelegramError(
                _("Telegram answered HTTP %(status)s without a Bot API body.")
                % {"status": response.status},
                code=response.status,
                transient=response.status >= 500,
            )
        if data.get("ok") is True:
            return data.get("result")
        raise error_from(data, response.status, self.scrub)

    def scrub(self, text: str) -> str:
        return text.replace(self.token, "<token>") if self.token else text


def error_from(data: dict[str, Any], status: int, scrub: Any = str) -> TelegramError:
    """Map a Bot API error body to a TelegramError: 429 waits `retry_after`, 5xx is transient,
    every other 4xx (blocked by the user, chat not found, bad token) is permanent."""
    code = data.get("error_code")
    code = code if isinstance(code, int) else status
    description = scrub(str(data.get("description") or f"HTTP {status}"))
    parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after") if parameters else None
    if code == 429:
        wait = float(retry_after) if isinstance(retry_after, int | float) else None
        return TelegramError(description, code=code, transient=True, retry_after=wait)
    return TelegramError(description, code=code, transient=code >= 500 or code == 0)
