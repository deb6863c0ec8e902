"""Who is calling the REST API, and the request-level vocabulary every endpoint shares.

Two ways in: `Authorization: Bearer <token>` (one token per agent) for integrations, and the
Django session (with CSRF on unsafe methods) for the agent UI. Either way `request.auth` is the
acting `Membership`, and every endpoint scopes its work to that membership's workspace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import field_validator

from javob.accounts.models import Membership, User
from javob.accounts.queries import membership_for_token
from javob.core.errors import ActionError

# Ids are 64-bit in every database we support; SQLite's driver overflows on larger ones.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class TokenAuth(HttpBearer):
    """`Authorization: Bearer jvb_...`: the agent the token belongs to."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        return membership_for_token(token.strip())


class SessionAuth(APIKeyCookie):
    """The signed-in user of the agent UI, in the workspace their session chose."""

    param_name = "sessionid"  # the name shown in OpenAPI; the cookie read is the configured one

    def _get_key(self, request: HttpRequest) -> str | None:
        # A caller that sent a token, or is not signed in, gets 401 rather than a CSRF 403.
        if "authorization" in request.headers or not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return request.COOKIES.get(settings.SESSION_COOKIE_NAME)

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        if key is None:
            return None
        return session_membership(request)


def session_membership(request: HttpRequest) -> Membership | None:
    """The membership named by `session["workspace_id"]`, else the user's first active one."""
    if not isinstance(request.user, User):
        return None
    memberships = Membership.objects.select_related("workspace", "user").filter(
        user=request.user, is_active=True
    )
    workspace_id = request.session.get("workspace_id")
    if workspace_id is not None:
        if not str(workspace_id).isdigit():
            return None
        memberships = memberships.filter(workspace_id=int(workspace_id))
    return memberships.order_by("id").first()


def actor(request: HttpRequest) -> Membership:
    """The acting agent of an authenticated API request."""
    member = getattr(request, "auth", None)
    if not isinstance(member, Membership):  # the API's auth runs before every endpoint
        raise HttpError(401, _("Authentication required."))
    return member


class ErrorOut(Schema):
    """An action refused the request; `field` names the offending input when there is one."""

    detail: str
    field: str | None = None


# Documented on every endpoint; 422 (malformed input) is Ninja's own.
ERRORS: dict[int, type[ErrorOut]] = dict.fromkeys((400, 401, 403, 404, 409), ErrorOut)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def refuse_nul(value: Any) -> Any:
    """Refuse text holding NUL characters: PostgreSQL cannot store them.

    As a field validator, the refusal names the field instead of failing in the database.
    """
    if _has_nul(value):
        raise ValueError(_("NUL characters are not allowed."))
    return value


class InputSchema(Schema):
    """Base of request bodies and query schemas: no NUL characters anywhere."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


@contextmanager
def field_names(renames: Mapping[str, str]) -> Iterator[None]:
    """Report action errors under the API's field names (e.g. `target_id` -> `into`)."""
    try:
        yield
    except ActionError as exc:
        if exc.field is not None and exc.field in renames:
            exc.field = renames[exc.field]
        raise
