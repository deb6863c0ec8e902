"""A local stand-in for api.telegram.org, following the Bot API's documented contract.

Routes `/bot<token>/<method>` and `/file/bot<token>/<file_path>`; answers
`{"ok": true, "result": ...}` or the real error bodies
`{"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": N}}`.
Chats can be marked blocked or deactivated, any method can be made to fail next, and
MarkdownV2 text is checked for unescaped reserved characters as Telegram does.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from javob.core.tests.httpserver import Recorded, Reply, ScriptedServer, serve

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Javob", "username": "javob_test_bot"}
RESERVED = "_*[]()~`>#+-=|{}.!"
MARKUP = "*_~`[]()|"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)


def error(code: int, description: str, retry_after: int | None = None) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Reply(code, json.dumps(body).encode(), {"Content-Type": "application/json"})


def ok(result: Any, description: str = "") -> Reply:
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()
        self.known_chats: set[int] = set()
        self.fail_next: dict[str, list[Reply]] = {}
        self.downloads: list[str] = []
        self._next_id = 500
        self.server: ScriptedServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url.rstrip("/")

    def add_file(self, file_id: str, file_path: str, content: bytes) -> None:
        self.files[file_id] = (file_path, content)

    def fail(self, method: str, *replies: Reply) -> None:
        self.fail_next.setdefault(method, []).extend(replies)

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def handle(self, request: Recorded) -> Reply:
        path = request.path.split("?", 1)[0]
        match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if match:
            return self._file(match.group(1), match.group(2))
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if not match:
            return error(404, "Not Found")
        if match.group(1) != TOKEN:
            return error(401, "Unauthorized")
        method = match.group(2)
        call = Call(method, *_params(request))
        self.calls.append(call)
        if self.fail_next.get(method):
            return self.fail_next[method].pop(0)
        handler = getattr(self, f"_{method}", None)
        return handler(call) if handler else error(404, "Not Found: method not found")

    def _file(self, token: str, file_path: str) -> Reply:
        if token != TOKEN:
            return error(401, "Unauthorized")
        if self.fail_next.get("download"):
            return self.fail_next["download"].pop(0)
        self.downloads.append(file_path)
        for path, content in self.files.values():
            if path == file_path:
                return Reply(200, content, {"Content-Type": "application/octet-stream"})
        return error(404, "Not Found")

    def _getMe(self, call: Call) -> Reply:
        return ok(BOT)

    def _setWebhook(self, call: Call) -> Reply:
        url = str(call.params.get("url", ""))
        if not url.startswith("https://"):
            return error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(call.params)
        return ok(True, "Webhook was set")

    def _deleteWebhook(self, call: Call) -> Reply:
        self.webhook = {}
        return ok(True, "Webhook was deleted")

    def _getFile(self, call: Call) -> Reply:
        file_id = str(call.params.get("file_id", ""))
        if file_id not in self.files:
            return error(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return ok(
            {
                "file_id": file_id,
                "file_unique_id": "u-" + file_id[:8],
                "file_size": len(content),
                "file_path": path,
            }
        )

    def _sendMessage(self, call: Call) -> Reply:
        refused = self._refuse(call)
        if refused:
            return refused
        text = str(call.params.get("text", ""))
        if not text:
            return error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096 and call.params.get("parse_mode") is None:
            return error(400, "Bad Request: message is too long")
        if call.params.get("parse_mode") == "MarkdownV2":
            bad = unescaped_reserved(text)
            if bad:
                return error(
                    400,
                    f"Bad Request: can't parse entities: Character '{bad}' is reserved and "
                    "must be escaped with the preceding '\\'",
                )
        return ok(self._message(call, text=text))

    def _sendPhoto(self, call: Call) -> Reply:
        return self._refuse(call) or ok(self._message(call, photo=[{"file_id": "sent-photo"}]))

    def _sendDocument(self, call: Call) -> Reply:
        return self._refuse(call) or ok(self._message(call, document={"file_id": "sent-doc"}))

    def _refuse(self, call: Call) -> Reply | None:
        chat_id = int(call.params.get("chat_id", 0))
        if chat_id in self.blocked:
            return error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.deactivated:
            return error(403, "Forbidden: user is deactivated")
        if chat_id not in self.known_chats:
            return error(400, "Bad Request: chat not found")
        return None

    def _message(self, call: Call, **content: Any) -> dict[str, Any]:
        self._next_id += 1
        chat_id = int(call.params["chat_id"])
        return {
            "message_id": self._next_id,
            "from": BOT,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "date": 1763885300,
            **content,
        }


def unescaped_reserved(text: str) -> str:
    """The first reserved character not escaped and not used as markup, or ""."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char in RESERVED and char not in MARKUP:
            return char
    return ""


def _params(request: Recorded) -> tuple[dict[str, Any], dict[str, tuple[str, str, bytes]]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return _multipart(content_type, request.body)
    if not request.body:
        return {}, {}
    data = json.loads(request.body)
    return (data if isinstance(data, dict) else {}), {}


def _multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, tuple[str, str, bytes]]]:
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is not None:
            files[name] = (filename, part.get_content_type(), data)
        else:
            text = data.decode()
            params[name] = json.loads(text) if text[:1] in "{[" else text
    return params, files


@contextmanager
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    with serve(default=fake.handle) as server:
        fake.server = server
        yield fake
