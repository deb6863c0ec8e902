"""The agent UI's typing announcement (the /ws/agent/ "typing" message) reaches the widget of a
web-chat conversation; stopping (leaving the page) clears it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from javob.connectors.webchat.tests.test_widget_socket import Chat, _next, _visitor, chat
from javob.conversations.models import Message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
__all__ = ["chat"]  # the fixture, shared with the widget's own tests


async def test_an_agent_typing_in_the_composer_shows_in_the_widget(chat: Chat) -> None:
    socket = await _visitor(chat.widget)
    await socket.connect()
    await socket.receive_json_from()
    await socket.send_json_to({"type": "message", "client_id": "m1", "text": "Salom"})
    _ack, ack = await _next(socket)
    conversation_id = await database_sync_to_async(
        lambda: Message.objects.get(pk=ack["id"]).conversation_id
    )()
    name = await database_sync_to_async(lambda: chat.cast.alice.name)()

    await chat.agent.send_json_to({"type": "typing", "conversation_id": conversation_id})
    assert await _next(socket) == ("typing", {"name": name, "typing": True})
    await chat.agent.send_json_to({"type": "left", "conversation_id": conversation_id})
    assert await _next(socket) == ("typing", {"name": name, "typing": False})
    await chat.agent.send_json_to({"type": "viewing", "conversation_id": conversation_id})
    await socket.send_json_to({"type": "ping"})
    assert await _next(socket) == (
        "pong",
        {"agents": "away"},
    )  # viewing is not shown to the visitor
    await socket.disconnect()
