"""Realtime events reach exactly the agents allowed to see the change, and only after commit.

alice (admin of A, Support) signs in with her session, bob (agent of A, Sales) and charlie
(workspace B) with API tokens; all three hold a websocket to the full ASGI application.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client

from conftest import Cast, make_cast
from javob.accounts.actions import do_create_token, do_revoke_token
from javob.accounts.models import Membership
from javob.asgi import application
from javob.conversations.actions import check_assign, receive_message
from javob.conversations.models import Conversation
from javob.conversations.tests.factories import inbound
from javob.realtime.tests.websocket import WebsocketCommunicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
ORIGIN = (b"origin", b"http://127.0.0.1")
QUIET = 0.2  # seconds of silence that count as "nothing arrived"


@dataclass
class Room:
    cast: Cast
    alice: WebsocketCommunicator
    bob: WebsocketCommunicator
    charlie: WebsocketCommunicator


def _token_headers(member: Membership) -> list[tuple[bytes, bytes]]:
    _token, secret = do_create_token(member)
    return [ORIGIN, (b"authorization", f"Bearer {secret}".encode())]


def _session_headers(member: Membership) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(member.user)
    return [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def _connect(headers: list[tuple[bytes, bytes]], member: Membership) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    connected, _protocol = await socket.connect()
    assert connected is True
    assert await socket.receive_json_from() == {
        "event": "hello",
        "payload": {"agent_id": member.pk},
    }
    return socket


async def _received(socket: WebsocketCommunicator) -> list[tuple[str, Any]]:
    """Every event that arrives until the socket has been quiet for QUIET seconds."""
    got = []
    while not await socket.receive_nothing(timeout=QUIET):
        event = await socket.receive_json_from()
        got.append((event["event"], event["payload"]))
    return got


def _setup() -> tuple[Cast, list[list[tuple[bytes, bytes]]]]:
    cast = make_cast()
    headers = [
        _session_headers(cast.alice),
        _token_headers(cast.bob),
        _token_headers(cast.charlie),
    ]
    return cast, headers


@pytest_asyncio.fixture
async def room(transactional_db: None) -> AsyncIterator[Room]:
    cast, (alice_h, bob_h, charlie_h) = await database_sync_to_async(_setup)()
    sockets = Room(
        cast,
        await _connect(alice_h, cast.alice),
        await _connect(bob_h, cast.bob),
        await _connect(charlie_h, cast.charlie),
    )
    yield sockets
    for socket in (sockets.alice, sockets.bob, sockets.charlie):
        await socket.disconnect()


def _receive(inbox_id: int, sender: str, text: str) -> int:
    return receive_message(inbound(inbox_id, sender, text)).message.conversation_id


def _support_conversation(cast: Cast) -> int:
    conversation_id = _receive(cast.inbox_a.pk, "cust-1", "Birinchi")
    check_assign(cast.alice, conversation_id, team_id=cast.support.pk)
    return conversation_id


async def _drain(room: Room) -> None:
    for socket in (room.alice, room.bob, room.charlie):
        await _received(socket)


async def test_message_in_a_support_conversation_reaches_alice_only(room: Room) -> None:
    # given a conversation of team Support
    conversation_id = await database_sync_to_async(_support_conversation)(room.cast)
    await _drain(room)
    # when the customer writes again
    await database_sync_to_async(_receive)(room.cast.inbox_a.pk, "cust-1", "Ikkinchi")
    # then alice (admin) gets it, then its enrichment; bob (Sales) and charlie get nothing
    [(event, payload), (enriched, insights)] = await _received(room.alice)
    assert (event, enriched) == ("message.created", "message.enriched")
    assert payload["message"]["text"] == "Ikkinchi"
    assert insights["message"]["id"] == payload["message"]["id"]
    assert payload["conversation"]["id"] == conversation_id
    assert payload["conversation"]["team_id"] == room.cast.support.pk
    assert await _received(room.bob) == []
    assert await _received(room.charlie) == []


async def test_message_in_an_unteamed_conversation_reaches_alice_and_bob(room: Room) -> None:
    await database_sync_to_async(_receive)(room.cast.inbox_a.pk, "cust-2", "Salom")
    alice = await _received(room.alice)
    bob = await _received(room.bob)
    assert [event for event, _payload in alice] == ["message.created", "message.enriched"]
    assert bob == alice
    assert bob[0][1]["message"]["text"] == "Salom"
    assert await _received(room.charlie) == []


async def test_workspace_b_events_reach_charlie_only(room: Room) -> None:
    await database_sync_to_async(_receive)(room.cast.inbox_b.pk, "cust-b", "Privet")
    assert [event for event, _payload in await _received(room.charlie)] == [
        "message.created",
        "message.enriched",
    ]
    assert await _received(room.alice) == []
    assert await _received(room.bob) == []


async def test_moving_to_sales_shows_it_to_bob(room: Room) -> None:
    # given a Support conversation bob cannot see
    conversation_id = await database_sync_to_async(_support_conversation)(room.cast)
    await _drain(room)
    # when alice moves it to Sales
    await database_sync_to_async(check_assign)(
        room.cast.alice, conversation_id, team_id=room.cast.sales.pk
    )
    # then bob is told it is updated (now his), alice too, charlie nothing
    [(event, payload)] = await _received(room.bob)
    assert event == "conversation.updated"
    assert (payload["conversation"]["id"], payload["conversation"]["team_id"]) == (
        conversation_id,
        room.cast.sales.pk,
    )
    assert [event for event, _payload in await _received(room.alice)] == ["conversation.updated"]
    assert await _received(room.charlie) == []


async def test_agent_who_loses_sight_gets_removed(room: Room) -> None:
    # given an unteamed conversation bob sees
    conversation_id = await database_sync_to_async(_receive)(room.cast.inbox_a.pk, "c", "Hi")
    await _drain(room)
    # when alice gives it to Support
    await database_sync_to_async(check_assign)(
        room.cast.alice, conversation_id, team_id=room.cast.support.pk
    )
    # then bob gets only its id, to drop it; alice gets the update
    assert await _received(room.bob) == [
        ("conversation.removed", {"conversation": {"id": conversation_id}})
    ]
    [(event, payload)] = await _received(room.alice)
    assert (event, payload["conversation"]["team_id"]) == (
        "conversation.updated",
        room.cast.support.pk,
    )
    assert await _received(room.charlie) == []


async def test_events_are_published_only_after_commit(room: Room) -> None:
    def receive_and_look_before_commit() -> tuple[bool, bool]:
        with transaction.atomic():
            _receive(room.cast.inbox_a.pk, "cust-3", "Salom")
            quiet_inside = async_to_sync(room.alice.receive_nothing)(QUIET)
        return quiet_inside, Conversation.objects.exists()

    quiet_inside, committed = await database_sync_to_async(receive_and_look_before_commit)()
    assert (quiet_inside, committed) == (True, True)
    assert [event for event, _payload in await _received(room.alice)] == [
        "message.created",
        "message.enriched",
    ]


async def test_rolled_back_change_publishes_nothing(room: Room) -> None:
    class Abort(Exception):
        pass

    def receive_and_roll_back() -> None:
        with transaction.atomic():
            _receive(room.cast.inbox_a.pk, "cust-4", "Salom")
            raise Abort

    with pytest.raises(Abort):
        await database_sync_to_async(receive_and_roll_back)()
    assert await _received(room.alice) == []
    assert await _received(room.bob) == []


@pytest.mark.parametrize(
    "headers",
    [
        [ORIGIN],
        [ORIGIN, (b"authorization", b"Bearer jvb_not-a-token")],
        [ORIGIN, (b"authorization", b"Basic YWxpY2U6cHc=")],
        [ORIGIN, (b"cookie", b"sessionid=forged")],
    ],
    ids=["nothing", "unknown-token", "basic", "forged-session"],
)
async def test_unauthenticated_connection_is_closed_with_4401(
    transactional_db: None, headers: list[tuple[bytes, bytes]]
) -> None:
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    assert await socket.connect() == (False, 4401)


async def test_revoked_token_is_closed_with_4401(transactional_db: None) -> None:
    def revoked_headers() -> list[tuple[bytes, bytes]]:
        cast = make_cast()
        token, secret = do_create_token(cast.bob)
        do_revoke_token(token)
        return [ORIGIN, (b"authorization", f"Bearer {secret}".encode())]

    headers = await database_sync_to_async(revoked_headers)()
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    assert await socket.connect() == (False, 4401)


async def test_foreign_origin_is_refused(transactional_db: None) -> None:
    def headers() -> list[tuple[bytes, bytes]]:
        return _session_headers(make_cast().alice)

    cookie = (await database_sync_to_async(headers)())[1]
    socket = WebsocketCommunicator(
        application, "/ws/agent/", headers=[(b"origin", b"https://evil.example"), cookie]
    )
    connected, _code = await socket.connect()
    assert connected is False


async def test_ping_is_answered(room: Room) -> None:
    await room.bob.send_json_to({"type": "ping"})
    assert await room.bob.receive_json_from() == {"event": "pong", "payload": {}}


async def test_token_client_without_origin_connects(transactional_db: None) -> None:
    # given an API client with a bearer token and no Origin header (not a browser)
    def headers() -> tuple[Membership, list[tuple[bytes, bytes]]]:
        bob = make_cast().bob
        return bob, _token_headers(bob)[1:]

    bob, token_only = await database_sync_to_async(headers)()
    # when it connects, then it is accepted and greeted as bob
    socket = await _connect(token_only, bob)
    await socket.disconnect()


async def test_cookie_client_without_origin_is_refused(transactional_db: None) -> None:
    def headers() -> list[tuple[bytes, bytes]]:
        return _session_headers(make_cast().alice)[1:]

    socket = WebsocketCommunicator(
        application, "/ws/agent/", headers=await database_sync_to_async(headers)()
    )
    connected, _code = await socket.connect()
    assert connected is False


async def test_enrichment_reaches_the_agents_with_language_and_mood(room: Room) -> None:
    text = "Buyurtmam hali ham kelmadi, juda yomon xizmat!"
    await database_sync_to_async(_receive)(room.cast.inbox_a.pk, "cust-9", text)

    [_created, (event, payload)] = await _received(room.bob)
    assert event == "message.enriched"
    assert payload["conversation"]["language"] == "uz-Latn"
    insights = payload["message"]
    assert (insights["language"], insights["sentiment"]) == ("uz-Latn", "negative")
    assert insights["pii_spans"] == []
