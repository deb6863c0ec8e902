"""Teams: create, rename, members, delete."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from javob.accounts import actions
from javob.accounts.models import Membership, Team
from javob.accounts.queries import teams
from javob.core.errors import ActionError
from javob.web.membership import admin_required, http_errors
from javob.web.settings_pages.forms import TeamForm, show_error
from javob.web.settings_pages.views.common import actor, page


@admin_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    """The teams with their members, and the form that creates one."""
    me = actor(request)
    form = TeamForm(me, request.POST or None)
    if request.method == "POST" and form.is_valid():
        members = [member.pk for member in form.cleaned_data["members"]]
        try:
            team = actions.check_create_team(me, form.cleaned_data["name"], members)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Team %(name)s is created.") % {"name": team.name})
            return redirect("settings:teams")
    rows = (
        teams(me.workspace_id)
        .annotate(conversation_count=Count("conversations"))
        .prefetch_related(
            Prefetch("members", queryset=Membership.objects.select_related("user").order_by("id"))
        )
    )
    return page(request, "teams.html", "teams", {"teams": rows, "form": form})


def _team(request: HttpRequest, team_id: int) -> Team:
    team = teams(actor(request).workspace_id).filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    me, team = actor(request), _team(request, team_id)
    initial = {"name": team.name, "members": team.members.all()}
    form = TeamForm(me, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        members: list[Membership] = list(form.cleaned_data["members"])
        try:
            with transaction.atomic():
                actions.check_rename_team(me, team.pk, form.cleaned_data["name"])
                actions.check_set_team_members(me, team.pk, [member.pk for member in members])
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Team %(name)s is saved.") % {"name": team.name})
            return redirect("settings:teams")
    return page(request, "team_edit.html", "teams", {"form": form, "team": team})


@admin_required
@require_POST
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    with http_errors():
        try:
            actions.check_delete_team(actor(request), team.pk)
        except ActionError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Team %(name)s is deleted.") % {"name": team.name})
    return redirect("settings:teams")
