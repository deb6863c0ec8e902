"""The public page an invited agent opens from their email to choose a password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from javob.accounts.actions import do_accept_invitation
from javob.accounts.invitations import InvalidInvitation, read_token


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = read_token(token).user
    except InvalidInvitation as exc:
        return _refused(request, exc.message)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_accept_invitation(token, form.cleaned_data["new_password1"])
        except InvalidInvitation as exc:
            return _refused(request, exc.message)
        messages.success(request, _("Your password is set. Sign in with it now."))
        return redirect(settings.LOGIN_URL)
    return render(request, "web/settings/invite_accept.html", {"form": form, "email": user.email})


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    context = {"reason": reason, "login_url": resolve_url(settings.LOGIN_URL)}
    return render(request, "web/settings/invite_invalid.html", context, status=410)
