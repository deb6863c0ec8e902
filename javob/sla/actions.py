"""Every write to calendars, holidays, shifts, SLA policies and auto-acknowledgement settings.

`check_*` authorizes the acting agent (owners and admins only) and validates; `do_*` writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import holidays as holidays_lib
from django.db import transaction
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Workspace
from javob.accounts.queries import access_agent, access_team
from javob.conversations.models import ChannelKind, Priority
from javob.conversations.queries import access_inbox
from javob.core.errors import ActionError, PermissionDenied
from javob.core.validation import check_time_zone
from javob.sla.autoack import LANGUAGES
from javob.sla.calendars import bump_calendars
from javob.sla.models import (
    AgentShift,
    AutoAck,
    Calendar,
    CalendarLink,
    Holiday,
    Metric,
    SlaPolicy,
)
from javob.sla.queries import access_calendar, access_policy, weekly_intervals


def _require_admin(actor: Membership) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can change SLA settings."))


@dataclass(frozen=True, slots=True)
class CalendarInput:
    name: str
    zone: str
    weekly: list[list[list[str]]]  # 7 days (Monday first) of ["HH:MM", "HH:MM"] intervals
    country: str = ""
    subdivision: str = ""


def _clean_calendar(workspace: Workspace, data: CalendarInput, pk: int | None) -> CalendarInput:
    name = data.name.strip()
    if not name:
        raise ActionError(_("A calendar needs a name."), field="name")
    clash = Calendar.objects.filter(workspace=workspace, name=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise ActionError(_("A calendar with this name exists."), field="name")
    check_time_zone(data.zone, field="zone")
    try:
        weekly_intervals(data.weekly)
    except (ValueError, TypeError, IndexError) as exc:
        raise ActionError(
            _("Hours are seven days of HH:MM-HH:MM intervals."), field="weekly"
        ) from exc
    country, subdivision = data.country.strip().upper(), data.subdivision.strip().upper()
    supported = holidays_lib.list_supported_countries()
    if country and country not in supported:
        raise ActionError(_("No public holidays are known for this country."), field="country")
    if subdivision and subdivision not in supported.get(country, []):
        raise ActionError(_("Unknown subdivision of this country."), field="subdivision")
    return CalendarInput(name, data.zone, data.weekly, country, subdivision)


def check_save_calendar(
    actor: Membership, calendar_id: int | None, data: CalendarInput
) -> Calendar:
    """Create a calendar (calendar_id None) or replace an existing one's settings."""
    _require_admin(actor)
    calendar = access_calendar(actor, calendar_id) if calendar_id is not None else None
    data = _clean_calendar(actor.workspace, data, calendar_id)
    return do_save_calendar(actor.workspace, calendar, data)


def do_save_calendar(
    workspace: Workspace, calendar: Calendar | None, data: CalendarInput
) -> Calendar:
    values = {
        "name": data.name,
        "zone": data.zone,
        "weekly": data.weekly,
        "country": data.country,
        "subdivision": data.subdivision,
    }
    with transaction.atomic():
        bump_calendars(workspace.pk)
        if calendar is None:
            return Calendar.objects.create(workspace=workspace, **values)
        for key, value in values.items():
            setattr(calendar, key, value)
        calendar.save(update_fields=list(values))
        return calendar


def check_delete_calendar(actor: Membership, calendar_id: int) -> None:
    _require_admin(actor)
    with transaction.atomic():
        access_calendar(actor, calendar_id).delete()  # and its links and holidays
        bump_calendars(actor.workspace_id)


def check_add_holiday(
    actor: Membership, calendar_id: int, date: dt.date, *, recurring: bool, name: str = ""
) -> Holiday:
    _require_admin(actor)
    calendar = access_calendar(actor, calendar_id)
    if calendar.holidays.filter(date=date).exists():
        raise ActionError(_("This date is already a holiday."), field="date")
    with transaction.atomic():
        bump_calendars(actor.workspace_id)
        return Holiday.objects.create(
            calendar=calendar, date=date, recurring=recurring, name=name.strip()[:200]
        )


def check_delete_holiday(actor: Membership, calendar_id: int, holiday_id: int) -> None:
    _require_admin(actor)
    calendar = access_calendar(actor, calendar_id)
    with transaction.atomic():
        calendar.holidays.filter(pk=holiday_id).delete()
        bump_calendars(actor.workspace_id)


def check_link_calendar(
    actor: Membership,
    calendar_id: int | None,
    *,
    inbox_id: int | None = None,
    team_id: int | None = None,
) -> CalendarLink | None:
    """Make an inbox or a team work by a calendar; None clears the link."""
    _require_admin(actor)
    if (inbox_id is None) == (team_id is None):
        raise ActionError(_("Choose an inbox or a team."), field="inbox_id")
    target: dict[str, Any] = (
        {"inbox": access_inbox(actor, inbox_id)}
        if inbox_id is not None
        else {"team": access_team(actor, team_id)}  # type: ignore[arg-type]
    )
    with transaction.atomic():
        bump_calendars(actor.workspace_id)
        CalendarLink.objects.filter(**target).delete()
        if calendar_id is None:
            return None
        calendar = access_calendar(actor, calendar_id)
        return CalendarLink.objects.create(
            workspace_id=actor.workspace_id, calendar=calendar, **target
        )


