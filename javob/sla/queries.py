"""Reads: calendars as `hours.Calendar` values, the policy that applies, shifts, SLA state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.conversations.models import Conversation
from javob.core.errors import NotFound
from javob.sla import hours
from javob.sla.calendars import OpenNow
from javob.sla.models import AgentShift, Calendar, CalendarLink, Metric, SlaPolicy, SlaTimer


def parse_clock(text: str) -> int:
    """Minutes after midnight of "HH:MM" ("24:00" allowed as an end); ValueError otherwise."""
    hour_text, sep, minute_text = text.partition(":")
    if not sep or len(minute_text) != 2 or not hour_text.isdigit() or not minute_text.isdigit():
        raise ValueError(text)
    hour, minute = int(hour_text), int(minute_text)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise ValueError(text)
    return hour * 60 + minute


def weekly_intervals(weekly: Any) -> tuple[tuple[hours.Interval, ...], ...]:
    """The stored weekly JSON as minute intervals; ValueError when it is malformed."""
    if not isinstance(weekly, list) or len(weekly) != 7:
        raise ValueError("seven days expected")
    days = []
    for day in weekly:
        spans = []
        for span in day:
            start, end = parse_clock(span[0]), parse_clock(span[1])
            if start == hours.MINUTES_PER_DAY:
                raise ValueError(span[0])
            spans.append((start, end))
        days.append(tuple(spans))
    return tuple(days)


def as_hours(calendar: Calendar) -> hours.Calendar:
    dates, yearly = set(), set()
    for holiday in calendar.holidays.all():
        if holiday.recurring:
            yearly.add((holiday.date.month, holiday.date.day))
        else:
            dates.add(holiday.date)
    return hours.Calendar(
        zone=calendar.zone,
        weekly=weekly_intervals(calendar.weekly),
        country=calendar.country,
        subdivision=calendar.subdivision,
        dates=frozenset(dates),
        yearly=frozenset(yearly),
    )


def access_calendar(member: Membership, calendar_id: int) -> Calendar:
    calendar = Calendar.objects.filter(workspace_id=member.workspace_id, pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("No such calendar."), field="calendar_id")
    return calendar


def access_policy(member: Membership, policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(workspace_id=member.workspace_id, pk=policy_id).first()
    if policy is None:
        raise NotFound(_("No such SLA policy."), field="policy_id")
    return policy


def calendar_for(conversation: Conversation) -> Calendar | None:
    """The team's calendar when the conversation's team has one, else its inbox's."""
    links = CalendarLink.objects.select_related("calendar").filter(
        workspace_id=conversation.workspace_id
    )
    if conversation.team_id is not None:
        link = links.filter(team_id=conversation.team_id).first()
        if link is not None:
            return link.calendar
    link = links.filter(inbox_id=conversation.inbox_id).first()
    return link.calendar if link is not None else None


def _matches(policy: SlaPolicy, conversation: Conversation, labels: set[str]) -> bool:
    cond = policy.conditions or {}
    checks = [
        ("inbox_ids", conversation.inbox_id),
        ("channels", conversation.inbox.kind),
        ("team_ids", conversation.team_id),
    ]
    for key, value in checks:
        if cond.get(key) and value not in cond[key]:
            return False
    if cond.get("labels") and not labels & set(cond["labels"]):
        return False
    attributes = conversation.contact.custom_attributes or {}
    for name, allowed in (cond.get("contact_attributes") or {}).items():
        if allowed and str(attributes.get(name, "")) not in {str(v) for v in allowed}:
            return False
    return True


def policy_for(conversation: Conversation) -> SlaPolicy | None:
    """The first active policy, in order, whose conditions match the conversation."""
    policies = SlaPolicy.objects.filter(workspace_id=conversation.workspace_id, is_active=True)
    labels = set(conversation.labels.values_list("name", flat=True))
    for policy in policies.order_by("position", "id"):
        if _matches(policy, conversation, labels):
            return policy
    return None


