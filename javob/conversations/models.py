"""Inboxes, conversations (= tickets), messages, attachments, labels and the timeline."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Team, Workspace
from javob.contacts.models import Contact
from javob.core.crypto import EncryptedJSONField


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBCHAT = "webchat", _("Web chat")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    MESSENGER = "messenger", _("Messenger")
    X = "x", _("X")
    SMS = "sms", _("SMS")
    API = "api", _("API")


class Inbox(models.Model):
    """One configured channel of a workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inboxes")
    kind = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=200)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    secrets = EncryptedJSONField(_("secrets"), blank=True, default="")
    languages = models.JSONField(_("languages served"), default=list, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="inboxes"
    )
    # A customer message after resolution reopens the conversation within this many hours;
    # later, it starts a new conversation linked to the old one.
    reopen_grace_hours = models.PositiveIntegerField(_("reopen grace period (hours)"), default=168)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("name"), max_length=64)
    color = models.CharField(_("color"), max_length=7, default="#64748b")

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["workspace", "name"], name="uniq_label_name")
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.OPEN, Status.PENDING, Status.SNOOZED)


class Priority(models.TextChoices):
    NONE = "none", _("None")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Conversation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveBigIntegerField(_("number"))
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    # Conversations of one contact and inbox thread by this key ("" for chat channels, a
    # root Message-ID for email, a thread id for providers that have threads).
    thread_key = models.CharField(max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default="open")
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NONE
    )
    assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    participants = models.ManyToManyField(Membership, blank=True, related_name="participating")
    language = models.CharField(_("language"), max_length=16, blank=True)
    # The customer's recent mood: a recency-weighted mean of their last messages' scores.
    sentiment = models.CharField(
        _("sentiment"), max_length=8, choices=Sentiment.choices, blank=True
    )
    sentiment_score = models.FloatField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_into"
    )
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followed_by"
    )
    last_activity_at = models.DateTimeField(db_index=False)
    last_incoming_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["workspace", "number"], name="uniq_conversation_number")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["workspace", "status", "-last_activity_at", "-id"], name="conv_status"
            ),
            models.Index(
                fields=["workspace", "team", "status", "-last_activity_at", "-id"],
                name="conv_team_status",
            ),
            models.Index(
                fields=["workspace", "assignee", "status", "-last_activity_at", "-id"],
                name="conv_assignee_status",
            ),
            models.Index(fields=["workspace", "-last_activity_at", "-id"], name="conv_recent"),
            models.Index(fields=["contact", "inbox", "thread_key"], name="conv_thread"),
            models.Index(
                fields=["status", "snoozed_until"],
                name="conv_snoozed",
                condition=Q(status="snoozed"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")
    NOTE = "note", _("Note")
    SYSTEM = "system", _("System")


class SenderType(models.TextChoices):
    CONTACT = "contact", _("Contact")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class Delivery(models.TextChoices):
    """Delivery status of an outgoing message. It only moves forward; see DELIVERY_RANK."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    sender_type = models.CharField(max_length=16, choices=SenderType.choices)
    sender_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_agent = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)  # sanitised before it is stored
    # The provider's id of this message, unique per inbox: the idempotency of receive.
    external_id = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    references = models.JSONField(default=list, blank=True)
    delivery_status = models.CharField(
        max_length=16, choices=Delivery.choices, blank=True, default=""
    )
    delivery_rank = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Written by the enrichment step after an incoming message is stored (intelligence app).
    language = models.CharField(_("language"), max_length=16, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=8, choices=Sentiment.choices, blank=True
    )
    sentiment_score = models.FloatField(null=True, blank=True)
    intent = models.CharField(_("intent"), max_length=64, blank=True)
    intent_score = models.FloatField(null=True, blank=True)
    pii_spans = models.JSONField(default=list, blank=True)
    enriched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["inbox", "direction", "external_id"],
                name="uniq_message_external_id",
                condition=Q(external_id__isnull=False),
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["conversation", "created_at", "id"], name="msg_timeline"),
            models.Index(
                fields=["delivery_status", "next_attempt_at"],
                name="msg_delivery_due",
                condition=Q(delivery_status="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"


# A delivery status may only replace one of lower rank. A failure can follow "sent" (the
# provider gave up later) but never "delivered" or "read"; only an agent's retry re-queues.
DELIVERY_RANK = {
    Delivery.QUEUED: 0,
    Delivery.SENT: 10,
    Delivery.FAILED: 15,
    Delivery.DELIVERED: 20,
    Delivery.READ: 30,
}


class EarlyReport(models.Model):
    """A provider's status report that arrived before the message it names was known.

    Providers may call back ("delivered", "read", "failed") before the send response that
    gives us their id is stored. The report waits here; `delivery.record_sent` applies it in
    the transaction that stores the id, and the scheduler deletes what never found its message
    (`delivery.sweep_early_reports`). Belongs to the inbox's workspace.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+", db_index=False)
    external_id = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Delivery.choices)
    rank = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One row per message and status: a repeated report is stored once; its index
            # also serves the lookup by (inbox, external_id) when the message is sent.
            models.UniqueConstraint(
                fields=["inbox", "external_id", "status"], name="uniq_early_report"
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["received_at"], name="early_report_received"),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.external_id}"


