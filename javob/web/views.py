"""Small pages of the agent app: start, health, preferences, workspace switch, attachments."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from javob.accounts import avatars
from javob.accounts.models import Membership
from javob.conversations.models import Attachment
from javob.conversations.queries import can_see
from javob.core.errors import ActionError
from javob.web import actions
from javob.web.membership import agent_required, choose_workspace, current_membership
from javob.web.templatetags.javob_web import INLINE_IMAGES

ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("inbox")
    return render(request, "web/home.html")


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


@cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


@agent_required
def preferences(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if request.method == "POST":
        try:
            actions.check_set_preferences(
                member,
                request.POST.get("locale", ""),
                request.POST.get("time_zone", ""),
                request.POST.get("email_signature"),
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Preferences saved."))
            return redirect("preferences")
    context = {
        "member": member,
        "languages": settings.LANGUAGES,
        "time_zones": time_zones(),
        "workspaces": Membership.objects.filter(user=member.user, is_active=True)
        .select_related("workspace")
        .order_by("created_at", "pk"),
    }
    return render(request, "web/preferences.html", context)


@require_POST
@agent_required
def preferences_avatar(request: HttpRequest) -> HttpResponse:
    """Upload the agent's picture (or remove it with remove=1)."""
    member = _member(request)
    upload = request.FILES.get("avatar")
    try:
        if request.POST.get("remove") == "1":
            avatars.check_remove_avatar(member)
        elif upload is None:
            raise ActionError(_("Choose a picture first."), field="avatar")
        elif (upload.size or 0) > avatars.MAX_AVATAR_BYTES:
            raise ActionError(_("The picture is too large (at most 2 MB)."), field="avatar")
        else:
            avatars.check_set_avatar(member, upload.read())
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Picture saved."))
    return redirect("preferences")


@require_POST
@agent_required
def switch_workspace(request: HttpRequest, workspace_id: int) -> HttpResponse:
    choose_workspace(request, workspace_id)
    return redirect("inbox")


def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """A file of a message the agent may see. Images inline, everything else as a download,
    with a policy that forbids scripts whatever the file claims to be. (Not wrapped in
    agent_required, which is typed for HttpResponse; a FileResponse streams.)"""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = current_membership(request)
    if member is None:
        raise Http404
    found = (
        Attachment.objects.filter(workspace_id=member.workspace_id, pk=attachment_id)
        .select_related("message__conversation")
        .first()
    )
    if found is None or not can_see(member, found.message.conversation):
        raise Http404
    inline = found.content_type in INLINE_IMAGES
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.filename,
        content_type=found.content_type if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
