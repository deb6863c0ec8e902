"""Writes of the X connector: what X refused the inbox (learned from a 403 when sending)."""

from __future__ import annotations

from django.db import transaction

from javob.connectors.x import capabilities
from javob.conversations.models import Inbox

MAX_REASON = 500


def do_deny_capability(inbox_id: int, capability: str, reason: str) -> None:
    """Remember that X refused `capability` to this inbox, with X's words."""
    with transaction.atomic():
        inbox = Inbox.objects.select_for_update().get(pk=inbox_id)
        refused = capabilities.denied(inbox)
        if refused.get(capability) == reason[:MAX_REASON]:
            return
        refused[capability] = reason[:MAX_REASON]
        inbox.settings = {**inbox.settings, capabilities.DENIED: refused}
        inbox.save(update_fields=["settings"])


def clear_denied(inbox: Inbox) -> None:
    """Forget what X refused (the inbox is being reconnected, maybe with a better tier).
    Only the in-memory settings change; the caller saves them."""
    if capabilities.DENIED in inbox.settings:
        inbox.settings = {k: v for k, v in inbox.settings.items() if k != capabilities.DENIED}
