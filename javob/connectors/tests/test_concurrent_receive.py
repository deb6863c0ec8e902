"""Receiving is idempotent under concurrency: threads released together by a barrier, each
with its own database connection, as two web processes or workers would be."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from conftest import Cast, make_cast
from javob.contacts.models import Contact, ContactIdentity
from javob.conversations.actions import Received, receive_message
from javob.conversations.models import Conversation, Event, Message
from javob.conversations.tests.factories import inbound

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


@pytest.fixture
def tcast(transactional_db: None) -> Cast:
    return make_cast()


def _together[T](calls: list[Callable[[], T]]) -> list[T]:
    """Run `calls` in threads that start at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=60) for future in futures]


def _receiver(inbox_id: int, sender: str, external_id: str) -> Callable[[], Received]:
    item = inbound(inbox_id, sender, external_id=external_id)
    return lambda: receive_message(item)


def test_same_provider_id_at_the_same_moment_stores_one_message(tcast: Cast) -> None:
    # given one new customer message delivered by N processes at once
    item = inbound(tcast.inbox_a.pk, "new-customer", external_id="same-1")
    calls: list[Callable[[], Received]] = [lambda: receive_message(item)] * THREADS
    # when they all store it
    results = _together(calls)
    # then one message, one conversation and one contact exist; exactly one call created it
    assert sum(result.created for result in results) == 1
    assert {result.message.pk for result in results} == {Message.objects.get().pk}
    assert Conversation.objects.count() == 1
    assert Contact.objects.filter(workspace=tcast.a).count() == 1
    assert ContactIdentity.objects.filter(workspace=tcast.a).count() == 1
    assert sorted(Event.objects.values_list("kind", flat=True)) == ["created", "message_in"]


def test_different_messages_of_one_new_contact_at_once_share_one_conversation(
    tcast: Cast,
) -> None:
    # given N different first messages of one new customer, arriving at once
    calls = [_receiver(tcast.inbox_a.pk, "burst", f"b-{n}") for n in range(THREADS)]
    # when they are stored concurrently
    results = _together(calls)
    # then all N are stored, for one contact, in one conversation numbered 1
    assert all(result.created for result in results)
    assert Message.objects.count() == THREADS
    assert Contact.objects.filter(workspace=tcast.a).count() == 1
    conversation = Conversation.objects.get()
    assert conversation.number == 1
    assert set(Message.objects.values_list("conversation_id", flat=True)) == {conversation.pk}
    assert Event.objects.filter(kind="created").count() == 1
    assert Event.objects.filter(kind="message_in").count() == THREADS


def test_new_contacts_at_once_get_distinct_conversation_numbers(tcast: Cast) -> None:
    calls = [_receiver(tcast.inbox_a.pk, f"person-{n}", f"p-{n}") for n in range(THREADS)]
    _together(calls)
    numbers = sorted(Conversation.objects.values_list("number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
    assert Contact.objects.filter(workspace=tcast.a).count() == THREADS
