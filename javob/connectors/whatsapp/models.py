"""WhatsApp message templates, synced from the business account.

Outside the 24-hour customer-service window only an approved template may be sent; agents pick
one of these and fill in its variables.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Workspace
from javob.conversations.models import Inbox


class TemplateStatus(models.TextChoices):
    APPROVED = "APPROVED", _("Approved")
    PENDING = "PENDING", _("Pending review")
    REJECTED = "REJECTED", _("Rejected")
    PAUSED = "PAUSED", _("Paused")
    DISABLED = "DISABLED", _("Disabled")
    OTHER = "OTHER", _("Other")


class MessageTemplate(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="whatsapp_templates")
    meta_id = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=512)
    language = models.CharField(_("language"), max_length=16)
    category = models.CharField(_("category"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TemplateStatus.choices)
    # "positional" ({{1}}, {{2}}) or "named" ({{first_name}}), as Meta reports it.
    parameter_format = models.CharField(max_length=16, default="positional")
    components = models.JSONField(default=list)
    synced_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["inbox", "name", "language"], name="uniq_whatsapp_template"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
