"""Twenty concurrent deliveries of one body store one payload and one message; twenty
different bodies carrying the same direct message store it once too."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conftest import make_cast
from javob.connectors.models import InboundPayload
from javob.connectors.x.tests.conftest import add_x_inbox, payload, signed
from javob.connectors.x.tests.fake_x import fake_x
from javob.conversations.models import Inbox, Message

REQUESTS = 20


@pytest.fixture
def inbox(transactional_db: None, settings: Any) -> Iterator[Inbox]:
    cast = make_cast()
    with fake_x() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
        settings.JAVOB_PUBLIC_URL = "https://javob.example.com"
        yield add_x_inbox(cast, fake)


def post_all(inbox: Inbox, bodies: list[bytes]) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def post(body: bytes) -> int:
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                f"/hooks/x/{inbox.pk}",
                data=body,
                content_type="application/json",
                headers=signed(body),
            )
            return int(response.status_code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        futures = [pool.submit(post, body) for body in bodies]
        return [future.result(timeout=60) for future in futures]


def test_twenty_concurrent_deliveries_store_one_message(inbox: Inbox) -> None:
    assert post_all(inbox, [payload("dm_text")] * REQUESTS) == [200] * REQUESTS
    assert InboundPayload.objects.count() == 1
    assert Message.objects.count() == 1


def test_twenty_bodies_with_the_same_message_store_it_once(inbox: Inbox) -> None:
    event = json.loads(payload("dm_text"))
    bodies = [json.dumps({**event, "n": n}).encode() for n in range(REQUESTS)]
    assert post_all(inbox, bodies) == [200] * REQUESTS
    assert InboundPayload.objects.count() == REQUESTS
    assert Message.objects.count() == 1
    assert set(InboundPayload.objects.values_list("error", flat=True)) == {""}
