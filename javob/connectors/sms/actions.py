"""Writes of the SMS connector: the gateway's login token, kept until it expires."""

from __future__ import annotations

from django.db import transaction

from javob.conversations.models import Inbox


def do_store_session_token(inbox: Inbox, token: str) -> None:
    """Keep a gateway's freshly issued login token (encrypted with the inbox's secrets)."""
    with transaction.atomic():
        locked = Inbox.objects.select_for_update().get(pk=inbox.pk)
        locked.secrets = {**locked.secrets, "session_token": token}
        locked.save(update_fields=["secrets"])
    inbox.secrets = {**inbox.secrets, "session_token": token}
