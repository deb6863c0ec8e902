"""Inboxes: the list with webhook URLs and connection health, adding, configuring, the
API channel's webhook secret (reveal and rotate) and deactivation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from javob.accounts.models import Membership
from javob.connectors.actions import webhook_url
from javob.connectors.base import Connector
from javob.connectors.email.queries import ThreadingReport, threading_report
from javob.connectors.health import health, with_health
from javob.connectors.quarantine import quarantine_count, with_quarantine_count
from javob.connectors.registry import CONNECTORS, connector_class, connector_for, has_connector
from javob.connectors.webchat import settings_actions as webchat_settings
from javob.conversations import settings_actions
from javob.conversations.models import ChannelKind, Inbox
from javob.conversations.settings_actions import SECRET_SETTING, InboxConfig
from javob.core.errors import ActionError
from javob.web.membership import admin_required, http_errors
from javob.web.settings_pages.forms import InboxForm, show_error
from javob.web.settings_pages.views.common import actor, page
from javob.web.settings_pages.webchat_forms import WebchatInboxForm, initial_settings, widget_embed


@admin_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    inboxes = with_quarantine_count(
        with_health(
            Inbox.objects.filter(workspace_id=actor(request).workspace_id)
            .select_related("team")
            .order_by("-is_active", "name", "id")
        )
    )
    rows = [
        (inbox, webhook_url(inbox), health(inbox), quarantine_count(inbox)) for inbox in inboxes
    ]
    return page(request, "inboxes.html", "inboxes", {"rows": rows})


def _kinds() -> list[tuple[str, str]]:
    labels = dict(ChannelKind.choices)
    return [(kind, str(labels.get(kind, kind))) for kind in CONNECTORS]


@admin_required
def inbox_kinds(request: HttpRequest) -> HttpResponse:
    return page(request, "inbox_kinds.html", "inboxes", {"kinds": _kinds()})


@admin_required
@require_http_methods(["GET", "POST"])
def inbox_add(request: HttpRequest, kind: str) -> HttpResponse:
    if not has_connector(kind):
        raise Http404
    me = actor(request)
    form: InboxForm
    if kind == "webchat":
        form = WebchatInboxForm(me, None, request.POST or None, adding=True)
    else:
        form = InboxForm(me, connector_class(kind), request.POST or None, adding=True)
    if request.method == "POST" and form.is_valid():
        team = form.cleaned_data["team"]
        try:
            inbox = settings_actions.check_create_inbox(
                me,
                kind,
                form.cleaned_data["name"],
                {**form.settings_values(), **form.secret_values()},
                form.cleaned_data["languages"],
                team.pk if team else None,
                form.cleaned_data["reopen_grace_hours"],
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Inbox %(name)s is added.") % {"name": inbox.name})
            return redirect("settings:inbox-edit", inbox.pk)
    context = {"form": form, "kind_label": dict(_kinds())[kind]}
    return page(request, "inbox_add.html", "inboxes", context)


def _inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    with http_errors():
        return settings_actions.access_settings_inbox(actor(request), inbox_id)


def _connector(inbox: Inbox) -> type[Connector] | None:
    return connector_class(inbox.kind) if has_connector(inbox.kind) else None


def _initial(inbox: Inbox) -> dict[str, Any]:
    settings = initial_settings(inbox.settings) if inbox.kind == "webchat" else inbox.settings
    return {
        "name": inbox.name,
        "team": inbox.team_id,
        "languages": inbox.languages,
        "reopen_grace_hours": inbox.reopen_grace_hours,
        **settings,
    }


def _form(me: Membership, inbox: Inbox, data: Any = None) -> InboxForm:
    if inbox.kind == "webchat":
        return WebchatInboxForm(me, inbox, data, initial=_initial(inbox))
    return InboxForm(me, _connector(inbox), data, initial=_initial(inbox))


def _edit_page(
    request: HttpRequest,
    inbox: Inbox,
    form: InboxForm,
    secret: str = "",
    identity_secret: str = "",
) -> HttpResponse:
    context = {
        "webchat": widget_embed(inbox) if inbox.kind == "webchat" else None,
        "identity_secret": identity_secret,
        "inbox": inbox,
        "form": form,
        "webhook_url": webhook_url(inbox),
        "has_secret": SECRET_SETTING in inbox.secrets,
        "secret": secret,
        "limits": connector_for(inbox).limits() if has_connector(inbox.kind) else [],
        "threading": _threading(inbox),
    }
    return page(request, "inbox_edit.html", "inboxes", context)


def _threading(inbox: Inbox) -> ThreadingReport | None:
    """For an email inbox, how many of its sent mails carried complete threading headers."""
    return threading_report(inbox.pk) if inbox.kind == "email" else None


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    me, inbox = actor(request), _inbox(request, inbox_id)
    form = _form(me, inbox, request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = form.cleaned_data["team"]
        config = InboxConfig(
            name=form.cleaned_data["name"],
            team_id=team.pk if team else None,
            languages=tuple(form.cleaned_data["languages"]),
            reopen_grace_hours=form.cleaned_data["reopen_grace_hours"],
            settings=form.settings_values(),
            secrets=form.secret_values(),
        )
        try:
            inbox = settings_actions.check_configure_inbox(me, inbox.pk, config)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Inbox %(name)s is saved.") % {"name": inbox.name})
            return redirect("settings:inboxes")
    return _edit_page(request, inbox, form)


@never_cache
@admin_required
@require_POST
def inbox_secret(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """Show the webhook secret (audited), or rotate it and show the new one."""
    return _show_secret(
        request,
        inbox_id,
        reveal=settings_actions.check_reveal_webhook_secret,
        rotate=settings_actions.check_rotate_webhook_secret,
        rotated=_("A new webhook secret is in use."),
        key="secret",
    )


@never_cache
@admin_required
@require_POST
def inbox_identity_secret(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """Show a web chat's identity secret (audited), or replace it and show the new one."""
    return _show_secret(
        request,
        inbox_id,
        reveal=webchat_settings.check_reveal_identity_secret,
        rotate=webchat_settings.check_rotate_identity_secret,
        rotated=_("A new identity secret is in use."),
        key="identity_secret",
    )


def _show_secret(
    request: HttpRequest,
    inbox_id: int,
    *,
    reveal: Callable[[Membership, int], str],
    rotate: Callable[[Membership, int], str],
    rotated: str,
    key: str,
) -> HttpResponse:
    """The inbox page with one secret shown: the current one, or (rotate=1) a new one."""
    me, inbox = actor(request), _inbox(request, inbox_id)
    rotating = request.POST.get("rotate") == "1"
    with http_errors():
        try:
            secret = (rotate if rotating else reveal)(me, inbox.pk)
        except ActionError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
            return redirect("settings:inbox-edit", inbox.pk)
    if rotating:
        messages.success(request, rotated)
    inbox.refresh_from_db()
    return _edit_page(request, inbox, _form(me, inbox), **{key: secret})


@admin_required
@require_POST
def inbox_active(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _inbox(request, inbox_id)
    active = request.POST.get("active") == "1"
    with http_errors():
        settings_actions.check_set_inbox_active(actor(request), inbox.pk, active)
    done = _("Inbox %(name)s is active.") if active else _("Inbox %(name)s is deactivated.")
    messages.success(request, done % {"name": inbox.name})
    return redirect("settings:inboxes")
