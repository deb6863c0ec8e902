"""Nobody sees across workspaces; an agent cannot open what the visibility rules hide; and
a refused change changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from javob.conversations.actions import store_attachment
from javob.conversations.models import Attachment, Conversation, Event, Message
from javob.web.tests.conftest import World


def _snapshot() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for model in (Conversation, Message, Event, Attachment):
        rows += [tuple(r.values()) for r in model.objects.order_by("pk").values()]
    return rows


def _pages(world: World, conversation: Conversation) -> list[str]:
    message = conversation.messages.order_by("id")[0]
    store_attachment(message, "chek.png", "image/png", b"png")
    attachment = Attachment.objects.get(message=message)
    return [
        f"/conversations/{conversation.pk}/",
        f"/conversations/{conversation.pk}/timeline.html",
        f"/conversations/{conversation.pk}/panel.html",
        f"/inbox/all/row/{conversation.pk}",
        f"/attachments/{attachment.pk}",
        f"/inbox/team-{conversation.team_id or world.cast.support.pk}/",
        f"/inbox/inbox-{conversation.inbox_id}/",
    ]


CHANGES = ["message", "assign", "status", "snooze", "priority", "labels", "merge"]


def test_charlie_of_workspace_b_sees_nothing_of_a(world: World, charlie: Client) -> None:
    conversation = world.open_chat
    for url in _pages(world, conversation):
        response = charlie.get(url)
        # the row view answers "not in this view" like for any other id
        expected = 200 if "/row/" in url else 404
        assert response.status_code == expected, url
        if expected == 200:
            assert response.content == b""


@pytest.mark.parametrize("what", CHANGES)
def test_charlie_cannot_change_a_conversation_of_a(
    world: World, charlie: Client, what: str
) -> None:
    before = _snapshot()
    data = {"text": "x", "status": "resolved", "priority": "high", "labels": "x", "into": "1"}
    data |= {"until": "2030-01-01T10:00", "assignee_id": str(world.cast.charlie.pk)}

    response = charlie.post(f"/conversations/{world.open_chat.pk}/{what}", data)

    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("what", ["split", "retry"])
def test_charlie_cannot_touch_messages_of_a(world: World, charlie: Client, what: str) -> None:
    message = world.open_chat.messages.order_by("id")[0]
    before = _snapshot()

    assert charlie.post(f"/messages/{message.pk}/{what}").status_code == 404
    assert _snapshot() == before


def test_charlie_lists_only_his_own_workspace(world: World, charlie: Client) -> None:
    body = charlie.get("/inbox/all/").content.decode()

    assert f'id="conv-{world.other.pk}"' in body
    assert f'id="conv-{world.open_chat.pk}"' not in body
    assert "API A" not in body
    assert "Support" not in body


def test_bob_cannot_open_a_support_conversation(world: World, bob: Client) -> None:
    for url in _pages(world, world.support_chat):
        response = bob.get(url)
        if "/row/" in url:
            assert response.content == b""
        elif "/inbox/inbox-" in url:
            assert response.status_code == 200  # the inbox view lists only what he may see
            assert f'id="conv-{world.support_chat.pk}"' not in response.content.decode()
        else:
            assert response.status_code == 404, url


@pytest.mark.parametrize("what", CHANGES)
def test_bob_cannot_change_a_support_conversation(world: World, bob: Client, what: str) -> None:
    before = _snapshot()
    data = {"text": "x", "status": "resolved", "priority": "high", "labels": "x"}
    data |= {"until": "2030-01-01T10:00", "into": str(world.open_chat.number)}

    response = bob.post(f"/conversations/{world.support_chat.pk}/{what}", data)

    assert response.status_code == 404
    assert _snapshot() == before


def test_bob_cannot_merge_into_a_conversation_he_cannot_see(world: World, bob: Client) -> None:
    before = _snapshot()

    bob.post(f"/conversations/{world.open_chat.pk}/merge", {"into": str(world.support_chat.number)})

    assert _snapshot() == before


def test_signed_out_visitors_are_sent_to_sign_in(world: World) -> None:
    client = Client()
    for url in ("/inbox/", f"/conversations/{world.open_chat.pk}/", "/preferences/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
