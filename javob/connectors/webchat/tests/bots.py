"""Bots for the tests of the bot seam."""

from __future__ import annotations

from javob.connectors.webchat.bots import BotAnswer
from javob.conversations.models import Message


class Parrot:
    """Repeats the visitor; "person" makes it hand over."""

    def answer(self, message: Message) -> BotAnswer | None:
        if "person" in message.text:
            return BotAnswer("Connecting you to a person.", handover=True)
        return BotAnswer(f"You said: {message.text}")
