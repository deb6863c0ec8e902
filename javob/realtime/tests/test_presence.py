"""'X is viewing / typing' reaches only the other agents who may see the conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async

from conftest import Cast, make_cast
from javob.asgi import application
from javob.conversations.actions import check_assign, receive_message
from javob.conversations.tests.factories import inbound
from javob.realtime.tests.test_recipients import QUIET, _session_headers, _token_headers
from javob.realtime.tests.websocket import WebsocketCommunicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@dataclass
class Room:
    cast: Cast
    open_chat: int  # no team: alice and bob see it
    support_chat: int  # team Support: bob does not
    alice: WebsocketCommunicator
    bob: WebsocketCommunicator
    charlie: WebsocketCommunicator


def _setup() -> tuple[Cast, int, int, list[list[tuple[bytes, bytes]]]]:
    cast = make_cast()
    open_chat = receive_message(inbound(cast.inbox_a.pk, "c-1")).message.conversation_id
    support_chat = receive_message(inbound(cast.inbox_a.pk, "c-2")).message.conversation_id
    check_assign(cast.alice, support_chat, team_id=cast.support.pk)
    headers = [
        _session_headers(cast.alice),
        _token_headers(cast.bob),
        _token_headers(cast.charlie),
    ]
    return cast, open_chat, support_chat, headers


async def _open(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    assert (await socket.connect())[0] is True
    assert (await socket.receive_json_from())["event"] == "hello"
    return socket


@pytest_asyncio.fixture
async def room(transactional_db: None) -> AsyncIterator[Room]:
    cast, open_chat, support_chat, headers = await database_sync_to_async(_setup)()
    sockets = [await _open(h) for h in headers]
    yield Room(cast, open_chat, support_chat, *sockets)
    for socket in sockets:
        await socket.disconnect()


async def test_viewing_an_open_conversation_is_shown_to_the_other_agent(room: Room) -> None:
    await room.alice.send_json_to({"type": "viewing", "conversation_id": room.open_chat})

    event = await room.bob.receive_json_from()

    assert event == {
        "event": "presence",
        "payload": {
            "conversation_id": room.open_chat,
            "agent_id": room.cast.alice.pk,
            "name": "alice@example.com",
            "state": "viewing",
        },
    }
    assert await room.alice.receive_nothing(QUIET) is True  # not echoed to herself
    assert await room.charlie.receive_nothing(QUIET) is True


async def test_typing_in_a_team_conversation_is_not_shown_to_who_may_not_see_it(
    room: Room,
) -> None:
    await room.alice.send_json_to({"type": "typing", "conversation_id": room.support_chat})

    assert await room.bob.receive_nothing(QUIET) is True
    assert await room.charlie.receive_nothing(QUIET) is True


async def test_presence_on_a_hidden_conversation_is_dropped(room: Room) -> None:
    # bob cannot see the Support conversation, charlie sees nothing of workspace A
    await room.bob.send_json_to({"type": "viewing", "conversation_id": room.support_chat})
    await room.charlie.send_json_to({"type": "typing", "conversation_id": room.open_chat})
    await room.charlie.send_json_to({"type": "typing", "conversation_id": "1; DROP"})

    assert await room.alice.receive_nothing(QUIET) is True
    assert await room.bob.receive_nothing(QUIET) is True
