"""Helpers for automation and routing tests: conversations made the way customers make them."""

from __future__ import annotations

from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Message
from javob.conversations.tests.factories import inbound


def incoming(
    inbox_id: int, text: str = "Salom", sender: str = "customer-1", name: str = "Dilnoza Karimova"
) -> Message:
    """Store one customer message (the pipeline's after-commit steps do not run here)."""
    return receive_message(inbound(inbox_id, sender, text, name=name)).message


def conversation(inbox_id: int, text: str = "Salom", sender: str = "customer-1") -> Conversation:
    return incoming(inbox_id, text, sender).conversation
