"""The webhook door in front of Django (`javob.connectors.asgi`) and the per-process inbox
cache: the same answers as the Django view, the same limits, and a switched-off inbox or a
rotated secret takes effect at once.

The ASGI application is called in-process as uvicorn calls it; the door runs the webhook on a
worker thread with its own database connection, hence transactional tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.asgi import get_asgi_application
from django.test import Client

from conftest import Cast, make_cast
from javob.asgi import application
from javob.connectors.actions import do_deactivate_inbox, store_payload
from javob.connectors.api.connector import ApiConnector
from javob.connectors.asgi import WebhookDoor
from javob.connectors.models import InboundPayload
from javob.connectors.queries import active_inbox_with_version
from javob.connectors.tests.support import expected_signature, post_signed, webhook_secret
from javob.conversations.models import Inbox, Message
from javob.conversations.settings_actions import check_rotate_webhook_secret, check_set_inbox_active

Sent = list[dict[str, Any]]


def _signed(
    inbox: Inbox, external_id: str, secret: str | None = None
) -> tuple[dict[str, str], bytes]:
    body = json.dumps({"id": external_id, "sender": {"id": "crm-7"}, "text": "Salom"}).encode()
    stamp = str(int(time.time()))
    signature = expected_signature(secret or webhook_secret(inbox), stamp, body)
    headers = {"content-type": "application/json", "x-javob-timestamp": stamp}
    return {**headers, "x-javob-signature": signature}, body


def _scope(path: str, headers: dict[str, str], host: str = "127.0.0.1") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", host.encode())]
        + [(name.encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(
    scope: dict[str, Any], chunks: list[bytes], app: Any = application
) -> tuple[int, dict[bytes, bytes], bytes]:
    pending = list(chunks)
    sent: Sent = []

    async def receive() -> dict[str, Any]:
        if not pending:  # the client waits for its answer (Django listens for a disconnect)
            await asyncio.Event().wait()
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    headers = {name.lower(): value for name, value in start["headers"]}
    return start["status"], headers, body


def post(
    inbox: Inbox,
    request: tuple[dict[str, str], bytes],
    *,
    host: str = "127.0.0.1",
    chunks: int = 1,
    length: bool = True,
) -> tuple[int, dict[bytes, bytes], bytes]:
    headers, body = request
    if length:
        headers = {**headers, "content-length": str(len(body))}
    size = -(-len(body) // chunks)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    scope = _scope(f"/hooks/{inbox.kind}/{inbox.pk}", headers, host)
    return asyncio.run(_call(scope, parts))


@pytest.fixture
def tcast(transactional_db: None, settings: Any) -> Cast:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    return make_cast()


@pytest.mark.django_db(transaction=True)
def test_signed_webhook_is_acknowledged_stored_and_processed(tcast: Cast) -> None:
    # when an external system posts a signed message through the ASGI door
    status, headers, body = post(tcast.inbox_a, _signed(tcast.inbox_a, "door-1"))
    # then the connector's acknowledgement is answered, the body is kept raw under its id and
    # (the task engine of the tests runs at once) it became one message
    assert (status, body) == (200, b"ok")
    assert headers[b"content-type"] == b"text/plain; charset=utf-8"
    assert headers[b"content-length"] == b"2"
    payload = InboundPayload.objects.get()
    assert (payload.inbox_id, payload.workspace_id, payload.provider_id, payload.error) == (
        tcast.inbox_a.pk,
        tcast.a.pk,
        "door-1",
        "",
    )
    assert payload.headers == {"content-type": "application/json"}
    assert json.loads(bytes(payload.body))["id"] == "door-1"
    assert payload.processed_at is not None
    assert list(Message.objects.values_list("external_id", "inbox_id")) == [
        ("door-1", tcast.inbox_a.pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_acknowledgement_comes_from_the_connector_class(
    tcast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a connector that answers with TwiML (as the SMS connector does)
    monkeypatch.setattr(ApiConnector, "ack_body", b"<Response/>")
    monkeypatch.setattr(ApiConnector, "ack_content_type", "text/xml")
    status, headers, body = post(tcast.inbox_a, _signed(tcast.inbox_a, "twiml-1"))
    assert (status, headers[b"content-type"], body) == (200, b"text/xml", b"<Response/>")


@pytest.mark.django_db(transaction=True)
def test_a_body_sent_in_chunks_is_verified_whole(tcast: Cast) -> None:
    status, _headers, _body = post(
        tcast.inbox_a, _signed(tcast.inbox_a, "chunked-1"), chunks=4, length=False
    )
    assert status == 200
    assert list(InboundPayload.objects.values_list("provider_id", flat=True)) == ["chunked-1"]


@pytest.mark.django_db(transaction=True)
def test_wrong_signature_is_401_and_nothing_is_stored(tcast: Cast) -> None:
    request = _signed(tcast.inbox_a, "bad-1", secret=webhook_secret(tcast.inbox_b))
    status, _headers, body = post(tcast.inbox_a, request)
    assert (status, body) == (401, b"rejected")
    assert InboundPayload.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_unknown_inbox_or_wrong_kind_is_404(tcast: Cast) -> None:
    request = _signed(tcast.inbox_a, "lost-1")
    missing = Inbox(pk=tcast.inbox_b.pk + 100, kind="api")
    wrong_kind = Inbox(pk=tcast.inbox_a.pk, kind="telegram")
    assert post(missing, request)[::2] == (404, b"no such inbox")
    assert post(wrong_kind, request)[::2] == (404, b"no such inbox")
    assert InboundPayload.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_body_over_the_upload_limit_is_400_and_not_stored(tcast: Cast, settings: Any) -> None:
    # given Django's request size limit below the size of the webhook
    request = _signed(tcast.inbox_a, "big-1")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(request[1]) - 1
    # when it is declared (Content-Length) or only seen while reading (chunked)
    declared = post(tcast.inbox_a, request)
    streamed = post(tcast.inbox_a, request, chunks=3, length=False)
    # then both are refused as Django refuses them, and nothing is kept
    assert declared[::2] == (400, b"request body too large")
    assert streamed[::2] == (400, b"request body too large")
    assert InboundPayload.objects.count() == 0
    # while a body of exactly the limit passes
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(request[1])
    assert post(tcast.inbox_a, request)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_a_host_not_allowed_is_refused_by_django(tcast: Cast) -> None:
    status, _headers, _body = post(
        tcast.inbox_a, _signed(tcast.inbox_a, "host-1"), host="evil.example"
    )
    assert status == 400
    assert InboundPayload.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_plain_http_is_redirected_when_django_would(tcast: Cast, settings: Any) -> None:
    # given HTTPS required (Django's middleware reads the setting when it is built)
    settings.SECURE_SSL_REDIRECT = True
    app = WebhookDoor(get_asgi_application())
    headers, body = _signed(tcast.inbox_a, "tls-1")
    scope = _scope(f"/hooks/api/{tcast.inbox_a.pk}", {**headers, "content-length": str(len(body))})
    # when a webhook arrives over plain HTTP, it is redirected as any other request
    status, answer_headers, _body = asyncio.run(_call(scope, [body], app))
    assert (status, answer_headers[b"location"]) == (
        301,
        f"https://127.0.0.1/hooks/api/{tcast.inbox_a.pk}".encode(),
    )
    assert InboundPayload.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_of_one_id_store_one_payload_and_one_message(
    tcast: Cast,
) -> None:
    request = _signed(tcast.inbox_a, "same-1")
    headers = {**request[0], "content-length": str(len(request[1]))}
    scope = _scope(f"/hooks/api/{tcast.inbox_a.pk}", headers)

    async def together() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        return await asyncio.gather(*(_call(dict(scope), [request[1]]) for _ in range(20)))

    answers = asyncio.run(together())
    assert [answer[0] for answer in answers] == [200] * 20
    assert InboundPayload.objects.count() == 1
    assert list(Message.objects.values_list("external_id", flat=True)) == ["same-1"]


@pytest.mark.django_db(transaction=True)
def test_switching_an_inbox_off_closes_the_door_at_once(tcast: Cast) -> None:
    # given an inbox this process has served (its connector is cached)
    assert post(tcast.inbox_a, _signed(tcast.inbox_a, "on-1"))[0] == 200
    # when an admin switches it off
    check_set_inbox_active(tcast.alice, tcast.inbox_a.pk, active=False)
    # then the next webhook finds no inbox, and nothing more is stored
    assert post(tcast.inbox_a, _signed(tcast.inbox_a, "off-1"))[::2] == (404, b"no such inbox")
    assert list(InboundPayload.objects.values_list("provider_id", flat=True)) == ["on-1"]
    # and switched on again, it answers again
    check_set_inbox_active(tcast.alice, tcast.inbox_a.pk, active=True)
    assert post(tcast.inbox_a, _signed(tcast.inbox_a, "on-2"))[0] == 200


@pytest.mark.django_db(transaction=True)
def test_a_rotated_secret_takes_effect_at_once(tcast: Cast) -> None:
    # given an inbox this process has served with its first secret
    old = webhook_secret(tcast.inbox_a)
    assert post(tcast.inbox_a, _signed(tcast.inbox_a, "old-1", secret=old))[0] == 200
    # when the admin rotates the secret
    new = check_rotate_webhook_secret(tcast.alice, tcast.inbox_a.pk)
    # then the old secret is refused and nothing is stored; the new one is accepted
    assert post(tcast.inbox_a, _signed(tcast.inbox_a, "old-2", secret=old))[0] == 401
    assert post(tcast.inbox_a, _signed(tcast.inbox_a, "new-1", secret=new))[0] == 200
    assert list(InboundPayload.objects.order_by("pk").values_list("provider_id", flat=True)) == [
        "old-1",
        "new-1",
    ]


@pytest.mark.django_db
def test_the_django_view_shares_the_cache_and_its_invalidation(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # given an inbox served once through the Django view
    with on_commit():
        assert (
            post_signed(client, cast.inbox_a, {"id": "v-1", "sender": {"id": "s"}}).status_code
            == 200
        )
    # when it is deactivated through the connectors' action
    do_deactivate_inbox(cast.inbox_a)
    # then the view answers 404 and stores nothing more
    response = post_signed(client, cast.inbox_a, {"id": "v-2", "sender": {"id": "s"}})
    assert (response.status_code, response.content) == (404, b"no such inbox")
    assert list(InboundPayload.objects.values_list("provider_id", flat=True)) == ["v-1"]


@pytest.mark.django_db
def test_a_payload_is_stored_only_against_the_current_version_of_its_inbox(cast: Cast) -> None:
    # given the version of an inbox as a process cached it
    found = active_inbox_with_version(cast.inbox_a.pk)
    assert found is not None
    inbox, cached = found
    # when its secret is rotated, then its settings change
    check_rotate_webhook_secret(cast.alice, cast.inbox_a.pk)
    rotated = active_inbox_with_version(cast.inbox_a.pk)
    assert rotated is not None
    Inbox.objects.filter(pk=inbox.pk).update(settings={"webhook_url": "https://h.example/new"})
    # then neither old version stores anything
    assert store_payload(inbox, "p-1", b"{}", {}, version=cached) is None
    assert store_payload(inbox, "p-1", b"{}", {}, version=rotated[1]) is None
    assert InboundPayload.objects.count() == 0
    # while the current version stores it once, and a repeat of it not again
    current = active_inbox_with_version(cast.inbox_a.pk)
    assert current is not None
    stored = store_payload(
        inbox, "p-1", b"{}", {"content-type": "application/json"}, version=current[1]
    )
    assert stored == InboundPayload.objects.get(provider_id="p-1", inbox=inbox).pk
    assert store_payload(inbox, "p-1", b"{}", {}, version=current[1]) is None
    assert InboundPayload.objects.count() == 1
    # and a switched-off inbox has no current version
    do_deactivate_inbox(inbox)
    assert active_inbox_with_version(cast.inbox_a.pk) is None
    assert store_payload(inbox, "p-2", b"{}", {}, version=current[1]) is None
    assert InboundPayload.objects.count() == 1
