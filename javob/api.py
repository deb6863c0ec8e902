"""The REST API under /api/v1/ (Django Ninja): OpenAPI at openapi.json, docs at docs.

Every endpoint needs an agent: a bearer token or a signed-in session (see core/api_auth.py).
Action errors become `{"detail": ..., "field": ...}` with their status; malformed input is
refused by Ninja with 422 and the location of each bad field.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.parser import Parser
from ninja.types import DictStrAny

from javob.accounts.api import router as accounts_router
from javob.connectors.api.views import router as api_channel_router
from javob.connectors.sms.api import router as sms_router
from javob.contacts.api import router as contacts_router
from javob.conversations.api import router as conversations_router
from javob.core.api_auth import SessionAuth, TokenAuth
from javob.core.errors import ActionError
from javob.intelligence.api import router as intelligence_router

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Javob's REST API. Authenticate with `Authorization: Bearer <token>` (create one with
`javob token create EMAIL`) or, from the agent UI, with the session cookie and the
`X-CSRFToken` header. Every call acts in the caller's workspace and sees only what the
caller's role allows; other workspaces' objects answer 404.

Errors: `{"detail": "...", "field": "..."}` with 400, 401, 403, 404 or 409; malformed input
answers 422 with the location of each bad field.
"""


class MalformedBody(ValueError):
    """The request body is not JSON."""


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        try:
            return super().parse_body(request)
        except ValueError as exc:  # Ninja turns this into a 400 without saying where
            raise MalformedBody(str(exc)) from exc

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        # A form that sends every filter (`?status=&q=`) means the empty ones as absent.
        parsed = super().parse_querydict(data, list_fields, request)
        return {key: value for key, value in parsed.items() if value not in ("", [""])}


api = NinjaAPI(
    title="Javob API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    parser=JsonParser(),
)
api.add_router("/", accounts_router)
api.add_router("/", conversations_router)
api.add_router("/", api_channel_router)
api.add_router("/", contacts_router)
api.add_router("/", intelligence_router)
api.add_router("/", sms_router)


@api.exception_handler(ActionError)
def action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, "field": exc.field}, status=exc.status
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, MalformedBody):
        detail, field = _("The request body is not valid JSON."), "body"
    else:
        detail, field = str(exc), None
    return api.create_response(request, {"detail": detail, "field": field}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": _("Send a valid API token or sign in."), "field": None},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(IntegrityError)
def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two requests raced to create the same unique thing; the loser may simply retry.
    logger.warning("API request hit a uniqueness conflict: %s", exc)
    return api.create_response(
        request,
        {"detail": _("This conflicts with a concurrent change; try again."), "field": None},
        status=409,
    )
