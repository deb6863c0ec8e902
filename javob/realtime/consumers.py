"""The agents' websocket: one connection per browser tab, joined to the agent's own group."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from javob.accounts.models import Membership
from javob.realtime.publish import agent_group, register_loop


def _membership(scope: dict[str, Any]) -> Membership | None:
    """The agent behind a websocket: a bearer token, else the signed-in user's session."""
    from javob.accounts.queries import membership_for_token

    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.startswith(b"Bearer "):
            return membership_for_token(value[7:].decode(errors="replace").strip())
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None
    session = scope.get("session") or {}
    memberships = Membership.objects.filter(user=user, is_active=True)
    wanted = session.get("workspace_id")
    if wanted:
        memberships = memberships.filter(workspace_id=wanted)
    return memberships.order_by("id").first()


PRESENCE_STATES = ("viewing", "typing", "left")


def _presence_recipients(member: Membership, conversation_id: int, state: str) -> list[int]:
    """Everyone else who may see the conversation, if `member` may see it; else nobody.
    Typing in a web-chat conversation is shown in the visitor's widget too."""
    from javob.conversations.queries import access_conversation, viewer_ids
    from javob.core.errors import NotFound

    try:
        conversation = access_conversation(member, conversation_id)
    except NotFound:
        return []
    if conversation.inbox.kind == "webchat" and state in ("typing", "left"):
        from javob.connectors.webchat.connector import agent_typing  # webchat is optional

        agent_typing(conversation_id, member.name, state == "typing")
    return [pk for pk in viewer_ids(conversation) if pk != member.pk]


class AgentConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None
    member: Membership | None = None

    async def connect(self) -> None:
        register_loop(asyncio.get_running_loop())
        member = await database_sync_to_async(_membership)(self.scope)
        if member is None:
            await self.close(code=4401)
            return
        self.member = member
        self.group = agent_group(member.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "payload": {"agent_id": member.pk}})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})
        elif content.get("type") in PRESENCE_STATES:
            await self._presence(content["type"], content.get("conversation_id"))

    async def _presence(self, state: str, conversation_id: Any) -> None:
        """'X is viewing / typing': relayed only to agents who may see the conversation,
        and only when the sender may see it too. Nothing is stored."""
        member = self.member
        if (
            member is None
            or not isinstance(conversation_id, int)
            or isinstance(conversation_id, bool)
        ):
            return
        recipients = await database_sync_to_async(_presence_recipients)(
            member, conversation_id, state
        )
        name = await database_sync_to_async(lambda: member.name)()
        message = {
            "type": "javob.event",
            "event": "presence",
            "payload": {
                "conversation_id": conversation_id,
                "agent_id": member.pk,
                "name": name,
                "state": state,
            },
        }
        for pk in recipients:
            await self.channel_layer.group_send(agent_group(pk), message)

    async def javob_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "payload": message["payload"]})
