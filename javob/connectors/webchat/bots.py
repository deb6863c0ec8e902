"""The seam for a bot that answers web-chat visitors first (the knowledge-base bot plugs in
here later).

An inbox names a bot class in its `bot` setting (a dotted path). While a visitor's
`bot_active` is true, each of their messages is offered to the bot; its answer is sent as a
bot reply, and `handover=True` (or the visitor's "talk to a person") stops it for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.db import transaction
from django.utils.module_loading import import_string

from javob.connectors.webchat.connector import push
from javob.connectors.webchat.models import Visitor
from javob.conversations.actions import do_send_reply
from javob.conversations.models import Conversation, Direction, Message, SenderType


@dataclass(frozen=True, slots=True)
class BotAnswer:
    text: str
    handover: bool = False


@runtime_checkable
class Bot(Protocol):
    def answer(self, message: Message) -> BotAnswer | None:
        """An answer to the visitor's message, or None to stay silent."""
        ...


def load_bot(path: str) -> Bot:
    bot = import_string(path)()
    if not isinstance(bot, Bot):
        raise TypeError(f"{path} has no answer(message) method.")
    return bot


def answer_first(message_id: int) -> None:
    """The pipeline step: let the inbox's bot answer a visitor it is still talking to."""
    message = (
        Message.objects.select_related("inbox")
        .filter(pk=message_id, direction=Direction.INCOMING, inbox__kind="webchat")
        .first()
    )
    if message is None or not message.inbox.settings.get("bot"):
        return
    visitor = Visitor.objects.filter(conversation_id=message.conversation_id).first()
    if visitor is None or not visitor.bot_active:
        return
    answer = load_bot(str(message.inbox.settings["bot"])).answer(message)
    if answer is None:
        return
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        if answer.text.strip():
            do_send_reply(conversation, answer.text.strip(), sender_type=SenderType.BOT)
        if answer.handover:
            Visitor.objects.filter(pk=visitor.pk).update(bot_active=False)
            transaction.on_commit(lambda: push([visitor.pk], "bot", {"active": False}))
