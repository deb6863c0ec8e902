"""What the agent UI shows from the other apps: canned responses and macros, SLA state,
routing explanations, language and mood, masked personal data, the settings navigation."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from javob.automation.actions import CannedInput, check_save_canned, check_save_macro
from javob.automation.models import CannedResponse, Visibility
from javob.conversations.insights import Insights, do_store_insights
from javob.conversations.models import Conversation, Message
from javob.routing.tests.test_routing import inbox_setting, online, route_new
from javob.sla.tests.support import customer_writes, local, standard_policy, tashkent_office
from javob.web.tests.conftest import World, browser
from javob.web.tests.pages import listed, text

OnCommit = Callable[..., Any]


def picker(client: Client, conversation: Conversation, q: str = "") -> Any:
    return client.get(f"/conversations/{conversation.pk}/canned", {"q": q} if q else {})


def shortcuts(response: Any) -> list[str]:
    return re.findall(r"<kbd>/([\w-]+)</kbd>", text(response))


def canned_set(world: World) -> None:
    alice = world.cast.alice
    check_save_canned(
        alice, CannedInput("thanks", "Thank you", {"en": "Thank you, {{contact.name}}!"})
    )
    check_save_canned(
        alice,
        CannedInput(
            "hello", "Alice's hello", {"en": "Hello from Alice"}, "en", Visibility.PERSONAL
        ),
    )


def test_the_picker_lists_shared_and_own_canned_responses_rendered_for_the_conversation(
    world: World, alice: Client
) -> None:
    canned_set(world)

    response = picker(alice, world.open_chat)

    assert shortcuts(response) == ["hello", "thanks"]
    assert "Thank you, Dilnoza!" in text(response)
    use = CannedResponse.objects.get(shortcut="thanks").pk
    assert f'data-canned-id="{use}"' in text(response)
    assert 'data-use-url="/settings/automation/canned/0/use"' in text(response)


def test_the_picker_searches_by_the_text_after_the_slash(world: World, alice: Client) -> None:
    canned_set(world)

    assert shortcuts(picker(alice, world.open_chat, "tha")) == ["thanks"]
    assert shortcuts(alice.get(f"/conversations/{world.open_chat.pk}/canned?part=list&q=hel")) == [
        "hello"
    ]
    assert "No canned response matches." in text(picker(alice, world.open_chat, "zzz"))


def test_bob_never_sees_alices_personal_canned_responses(
    world: World, bob: Client, charlie: Client
) -> None:
    canned_set(world)

    assert shortcuts(picker(bob, world.open_chat)) == ["thanks"]
    assert picker(bob, world.support_chat).status_code == 404
    assert picker(charlie, world.open_chat).status_code == 404


def test_the_macros_menu_applies_a_visible_macro(world: World, alice: Client, bob: Client) -> None:
    macro = check_save_macro(world.cast.alice, "Escalate", "priority urgent")
    check_save_macro(world.cast.alice, "Mine only", "priority low", Visibility.PERSONAL)
    chat = world.open_chat

    body = text(bob.get(f"/conversations/{chat.pk}/"))

    assert re.findall(r'class="macro-apply">.*?<button type="submit">([^<]+)</button>', body) == [
        "Escalate"
    ]
    assert f'action="/settings/automation/macros/{macro.pk}/apply"' in body
    applied = bob.post(f"/settings/automation/macros/{macro.pk}/apply", {"conversation": chat.pk})
    assert (applied.status_code, Conversation.objects.get(pk=chat.pk).priority) == (200, "urgent")


def enrich(conversation: Conversation, **changes: Any) -> Message:
    message = conversation.messages.get()
    values: dict[str, Any] = {"language": "uz", "sentiment": "negative", "sentiment_score": -0.8}
    values.update(changes)
    do_store_insights(message.pk, Insights(**values))
    return message


def test_customer_messages_show_language_and_mood_and_the_panel_the_conversations(
    world: World, alice: Client
) -> None:
    enrich(world.open_chat)
    chat = Conversation.objects.get(pk=world.open_chat.pk)

    body = text(alice.get(f"/conversations/{chat.pk}/"))

    assert '<span class="badge quiet lang" title="Language">uz</span>' in body
    assert 'class="badge quiet mood-negative" title="Sentiment -0.80">Negative</span>' in body
    panel = body[body.index('id="conversation-intel"') :]
    assert (chat.language, chat.sentiment) == ("uz", "negative")
    assert "<dt>Language</dt><dd>uz</dd>" in panel
    assert '<dt>Mood</dt><dd><span class="badge mood-negative">Negative</span></dd>' in panel


def test_the_inbox_filters_by_mood(world: World, alice: Client) -> None:
    enrich(world.open_chat)

    assert listed(alice.get("/inbox/all/", {"sentiment": "negative"})) == [world.open_chat.pk]
    assert listed(alice.get("/inbox/all/", {"sentiment": "positive"})) == []


CARD = "8600123456789012"


def test_personal_data_is_masked_until_the_agent_asks(
    world: World, alice: Client, bob: Client, charlie: Client
) -> None:
    message = world.support_chat.messages.get()
    Message.objects.filter(pk=message.pk).update(text=f"Karta {CARD}")
    enrich(world.support_chat, pii_spans=[{"start": 6, "end": 22, "kind": "card"}])

    body = text(alice.get(f"/conversations/{world.support_chat.pk}/"))

    assert '<div class="text">Karta ••••••••••••9012</div>' in body
    assert CARD not in body
    assert text(alice.get(f"/messages/{message.pk}/original")) == (
        f'<div class="text">Karta {CARD}</div>\n'
    )
    assert bob.get(f"/messages/{message.pk}/original").status_code == 404
    assert charlie.get(f"/messages/{message.pk}/original").status_code == 404


def test_the_timeline_says_why_a_conversation_was_routed(world: World, alice: Client) -> None:
    cast = world.cast
    online(cast.alice, cast.bob)
    inbox_setting(cast, capacity=5)
    talk = route_new(cast, "c-routed")

    body = html.unescape(text(alice.get(f"/conversations/{talk.pk}/")))

    assert "Routed by Round robin: 2 of 3 agents eligible. Left out: 1 not online." in body


def test_sla_state_on_the_page_and_due_or_breached_in_the_inbox(
    world: World, on_commit: OnCommit
) -> None:
    cast = world.cast
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 30, 10, 0), tick=False) as clock:
        talk = customer_writes(cast, on_commit).conversation
        alice = browser(cast.alice)  # a session started now, not a week ago

        body = html.unescape(text(alice.get(f"/conversations/{talk.pk}/")))
        assert "Policy: Standard · business hours of Tashkent office" in body
        assert "First reply due" in body
        rows = text(alice.get("/inbox/all/", {"sort": "sla"}))
        assert '<span class="badge sla-due"' in rows
        assert "due in 2\xa0hours" in rows
        assert listed(alice.get("/inbox/all/", {"sort": "sla"}))[0] == talk.pk

        clock.move_to(local(2026, 11, 30, 12, 30))
        rows = text(alice.get("/inbox/all/", {"sort": "sla"}))
        assert rows.count('<span class="badge sla-breached">SLA breached</span>') == 1


def test_the_sla_sort_pages_by_due_time_then_conversations_without_a_target(
    world: World, alice: Client, on_commit: OnCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = world.cast
    standard_policy(cast, business_hours=False)
    with time_machine.travel(local(2026, 11, 30, 10, 0), tick=False) as clock:
        first = customer_writes(cast, on_commit, sender="s1").conversation
        clock.shift(60)
        second = customer_writes(cast, on_commit, sender="s2").conversation
    monkeypatch.setattr("javob.web.queries.PAGE_SIZE", 2)

    page_one = alice.get("/inbox/all/", {"sort": "sla"})
    cursor = re.search(r"cursor=([\w-]+)", text(page_one))
    assert cursor is not None
    page_two = alice.get("/inbox/all/", {"sort": "sla", "cursor": cursor.group(1)})

    seen = listed(page_one) + listed(page_two)
    assert seen[:2] == [first.pk, second.pk]
    assert sorted(seen[2:]) == sorted([world.open_chat.pk, world.support_chat.pk])
    assert alice.get("/inbox/all/", {"sort": "sla", "cursor": "x_y"}).status_code == 404


def test_the_settings_pages_of_other_apps_share_the_settings_navigation(alice: Client) -> None:
    for url in ("/settings/sla/", "/settings/automation/", "/settings/routing/", "/settings/"):
        response = alice.get(url, follow=True)
        links = re.findall(r'<li><a href="(/settings/[\w/]*)"', text(response))
        assert links[-4:] == [
            "/settings/sla/",
            "/settings/automation/",
            "/settings/automation/rules/",
            "/settings/routing/",
        ], url
