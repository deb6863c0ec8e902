"""The widget's HTTP API under /widget/<public id>/: config, session, form, messages, files.

Every call must come from one of the inbox's allowed origins (browsers send Origin on every
POST and on cross-origin fetches); the visitor proves who they are with the signed token in
the X-Javob-Visitor header, so there are no cookies and no CSRF exposure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from javob.accounts import avatars
from javob.accounts.models import Membership
from javob.connectors.webchat import actions
from javob.connectors.webchat.config import WidgetConfig
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.queries import history, visitor_attachment, widget_inbox
from javob.connectors.webchat.ratelimit import allow, limit
from javob.connectors.webchat.strings import widget_strings
from javob.connectors.webchat.tokens import visitor_key
from javob.conversations.models import Inbox
from javob.core.errors import ActionError
from javob.core.types import InboundAttachment

TOKEN_HEADER = "HTTP_X_JAVOB_VISITOR"  # noqa: S105 (a header name)
MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = ("image/", "application/pdf", "text/plain", "application/zip")

View = Callable[..., HttpResponseBase]


class NoSession(ActionError):
    status = 401


def _error(message: str, status: int, field: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": message, "field": field}, status=status)


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def widget_view(view: View) -> View:
    """Find the inbox, check the Origin, answer preflights, add CORS headers, map errors."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, public_id: str, **kwargs: Any) -> HttpResponseBase:
        try:
            inbox = widget_inbox(public_id)
            config = actions.config_of(inbox)
        except ActionError as error:
            return _error(error.message, error.status, error.field)
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type, X-Javob-Visitor"
            response["Access-Control-Max-Age"] = "600"
        elif not config.allows(origin):
            response = _error(_("This site may not use this chat."), 403, "origin")
        else:
            try:
                response = view(request, inbox, config, **kwargs)
            except ActionError as error:
                response = _error(error.message, error.status, error.field)
        if origin:
            # Any site may read why it was refused (the error carries no data), so the widget
            # can tell a site owner who forgot to allow their origin; it gets nothing else.
            response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
        return response

    return wrapped


def _visitor(request: HttpRequest, inbox: Inbox) -> Visitor:
    key = visitor_key(inbox.pk, str(request.META.get(TOKEN_HEADER, "")))
    visitor = Visitor.objects.filter(inbox=inbox, key=key).first() if key else None
    if visitor is None:
        raise NoSession(_("Start a chat session first."), field="token")
    return visitor


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise ActionError(_("The request body is not valid JSON."), field="body") from error
    if not isinstance(data, dict):
        raise ActionError(_("The request body is not valid JSON."), field="body")
    return data


def _str(data: dict[str, Any], name: str, limit: int = 320) -> str:
    value = data.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _schedule(config: WidgetConfig) -> dict[str, Any]:
    now = timezone.now()
    is_open = config.hours.is_open(now)
    back = None if is_open else config.hours.next_open(now)
    back_text = ""
    if back is not None:
        back_text = formats.date_format(back, "l H:i") + f" ({config.hours.zone.key})"
    return {"open": is_open, "back_at": back.isoformat() if back else None, "back_text": back_text}


def _session_body(session: actions.Session) -> dict[str, Any]:
    visitor, config = session.visitor, session.config
    with translation.override(visitor.language):
        strings = widget_strings()
        if config.offline_message:
            strings["offline"] = config.offline_message
        greeting = config.greeting_for(visitor.language) or strings["greeting"]
        schedule = _schedule(config)
    return {
        "token": session.token,
        "language": visitor.language,
        "visitor": {"name": visitor.name, "email": visitor.email, "phone": visitor.phone},
        "prechat": config.prechat,
        "missing": actions.missing_prechat(visitor, config),
        "greeting": greeting,
        "strings": strings,
        "schedule": schedule,
        "bot_active": visitor.bot_active,
        "history": history(visitor),
    }


@widget_view
def session(request: HttpRequest, inbox: Inbox, config: WidgetConfig) -> HttpResponse:
    if request.method != "POST":
        return _error(_("Use POST."), 405)
    if not allow(f"wc-session:{_client_ip(request)}", limit("sessions_per_ip_minute"), 60):
        return _error(_("Too many requests; try again in a minute."), 429)
    data = _json(request)
    raw_identity, raw_languages = data.get("identity"), data.get("languages")
    identity: dict[str, Any] = raw_identity if isinstance(raw_identity, dict) else {}
    languages: list[Any] = raw_languages if isinstance(raw_languages, list) else []
    started = actions.check_start_session(
        inbox,
        actions.SessionInput(
            token=_str(data, "token", 500),
            languages=tuple(str(lang)[:35] for lang in languages[:10]),
            user_id=_str(identity, "id", 200),
            user_email=_str(identity, "email"),
            user_name=_str(identity, "name", 255),
            user_hash=_str(identity, "hash", 128),
        ),
    )
    return JsonResponse(_session_body(started))


