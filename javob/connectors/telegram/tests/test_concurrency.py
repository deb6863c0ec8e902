"""Twenty concurrent deliveries of one update store one payload and one message; an ignored
group payload can be reprocessed once the inbox takes groups as conversations."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conftest import Cast, make_cast
from javob.connectors.models import InboundPayload
from javob.connectors.tasks import ignored_payloads, process_payload, reprocess
from javob.connectors.telegram.tests.conftest import add_telegram_inbox, payload, secret_of
from javob.connectors.telegram.tests.fake_telegram import FakeTelegram, fake_telegram
from javob.conversations.models import Inbox, Message

REQUESTS = 20


@pytest.fixture
def tg(transactional_db: None, settings: Any) -> Iterator[tuple[Inbox, FakeTelegram]]:
    cast = make_cast()
    with fake_telegram() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
        settings.JAVOB_PUBLIC_URL = "https://javob.example.com"
        yield add_telegram_inbox(cast, fake), fake


def test_twenty_concurrent_deliveries_store_one_message(tg: tuple[Inbox, FakeTelegram]) -> None:
    inbox, _fake = tg
    body = json.dumps(payload("private_text")).encode()
    secret = secret_of(inbox)
    barrier = threading.Barrier(REQUESTS)

    def post() -> int:
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                f"/hooks/telegram/{inbox.pk}",
                data=body,
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            )
            return int(response.status_code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        statuses = [
            future.result(timeout=60) for future in [pool.submit(post) for _ in range(REQUESTS)]
        ]
    assert statuses == [200] * REQUESTS
    assert InboundPayload.objects.count() == 1
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_an_ignored_group_payload_is_reprocessed_into_a_message(
    cast: Cast, telegram: FakeTelegram, deliver: Any
) -> None:
    # given a supergroup message kept for listening
    inbox = add_telegram_inbox(cast, telegram)
    deliver(inbox, payload("supergroup_text"))
    [kept] = ignored_payloads(inbox.pk, reason="supergroup chat")
    assert Message.objects.count() == 0
    # when the inbox starts taking groups as conversations and the payload is reprocessed
    Inbox.objects.filter(pk=inbox.pk).update(
        settings={**inbox.settings, "groups_as_conversations": "true"}
    )
    assert reprocess([kept]) == 1
    assert process_payload.call(kept) == "processed"
    # then it became a message and is no longer ignored
    assert Message.objects.get().external_id == "-1001234567890:55"
    assert ignored_payloads(inbox.pk) == []
