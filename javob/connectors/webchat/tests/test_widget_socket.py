"""The visitor's websocket against the full ASGI application: handshake checks, messages
acknowledged once however often they are resent, replies, typing and read receipts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from django.test import Client

from conftest import Cast, make_cast
from javob.asgi import application
from javob.connectors.webchat.connector import agent_typing
from javob.connectors.webchat.tests.support import SITE, Widget, add_webchat
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Message
from javob.realtime.tests.websocket import WebsocketCommunicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
QUIET = 0.2


@dataclass
class Chat:
    cast: Cast
    widget: Widget
    agent: WebsocketCommunicator


def _setup() -> tuple[Cast, Widget, str]:
    cast = make_cast()
    widget = Widget(add_webchat(cast.a))
    widget.start()
    client = Client()
    client.force_login(cast.alice.user)
    return cast, widget, client.cookies["sessionid"].value


@pytest_asyncio.fixture
async def chat(transactional_db: None) -> AsyncIterator[Chat]:
    cast, widget, session = await database_sync_to_async(_setup)()
    agent = WebsocketCommunicator(
        application,
        "/ws/agent/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={session}".encode())],
    )
    assert (await agent.connect())[0] is True
    await agent.receive_json_from()  # hello
    yield Chat(cast, widget, agent)
    await agent.disconnect()


async def _visitor(widget: Widget, origin: str = SITE, token: str = "") -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        f"/ws/widget/{widget.public_id}/?token={token or widget.token}",
        headers=[(b"origin", origin.encode())],
    )


async def _next(socket: WebsocketCommunicator) -> tuple[str, Any]:
    """The next event; storing a message (with its enrichment) may take a moment."""
    event = await socket.receive_json_from(timeout=10)
    return event["event"], event["payload"]


async def _events(socket: WebsocketCommunicator) -> list[tuple[str, Any]]:
    """Every event that arrives until the socket has been quiet for QUIET seconds."""
    got = []
    while not await socket.receive_nothing(timeout=QUIET):
        event = await socket.receive_json_from()
        got.append((event["event"], event["payload"]))
    return got


async def test_a_foreign_origin_or_a_bad_token_is_refused(chat: Chat) -> None:
    foreign = await _visitor(chat.widget, origin="https://evil.example")
    forged = await _visitor(chat.widget, token="forged")

    assert await foreign.connect() == (False, 4403)
    assert await forged.connect() == (False, 4403)


async def test_a_message_resent_after_a_reconnect_is_stored_once(chat: Chat) -> None:
    socket = await _visitor(chat.widget)
    assert (await socket.connect())[0] is True
    assert await socket.receive_json_from() == {"event": "hello", "payload": {"agents": "away"}}
    await socket.send_json_to({"type": "message", "client_id": "m1", "text": "Salom"})
    event, ack = await _next(socket)
    assert (event, ack["client_id"]) == ("ack", "m1")
    # the connection drops before the widget saw the ack; it resends on a new one
    await socket.disconnect()
    again = await _visitor(chat.widget)
    await again.connect()
    await again.receive_json_from()
    await again.send_json_to({"type": "message", "client_id": "m1", "text": "Salom"})
    await again.send_json_to({"type": "message", "client_id": "m2", "text": "Yordam kerak"})

    acks = [(await _next(again))[1], (await _next(again))[1]]
    assert [a["client_id"] for a in acks] == ["m1", "m2"]
    assert await _events(again) == []
    assert acks[0]["id"] == ack["id"]
    texts = await database_sync_to_async(
        lambda: list(Message.objects.order_by("id").values_list("text", flat=True))
    )()
    assert texts == ["Salom", "Yordam kerak"]
    await again.disconnect()


async def test_agent_replies_and_typing_reach_the_widget_and_reads_come_back(chat: Chat) -> None:
    socket = await _visitor(chat.widget)
    await socket.connect()
    await socket.receive_json_from()
    await socket.send_json_to({"type": "message", "client_id": "m1", "text": "Salom"})
    _ack, ack = await _next(socket)
    assert (await _next(chat.agent))[0] == "message.created"
    await _events(chat.agent)  # the enrichment event
    conversation_id = await database_sync_to_async(
        lambda: Message.objects.get(pk=ack["id"]).conversation_id
    )()

    # the visitor types: alice sees it
    await socket.send_json_to({"type": "typing", "typing": True})
    event, payload = await _next(chat.agent)
    assert (event, payload["conversation_id"], payload["typing"]) == (
        "visitor.typing",
        conversation_id,
        True,
    )
    # alice types, then answers: the visitor sees both
    await database_sync_to_async(agent_typing)(conversation_id, "Alice", True)
    reply = await database_sync_to_async(check_send_reply)(
        chat.cast.alice, conversation_id, "Assalomu alaykum!"
    )
    got = [await _next(socket), await _next(socket)]
    assert got[0] == ("typing", {"name": "Alice", "typing": True})
    assert got[1][0] == "message"
    assert (got[1][1]["id"], got[1][1]["text"], got[1][1]["mine"]) == (
        reply.pk,
        "Assalomu alaykum!",
        False,
    )
    # the visitor reads it: the reply is marked read
    await socket.send_json_to({"type": "read", "up_to": reply.pk})
    await socket.send_json_to({"type": "ping"})
    assert await _next(socket) == ("pong", {"agents": "away"})
    status = await database_sync_to_async(
        lambda: Message.objects.values_list("delivery_status", flat=True).get(pk=reply.pk)
    )()
    assert status == "read"
    await socket.disconnect()


async def test_connections_are_counted_for_presence(chat: Chat) -> None:
    from javob.connectors.webchat.models import Visitor

    first, second = await _visitor(chat.widget), await _visitor(chat.widget)
    await first.connect()
    await second.connect()

    def connections() -> int:
        return Visitor.objects.get().connections

    assert await database_sync_to_async(connections)() == 2
    await first.disconnect()
    await second.disconnect()
    assert await database_sync_to_async(connections)() == 0
