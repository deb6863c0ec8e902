"""`/hooks/x/<inbox id>`: the CRC challenge, the signature, and every event kind sorted into
conversations, public conversations or acknowledged-and-kept payloads."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from javob.connectors.models import InboundPayload
from javob.connectors.x.tests.conftest import add_x_inbox, payload, post_event, signed
from javob.connectors.x.tests.fake_x import (
    ACCESS_TOKEN_SECRET,
    BEARER_TOKEN,
    CONSUMER_SECRET,
    FakeX,
)
from javob.contacts.models import ContactIdentity
from javob.conversations.models import Attachment, Conversation, Inbox, Message

pytestmark = pytest.mark.django_db


def test_the_crc_challenge_is_answered_with_the_hmac_of_the_token(
    x_inbox: Inbox, client: Client
) -> None:
    response = client.get(f"/hooks/x/{x_inbox.pk}", {"crc_token": "ODIzMjY1ZjQtMGQ5Zi00MDc2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "response_token": "sha256=7UcOg0A3nvUsrkCHOR2iLZsWwTbmvDvU+lG2daJardY="
    }


def test_a_get_without_crc_token_is_refused(x_inbox: Inbox, client: Client) -> None:
    assert client.get(f"/hooks/x/{x_inbox.pk}").status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-twitter-webhooks-signature": "sha256=AAAA"},
        signed(b"another body"),
        signed(payload("dm_text"), secret="not the consumer secret"),
        {
            "x-twitter-webhooks-signature": signed(payload("dm_text"))[
                "x-twitter-webhooks-signature"
            ][7:]
        },
    ],
    ids=["missing", "garbage", "other-body", "other-secret", "no-prefix"],
)
def test_a_wrong_or_missing_signature_is_401_and_stores_nothing(
    x_inbox: Inbox, client: Client, headers: dict[str, str]
) -> None:
    response = post_event(client, x_inbox, payload("dm_text"), headers)
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_direct_message_becomes_a_conversation_with_the_sender(
    x_inbox: Inbox, deliver: Any
) -> None:
    response = deliver(x_inbox, payload("dm_text"))
    assert (response.status_code, response.content) == (200, b"ok")
    stored = InboundPayload.objects.get()
    assert (stored.error, stored.ignored) == ("", "")
    assert stored.provider_id == "sha256:" + hashlib.sha256(payload("dm_text")).hexdigest()
    message = Message.objects.select_related("conversation__contact").get()
    assert (message.text, message.external_id, message.direction) == (
        "Salom! Buyurtmam qayerda? #order",
        "954491830116155396",
        "incoming",
    )
    assert message.metadata == {
        "x": {"type": "dm", "sender_id": "3001969357", "screen_name": "furiousjordan"}
    }
    conversation = message.conversation
    assert conversation.thread_key == "3001969357"
    assert conversation.contact.name == "Jordan Brinks"
    assert list(
        ContactIdentity.objects.filter(contact=conversation.contact).values_list("kind", "value")
    ) == [("x", "3001969357")]


MEDIA_PATH = "/1.1/ton/data/dm/954491830116155400/954491825573634048/mLPgUBCb.jpg"
JPEG = b"\xff\xd8\xff\xe0 a photo of a broken box"


def media_payload(fake: FakeX) -> bytes:
    """The documented DM with a photo, its media served by the fake X."""
    return payload("dm_media").replace(b"https://ton.twitter.com", fake.url.encode())


def test_a_photo_in_a_direct_message_is_downloaded_signed_and_its_link_dropped(
    x_inbox: Inbox, xapi: FakeX, deliver: Any
) -> None:
    xapi.media[MEDIA_PATH] = JPEG
    deliver(x_inbox, media_payload(xapi))
    message = Message.objects.get()
    assert message.text == "The box arrived broken"
    [attachment] = Attachment.objects.filter(message=message)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "photo_954491825573634048.jpg",
        "image/jpeg",
        len(JPEG),
    )
    assert message.metadata["media"] == [
        {
            "key": "954491825573634048",
            "kind": "photo",
            "url": xapi.url + MEDIA_PATH,
            "filename": "photo_954491825573634048.jpg",
            "content_type": "image/jpeg",
            "status": "stored",
            "attempts": 0,
            "size": len(JPEG),
            "error": "",
        }
    ]
    assert [(c.method, c.path, c.auth) for c in xapi.calls] == [("GET", MEDIA_PATH, "oauth1")]


def test_media_of_a_receive_only_inbox_fails_saying_why(
    cast: Cast, xapi: FakeX, deliver: Any
) -> None:
    inbox = do_add_inbox(
        cast.a, "x", "X", {"consumer_secret": CONSUMER_SECRET, "api_url": xapi.url}, []
    )
    deliver(inbox, media_payload(xapi))
    [entry] = Message.objects.get().metadata["media"]
    assert (entry["status"], entry["error"]) == (
        "failed",
        "Downloading X media needs the account's credentials (OAuth 1.0a or `user_token`).",
    )
    assert (Attachment.objects.count(), xapi.calls) == (0, [])


def test_media_that_x_no_longer_has_fails_for_good(
    x_inbox: Inbox, xapi: FakeX, deliver: Any
) -> None:
    deliver(x_inbox, media_payload(xapi))
    [entry] = Message.objects.get().metadata["media"]
    assert (entry["status"], entry["attempts"], entry["error"]) == (
        "failed",
        1,
        "Not Found Error: Not Found",
    )


def test_a_batch_of_two_senders_makes_two_conversations(x_inbox: Inbox, deliver: Any) -> None:
    deliver(x_inbox, payload("dm_batch"))
    rows = list(
        Message.objects.order_by("external_id").values_list(
            "external_id", "text", "conversation__thread_key"
        )
    )
    assert rows == [
        ("954491830116155601", "First question", "3001969357"),
        ("954491830116155602", "Здравствуйте, где мой заказ?", "783214"),
    ]
    assert Conversation.objects.count() == 2


def test_an_echo_of_the_accounts_own_message_is_ignored(x_inbox: Inbox, deliver: Any) -> None:
    deliver(x_inbox, payload("dm_echo"))
    assert Message.objects.count() == 0
    assert InboundPayload.objects.get().ignored == "echo of a direct message the account sent"


def test_a_mention_becomes_a_public_conversation(x_inbox: Inbox, deliver: Any) -> None:
    deliver(x_inbox, payload("mention"))
    message = Message.objects.select_related("conversation__contact").get()
    assert (message.text, message.external_id) == (
        "@javob_help my order #4411 has not arrived yet, can you check?",
        "1050118621198921728",
    )
    assert message.metadata == {
        "type": "comment",
        "public": True,
        "comment_id": "1050118621198921728",
        "x": {
            "type": "mention",
            "screen_name": "dilnoza_r",
            "permalink": "https://x.com/dilnoza_r/status/1050118621198921728",
        },
    }
    assert message.conversation.thread_key == "comment:x:6253282"
    assert message.conversation.contact.name == "Dilnoza R."


def test_a_truncated_reply_is_stored_with_its_full_text_in_the_same_public_conversation(
    x_inbox: Inbox, deliver: Any
) -> None:
    deliver(x_inbox, payload("mention"))
    deliver(x_inbox, payload("mention_reply"))
    first, second = Message.objects.order_by("pk")
    assert second.text.endswith("sovg'a uchun edi va bayram ertaga.")
    assert second.metadata["x"]["in_reply_to"] == "1050119000000000000"
    assert second.conversation_id == first.conversation_id


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("own_tweet", "the account's own post"),
        ("retweet", "retweet"),
        ("favorite", "favorite_events not handled"),
        ("follow", "follow_events not handled"),
        ("typing", "direct_message_indicate_typing_events not handled"),
        ("unknown", "unknown body: for_user_id, some_future_field"),
    ],
)
def test_other_events_are_acknowledged_and_kept_as_ignored(
    x_inbox: Inbox, deliver: Any, name: str, reason: str
) -> None:
    response = deliver(x_inbox, payload(name))
    assert response.status_code == 200
    stored = InboundPayload.objects.get()
    assert (stored.error, stored.ignored) == ("", reason)
    assert stored.processed_at is not None
    assert Message.objects.count() == 0


def test_an_unknown_body_is_logged_without_secrets(
    x_inbox: Inbox, deliver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        deliver(x_inbox, payload("unknown"))
    assert f"x inbox {x_inbox.pk}: acknowledged an unknown body" in caplog.text
    for secret in (CONSUMER_SECRET, ACCESS_TOKEN_SECRET, BEARER_TOKEN):
        assert secret not in caplog.text


def test_a_body_that_is_not_an_object_is_quarantined(x_inbox: Inbox, deliver: Any) -> None:
    response = deliver(x_inbox, b"[1, 2]")
    assert response.status_code == 200
    assert InboundPayload.objects.get().error == (
        "ValueError: an Account Activity body is a JSON object"
    )


def test_the_same_body_ten_times_stores_one_message(x_inbox: Inbox, deliver: Any) -> None:
    for _ in range(10):
        assert deliver(x_inbox, payload("dm_text")).status_code == 200
    assert InboundPayload.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_same_event_in_another_body_is_stored_once(x_inbox: Inbox, deliver: Any) -> None:
    # A redelivered event may come batched with others: the message id decides.
    body = json.loads(payload("dm_text"))
    deliver(x_inbox, body)
    deliver(x_inbox, {**body, "user_has_blocked": False})
    assert InboundPayload.objects.count() == 2
    assert Message.objects.count() == 1


def test_events_of_another_account_are_ignored(x_inbox: Inbox, deliver: Any) -> None:
    body = json.loads(payload("dm_text")) | {"for_user_id": "999"}
    deliver(x_inbox, body)
    assert Message.objects.count() == 0
    assert InboundPayload.objects.get().ignored == "events of another account"


def test_an_inbox_without_dms_keeps_them_as_ignored(cast: Cast, xapi: FakeX, deliver: Any) -> None:
    inbox = add_x_inbox(cast, xapi, capabilities="mentions, reply")
    deliver(inbox, payload("dm_text"))
    deliver(inbox, payload("mention"))
    assert list(Message.objects.values_list("external_id", flat=True)) == ["1050118621198921728"]
    assert list(InboundPayload.objects.exclude(ignored="").values_list("ignored", flat=True)) == [
        "direct message: not received by this inbox"
    ]


def test_media_is_tried_again_after_a_server_error(
    x_inbox: Inbox, xapi: FakeX, deliver: Any
) -> None:
    from javob.connectors.x.tasks import fetch_media
    from javob.connectors.x.tests.fake_x import problem

    xapi.media[MEDIA_PATH] = JPEG
    xapi.fail(problem(503, "Service Unavailable", "Service Unavailable"))
    deliver(x_inbox, media_payload(xapi))
    message = Message.objects.get()
    [entry] = message.metadata["media"]
    assert (entry["status"], entry["attempts"]) == ("pending", 1)
    assert fetch_media.call(message.pk) == "done"
    message.refresh_from_db()
    assert message.metadata["media"][0]["status"] == "stored"
    assert Attachment.objects.get().size == len(JPEG)


def test_media_on_a_host_that_is_not_xs_is_not_fetched_with_the_credentials(
    x_inbox: Inbox, xapi: FakeX, deliver: Any
) -> None:
    body = payload("dm_media").replace(b"ton.twitter.com", b"media.example.com")
    deliver(x_inbox, body)
    [entry] = Message.objects.get().metadata["media"]
    assert (entry["status"], entry["error"]) == (
        "failed",
        "media.example.com is not an X media host; nothing was downloaded.",
    )
    assert xapi.calls == []
