"""`/hooks/whatsapp/<inbox id>`: the handshake, the signature, deduplication and batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.graphserver import meta_signature
from javob.connectors.models import InboundPayload
from javob.connectors.whatsapp.tests.support import (
    payload,
    post_hook,
    wa_message,
    wa_value,
    whatsapp_inbox,
)
from javob.contacts.models import ContactIdentity
from javob.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_handshake_echoes_the_challenge_for_the_right_token(cast: Cast, client: Client) -> None:
    inbox = whatsapp_inbox(cast.a)
    response = client.get(
        f"/hooks/whatsapp/{inbox.pk}",
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me-42",
            "hub.challenge": "1158201444",
        },
    )
    assert (response.status_code, response.content) == (200, b"1158201444")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me-42", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me-42", "hub.challenge": "<b>x</b>"},
    ],
    ids=["wrong-token", "no-token", "wrong-mode", "markup-challenge"],
)
def test_handshake_is_refused_otherwise(cast: Cast, client: Client, query: dict[str, str]) -> None:
    inbox = whatsapp_inbox(cast.a)
    response = client.get(f"/hooks/whatsapp/{inbox.pk}", query)
    assert (response.status_code, response.content) == (400, b"no")


def test_a_verify_token_is_generated_when_none_is_chosen(cast: Cast) -> None:
    from javob.connectors.actions import do_add_inbox

    inbox = do_add_inbox(
        cast.a,
        "whatsapp",
        "WA",
        {"phone_number_id": "1", "access_token": "t", "app_secret": "s"},
        [],
    )
    assert len(inbox.settings["verify_token"]) == 32
    assert inbox.secrets == {"access_token": "t", "app_secret": "s"}
    assert "access_token" not in inbox.settings


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "",
        meta_signature("another-secret", payload("message__text")),
        meta_signature("meta-app-secret-1", b"{}"),
        "sha1=" + "0" * 40,
        meta_signature("meta-app-secret-1", payload("message__text")).upper(),
    ],
    ids=["zeros", "missing", "wrong-secret", "other-body", "sha1", "upper-case"],
)
def test_bad_signature_is_401_and_nothing_is_stored(
    cast: Cast, client: Client, on_commit: Callable[..., Any], signature: str
) -> None:
    inbox = whatsapp_inbox(cast.a)
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    with on_commit():
        response = client.post(
            f"/hooks/whatsapp/{inbox.pk}",
            data=payload("message__text"),
            content_type="application/json",
            headers=headers,
        )
    assert (response.status_code, response.content) == (401, b"rejected")
    assert (InboundPayload.objects.count(), Message.objects.count()) == (0, 0)


def test_signature_is_checked_on_the_raw_bytes(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # given the same JSON with different spacing, signed as sent
    inbox = whatsapp_inbox(cast.a)
    raw = json.dumps(json.loads(payload("message__text")), separators=(",", ":")).encode()
    with on_commit():
        response = post_hook(client, inbox, raw)
    assert response.status_code == 200
    assert Message.objects.get().text == "Body Text"


def test_the_same_delivery_ten_times_stores_one_message(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    with on_commit():
        answers = [
            post_hook(client, inbox, payload("message__text")).status_code for _ in range(10)
        ]
    assert answers == [200] * 10
    assert InboundPayload.objects.count() == 1
    assert list(Message.objects.values_list("external_id", "text")) == [
        ("wamid.xyzxyz", "Body Text")
    ]


def test_one_message_in_two_different_bodies_is_stored_once(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # Meta may redeliver a message inside another batch: the wamid is the guard
    inbox = whatsapp_inbox(cast.a)
    message = {
        "from": "998901234567",
        "id": "wamid.once",
        "timestamp": "1763900000",
        "type": "text",
        "text": {"body": "Salom"},
    }
    with on_commit():
        post_hook(client, inbox, wa_message(message))
        post_hook(client, inbox, wa_message(message, name="Dilnoza R."))
    assert InboundPayload.objects.count() == 2
    assert Message.objects.count() == 1


def test_a_batch_of_entries_and_changes_stores_every_message_and_status(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    with on_commit():
        response = post_hook(client, inbox, payload("batch__mixed"))
    assert response.status_code == 200
    rows = list(
        Message.objects.order_by("pk").values_list(
            "external_id", "text", "conversation__contact__name"
        )
    )
    assert rows == [
        ("wamid.b1", "Salom!", "Dilnoza"),
        ("wamid.b2", "Здравствуйте", "Рустам"),
        ("wamid.b3", "Buyurtmam qani?", "Dilnoza"),
        ("wamid.b4", "Chek", "Dilnoza"),
    ]
    assert Conversation.objects.count() == 2
    identities = sorted(ContactIdentity.objects.values_list("kind", "value"))
    assert identities == [
        ("phone", "+79161234567"),
        ("phone", "+998901234567"),
        ("whatsapp", "+79161234567"),
        ("whatsapp", "+998901234567"),
    ]
    assert InboundPayload.objects.get().error == ""


@pytest.mark.parametrize(
    "body",
    [
        {"object": "page", "entry": []},
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}
                    ],
                }
            ],
        },
        {"object": "whatsapp_business_account", "entry": "not a list"},
        wa_value({"statuses": [{"id": "wamid.x", "status": "deleted", "timestamp": "1"}]}),
    ],
    ids=["other-object", "other-field", "odd-shape", "unknown-status"],
)
def test_bodies_we_do_not_handle_are_acknowledged_and_ignored(
    cast: Cast, client: Client, on_commit: Callable[..., Any], body: dict[str, Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    with on_commit():
        response = post_hook(client, inbox, body)
    assert response.status_code == 200
    payload_row = InboundPayload.objects.get()
    assert (payload_row.error, payload_row.processed_at is not None) == ("", True)
    assert Message.objects.count() == 0


def test_not_json_is_acknowledged_and_quarantined(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    with on_commit():
        response = post_hook(client, inbox, b"not json")
    assert response.status_code == 200
    assert InboundPayload.objects.get().error.startswith("JSONDecodeError")


def test_changes_for_another_phone_number_are_skipped(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    other = wa_value(
        {
            "messages": [
                {
                    "from": "998901234567",
                    "id": "wamid.o",
                    "timestamp": "1",
                    "type": "text",
                    "text": {"body": "x"},
                }
            ]
        },
        phone_number_id="999999",
    )
    with on_commit():
        assert post_hook(client, inbox, other).status_code == 200
    assert Message.objects.count() == 0


def test_another_workspace_inbox_id_does_not_accept_the_kind(cast: Cast, client: Client) -> None:
    # the API inbox of workspace B is not a WhatsApp door
    response = client.post(
        f"/hooks/whatsapp/{cast.inbox_b.pk}", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404