def check_set_shift(actor: Membership, membership_id: int, calendar_id: int | None) -> None:
    """Give an agent a shift calendar (None: always on shift)."""
    _require_admin(actor)
    agent = access_agent(actor, membership_id, field="membership_id")
    calendar = access_calendar(actor, calendar_id) if calendar_id is not None else None
    do_set_shift(agent, calendar)


def do_set_shift(agent: Membership, calendar: Calendar | None) -> None:
    if calendar is None:
        AgentShift.objects.filter(membership=agent).delete()
        return
    AgentShift.objects.update_or_create(
        membership=agent, defaults={"workspace_id": agent.workspace_id, "calendar": calendar}
    )


CONDITION_KEYS = ("inbox_ids", "channels", "team_ids", "labels", "contact_attributes")


@dataclass(frozen=True, slots=True)
class PolicyInput:
    name: str
    targets: dict[str, dict[str, int]]  # metric -> priority -> minutes
    conditions: dict[str, Any] = field(default_factory=dict)
    position: int = 0
    business_hours: bool = True
    warn_minutes: int = 15
    is_active: bool = True


def _clean_targets(targets: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    cleaned: dict[str, dict[str, int]] = {}
    for metric, by_priority in targets.items():
        if metric not in Metric.values:
            raise ActionError(_("Unknown SLA metric."), field="targets")
        for priority, minutes in by_priority.items():
            if priority not in Priority.values:
                raise ActionError(_("Unknown priority."), field="targets")
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
                raise ActionError(_("A target is a whole number of minutes."), field="targets")
            cleaned.setdefault(metric, {})[priority] = minutes
    if not cleaned:
        raise ActionError(_("Set at least one target."), field="targets")
    return cleaned


def _clean_conditions(workspace_id: int, conditions: dict[str, Any]) -> dict[str, Any]:
    unknown = set(conditions) - set(CONDITION_KEYS)
    if unknown:
        raise ActionError(_("Unknown condition."), field="conditions")
    cleaned = {key: value for key, value in conditions.items() if value}
    if set(cleaned.get("channels", [])) - set(ChannelKind.values):
        raise ActionError(_("Unknown channel."), field="conditions")
    attributes = cleaned.get("contact_attributes", {})
    if not isinstance(attributes, dict) or not all(
        isinstance(v, list) for v in attributes.values()
    ):
        raise ActionError(
            _("Contact attributes map a name to a list of values."), field="conditions"
        )
    return cleaned


def check_save_policy(actor: Membership, policy_id: int | None, data: PolicyInput) -> SlaPolicy:
    """Create an SLA policy (policy_id None) or replace an existing one's settings."""
    _require_admin(actor)
    policy = access_policy(actor, policy_id) if policy_id is not None else None
    if not data.name.strip():
        raise ActionError(_("A policy needs a name."), field="name")
    for inbox_id in data.conditions.get("inbox_ids", []):
        access_inbox(actor, inbox_id, field="conditions")
    for team_id in data.conditions.get("team_ids", []):
        access_team(actor, team_id, field="conditions")
    cleaned = PolicyInput(
        name=data.name.strip()[:200],
        targets=_clean_targets(data.targets),
        conditions=_clean_conditions(actor.workspace_id, data.conditions),
        position=max(data.position, 0),
        business_hours=data.business_hours,
        warn_minutes=max(data.warn_minutes, 0),
        is_active=data.is_active,
    )
    return do_save_policy(actor.workspace, policy, cleaned)


def do_save_policy(workspace: Workspace, policy: SlaPolicy | None, data: PolicyInput) -> SlaPolicy:
    """Write a policy. New targets apply to timers started from now on."""
    values = {
        "name": data.name,
        "targets": data.targets,
        "conditions": data.conditions,
        "position": data.position,
        "business_hours": data.business_hours,
        "warn_minutes": data.warn_minutes,
        "is_active": data.is_active,
    }
    if policy is None:
        return SlaPolicy.objects.create(workspace=workspace, **values)
    for key, value in values.items():
        setattr(policy, key, value)
    policy.save(update_fields=list(values))
    return policy


def check_delete_policy(actor: Membership, policy_id: int) -> None:
    _require_admin(actor)
    access_policy(actor, policy_id).delete()


def check_set_auto_ack(
    actor: Membership, inbox_id: int, *, enabled: bool, default_language: str
) -> AutoAck:
    """Turn the inbox's acknowledgement on or off and choose its fallback language."""
    _require_admin(actor)
    inbox = access_inbox(actor, inbox_id)
    if default_language not in LANGUAGES:
        raise ActionError(_("Unknown language."), field="default_language")
    settings, _created = AutoAck.objects.update_or_create(
        inbox=inbox,
        defaults={
            "workspace_id": inbox.workspace_id,
            "enabled": enabled,
            "default_language": default_language,
        },
    )
    return settings
