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


class AgentConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None

    async def connect(self) -> None:
        register_loop(asyncio.get_running_loop())
        member = await database_sync_to_async(_membership)(self.scope)
        if member is None:
            await self.close(code=4401)
            return
        self.group = agent_group(member.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "payload": {"agent_id": member.pk}})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})

    async def javob_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "payload": message["payload"]})
