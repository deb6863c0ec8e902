"""Agent replies through Twilio's Messages API: the request Twilio documents, and its errors
mapped to final or retried failures with Twilio's own text."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.actions import webhook_url
from javob.connectors.health import inbox_health
from javob.connectors.sms.tests.conftest import add_twilio_inbox, post_twilio
from javob.connectors.sms.tests.fakes import AUTH_TOKEN, FakeTwilio, payload, reply
from javob.conversations.actions import check_send_reply, store_attachment
from javob.conversations.models import Conversation, Inbox, Message
from javob.core.tests.httpserver import Reply

pytestmark = pytest.mark.django_db
CUSTOMER = "+998901234567"
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def conversation_of(inbox: Inbox, on_commit_client: Any) -> Conversation:
    on_commit_client(lambda c: post_twilio(c, inbox, payload("twilio/inbound_sms")))
    return Conversation.objects.get(inbox=inbox)


def send(cast: Cast, conversation: Conversation, on_commit_client: Any, text: str) -> Message:
    message: Message = on_commit_client(
        lambda c: check_send_reply(cast.alice, conversation.pk, text)
    )
    message.refresh_from_db()
    return message


def test_a_reply_is_posted_to_messages_json_with_the_status_callback(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    conversation = conversation_of(tw_inbox, on_commit_client)
    message = send(cast, conversation, on_commit_client, "Buyurtmangiz ertaga yetkaziladi.")
    assert twilio.sent == [
        {
            "To": CUSTOMER,
            "Body": "Buyurtmangiz ertaga yetkaziladi.",
            "StatusCallback": webhook_url(tw_inbox),
            "From": "+14155552671",
        }
    ]
    assert message.delivery_status == "sent"
    assert str(message.external_id).startswith("SM")
    assert len(str(message.external_id)) == 34


def test_a_messaging_service_sends_instead_of_a_number(
    cast: Cast, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    inbox = add_twilio_inbox(
        cast, twilio, from_number="", messaging_service_sid="MG0123456789abcdef0123456789abcdef"
    )
    send(cast, conversation_of(inbox, on_commit_client), on_commit_client, "Salom")
    assert twilio.sent[0]["MessagingServiceSid"] == "MG0123456789abcdef0123456789abcdef"
    assert "From" not in twilio.sent[0]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (reply(400, "twilio/error_21211"), "Twilio 21211: Invalid 'To' Phone Number: +99890123"),
        (
            reply(400, "twilio/error_21610"),
            "Twilio 21610: Attempt to send to unsubscribed recipient",
        ),
        (reply(401, "twilio/error_20003"), "Twilio 20003: Authenticate"),
    ],
    ids=["invalid-number", "unsubscribed", "bad-credentials"],
)
def test_a_4xx_answer_fails_the_reply_at_once_with_twilios_text(
    cast: Cast,
    tw_inbox: Inbox,
    twilio: FakeTwilio,
    on_commit_client: Any,
    answer: Reply,
    reason: str,
) -> None:
    conversation = conversation_of(tw_inbox, on_commit_client)
    twilio.fail_next.append(answer)
    message = send(cast, conversation, on_commit_client, "Salom")
    assert (message.delivery_status, message.failure_reason, message.attempts) == (
        "failed",
        reason,
        1,
    )
    assert inbox_health(tw_inbox).last_error == reason


def test_an_unsubscribed_number_fails_for_good(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    twilio.unsubscribed.add(CUSTOMER)
    message = send(cast, conversation_of(tw_inbox, on_commit_client), on_commit_client, "Salom")
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "Twilio 21610: Attempt to send to unsubscribed recipient",
    )


@pytest.mark.parametrize(
    ("answer", "reason", "wait"),
    [
        (
            reply(429, "twilio/error_20429", {"Retry-After": "30"}),
            "Twilio 20429: Too Many Requests",
            30.0,
        ),
        (reply(429, "twilio/error_20429"), "Twilio 20429: Too Many Requests", 60.0),
        (
            reply(500, "twilio/error_20500"),
            "Twilio 20500: An internal server error has occurred",
            None,
        ),
        (
            Reply(503, b"<html>Service Unavailable</html>"),
            "Twilio HTTP 503: <html>Service Unavailable</html>",
            None,
        ),
    ],
    ids=["429-retry-after", "429-default", "500", "503-html"],
)
def test_a_rate_limit_or_server_error_is_retried_later(
    cast: Cast,
    tw_inbox: Inbox,
    twilio: FakeTwilio,
    on_commit_client: Any,
    answer: Reply,
    reason: str,
    wait: float | None,
) -> None:
    conversation = conversation_of(tw_inbox, on_commit_client)
    twilio.fail_next.append(answer)
    with time_machine.travel(T0, tick=False):
        message = send(cast, conversation, on_commit_client, "Salom")
    assert (message.delivery_status, message.failure_reason) == ("queued", reason)
    assert message.next_attempt_at is not None
    delay = (message.next_attempt_at - T0).total_seconds()
    if wait is not None:  # exactly the provider's wait, not the usual backoff
        assert delay == wait
    else:
        assert delay > 0


def test_a_connection_failure_is_retried(
    cast: Cast, tw_inbox: Inbox, on_commit_client: Any
) -> None:
    conversation = conversation_of(tw_inbox, on_commit_client)
    Inbox.objects.filter(pk=tw_inbox.pk).update(
        settings={**tw_inbox.settings, "api_url": "http://127.0.0.1:9"}
    )
    message = send(cast, conversation, on_commit_client, "Salom")
    assert message.delivery_status == "queued"
    assert message.failure_reason.startswith("Cannot connect to 127.0.0.1:9")


def test_a_reply_with_a_file_to_a_number_without_mms_fails_with_a_reason(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    conversation = conversation_of(tw_inbox, on_commit_client)

    def with_file(client: Any) -> Message:
        message = check_send_reply(cast.alice, conversation.pk, "Chek ilova qilindi")
        store_attachment(message, "chek.pdf", "application/pdf", b"%PDF")
        return message

    message = on_commit_client(with_file)
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "Files go by MMS, which reaches only numbers starting with +1; "
        "send a link to the file instead.",
    )
    assert twilio.sent == []


def test_the_auth_token_is_never_logged(
    cast: Cast,
    tw_inbox: Inbox,
    twilio: FakeTwilio,
    client: Client,
    on_commit_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        conversation = conversation_of(tw_inbox, on_commit_client)
        twilio.fail_next.append(reply(401, "twilio/error_20003"))
        send(cast, conversation, on_commit_client, "Salom")
        assert (
            post_twilio(client, tw_inbox, payload("twilio/inbound_sms"), token="bad").status_code
            == 401
        )
    assert any("rejected" in record.getMessage() for record in caplog.records)
    assert AUTH_TOKEN not in caplog.text
