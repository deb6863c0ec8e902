"""Which workspace an agent is working in, and the decorators every agent page uses.

A user may belong to several workspaces; the session remembers the one they chose
(`workspace_id`), else the first one they joined. Views receive it as `request.membership`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from javob.accounts.models import Membership
from javob.core.errors import NotFound
from javob.core.errors import PermissionDenied as ActionPermissionDenied

SESSION_KEY = "workspace_id"

View = Callable[Concatenate[HttpRequest, ...], HttpResponse]


def current_membership(request: HttpRequest) -> Membership | None:
    """The signed-in user's active membership in the chosen workspace, or None."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("workspace", "user").filter(
        user=request.user, is_active=True
    )
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(workspace_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("created_at", "pk").first()


def choose_workspace(request: HttpRequest, workspace_id: int) -> Membership:
    """Switch the session to another workspace of the user's; 404 when they are not in it."""
    membership = Membership.objects.filter(
        user_id=cast(int, request.user.pk), workspace_id=workspace_id, is_active=True
    ).first()
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = workspace_id
    return membership


def activate_time_zone(membership: Membership) -> None:
    """Render times in the agent's zone for the rest of this request (the middleware resets)."""
    try:
        timezone.activate(zoneinfo.ZoneInfo(membership.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(dt.UTC)


def agent_required(view: View) -> View:
    """Sign-in required; 404 for a user with no workspace; sets `request.membership`."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = current_membership(request)
        if membership is None:
            raise Http404
        request.membership = membership  # type: ignore[attr-defined]
        activate_time_zone(membership)
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    """Like agent_required, and 403 unless the agent is an owner or admin of the workspace."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.membership.is_admin:  # type: ignore[attr-defined]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return agent_required(checked)


@contextmanager
def http_errors() -> Iterator[None]:
    """An action's NotFound becomes a 404 and its PermissionDenied a 403, as in the API."""
    try:
        yield
    except NotFound as error:
        raise Http404(error.message) from error
    except ActionPermissionDenied as error:
        raise PermissionDenied(error.message) from error


def with_http_errors(view: View) -> View:
    """`http_errors()` around a whole view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with http_errors():
            return view(request, *args, **kwargs)

    return wrapped


def acting(request: HttpRequest) -> Membership:
    """The agent a view decorated with agent_required or admin_required acts as."""
    member: Membership = request.membership  # type: ignore[attr-defined]
    return member
