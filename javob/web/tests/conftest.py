"""Fixtures of the agent UI tests: signed-in browsers for the cast and a few conversations.

In workspace A: `open_chat` (no team: alice and bob see it), `support_chat` (team Support:
bob may not see it). In workspace B: `other` (only charlie sees it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.models import Membership
from javob.conversations.actions import check_assign, receive_message
from javob.conversations.models import Conversation
from javob.conversations.tests.factories import inbound


@dataclass
class World:
    cast: Cast
    open_chat: Conversation
    support_chat: Conversation
    other: Conversation


def receive(
    inbox_id: int, sender: str, text: str = "Salom", *, name: str = "Dilnoza", thread_key: str = ""
) -> Conversation:
    message = receive_message(
        inbound(inbox_id, sender, text, name=name, thread_key=thread_key)
    ).message
    return Conversation.objects.get(pk=message.conversation_id)


def browser(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def world(cast: Cast) -> World:
    open_chat = receive(cast.inbox_a.pk, "cust-open", "Buyurtmam qayerda?", name="Dilnoza")
    support_chat = receive(cast.inbox_a.pk, "cust-support", "Parolim ishlamayapti", name="Rustam")
    check_assign(cast.alice, support_chat.pk, team_id=cast.support.pk)
    other = receive(cast.inbox_b.pk, "cust-b", "Privet", name="Ivan")
    return World(cast, open_chat, support_chat, Conversation.objects.get(pk=other.pk))


@pytest.fixture
def alice(cast: Cast) -> Client:
    return browser(cast.alice)


@pytest.fixture
def bob(cast: Cast) -> Client:
    return browser(cast.bob)


@pytest.fixture
def charlie(cast: Cast) -> Client:
    return browser(cast.charlie)
