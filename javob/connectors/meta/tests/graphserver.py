"""A local server that answers like the Graph API, for the WhatsApp, Messenger and Instagram
tests, and the signing of webhooks as Meta does it.

Routes follow the documented contract:
- `POST /v21.0/{phone-number-id}/messages` -> `{"messaging_product": "whatsapp", "contacts":
  [...], "messages": [{"id": "wamid.out-N"}]}`
- `POST /v21.0/{phone-number-id}/media` (multipart) -> `{"id": "media-N"}`
- `GET /v21.0/{media-id}` -> `{"url": <this server>/cdn/{media-id}, "mime_type", ...}`
- `GET /cdn/{media-id}` -> the bytes, only with the bearer token
- `POST /v21.0/me/messages` (Messenger/Instagram) -> `{"recipient_id", "message_id": "m_out-N"}`
- `POST /v21.0/{comment-id}/comments|replies` -> `{"id": "reply-N"}`
- `GET /v21.0/{waba-id}/message_templates` -> the pages set in `templates`
Errors are scripted per path prefix with `fail(prefix, Reply(...))`, answered once each, in
order, as Graph does: `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from javob.core.tests.httpserver import Recorded, Reply, ScriptedServer

TOKEN = "EAAG-test-token"
APP_SECRET = "meta-app-secret-1"
VERSION = "/v21.0"
MEDIA = {"65463453": (b"\xff\xd8\xff\xe0 jpeg bytes", "image/jpeg")}


def meta_signature(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256 as the README documents it, computed independently of the code."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def graph_error(
    code: int,
    message: str,
    *,
    status: int = 400,
    subcode: int | None = None,
    kind: str = "OAuthException",
) -> Reply:
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": "AbCd123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(
        status, json.dumps({"error": error}).encode(), {"Content-Type": "application/json"}
    )


def _json(data: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json"})


class GraphServer:
    def __init__(self) -> None:
        self.server = ScriptedServer(default=self._route)
        self.failures: list[tuple[str, Reply]] = []
        self.templates: list[list[dict[str, Any]]] = []  # pages of the template list
        self.media = dict(MEDIA)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        return self.server.url.rstrip("/") + VERSION

    @property
    def requests(self) -> list[Recorded]:
        return self.server.requests

    def fail(self, prefix: str, reply: Reply) -> None:
        """Answer the next request whose path starts with `prefix` with `reply`."""
        with self._lock:
            self.failures.append((prefix, reply))

    def _scripted(self, path: str) -> Reply | None:
        with self._lock:
            for index, (prefix, reply) in enumerate(self.failures):
                if path.startswith(prefix):
                    del self.failures[index]
                    return reply
        return None

    def _route(self, request: Recorded) -> Reply:
        path = urlsplit(request.path).path
        scripted = self._scripted(path)
        if scripted is not None:
            return scripted
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return graph_error(190, "Invalid OAuth access token.", status=401)
        if path.startswith("/cdn/"):
            content, _type = self.media[path.removeprefix("/cdn/")]
            return Reply(200, content, {"Content-Type": _type})
        parts = path.removeprefix(VERSION + "/").split("/")
        if request.method == "GET":
            return self._get(parts, request)
        return self._post(parts)

    def _get(self, parts: list[str], request: Recorded) -> Reply:
        if len(parts) == 2 and parts[1] == "message_templates":
            query = parse_qs(urlsplit(request.path).query)
            page = int(query.get("after", ["0"])[0])
            return _json(self._template_page(page))
        media_id = parts[0]
        if media_id not in self.media:
            return graph_error(
                100, "Unsupported get request.", subcode=33, kind="GraphMethodException"
            )
        _content, content_type = self.media[media_id]
        return _json(
            {
                "url": f"{self.server.url}cdn/{media_id}",
                "mime_type": content_type,
                "sha256": "hash",
                "file_size": len(_content),
                "id": media_id,
                "messaging_product": "whatsapp",
            }
        )

    def _template_page(self, page: int) -> dict[str, Any]:
        data: dict[str, Any] = {"data": self.templates[page] if page < len(self.templates) else []}
        if page + 1 < len(self.templates):
            data["paging"] = {
                "cursors": {"before": str(page), "after": str(page + 1)},
                "next": f"https://graph.facebook.com/v21.0/x/message_templates?after={page + 1}",
            }
        return data

    def _post(self, parts: list[str]) -> Reply:
        n = next(self._ids)
        if parts[-1] == "media":
            return _json({"id": f"media-{n}"})
        if parts[-1] in ("comments", "replies"):
            return _json({"id": f"reply-{n}"})
        if parts[0] == "me":
            return _json({"recipient_id": "psid", "message_id": f"m_out-{n}"})
        return _json(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": "972987654321", "wa_id": "972987654321"}],
                "messages": [{"id": f"wamid.out-{n}"}],
            }
        )


@contextmanager
def graph_server() -> Iterator[GraphServer]:
    graph = GraphServer()
    graph.server.start()
    try:
        yield graph
    finally:
        graph.server.stop()
