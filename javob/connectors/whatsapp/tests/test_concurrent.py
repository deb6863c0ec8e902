"""Twenty simultaneous deliveries of one WhatsApp body store one payload and one message;
the same message inside different batches, delivered at once, is also stored once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conftest import Cast, make_cast
from javob.connectors.models import InboundPayload
from javob.connectors.whatsapp.tests.support import payload, post_hook, wa_message, whatsapp_inbox
from javob.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


@pytest.fixture
def tcast(transactional_db: None) -> Cast:
    return make_cast()


def _together(calls: list[Callable[[], int]]) -> list[int]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], int]) -> int:
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=120) for future in futures]


def _poster(inbox: Any, body: bytes) -> Callable[[], int]:
    return lambda: int(post_hook(Client(), inbox, body).status_code)


def test_twenty_concurrent_deliveries_of_one_body_store_one_message(tcast: Cast) -> None:
    inbox = whatsapp_inbox(tcast.a)
    answers = _together([_poster(inbox, payload("message__text"))] * THREADS)
    assert answers == [200] * THREADS
    assert InboundPayload.objects.count() == 1
    assert list(Message.objects.values_list("external_id", flat=True)) == ["wamid.xyzxyz"]


def test_one_message_in_twenty_different_batches_at_once_is_stored_once(tcast: Cast) -> None:
    inbox = whatsapp_inbox(tcast.a)
    message = {
        "from": "998901234567",
        "id": "wamid.same",
        "timestamp": "1763900000",
        "type": "text",
        "text": {"body": "Salom"},
    }
    bodies = [json.dumps(wa_message(message, name=f"Dilnoza {n}")).encode() for n in range(THREADS)]
    answers = _together([_poster(inbox, body) for body in bodies])
    assert answers == [200] * THREADS
    assert InboundPayload.objects.count() == THREADS
    assert InboundPayload.objects.exclude(error="").count() == 0
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
