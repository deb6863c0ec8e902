"""Admin pages for canned responses, macros and rules, and two JSON views for the composer.

Views parse the form, call an action, and show its refusal on the form. Objects of another
workspace (or someone else's personal items) answer 404; agents who are not admins get 403
from `admin_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from javob.accounts.models import Membership
from javob.automation import actions, queries, syntax
from javob.automation.forms import CannedForm, MacroForm, RuleForm, add_action_error, language_field
from javob.automation.models import CannedResponse, Trigger, Visibility
from javob.automation.render import KNOWN, pick_body
from javob.automation.render import render as fill
from javob.conversations.queries import access_conversation
from javob.core.errors import ActionError, NotFound, PermissionDenied
from javob.web.membership import View, acting, admin_required, agent_required, with_http_errors


def admin_page(view: View) -> View:
    return admin_required(with_http_errors(view))


@admin_page
def index(request: HttpRequest) -> HttpResponse:
    me = acting(request)
    return render(
        request,
        "automation/index.html",
        {
            "canned": queries.visible_canned(me),
            "macros": queries.visible_macros(me),
            "rules": queries.rules(me),
        },
    )


# Canned responses.


@admin_page
def canned_edit(request: HttpRequest, canned_id: int | None = None) -> HttpResponse:
    me = acting(request)
    canned = queries.access_canned(me, canned_id) if canned_id else None
    form = CannedForm(request.POST or None, initial=_canned_initial(canned))
    preview: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        data = actions.CannedInput(
            shortcut=form.cleaned_data["shortcut"],
            title=form.cleaned_data["title"],
            bodies=form.bodies(),
            default_language=form.cleaned_data["default_language"],
            visibility=form.cleaned_data["visibility"],
        )
        if "preview" in request.POST:
            preview = _preview(me, data)
        else:
            try:
                actions.check_save_canned(me, data, canned_id)
            except ActionError as exc:
                add_action_error(form, exc)
            else:
                return redirect("automation:index")
    return render(
        request,
        "automation/canned_form.html",
        {"form": form, "canned": canned, "preview": preview, "variables": KNOWN},
    )


def _canned_initial(canned: CannedResponse | None) -> dict[str, Any]:
    if canned is None:
        return {"visibility": Visibility.SHARED, "default_language": "en"}
    initial: dict[str, Any] = {
        "shortcut": canned.shortcut,
        "title": canned.title,
        "visibility": canned.visibility,
        "default_language": canned.default_language,
    }
    for code, body in canned.bodies.items():
        initial[language_field(code)] = body
    return initial


def _preview(me: Membership, data: actions.CannedInput) -> dict[str, str]:
    """Each body rendered with sample values, so the author sees what customers will read."""
    name = me.display_name or me.user.get_full_name() or _("Aziz Rahimov")
    sample = {
        "contact.name": _("Dilnoza Karimova"),
        "contact.first_name": _("Dilnoza"),
        "agent.name": name,
        "agent.first_name": name.split()[0],
        "conversation.number": "1042",
        "inbox.name": _("Support"),
    }
    return {
        code: fill(pick_body(data.bodies, code, data.default_language), sample)
        for code, body in data.bodies.items()
        if body.strip()
    }


@admin_page
@require_POST
def canned_delete(request: HttpRequest, canned_id: int) -> HttpResponse:
    actions.check_delete_canned(acting(request), canned_id)
    return redirect("automation:index")


@require_GET
@agent_required
@with_http_errors
def canned_search(request: HttpRequest) -> JsonResponse:
    """The composer's `/` menu: [{id, shortcut, title, body}] with bodies rendered for the
    conversation given as `conversation=<id>` (raw bodies in the fallback language without)."""
    me = acting(request)
    conversation = None
    raw_id = request.GET.get("conversation", "")
    if raw_id:
        if not raw_id.isdigit():
            raise Http404
        conversation = access_conversation(me, int(raw_id), field="conversation")
    language = conversation.language if conversation else ""
    found = queries.canned_for(me, request.GET.get("q", "")[:64], language)
    results = [
        {
            "id": canned.pk,
            "shortcut": canned.shortcut,
            "title": canned.title,
            "body": (
                queries.render_canned(canned, conversation, me)
                if conversation
                else canned.bodies.get(canned.default_language, "")
            ),
        }
        for canned in found
    ]
    return JsonResponse({"results": results})


@require_GET
@agent_required
@with_http_errors
def canned_picker(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The composer's `/` picker as an HTML fragment: the agent's canned responses rendered
    for this conversation; `q` narrows them (the picker's own search box)."""
    me = acting(request)
    conversation = access_conversation(me, conversation_id)
    query = request.GET.get("q", "")[:64]
    found = queries.canned_for(me, query, conversation.language)
    choices = [(c, queries.render_canned(c, conversation, me)) for c in found]
    context = {"choices": choices, "q": query, "conversation": conversation}
    name = "list" if request.GET.get("part") == "list" else "picker"
    return render(request, f"automation/canned_{name}.html", context)


