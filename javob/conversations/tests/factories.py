"""Building inbound messages for tests, the way connectors build them."""

from __future__ import annotations

import itertools

from javob.core.types import Identity, InboundMessage

_ids = itertools.count(1)


def inbound(
    inbox_id: int,
    sender: str = "customer-1",
    text: str = "Salom! Buyurtmam qayerda?",
    *,
    external_id: str | None = None,
    thread_key: str = "",
    kind: str = "api",
    reply_to: tuple[str, ...] = (),
    name: str = "Dilnoza",
) -> InboundMessage:
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity(kind, sender),
        external_id=external_id if external_id is not None else f"ext-{next(_ids)}",
        text=text,
        sender_name=name,
        thread_key=thread_key,
        reply_to_external_ids=reply_to,
    )
