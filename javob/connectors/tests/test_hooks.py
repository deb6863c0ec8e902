"""`/hooks/api/<inbox id>`: verified, stored raw, processed after commit; nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.api.connector import ApiConnector
from javob.connectors.base import Parsed
from javob.connectors.models import InboundPayload
from javob.connectors.tasks import claim_payload, quarantined_payloads, reprocess
from javob.connectors.tests.support import expected_signature, post_signed, webhook_secret
from javob.conversations.models import Conversation, Message
from javob.core.scheduler import run_once

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _message(external_id: str = "ext-1", text: str = "Salom, buyurtmam qani?") -> dict[str, Any]:
    return {"id": external_id, "sender": {"id": "crm-77", "name": "Dilnoza"}, "text": text}


def test_signed_webhook_is_stored_and_processed_into_a_message(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # when the external system posts a signed message
    with on_commit():
        response = post_signed(client, cast.inbox_a, _message())
    # then it is answered at once, kept raw, marked processed, and became one message
    assert (response.status_code, response.content) == (200, b"ok")
    payload = InboundPayload.objects.get()
    assert (payload.provider_id, payload.error, payload.attempts) == ("ext-1", "", 1)
    assert json.loads(bytes(payload.body)) == _message()
    assert payload.processed_at is not None
    message = Message.objects.select_related("conversation__contact").get()
    assert (message.external_id, message.text, message.inbox_id) == (
        "ext-1",
        "Salom, buyurtmam qani?",
        cast.inbox_a.pk,
    )
    assert message.conversation.contact.name == "Dilnoza"


def test_processing_waits_for_the_commit(cast: Cast, client: Client) -> None:
    # without running commit hooks (the test transaction never commits) the payload is kept
    # but not processed: the task is only queued after the payload is durably stored
    response = post_signed(client, cast.inbox_a, _message())
    assert response.status_code == 200
    assert InboundPayload.objects.filter(processed_at__isnull=True).count() == 1
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Javob-Timestamp": "{now}", "X-Javob-Signature": "sha256=" + "0" * 64},
        {"X-Javob-Timestamp": "{now}"},
        {"X-Javob-Signature": "{good}"},
        {"X-Javob-Timestamp": "{now}", "X-Javob-Signature": "{wrong_secret}"},
        {"X-Javob-Timestamp": "{now}", "X-Javob-Signature": "{other_body}"},
        {"X-Javob-Timestamp": "{arabic_digits}", "X-Javob-Signature": "{good}"},
    ],
    ids=["zeros", "no-signature", "no-timestamp", "wrong-secret", "other-body", "odd-digits"],
)
def test_bad_signature_is_401_and_nothing_is_stored(
    cast: Cast, client: Client, on_commit: Callable[..., Any], headers: dict[str, str]
) -> None:
    body = json.dumps(_message()).encode()
    now = str(int(time.time()))
    secret = webhook_secret(cast.inbox_a)
    values = {
        "now": now,
        "good": expected_signature(secret, now, body),
        "wrong_secret": expected_signature(secret + "x", now, body),
        "other_body": expected_signature(secret, now, body + b" "),
        "arabic_digits": "".join(chr(0x0660 + int(d)) for d in now),
    }
    filled = {name: value.format(**values) for name, value in headers.items()}
    with on_commit():
        response = client.post(
            f"/hooks/api/{cast.inbox_a.pk}",
            data=body,
            content_type="application/json",
            headers=filled,
        )
    assert (response.status_code, response.content) == (401, b"rejected")
    assert InboundPayload.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_401(
    cast: Cast, client: Client, on_commit: Callable[..., Any], skew: int
) -> None:
    # The clock stands still, so a slow machine cannot move the skew back inside the window.
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False), on_commit():
        response = post_signed(
            client, cast.inbox_a, _message(), timestamp=int(now.timestamp()) + skew
        )
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0


def test_timestamp_within_five_minutes_is_accepted(cast: Cast, client: Client) -> None:
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        response = post_signed(
            client, cast.inbox_a, _message(), timestamp=int(now.timestamp()) - 300
        )
    assert response.status_code == 200


def test_another_inboxs_secret_is_refused(cast: Cast, client: Client) -> None:
    # a signature made with workspace B's secret does not open workspace A's inbox
    response = post_signed(client, cast.inbox_a, _message(), secret=webhook_secret(cast.inbox_b))
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0


def test_unknown_inbox_or_kind_is_404(cast: Cast, client: Client) -> None:
    body = json.dumps(_message()).encode()
    for path in [f"/hooks/api/{cast.inbox_b.pk + 100}", f"/hooks/telegram/{cast.inbox_a.pk}"]:
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 404
    assert InboundPayload.objects.count() == 0


def test_same_provider_id_delivered_twice_is_one_payload_and_one_message(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # when the provider retries the same delivery (even with a changed text)
    with on_commit():
        first = post_signed(client, cast.inbox_a, _message("dup-1"))
    with on_commit():
        second = post_signed(client, cast.inbox_a, _message("dup-1", "again"))
    # then both are acknowledged, and it is kept and stored once
    assert (first.status_code, second.status_code) == (200, 200)
    assert InboundPayload.objects.count() == 1
    assert list(Message.objects.values_list("external_id", "text")) == [
        ("dup-1", "Salom, buyurtmam qani?")
    ]
    assert Conversation.objects.count() == 1


def test_same_id_in_two_inboxes_is_two_messages(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with on_commit():
        post_signed(client, cast.inbox_a, _message("same"))
        post_signed(client, cast.inbox_b, _message("same"))
    assert sorted(Message.objects.values_list("workspace_id", flat=True)) == sorted(
        [cast.a.pk, cast.b.pk]
    )


def _quarantine_one(client: Client, cast: Cast, on_commit: Callable[..., Any]) -> InboundPayload:
    # the external system renamed "sender" to "from": valid JSON, signed, but not our shape
    body = {"id": "odd-1", "from": {"id": "crm-9", "name": "Aziz"}, "text": "Hello"}
    with on_commit():
        response = post_signed(client, cast.inbox_a, body)
    assert response.status_code == 200
    return InboundPayload.objects.get()


def test_unparseable_body_is_kept_in_quarantine_with_the_error(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    payload = _quarantine_one(client, cast, on_commit)
    assert payload.processed_at is not None
    assert payload.error.startswith("ValidationError: 1 validation error for InboundBody\nsender")
    assert json.loads(bytes(payload.body))["from"] == {"id": "crm-9", "name": "Aziz"}
    assert quarantined_payloads(cast.inbox_a.pk) == [payload.pk]
    assert quarantined_payloads(cast.inbox_b.pk) == []
    assert Message.objects.count() == 0
    # and the sweep does not pick it up again by itself
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1)):
        assert run_once()["reprocess_pending_payloads"] == 0


def test_reprocess_brings_a_quarantined_payload_back_after_a_fix(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a quarantined payload
    payload = _quarantine_one(client, cast, on_commit)
    # when the connector learns the renamed field (a deployed fix) and it is reprocessed
    original_parse = ApiConnector.parse

    def fixed_parse(self: ApiConnector, body: bytes) -> Sequence[Parsed]:
        data = json.loads(body)
        if "from" in data:
            data["sender"] = data.pop("from")
        return original_parse(self, json.dumps(data).encode())

    monkeypatch.setattr(ApiConnector, "parse", fixed_parse)
    with on_commit():
        assert reprocess([payload.pk]) == 1
    # then the message is stored and the payload is out of quarantine
    payload.refresh_from_db()
    assert (payload.error, payload.attempts) == ("", 2)
    assert payload.processed_at is not None
    assert list(Message.objects.values_list("external_id", "text")) == [("odd-1", "Hello")]
    assert quarantined_payloads() == []
    # and reprocessing again changes nothing
    with on_commit():
        assert reprocess([payload.pk]) == 0
    assert Message.objects.count() == 1


def test_payload_of_a_dead_worker_is_picked_up_by_the_sweep(cast: Cast, client: Client) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        # given a stored payload (its task was lost with the uncommitted test transaction) that
        # a worker claimed and then died holding
        post_signed(client, cast.inbox_a, _message("orphan"), timestamp=int(T0.timestamp()))
        payload = InboundPayload.objects.get()
        assert claim_payload(payload.pk) is not None
        # when the sweep runs while the lease holds, nothing happens
        clock.shift(dt.timedelta(minutes=4))
        assert run_once()["reprocess_pending_payloads"] == 0
        assert Message.objects.count() == 0
        # and once the lease ran out, the sweep processes it
        clock.shift(dt.timedelta(minutes=2))
        assert run_once()["reprocess_pending_payloads"] == 1
    payload.refresh_from_db()
    assert payload.processed_at is not None
    assert payload.attempts == 2
    assert list(Message.objects.values_list("external_id", flat=True)) == ["orphan"]
    # a second claim of a processed payload is refused
    assert claim_payload(payload.pk) is None


def test_status_report_and_message_shapes_are_told_apart(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # a report about an unknown message is stored and processed, and changes nothing
    with on_commit():
        response = post_signed(client, cast.inbox_a, {"message_id": "nope", "status": "delivered"})
    assert response.status_code == 200
    payload = InboundPayload.objects.get()
    assert (payload.provider_id, payload.error) == ("status:nope:delivered", "")
    assert Message.objects.count() == 0
