"""What the email channel keeps besides messages: raw mail, IMAP state, threading ids, tokens.

Rows point at conversation messages by foreign key; the conversation a mail belongs to is read
through its message, so a merge or split (which moves messages) never leaves a stale pointer.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Workspace
from javob.contacts.models import Contact
from javob.conversations.models import Conversation, Inbox, Message


class MailSource(models.TextChoices):
    IMAP = "imap", "IMAP"
    SMTP = "smtp", "SMTP/LMTP"
    HTTP = "http", "HTTP"
    IMPORT = "import", _("Import")


class Outcome(models.TextChoices):
    """What processing made of a raw mail; "" while it waits."""

    PENDING = "", _("Pending")
    MESSAGE = "message", _("Message")
    BOUNCE = "bounce", _("Bounce")
    OWN = "own", _("Our own mail")
    QUARANTINED = "quarantined", _("Quarantined")


class RawMail(models.Model):
    """One received mail, its RFC 822 bytes exactly as they arrived, stored before parsing.

    Deduplicated per inbox on the Message-ID header, and on the SHA-256 of the bytes for mail
    without one, so a re-fetch after a crash stores nothing twice.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=8, choices=MailSource.choices)
    rfc_message_id = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    # The envelope recipients (SMTP RCPT TO), which may name a reply token the headers lack.
    envelope_to = models.JSONField(default=list, blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    error = models.TextField(blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["inbox", "rfc_message_id"],
                name="uniq_rawmail_message_id",
                condition=~Q(rfc_message_id=""),
            ),
            models.UniqueConstraint(fields=["inbox", "sha256"], name="uniq_rawmail_sha256"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["received_at"],
                name="rawmail_pending",
                condition=Q(processed_at__isnull=True),
            ),
            models.Index(
                fields=["inbox", "received_at"],
                name="rawmail_quarantine",
                condition=Q(outcome="quarantined"),
            ),
        ]

    def __str__(self) -> str:
        return f"mail #{self.pk}"


class ImapState(models.Model):
    """Where polling of one inbox's mailbox stands: (UIDVALIDITY, last committed UID)."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="+")
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"imap state of inbox {self.inbox_id}"


class MailIdKind(models.TextChoices):
    OWN = "own", "Message-ID"
    REFERENCE = "ref", "In-Reply-To / References"


class MailId(models.Model):
    """The Message-IDs a mail carries (its own and those it cites), for threading both ways:
    a new mail finds its parent by its own citations, and a parent arriving late finds its
    replies by their citations of it."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=3, choices=MailIdKind.choices)
    value = models.CharField(max_length=500)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["inbox", "value"], name="mailid_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class OutgoingMail(models.Model):
    """The threading headers of one outgoing mail, fixed before its first send attempt so
    every retry carries the same Message-ID."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    rfc_message_id = models.CharField(max_length=500, unique=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    # Message-ID, and for a reply In-Reply-To + References + the [#number] subject tag.
    complete = models.BooleanField(default=False)
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.rfc_message_id


class ReplyToken(models.Model):
    """The secret in reply+<token>@domain that routes replies to one conversation."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, unique=True)

    def __str__(self) -> str:
        return self.token


class ParticipantRole(models.TextChoices):
    FROM = "from", _("From")
    TO = "to", _("To")
    CC = "cc", _("Cc")


class Participant(models.Model):
    """A contact taking part in an email conversation (its sender, or Cc'd on a mail)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=4, choices=ParticipantRole.choices)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["conversation", "contact"], name="uniq_mail_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.contact_id}"


class WebhookToken(models.Model):
    """A Mailgun webhook token already accepted for an inbox: a second post carrying it
    within the signature window is a replay. Rows older than the window are deleted."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=200)
    seen_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["inbox", "token"], name="uniq_webhook_token")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["inbox", "seen_at"], name="webhooktoken_age"),
        ]

    def __str__(self) -> str:
        return self.token
