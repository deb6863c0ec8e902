"""Answering a public comment: under the comment for everyone, or privately to its author.

The reply box of a comment conversation (`conversation.thread_key` starts with "comment:",
messages carry `metadata.public = true`) shows a "reply privately" switch, off by default, and
calls `check_send_comment_reply(..., private=<switch>)`. A plain `check_send_reply` in such a
conversation answers publicly.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.conversations.actions import do_send_reply
from javob.conversations.models import Message
from javob.conversations.queries import access_conversation
from javob.core.errors import ActionError, Conflict

MAX_COMMENT = 8000


def check_send_comment_reply(
    actor: Membership, conversation_id: int, text: str, *, private: bool
) -> Message:
    """Queue an answer to the customer's comment, public or private (a direct message)."""
    text = text.strip()
    if not text:
        raise ActionError(_("The message is empty."), field="text")
    if len(text) > MAX_COMMENT:
        raise ActionError(_("The message is too long."), field="text")
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        if conversation.merged_into_id is not None:
            raise Conflict(
                _("This conversation was merged into another one."), field="conversation_id"
            )
        if not conversation.thread_key.startswith("comment:"):
            raise ActionError(
                _("This conversation is not about a comment."), field="conversation_id"
            )
        message = do_send_reply(conversation, text, actor=actor)
        # Same transaction as the queued message: the delivery task sees both or neither.
        message.metadata = {**message.metadata, "comment_reply": "private" if private else "public"}
        message.save(update_fields=["metadata"])
        return message
