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


def inbox_versions(inbox_ids: list[int]) -> dict[int, InboxVersion]:
    """The current version of each active inbox in `inbox_ids`."""
    rows = (
        Inbox.objects.filter(pk__in=inbox_ids, is_active=True)
        .annotate(
            raw_secrets=Cast("secrets", TextField()), raw_settings=Cast("settings", TextField())
        )
        .values_list("pk", "kind", "raw_secrets", "raw_settings")
    )
    return {row[0]: InboxVersion(*row) for row in rows}