@require_POST
@agent_required
@with_http_errors
def canned_use(request: HttpRequest, canned_id: int) -> JsonResponse:
    """Count one use and return the rendered body (the composer calls it on insert)."""
    raw_id = request.POST.get("conversation", "")
    if not raw_id.isdigit():
        raise Http404
    body = actions.check_use_canned(acting(request), canned_id, int(raw_id))
    return JsonResponse({"body": body})


# Macros.


@admin_page
def macro_edit(request: HttpRequest, macro_id: int | None = None) -> HttpResponse:
    me = acting(request)
    macro = queries.access_macro(me, macro_id) if macro_id else None
    initial = (
        {
            "name": macro.name,
            "visibility": macro.visibility,
            "actions": syntax.format_actions(macro.actions),
        }
        if macro
        else {"visibility": Visibility.SHARED}
    )
    form = MacroForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_save_macro(
                me,
                form.cleaned_data["name"],
                form.cleaned_data["actions"],
                form.cleaned_data["visibility"],
                macro_id,
            )
        except ActionError as exc:
            add_action_error(form, exc)
        else:
            return redirect("automation:index")
    return render(
        request,
        "automation/macro_form.html",
        {"form": form, "macro": macro},
    )


@admin_page
@require_POST
def macro_delete(request: HttpRequest, macro_id: int) -> HttpResponse:
    actions.check_delete_macro(acting(request), macro_id)
    return redirect("automation:index")


@require_POST
@agent_required
@with_http_errors
def macro_apply(request: HttpRequest, macro_id: int) -> JsonResponse:
    """Apply a macro to `conversation` (one click or key in the conversation view)."""
    raw_id = request.POST.get("conversation", "")
    if not raw_id.isdigit():
        raise Http404
    try:
        done = actions.check_apply_macro(acting(request), macro_id, int(raw_id))
    except ActionError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        return JsonResponse({"error": exc.message, "field": exc.field}, status=exc.status)
    return JsonResponse({"done": done})


# Rules.


@admin_page
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    me = acting(request)
    rule = queries.access_rule(me, rule_id) if rule_id else None
    initial: dict[str, Any] = {"enabled": True, "hours": 0}
    if rule is not None:
        initial = {
            "name": rule.name,
            "trigger": rule.trigger,
            "hours": rule.hours,
            "match": rule.match,
            "conditions": syntax.format_conditions(rule.conditions),
            "actions": syntax.format_actions(rule.actions),
            "stop_processing": rule.stop_processing,
            "enabled": rule.enabled,
            "log_misses": rule.log_misses,
        }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.check_save_rule(
                me,
                actions.RuleInput(
                    name=data["name"],
                    trigger=data["trigger"],
                    actions_text=data["actions"],
                    conditions_text=data["conditions"],
                    match=data["match"],
                    hours=data["hours"] or 0,
                    stop_processing=data["stop_processing"],
                    enabled=data["enabled"],
                    log_misses=data["log_misses"],
                ),
                rule_id,
            )
        except ActionError as exc:
            add_action_error(form, exc)
        else:
            return redirect("automation:rules")
    runs = queries.recent_runs(rule) if rule else []
    return render(
        request,
        "automation/rule_form.html",
        {"form": form, "rule": rule, "runs": runs},
    )


@admin_page
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(queries.rules(acting(request)))
    groups = [
        (label, [rule for rule in rules if rule.trigger == value])
        for value, label in Trigger.choices
    ]
    return render(request, "automation/rules.html", {"groups": [g for g in groups if g[1]]})


def _rule_post(change: Callable[[Membership, int, HttpRequest], object]) -> View:
    @admin_page
    @require_POST
    def view(request: HttpRequest, rule_id: int) -> HttpResponse:
        change(acting(request), rule_id, request)
        return redirect("automation:rules")

    return view


rule_toggle = _rule_post(
    lambda me, pk, request: actions.check_set_rule_enabled(
        me, pk, request.POST.get("enabled") == "1"
    )
)
rule_move = _rule_post(
    lambda me, pk, request: actions.check_move_rule(
        me, pk, -1 if request.POST.get("to") == "up" else 1
    )
)
rule_delete = _rule_post(lambda me, pk, request: actions.check_delete_rule(me, pk))
