"""Pieces the three Meta connectors share: settings, the Graph client of an inbox, fetched
media, and the recipient of a conversation."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from javob.connectors.meta.graph import DEFAULT_GRAPH_URL, GraphClient, GraphError
from javob.connectors.meta.webhook import new_verify_token

if TYPE_CHECKING:
    from javob.conversations.models import Conversation, Inbox


@dataclass(frozen=True, slots=True)
class Fetched:
    filename: str
    content_type: str
    content: bytes


def graph_client(inbox: Inbox) -> GraphClient:
    base = str(inbox.settings.get("graph_url") or DEFAULT_GRAPH_URL)
    return GraphClient(base, str(inbox.secrets.get("access_token", "")))


def ensure_verify_token(inbox: Inbox) -> None:
    """The token the operator pastes into Meta's webhook form; generated when not chosen."""
    if not inbox.settings.get("verify_token"):
        inbox.settings = {**inbox.settings, "verify_token": new_verify_token()}


def filename_for(item: dict[str, object], content_type: str) -> str:
    given = str(item.get("filename") or "")
    if given:
        return given
    # A CDN link usually ends in the file's own name.
    last = urlsplit(str(item.get("url") or "")).path.rsplit("/", 1)[-1]
    if "." in last.strip("."):
        return last[-100:]
    bare = content_type.split(";", 1)[0].strip()
    extension = mimetypes.guess_extension(bare) or ""
    name = str(item.get("id") or "file")[-40:]
    return f"{item.get('kind') or 'file'}-{name}{extension}"


def recipient(conversation: Conversation, kind: str) -> str:
    """The customer's id on this channel; a permanent failure if the contact has none."""
    identity = conversation.contact.identities.filter(kind=kind).order_by("pk").first()
    if identity is None:
        raise GraphError(
            _("The contact has no %(kind)s identity to write to.") % {"kind": kind},
            permanent=True,
        )
    return identity.value


def enabled(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")
