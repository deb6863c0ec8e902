"""`/hooks/telegram/<inbox id>`: the secret token checked, updates stored once per update_id,
every update type parsed into messages, edits, media and kept-for-listening payloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.health import inbox_health
from javob.connectors.models import InboundPayload
from javob.connectors.telegram.tasks import fetch_media
from javob.connectors.telegram.tests.conftest import (
    add_telegram_inbox,
    payload,
    post_update,
)
from javob.connectors.telegram.tests.fake_telegram import FakeTelegram, error
from javob.contacts.models import Contact, ContactIdentity
from javob.conversations.models import Attachment, Event, EventKind, Inbox, Message

pytestmark = pytest.mark.django_db


def identities(contact_id: int) -> list[tuple[str, str]]:
    return list(
        ContactIdentity.objects.filter(contact_id=contact_id)
        .order_by("kind")
        .values_list("kind", "value")
    )


@pytest.mark.parametrize(
    "header", ["", "wrong-secret", "x" * 43], ids=["missing", "wrong", "same-length"]
)
def test_a_wrong_or_missing_secret_token_is_401_and_stores_nothing(
    tg_inbox: Inbox, client: Client, header: str
) -> None:
    response = post_update(client, tg_inbox, payload("private_text"), secret=header)
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0
    assert Message.objects.count() == 0


def test_another_inboxs_secret_is_refused(
    cast: Cast, tg_inbox: Inbox, telegram: FakeTelegram, client: Client
) -> None:
    other = add_telegram_inbox(cast, telegram)
    other_secret = str(Inbox.objects.get(pk=other.pk).secrets["webhook_secret"])
    response = post_update(client, tg_inbox, payload("private_text"), secret=other_secret)
    assert response.status_code == 401
    assert InboundPayload.objects.count() == 0


def test_a_private_text_becomes_a_message_of_a_telegram_contact(
    tg_inbox: Inbox, deliver: Any
) -> None:
    # when Telegram delivers the sample private text message
    response = deliver(tg_inbox, payload("private_text"))
    # then it is acknowledged, kept under its update_id and became one message
    assert (response.status_code, response.content) == (200, b"ok")
    stored = InboundPayload.objects.get()
    assert (stored.provider_id, stored.error, stored.ignored) == ("5", "", "")
    assert inbox_health(tg_inbox).last_event_at == stored.received_at
    message = Message.objects.select_related("conversation__contact").get()
    contact = message.conversation.contact
    assert (message.text, message.external_id, message.direction) == (
        "Hello, I need your Help",
        "111111:5",
        "incoming",
    )
    assert message.metadata == {
        "telegram": {
            "chat_id": 111111,
            "chat_type": "private",
            "user": {
                "id": 111111,
                "username": "Testusername",
                "first_name": "Test Firstname",
                "last_name": "Test Lastname",
                "language_code": "",
            },
        }
    }
    assert (contact.name, contact.locale) == ("Test Firstname Test Lastname", "")
    assert identities(contact.pk) == [("telegram", "111111")]
    assert message.conversation.thread_key == ""


def test_the_senders_language_becomes_the_contacts_locale(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("russian_text"))
    contact = Contact.objects.get()
    assert (contact.name, contact.locale) == ("Сергей", "ru")
    assert Message.objects.get().text == "Здравствуйте! Где мой заказ?"


def test_a_repeated_update_id_is_stored_once(tg_inbox: Inbox, deliver: Any) -> None:
    for _ in range(3):
        assert deliver(tg_inbox, payload("private_text")).status_code == 200
    assert InboundPayload.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_same_message_in_two_updates_is_stored_once(tg_inbox: Inbox, deliver: Any) -> None:
    # Telegram re-numbers nothing, but a second update carrying the same message (a replay
    # after a webhook change) must not store it twice either.
    first = payload("private_text")
    second = {**first, "update_id": 6}
    deliver(tg_inbox, first)
    deliver(tg_inbox, second)
    assert InboundPayload.objects.count() == 2
    assert Message.objects.count() == 1


MEDIA = [
    # payload, file_id, file name, content type, text
    ("private_photo", "photofileid3", "photo_3.jpg", "image/jpeg", "caption 123<b>abc</b>"),
    (
        "document",
        "BQACAgIAAxkBAAIBZWdoc3VtZW50",
        "chek_to‘lov.pdf",
        "application/pdf",
        "To‘lov cheki ilova qilindi",
    ),
    ("voice", "AwACAgIAAxkBAAIBZnZvaWNl", "voice_102.ogg", "audio/ogg", ""),
    (
        "video",
        "BAACAgIAAxkBAAIBZ3ZpZGVv",
        "quti.mp4",
        "video/mp4",
        "Quti shikastlangan keldi",
    ),
    ("video_note", "DQACAgIAAxkBAAIBaHZub3Rl", "video_note_104.mp4", "video/mp4", ""),
    ("audio", "CQACAgIAAxkBAAIBaWF1ZGlv", "shikoyat.mp3", "audio/mpeg", ""),
    ("sticker", "CAACAgIAAxkBAAIBanN0aWNrZXI", "sticker_106.webp", "image/webp", "👍"),
]


@pytest.mark.parametrize(
    ("name", "file_id", "filename", "content_type", "text"), MEDIA, ids=[m[0] for m in MEDIA]
)
def test_media_is_downloaded_through_getfile_and_stored_as_an_attachment(
    tg_inbox: Inbox,
    telegram: FakeTelegram,
    deliver: Any,
    name: str,
    file_id: str,
    filename: str,
    content_type: str,
    text: str,
) -> None:
    # given the file on Telegram's side
    content = f"bytes of {name}".encode() * 10
    telegram.add_file(file_id, f"documents/file_{name}", content)
    # when the update arrives
    deliver(tg_inbox, payload(name))
    # then the largest version was fetched and stored with its name, type and size
    message = Message.objects.get()
    assert message.text == text
    assert telegram.calls_of("getFile")[0].params == {"file_id": file_id}
    assert telegram.downloads == [f"documents/file_{name}"]
    attachment = Attachment.objects.get()
    assert (attachment.message_id, attachment.filename, attachment.content_type) == (
        message.pk,
        filename,
        content_type,
    )
    assert attachment.size == len(content)
    with attachment.file.open("rb") as handle:
        assert handle.read() == content
    [entry] = message.metadata["media"]
    assert (entry["status"], entry["kind"], entry["size"], entry["error"]) == (
        "stored",
        name if name != "private_photo" else "photo",
        len(content),
        "",
    )


def test_a_failed_download_leaves_a_placeholder_and_is_retried(
    tg_inbox: Inbox, telegram: FakeTelegram, deliver: Any
) -> None:
    # given Telegram's file server fails once
    telegram.add_file("photofileid3", "photos/file_1.jpg", b"\xff\xd8jpeg")
    telegram.fail("download", error(502, "Bad Gateway"))
    # when the photo arrives
    deliver(tg_inbox, payload("private_photo"))
    # then the message is there with a pending placeholder and no attachment yet
    message = Message.objects.get()
    [entry] = message.metadata["media"]
    assert (entry["status"], entry["attempts"], entry["error"]) == ("pending", 1, "Bad Gateway")
    assert Attachment.objects.count() == 0
    # when the retry runs
    assert fetch_media.call(message.pk) == "done"
    # then the file is stored and the placeholder done
    message.refresh_from_db()
    assert message.metadata["media"][0]["status"] == "stored"
    assert Attachment.objects.get().size == 6


def test_a_file_over_the_bot_download_limit_fails_at_once_without_a_download(
    tg_inbox: Inbox, telegram: FakeTelegram, deliver: Any
) -> None:
    update = payload("document")
    update["message"]["document"]["file_size"] = 21 * 1024 * 1024
    deliver(tg_inbox, update)
    [entry] = Message.objects.get().metadata["media"]
    assert (entry["status"], entry["error"]) == (
        "failed",
        "The file is larger than the 20 MB a bot may download.",
    )
    assert telegram.calls_of("getFile") == []
    assert Attachment.objects.count() == 0


def test_a_location_is_text_and_metadata(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("location"))
    message = Message.objects.get()
    assert message.text == "📍 41.311081, 69.240562"
    assert message.metadata["location"] == {"latitude": 41.311081, "longitude": 69.240562}


def test_a_venue_is_text_and_metadata(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("venue"))
    message = Message.objects.get()
    assert message.text == "📍 Chorsu bozori, Toshkent, Shayxontohur tumani"
    assert message.metadata["venue"] == {
        "title": "Chorsu bozori",
        "address": "Toshkent, Shayxontohur tumani",
        "latitude": 41.326,
        "longitude": 69.228,
    }
    assert "location" not in message.metadata


def test_the_senders_own_shared_phone_becomes_an_identity(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("contact_own"))
    message = Message.objects.select_related("conversation").get()
    assert message.text == "👤 Dilnoza Karimova, +998901234567"
    assert message.metadata["contact"] == {
        "phone_number": "+998901234567",
        "name": "Dilnoza Karimova",
        "user_id": 5012345678,
    }
    assert identities(message.conversation.contact_id) == [
        ("phone", "+998901234567"),
        ("telegram", "5012345678"),
    ]


def test_a_known_customer_sharing_their_phone_gains_the_identity(
    tg_inbox: Inbox, deliver: Any
) -> None:
    # given Dilnoza wrote before, then shares her own number with the bot's button
    deliver(tg_inbox, payload("location"))
    deliver(tg_inbox, payload("contact_own"))
    contact = Contact.objects.get()
    assert identities(contact.pk) == [("phone", "+998901234567"), ("telegram", "5012345678")]
    assert Message.objects.filter(conversation__contact=contact).count() == 2


def test_someone_elses_shared_phone_is_not_an_identity(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("contact_other"))
    message = Message.objects.select_related("conversation").get()
    assert message.text == "👤 Akmal, +998 93 765 43 21"
    assert identities(message.conversation.contact_id) == [("telegram", "5012345678")]


def test_an_edit_updates_the_message_and_keeps_the_old_text_in_the_timeline(
    tg_inbox: Inbox, deliver: Any
) -> None:
    deliver(tg_inbox, payload("private_text"))
    deliver(tg_inbox, payload("edited_message"))
    message = Message.objects.get()
    assert message.text == "Hello, I need your help with order 1042"
    assert message.metadata["edited_at"] == "2015-09-07T17:06:40+00:00"
    event = Event.objects.get(kind=EventKind.MESSAGE_EDITED)
    assert (event.message_id, event.actor_type, event.data) == (
        message.pk,
        "contact",
        {
            "previous_text": "Hello, I need your Help",
            "text": "Hello, I need your help with order 1042",
        },
    )
    assert InboundPayload.objects.filter(ignored="").count() == 2


def test_an_older_edit_arriving_late_is_ignored(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("private_text"))
    deliver(tg_inbox, payload("edited_message"))
    older = payload("edited_message")
    older["update_id"] += 1
    older["edited_message"].update(edit_date=1441645590, text="an earlier edit")
    deliver(tg_inbox, older)
    assert Message.objects.get().text == "Hello, I need your help with order 1042"
    assert Event.objects.filter(kind=EventKind.MESSAGE_EDITED).count() == 1


def test_an_edit_of_an_unknown_message_is_kept_as_ignored(tg_inbox: Inbox, deliver: Any) -> None:
    assert deliver(tg_inbox, payload("edited_message")).status_code == 200
    assert InboundPayload.objects.get().ignored == "edit of an unknown message"
    assert Message.objects.count() == 0


def test_a_reply_references_the_message_it_answers(
    tg_inbox: Inbox, telegram: FakeTelegram, deliver: Any, on_commit: Any, cast: Cast
) -> None:
    from javob.conversations.actions import check_send_reply

    # given the customer wrote and the agent answered (Telegram gave the answer id 501)
    telegram.known_chats.add(5012345678)
    deliver(tg_inbox, payload("location"))
    conversation_id = Message.objects.get().conversation_id
    with on_commit():
        answer = check_send_reply(cast.alice, conversation_id, "Buyurtma raqamingiz 1042mi?")
    answer.refresh_from_db()
    assert answer.external_id == "5012345678:501"
    # when the customer replies to that answer
    update = payload("reply")
    update["message"]["reply_to_message"]["message_id"] = 501
    deliver(tg_inbox, update)
    # then the reply points at it, in the same conversation
    reply = Message.objects.get(external_id="5012345678:112")
    assert (reply.reply_to_id, reply.references, reply.conversation_id) == (
        answer.pk,
        ["5012345678:501"],
        conversation_id,
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("supergroup_text", "supergroup chat kept for listening"),
        ("group_text", "group chat kept for listening"),
        ("channel_post", "channel post kept for listening"),
        ("callback_query", "unsupported update: callback_query"),
        ("bot_sender", "private chat kept for listening"),
    ],
)
def test_groups_channels_and_unknown_updates_are_acknowledged_and_kept_as_ignored(
    tg_inbox: Inbox, deliver: Any, name: str, reason: str
) -> None:
    response = deliver(tg_inbox, payload(name))
    assert response.status_code == 200
    stored = InboundPayload.objects.get()
    assert (stored.ignored, stored.error, stored.processed_at is not None) == (reason, "", True)
    assert Message.objects.count() == 0


def test_an_inbox_that_takes_groups_as_conversations_threads_them_by_chat(
    cast: Cast, telegram: FakeTelegram, deliver: Any
) -> None:
    inbox = add_telegram_inbox(cast, telegram, groups_as_conversations="true")
    deliver(inbox, payload("supergroup_text"))
    message = Message.objects.select_related("conversation").get()
    assert message.text == "@javob_test_bot yetkazib berish qachon?"
    assert message.external_id == "-1001234567890:55"
    assert message.conversation.thread_key == "group:-1001234567890"
    assert message.metadata["telegram"]["chat_title"] == "Javob mijozlari"


def test_a_message_we_cannot_show_is_stored_as_a_placeholder(tg_inbox: Inbox, deliver: Any) -> None:
    deliver(tg_inbox, payload("poll"))
    message = Message.objects.get()
    assert (message.text, message.metadata["unsupported"]) == ("", "poll")


def test_an_unparseable_body_is_acknowledged_and_quarantined(
    tg_inbox: Inbox, deliver: Any, client: Client
) -> None:
    response = deliver(tg_inbox, {"update_id": 77, "message": {"message_id": "x"}})
    assert response.status_code == 200
    stored = InboundPayload.objects.get()
    assert stored.error.startswith("ValidationError: ")
    assert Message.objects.count() == 0


def test_the_sent_time_is_telegrams(tg_inbox: Inbox, deliver: Any) -> None:
    # The stored time is when we received it (threading and SLAs run on it); Telegram's
    # own date is not lost: it is in the parsed message.
    from javob.connectors.telegram.inbound import to_message
    from javob.connectors.telegram.schemas import Update

    update = payload("private_text")
    parsed = to_message(tg_inbox.pk, Update.model_validate(update).message, update["message"])  # type: ignore[arg-type]
    assert parsed.sent_at == dt.datetime(2015, 9, 7, 17, 5, 32, tzinfo=dt.UTC)
