"""Agents: the list, inviting, role, languages, teams and deactivation."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from javob.accounts import actions
from javob.accounts.actions import AgentInput
from javob.accounts.models import Membership
from javob.accounts.queries import all_agents
from javob.core.errors import ActionError, NotFound
from javob.web.membership import admin_required, http_errors
from javob.web.settings_pages.forms import AgentForm, InviteForm, show_error
from javob.web.settings_pages.views.common import actor, page


@admin_required
def agent_list(request: HttpRequest) -> HttpResponse:
    return page(
        request, "agents.html", "agents", {"agents": all_agents(actor(request).workspace_id)}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def agent_invite(request: HttpRequest) -> HttpResponse:
    me = actor(request)
    form = InviteForm(me, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = AgentInput(
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            display_name=form.cleaned_data["display_name"],
            languages=tuple(form.cleaned_data["languages"]),
        )
        teams = [team.pk for team in form.cleaned_data["teams"]]
        try:
            member = actions.check_invite_agent(me, data, teams)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": member.user.email}
            )
            return redirect("settings:agents")
    return page(request, "agent_invite.html", "agents", {"form": form})


def _agent(request: HttpRequest, membership_id: int) -> Membership:
    member = all_agents(actor(request).workspace_id).filter(pk=membership_id).first()
    if member is None:
        raise Http404
    return member


@admin_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    me, member = actor(request), _agent(request, membership_id)
    initial = {"role": member.role, "languages": member.languages, "teams": member.teams.all()}
    form = AgentForm(me, member, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if not form.fields["role"].disabled:
                    actions.check_change_role(me, member.pk, form.cleaned_data["role"])
                actions.check_set_agent_languages(me, member.pk, form.cleaned_data["languages"])
                teams = [team.pk for team in form.cleaned_data["teams"]]
                actions.check_set_agent_teams(me, member.pk, teams)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": member.name})
            return redirect("settings:agents")
    return page(request, "agent_edit.html", "agents", {"form": form, "member": member})


@admin_required
@require_POST
def agent_deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _change(
        request, membership_id, actions.check_deactivate_agent, _("%(name)s is deactivated.")
    )


@admin_required
@require_POST
def agent_reactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _change(
        request, membership_id, actions.check_reactivate_agent, _("%(name)s is active again.")
    )


@admin_required
@require_POST
def agent_reinvite(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _change(
        request,
        membership_id,
        actions.check_resend_invitation,
        _("A new invitation is sent to %(name)s."),
    )


MemberAction = Callable[[Membership, int], Membership]


def _change(
    request: HttpRequest, membership_id: int, action: MemberAction, done: str
) -> HttpResponse:
    """Run a one-click action on an agent; a refusal is shown as a message on the list."""
    with http_errors():
        try:
            member = action(actor(request), membership_id)
        except NotFound:
            raise
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done % {"name": member.name})
    return redirect("settings:agents")
