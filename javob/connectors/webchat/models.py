"""A web-chat visitor: one browser on one site, known by a random key the widget keeps."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from javob.contacts.models import Contact
from javob.conversations.models import Conversation, Inbox


class Visitor(models.Model):
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    # Given in the pre-chat form or the offline form: where replies go once the visitor left.
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    # The host site's user id, when its backend signed it (identity verification).
    verified_id = models.CharField(max_length=255, blank=True)
    # Open widget connections and the last sign of life; "gone" is no connection for a while.
    connections = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Presence shown to agents: online while an open widget's page is visible (open
    # connections minus those whose page is hidden); `away_since` when the last one went.
    hidden_connections = models.PositiveIntegerField(default=0)
    online = models.BooleanField(default=False)
    away_since = models.DateTimeField(null=True, blank=True)
    # The bot answers until the visitor asks for a person (or an agent replies).
    bot_active = models.BooleanField(default=False)
    # Agent replies up to this message id went out by email (followup.py).
    emailed_up_to = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["conversation"], name="visitor_conversation")
        ]

    def __str__(self) -> str:
        return f"visitor {self.key}"


class MailKind(models.TextChoices):
    FOLLOWUP = "followup", _("Unseen replies")
    TRANSCRIPT = "transcript", _("Transcript")


class MailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class VisitorMail(models.Model):
    """A follow-up or transcript mailed through the inbox's linked email inbox.

    Rendered and given its Message-ID and threading headers once, before the first attempt,
    so a retry after a lost server answer sends the very same mail. The visitor's answer to
    it joins the chat conversation (the email inbox finds it by the reply token or by this
    Message-ID, recorded as one of the conversation's mail ids).
    """

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    email_inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=MailKind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    rfc_message_id = models.CharField(max_length=500, unique=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    status = models.CharField(max_length=8, choices=MailStatus.choices, default=MailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["next_attempt_at"],
                name="visitormail_pending",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return self.rfc_message_id
