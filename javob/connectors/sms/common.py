"""What the SMS adapters share: phone numbers, recipients, provider errors as DeliveryError."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors.base import DeliveryError
from javob.core.http import Response

if TYPE_CHECKING:
    from javob.conversations.models import Conversation, Message

PHONE = "phone"
DEFAULT_RETRY_AFTER = 60.0


def normalise_phone(value: str) -> str:
    """E.164 with its `+`: gateways write 998901234567, Twilio +998901234567."""
    value = re.sub(r"[\s()-]", "", value.strip())
    return "+" + value if value.isdigit() else value


def phone_of(conversation: Conversation) -> str:
    """The contact's phone number in E.164, or "" when they have none."""
    identity = conversation.contact.identities.filter(kind=PHONE).order_by("pk").first()
    return normalise_phone(identity.value) if identity is not None else ""


def recipient(conversation: Conversation) -> str:
    phone = phone_of(conversation)
    if not phone:
        raise DeliveryError(_("The contact has no phone number to write to."), permanent=True)
    return phone


def no_files_sentence() -> str:
    return _("This SMS gateway sends text only: a reply cannot carry files; send a link instead.")


def refuse_files(message: Message) -> None:
    """The last guard of a gateway send (a reply queued by a path that did not check)."""
    if message.attachments.exists():
        raise DeliveryError(no_files_sentence(), permanent=True)


def retry_after(response: Response) -> float:
    """The provider's `Retry-After` in seconds, or a minute when it names none."""
    try:
        return max(float(response.headers.get("retry-after", "")), 1.0)
    except ValueError:
        return DEFAULT_RETRY_AFTER


def json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def short(body: bytes) -> str:
    return body.decode("utf-8", "replace").strip()[:300]
