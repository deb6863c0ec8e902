"""What the agent UI remembers per agent: saved inbox filters, what each agent has read and
where they were mentioned."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership
from javob.conversations.models import Conversation, Message


class SavedFilter(models.Model):
    """A named set of inbox filters (the query string of the inbox page), one agent's own."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("filters"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["membership", "name"], name="uniq_saved_filter_name")
        ]

    def __str__(self) -> str:
        return self.name


class ReadMark(models.Model):
    """When an agent last opened a conversation; newer customer messages make it unread."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["membership", "conversation"], name="uniq_read_mark")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}:{self.conversation_id}"


class Mention(models.Model):
    """An agent named with `@handle` in an internal note (see javob.web.mentions).

    Only agents who may see the conversation when the note is written are recorded."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["membership", "message"], name="uniq_mention")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["membership", "conversation"], name="mention_member_conv")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}@{self.message_id}"
