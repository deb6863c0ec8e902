"""Auto-assignment settings per inbox or team, and agents' channel skills."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Team, Workspace
from javob.conversations.models import Inbox


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    FEWEST_OPEN = "fewest_open", _("Fewest open conversations")


class RoutingSetting(models.Model):
    """How new conversations of one inbox, or of one team, are assigned.

    A team's setting wins over its inbox's. The row is also the lock two routings take
    (select_for_update) so they never pick from the same stale counts, and it remembers the
    last agent picked (round robin).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    inbox = models.OneToOneField(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="routing"
    )
    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="routing"
    )
    enabled = models.BooleanField(_("assign automatically"), default=True)
    strategy = models.CharField(
        _("strategy"), max_length=16, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    # Open and pending conversations an agent may hold; 0 = no limit.
    capacity = models.PositiveIntegerField(_("capacity per agent"), default=0)
    match_language = models.BooleanField(_("agent must speak the language"), default=True)
    only_online = models.BooleanField(_("only agents who are online"), default=True)
    unassign_when_offline = models.BooleanField(
        _("unassign when the agent goes offline"), default=False
    )
    last_assigned = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(inbox__isnull=False, team__isnull=True)
                | Q(inbox__isnull=True, team__isnull=False),
                name="routing_inbox_xor_team",
            )
        ]

    def __str__(self) -> str:
        return f"routing of {self.inbox or self.team}"


class ChannelSkills(models.Model):
    """The channels an agent takes conversations from (no row, or an empty list: all)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="channel_skills"
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.membership_id}: {', '.join(self.channels) or '*'}"
