"""Calendars (business hours and holidays), SLA policies, SLA timers and auto-acknowledgement."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Team, Workspace
from javob.conversations.models import Conversation, Inbox, Message


class Calendar(models.Model):
    """Weekly hours in an IANA zone, closed on public holidays of a country and on Holidays.

    `weekly` holds seven lists (Monday first) of ["HH:MM", "HH:MM"] intervals; an end at or
    before its start runs past midnight, "24:00" is the end of the day. Validated by actions.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    zone = models.CharField(_("time zone"), max_length=64)
    weekly = models.JSONField(_("weekly hours"), default=list)
    country = models.CharField(_("public holidays of country"), max_length=2, blank=True)
    subdivision = models.CharField(_("subdivision"), max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["workspace", "name"], name="uniq_calendar_name")
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A closed day of one calendar: once, or every year on the same month and day."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    recurring = models.BooleanField(_("every year"), default=False)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["calendar", "date"], name="uniq_holiday_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarLink(models.Model):
    """The calendar an inbox or a team works by (exactly one of the two is set)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="links")
    inbox = models.OneToOneField(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(inbox__isnull=True, team__isnull=False)
                | Q(inbox__isnull=False, team__isnull=True),
                name="calendar_link_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id} -> inbox {self.inbox_id} team {self.team_id}"


class CalendarSet(models.Model):
    """The version of a workspace's calendars and calendar links: a new random token on every
    calendar, holiday or link write (`calendars.bump_calendars`). Each process keeps the
    calendars in memory and reads them again only when this token has changed."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"calendars of {self.workspace_id}: {self.token}"


class AgentShift(models.Model):
    """An agent's working hours: a calendar, usually in the agent's own zone."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="+")
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="shifts")

    def __str__(self) -> str:
        return f"shift of {self.membership_id}"


class Metric(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")
    RESOLUTION = "resolution", _("Resolution")


REPLY_METRICS = (Metric.FIRST_REPLY, Metric.NEXT_REPLY)


class SlaPolicy(models.Model):
    """Targets per metric and priority for the conversations its conditions match.

    `conditions`: {"inbox_ids": [..], "channels": [..], "team_ids": [..], "labels": [..],
    "contact_attributes": {"tier": ["gold"]}}; every given key must match (any of its values).
    `targets`: {metric: {priority: minutes}}. Policies apply in `position` order, first match.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    warn_minutes = models.PositiveIntegerField(_("warn this many minutes before"), default=15)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    targets = models.JSONField(_("targets"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaTimer(models.Model):
    """The state of one target of one conversation; the sweeper reads `due_at` / `warn_at`.

    Running: due_at set. Paused: due_at null, `remaining_seconds` of (business) time kept.
    Done: fulfilled_at or breached_at set (a breach is dated at the due time).
    """

    # Every index slows the sweeper's UPDATE (breached_at is in the partial indexes, so no
    # HOT update): the unique (conversation, metric) serves lookups by conversation, and the
    # other foreign keys are only followed when a policy or calendar is deleted.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.CharField(max_length=32, choices=Metric.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    target_minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=False)
    calendar = models.ForeignKey(
        Calendar, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True)
    warn_at = models.DateTimeField(null=True)
    paused_at = models.DateTimeField(null=True)
    remaining_seconds = models.FloatField(null=True)
    fulfilled_at = models.DateTimeField(null=True)
    breached_at = models.DateTimeField(null=True)
    warned_at = models.DateTimeField(null=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["conversation", "metric"], name="uniq_sla_timer")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["due_at"],
                name="sla_timer_due",
                condition=Q(breached_at__isnull=True, fulfilled_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_timer_warn",
                condition=Q(
                    warned_at__isnull=True, breached_at__isnull=True, fulfilled_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} of {self.conversation_id}"

    @property
    def running(self) -> bool:
        return self.due_at is not None and self.fulfilled_at is None


class AutoAck(models.Model):
    """Auto-acknowledgement settings of one inbox."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("send an automatic acknowledgement"), default=False)
    default_language = models.CharField(_("default language"), max_length=16, default="en")

    def __str__(self) -> str:
        return f"auto-ack of inbox {self.inbox_id}"


class AutoAckSent(models.Model):
    """One acknowledgement per conversation: the unique row makes sending idempotent."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"auto-ack of {self.conversation_id}"
