"""`/hooks/<kind>/<inbox id>`: the one door for provider webhooks.

Verify the signature on the raw bytes, store the body, answer 2xx at once; a task parses it.

`answer_webhook()` is the door itself. Two ways lead to it: the Django view `hook` (the test
client, and anything the fast path hands on), and `fast_hook` in `javob.asgi`, which serves
webhook POSTs without Django's request machinery and middleware.

Each process keeps the connector of every inbox it has served, with the version of the inbox
it was built from (`InboxVersion`). Storing a payload is one conditional insert that only
happens while the inbox is active and still that version, so deactivating an inbox or
rotating its secret takes effect at once in every process, with no read of the inbox per
webhook. A rejected signature, a failed insert (stale version or repeated delivery) and a GET
handshake read the inbox afresh; the webhook is then verified and stored as before the cache
existed (one read, one insert whose unique constraint drops a repeat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from javob.connectors.actions import store_payload
from javob.connectors.base import Connector, WebhookRejected, WebhookRequest
from javob.connectors.queries import InboxVersion, active_inbox_with_version
from javob.connectors.registry import connector_for, has_connector

logger = logging.getLogger(__name__)
KEPT_HEADERS = ("content-type", "user-agent")
PLAIN = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str = PLAIN


NOT_FOUND = Answer(404, b"no such inbox")


@dataclass(frozen=True, slots=True)
class Door:
    """An inbox's connector as built from one version of the inbox."""

    connector: Connector
    version: InboxVersion


# Per process; a stale entry is noticed by the conditional insert, never trusted for a write.
_doors: dict[int, Door] = {}


def _open_door(kind: str, inbox_id: int) -> Door | None:
    """Read the inbox afresh (None when it is unknown, inactive or of another kind)."""
    _doors.pop(inbox_id, None)
    found = active_inbox_with_version(inbox_id)
    if found is None or found[0].kind != kind or not has_connector(kind):
        return None
    inbox, version = found
    door = Door(connector_for(inbox), version)
    _doors[inbox_id] = door
    return door


def cached_door(kind: str, inbox_id: int) -> Door | None:
    """This process's door for the inbox, if it has one of that kind (it may be stale)."""
    door = _doors.get(inbox_id)
    return door if door is not None and door.version.kind == kind else None


def kept_headers(incoming: WebhookRequest) -> dict[str, str]:
    """The request headers stored with a payload."""
    return {key: incoming.headers[key] for key in KEPT_HEADERS if key in incoming.headers}


def answer_webhook(kind: str, inbox_id: int, incoming: WebhookRequest) -> Answer:
    """Answer one webhook request: a GET handshake, or a POST verified and stored."""
    if incoming.method == "GET":
        door = _open_door(kind, inbox_id)
        if door is None:
            return NOT_FOUND
        answer = door.connector.handshake(incoming)
        if answer is None:
            return Answer(400, b"no")
        return Answer(200, answer.encode(), door.connector.handshake_content_type)
    if incoming.method != "POST":
        return NOT_FOUND if _open_door(kind, inbox_id) is None else Answer(405, b"")
    cached = cached_door(kind, inbox_id)
    if cached is not None:
        answer_or_none = _receive(cached, incoming, cached=True)
        if answer_or_none is not None:
            return answer_or_none
    door = _open_door(kind, inbox_id)
    if door is None:
        return NOT_FOUND
    return _receive(door, incoming, cached=False) or NOT_FOUND


def _receive(door: Door, incoming: WebhookRequest, *, cached: bool) -> Answer | None:
    """Verify and store against `door`; None when a `cached` door may be stale (the caller
    then reads the inbox again and calls once more with `cached=False`)."""
    connector = door.connector
    try:
        connector.verify(incoming)
    except WebhookRejected as exc:
        if cached:
            return None  # perhaps the secret was rotated since this door was built
        logger.warning("Webhook for inbox %s rejected: %s", door.version.inbox_id, exc)
        return Answer(401, b"rejected")
    payload = (
        connector.inbox,
        connector.payload_id(incoming),
        incoming.body,
        kept_headers(incoming),
    )
    if not cached:
        # Just read: stored as the view always did (a repeated delivery stores nothing).
        store_payload(*payload)
    elif store_payload(*payload, version=door.version) is None:
        # Not stored: the inbox changed since this door was built, or a repeated delivery.
        return None
    return Answer(200, connector.ack_body, connector.ack_content_type)


def _as_request(request: HttpRequest) -> WebhookRequest:
    return WebhookRequest(
        method=request.method or "GET",
        url=request.build_absolute_uri(),
        headers={key.lower(): value for key, value in request.headers.items()},
        query={key: request.GET.get(key, "") for key in request.GET},
        body=request.body,
    )


@csrf_exempt
def hook(request: HttpRequest, kind: str, inbox_id: int) -> HttpResponse:
    answer = answer_webhook(kind, inbox_id, _as_request(request))
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
