"""The `mention` websocket event reaches exactly the mentioned agent, after commit, and only
when they may see the conversation (alice, bob and charlie each hold a real websocket)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conftest import Cast
from javob.realtime.tests import test_recipients as live
from javob.realtime.tests.test_recipients import (
    Room,
    _drain,
    _receive,
    _received,
    _support_conversation,
)
from javob.web.actions import check_post_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
room = live.room  # the fixture: three agents' websockets on the full ASGI application


def _note(cast: Cast, conversation_id: int, text: str) -> int:
    return check_post_message(cast.alice, conversation_id, text, note=True).pk


async def test_a_mention_reaches_the_mentioned_agent_only(room: Room) -> None:
    # given an unteamed conversation alice and bob see
    cast = room.cast
    conversation_id = await database_sync_to_async(_receive)(cast.inbox_a.pk, "cust-m", "Salom")
    await _drain(room)
    # when alice names bob and charlie (another workspace) in a note
    note_id = await database_sync_to_async(_note)(cast, conversation_id, "@bob @charlie")
    # then bob gets the note and the mention; alice only the note; charlie nothing
    bob = dict(await _received(room.bob))
    alice = await _received(room.alice)
    assert sorted(bob) == ["mention", "message.created"]
    number = bob["message.created"]["conversation"]["number"]
    assert bob["mention"] == {
        "conversation": {"id": conversation_id, "number": number},
        "message": {"id": note_id},
        "author": {"id": cast.alice.pk, "name": "alice@example.com"},
    }
    assert [event for event, _payload in alice] == ["message.created"]
    assert await _received(room.charlie) == []


async def test_no_mention_event_for_who_may_not_see(room: Room) -> None:
    # given a conversation of team Support, which bob may not see
    cast = room.cast
    conversation_id = await database_sync_to_async(_support_conversation)(cast)
    await _drain(room)
    # when alice names bob in a note there
    await database_sync_to_async(_note)(cast, conversation_id, "@bob")
    # then bob hears nothing at all
    assert await _received(room.bob) == []
    assert [event for event, _payload in await _received(room.alice)] == ["message.created"]
