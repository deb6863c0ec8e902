"""The visitor's websocket: /ws/widget/<public id>/?token=<visitor token>.

The handshake is refused unless the Origin is one of the inbox's allowed origins and the token
was signed for this inbox. Messages carry a client id; the server stores each once and
acknowledges every copy, so the widget can resend whatever it is unsure about.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext as _

from javob.connectors.webchat import actions
from javob.connectors.webchat.connector import visitor_group
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.presence import inbox_group
from javob.connectors.webchat.queries import TeamPresence, TeamScope, team_presence, widget_inbox
from javob.connectors.webchat.ratelimit import allow, limit
from javob.connectors.webchat.tokens import visitor_key
from javob.conversations.models import Conversation
from javob.conversations.queries import viewer_ids
from javob.core.errors import ActionError
from javob.realtime.publish import publish, register_loop

TYPING_EVERY = 1.0  # seconds between typing events passed on to agents


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _authorize(scope: dict[str, Any]) -> Visitor | None:
    client = scope.get("client") or ("", 0)
    if not allow(f"wc-connect:{client[0]}", limit("connects_per_ip_minute"), 60):
        return None
    try:
        inbox = widget_inbox(scope["url_route"]["kwargs"]["public_id"])
        config = actions.config_of(inbox)
    except ActionError:
        return None
    if not config.allows(_header(scope, b"origin")):
        return None
    token = parse_qs(scope.get("query_string", b"").decode()).get("token", [""])[0]
    key = visitor_key(inbox.pk, token)
    if key is None:
        return None
    return Visitor.objects.select_related("inbox").filter(inbox=inbox, key=key).first()


def _receive(visitor_id: int, client_id: str, text: str) -> dict[str, Any]:
    visitor = Visitor.objects.select_related("inbox").get(pk=visitor_id)
    with translation.override(visitor.language or None):
        try:
            if not allow(f"wc-msg:{visitor_id}", limit("messages_per_visitor_minute"), 60):
                raise ActionError(_("Too many messages; wait a moment."))
            message = actions.check_visitor_message(
                visitor, actions.VisitorMessage(client_id=client_id, text=text)
            )
        except ActionError as error:
            failed = {"client_id": client_id, "detail": error.message, "field": error.field}
            return {"event": "error", "payload": failed}
    return {"event": "ack", "payload": {"client_id": client_id, "id": message.pk}}


def _typing(visitor_id: int, typing: bool) -> None:
    visitor = Visitor.objects.filter(pk=visitor_id).values("conversation_id", "name").first()
    if visitor is None or visitor["conversation_id"] is None:
        return
    conversation = Conversation.objects.get(pk=visitor["conversation_id"])
    payload = {"conversation_id": conversation.pk, "name": visitor["name"], "typing": typing}
    publish(viewer_ids(conversation), "visitor.typing", payload)


def _read(visitor_id: int, up_to: int) -> int:
    return actions.do_mark_read(Visitor.objects.get(pk=visitor_id), up_to)


def _connected(visitor: Visitor) -> TeamPresence:
    actions.do_touch(visitor.pk, connected=1)
    return team_presence(TeamScope.of(visitor.inbox), visitor.conversation_id)


def _pinged(visitor_id: int, team: TeamScope) -> TeamPresence:
    actions.do_touch(visitor_id)
    # Read fresh: the visitor may have started a conversation since the handshake.
    conversation_id = (
        Visitor.objects.filter(pk=visitor_id).values_list("conversation_id", flat=True).first()
    )
    return team_presence(team, conversation_id)


class VisitorConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    visitor_id: int | None = None
    team: TeamScope  # whose availability the widget shows (small: one per open connection)
    last_typing: float = 0.0
    hidden: bool = False  # this widget's page is in a background tab or minimised
    assignee_id: int | None = None  # whose availability it shows (None: the team's)
    inbox_id: int | None = None

    async def connect(self) -> None:
        register_loop(asyncio.get_running_loop())
        visitor = await database_sync_to_async(_authorize)(self.scope)
        if visitor is None:
            await self.close(code=4403)
            return
        self.visitor_id, self.inbox_id = visitor.pk, visitor.inbox_id
        await self.channel_layer.group_add(visitor_group(visitor.pk), self.channel_name)
        await self.channel_layer.group_add(inbox_group(visitor.inbox_id), self.channel_name)
        await self.accept()
        self.team = TeamScope.of(visitor.inbox)
        hello = await database_sync_to_async(_connected)(visitor)
        self.assignee_id = hello.assignee_id
        await self.send_json({"event": "hello", "payload": {"agents": hello.state}})

    async def disconnect(self, code: int) -> None:
        if self.visitor_id is not None:
            await self.channel_layer.group_discard(
                visitor_group(self.visitor_id), self.channel_name
            )
            if self.inbox_id is not None:
                await self.channel_layer.group_discard(
                    inbox_group(self.inbox_id), self.channel_name
                )
            await database_sync_to_async(actions.do_touch)(
                self.visitor_id, connected=-1, hidden=-1 if self.hidden else 0
            )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.visitor_id is None or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "message":
            await self._message(content)
        elif kind == "typing":
            await self._typing(bool(content.get("typing")))
        elif kind == "read" and isinstance(content.get("up_to"), int):
            await database_sync_to_async(_read)(self.visitor_id, content["up_to"])
        elif kind == "visibility":
            await self._visibility(bool(content.get("hidden")))
        elif kind == "ping":
            pong = await database_sync_to_async(_pinged)(self.visitor_id, self.team)
            self.assignee_id = pong.assignee_id
            await self.send_json({"event": "pong", "payload": {"agents": pong.state}})

    async def _visibility(self, hidden: bool) -> None:
        if self.visitor_id is None or hidden == self.hidden:
            return
        self.hidden = hidden
        await database_sync_to_async(actions.do_touch)(self.visitor_id, hidden=1 if hidden else -1)

    async def _message(self, content: dict[str, Any]) -> None:
        if self.visitor_id is None:
            return
        client_id = str(content.get("client_id", ""))[:64]
        text = content.get("text")
        reply = await database_sync_to_async(_receive)(
            self.visitor_id, client_id, text if isinstance(text, str) else ""
        )
        await self.send_json(reply)

    async def _typing(self, typing: bool) -> None:
        now = time.monotonic()
        if typing and now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now if typing else 0.0
        if self.visitor_id is None:
            return
        await database_sync_to_async(_typing)(self.visitor_id, typing)

    async def widget_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "payload": message["payload"]})

    async def team_availability(self, message: dict[str, Any]) -> None:
        """An agent of this inbox changed availability (see presence.py); no database."""
        if self.assignee_id is None:
            state = message["team"]
        elif self.assignee_id == message["agent"]:
            state = message["agent_state"]
        else:
            return
        await self.send_json({"event": "agents", "payload": {"agents": state}})
