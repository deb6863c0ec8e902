"""Canned responses, macros, automation rules and the run log of rules.

Actions and conditions are stored as JSON lists of small dictionaries; `specs.py` validates
them and `syntax.py` turns them into the one-per-line text the admin pages edit.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Workspace
from javob.conversations.models import Conversation


class Visibility(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    SHARED = "shared", _("Shared")


class CannedResponse(models.Model):
    """A reusable answer: one body per language, with {{variables}} filled in on use."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.SHARED
    )
    shortcut = models.SlugField(_("shortcut"), max_length=64, allow_unicode=True)
    title = models.CharField(_("title"), max_length=200)
    # {"en": "...", "ru": "..."}; `default_language` is the fallback.
    bodies = models.JSONField(_("bodies"), default=dict)
    default_language = models.CharField(_("fallback language"), max_length=16, default="en")
    usage_count = models.PositiveIntegerField(default=0, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["workspace", "shortcut"], name="canned_shortcut"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class Macro(models.Model):
    """A named list of actions an agent applies to one conversation in one go."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.SHARED
    )
    name = models.CharField(_("name"), max_length=200)
    actions = models.JSONField(_("actions"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Trigger(models.TextChoices):
    CONVERSATION_CREATED = "conversation_created", _("Conversation created")
    MESSAGE_RECEIVED = "message_received", _("Message received")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACH = "sla.breach", _("SLA breach")
    NO_REPLY = "no_reply", _("No reply for some hours")


class Match(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class Rule(models.Model):
    """When `trigger` happens and the conditions hold, run the actions. Rules run in order."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    trigger = models.CharField(_("event"), max_length=32, choices=Trigger.choices)
    # For the "no reply" trigger: hours the customer's last message has waited.
    hours = models.PositiveIntegerField(_("hours without a reply"), default=0)
    match = models.CharField(_("match"), max_length=8, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    position = models.PositiveIntegerField(_("position"), default=0)
    stop_processing = models.BooleanField(_("stop processing later rules"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Record evaluations that did not match too (for debugging a rule; off by default so the
    # run log does not grow by one row per rule per message).
    log_misses = models.BooleanField(_("log evaluations that did not match"), default=False)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["workspace", "trigger", "position", "id"], name="rule_order"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleSet(models.Model):
    """The version of a workspace's rules: a new random token on every rule write.

    The engine keeps the enabled rules of each workspace in memory and reads this token in
    the statement that loads the conversation, so a change made by any process is seen by
    the next event everywhere. Random rather than a counter: a rolled-back write can never
    make an old token current again.
    """

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"rules of {self.workspace_id}: {self.token}"


class RuleRun(models.Model):
    """One evaluation of a rule: the run log shown on the rule's page."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=32)
    # What made this run unique ("message:12", "no_reply:<since>"): a run with a key happens
    # once, so a pipeline that runs again after a crash does not repeat the rule's actions.
    event_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    matched = models.BooleanField(default=False)
    actions_done = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["rule", "conversation", "event_key"],
                name="uniq_rule_run_event",
                condition=Q(event_key__isnull=False),
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["rule", "-created_at", "-id"], name="rule_run_recent"),
            models.Index(fields=["rule", "conversation", "created_at"], name="rule_run_conv"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.conversation_id}"
