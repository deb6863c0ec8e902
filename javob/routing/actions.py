"""Auto-assignment: picking an agent for a conversation, and the writes of routing settings.

The router acts as the workspace's Automation pseudo-agent (`automation.actor`) through
`conversations.actions.check_assign`, so the assignment leaves the usual "assigned" event;
next to it a "routed" event records why (strategy, how many agents were eligible, what left
the others out). `routing.queries.explain()` turns that into a sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Availability, Membership, Team
from javob.accounts.queries import access_agent
from javob.automation.actor import automation_actor
from javob.conversations import events
from javob.conversations.actions import check_assign
from javob.conversations.models import ChannelKind, Conversation, EventKind, Inbox, Status
from javob.core.errors import ActionError, NotFound
from javob.routing.models import ChannelSkills, RoutingSetting, Strategy
from javob.routing.queries import (
    Candidate,
    OnShift,
    access_setting,
    pool,
    require_admin,
    setting_for,
)

ROUTED = EventKind.ROUTED


@dataclass(frozen=True, slots=True)
class Routed:
    assignee_id: int | None
    reason: str


def route_conversation(
    conversation_id: int,
    at: dt.datetime | None = None,
    on_shift: OnShift | None = None,
    exclude: frozenset[int] = frozenset(),
) -> Routed:
    """Assign an unassigned, active conversation to the agent its routing setting picks.

    `on_shift(membership_ids, at) -> set[int]` says who is inside their shift; by default
    the function JAVOB_ROUTING_ON_SHIFT names, else everyone. Agents in `exclude` are left
    out (the one who just went offline).

    Two routings at once never pick from the same counts: the setting row is locked first
    (select_for_update; on SQLite the write transaction serializes them), then the
    conversation, and the counts are read under those locks.
    """
    at = at or timezone.now()
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return Routed(None, "gone")
    found = setting_for(conversation)
    if found is None or not found.enabled:
        return Routed(None, "no_setting")
    with transaction.atomic():
        setting = RoutingSetting.objects.select_for_update().get(pk=found.pk)
        conversation = (
            Conversation.objects.select_for_update().select_related("inbox").get(pk=conversation_id)
        )
        if conversation.assignee_id is not None:
            return Routed(conversation.assignee_id, "already_assigned")
        if conversation.status not in (Status.OPEN, Status.PENDING):
            return Routed(None, "not_active")
        candidates = pool(setting, conversation, at, on_shift, exclude)
        pick = choose(setting, candidates.candidates)
        if pick is None:
            return Routed(None, "no_agent")
        actor = automation_actor(conversation.workspace_id)
        check_assign(actor, conversation.pk, assignee_id=pick.membership_id)
        events.append(
            conversation,
            ROUTED,
            actor=actor,
            data={
                "assignee_id": pick.membership_id,
                "strategy": setting.strategy,
                "scope": "team" if setting.team_id else "inbox",
                "holding": pick.holding,
                "capacity": setting.capacity,
                "eligible": len(candidates.candidates),
                "considered": candidates.considered,
                "excluded": candidates.excluded,
            },
        )
        setting.last_assigned_id = pick.membership_id
        setting.save(update_fields=["last_assigned", "updated_at"])
    return Routed(pick.membership_id, setting.strategy)


def choose(setting: RoutingSetting, candidates: list[Candidate]) -> Candidate | None:
    """Round robin: the next agent (by id) after the last one picked. Fewest open: the agent
    holding fewest conversations, ties taken in round-robin order."""
    if not candidates:
        return None
    last = setting.last_assigned_id or 0
    rotation = sorted(candidates, key=lambda c: (c.membership_id <= last, c.membership_id))
    if setting.strategy == Strategy.FEWEST_OPEN:
        return min(rotation, key=lambda c: c.holding)
    return rotation[0]


def on_availability_changed(membership_id: int) -> int:
    """Called when an agent's availability changes. When they went offline, unassign their
    open and pending conversations whose routing setting says so, and route each again.
    Returns how many were unassigned."""
    member = Membership.objects.filter(pk=membership_id).first()
    if member is None or member.availability != Availability.OFFLINE:
        return 0
    held = Conversation.objects.filter(assignee=member, status__in=(Status.OPEN, Status.PENDING))
    moved = 0
    for conversation in held.order_by("id"):
        setting = setting_for(conversation)
        if setting is None or not setting.enabled or not setting.unassign_when_offline:
            continue
        if _unassign(conversation, member):
            moved += 1
            route_conversation(conversation.pk, exclude=frozenset({member.pk}))
    return moved


def _unassign(conversation: Conversation, member: Membership) -> bool:
    actor = automation_actor(conversation.workspace_id)
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.assignee_id != member.pk:
            return False
        check_assign(actor, locked.pk, assignee_id=None)
        events.append(
            locked,
            ROUTED,
            actor=actor,
            data={"assignee_id": None, "reason": "agent_offline", "previous_id": member.pk},
        )
    return True


# Settings.


@dataclass(frozen=True, slots=True)
class SettingInput:
    strategy: str = Strategy.ROUND_ROBIN
    enabled: bool = True
    capacity: int = 0
    match_language: bool = True
    only_online: bool = True
    unassign_when_offline: bool = False


def check_save_setting(
    actor: Membership,
    data: SettingInput,
    *,
    inbox_id: int | None = None,
    team_id: int | None = None,
    setting_id: int | None = None,
) -> RoutingSetting:
    """Create the setting of an inbox or a team (exactly one), or change an existing one."""
    require_admin(actor)
    if data.strategy not in Strategy.values:
        raise ActionError(_("Unknown strategy."), field="strategy")
    if not 0 <= data.capacity <= 1000:
        raise ActionError(_("Capacity is 0 (no limit) to 1000."), field="capacity")
    with transaction.atomic():
        if setting_id is not None:
            setting = access_setting(actor, setting_id)
        else:
            setting = _new_setting(actor, inbox_id, team_id)
        setting.strategy = data.strategy
        setting.enabled = data.enabled
        setting.capacity = data.capacity
        setting.match_language = data.match_language
        setting.only_online = data.only_online
        setting.unassign_when_offline = data.unassign_when_offline
        setting.save()
    return setting


def _new_setting(actor: Membership, inbox_id: int | None, team_id: int | None) -> RoutingSetting:
    if (inbox_id is None) == (team_id is None):
        raise ActionError(_("Choose an inbox or a team."), field="inbox")
    if inbox_id is not None:
        if not Inbox.objects.filter(workspace_id=actor.workspace_id, pk=inbox_id).exists():
            raise NotFound(_("No such inbox."), field="inbox")
        if RoutingSetting.objects.filter(inbox_id=inbox_id).exists():
            raise ActionError(_("This inbox has routing settings already."), field="inbox")
    if team_id is not None:
        if not Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).exists():
            raise NotFound(_("No such team."), field="team")
        if RoutingSetting.objects.filter(team_id=team_id).exists():
            raise ActionError(_("This team has routing settings already."), field="team")
    return RoutingSetting(workspace_id=actor.workspace_id, inbox_id=inbox_id, team_id=team_id)


def check_delete_setting(actor: Membership, setting_id: int) -> None:
    access_setting(actor, setting_id).delete()


def check_set_channel_skills(actor: Membership, membership_id: int, channels: list[str]) -> None:
    """Limit an agent to some channels; an empty list means every channel."""
    require_admin(actor)
    agent = access_agent(actor, membership_id, field="membership")
    unknown = sorted(set(channels) - set(ChannelKind.values))
    if unknown:
        raise ActionError(
            _("Unknown channels: %(names)s") % {"names": ", ".join(unknown)}, field="channels"
        )
    ChannelSkills.objects.update_or_create(
        membership=agent,
        defaults={"workspace_id": actor.workspace_id, "channels": sorted(set(channels))},
    )
