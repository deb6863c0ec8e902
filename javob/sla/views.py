"""Admin pages at /settings/sla/: calendars and holidays, SLA policies, links, shifts, auto-ack.

Each view parses a form, calls an action and redirects; an ActionError becomes a form error on
the field it names. Only owners and admins get here (`admin_required`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from javob.accounts.models import Membership, Team
from javob.conversations.models import Inbox, Priority
from javob.core.errors import ActionError
from javob.sla import actions
from javob.sla.forms import AutoAckForm, CalendarForm, HolidayForm, PolicyForm
from javob.sla.models import AgentShift, AutoAck, Calendar, CalendarLink, SlaPolicy
from javob.sla.queries import access_calendar, access_policy
from javob.web.membership import acting, admin_required, with_http_errors


def _apply(form: forms.Form, action: Callable[[], Any]) -> bool:
    """Run `action`; on ActionError put its message on the form and return False."""
    try:
        action()
    except ActionError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return False
    return True


def _done(request: HttpRequest, text: str, to: str = "sla:index") -> HttpResponseRedirect:
    messages.success(request, text)
    return redirect(to)


@admin_required
@with_http_errors
def index(request: HttpRequest) -> HttpResponse:
    member = acting(request)
    workspace_id = member.workspace_id
    calendars = list(Calendar.objects.filter(workspace_id=workspace_id).order_by("name"))
    inboxes = list(Inbox.objects.filter(workspace_id=workspace_id).order_by("name"))
    teams = list(Team.objects.filter(workspace_id=workspace_id).order_by("name"))
    agents = list(
        Membership.objects.filter(workspace_id=workspace_id, is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    links = CalendarLink.objects.filter(workspace_id=workspace_id)
    by_inbox = {link.inbox_id: link.calendar_id for link in links if link.inbox_id}
    by_team = {link.team_id: link.calendar_id for link in links if link.team_id}
    shifts = dict(
        AgentShift.objects.filter(workspace_id=workspace_id).values_list(
            "membership_id", "calendar_id"
        )
    )
    acks = {a.inbox_id: a for a in AutoAck.objects.filter(workspace_id=workspace_id)}
    context = {
        "calendars": calendars,
        "policies": SlaPolicy.objects.filter(workspace_id=workspace_id).order_by("position", "id"),
        "inbox_rows": [
            (
                inbox,
                by_inbox.get(inbox.pk),
                AutoAckForm(
                    initial={
                        "enabled": acks[inbox.pk].enabled if inbox.pk in acks else False,
                        "default_language": acks[inbox.pk].default_language
                        if inbox.pk in acks
                        else "en",
                    },
                    prefix=f"ack{inbox.pk}",
                ),
            )
            for inbox in inboxes
        ],
        "team_rows": [(team, by_team.get(team.pk)) for team in teams],
        "agent_rows": [(agent, shifts.get(agent.pk)) for agent in agents],
    }
    return render(request, "sla/index.html", context)


@admin_required
@with_http_errors
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    member = acting(request)
    calendar = access_calendar(member, calendar_id) if calendar_id is not None else None
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid() and _apply(
            form,
            lambda: actions.check_save_calendar(member, calendar_id, form.to_input()),
        ):
            return _done(request, _("Calendar saved."))
    else:
        form = CalendarForm(initial=CalendarForm.initial_for(calendar) if calendar else None)
    context = {
        "form": form,
        "calendar": calendar,
        "holidays": calendar.holidays.order_by("date") if calendar else [],
        "holiday_form": HolidayForm(),
    }
    return render(request, "sla/calendar.html", context, status=400 if form.errors else 200)


@admin_required
@with_http_errors
@require_POST
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    actions.check_delete_calendar(acting(request), calendar_id)
    return _done(request, _("Calendar deleted."))


@admin_required
@with_http_errors
@require_POST
def holiday_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    member = acting(request)
    calendar = access_calendar(member, calendar_id)
    form = HolidayForm(request.POST)
    if form.is_valid() and _apply(
        form,
        lambda: actions.check_add_holiday(
            member,
            calendar_id,
            form.cleaned_data["date"],
            recurring=form.cleaned_data["recurring"],
            name=form.cleaned_data["name"],
        ),
    ):
        return _done(request, _("Holiday added."), to=reverse("sla:calendar", args=[calendar_id]))
    context = {
        "form": CalendarForm(initial=CalendarForm.initial_for(calendar)),
        "calendar": calendar,
        "holidays": calendar.holidays.order_by("date"),
        "holiday_form": form,
    }
    return render(request, "sla/calendar.html", context, status=400)


@admin_required
@with_http_errors
@require_POST
def holiday_delete(request: HttpRequest, calendar_id: int, holiday_id: int) -> HttpResponse:
    actions.check_delete_holiday(acting(request), calendar_id, holiday_id)
    return _done(request, _("Holiday removed."), to=reverse("sla:calendar", args=[calendar_id]))


@admin_required
@with_http_errors
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    member = acting(request)
    policy = access_policy(member, policy_id) if policy_id is not None else None
    if request.method == "POST":
        form = PolicyForm(member.workspace_id, request.POST)
        if form.is_valid() and _apply(
            form, lambda: actions.check_save_policy(member, policy_id, form.to_input())
        ):
            return _done(request, _("SLA policy saved."))
    else:
        initial = PolicyForm.initial_for(policy) if policy else None
        form = PolicyForm(member.workspace_id, initial=initial)
    context = {"form": form, "policy": policy, "priorities": Priority.choices}
    return render(request, "sla/policy.html", context, status=400 if form.errors else 200)


@admin_required
@with_http_errors
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    actions.check_delete_policy(acting(request), policy_id)
    return _done(request, _("SLA policy deleted."))


def _optional_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@admin_required
@with_http_errors
@require_POST
def link(request: HttpRequest) -> HttpResponse:
    """Set the calendar of an inbox or a team (an empty choice clears it)."""
    member = acting(request)
    actions.check_link_calendar(
        member,
        _optional_id(request.POST.get("calendar_id")),
        inbox_id=_optional_id(request.POST.get("inbox_id")),
        team_id=_optional_id(request.POST.get("team_id")),
    )
    return _done(request, _("Calendar link saved."))


@admin_required
@with_http_errors
@require_POST
def shift(request: HttpRequest, membership_id: int) -> HttpResponse:
    actions.check_set_shift(
        acting(request), membership_id, _optional_id(request.POST.get("calendar_id"))
    )
    return _done(request, _("Shift saved."))


@admin_required
@with_http_errors
@require_POST
def auto_ack(request: HttpRequest, inbox_id: int) -> HttpResponse:
    form = AutoAckForm(request.POST, prefix=f"ack{inbox_id}")
    if not form.is_valid():
        messages.error(request, _("Choose a language."))
        return redirect("sla:index")
    actions.check_set_auto_ack(
        acting(request),
        inbox_id,
        enabled=form.cleaned_data["enabled"],
        default_language=form.cleaned_data["default_language"],
    )
    return _done(request, _("Acknowledgement settings saved."))
