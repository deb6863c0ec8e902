"""The one way to push an event to agents' browsers: after commit, to named recipients.

Callers name the recipients (membership ids). An event sent too widely is a data leak, too
narrowly a sync bug, so the choice is made where the domain knows who may see what.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def agent_group(membership_id: int) -> str:
    return f"agent.{membership_id}"


def publish(recipients: Iterable[int], event: str, payload: dict[str, Any]) -> None:
    """Send `event` to each recipient's browsers once the current transaction commits."""
    ids = sorted(set(recipients))
    if ids:
        transaction.on_commit(lambda: _send(ids, event, payload))


def _send(recipients: list[int], event: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "javob.event", "event": event, "payload": payload}

    async def send_all() -> None:
        for membership_id in recipients:
            try:
                await layer.group_send(agent_group(membership_id), message)
            except Exception:  # realtime is best effort; the data is already committed
                logger.exception("Realtime publish of %s to %s failed", event, membership_id)

    # One hop into the event loop per event, not one per recipient: each hop costs a thread.
    async_to_sync(send_all)()
