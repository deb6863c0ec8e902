"""A local stand-in for api.x.com, following the X API v2 documented contract for what the
connector calls:

- `GET /2/users/me` (user context) -> `{"data": {"id", "name", "username"}}`
- `POST /2/webhooks` `{"url"}` (app bearer token) ->
  `{"data": {"id", "url", "valid", "created_at"}}`
- `DELETE /2/webhooks/:id` (app) -> `{"data": {"deleted": true}}`
- `POST /2/account_activity/webhooks/:id/subscriptions/all` (user) ->
  `{"data": {"subscribed": true}}`
- `DELETE /2/account_activity/webhooks/:id/subscriptions/:user_id/all` (app)
- `POST /2/dm_conversations/with/:participant_id/messages` `{"text"}` (user) -> 201
  `{"data": {"dm_conversation_id", "dm_event_id"}}`
- `POST /2/tweets` `{"text", "reply": {"in_reply_to_tweet_id"}}` (user) -> 201
  `{"data": {"id", "text"}}`
- `GET /1.1/ton/data/dm/...` (user): direct-message media, the bytes in `media`
- media upload (user): `POST /2/media/upload/initialize` `{"media_type", "total_bytes",
  "media_category"}` -> `{"data": {"id", "media_key", "expires_after_secs"}}`;
  `POST /2/media/upload/:id/append` multipart `segment_index` + `media` (at most 5 MB a chunk,
  indexes in order) -> `{"data": {"expires_at"}}`; `POST /2/media/upload/:id/finalize` (every
  byte received) -> the media, with `processing_info` `{"state": "pending",
  "check_after_secs"}` for videos and GIFs; `GET /2/media/upload?command=STATUS&media_id=` ->
  `in_progress`, then `succeeded` (or `failed` with `error`, for ids in `processing_fails`).
  Images 5 MB, GIFs 15 MB, videos 512 MB; a DM takes only `dm_*` media, a post `tweet_*`.

User-context calls must carry a valid OAuth 1.0a signature for the test credentials, or the
OAuth 2.0 user token; app calls the app's bearer token. Errors are X's problem-details bodies
(`{"title", "detail", "type", "status"}`), 429 comes with `x-rate-limit-*` headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, unquote

from javob.connectors.x.signing import base_string, hmac_sha1_signature
from javob.core.tests.httpserver import Recorded, Reply, ScriptedServer, serve

CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog"
CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
ACCESS_TOKEN = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
ACCESS_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
BEARER_TOKEN = "AAAAAAAAAAAAAAAAAAAAAJavobAppBearerTokenForTests0000"
USER_TOKEN = "dGVzdC11c2VyLXRva2VuLWZvci1qYXZvYjoxNzAwMDAwMDAwOjE6YXQ6MQ"
ACCOUNT = {"id": "4337869213", "name": "Javob Support", "username": "javob_help"}
JSON = {"Content-Type": "application/json"}

NOT_ENROLLED = {
    "client_id": "26700001",
    "detail": (
        "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
        "tokens from a Twitter developer App that is attached to a Project. You can create a "
        "project via the developer portal."
    ),
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return Reply(status, json.dumps(body).encode(), {**JSON, **(headers or {})})


def rate_limited(reset: int) -> Reply:
    headers = {
        "x-rate-limit-limit": "15",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset),
    }
    return problem(429, "Too Many Requests", "Too Many Requests", headers)


def data(payload: dict[str, Any], status: int = 200) -> Reply:
    return Reply(status, json.dumps({"data": payload}).encode(), JSON)


@dataclass
class Call:
    method: str
    path: str
    body: Any
    auth: str  # "oauth1", "user-token" or "app"


@dataclass
class FakeX:
    calls: list[Call] = field(default_factory=list)
    webhooks: dict[str, str] = field(default_factory=dict)  # id -> url
    subscriptions: set[tuple[str, str]] = field(default_factory=set)  # (webhook id, user id)
    # "dm", "tweet", "subscribe", "webhook" (registering), "unregister" (answers 503)
    forbidden: set[str] = field(default_factory=set)
    fail_next: list[Reply] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)  # path on ton.twitter.com -> bytes
    uploads: dict[str, Upload] = field(default_factory=dict)  # media id -> upload session
    processing_fails: set[str] = field(default_factory=set)  # media ids whose processing fails
    server: ScriptedServer | None = None
    _next_id: int = 1860000000000000000

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url.rstrip("/")

    def fail(self, *replies: Reply) -> None:
        self.fail_next.extend(replies)

    def calls_to(self, pattern: str) -> list[Call]:
        return [call for call in self.calls if re.fullmatch(pattern, call.path)]

    def new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def handle(self, request: Recorded) -> Reply:
        path = request.path.split("?", 1)[0]
        auth = self._auth(request)
        if auth is None:
            return problem(401, "Unauthorized", "Unauthorized")
        body = _body(request)
        self.calls.append(Call(request.method, path, body, auth))
        if self.fail_next:
            return self.fail_next.pop(0)
        if path.startswith("/1.1/ton/data/dm/"):
            return self._ton(path, auth)
        if path == "/2/media/upload" and request.method == "GET":
            return self._status(dict(parse_qsl(request.path.partition("?")[2])))
        for method, pattern, handler, needs in self.routes():
            match = re.fullmatch(pattern, path)
            if match and request.method == method:
                if (needs == "app") != (auth == "app"):
                    return problem(
                        403,
                        "Unsupported Authentication",
                        f"Authenticating with {auth} is forbidden for this endpoint.",
                    )
                return handler(body or {}, *match.groups())
        return problem(404, "Not Found Error", f"Could not find {request.method} {path}")

    def routes(self) -> list[tuple[str, str, Callable[..., Reply], str]]:
        return [
            ("GET", r"/2/users/me", self._me, "user"),
            ("POST", r"/2/webhooks", self._register, "app"),
            ("DELETE", r"/2/webhooks/(\d+)", self._unregister, "app"),
            ("POST", r"/2/account_activity/webhooks/(\d+)/subscriptions/all", self._sub, "user"),
            (
                "DELETE",
                r"/2/account_activity/webhooks/(\d+)/subscriptions/(\d+)/all",
                self._unsub,
                "app",
            ),
            ("POST", r"/2/dm_conversations/with/(\d+)/messages", self._dm, "user"),
            ("POST", r"/2/tweets", self._tweet, "user"),
            ("POST", r"/2/media/upload/initialize", self._initialize, "user"),
            ("POST", r"/2/media/upload/(\d+)/append", self._append, "user"),
            ("POST", r"/2/media/upload/(\d+)/finalize", self._finalize, "user"),
        ]

    def _auth(self, request: Recorded) -> str | None:
        header = request.headers.get("authorization", "")
        if header == f"Bearer {BEARER_TOKEN}":
            return "app"
        if header == f"Bearer {USER_TOKEN}":
            return "user-token"
        if header.startswith("OAuth ") and self._oauth1_ok(request, header):
            return "oauth1"
        return None

    def _oauth1_ok(self, request: Recorded, header: str) -> bool:
        params = {key: unquote(value) for key, value in re.findall(r'(\w+)="([^"]*)"', header[6:])}
        given = params.pop("oauth_signature", "")
        if params.get("oauth_consumer_key") != CONSUMER_KEY:
            return False
        if params.get("oauth_token") != ACCESS_TOKEN:
            return False
        url = f"{self.url}{request.path}"
        base = base_string(request.method, url, params)
        return given == hmac_sha1_signature(base, CONSUMER_SECRET, ACCESS_TOKEN_SECRET)

    def _ton(self, path: str, auth: str) -> Reply:
        """DM media: only for the account's own signed requests."""
        if auth == "app":
            return problem(403, "Forbidden", "Forbidden")
        if path not in self.media:
            return problem(404, "Not Found Error", "Not Found")
        return Reply(200, self.media[path], {"Content-Type": "image/jpeg"})

    def _me(self, body: dict[str, Any]) -> Reply:
        return data(ACCOUNT)

    def _register(self, body: dict[str, Any]) -> Reply:
        if "webhook" in self.forbidden:
            return Reply(403, json.dumps(NOT_ENROLLED).encode(), JSON)
        url = str(body.get("url") or "")
        if not url.startswith("https://"):
            return problem(400, "Invalid Request", "The webhook URL must use https.")
        webhook_id = self.new_id()
        self.webhooks[webhook_id] = url
        created = "2026-11-23T23:40:00.000Z"
        return data({"id": webhook_id, "url": url, "valid": True, "created_at": created})

    def _unregister(self, body: dict[str, Any], webhook_id: str) -> Reply:
        if "unregister" in self.forbidden:
            return problem(503, "Service Unavailable", "Service Unavailable")
        if self.webhooks.pop(webhook_id, None) is None:
            return problem(404, "Not Found Error", "Webhook not found.")
        return data({"deleted": True})

    def _sub(self, body: dict[str, Any], webhook_id: str) -> Reply:
        if "subscribe" in self.forbidden:
            return problem(
                403, "Forbidden", "Your access tier does not include the Account Activity API."
            )
        if webhook_id not in self.webhooks:
            return problem(404, "Not Found Error", "Webhook not found.")
        self.subscriptions.add((webhook_id, ACCOUNT["id"]))
        return data({"subscribed": True})

    def _unsub(self, body: dict[str, Any], webhook_id: str, user_id: str) -> Reply:
        self.subscriptions.discard((webhook_id, user_id))
        return data({"subscribed": False})

    def _dm(self, body: dict[str, Any], participant: str) -> Reply:
        if "dm" in self.forbidden:
            return problem(403, "Forbidden", "You are not permitted to use DM endpoints.")
        attachments = body.get("attachments") or []
        if not str(body.get("text") or "") and not attachments:
            return problem(400, "Invalid Request", "One or more parameters are invalid.")
        if len(attachments) > 1:
            return problem(400, "Invalid Request", "Only 1 attachment is supported.")
        for item in attachments:
            refused = self._usable(str(item.get("media_id") or ""), "dm_")
            if refused:
                return refused
        pair = "-".join(sorted([participant, ACCOUNT["id"]]))
        return data({"dm_conversation_id": pair, "dm_event_id": self.new_id()}, status=201)

    def _tweet(self, body: dict[str, Any]) -> Reply:
        if "tweet" in self.forbidden:
            return Reply(403, json.dumps(NOT_ENROLLED).encode(), JSON)
        for media_id in (body.get("media") or {}).get("media_ids") or []:
            refused = self._usable(str(media_id), "tweet_")
            if refused:
                return refused
        text = str(body.get("text") or "")
        return data({"id": self.new_id(), "text": text, "edit_history_tweet_ids": []}, 201)

    # Media upload

    def _initialize(self, body: dict[str, Any]) -> Reply:
        if "media" in self.forbidden:
            return Reply(403, json.dumps(NOT_ENROLLED).encode(), JSON)
        media_type = str(body.get("media_type") or "")
        category = str(body.get("media_category") or "")
        total = body.get("total_bytes")
        kind = MEDIA_TYPES.get(media_type)
        if kind is None or not isinstance(total, int) or category not in CATEGORIES:
            return problem(400, "Invalid Request", "One or more parameters are invalid.")
        if not category.endswith(kind) or total > MEDIA_LIMITS[kind]:
            return problem(400, "Invalid Request", f"File size exceeds {MEDIA_LIMITS[kind]} bytes.")
        media_id = self.new_id()
        self.uploads[media_id] = Upload(media_type, category, total)
        return data({"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400})

    def _append(self, body: dict[str, Any], media_id: str) -> Reply:
        upload = self.uploads.get(media_id)
        if upload is None or upload.finalized:
            return problem(400, "Invalid Request", "Unknown or finished media upload.")
        chunk = body.get("media")
        if not isinstance(chunk, bytes) or str(body.get("segment_index")) != str(
            len(upload.chunks)
        ):
            return problem(400, "Invalid Request", "Segments must be sent in order from 0.")
        if len(chunk) > MAX_CHUNK:
            return problem(400, "Invalid Request", "A segment may be at most 5 MB.")
        upload.chunks.append(chunk)
        return data({"expires_at": 1795000000})

    def _finalize(self, body: dict[str, Any], media_id: str) -> Reply:
        upload = self.uploads.get(media_id)
        if upload is None:
            return problem(400, "Invalid Request", "Unknown media upload.")
        if len(upload.content) != upload.total_bytes:
            return problem(
                400,
                "Invalid Request",
                f"Received {len(upload.content)} of {upload.total_bytes} bytes.",
            )
        upload.finalized = True
        answer: dict[str, Any] = {
            "id": media_id,
            "media_key": f"3_{media_id}",
            "size": upload.total_bytes,
            "expires_after_secs": 86400,
        }
        if not upload.category.endswith("image"):
            upload.state = "pending"
            answer["processing_info"] = {"state": "pending", "check_after_secs": 1}
        return data(answer)

    def _status(self, query: dict[str, str]) -> Reply:
        upload = self.uploads.get(query.get("media_id", ""))
        if query.get("command") != "STATUS" or upload is None:
            return problem(400, "Invalid Request", "One or more parameters are invalid.")
        info: dict[str, Any]
        if upload.state == "pending":
            upload.state = "in_progress"
            info = {"state": "in_progress", "check_after_secs": 2, "progress_percent": 40}
        elif query["media_id"] in self.processing_fails:
            upload.state = "failed"
            error = {"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
            info = {"state": "failed", "progress_percent": 40, "error": error}
        else:
            upload.state = "succeeded"
            info = {"state": "succeeded", "progress_percent": 100}
        return data({"id": query["media_id"], "processing_info": info})

    def _usable(self, media_id: str, prefix: str) -> Reply | None:
        """Media can be attached once uploaded, finalized, processed, and of that use."""
        upload = self.uploads.get(media_id)
        if upload is None or not upload.finalized or upload.state not in ("", "succeeded"):
            return problem(400, "Invalid Request", f"Media {media_id} is not ready.")
        if not upload.category.startswith(prefix):
            return problem(400, "Invalid Request", f"Media {media_id} has the wrong category.")
        return None


MAX_CHUNK = 5 * 1024 * 1024
MEDIA_TYPES = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "gif",
    "video/mp4": "video",
    "video/quicktime": "video",
}
MEDIA_LIMITS = {"image": 5 * 1024 * 1024, "gif": 15 * 1024 * 1024, "video": 512 * 1024 * 1024}
CATEGORIES = {f"{use}_{kind}" for use in ("dm", "tweet") for kind in ("image", "gif", "video")}


@dataclass
class Upload:
    media_type: str
    category: str
    total_bytes: int
    chunks: list[bytes] = field(default_factory=list)
    finalized: bool = False
    state: str = ""  # "" (needs no processing), pending, in_progress, succeeded, failed

    @property
    def content(self) -> bytes:
        return b"".join(self.chunks)


def _body(request: Recorded) -> Any:
    """JSON, or a multipart form as {name: text, or bytes for a file part}."""
    if not request.body:
        return None
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return json.loads(request.body)
    parsed = message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body, policy=HTTP
    )
    form: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        form[str(name)] = payload if part.get_filename() else payload.decode()
    return form


@contextmanager
def fake_x() -> Iterator[FakeX]:
    fake = FakeX()
    with serve(default=fake.handle) as server:
        fake.server = server
        yield fake
