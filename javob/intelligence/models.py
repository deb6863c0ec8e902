"""Per-workspace intent sets: the examples agents give and the classifier trained from them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Workspace


class IntentExample(models.Model):
    """One example phrase of an intent, in any language."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    intent = models.CharField(_("intent"), max_length=64)
    text = models.TextField(_("example"))
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["workspace", "intent"], name="intent_example_ws")
        ]

    def __str__(self) -> str:
        return f"{self.intent}: {self.text[:40]}"


class IntentSet(models.Model):
    """The workspace's trained classifier; `version` grows with every successful training."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=0)
    model = models.TextField(blank=True)  # the provider's serialised classifier
    intents = models.JSONField(default=list, blank=True)
    example_count = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    # Why the last training failed ("" after a success); the previous model stays in use.
    error = models.TextField(blank=True)
    # Set when examples change, cleared by the training that reads them.
    stale = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"intents of workspace {self.workspace_id} v{self.version}"