class Attachment(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", _("Conversation created")
    MESSAGE_IN = "message_in", _("Message received")
    MESSAGE_OUT = "message_out", _("Reply sent")
    NOTE = "note", _("Note added")
    DELIVERY = "delivery", _("Delivery status changed")
    ASSIGNED = "assigned", _("Assigned")
    TEAM = "team", _("Team changed")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    LABELS = "labels", _("Labels changed")
    MERGED = "merged", _("Merged")
    SPLIT = "split", _("Split")
    CONTACT_MERGED = "contact_merged", _("Contact merged")
    REOPENED = "reopened", _("Reopened")
    HANDOVER = "handover", _("Handed over from the bot")
    MESSAGE_UNSENT = "message_unsent", _("Message unsent")
    SLA_ACTIVATED = "sla_activated", _("SLA target started")
    SLA_PAUSED = "sla_paused", _("SLA target paused")
    SLA_FULFILLED = "sla_fulfilled", _("SLA target met")
    SLA_BREACHED = "sla_breached", _("SLA target breached")
    SLA_WARNING = "sla_warning", _("SLA target due soon")
    ROUTED = "routed", _("Routed")
    MESSAGE_EDITED = "message_edited", _("Message edited by the customer")


class Event(models.Model):
    """One row of the append-only timeline. Reports are computed from these rows."""

    # Every index is written for every row, and the SLA sweeper may write 100k rows at once
    # after downtime: the two composite indexes serve the timeline and the reports (and
    # lookups by conversation or workspace, their first column); actor and message are
    # followed only when a membership or message is deleted, and most rows have neither,
    # so their indexes hold only the rows that have one. The workspace is the
    # conversation's (a conversation cannot outlive its workspace, and Django deletes the
    # events of a deleted workspace itself), so the database does not check it a second
    # time on every insert; the conversation is still checked.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # Not checked by the database either: a catch-up of 100k SLA breaches spent a fifth of its
    # time on that check. Deleting conversations goes through `conversations.deletion`, which
    # locks them (and the SLA timers the sweeper claims) before deleting their events, so no
    # row can be written for a conversation that is gone.
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor_type = models.CharField(max_length=16, choices=SenderType.choices)
    actor = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["conversation", "created_at", "id"], name="event_timeline"),
            models.Index(fields=["workspace", "kind", "created_at"], name="event_report"),
            models.Index(fields=["actor"], name="event_actor", condition=Q(actor__isnull=False)),
            models.Index(
                fields=["message"], name="event_message", condition=Q(message__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
