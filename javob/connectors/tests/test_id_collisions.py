"""Provider ids of customer messages and of agent replies share one inbox: neither may
swallow or block the other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Cast
from javob.connectors.tests.support import customer_conversation, delivery_events, hooked_inbox
from javob.conversations.actions import check_send_reply, receive_message
from javob.conversations.models import Delivery, Direction, Message
from javob.conversations.tests.factories import inbound
from javob.core.tests.httpserver import Reply, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def test_reply_may_carry_the_provider_id_of_a_customer_message(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given a customer message "m-5", and an endpoint that names our reply "m-5" too
    with serve(default=Reply(200, b'{"id": "m-5"}')) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        receive_message(inbound(inbox.pk, "cust-1", external_id="m-5"))
        # when alice replies
        with on_commit():
            reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    # then the reply is sent once and recorded with that id: directions are separate spaces
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "m-5")
    assert delivery_events(message) == [{"status": "sent"}]
    assert len(server.requests) == 1


def test_customer_message_with_the_id_of_a_reply_is_not_lost(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given a reply the external system accepted as "r-1"
    with serve(default=Reply(200, b'{"id": "r-1"}')) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        with on_commit():
            check_send_reply(cast.alice, conversation.pk, "Salom")
    # when the customer's next message arrives under "r-1" in the system's own numbering
    result = receive_message(inbound(inbox.pk, "cust-1", "Rahmat!", external_id="r-1"))
    # then it is stored as a new customer message
    assert result.created is True
    assert result.message.direction == Direction.INCOMING
    assert result.message.text == "Rahmat!"


def test_second_reply_given_a_used_provider_id_is_still_recorded_sent(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given an endpoint that names every reply "r-1"
    with serve(default=Reply(200, b'{"id": "r-1"}')) as server:
        inbox = hooked_inbox(cast.a, server.url)
        conversation = customer_conversation(inbox)
        # when alice replies twice
        with on_commit():
            first = check_send_reply(cast.alice, conversation.pk, "Salom")
        with on_commit():
            second = check_send_reply(cast.alice, conversation.pk, "Yana")
    # then both are sent once; the second keeps no id rather than staying queued forever
    assert Message.objects.get(pk=first.pk).external_id == "r-1"
    message = Message.objects.get(pk=second.pk)
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, None)
    assert delivery_events(message) == [{"status": "sent"}]
    assert len(server.requests) == 2
