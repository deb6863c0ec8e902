"""The shared vocabulary passed between connectors and actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Identity:
    """How a customer is known on a channel: kind (an IdentityKind value) and value."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message, normalised by a connector, ready for receive_message()."""

    inbox_id: int
    sender: Identity
    external_id: str | None
    text: str = ""
    html: str = ""
    sender_name: str = ""
    subject: str = ""
    thread_key: str = ""
    reply_to_external_ids: tuple[str, ...] = ()
    attachments: tuple[InboundAttachment, ...] = ()
    extra_identities: tuple[Identity, ...] = ()
    contact_locale: str = ""
    sent_at: dt.datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # A conversation the connector's own threading chose (email); receive joins it, reopening
    # it as the usual rules say, instead of looking one up by contact and thread key. It may
    # belong to another inbox of the workspace (a web chat continuing by email).
    conversation_id: int | None = None


@dataclass(frozen=True, slots=True)
class InboundEdit:
    """The customer edited a message they sent earlier (known by its provider id)."""

    inbox_id: int
    external_id: str
    text: str
    edited_at: dt.datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    """A provider's report on an outgoing message: sent, delivered, read or failed."""

    inbox_id: int
    external_id: str
    status: str
    at: dt.datetime | None = None
    reason: str = ""
