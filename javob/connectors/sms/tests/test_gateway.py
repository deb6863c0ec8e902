"""The HTTP gateway connector with the Eskiz and Play Mobile presets: login tokens refreshed on
401, the documented request shapes, errors, the shared secret on callbacks, delivery reports
and incoming SMS mapped by field name."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.actions import webhook_url
from javob.connectors.health import inbox_health
from javob.connectors.models import InboundPayload
from javob.connectors.sms.tests.conftest import (
    add_eskiz_inbox,
    add_playmobile_inbox,
    inbound_secret,
)
from javob.connectors.sms.tests.fakes import (
    ESKIZ_PASSWORD,
    PM_PASSWORD,
    FakeGateway,
    payload,
    payload_text,
    reply,
)
from javob.conversations.actions import check_send_reply, receive_message
from javob.conversations.models import Conversation, Inbox, Message
from javob.core.errors import ActionError
from javob.core.tests.httpserver import Reply
from javob.core.types import Identity, InboundMessage

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def customer_conversation(inbox: Inbox, phone: str = "+998901234567") -> Conversation:
    """A customer known by phone (as an SMS inbox without inbound messages learns of one)."""
    inbound = InboundMessage(inbox.pk, Identity("phone", phone), "seed-1", text="Salom")
    return receive_message(inbound).message.conversation


def send(cast: Cast, conversation: Conversation, on_commit: Any, text: str) -> Message:
    with on_commit():
        message = check_send_reply(cast.alice, conversation.pk, text)
    message.refresh_from_db()
    return message


def post_callback(
    client: Client, inbox: Inbox, body: str, *, secret: str | None, how: str = "query"
) -> Any:
    url = f"/hooks/sms/{inbox.pk}"
    headers = {}
    if secret is not None and how == "query":
        url += "?" + urlencode({"secret": secret})
    elif secret is not None:
        headers["X-Javob-Secret"] = secret
    content_type = (
        "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    )
    return client.post(url, data=body, content_type=content_type, headers=headers)


# ---- Eskiz ----


def test_eskiz_logs_in_when_the_inbox_is_added_and_keeps_the_token(
    cast: Cast, gateway: FakeGateway
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    stored = Inbox.objects.get(pk=inbox.pk)
    assert stored.secrets["session_token"] == gateway.tokens[-1]
    assert len(stored.secrets["inbound_secret"]) == 43
    assert stored.settings == {
        "provider": "gateway",
        "preset": "eskiz",
        "send_url": f"{gateway.url}/api/message/sms/send",
        "login_url": f"{gateway.url}/api/auth/login",
        "username": "support@example.uz",
        "sender": "4546",
    }


def test_eskiz_refuses_wrong_credentials_when_the_inbox_is_added(
    cast: Cast, gateway: FakeGateway
) -> None:
    with pytest.raises(ActionError) as refused:
        add_eskiz_inbox(cast, gateway, password="wrong")
    assert (refused.value.message, refused.value.field) == (
        "The gateway refused the login: Login failed: HTTP 401: Invalid credentials",
        "password",
    )
    assert not Inbox.objects.filter(kind="sms").exists()


def test_an_eskiz_reply_is_the_documented_form_with_the_callback_url(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    message = send(cast, customer_conversation(inbox), on_commit, "Buyurtmangiz yoʻlda.")
    [request] = gateway.sent
    assert request.headers["authorization"] == f"Bearer {gateway.tokens[-1]}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.body.decode())) == {
        "mobile_phone": "998901234567",
        "from": "4546",
        "message": "Buyurtmangiz yoʻlda.",
        "callback_url": f"{webhook_url(inbox)}?secret={inbound_secret(inbox)}",
    }
    assert (message.delivery_status, message.external_id) == ("sent", "4385063")


def test_an_expired_eskiz_token_is_renewed_once_and_the_reply_sent(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    gateway.expire_token()
    message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    assert [r.path for r in gateway.sent] == ["/api/message/sms/send"] * 2
    assert message.delivery_status == "sent"
    assert Inbox.objects.get(pk=inbox.pk).secrets["session_token"] == gateway.tokens[-1]


def test_a_refused_eskiz_login_fails_the_reply(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    gateway.expire_token()
    Inbox.objects.filter(pk=inbox.pk).update(secrets={**inbox.secrets, "password": "changed"})
    message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "Login failed: HTTP 401: Invalid credentials",
    )


def test_an_eskiz_error_fails_the_reply_with_its_message(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    message = send(cast, customer_conversation(inbox, "+7 701 555 0101"), on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "HTTP 400: Mobile phone is invalid",
    )
    assert inbox_health(inbox).last_error == "HTTP 400: Mobile phone is invalid"


@pytest.mark.parametrize(
    ("answer", "reason", "wait"),
    [
        (
            Reply(429, b'{"message": "Too many requests"}', {"Retry-After": "12"}),
            "HTTP 429: Too many requests",
            12.0,
        ),
        (Reply(502, b"Bad Gateway"), "HTTP 502: Bad Gateway", None),
    ],
    ids=["429", "502"],
)
def test_a_gateway_rate_limit_or_outage_is_retried(
    cast: Cast,
    gateway: FakeGateway,
    on_commit: Any,
    answer: Reply,
    reason: str,
    wait: float | None,
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    conversation = customer_conversation(inbox)
    gateway.fail_next.append(answer)
    with time_machine.travel(T0, tick=False):
        message = send(cast, conversation, on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == ("queued", reason)
    assert message.next_attempt_at is not None
    if wait is not None:
        assert (message.next_attempt_at - T0).total_seconds() == wait


def test_an_eskiz_delivery_report_marks_the_reply_delivered(
    cast: Cast, gateway: FakeGateway, client: Client, on_commit: Any
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    body = payload_text("eskiz/dlr_delivered", id=str(message.external_id))
    with on_commit():
        response = post_callback(client, inbox, body, secret=inbound_secret(inbox))
    assert (response.status_code, response.content) == (200, b"ok")
    message.refresh_from_db()
    assert message.delivery_status == "delivered"
    assert InboundPayload.objects.get().provider_id == "dlr:4385063:DELIVRD"


def test_a_rejected_eskiz_report_fails_the_reply_with_the_status(
    cast: Cast, gateway: FakeGateway, client: Client, on_commit: Any
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    form = urlencode(payload("eskiz/dlr_rejected", id=str(message.external_id)))
    with on_commit():
        post_callback(client, inbox, form, secret=inbound_secret(inbox), how="header")
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == ("failed", "REJECTD")


@pytest.mark.parametrize(
    "secret", [None, "", "wrong", "x" * 43], ids=["none", "empty", "wrong", "same-length"]
)
@pytest.mark.parametrize("how", ["query", "header"])
def test_a_callback_without_the_shared_secret_is_401_and_stores_nothing(
    cast: Cast, gateway: FakeGateway, client: Client, secret: str | None, how: str
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    response = post_callback(
        client, inbox, payload_text("eskiz/dlr_delivered", id="1"), secret=secret, how=how
    )
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0


def test_secrets_are_never_logged(
    cast: Cast,
    gateway: FakeGateway,
    client: Client,
    on_commit: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        inbox = add_eskiz_inbox(cast, gateway)
        gateway.expire_token()
        send(cast, customer_conversation(inbox), on_commit, "Salom")
        post_callback(client, inbox, "{}", secret="wrong")
        with on_commit():
            post_callback(client, inbox, '{"hello": 1}', secret=inbound_secret(inbox))
    assert len(caplog.records) >= 2
    for secret in (ESKIZ_PASSWORD, inbound_secret(inbox), *gateway.tokens):
        assert secret not in caplog.text


# ---- Play Mobile ----


def test_a_play_mobile_reply_is_the_documented_json_with_our_message_id(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_playmobile_inbox(cast, gateway)
    message = send(cast, customer_conversation(inbox), on_commit, "Заказ в пути.")
    [request] = gateway.sent
    assert request.headers["authorization"] == "Basic amF2b2I6cG0tcGFzc3dvcmQtM1hr"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "messages": [
            {
                "recipient": "998901234567",
                "message-id": message.idempotency_key.hex,
                "sms": {"originator": "3700", "content": {"text": "Заказ в пути."}},
            }
        ]
    }
    assert (message.delivery_status, message.external_id) == ("sent", message.idempotency_key.hex)


def test_a_play_mobile_error_fails_the_reply_with_its_description(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_playmobile_inbox(cast, gateway)
    gateway.fail_next.append(reply(400, "playmobile/error_102"))
    message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "HTTP 400: Message with the same message-id already exists",
    )


def test_wrong_basic_credentials_fail_the_reply(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    inbox = add_playmobile_inbox(cast, gateway, password="wrong")
    message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == ("failed", "HTTP 401")
    assert PM_PASSWORD not in message.failure_reason


def test_a_play_mobile_delivery_report_and_an_incoming_sms(
    cast: Cast, gateway: FakeGateway, client: Client, on_commit: Any
) -> None:
    inbox = add_playmobile_inbox(cast, gateway)
    reply_message = send(cast, customer_conversation(inbox), on_commit, "Salom")
    secret = inbound_secret(inbox)
    with on_commit():
        dlr = payload_text("playmobile/dlr_delivered", id=str(reply_message.external_id))
        post_callback(client, inbox, dlr, secret=secret, how="header")
        for _ in range(10):
            post_callback(client, inbox, payload_text("playmobile/inbound"), secret=secret)
    reply_message.refresh_from_db()
    assert reply_message.delivery_status == "delivered"
    incoming = Message.objects.select_related("conversation__contact").get(external_id="pm-in-5512")
    assert (incoming.text, incoming.metadata) == (
        "Salom! Buyurtmam qayerda? Rahmat",
        {"sms": {"provider": "gateway", "to": "1240"}},
    )
    assert incoming.conversation.contact.identities.get().value == "+998977770011"
    assert InboundPayload.objects.filter(provider_id="in:pm-in-5512").count() == 1


def test_an_unknown_callback_is_acknowledged_kept_and_logged(
    cast: Cast,
    gateway: FakeGateway,
    client: Client,
    on_commit: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox = add_playmobile_inbox(cast, gateway)
    body = '{"event": "balance", "amount": 1200}'
    with caplog.at_level(logging.INFO, logger="javob.connectors.sms"), on_commit():
        for _ in range(2):
            response = post_callback(client, inbox, body, secret=inbound_secret(inbox))
            assert (response.status_code, response.content) == (200, b"ok")
    stored = InboundPayload.objects.get()
    assert stored.ignored == "not a delivery report or an incoming SMS"
    assert stored.provider_id == "sha256:" + hashlib.sha256(body.encode()).hexdigest()
    assert [r.getMessage() for r in caplog.records if r.name == "javob.connectors.sms.gateway"] == [
        f"SMS gateway payload for inbox {inbox.pk} not understood; fields: amount, event"
    ]


def test_a_custom_gateway_with_bearer_auth_and_get(
    cast: Cast, gateway: FakeGateway, on_commit: Any
) -> None:
    # a local gateway taking GET /send?phone=...&text=... with a bearer token, answering its id
    from javob.connectors.actions import do_add_inbox

    inbox = do_add_inbox(
        cast.a,
        "sms",
        "Local gateway",
        {
            "provider": "gateway",
            "send_url": f"{gateway.url}/custom/send?route=1",
            "send_method": "GET",
            "auth": "bearer",
            "api_token": "tok-123",
            "to_field": "phone",
            "text_field": "text",
            "response_id_path": "result.id",
        },
        [],
    )
    gateway.fail_next.append(Reply(200, b'{"result": {"id": 77}}'))
    original = gateway.handle

    def custom(request: Any) -> Reply:
        if request.path.startswith("/custom/send"):
            gateway.sent.append(request)
            return gateway.fail_next.pop(0)
        return original(request)

    assert gateway.server is not None
    gateway.server.default = custom
    message = send(cast, customer_conversation(inbox), on_commit, "Salom dunyo")
    [request] = gateway.sent
    assert request.method == "GET"
    assert request.path == "/custom/send?route=1&phone=%2B998901234567&text=Salom+dunyo"
    assert request.headers["authorization"] == "Bearer tok-123"
    assert (message.delivery_status, message.external_id) == ("sent", "77")
