"""The life of SLA timers: start, pause, resume, fulfil. The sweeper (sweep.py) breaches.

Zendesk's model: a customer message starts the first-reply target (the next-reply target
once an agent has answered) and, on a new conversation, the resolution target; an agent's
reply meets the reply targets and restarts the periodic-update target; "pending" (waiting on
the customer) pauses every running target and leaving it resumes them with the time that
was left; resolving meets them all, and a reopen resumes the resolution target.

Every function here runs inside the caller's transaction and locks the timer rows it
changes, so the sweeper's conditional UPDATEs and these writes never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from javob.conversations.models import Conversation, EventKind, Status
from javob.sla import hours
from javob.sla.events import record
from javob.sla.models import REPLY_METRICS, Calendar, Metric, SlaPolicy, SlaTimer
from javob.sla.queries import as_hours, calendar_for, policy_for, target_minutes


class Calendars:
    """`hours.Calendar` values of calendar rows, read once per unit of work."""

    def __init__(self) -> None:
        self._cache: dict[int | None, hours.Calendar] = {}

    def of(self, calendar: Calendar | None, business: bool) -> hours.Calendar:
        if not business or calendar is None:
            return hours.always_open()
        if calendar.pk not in self._cache:
            self._cache[calendar.pk] = as_hours(calendar)
        return self._cache[calendar.pk]


def _warn_at(due: dt.datetime, start: dt.datetime, policy: SlaPolicy | None) -> dt.datetime | None:
    minutes = policy.warn_minutes if policy is not None else 0
    warn = due - dt.timedelta(minutes=minutes)
    return warn if minutes and warn > start else None


def _add(cal: hours.Calendar, start: dt.datetime, seconds: float) -> dt.datetime:
    try:
        return hours.add_business_time(cal, start, dt.timedelta(seconds=seconds))
    except hours.NeverOpen:  # a calendar that never opens must not stop the clock forever
        return start + dt.timedelta(seconds=seconds)


def start(
    conversation: Conversation, metric: str, policy: SlaPolicy, at: dt.datetime
) -> SlaTimer | None:
    """(Re)start `metric` at `at` under `policy`; None when the policy sets no target for it."""
    minutes = target_minutes(policy, metric, conversation.priority)
    if minutes is None:
        return None
    calendar = calendar_for(conversation) if policy.business_hours else None
    cal = Calendars().of(calendar, policy.business_hours)
    due = _add(cal, at, minutes * 60)
    values = {
        "workspace_id": conversation.workspace_id,
        "policy": policy,
        "target_minutes": minutes,
        "business_hours": policy.business_hours and calendar is not None,
        "calendar": calendar,
        "started_at": at,
        "due_at": due,
        "warn_at": _warn_at(due, at, policy),
        "paused_at": None,
        "remaining_seconds": None,
        "fulfilled_at": None,
        "breached_at": None,
        "warned_at": None,
    }
    timer, _created = SlaTimer.objects.update_or_create(
        conversation=conversation, metric=metric, defaults=values
    )
    data = {"metric": metric, "due_at": due.isoformat(), "policy": policy.name}
    if calendar is not None and policy.business_hours:
        data["calendar"] = calendar.name
    record(conversation, EventKind.SLA_ACTIVATED, data, at)
    return timer


def _locked(conversation: Conversation, metrics: Iterable[str] | None = None) -> list[SlaTimer]:
    query = SlaTimer.objects.select_for_update(of=("self",)).filter(
        conversation_id=conversation.pk, fulfilled_at__isnull=True
    )
    if metrics is not None:
        query = query.filter(metric__in=list(metrics))
    return list(query.select_related("calendar", "policy").order_by("id"))


def fulfil(
    conversation: Conversation, metrics: Iterable[str] | None, at: dt.datetime, reason: str
) -> list[SlaTimer]:
    """Meet the unmet targets among `metrics` (all when None) that started by `at`."""
    done = []
    for timer in _locked(conversation, metrics):
        if timer.started_at > at:
            continue
        if timer.metric == Metric.RESOLUTION and timer.breached_at is None:
            timer.remaining_seconds = _remaining(timer, at, Calendars())
        timer.fulfilled_at = at
        timer.save(update_fields=["fulfilled_at", "remaining_seconds"])
        data = {"metric": timer.metric, "reason": reason, "late": timer.breached_at is not None}
        record(conversation, EventKind.SLA_FULFILLED, data, at)
        done.append(timer)
    return done


def _remaining(timer: SlaTimer, at: dt.datetime, calendars: Calendars) -> float:
    if timer.due_at is None:  # paused: what was left when it paused
        return timer.remaining_seconds or 0.0
    cal = calendars.of(timer.calendar, timer.business_hours)
    return max(hours.business_time_between(cal, at, timer.due_at).total_seconds(), 0.0)


def pause(conversation: Conversation, at: dt.datetime) -> int:
    """Stop the clock of every running target that is not breached yet; keep what is left."""
    calendars = Calendars()
    paused = 0
    for timer in _locked(conversation):
        if timer.due_at is None or timer.breached_at is not None:
            continue
        timer.remaining_seconds = _remaining(timer, at, calendars)
        timer.paused_at, timer.due_at, timer.warn_at = at, None, None
        timer.save(update_fields=["remaining_seconds", "paused_at", "due_at", "warn_at"])
        record(conversation, EventKind.SLA_PAUSED, {"metric": timer.metric}, at)
        paused += 1
    return paused


def resume(
    conversation: Conversation, at: dt.datetime, timers: list[SlaTimer] | None = None
) -> int:
    """Restart paused targets from `at` with the time they had left."""
    calendars = Calendars()
    resumed = 0
    for timer in _locked(conversation) if timers is None else timers:
        if timer.paused_at is None and timer.fulfilled_at is None:
            continue
        _restart(conversation, timer, at, calendars)
        resumed += 1
    return resumed


def _restart(
    conversation: Conversation, timer: SlaTimer, at: dt.datetime, calendars: Calendars
) -> None:
    cal = calendars.of(timer.calendar, timer.business_hours)
    due = _add(cal, at, timer.remaining_seconds or 0.0)
    timer.due_at, timer.paused_at, timer.fulfilled_at = due, None, None
    timer.warn_at = None if timer.warned_at else _warn_at(due, at, timer.policy)
    timer.remaining_seconds = None
    timer.save(
        update_fields=["due_at", "paused_at", "fulfilled_at", "warn_at", "remaining_seconds"]
    )
    data = {"metric": timer.metric, "due_at": due.isoformat(), "resumed": True}
    record(conversation, EventKind.SLA_ACTIVATED, data, at)


def on_customer_message(conversation: Conversation, at: dt.datetime, answered: bool) -> None:
    """Start the reply target (and the resolution target of a new conversation).

    `answered`: an agent has replied before `at` in this conversation (next reply, not first).
    A target already running keeps its clock: it counts from the first unanswered message.
    """
    policy = policy_for(conversation)
    if policy is None:
        return
    existing = {t.metric: t for t in SlaTimer.objects.filter(conversation_id=conversation.pk)}
    if Metric.RESOLUTION not in existing:
        start(conversation, Metric.RESOLUTION, policy, at)
    metric = Metric.NEXT_REPLY if answered else Metric.FIRST_REPLY
    current = existing.get(metric)
    if current is None or current.fulfilled_at is not None:
        start(conversation, metric, policy, at)


def on_reply(conversation: Conversation, at: dt.datetime) -> None:
    """An agent answered at `at`: reply targets are met, periodic update restarts."""
    fulfil(conversation, REPLY_METRICS, at, reason="replied")
    fulfil(conversation, [Metric.PERIODIC_UPDATE], at, reason="replied")
    if conversation.status in (Status.OPEN, Status.SNOOZED):
        policy = policy_for(conversation)
        if policy is not None:
            start(conversation, Metric.PERIODIC_UPDATE, policy, at)


def on_status(conversation: Conversation, previous: str, at: dt.datetime) -> None:
    """Bring the timers in line with the conversation's status after a change at `at`."""
    status = conversation.status
    if status == Status.PENDING:
        pause(conversation, at)
    elif status in (Status.RESOLVED, Status.CLOSED):
        fulfil(conversation, None, at, reason=status)
    elif previous in (Status.RESOLVED, Status.CLOSED):
        _reopen(conversation, at)
    else:
        resume(conversation, at)


