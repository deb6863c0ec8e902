"""Local stand-ins for Twilio and the Uzbek SMS gateways, following their documented contracts.

FakeTwilio: `POST /2010-04-01/Accounts/{sid}/Messages.json` (HTTP basic auth with the Account
SID and auth token; 201 with the message resource, or Twilio's error body
`{"code", "message", "more_info", "status"}`), `GET /Accounts/{sid}.json`, and media URLs that
redirect to pre-signed storage which, like S3, refuses a request that also carries credentials.

FakeGateway: Eskiz (`/api/auth/login` issues a bearer token, `/api/message/sms/send` takes a
form and answers its `id`; an expired token answers 401) and Play Mobile
(`/broker-api/send`, basic auth, nested JSON, an empty 200).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from javob.core.tests.httpserver import Recorded, Reply, ScriptedServer, serve

PAYLOADS = Path(__file__).parent / "payloads"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c"
FROM = "+14155552671"
E164 = re.compile(r"\+[1-9]\d{7,14}")
JSON = {"Content-Type": "application/json"}


def payload_text(name: str, **values: str) -> str:
    text = (PAYLOADS / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def payload(name: str, **values: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(payload_text(name, **values))
    return data


def reply(status: int, name: str, headers: dict[str, str] | None = None, **values: str) -> Reply:
    return Reply(status, payload_text(name, **values).encode(), {**JSON, **(headers or {})})


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class FakeTwilio:
    server: ScriptedServer | None = None
    sent: list[dict[str, str]] = field(default_factory=list)
    sent_media: list[list[str]] = field(default_factory=list)  # each send's MediaUrl values
    mms_prefixes: tuple[str, ...] = ("+1",)  # where the account's numbers reach by MMS
    unsubscribed: set[str] = field(default_factory=set)
    fail_next: list[Reply] = field(default_factory=list)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # media sid -> file
    storage_requests: list[Recorded] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url.rstrip("/")

    @property
    def storage_url(self) -> str:
        # Another host name for the same server: the redirect leaves Twilio's host.
        assert self.server is not None
        return f"http://localhost:{self.server.port}"

    def handle(self, request: Recorded) -> Reply:
        path = request.path.split("?", 1)[0]
        if path.startswith("/storage/"):
            return self._storage(request, path)
        account = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
        if request.headers.get("authorization") != basic(ACCOUNT_SID, AUTH_TOKEN):
            return reply(401, "twilio/error_20003")
        if path == f"{account}.json" and request.method == "GET":
            return Reply(200, json.dumps({"sid": ACCOUNT_SID, "status": "active"}).encode(), JSON)
        media = re.fullmatch(rf"{account}/Messages/\w+/Media/(\w+)", path)
        if media and request.method == "GET":
            return Reply(307, b"", {"Location": f"{self.storage_url}/storage/{media.group(1)}"})
        if path == f"{account}/Messages.json" and request.method == "POST":
            return self._create(parse_qsl(request.body.decode()))
        return Reply(404, b'{"code": 20404, "message": "The requested resource was not found"}')

    def _create(self, pairs: list[tuple[str, str]]) -> Reply:
        data = {name: value for name, value in pairs if name != "MediaUrl"}
        media = [value for name, value in pairs if name == "MediaUrl"]
        self.sent.append(data)
        self.sent_media.append(media)
        if self.fail_next:
            return self.fail_next.pop(0)
        to = data.get("To", "")
        if not E164.fullmatch(to):
            return reply(400, "twilio/error_21211")
        if to in self.unsubscribed:
            return reply(400, "twilio/error_21610")
        if len(media) > 10:
            return reply(400, "twilio/error_21623")
        if any(not url.startswith(("https://", "http://")) for url in media):
            return reply(400, "twilio/error_21620")
        if media and not to.startswith(self.mms_prefixes):
            return reply(400, "twilio/error_21612", to=to, sender=data.get("From", ""))
        sid = "SM" + secrets.token_hex(16)
        resource = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": to,
            "from": data.get("From"),
            "messaging_service_sid": data.get("MessagingServiceSid"),
            "body": data.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "num_media": str(len(media)),
            "error_code": None,
            "error_message": None,
        }
        return Reply(201, json.dumps(resource).encode(), JSON)

    def _storage(self, request: Recorded, path: str) -> Reply:
        self.storage_requests.append(request)
        if "authorization" in request.headers:
            return Reply(400, b"<Error><Code>InvalidArgument</Code></Error>")
        name = path.rsplit("/", 1)[-1]
        if name not in self.media:
            return Reply(404, b"")
        content_type, content = self.media[name]
        return Reply(200, content, {"Content-Type": content_type})


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    with serve(default=fake.handle) as server:
        fake.server = server
        yield fake


ESKIZ_EMAIL = "support@example.uz"
ESKIZ_PASSWORD = "eskiz-password-7Qm"
PM_USER = "javob"
PM_PASSWORD = "pm-password-3Xk"


@dataclass
class FakeGateway:
    server: ScriptedServer | None = None
    tokens: list[str] = field(default_factory=list)  # issued, newest last; only it is valid
    sent: list[Recorded] = field(default_factory=list)
    fail_next: list[Reply] = field(default_factory=list)
    next_id: int = 4385062

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url.rstrip("/")

    def expire_token(self) -> None:
        self.tokens.append("expired-" + secrets.token_hex(4))  # none of the old ones work

    def handle(self, request: Recorded) -> Reply:
        path = request.path.split("?", 1)[0]
        if path == "/api/auth/login":
            return self._login(dict(parse_qsl(request.body.decode())))
        if path == "/api/message/sms/send":
            return self._eskiz_send(request)
        if path == "/broker-api/send":
            return self._playmobile_send(request)
        return Reply(404, b"")

    def _login(self, data: dict[str, str]) -> Reply:
        if (data.get("email"), data.get("password")) != (ESKIZ_EMAIL, ESKIZ_PASSWORD):
            return reply(401, "eskiz/login_refused")
        token = "eyJ" + secrets.token_urlsafe(24)
        self.tokens.append(token)
        return reply(200, "eskiz/login", token=token)

    def _eskiz_send(self, request: Recorded) -> Reply:
        self.sent.append(request)
        if request.headers.get("authorization") != f"Bearer {self.tokens[-1:] and self.tokens[-1]}":
            return reply(401, "eskiz/token_expired")
        if self.fail_next:
            return self.fail_next.pop(0)
        data = dict(parse_qsl(request.body.decode()))
        if not re.fullmatch(r"998\d{9}", data.get("mobile_phone", "")):
            return reply(400, "eskiz/error_phone")
        self.next_id += 1
        return reply(200, "eskiz/send_ok", id=str(self.next_id))

    def _playmobile_send(self, request: Recorded) -> Reply:
        self.sent.append(request)
        if request.headers.get("authorization") != basic(PM_USER, PM_PASSWORD):
            return Reply(401, b"")
        if self.fail_next:
            return self.fail_next.pop(0)
        return Reply(200, b"")


@contextmanager
def fake_gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    with serve(default=fake.handle) as server:
        fake.server = server
        yield fake
