"""Replies to a visitor who left go out by email once; the bot answers first and steps back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from conftest import Cast
from javob.connectors.webchat.actions import do_touch
from javob.connectors.webchat.followup import email_unseen_replies
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.tests.support import Widget, add_webchat
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Message

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _visitor_who_left(cast: Cast) -> tuple[Widget, int]:
    widget = Widget(add_webchat(cast.a, away_minutes="10"))
    widget.start(languages=("en",))
    widget.post("visitor", {"name": "Aziza", "email": "aziza@example.com"})
    message_id = widget.say("c1", "Is my order shipped?").json()["id"]
    visitor = Visitor.objects.get()
    do_touch(visitor.pk, connected=1)
    do_touch(visitor.pk, connected=-1)  # closed the tab at NOW
    return widget, Message.objects.get(pk=message_id).conversation_id


def test_unseen_replies_are_mailed_once_after_the_away_time(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        _widget, conversation_id = _visitor_who_left(cast)
        check_send_reply(cast.alice, conversation_id, "Yes, it ships today.")
        assert email_unseen_replies() == 0  # gone for less than 10 minutes
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        assert email_unseen_replies() == 1
        assert email_unseen_replies() == 0
        check_send_reply(cast.alice, conversation_id, "Tracking: UZ123.")
        assert email_unseen_replies() == 1

    first, second = mail.outbox
    assert first.to == ["aziza@example.com"]
    number = Message.objects.get(text="Yes, it ships today.").conversation.number
    assert first.subject == f"[#{number}] New reply from Site chat"
    assert "alice@example.com: Yes, it ships today." in first.body
    assert "Tracking" not in first.body
    assert "alice@example.com: Tracking: UZ123." in second.body


def test_a_visitor_who_is_still_here_or_read_the_reply_gets_no_mail(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        _widget, conversation_id = _visitor_who_left(cast)
        reply = check_send_reply(cast.alice, conversation_id, "Yes.")
        Message.objects.filter(pk=reply.pk).update(read_at=timezone.now())
        visitor = Visitor.objects.get()
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        assert email_unseen_replies() == 0
        do_touch(visitor.pk, connected=1)
        check_send_reply(cast.alice, conversation_id, "Anything else?")
        assert email_unseen_replies() == 0
    assert mail.outbox == []


def test_the_bot_answers_first_and_hands_over(cast: Cast, on_commit: Callable[..., Any]) -> None:
    widget = Widget(add_webchat(cast.a, bot="javob.connectors.webchat.tests.bots.Parrot"))
    widget.start()

    with on_commit():
        widget.say("c1", "Salom")
    with on_commit():
        widget.say("c2", "I want a person")
    with on_commit():
        widget.say("c3", "Hello?")

    rows = list(Message.objects.order_by("id").values_list("sender_type", "text"))
    assert rows == [
        ("contact", "Salom"),
        ("bot", "You said: Salom"),
        ("contact", "I want a person"),
        ("bot", "Connecting you to a person."),
        ("contact", "Hello?"),
    ]
    assert Visitor.objects.get().bot_active is False


def test_an_agent_reply_stops_the_bot(cast: Cast, on_commit: Callable[..., Any]) -> None:
    widget = Widget(add_webchat(cast.a, bot="javob.connectors.webchat.tests.bots.Parrot"))
    widget.start()
    with on_commit():
        conversation_id = Message.objects.get(
            pk=widget.say("c1", "Salom").json()["id"]
        ).conversation_id
    with on_commit():
        check_send_reply(cast.alice, conversation_id, "Alice here.")
    with on_commit():
        widget.say("c2", "Thanks")

    texts = list(Message.objects.order_by("id").values_list("text", flat=True))
    assert texts == ["Salom", "You said: Salom", "Alice here.", "Thanks"]
