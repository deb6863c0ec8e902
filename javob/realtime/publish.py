"""The one way to push an event to agents' browsers: after commit, to named recipients.

Callers name the recipients (membership ids, or a function computing them after commit). An
event sent too widely is a data leak, too narrowly a sync bug, so the choice is made where
the domain knows who may see what.

Delivery to the channel layer: websocket consumers run on the web server's event loop. The
first consumer to connect registers that loop here, and events published from other threads
(sync views, actions, the worker thread of `javob run`) are handed to it without waiting.
With the in-memory layer and no registered loop, no browser can be listening in this process,
so nothing is sent (and the recipients are not even computed). Without a registered loop and
with Redis, each event makes one `async_to_sync` hop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
Recipients = Iterable[int] | Callable[[], Iterable[int]]
Payload = dict[str, Any] | Callable[[], dict[str, Any]]
_home: dict[str, asyncio.AbstractEventLoop] = {}


def agent_group(membership_id: int) -> str:
    return f"agent.{membership_id}"


def register_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by consumers: this is the event loop the channel layer's listeners live on."""
    _home["loop"] = loop


def _home_loop() -> asyncio.AbstractEventLoop | None:
    loop = _home.get("loop")
    return loop if loop is not None and not loop.is_closed() else None


def publish(recipients: Recipients, event: str, payload: Payload) -> None:
    """Send `event` to each recipient's browsers once the current transaction commits.

    `payload` may be a function returning it: like the recipients, it is then computed only
    when an event can be delivered (the SLA sweeper's catch-up announces 100k conversations).
    """
    transaction.on_commit(lambda: _send(recipients, event, payload))


def can_deliver() -> bool:
    """Whether an event published now can reach a browser (a channel layer that is not the
    in-memory one of a process without websocket consumers)."""
    layer = get_channel_layer()
    return layer is not None and not (
        _home_loop() is None and isinstance(layer, InMemoryChannelLayer)
    )


def _send(recipients: Recipients, event: str, payload: Payload) -> None:
    if not can_deliver():
        return
    ids = sorted(set(recipients() if callable(recipients) else recipients))
    if ids:
        body = payload() if callable(payload) else payload
        message = {"type": "javob.event", "event": event, "payload": body}
        send_to_groups([agent_group(i) for i in ids], message)


def send_to_groups(groups: list[str], message: dict[str, Any]) -> None:
    """Hand `message` to the channel layer for each group now, from any thread.

    Best effort: a failure is logged, never raised (the data it announces is committed).
    """
    layer = get_channel_layer()
    loop = _home_loop()
    if layer is None or not groups or (loop is None and isinstance(layer, InMemoryChannelLayer)):
        return

    async def send_all() -> None:
        for group in groups:
            try:
                await layer.group_send(group, message)
            except Exception:
                logger.exception("Realtime send of %s to %s failed", message.get("type"), group)

    if loop is None:
        async_to_sync(send_all)()
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        loop.create_task(send_all())
    else:
        asyncio.run_coroutine_threadsafe(send_all(), loop)
