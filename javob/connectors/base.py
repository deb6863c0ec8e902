"""The connector interface: how a provider's webhooks come in and replies go out.

One class per provider, registered by kind in `registry.py`. A connector verifies and parses
webhooks into `InboundMessage` / `DeliveryUpdate` values and sends outgoing messages. It never
writes to the database itself: the webhook view and the tasks call the actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext as _

from javob.core.types import DeliveryUpdate, InboundEdit, InboundMessage

if TYPE_CHECKING:
    from javob.conversations.models import Conversation, Inbox, Message


class DeliveryError(Exception):
    """Sending failed. `permanent` failures are final; the others are retried with backoff,
    or after `retry_after` seconds when the provider said how long to wait (a rate limit)."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class WebhookRejected(Exception):
    """The request is not from the provider (bad signature) or not a webhook at all."""


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """What a connector sees of an HTTP request: the raw body and the headers, untouched."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Ignored:
    """A payload understood but deliberately not turned into a message (a group chat the
    inbox only listens to, an update type we do not handle). The payload is kept, marked
    with this reason, so it can be reprocessed once something handles it."""

    reason: str


Parsed = InboundMessage | DeliveryUpdate | InboundEdit | Ignored


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    """A file an agent wants to send with a reply, as far as a provider's limits care."""

    filename: str
    content_type: str
    size: int


class Connector:
    """Base of every provider connector. Subclasses set `kind` and override what they support."""

    kind: ClassVar[str]
    # Options an inbox of this kind must be given, and the options that are secrets (stored
    # encrypted, never shown back). A required secret is named in both.
    required_settings: ClassVar[tuple[str, ...]] = ()
    secret_settings: ClassVar[tuple[str, ...]] = ()
    # Options an inbox may be given (shown in the settings pages next to the required ones).
    optional_settings: ClassVar[tuple[str, ...]] = ()
    # What the webhook door answers: the body and type of a handshake answer and of the
    # acknowledgement of a stored POST (Twilio wants TwiML, X a JSON CRC answer).
    handshake_content_type: ClassVar[str] = "text/plain; charset=utf-8"
    ack_body: ClassVar[bytes] = b"ok"
    ack_content_type: ClassVar[str] = "text/plain; charset=utf-8"

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def handshake(self, request: WebhookRequest) -> str | None:
        """Answer a provider's GET verification challenge, or None if this is not one."""
        return None

    def verify(self, request: WebhookRequest) -> None:
        """Raise WebhookRejected unless the request is signed by the provider."""
        raise WebhookRejected("This channel does not accept webhooks.")

    def payload_id(self, request: WebhookRequest) -> str | None:
        """The provider's id of this delivery, to store a retried delivery once; None if none."""
        return None

    def parse(self, body: bytes) -> Sequence[Parsed]:
        """Turn a stored webhook body into messages and delivery updates (may be empty)."""
        raise NotImplementedError

    def check_reply(self, conversation: Conversation) -> None:
        """Raise ActionError when the provider would not deliver a free-form reply now (Meta's
        24-hour window, say), so the agent hears it before anything is queued."""
        return None

    def check_reply_text(self, conversation: Conversation, text: str) -> None:
        """Raise ActionError when the provider would refuse this text (X's 280 characters for
        a public reply), so the agent hears it before anything is queued."""
        return None

    def check_reply_files(self, conversation: Conversation, files: Sequence[OutgoingFile]) -> None:
        """Raise ActionError when the provider would refuse these files (too many, too large,
        a type it does not take, a channel that cannot carry files), so the agent hears it
        before anything is queued. Called with the files of every reply, also with none."""
        return None

    def limits(self) -> list[str]:
        """What this inbox cannot do with the provider access it has, one plain translated
        sentence each (shown on the inbox's settings page)."""
        return []

    def reply_notes(self, conversation: Conversation) -> list[str]:
        """What the agent should know before answering this conversation (shown above the
        reply box): a length limit, a reply the provider access does not allow."""
        return []

    def send(self, message: Message) -> str:
        """Deliver an outgoing message; return the provider's id for it.

        Raise DeliveryError(permanent=True) when retrying cannot help (bad recipient, revoked
        credentials), DeliveryError(permanent=False) when it may (timeouts, 5xx, rate limits).
        """
        raise DeliveryError(_("This channel cannot send messages."), permanent=True)

    def takes_part_by_email(self, conversation: Conversation, email: str) -> bool:
        """Whether mail from `email` that cites one of this inbox's follow-up mails (sent
        through a linked email inbox, as web chat does) may join `conversation`. Citing a
        Message-ID alone must never let a stranger in; the default lets nobody in."""
        return False

    def setup(self) -> None:
        """Prepare a new inbox: generate its secrets and defaults (called before it is saved)."""

    def check_settings(self) -> None:
        """Check the inbox's settings as an admin changed them, before they are saved; raise
        ActionError naming the bad setting. The default accepts any."""

    def activate(self) -> None:
        """Connect a saved, committed inbox to the provider (register the webhook, check the
        credentials). Called when the inbox is added or switched back on; may save the inbox's
        settings. Raise ActionError with the provider's reason when it fails: the caller then
        does not keep the inbox half-connected."""

    def deactivate(self) -> None:
        """Disconnect the inbox from the provider (remove the webhook) before it is switched
        off or removed. Raise ActionError with the provider's reason when it fails."""

    def received(self, message_id: int, inbound: InboundMessage) -> None:
        """Called after a message this connector parsed was stored (once, when new): the place
        to schedule follow-up work such as downloading media. Runs outside any transaction."""
