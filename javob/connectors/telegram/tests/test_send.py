"""Agent replies to Telegram: MarkdownV2 or plain text, long texts split, photos and documents
uploaded, replies to a message; Bot API errors mapped to permanent or transient failures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.connectors.base import OutgoingFile
from javob.connectors.health import inbox_health
from javob.connectors.telegram.tests.conftest import add_telegram_inbox, payload
from javob.connectors.telegram.tests.fake_telegram import TOKEN, FakeTelegram, error
from javob.conversations.actions import check_send_reply, do_send_reply, store_attachment
from javob.conversations.models import Conversation, Inbox, Message

pytestmark = pytest.mark.django_db
CHAT = 5012345678
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def conversation(tg_inbox: Inbox, telegram: FakeTelegram, deliver: Any) -> Conversation:
    """Dilnoza wrote to the bot from her private chat."""
    telegram.known_chats.add(CHAT)
    deliver(tg_inbox, payload("location"))
    return Message.objects.select_related("conversation").get().conversation


def reply(cast: Cast, conversation: Conversation, on_commit: Any, text: str, **kw: Any) -> Message:
    with on_commit():
        message = check_send_reply(cast.alice, conversation.pk, text, **kw)
    message.refresh_from_db()
    return message


def test_a_reply_is_sent_as_escaped_markdownv2(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    message = reply(cast, conversation, on_commit, "Narxi 1.500 so'm (chegirma -10%)! _a_ [x]")
    [call] = telegram.calls_of("sendMessage")
    assert call.params == {
        "chat_id": CHAT,
        "text": "Narxi 1\\.500 so'm \\(chegirma \\-10%\\)\\! \\_a\\_ \\[x\\]",
        "parse_mode": "MarkdownV2",
    }
    assert (message.delivery_status, message.external_id, message.failure_reason) == (
        "sent",
        f"{CHAT}:501",
        "",
    )


def test_a_formatted_reply_keeps_its_bold_links_and_code(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    html = '<p>Salom <b>Dilnoza</b>!</p><p>Kod: <code>A-1</code>, <a href="https://x.uz/b">havola</a>.</p>'
    reply(cast, conversation, on_commit, "Salom Dilnoza! Kod: A-1, havola.", html=html)
    assert telegram.calls_of("sendMessage")[0].params["text"] == (
        "Salom *Dilnoza*\\!\nKod: `A-1`, [havola](https://x.uz/b)\\."
    )


def test_a_plain_inbox_sends_the_text_as_it_is(
    cast: Cast, telegram: FakeTelegram, deliver: Any, on_commit: Any
) -> None:
    inbox = add_telegram_inbox(cast, telegram, parse_mode="plain")
    telegram.known_chats.add(CHAT)
    deliver(inbox, payload("location"))
    conversation = Message.objects.get().conversation
    reply(cast, conversation, on_commit, "Narxi 1.500 so'm (chegirma -10%)!")
    assert telegram.calls_of("sendMessage")[0].params == {
        "chat_id": CHAT,
        "text": "Narxi 1.500 so'm (chegirma -10%)!",
    }


def test_a_long_reply_is_split_on_paragraph_boundaries(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    paragraph = ("Buyurtmangiz yo'lda. " * 100).strip()  # 2,099 characters
    text = "\n\n".join([paragraph] * 4)
    message = reply(cast, conversation, on_commit, text)
    sent = [call.params["text"] for call in telegram.calls_of("sendMessage")]
    escaped = paragraph.replace(".", "\\.")
    assert sent == [escaped, escaped, escaped, escaped]
    assert message.external_id == f"{CHAT}:501"


def test_photos_and_documents_are_uploaded_after_the_text(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    with on_commit():
        message = check_send_reply(cast.alice, conversation.pk, "Mana chek va rasm")
        store_attachment(message, "chek.pdf", "application/pdf", b"%PDF-1.4 chek")
        store_attachment(message, "quti.jpg", "image/jpeg", b"\xff\xd8\xff jpeg")
    assert [call.method for call in telegram.calls[-3:]] == [
        "sendMessage",
        "sendDocument",
        "sendPhoto",
    ]
    document, photo = telegram.calls[-2], telegram.calls[-1]
    assert (document.params, document.files) == (
        {"chat_id": str(CHAT)},
        {"document": ("chek.pdf", "application/pdf", b"%PDF-1.4 chek")},
    )
    assert (photo.params, photo.files) == (
        {"chat_id": str(CHAT)},
        {"photo": ("quti.jpg", "image/jpeg", b"\xff\xd8\xff jpeg")},
    )
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == ("sent", f"{CHAT}:501")


def test_a_reply_of_only_a_photo_sends_just_the_photo(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    photo = OutgoingFile("quti.jpg", "image/jpeg", 11)
    sent_before = len(telegram.calls)
    with on_commit():
        message = check_send_reply(cast.alice, conversation.pk, "  ", files=[photo])
        store_attachment(message, "quti.jpg", "image/jpeg", b"\xff\xd8\xff jpeg")
    assert [call.method for call in telegram.calls[sent_before:]] == ["sendPhoto"]
    message.refresh_from_db()
    assert (message.text, message.delivery_status, message.external_id) == (
        "",
        "sent",
        f"{CHAT}:501",
    )


def test_answering_a_specific_message_replies_to_it(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    incoming = Message.objects.get(direction="incoming")
    with on_commit():
        do_send_reply(conversation, "Manzil qabul qilindi", actor=cast.alice, reply_to=incoming)
    assert telegram.calls_of("sendMessage")[0].params["reply_parameters"] == {
        "message_id": 107,
        "allow_sending_without_reply": True,
    }


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        ("blocked", "Forbidden: bot was blocked by the user"),
        ("deactivated", "Forbidden: user is deactivated"),
        ("unknown", "Bad Request: chat not found"),
    ],
)
def test_a_refusing_chat_is_a_permanent_failure_with_telegrams_reason(
    cast: Cast,
    conversation: Conversation,
    telegram: FakeTelegram,
    on_commit: Any,
    refusal: str,
    reason: str,
) -> None:
    if refusal == "blocked":
        telegram.blocked.add(CHAT)
    elif refusal == "deactivated":
        telegram.deactivated.add(CHAT)
    else:
        telegram.known_chats.discard(CHAT)
    message = reply(cast, conversation, on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason, message.attempts) == (
        "failed",
        reason,
        1,
    )
    assert message.next_attempt_at is None
    health = inbox_health(conversation.inbox)
    assert (health.healthy, health.operation, health.last_error) == (False, "send", reason)


def test_a_rate_limit_waits_exactly_retry_after(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any
) -> None:
    telegram.fail("sendMessage", error(429, "Too Many Requests: retry after 7", retry_after=7))
    with time_machine.travel(T0, tick=False):
        message = reply(cast, conversation, on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == (
        "queued",
        "Too Many Requests: retry after 7",
    )
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=7)


def test_a_server_error_is_transient_with_backoff_and_then_sends(
    cast: Cast, conversation: Conversation, telegram: FakeTelegram, on_commit: Any, settings: Any
) -> None:
    from javob.conversations.tasks import deliver_message

    settings.JAVOB_RETRY_BASE_SECONDS = 10
    telegram.fail("sendMessage", error(502, "Bad Gateway"))
    with time_machine.travel(T0, tick=False):
        message = reply(cast, conversation, on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == ("queued", "Bad Gateway")
    assert T0 + dt.timedelta(seconds=5) <= message.next_attempt_at <= T0 + dt.timedelta(seconds=10)  # type: ignore[operator]
    # when the retry is due, it goes through and the inbox is healthy again
    with time_machine.travel(T0 + dt.timedelta(seconds=11), tick=False):
        assert deliver_message.call(message.pk) == "sent"
    assert inbox_health(conversation.inbox).healthy is True


def test_an_unreachable_api_is_transient_and_never_shows_the_token(
    cast: Cast, conversation: Conversation, on_commit: Any, telegram: FakeTelegram
) -> None:
    Inbox.objects.filter(pk=conversation.inbox_id).update(
        settings={"api_url": "http://127.0.0.1:9", "parse_mode": "MarkdownV2"}
    )
    message = reply(cast, conversation, on_commit, "Salom")
    assert message.delivery_status == "queued"
    assert message.failure_reason == "Cannot connect to 127.0.0.1:9: [Errno 111] Connection refused"
    assert TOKEN not in message.failure_reason
    assert TOKEN.split(":")[1] not in inbox_health(conversation.inbox).last_error
