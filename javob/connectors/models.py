"""Raw inbound webhook deliveries, kept until processed (and in quarantine when unparseable)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from javob.accounts.models import Workspace
from javob.conversations.models import Inbox


class InboundPayload(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="payloads")
    # The provider's id of this delivery, when it has one: a retried delivery is stored once.
    provider_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    body = models.BinaryField()
    headers = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Set when parsing failed: the payload stays here and can be reprocessed.
    error = models.TextField(blank=True)
    # Set when the payload was understood but deliberately not turned into a message (a
    # group chat kept for listening, an update type nothing handles yet); see base.Ignored.
    ignored = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["inbox", "provider_id"],
                name="uniq_payload_provider_id",
                condition=Q(provider_id__isnull=False),
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["received_at"],
                name="payload_pending",
                condition=Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"payload #{self.pk}"


class ConnectorHealth(models.Model):
    """The last failure of a call to an inbox's provider, and when calls worked again.

    A row exists only once something failed; "healthy" means the last success came after it.
    """

    inbox = models.OneToOneField(
        Inbox, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"health of inbox {self.inbox_id}"