def _reopen(conversation: Conversation, at: dt.datetime) -> None:
    with transaction.atomic():
        timer = (
            SlaTimer.objects.select_for_update(of=("self",))
            .select_related("calendar", "policy")
            .filter(conversation_id=conversation.pk, metric=Metric.RESOLUTION)
            .first()
        )
        if timer is not None and timer.breached_at is None and timer.fulfilled_at is not None:
            resume(conversation, at, [timer])


def retarget(conversation: Conversation, at: dt.datetime, reason: str) -> int:
    """Apply the policy that matches now (priority, team or labels changed) to unmet targets.

    The time a target has already used is kept; the new target sets what is left, counted in
    the calendar that applies now. A target shortened below the time used is due at once. A
    metric the new policy has no target for keeps its old one.
    """
    policy = policy_for(conversation)
    if policy is None:
        return 0
    calendar = calendar_for(conversation) if policy.business_hours else None
    business = policy.business_hours and calendar is not None
    calendars = Calendars()
    changed = 0
    for timer in _locked(conversation):
        minutes = target_minutes(policy, timer.metric, conversation.priority)
        if timer.breached_at is not None or minutes is None:
            continue
        same = (timer.policy_id, timer.target_minutes, timer.calendar_id, timer.business_hours)
        if same == (policy.pk, minutes, calendar.pk if calendar else None, business):
            continue
        used = timer.target_minutes * 60 - _remaining(timer, at, calendars)
        left = max(minutes * 60 - used, 0.0)
        timer.policy, timer.target_minutes = policy, minutes
        timer.calendar, timer.business_hours = calendar, business
        if timer.due_at is None:  # paused: only what is left changes
            timer.remaining_seconds = left
        else:
            timer.due_at = _add(calendars.of(calendar, business), at, left)
            timer.warn_at = None if timer.warned_at else _warn_at(timer.due_at, at, policy)
        timer.save(
            update_fields=[
                "policy",
                "target_minutes",
                "calendar",
                "business_hours",
                "remaining_seconds",
                "due_at",
                "warn_at",
            ]
        )
        data = {"metric": timer.metric, "policy": policy.name, "changed": reason}
        if timer.due_at is not None:
            data["due_at"] = timer.due_at.isoformat()
        record(conversation, EventKind.SLA_ACTIVATED, data, at)
        changed += 1
    return changed
