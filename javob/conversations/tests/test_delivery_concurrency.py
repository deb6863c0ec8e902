"""Claiming a message to send is a conditional UPDATE: of many workers at once, one sends."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from conftest import Cast, make_cast, use_task_backends
from javob.connectors.tests.support import customer_conversation, delivery_events, hooked_inbox
from javob.conversations.actions import check_send_reply
from javob.conversations.delivery import claim
from javob.conversations.models import Delivery, Message
from javob.conversations.tasks import deliver_message
from javob.core.tests.httpserver import Reply, serve

pytestmark = pytest.mark.django_db(transaction=True)
WORKERS = 6


@pytest.fixture
def tcast(transactional_db: None, settings: Any) -> Cast:
    # tasks are queued in the database and no worker runs them: the tests run them by hand
    use_task_backends(
        settings, {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    )
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    return make_cast()


def _at_once(message_id: int) -> list[str]:
    barrier = threading.Barrier(WORKERS)

    def work() -> str:
        try:
            barrier.wait(timeout=10)
            return str(deliver_message.call(message_id))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return sorted(pool.map(lambda _n: work(), range(WORKERS)))


def test_workers_racing_for_one_message_send_it_once(tcast: Cast) -> None:
    # given a queued reply
    with serve(default=Reply(200, b'{"id": "p-1"}', delay=0.2)) as server:
        conversation = customer_conversation(hooked_inbox(tcast.a, server.url))
        reply = check_send_reply(tcast.alice, conversation.pk, "Salom")
        # when several workers run its task at the same moment
        outcomes = _at_once(reply.pk)
    # then exactly one sent it; the others found it claimed or already sent
    assert outcomes == ["sent"] + ["skipped"] * (WORKERS - 1)
    assert len(server.requests) == 1
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_status, message.attempts) == (Delivery.SENT, 1)
    assert delivery_events(message) == [{"status": "sent"}]


def test_claim_is_refused_while_the_lease_holds(tcast: Cast) -> None:
    conversation = customer_conversation(hooked_inbox(tcast.a, "http://127.0.0.1:9/"))
    reply = check_send_reply(tcast.alice, conversation.pk, "Salom")
    first = claim(reply.pk)
    assert first is not None
    assert claim(reply.pk) is None
    assert Message.objects.get(pk=reply.pk).attempts == 1
