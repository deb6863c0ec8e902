"""The routing settings page: one setting per inbox or team, and agents' channel skills."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from javob.accounts.queries import agents, teams
from javob.automation.forms import add_action_error
from javob.automation.views import admin_page
from javob.conversations.models import Inbox
from javob.core.errors import ActionError
from javob.routing import actions, queries
from javob.routing.forms import SettingForm, SkillsForm
from javob.routing.models import ChannelSkills
from javob.web.membership import acting


def _scopes(workspace_id: int) -> list[tuple[str, str]]:
    inboxes = Inbox.objects.filter(workspace_id=workspace_id).order_by("name", "id")
    return [
        (f"inbox:{inbox.pk}", _("Inbox: %(name)s") % {"name": inbox.name}) for inbox in inboxes
    ] + [
        (f"team:{team.pk}", _("Team: %(name)s") % {"name": team.name})
        for team in teams(workspace_id)
    ]


@admin_page
def index(request: HttpRequest) -> HttpResponse:
    me = acting(request)
    skills = dict(
        ChannelSkills.objects.filter(workspace_id=me.workspace_id).values_list(
            "membership_id", "channels"
        )
    )
    people = [
        (
            agent,
            SkillsForm(initial={"channels": skills.get(agent.pk, [])}, auto_id=f"id_{agent.pk}_%s"),
        )
        for agent in agents(me.workspace_id)
    ]
    return render(
        request,
        "routing/index.html",
        {
            "settings": queries.settings_list(me),
            "people": people,
            "form": _new_form(me.workspace_id),
        },
    )


def _new_form(workspace_id: int, data: Any = None) -> SettingForm:
    form = SettingForm(data)
    form.fields["scope"].required = True
    form.fields["scope"].choices = _scopes(workspace_id)  # type: ignore[attr-defined]
    return form


def _input(data: dict[str, Any]) -> actions.SettingInput:
    return actions.SettingInput(
        strategy=data["strategy"],
        enabled=data["enabled"],
        capacity=data["capacity"],
        match_language=data["match_language"],
        only_online=data["only_online"],
        unassign_when_offline=data["unassign_when_offline"],
    )


@admin_page
def edit(request: HttpRequest, setting_id: int | None = None) -> HttpResponse:
    me = acting(request)
    setting = queries.access_setting(me, setting_id) if setting_id else None
    if setting is None:
        form = _new_form(me.workspace_id, request.POST or None)
    else:
        initial = {
            field: getattr(setting, field)
            for field in (
                "enabled",
                "strategy",
                "capacity",
                "match_language",
                "only_online",
                "unassign_when_offline",
            )
        }
        form = SettingForm(request.POST or None, initial=initial)
        del form.fields["scope"]
    if request.method == "POST" and form.is_valid():
        kind, _sep, raw = form.cleaned_data.get("scope", "").partition(":")
        scope = (
            {"inbox_id": int(raw)}
            if kind == "inbox"
            else {"team_id": int(raw)}
            if kind == "team"
            else {}
        )
        try:
            actions.check_save_setting(
                me, _input(form.cleaned_data), setting_id=setting_id, **scope
            )
        except ActionError as exc:
            add_action_error(form, exc)
        else:
            return redirect("routing:index")
    return render(request, "routing/form.html", {"form": form, "setting": setting})


@admin_page
@require_POST
def delete(request: HttpRequest, setting_id: int) -> HttpResponse:
    actions.check_delete_setting(acting(request), setting_id)
    return redirect("routing:index")


@admin_page
@require_POST
def skills(request: HttpRequest, membership_id: int) -> HttpResponse:
    form = SkillsForm(request.POST)
    if form.is_valid():
        actions.check_set_channel_skills(
            acting(request), membership_id, form.cleaned_data["channels"]
        )
    return redirect("routing:index")
