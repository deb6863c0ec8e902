"""Mentions: a note naming `@alice` puts the conversation in alice's Mentions view, only if
she may see it; unknown handles and other workspaces' agents are plain text."""

from __future__ import annotations

from typing import Any

from django.test import Client

from javob.conversations.actions import check_assign
from javob.conversations.models import Message
from javob.web.mentions import handles
from javob.web.models import Mention
from javob.web.tests.conftest import World, receive
from javob.web.tests.pages import counts, listed
from javob.web.tests.test_inbox import QUERIES_INBOX_AGENT


def note(client: Client, conversation_id: int, text: str) -> None:
    response = client.post(
        f"/conversations/{conversation_id}/message", {"text": text, "mode": "note"}
    )
    assert response.status_code == 302, response.status_code


def recorded() -> list[tuple[int, int, int, int | None]]:
    return list(
        Mention.objects.order_by("id").values_list(
            "membership_id", "conversation_id", "message_id", "author_id"
        )
    )


def test_the_handle_rule() -> None:
    text = "@Alice, ask @bob.karimov. Mail alice@example.com or @ nobody; (@Aziza-K-)"
    assert handles(text) == {"alice", "bob.karimov", "aziza-k"}


def test_bobs_note_naming_alice_records_one_mention(world: World, bob: Client) -> None:
    # when bob writes a note on the unteamed chat naming alice (and someone unknown)
    note(bob, world.open_chat.pk, "@ALICE please check, cc @nobody")
    # then alice is recorded as mentioned by bob in that note
    message = Message.objects.get(conversation=world.open_chat, direction="note")
    assert recorded() == [(world.cast.alice.pk, world.open_chat.pk, message.pk, world.cast.bob.pk)]
    assert message.text == "@ALICE please check, cc @nobody"


def test_a_display_name_without_spaces_is_a_handle(world: World, bob: Client) -> None:
    alice = world.cast.alice
    alice.display_name = "Aziza Karimova"
    alice.save(update_fields=["display_name"])

    note(bob, world.open_chat.pk, "@azizakarimova look")

    assert [m[0] for m in recorded()] == [alice.pk]


def test_no_mention_for_who_may_not_see_nor_for_another_workspace(
    world: World, alice: Client
) -> None:
    # bob may not see the Support chat; charlie is in workspace B; alice names herself
    note(alice, world.support_chat.pk, "@bob @charlie @alice")
    note(alice, world.open_chat.pk, "@charlie")

    assert recorded() == []


def test_the_mentions_view_lists_and_counts_it(world: World, bob: Client, alice: Client) -> None:
    # given alice names bob on the open chat
    note(alice, world.open_chat.pk, "@bob can you take this?")
    # then bob's Mentions view lists it and counts it; alice's does not
    assert listed(bob.get("/inbox/mentions/")) == [world.open_chat.pk]
    assert counts(bob.get("/inbox/mentions/nav"))["mentions"] == 1
    assert listed(alice.get("/inbox/mentions/")) == []
    assert counts(alice.get("/inbox/all/nav"))["mentions"] == 0


def test_the_mentions_view_keeps_the_visibility_rules(
    world: World, alice: Client, bob: Client
) -> None:
    # given bob was mentioned, then the chat moved to Support, out of his sight
    note(alice, world.open_chat.pk, "@bob")
    check_assign(world.cast.alice, world.open_chat.pk, team_id=world.cast.support.pk)

    assert listed(bob.get("/inbox/mentions/")) == []
    assert counts(bob.get("/inbox/mentions/nav"))["mentions"] == 0


def test_a_mentions_row_refreshes_live(world: World, alice: Client, bob: Client) -> None:
    note(alice, world.open_chat.pk, "@bob")
    row = bob.get(f"/inbox/mentions/row/{world.open_chat.pk}")
    assert f'id="conv-{world.open_chat.pk}"' in row.content.decode()
    assert bob.get(f"/inbox/mentions/row/{world.support_chat.pk}").content == b""


def test_the_mentions_view_costs_the_same_queries_for_1_or_6_rows(
    world: World, bob: Client, alice: Client, django_assert_num_queries: Any
) -> None:
    note(alice, world.open_chat.pk, "@bob")
    with django_assert_num_queries(QUERIES_INBOX_AGENT):
        assert len(listed(bob.get("/inbox/mentions/"))) == 1
    with django_assert_num_queries(QUERIES_NAV_AGENT):
        assert counts(bob.get("/inbox/mentions/nav"))["mentions"] == 1
    for n in range(5):
        note(alice, receive(world.cast.inbox_a.pk, f"more-{n}").pk, "@bob")
    with django_assert_num_queries(QUERIES_INBOX_AGENT):
        assert len(listed(bob.get("/inbox/mentions/"))) == 6
    with django_assert_num_queries(QUERIES_NAV_AGENT):
        assert counts(bob.get("/inbox/mentions/nav"))["mentions"] == 6


# bob's sidebar: one query more than alice's (an agent's visibility reads his teams); the
# Mentions count is part of the one aggregate, never a query of its own.
QUERIES_NAV_AGENT = 8
