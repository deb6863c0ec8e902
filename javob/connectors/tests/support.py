"""Set-up shared by the delivery and webhook tests: API inboxes, conversations, signatures.

The signature is computed here independently of the connector, from the documented contract:
`X-Javob-Signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}." + body)>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.test import Client

from javob.accounts.models import Workspace
from javob.connectors.actions import do_add_inbox
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Event, EventKind, Inbox, Message
from javob.conversations.tests.factories import inbound


def hooked_inbox(workspace: Workspace, url: str, name: str = "Hooked") -> Inbox:
    """An API inbox that delivers agent replies to `url`."""
    return do_add_inbox(workspace, "api", name, {"webhook_url": url}, [])


def customer_conversation(inbox: Inbox, sender: str = "cust-1") -> Conversation:
    return receive_message(inbound(inbox.pk, sender)).message.conversation


def webhook_secret(inbox: Inbox) -> str:
    return str(Inbox.objects.get(pk=inbox.pk).secrets["webhook_secret"])


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_holds(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Check a received webhook the way a customer's endpoint would."""
    timestamp = headers["x-javob-timestamp"]
    wanted = expected_signature(secret, timestamp, body)
    return hmac.compare_digest(wanted, headers["x-javob-signature"])


def post_signed(
    client: Client,
    inbox: Inbox,
    data: dict[str, Any] | list[Any] | bytes,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
) -> Any:
    """POST a webhook to /hooks/api/<inbox id>, signed as the external system would."""
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = expected_signature(secret or webhook_secret(inbox), stamp, body)
    return client.post(
        f"/hooks/api/{inbox.pk}",
        data=body,
        content_type="application/json",
        headers={"X-Javob-Timestamp": stamp, "X-Javob-Signature": signature},
    )


def delivery_events(message: Message) -> list[dict[str, Any]]:
    """The data of every `delivery` timeline event of `message`, oldest first."""
    return list(
        Event.objects.filter(kind=EventKind.DELIVERY, message_id=message.pk)
        .order_by("created_at", "id")
        .values_list("data", flat=True)
    )
