"""What every settings page shares: the acting admin, rendering, and action errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from javob.accounts.models import Membership
from javob.core.errors import NotFound, PermissionDenied


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


@contextmanager
def found() -> Iterator[None]:
    """Turn an action's NotFound into a 404 and its PermissionDenied into a 403."""
    try:
        yield
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