@widget_view
def visitor_details(request: HttpRequest, inbox: Inbox, config: WidgetConfig) -> HttpResponse:
    visitor = _visitor(request, inbox)
    data = _json(request)
    details = actions.VisitorDetails(
        name=_str(data, "name", 255), email=_str(data, "email"), phone=_str(data, "phone", 32)
    )
    with translation.override(visitor.language):
        actions.check_update_visitor(visitor, details)
    return JsonResponse({"missing": actions.missing_prechat(visitor, config)})


@widget_view
def messages(request: HttpRequest, inbox: Inbox, config: WidgetConfig) -> HttpResponse:
    """POST a message (JSON, or multipart with a file); GET older history (?before=id)."""
    visitor = _visitor(request, inbox)
    if request.method == "GET":
        before = request.GET.get("before", "")
        return JsonResponse(
            {"history": history(visitor, int(before) if before.isdigit() else None)}
        )
    if not (
        allow(f"wc-msg:{visitor.pk}", limit("messages_per_visitor_minute"), 60)
        and allow(f"wc-msg-ip:{_client_ip(request)}", limit("messages_per_ip_minute"), 60)
    ):
        return _error(_("Too many messages; wait a moment."), 429)
    if request.content_type == "multipart/form-data":
        data: dict[str, Any] = {k: request.POST.get(k, "") for k in ("client_id", "text")}
        attachments = _uploaded(request)
    else:
        data, attachments = _json(request), ()
    with translation.override(visitor.language):
        message = actions.check_visitor_message(
            visitor,
            actions.VisitorMessage(
                client_id=_str(data, "client_id", 64),
                text=_str(data, "text", actions.MAX_TEXT + 1),
                attachments=attachments,
            ),
        )
    return JsonResponse({"id": message.pk, "client_id": data.get("client_id")}, status=201)


def _uploaded(request: HttpRequest) -> tuple[InboundAttachment, ...]:
    upload = request.FILES.get("file")
    if upload is None:
        return ()
    if upload.size is None or upload.size > MAX_FILE_BYTES:
        raise ActionError(_("The file is too large."), field="file")
    content_type = upload.content_type or "application/octet-stream"
    if not content_type.startswith(ALLOWED_TYPES):
        raise ActionError(_("This type of file cannot be sent."), field="file")
    return (InboundAttachment(upload.name or "file", content_type, upload.read()),)


@widget_view
def handover(request: HttpRequest, inbox: Inbox, config: WidgetConfig) -> HttpResponse:
    actions.check_handover(_visitor(request, inbox))
    return JsonResponse({"bot_active": False})


@widget_view
def transcript(request: HttpRequest, inbox: Inbox, config: WidgetConfig) -> HttpResponse:
    visitor = _visitor(request, inbox)
    if not allow(f"wc-transcript:{visitor.pk}", limit("transcripts_per_visitor_hour"), 3600):
        return _error(_("Too many requests; try again later."), 429)
    email = _str(_json(request), "email") or visitor.email
    with translation.override(visitor.language):
        actions.check_request_transcript(visitor, email)
    return JsonResponse({"sent_to": email.strip().lower()}, status=202)


@widget_view
def attachment(
    request: HttpRequest, inbox: Inbox, config: WidgetConfig, attachment_id: int
) -> HttpResponseBase:
    visitor = _visitor(request, inbox)
    found = visitor_attachment(visitor, attachment_id)
    response: HttpResponseBase = FileResponse(
        found.file.open("rb"),
        as_attachment=not found.content_type.startswith("image/"),
        filename=found.filename,
        content_type=found.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def avatar(request: HttpRequest, public_id: str, key: str) -> HttpResponseBase:
    """An agent's picture, for the widget's <img> on the host site: no Origin comes with an
    image request, so this needs none; it answers only for a current avatar key of an agent
    of this chat's workspace, and says the picture may be embedded from any site."""
    try:
        inbox = widget_inbox(public_id)
    except ActionError as error:
        return _error(error.message, error.status, error.field)
    member = (
        Membership.objects.filter(workspace_id=inbox.workspace_id, avatar_key=key)
        .exclude(avatar="")
        .first()
        if key
        else None
    )
    if member is None:
        return _error(_("No such picture."), 404, "avatar")
    response: HttpResponseBase = FileResponse(
        member.avatar.open("rb"), content_type=avatars.content_type(member.avatar.name or "")
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # the key changes
    return response
