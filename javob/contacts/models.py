"""Customers and their identities on every channel."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Workspace


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    MESSENGER = "messenger", _("Messenger")
    X = "x", _("X")
    WEB = "web", _("Web visitor")
    API = "api", _("API")


class Contact(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=255, blank=True)
    locale = models.CharField(_("language"), max_length=16, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    custom_attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    # A merged contact keeps its row so old references resolve; it points to the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="contact_recent"),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class ContactIdentity(models.Model):
    """How a contact is reached on one channel; unique per workspace and kind."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["workspace", "kind", "value"], name="uniq_identity")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ContactMerge(models.Model):
    """The trace a contact merge leaves: who merged what into what, and what moved."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    identities = models.JSONField(default=list)
    conversations = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"
