"""Reads of the connectors app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextField
from django.db.models.functions import Cast

from javob.conversations.models import Inbox


@dataclass(frozen=True, slots=True)
class InboxVersion:
    """What an inbox looked like when a webhook was verified against it: its stored (still
    encrypted) secrets and its settings as text. Any save of the inbox encrypts its secrets
    afresh, so a changed inbox never matches an old version."""

    inbox_id: int
    kind: str
    secrets: str
    settings: str


def active_inbox_with_version(inbox_id: int) -> tuple[Inbox, InboxVersion] | None:
    """An active inbox and its version, read in one query (one snapshot of the row)."""
    inbox = (
        Inbox.objects.filter(pk=inbox_id, is_active=True)
        .annotate(
            raw_secrets=Cast("secrets", TextField()), raw_settings=Cast("settings", TextField())
        )
        .first()
    )
    if inbox is None:
        return None
    raw_secrets: str = getattr(inbox, "raw_secrets", None) or ""
    raw_settings: str = getattr(inbox, "raw_settings", None) or ""
    return inbox, InboxVersion(inbox.pk, inbox.kind, raw_secrets, raw_settings)
