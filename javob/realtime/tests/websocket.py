"""A websocket test client for ASGI applications, after Channels' WebsocketCommunicator.

`channels.testing` cannot be imported without daphne (its package imports the live-server
test case), which Javob does not install; this is the same small protocol driver on top of
asgiref's ApplicationCommunicator.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator


class WebsocketCommunicator:
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        path, _sep, query = path.partition("?")
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        # asgiref's communicator is untyped; keep it behind this typed surface.
        self._asgi: Any = ApplicationCommunicator(application, scope)  # type: ignore[no-untyped-call]

    async def connect(self, timeout: float = 2) -> tuple[bool, Any]:
        """(True, subprotocol) when accepted; (False, close code) when refused."""
        await self._asgi.send_input({"type": "websocket.connect"})
        response = await self._asgi.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, response.get("subprotocol")

    async def send_json_to(self, data: Any) -> None:
        await self._asgi.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 2) -> Any:
        response = await self._asgi.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 2) -> None:
        await self._asgi.send_input({"type": "websocket.disconnect", "code": code})
        await self._asgi.wait(timeout)

    async def receive_nothing(self, timeout: float = 0.1) -> bool:
        """True when nothing arrives within `timeout` seconds."""
        return bool(await self._asgi.receive_nothing(timeout))
