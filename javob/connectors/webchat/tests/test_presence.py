"""Presence both ways: agents see whether the visitor is on the page (or since when not),
live on their websocket and in the list and conversation page; the widget sees whether the
team is online."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import time_machine
from channels.db import database_sync_to_async
from django.core.cache import cache
from django.test import Client

from conftest import Cast, make_cast
from javob.accounts.actions import check_set_availability
from javob.asgi import application
from javob.connectors.webchat.actions import do_touch
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.queries import TeamScope, agents_presence
from javob.connectors.webchat.tests.support import SITE, Widget, add_webchat
from javob.conversations.actions import check_assign, receive_message
from javob.conversations.models import Message
from javob.core.types import Identity, InboundMessage
from javob.realtime.tests.websocket import WebsocketCommunicator

QUIET = 0.3
AT = dt.datetime(2026, 11, 23, 9, 41, tzinfo=dt.UTC)


@dataclass
class Chat:
    cast: Cast
    widget: Widget
    conversation_id: int
    agent: WebsocketCommunicator


def _setup() -> tuple[Cast, Widget, int, str]:
    cast = make_cast()
    widget = Widget(add_webchat(cast.a))
    widget.start()
    conversation_id = Message.objects.get(pk=widget.say("c1", "Salom").json()["id"]).conversation_id
    client = Client()
    client.force_login(cast.alice.user)
    return cast, widget, conversation_id, client.cookies["sessionid"].value


@pytest_asyncio.fixture
async def chat(transactional_db: None) -> AsyncIterator[Chat]:
    cast, widget, conversation_id, session = await database_sync_to_async(_setup)()
    agent = WebsocketCommunicator(
        application,
        "/ws/agent/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={session}".encode())],
    )
    assert (await agent.connect())[0] is True
    await agent.receive_json_from()  # hello
    yield Chat(cast, widget, conversation_id, agent)
    await agent.disconnect()


async def _widget_socket(widget: Widget) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application,
        f"/ws/widget/{widget.public_id}/?token={widget.token}",
        headers=[(b"origin", SITE.encode())],
    )
    assert (await socket.connect())[0] is True
    return socket


async def _presence_events(agent: WebsocketCommunicator) -> list[dict[str, Any]]:
    got = []
    while not await agent.receive_nothing(timeout=QUIET):
        event = await agent.receive_json_from()
        if event["event"] == "visitor.presence":
            got.append(event["payload"])
    return got


def _state() -> tuple[bool, int, int, dt.datetime | None]:
    v = Visitor.objects.get()
    return v.online, v.connections, v.hidden_connections, v.away_since


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_agents_see_the_visitor_come_hide_the_page_and_leave(chat: Chat) -> None:
    cid = chat.conversation_id
    # when the visitor opens the widget: online, announced once
    first = await _widget_socket(chat.widget)
    assert await first.receive_json_from() == {"event": "hello", "payload": {"agents": "away"}}
    assert await _presence_events(chat.agent) == [
        {"conversation_id": cid, "online": True, "away_since": None}
    ]
    # a second tab changes nothing the agents see
    second = await _widget_socket(chat.widget)
    await second.receive_json_from()
    assert await _presence_events(chat.agent) == []
    # one tab hidden: still online (the other is in front); both hidden: away
    await first.send_json_to({"type": "visibility", "hidden": True})
    assert await _presence_events(chat.agent) == []
    await second.send_json_to({"type": "visibility", "hidden": True})
    [away] = await _presence_events(chat.agent)
    assert (away["online"], away["away_since"] is not None) == (False, True)
    assert await database_sync_to_async(_state)() == (
        False,
        2,
        2,
        dt.datetime.fromisoformat(away["away_since"]),
    )
    # the page shown again: online; then both tabs closed, one of them still hidden: away
    await second.send_json_to({"type": "visibility", "hidden": False})
    assert [p["online"] for p in await _presence_events(chat.agent)] == [True]
    await first.disconnect()
    assert await _presence_events(chat.agent) == []
    await second.disconnect()
    assert [p["online"] for p in await _presence_events(chat.agent)] == [False]
    online, connections, hidden, since = await database_sync_to_async(_state)()
    assert (online, connections, hidden, since is not None) == (False, 0, 0, True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_widget_shows_the_assigned_agent_online_or_away(chat: Chat) -> None:
    socket = await _widget_socket(chat.widget)
    assert await socket.receive_json_from() == {"event": "hello", "payload": {"agents": "away"}}
    alice = chat.cast.alice

    def assign_and_set(availability: str) -> None:
        check_assign(alice, chat.conversation_id, assignee_id=alice.pk)
        check_set_availability(alice, availability)

    await database_sync_to_async(assign_and_set)("online")
    await socket.send_json_to({"type": "ping"})
    assert await _pong(socket) == {"agents": "online"}
    await database_sync_to_async(check_set_availability)(alice, "away")
    await socket.send_json_to({"type": "ping"})
    assert await _pong(socket) == {"agents": "away"}
    await socket.disconnect()


async def _pong(socket: WebsocketCommunicator) -> Any:
    while True:
        event = await socket.receive_json_from(timeout=5)
        if event["event"] == "pong":
            return event["payload"]


@pytest.mark.django_db
def test_before_an_assignment_the_teams_state_is_shown_and_cached_briefly(cast: Cast) -> None:
    cache.clear()
    widget = Widget(add_webchat(cast.a))
    widget.start()
    team = TeamScope.of(Visitor.objects.select_related("inbox").get().inbox)
    with time_machine.travel(AT, tick=False):
        assert agents_presence(team, None) == "away"
        check_set_availability(cast.bob, "online")
        assert agents_presence(team, None) == "away"  # asked within 10 seconds
    with time_machine.travel(AT + dt.timedelta(seconds=11), tick=False):
        assert agents_presence(team, None) == "online"
    # an agent of another workspace never counts
    cache.clear()
    check_set_availability(cast.bob, "offline")
    check_set_availability(cast.charlie, "online")
    assert agents_presence(team, None) == "away"


@pytest.mark.django_db
def test_the_list_row_and_the_page_show_the_visitors_presence(cast: Cast) -> None:
    # given a visitor who chatted and left at 09:41 UTC (alice's zone is UTC)
    widget = Widget(add_webchat(cast.a))
    widget.start()
    cid = Message.objects.get(pk=widget.say("c1", "Salom").json()["id"]).conversation_id
    visitor = Visitor.objects.get()
    client = Client()
    client.force_login(cast.alice.user)
    do_touch(visitor.pk, connected=1)

    row = client.get(f"/inbox/all/row/{cid}").content.decode()
    page = client.get(f"/conversations/{cid}/").content.decode()
    part = client.get(f"/conversations/{cid}/presence.html").content.decode()
    online = '<span class="visitor-presence online">Online on the page</span>'
    assert (online in row, online in page, part.strip()) == (True, True, online)

    with time_machine.travel(AT, tick=False):
        do_touch(visitor.pk, connected=-1)
    row = client.get(f"/inbox/all/row/{cid}").content.decode()
    part = client.get(f"/conversations/{cid}/presence.html").content.decode()
    assert ">Away since 09:41</span>" in row
    assert ">Away since 09:41</span>" in part
    assert "Online on the page" not in row


@pytest.mark.django_db
def test_other_channels_and_other_workspaces_show_no_presence(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a))
    widget.start()
    cid = Message.objects.get(pk=widget.say("c1", "Salom").json()["id"]).conversation_id
    receive_message(
        InboundMessage(cast.inbox_a.pk, Identity("api", "u1"), external_id="a1", text="Hi")
    )
    charlie = Client()
    charlie.force_login(cast.charlie.user)
    assert charlie.get(f"/conversations/{cid}/presence.html").status_code == 404
    alice = Client()
    alice.force_login(cast.alice.user)
    inbox_html = alice.get("/inbox/all/").content.decode()
    assert inbox_html.count('id="conv-') == 2
    assert inbox_html.count("visitor-presence") == 1
    assert "Not on the page" in inbox_html


def _open_as_alice(cast: Cast, conversation_id: int) -> int:
    client = Client()
    client.force_login(cast.alice.user)
    return client.get(f"/conversations/{conversation_id}/").status_code


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_visitor_sees_their_messages_read_once_an_agent_opens_the_chat(
    chat: Chat,
) -> None:
    socket = await _widget_socket(chat.widget)
    await socket.receive_json_from()  # hello
    said = await database_sync_to_async(lambda: Message.objects.get(text="Salom").pk)()

    assert await database_sync_to_async(_open_as_alice)(chat.cast, chat.conversation_id) == 200

    assert await socket.receive_json_from(timeout=5) == {
        "event": "read",
        "payload": {"up_to": said},
    }
    read = await database_sync_to_async(
        lambda: Message.objects.filter(read_at__isnull=False).count()
    )()
    assert read == 1
    # opening it again changes nothing and tells nobody
    await database_sync_to_async(_open_as_alice)(chat.cast, chat.conversation_id)
    assert await socket.receive_nothing(timeout=QUIET)
    await socket.disconnect()


async def _agents_events(socket: WebsocketCommunicator) -> list[Any]:
    got = []
    while not await socket.receive_nothing(timeout=QUIET):
        event = await socket.receive_json_from()
        if event["event"] == "agents":
            got.append(event["payload"]["agents"])
    return got


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_teams_state_reaches_open_widgets_when_an_agent_changes_availability(
    chat: Chat,
) -> None:
    # given a visitor's open widget (no assignee yet) and one of another workspace's chat
    socket = await _widget_socket(chat.widget)
    assert await socket.receive_json_from() == {"event": "hello", "payload": {"agents": "away"}}

    def other_workspace_widget() -> Widget:
        widget = Widget(add_webchat(chat.cast.b))
        widget.start()
        return widget

    stranger = await _widget_socket(await database_sync_to_async(other_workspace_widget)())
    await stranger.receive_json_from()  # hello
    alice, bob = chat.cast.alice, chat.cast.bob

    await database_sync_to_async(check_set_availability)(alice, "online")
    assert await socket.receive_json_from(timeout=1) == {
        "event": "agents",
        "payload": {"agents": "online"},
    }
    await database_sync_to_async(check_set_availability)(bob, "online")
    await database_sync_to_async(check_set_availability)(alice, "away")
    await database_sync_to_async(check_set_availability)(bob, "offline")

    assert await _agents_events(socket) == ["online", "online", "away"]
    assert await _agents_events(stranger) == []
    await socket.disconnect()
    await stranger.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_assigned_visitor_follows_their_agent_only(chat: Chat) -> None:
    alice, bob = chat.cast.alice, chat.cast.bob
    await database_sync_to_async(check_assign)(alice, chat.conversation_id, assignee_id=alice.pk)
    socket = await _widget_socket(chat.widget)
    assert await socket.receive_json_from() == {"event": "hello", "payload": {"agents": "away"}}

    await database_sync_to_async(check_set_availability)(bob, "online")
    assert await _agents_events(socket) == []
    await database_sync_to_async(check_set_availability)(alice, "online")
    assert await _agents_events(socket) == ["online"]
    await database_sync_to_async(check_set_availability)(alice, "busy")
    assert await _agents_events(socket) == ["away"]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_team_inbox_hears_only_its_teams_agents(chat: Chat) -> None:
    # the chat answers for alice's team (Support); bob is in Sales
    from javob.conversations.models import Inbox

    await database_sync_to_async(Inbox.objects.filter(pk=chat.widget.inbox.pk).update)(
        team=chat.cast.support
    )
    socket = await _widget_socket(chat.widget)
    await socket.receive_json_from()  # hello

    await database_sync_to_async(check_set_availability)(chat.cast.bob, "online")
    assert await _agents_events(socket) == []
    await database_sync_to_async(check_set_availability)(chat.cast.alice, "online")
    assert await _agents_events(socket) == ["online"]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_deactivating_the_last_online_agent_shows_the_team_away(chat: Chat) -> None:
    from javob.accounts.actions import check_deactivate_agent

    await database_sync_to_async(check_set_availability)(chat.cast.bob, "online")
    socket = await _widget_socket(chat.widget)
    assert await socket.receive_json_from() == {"event": "hello", "payload": {"agents": "online"}}

    await database_sync_to_async(check_deactivate_agent)(chat.cast.alice, chat.cast.bob.pk)

    assert await _agents_events(socket) == ["away"]
    await socket.disconnect()
