from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Direction, Message, SenderType
from javob.conversations.tests.factories import inbound
from javob.core.errors import ActionError, PermissionDenied
from javob.sla.actions import check_set_auto_ack
from javob.sla.autoack import ack_text, choose_language, normalise_language
from javob.sla.models import AutoAck, AutoAckSent, SlaTimer
from javob.sla.tests.support import customer_writes, local, standard_policy, tashkent_office

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]


def acks(conversation: Conversation) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation=conversation, direction=Direction.OUTGOING, sender_type=SenderType.SYSTEM
        ).order_by("id")
    )


def write(cast: Cast, on_commit: OnCommit, sender: str = "c-1", **fields: Any) -> Message:
    message = dataclasses.replace(inbound(cast.inbox_a.pk, sender), **fields)
    with on_commit():
        return receive_message(message).message


def test_friday_evening_acknowledgement_names_monday_in_tashkent_time(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="en")
    with time_machine.travel(local(2026, 11, 27, 17, 30), tick=False):
        text = "Hello, where is my order? It has not arrived yet."
        conversation = customer_writes(cast, on_commit, text=text).conversation

    [ack] = acks(conversation)
    assert ack.text == (
        "We have received your message. We will answer by 10:30 on Monday, 30 November, "
        "Tashkent time."
    )
    assert ack.metadata == {"automated": True, "auto_reply": "acknowledgement"}
    # The acknowledgement is not an agent's reply: the first-reply target still runs.
    assert (
        SlaTimer.objects.get(conversation=conversation, metric="first_reply").fulfilled_at is None
    )


def test_evening_acknowledgement_says_tomorrow(cast: Cast, on_commit: OnCommit) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="en")
    with time_machine.travel(local(2026, 11, 23, 17, 30), tick=False):
        conversation = customer_writes(cast, on_commit).conversation

    assert [m.text for m in acks(conversation)] == [
        # the customer wrote in Uzbek: the acknowledgement is in Uzbek
        "Xabaringizni qabul qildik. Ertaga soat 10:30 gacha javob beramiz (Tashkent vaqti bilan)."
    ]


def test_without_a_policy_a_closed_office_announces_its_opening(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="en")
    with time_machine.travel(local(2026, 11, 23, 8, 0), tick=False):
        conversation = customer_writes(cast, on_commit).conversation

    assert [m.text for m in acks(conversation)] == [
        "Xabaringizni qabul qildik. Bugun soat 09:00 gacha javob beramiz (Tashkent vaqti bilan)."
    ]


def test_once_per_conversation_and_never_to_automated_mail(cast: Cast, on_commit: OnCommit) -> None:
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="en")
    first = write(cast, on_commit)
    write(cast, on_commit, text="Yana bir savol")
    robot = write(cast, on_commit, sender="noreply", metadata={"automated": True})

    assert [m.text for m in acks(first.conversation)] == [
        "Xabaringizni qabul qildik va imkon qadar tezroq javob beramiz."
    ]
    assert acks(robot.conversation) == []
    assert AutoAckSent.objects.count() == 1


def test_disabled_inbox_sends_nothing(cast: Cast, on_commit: OnCommit) -> None:
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=False, default_language="en")

    assert acks(write(cast, on_commit).conversation) == []


@pytest.mark.parametrize(
    ("contact_locale", "expected"),
    [
        ("uz-Cyrl-UZ", "uz-cyrl"),
        ("uz_Latn", "uz"),
        ("uz", "uz"),
        ("ru-RU", "ru"),
        ("en-GB", "en"),
        ("de-DE", "uz"),  # not shipped: the inbox default
        ("", "uz"),
    ],
)
def test_acknowledgement_language_follows_the_contact(
    cast: Cast, on_commit: OnCommit, contact_locale: str, expected: str
) -> None:
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="uz")

    # "ok" is too short to tell a language: the contact's locale decides
    message = write(cast, on_commit, contact_locale=contact_locale, text="ok")

    sent = AutoAckSent.objects.get(conversation=message.conversation)
    assert (sent.language, sent.message_id) == (expected, acks(message.conversation)[0].pk)


def test_the_conversation_language_comes_before_the_contact_language(cast: Cast) -> None:
    conversation = Conversation(language="ru")
    conversation.contact = receive_message(
        dataclasses.replace(inbound(cast.inbox_a.pk), contact_locale="en")
    ).message.conversation.contact

    assert choose_language(conversation, "uz") == "ru"
    assert normalise_language("zh-Hans") is None


@pytest.mark.parametrize("language", ["uz", "uz-cyrl", "ru", "en"])
def test_each_shipped_language_renders_the_text(language: str) -> None:
    due = local(2026, 11, 24, 10, 0)

    text = ack_text(language, due, "Asia/Tashkent", local(2026, 11, 23, 18, 30))

    assert "10:00" in text
    assert "Tashkent" in text
    if language == "en":
        assert text == (
            "We have received your message. We will answer by 10:00 tomorrow, Tashkent time."
        )


def test_only_admins_change_acknowledgement_settings(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        check_set_auto_ack(cast.bob, cast.inbox_a.pk, enabled=True, default_language="en")
    with pytest.raises(ActionError):
        check_set_auto_ack(cast.charlie, cast.inbox_a.pk, enabled=True, default_language="en")
    with pytest.raises(ActionError):
        check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="fr")

    assert AutoAck.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Здравствуйте, где мой заказ? Он до сих пор не пришёл.",
            "Мы получили ваше сообщение. Ответим завтра до 11:00 (часовой пояс Tashkent).",
        ),
        (
            "Ассалому алайкум, буюртмам қаерда? Ҳали ҳам келмади.",
            "Хабарингизни қабул қилдик. Эртага соат 11:00 гача жавоб берамиз "
            "(Tashkent вақти билан).",
        ),
        (
            "Hello, where is my order? It has not arrived yet.",
            "We have received your message. We will answer by 11:00 tomorrow, Tashkent time.",
        ),
    ],
)
def test_the_acknowledgement_speaks_each_shipped_language(
    cast: Cast, on_commit: OnCommit, text: str, expected: str
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    check_set_auto_ack(cast.alice, cast.inbox_a.pk, enabled=True, default_language="en")
    # Monday 20:00 in Tashkent; two business hours later is Tuesday 11:00
    with time_machine.travel(local(2026, 11, 23, 20, 0), tick=False):
        conversation = customer_writes(cast, on_commit, text=text).conversation

    assert [ack.text for ack in acks(conversation)] == [expected]
