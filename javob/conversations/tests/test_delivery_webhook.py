"""Agent replies of the API channel reach the customer's endpoint as signed webhooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.connectors.tests.support import (
    customer_conversation,
    delivery_events,
    expected_signature,
    hooked_inbox,
    signature_holds,
    webhook_secret,
)
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Delivery, Message
from javob.core.scheduler import run_once
from javob.core.tests.httpserver import Reply, serve

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def test_reply_is_posted_as_signed_json_with_its_idempotency_key(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given an API inbox whose webhook is a local server, and a customer conversation
    with serve(default=Reply(200, b'{"id": "remote-7"}')) as server:
        inbox = hooked_inbox(cast.a, server.url + "javob/hook")
        conversation = customer_conversation(inbox, "cust-42")
        # when alice replies (at a known moment)
        with time_machine.travel(T0, tick=False), on_commit():
            reply = check_send_reply(cast.alice, conversation.pk, "Buyurtmangiz yo'lda.")
    # then exactly one POST arrived, with the documented body and headers
    message = Message.objects.get(pk=reply.pk)
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/javob/hook")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == str(message.idempotency_key)
    assert request.headers["x-javob-timestamp"] == str(int(T0.timestamp()))
    assert request.json() == {
        "event": "message.created",
        "message": {
            "id": message.pk,
            "idempotency_key": str(message.idempotency_key),
            "text": "Buyurtmangiz yo'lda.",
            "html": "",
            "created_at": T0.isoformat(),
            "sender": {"type": "agent", "name": "alice@example.com"},
        },
        "conversation": {"id": conversation.pk, "number": conversation.number},
        "contact": {"id": conversation.contact_id, "external_id": "cust-42"},
    }
    # and the message is sent under the provider's id
    assert (message.delivery_status, message.external_id, message.attempts) == (
        Delivery.SENT,
        "remote-7",
        1,
    )
    assert delivery_events(message) == [{"status": "sent"}]


def test_signature_verifies_with_the_inbox_secret_and_fails_when_tampered(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b"{}")) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        with on_commit():
            check_send_reply(cast.alice, conversation.pk, "Salom")
    [request] = server.requests
    secret = webhook_secret(inbox)
    headers = request.headers
    # the header is exactly sha256=<hex HMAC-SHA256(secret, "{timestamp}." + body)>
    assert headers["x-javob-signature"] == expected_signature(
        secret, headers["x-javob-timestamp"], request.body
    )
    assert signature_holds(secret, headers, request.body) is True
    # a changed body, timestamp or secret does not verify
    tampered = request.body.replace(b"Salom", b"Salam")
    assert tampered != request.body
    assert signature_holds(secret, headers, tampered) is False
    later = {**headers, "x-javob-timestamp": str(int(headers["x-javob-timestamp"]) + 1)}
    assert signature_holds(secret, later, request.body) is False
    assert signature_holds(secret + "x", headers, request.body) is False


def test_retries_of_one_message_carry_the_same_idempotency_key(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given an endpoint that fails once, then accepts
    with serve([Reply(503, b"busy")], default=Reply(200, b"{}")) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        with time_machine.travel(T0, tick=False) as clock:
            with on_commit():
                reply = check_send_reply(cast.alice, conversation.pk, "Salom")
            # when the retry is due and the scheduler sweeps
            clock.shift(dt.timedelta(minutes=2))
            run_once()
    # then both requests named the same message by the same key, each signed afresh
    message = Message.objects.get(pk=reply.pk)
    keys = [request.headers["idempotency-key"] for request in server.requests]
    assert keys == [str(message.idempotency_key)] * 2
    secret = webhook_secret(inbox)
    assert all(signature_holds(secret, r.headers, r.body) for r in server.requests)
    assert server.requests[0].json() == server.requests[1].json()
    assert [r.headers["x-javob-timestamp"] for r in server.requests] == [
        str(int(T0.timestamp())),
        str(int(T0.timestamp()) + 120),
    ]
    assert (message.delivery_status, message.attempts) == (Delivery.SENT, 2)


def test_replies_of_two_messages_have_different_keys(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b"{}")) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        with on_commit():
            first = check_send_reply(cast.alice, conversation.pk, "Bir")
        with on_commit():
            second = check_send_reply(cast.alice, conversation.pk, "Ikki")
    assert [r.headers["idempotency-key"] for r in server.requests] == [
        str(first.idempotency_key),
        str(second.idempotency_key),
    ]
    assert first.idempotency_key != second.idempotency_key
