from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import Cast
from javob.conversations.actions import check_change_status, receive_message
from javob.conversations.models import Conversation, Event, Message, Status
from javob.conversations.tests.factories import inbound

pytestmark = pytest.mark.django_db


def test_first_message_creates_contact_conversation_and_events(cast: Cast) -> None:
    # given a new customer
    # when their first message arrives
    result = receive_message(inbound(cast.inbox_a.pk, "cust-1", external_id="m1"))
    # then one contact, one conversation numbered 1, one message and two events exist
    message = result.message
    assert result.created is True
    assert message.conversation.number == 1
    assert message.conversation.status == Status.OPEN
    assert message.sender_contact is not None
    assert message.sender_contact.name == "Dilnoza"
    assert list(
        Event.objects.filter(conversation=message.conversation).values_list("kind", flat=True)
    ) == ["created", "message_in"]


def test_same_provider_id_twice_stores_one_message(cast: Cast) -> None:
    first = receive_message(inbound(cast.inbox_a.pk, external_id="dup"))
    second = receive_message(inbound(cast.inbox_a.pk, external_id="dup"))
    assert second.created is False
    assert second.message.pk == first.message.pk
    assert Message.objects.count() == 1


def test_next_message_of_same_contact_threads_into_open_conversation(cast: Cast) -> None:
    one = receive_message(inbound(cast.inbox_a.pk, "c")).message
    two = receive_message(inbound(cast.inbox_a.pk, "c", "Yana savol")).message
    assert two.conversation_id == one.conversation_id
    assert Conversation.objects.count() == 1


def test_resolved_within_grace_reopens(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False) as clock:
        first = receive_message(inbound(cast.inbox_a.pk, "c")).message
        check_change_status(cast.alice, first.conversation_id, Status.RESOLVED)
        clock.shift(dt.timedelta(hours=167))
        again = receive_message(inbound(cast.inbox_a.pk, "c")).message
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert again.conversation_id == first.conversation_id
    assert conversation.status == Status.OPEN
    assert Event.objects.filter(conversation=conversation, kind="reopened").count() == 1


def test_resolved_beyond_grace_starts_new_linked_conversation(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False) as clock:
        first = receive_message(inbound(cast.inbox_a.pk, "c")).message
        check_change_status(cast.alice, first.conversation_id, Status.RESOLVED)
        clock.shift(dt.timedelta(hours=169))
        again = receive_message(inbound(cast.inbox_a.pk, "c")).message
    new = again.conversation
    assert new.pk != first.conversation_id
    assert new.follows_id == first.conversation_id
    assert new.number == 2
    assert Conversation.objects.get(pk=first.conversation_id).status == Status.RESOLVED


def test_closed_never_reopens(cast: Cast) -> None:
    first = receive_message(inbound(cast.inbox_a.pk, "c")).message
    check_change_status(cast.alice, first.conversation_id, Status.CLOSED)
    again = receive_message(inbound(cast.inbox_a.pk, "c")).message
    assert again.conversation_id != first.conversation_id
    assert again.conversation.follows_id == first.conversation_id
