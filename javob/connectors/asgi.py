"""The webhook door as a small ASGI app in front of Django.

A provider's POST to `/hooks/<kind>/<inbox id>` is answered by `answer_webhook()` (the same
code as the Django view) without building a Django request or running the middleware
(sessions, authentication, locale, CSP, static files), which a webhook does not use and which
cost more than the webhook itself. What Django would refuse or change is left to Django: a
Host not in `ALLOWED_HOSTS`, a plain-HTTP request that `SECURE_SSL_REDIRECT` would redirect,
any other method or path. The body is limited to `DATA_UPLOAD_MAX_MEMORY_SIZE`, as in Django
(400 when larger).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.http import QueryDict
from django.http.request import split_domain_port, validate_host
from django.utils.encoding import escape_uri_path, iri_to_uri

from javob.connectors import groupcommit
from javob.connectors.base import WebhookRequest
from javob.connectors.views import Answer, answer_webhook, cached_door, kept_headers

logger = logging.getLogger(__name__)
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
# The URL pattern of javob.urls' `hook` (slug and int converters).
HOOK_PATH = re.compile(r"/hooks/(?P<kind>[-a-zA-Z0-9_]+)/(?P<inbox_id>[0-9]+)")
TOO_LARGE = Answer(400, b"request body too large")
FAILED = Answer(500, b"server error")


class ClientGone(Exception):
    """The client disconnected before its whole body arrived: nothing to verify or answer."""


class WebhookDoor:
    """Serve webhook POSTs; hand everything else to `app` (Django)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            match = HOOK_PATH.fullmatch(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = _allowed_host(headers)
        secure = _is_secure(scope, headers)
        if host is None or (settings.SECURE_SSL_REDIRECT and not secure and not _exempt(scope)):
            await self.app(scope, receive, send)  # Django answers 400 or redirects
            return
        try:
            body = await _read_body(receive, headers, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        except ClientGone:
            return
        if body is None:
            await _respond(send, TOO_LARGE)
            return
        query_string = scope.get("query_string", b"").decode("latin-1")
        url = f"{'https' if secure else 'http'}://{host}{escape_uri_path(scope['path'])}"
        incoming = WebhookRequest(
            method="POST",
            url=url + (f"?{iri_to_uri(query_string)}" if query_string else ""),
            headers=headers,
            query=_query(query_string),
            body=body,
        )
        kind, inbox_id = match["kind"], int(match["inbox_id"])
        answer = await _answer_on_loop(kind, inbox_id, incoming)
        if answer is None:
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(None, partial(_answer, kind, inbox_id, incoming))
        await _respond(send, answer)


async def _answer_on_loop(kind: str, inbox_id: int, incoming: WebhookRequest) -> Answer | None:
    """Verify against this process's cached door and store through the group commit, all on
    the event loop; None for anything else (no cached door, a rejected signature, a payload not
    stored, an error), which the thread path then answers as the Django view would."""
    door = cached_door(kind, inbox_id)
    if door is None or not groupcommit.enabled():
        return None
    connector = door.connector
    try:
        connector.verify(incoming)
        provider_id = connector.payload_id(incoming)
    except Exception:
        return None
    stored = await groupcommit.writer().store(
        door.version, provider_id, incoming.body, kept_headers(incoming)
    )
    if stored is None:
        return None
    return Answer(200, connector.ack_body, connector.ack_content_type)


def _query(query_string: str) -> dict[str, str]:
    if not query_string:
        return {}
    query = QueryDict(query_string)
    return {key: query.get(key, "") for key in query}


def _answer(kind: str, inbox_id: int, incoming: WebhookRequest) -> Answer:
    """Run the door on a worker thread, handling its database connection as Django's request
    cycle does (closed, or given back to the pool, at the start and end of each request)."""
    close_old_connections()
    try:
        return answer_webhook(kind, inbox_id, incoming)
    except Exception:
        logger.exception("Webhook for inbox %s failed", inbox_id)
        return FAILED
    finally:
        close_old_connections()


def _headers(scope: Scope) -> dict[str, str]:
    """Lower-case names; repeated headers joined with "," as Django's ASGI request does."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _allowed_host(headers: dict[str, str]) -> str | None:
    """The Host as Django's `HttpRequest.get_host()` takes it, or None where Django refuses."""
    host = headers.get("host", "")
    if settings.USE_X_FORWARDED_HOST and "x-forwarded-host" in headers:
        host = headers["x-forwarded-host"]
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return host if domain and validate_host(domain, allowed) else None


def _is_secure(scope: Scope, headers: dict[str, str]) -> bool:
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower()
        if name in headers:
            return headers[name].split(",")[0].strip() == secure_value
    return bool(scope.get("scheme") == "https")


def _exempt(scope: Scope) -> bool:
    path = scope["path"].lstrip("/")
    return any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT)


async def _read_body(receive: Receive, headers: dict[str, str], limit: int | None) -> bytes | None:
    """The whole body, or None as soon as it is known to be larger than `limit`."""
    declared = headers.get("content-length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, answer: Answer) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [
                (b"content-type", answer.content_type.encode("latin-1")),
                (b"content-length", str(len(answer.body)).encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": answer.body})
