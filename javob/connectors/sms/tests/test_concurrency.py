"""Twenty concurrent deliveries of one Twilio SMS store one payload and one message."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from conftest import make_cast
from javob.connectors.actions import webhook_url
from javob.connectors.models import InboundPayload
from javob.connectors.sms.tests.conftest import PUBLIC_URL, add_twilio_inbox
from javob.connectors.sms.tests.fakes import AUTH_TOKEN, fake_twilio, payload
from javob.connectors.sms.twilio import signature
from javob.connectors.tasks import process_payload
from javob.conversations.models import Inbox, Message

REQUESTS = 20


@pytest.fixture
def inbox(transactional_db: None, settings: Any) -> Iterator[Inbox]:
    with fake_twilio() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
        settings.JAVOB_PUBLIC_URL = PUBLIC_URL
        yield add_twilio_inbox(make_cast(), fake)


def test_twenty_concurrent_deliveries_store_one_message(inbox: Inbox) -> None:
    params = payload("twilio/inbound_sms")
    header = signature(AUTH_TOKEN, webhook_url(inbox), params.items())
    barrier = threading.Barrier(REQUESTS)

    def post() -> int:
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                f"/hooks/sms/{inbox.pk}",
                data=urlencode(params),
                content_type="application/x-www-form-urlencoded",
                headers={"X-Twilio-Signature": header},
            )
            return int(response.status_code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        statuses = [f.result(timeout=60) for f in [pool.submit(post) for _ in range(REQUESTS)]]
    assert statuses == [200] * REQUESTS
    [stored] = InboundPayload.objects.values_list("pk", flat=True)
    # whatever the task engine did meanwhile, processing it (again) leaves one message
    process_payload.call(stored)
    assert Message.objects.count() == 1
    assert Message.objects.get().external_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
