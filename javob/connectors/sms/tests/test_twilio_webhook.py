"""`/hooks/sms/<inbox id>` for a Twilio inbox: the signature over the public URL and the form,
incoming SMS and MMS, status callbacks applied forward only, unknown payloads kept."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.actions import webhook_url
from javob.connectors.health import inbox_health
from javob.connectors.models import InboundPayload
from javob.connectors.sms.tests.conftest import PUBLIC_URL, post_twilio
from javob.connectors.sms.tests.fakes import ACCOUNT_SID, AUTH_TOKEN, JSON, FakeTwilio, payload
from javob.connectors.sms.twilio import signature as signature_of
from javob.connectors.tests.support import delivery_events
from javob.contacts.models import ContactIdentity
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Attachment, Conversation, EarlyReport, Inbox, Message
from javob.conversations.tasks import deliver_message
from javob.core.tests.httpserver import Reply

pytestmark = pytest.mark.django_db
TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def test_an_incoming_sms_becomes_a_message_of_a_phone_contact(
    tw_inbox: Inbox, on_commit_client: Any
) -> None:
    # when Twilio posts the incoming SMS, signed over the public webhook URL
    response = on_commit_client(lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_sms")))
    # then it is acknowledged with empty TwiML, kept under its MessageSid, and one message
    assert (response.status_code, response.content) == (200, TWIML)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    stored = InboundPayload.objects.get()
    assert (stored.provider_id, stored.error, stored.ignored) == (
        "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        "",
        "",
    )
    assert inbox_health(tw_inbox).last_event_at == stored.received_at
    message = Message.objects.select_related("conversation").get()
    assert (message.text, message.external_id, message.direction) == (
        "Hello, where is my order #1042?",
        "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        "incoming",
    )
    assert message.metadata == {"sms": {"provider": "twilio", "to": "+14155552671", "segments": 1}}
    assert list(
        ContactIdentity.objects.filter(contact_id=message.conversation.contact_id).values_list(
            "kind", "value"
        )
    ) == [("phone", "+998901234567")]


def test_a_cyrillic_sms_keeps_its_text_and_segment_count(
    tw_inbox: Inbox, on_commit_client: Any
) -> None:
    on_commit_client(lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_cyrillic")))
    message = Message.objects.get()
    assert message.text.startswith("Ассалому алайкум! Буюртмам қачон етказилади?")
    assert message.metadata["sms"]["segments"] == 2


@pytest.mark.parametrize("signature", ["missing", "wrong-token", "other-url", "tampered"])
def test_a_wrong_or_missing_signature_is_401_and_stores_nothing(
    tw_inbox: Inbox, client: Client, signature: str
) -> None:
    params = payload("twilio/inbound_sms")
    if signature == "missing":
        response = post_twilio(client, tw_inbox, params, sign=False)
    elif signature == "wrong-token":
        response = post_twilio(client, tw_inbox, params, token="0" * 32)
    elif signature == "other-url":
        response = post_twilio(client, tw_inbox, params, url="https://evil.example.com/hooks/sms/1")
    else:  # signed as Twilio sent it, then the body changed on the way
        header = signature_of(AUTH_TOKEN, webhook_url(tw_inbox), params.items())
        response = client.post(
            f"/hooks/sms/{tw_inbox.pk}",
            data=urlencode({**params, "Body": "Send the refund to card 8600..."}),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": header},
        )
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0
    assert Message.objects.count() == 0


def test_the_url_as_received_is_accepted_too_when_no_proxy_rewrites_it(
    tw_inbox: Inbox, client: Client
) -> None:
    # The test client calls http://testserver/...: a direct deployment signs that URL.
    response = post_twilio(
        client,
        tw_inbox,
        payload("twilio/inbound_sms"),
        url=f"http://testserver/hooks/sms/{tw_inbox.pk}",
    )
    assert response.status_code == 200
    assert PUBLIC_URL != "http://testserver"


def test_the_same_sms_delivered_twice_or_ten_times_is_one_message(
    tw_inbox: Inbox, on_commit_client: Any
) -> None:
    for _ in range(10):
        response = on_commit_client(
            lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_sms"))
        )
        assert response.status_code == 200
    assert InboundPayload.objects.count() == 1
    assert Message.objects.count() == 1


def test_mms_media_is_downloaded_through_the_redirect_without_credentials(
    tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    # given the two files of the MMS on Twilio's (fake) media storage
    twilio.media["ME0a1b2c3d4e5f60718293a4b5c6d7e8f9"] = ("image/jpeg", b"\xff\xd8jpeg-bytes")
    twilio.media["ME1f2e3d4c5b6a79808f7e6d5c4b3a2918"] = ("application/pdf", b"%PDF-1.7 receipt")
    params = payload("twilio/inbound_mms", api=twilio.url)
    # when Twilio posts it
    on_commit_client(lambda c: post_twilio(c, tw_inbox, params))
    # then the message holds both files, fetched through the storage redirect
    message = Message.objects.get()
    assert message.text == "The box arrived broken, photos attached"
    files = list(
        Attachment.objects.filter(message=message)
        .order_by("pk")
        .values_list("filename", "content_type", "size")
    )
    sid = "MM4b6f2c8d0e1a3b5c7d9e0f1a2b3c4d5e"
    assert files == [
        (f"mms-{sid}-0.jpg", "image/jpeg", 12),
        (f"mms-{sid}-1.pdf", "application/pdf", 16),
    ]
    assert [entry["status"] for entry in message.metadata["media"]] == ["stored", "stored"]
    assert len(twilio.storage_requests) == 2
    assert all("authorization" not in r.headers for r in twilio.storage_requests)


def test_a_missing_media_file_is_marked_failed(
    tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    twilio.media["ME0a1b2c3d4e5f60718293a4b5c6d7e8f9"] = ("image/jpeg", b"\xff\xd8jpeg")
    params = payload("twilio/inbound_mms", api=twilio.url)
    on_commit_client(lambda c: post_twilio(c, tw_inbox, params))
    media = Message.objects.get().metadata["media"]
    assert [(m["status"], m.get("error", "")) for m in media] == [
        ("stored", ""),
        ("failed", "The provider answered HTTP 404 for the file."),
    ]
    assert inbox_health(tw_inbox).last_error == "The provider answered HTTP 404 for the file."


@pytest.fixture
def sent_reply(cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any) -> Message:
    on_commit_client(lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_sms")))
    conversation = Conversation.objects.get()
    on_commit_client(lambda c: check_send_reply(cast.alice, conversation.pk, "Ertaga keladi."))
    reply = Message.objects.get(direction="outgoing")
    assert reply.delivery_status == "sent"
    return reply


def test_status_callbacks_move_the_reply_forward_only(
    tw_inbox: Inbox, sent_reply: Message, on_commit_client: Any
) -> None:
    sid = str(sent_reply.external_id)
    # delivered, then a late `sent` and a `queued`: the reply stays delivered
    for name in ("status_delivered", "status_sent", "status_queued"):
        response = on_commit_client(
            lambda c, n=name: post_twilio(c, tw_inbox, payload(f"twilio/{n}", sid=sid))
        )
        assert response.status_code == 200
    sent_reply.refresh_from_db()
    assert sent_reply.delivery_status == "delivered"
    callbacks = InboundPayload.objects.filter(provider_id__startswith=f"{sid}:")
    assert sorted(callbacks.values_list("provider_id", "ignored")) == [
        (f"{sid}:delivered", ""),
        (f"{sid}:queued", "status queued"),
        (f"{sid}:sent", ""),
    ]


def test_an_undelivered_callback_fails_the_reply_with_twilios_reason(
    tw_inbox: Inbox, sent_reply: Message, on_commit_client: Any
) -> None:
    sid = str(sent_reply.external_id)
    on_commit_client(
        lambda c: post_twilio(c, tw_inbox, payload("twilio/status_undelivered", sid=sid))
    )
    sent_reply.refresh_from_db()
    assert (sent_reply.delivery_status, sent_reply.failure_reason) == (
        "failed",
        "Twilio 30003: The handset is unreachable.",
    )


def test_an_unknown_payload_is_acknowledged_kept_and_logged(
    tw_inbox: Inbox, on_commit_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="javob.connectors.sms"):
        response = on_commit_client(
            lambda c: post_twilio(c, tw_inbox, payload("twilio/voice_call"))
        )
    assert (response.status_code, response.content) == (200, TWIML)
    stored = InboundPayload.objects.get()
    body = urlencode(payload("twilio/voice_call")).encode()
    assert (stored.provider_id, stored.ignored) == (
        "sha256:" + hashlib.sha256(body).hexdigest(),
        "not a Twilio message or status callback",
    )
    assert Message.objects.count() == 0
    [record] = [r for r in caplog.records if r.name == "javob.connectors.sms.twilio"]
    assert record.getMessage() == (
        f"Twilio payload for SMS inbox {tw_inbox.pk} not understood; fields: AccountSid, "
        "ApiVersion, CallSid, CallStatus, Called, CallerCountry, CallerState, Direction, From, "
        "To, ToState"
    )


def test_a_status_callback_before_the_send_response_is_applied_once_the_sid_is_stored(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    # given a queued reply (its send has not run yet) that Twilio will accept as `sid`
    on_commit_client(lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_sms")))
    conversation = Conversation.objects.get()
    reply = check_send_reply(cast.alice, conversation.pk, "Ertaga keladi.")
    sid = "SM" + "7" * 32
    created = {"sid": sid, "account_sid": ACCOUNT_SID, "status": "queued", "num_segments": "1"}
    twilio.fail_next.append(Reply(201, json.dumps(created).encode(), JSON))
    # when Twilio's "delivered" callback for `sid` comes before the send response is stored
    response = on_commit_client(
        lambda c: post_twilio(c, tw_inbox, payload("twilio/status_delivered", sid=sid))
    )
    assert response.status_code == 200
    assert Message.objects.get(pk=reply.pk).delivery_status == "queued"
    # and then the send runs and stores `sid`
    on_commit_client(lambda _c: deliver_message.call(reply.pk))
    # then the reply is delivered, with its events in order
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.external_id) == ("delivered", sid)
    assert [e["status"] for e in delivery_events(reply)] == ["sent", "delivered"]
    assert EarlyReport.objects.count() == 0
