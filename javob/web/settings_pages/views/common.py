"""What every settings page shares: the acting admin, rendering, and action errors."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from javob.accounts.models import Membership


def actor(request: HttpRequest) -> Membership:
    """The signed-in owner or admin (set by `admin_required`)."""
    return cast(Membership, request.membership)  # type: ignore[attr-defined]


def page(
    request: HttpRequest,
    template: str,
    section: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render a settings page; `section` marks the current entry of the navigation."""
    full = {"section": section, "actor": actor(request), **(context or {})}
    return render(request, f"web/settings/{template}", full, status=status)
