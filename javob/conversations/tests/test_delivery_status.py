"""The delivery status of a reply only moves forward, and each move leaves one timeline event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.tests.support import (
    customer_conversation,
    delivery_events,
    hooked_inbox,
    post_signed,
)
from javob.conversations.actions import check_assign, check_send_reply, receive_message
from javob.conversations.delivery import apply_delivery_update, check_retry
from javob.conversations.models import Delivery, Inbox, Message
from javob.conversations.tests.factories import inbound
from javob.core.errors import ActionError, NotFound
from javob.core.tests.httpserver import Reply, ScriptedServer, serve
from javob.core.types import DeliveryUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _sent_reply(
    cast: Cast, on_commit: Callable[..., Any], server: ScriptedServer
) -> tuple[Inbox, Message]:
    inbox = hooked_inbox(cast.a, server.url)
    conversation = customer_conversation(inbox)
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    return inbox, Message.objects.get(pk=reply.pk)


def _report(inbox: Inbox, status: str, external_id: str = "p-1", reason: str = "") -> bool:
    return apply_delivery_update(DeliveryUpdate(inbox.pk, external_id, status, reason=reason))


def _status(message: Message) -> str:
    return Message.objects.values_list("delivery_status", flat=True).get(pk=message.pk)


def test_status_moves_queued_sent_delivered_read(cast: Cast, on_commit: Callable[..., Any]) -> None:
    # given a reply the provider accepted as p-1
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _sent_reply(cast, on_commit, server)
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "p-1")
    # when the provider reports delivered, then read
    with on_commit():
        assert _report(inbox, "delivered") is True
        assert _report(inbox, "read") is True
    # then the message is read, with both times set, and one event per change
    message.refresh_from_db()
    assert message.delivery_status == Delivery.READ
    assert message.delivered_at is not None
    assert message.read_at is not None
    assert delivery_events(message) == [
        {"status": "sent"},
        {"status": "delivered"},
        {"status": "read"},
    ]


@pytest.mark.parametrize(
    ("reached", "late"),
    [
        (["delivered", "read"], "delivered"),
        (["delivered"], "failed"),
        (["delivered", "read"], "failed"),
        (["delivered"], "delivered"),
        (["delivered"], "sent"),
        (["failed"], "sent"),
        ([], "queued"),
        ([], "bogus"),
    ],
)
def test_late_or_backward_report_is_ignored(
    cast: Cast, on_commit: Callable[..., Any], reached: list[str], late: str
) -> None:
    # given a sent reply that has reached some status
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _sent_reply(cast, on_commit, server)
    for status in reached:
        assert _report(inbox, status, reason="gone") is True
    before = delivery_events(message)
    # when an older or unknown status arrives late
    assert _report(inbox, late, reason="late") is False
    # then nothing changed and no event was added
    assert _status(message) == ([Delivery.SENT, *reached][-1])
    assert delivery_events(message) == before


def test_failed_after_sent_applies_with_the_reason(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _sent_reply(cast, on_commit, server)
    assert _report(inbox, "failed", reason="Number not on WhatsApp") is True
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == (
        Delivery.FAILED,
        "Number not on WhatsApp",
    )
    assert delivery_events(message) == [
        {"status": "sent"},
        {"status": "failed", "reason": "Number not on WhatsApp"},
    ]


def test_report_naming_a_customer_message_changes_nothing(cast: Cast) -> None:
    # given a customer message whose provider id is "p-1" in the same inbox
    inbox = hooked_inbox(cast.a, "http://127.0.0.1:9/")
    incoming = receive_message(inbound(inbox.pk, external_id="p-1")).message
    # when a status report names "p-1"
    assert _report(inbox, "delivered") is False
    # then the customer's message has no delivery status
    assert _status(incoming) == ""
    assert delivery_events(incoming) == []


def test_reports_through_the_webhook_move_the_status_one_by_one(
    cast: Cast, on_commit: Callable[..., Any], client: Client
) -> None:
    # given a sent reply
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _sent_reply(cast, on_commit, server)
    # when the external system posts "delivered", "read", then "delivered" again, signed
    for status in ["delivered", "read", "delivered"]:
        with on_commit():
            response = post_signed(client, inbox, {"message_id": "p-1", "status": status})
        assert response.status_code == 200
    # then the message is read, and the repeated report changed nothing
    assert _status(message) == Delivery.READ
    assert [e["status"] for e in delivery_events(message)] == ["sent", "delivered", "read"]


def test_agent_retry_requeues_a_failed_message_and_it_is_sent(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given a reply the endpoint refused for good
    with serve([Reply(400, b"unknown contact")], default=Reply(200, b'{"id": "p-2"}')) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        with on_commit():
            reply = check_send_reply(cast.alice, conversation.pk, "Salom")
        assert _status(reply) == Delivery.FAILED
        # when alice retries it
        with on_commit():
            retried = check_retry(cast.alice, reply.pk)
    # then it went out again, under the same idempotency key, and is sent
    message = Message.objects.get(pk=reply.pk)
    assert retried.pk == reply.pk
    assert (message.delivery_status, message.external_id, message.failure_reason) == (
        Delivery.SENT,
        "p-2",
        "",
    )
    assert message.attempts == 1  # counting restarts with the retry
    assert [r.headers["idempotency-key"] for r in server.requests] == [
        str(message.idempotency_key)
    ] * 2
    assert delivery_events(message) == [
        {"status": "failed", "reason": "HTTP 400: unknown contact"},
        {"status": "queued"},
        {"status": "sent"},
    ]


def test_retry_of_a_message_that_is_not_failed_is_refused(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        _inbox, message = _sent_reply(cast, on_commit, server)
        with pytest.raises(ActionError, match="Only a failed message") as caught:
            check_retry(cast.alice, message.pk)
    assert caught.value.field == "message_id"
    assert len(server.requests) == 1
    assert delivery_events(message) == [{"status": "sent"}]


def test_agents_who_cannot_see_the_conversation_cannot_retry(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given a failed reply in a Support conversation
    with serve(default=Reply(400, b"no")) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        check_assign(cast.alice, conversation.pk, team_id=cast.support.pk)
        with on_commit():
            reply = check_send_reply(cast.alice, conversation.pk, "Salom")
        # when bob (Sales) or charlie (another workspace) retry it
        for outsider in (cast.bob, cast.charlie):
            with pytest.raises(NotFound):
                check_retry(outsider, reply.pk)
    # then nothing was sent again and nothing changed
    assert len(server.requests) == 1
    assert _status(reply) == Delivery.FAILED
    assert [e["status"] for e in delivery_events(reply)] == ["failed"]
