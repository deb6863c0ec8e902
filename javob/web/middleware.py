"""Every request of a signed-in person speaks their language (User.locale)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class AgentPreferencesMiddleware:
    """Activate the signed-in user's interface language; after LocaleMiddleware, so it wins
    over the browser's Accept-Language. The time zone is the agent's per workspace and is
    activated by `agent_required` once the membership is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        locale = getattr(user, "locale", "") if user.is_authenticated else ""
        if locale and locale in dict(settings.LANGUAGES):
            translation.activate(locale)
            request.LANGUAGE_CODE = locale
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
