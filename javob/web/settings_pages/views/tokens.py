"""API tokens: create (the secret is shown once, on the response to the POST), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from javob.accounts import actions
from javob.accounts.queries import live_tokens
from javob.core.errors import ActionError
from javob.web.membership import admin_required, http_errors
from javob.web.settings_pages.forms import TokenForm, show_error
from javob.web.settings_pages.views.common import actor, page


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    me = actor(request)
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = actions.check_create_token(me, form.cleaned_data["name"])
        except ActionError as exc:
            show_error(form, exc)
        else:
            # Rendered here and nowhere else: the secret is not stored, so it can never be
            # shown again, and a fresh form replaces the filled one.
            form = TokenForm()
    context = {"tokens": live_tokens(me.workspace_id), "form": form, "secret": secret}
    return page(request, "tokens.html", "tokens", context)


@admin_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    with http_errors():
        token = actions.check_revoke_token(actor(request), token_id)
    messages.success(request, _("Token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("settings:tokens")
