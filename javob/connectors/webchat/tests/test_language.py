"""The widget's language travels with the conversation: it becomes the conversation's
language when it has none yet, so routing and the auto-acknowledgement use it at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Cast
from javob.accounts.actions import check_set_availability
from javob.connectors.actions import do_add_inbox
from javob.connectors.webchat.tests.support import SITE, Widget, add_webchat
from javob.conversations.models import Conversation
from javob.routing.actions import SettingInput, check_save_setting


@pytest.mark.parametrize(
    ("browser", "visitor_language", "conversation_language"),
    [
        (("ru-RU", "en"), "ru", "ru"),
        (("uz-Cyrl-UZ",), "uz-cyrl", "uz-Cyrl"),
        (("uz",), "uz", "uz-Latn"),
        (("en-GB",), "en", "en"),
        (("de-DE",), "uz", "uz-Latn"),  # not served: the inbox's default
    ],
)
def test_the_widget_language_becomes_the_conversation_language(
    cast: Cast, browser: tuple[str, ...], visitor_language: str, conversation_language: str
) -> None:
    widget = Widget(add_webchat(cast.a))
    assert widget.start(languages=browser).json()["language"] == visitor_language

    message_id = widget.say("c1", "#4521").json()["id"]

    talk = Conversation.objects.get(messages__pk=message_id)
    assert talk.language == conversation_language


def test_a_conversation_that_has_a_language_keeps_it(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a))
    widget.start(languages=("ru",))
    first = widget.say("c1", "#4521").json()["id"]
    talk = Conversation.objects.get(messages__pk=first)
    Conversation.objects.filter(pk=talk.pk).update(language="en")  # as detection would

    widget.start(languages=("uz",))
    widget.say("c2", "#4522")

    talk.refresh_from_db()
    assert talk.language == "en"


def test_routing_by_language_uses_the_widget_language_from_the_first_message(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # alice speaks uz and ru, bob en; both online; the chat routes by language
    chat = do_add_inbox(cast.a, "webchat", "Chat", {"allowed_origins": SITE}, ["ru", "en"])
    check_set_availability(cast.alice, "online")
    check_set_availability(cast.bob, "online")
    check_save_setting(cast.alice, SettingInput(match_language=True), inbox_id=chat.pk)
    visitors = [(Widget(chat), lang) for lang in ("en-US", "en-GB", "ru-RU")]
    for widget, lang in visitors:
        widget.start(languages=(lang,))

    sent = []
    for number, (widget, _lang) in enumerate(visitors):
        with on_commit():
            sent.append(widget.say(f"m{number}", f"#{number}").json()["id"])

    assignees = [Conversation.objects.get(messages__pk=pk).assignee_id for pk in sent]
    assert assignees == [cast.bob.pk, cast.bob.pk, cast.alice.pk]