def target_minutes(policy: SlaPolicy, metric: str, priority: str) -> int | None:
    value = (policy.targets or {}).get(metric, {}).get(priority)
    return int(value) if value else None


def on_shift(membership_ids: Iterable[int], at: dt.datetime) -> set[int]:
    """The agents among `membership_ids` inside their shift at `at`.

    An agent without a shift calendar is always on shift: shifts restrict, they are optional.
    """
    ids = set(membership_ids)
    shifts = AgentShift.objects.filter(membership_id__in=ids).select_related("calendar")
    calendars: dict[int, hours.Calendar] = {}
    off = set()
    for shift in shifts.prefetch_related("calendar__holidays"):
        if shift.calendar_id not in calendars:
            calendars[shift.calendar_id] = as_hours(shift.calendar)
        try:
            if not hours.is_open(calendars[shift.calendar_id], at):
                off.add(shift.membership_id)
        except hours.NeverOpen:
            off.add(shift.membership_id)
    return ids - off


@dataclass(frozen=True, slots=True)
class TimerState:
    metric: str
    due_at: dt.datetime | None
    paused: bool
    fulfilled_at: dt.datetime | None
    breached_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SlaState:
    """What the inbox and the conversation show: the next due target, breaches, and why."""

    conversation_id: int
    next_due_at: dt.datetime | None
    next_metric: str | None
    breached: bool  # a target is past due and not met yet
    paused: bool
    policy_id: int | None
    policy_name: str
    business_hours: bool
    calendar_name: str  # with policy_name: why these due times
    timers: tuple[TimerState, ...]

    @property
    def next_metric_label(self) -> str:
        return str(Metric(self.next_metric).label) if self.next_metric else ""


def sla_state(conversation_ids: Iterable[int]) -> dict[int, SlaState]:
    """SLA state per conversation id (conversations without timers are left out)."""
    rows: dict[int, list[SlaTimer]] = {}
    query = SlaTimer.objects.filter(conversation_id__in=list(conversation_ids))
    for timer in query.select_related("policy", "calendar").order_by("conversation_id", "id"):
        rows.setdefault(timer.conversation_id, []).append(timer)
    return {pk: _state(pk, timers) for pk, timers in rows.items()}


def _state(conversation_id: int, timers: list[SlaTimer]) -> SlaState:
    open_timers = [t for t in timers if t.fulfilled_at is None]
    running = sorted((t for t in open_timers if t.due_at is not None), key=lambda t: t.due_at)  # type: ignore[arg-type, return-value]
    latest = max(timers, key=lambda t: t.started_at)
    return SlaState(
        conversation_id=conversation_id,
        next_due_at=running[0].due_at if running else None,
        next_metric=running[0].metric if running else None,
        breached=any(t.breached_at is not None for t in open_timers),
        paused=any(t.paused_at is not None for t in open_timers),
        policy_id=latest.policy_id,
        policy_name=latest.policy.name if latest.policy else "",
        business_hours=latest.business_hours,
        calendar_name=latest.calendar.name if latest.calendar and latest.business_hours else "",
        timers=tuple(
            TimerState(t.metric, t.due_at, t.paused_at is not None, t.fulfilled_at, t.breached_at)
            for t in timers
        ),
    )


def with_next_due(query: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate `sla_due_at` (the earliest running, unmet target) so lists can sort by it."""
    due = (
        SlaTimer.objects.filter(conversation_id=OuterRef("pk"), fulfilled_at__isnull=True)
        .values("conversation_id")
        .annotate(first=Min("due_at"))
        .values("first")
    )
    return query.annotate(sla_due_at=Subquery(due))


# The automation rules' "business hours now" condition (JAVOB_AUTOMATION_BUSINESS_HOURS):
# calendars from the per-process cache of `javob.sla.calendars`.
open_now = OpenNow()
