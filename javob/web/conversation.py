"""The conversation page and every change an agent makes there. Each change is a POST that
calls one action and comes back to the page (Post/Redirect/Get); errors become messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from javob.accounts.models import Membership
from javob.automation.queries import visible_macros
from javob.connectors.registry import connector_for, has_connector
from javob.conversations import actions, delivery
from javob.conversations.models import ChannelKind, Conversation, Priority, Status
from javob.conversations.queries import access_conversation, access_message
from javob.core.errors import ActionError, NotFound
from javob.sla.queries import sla_state
from javob.web import actions as web_actions
from javob.web.membership import agent_required
from javob.web.queries import conversation_page

if TYPE_CHECKING:
    from javob.connectors.webchat.queries import Presence

Change = Callable[[HttpRequest, Membership, int], Conversation | None]


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _access(member: Membership, conversation_id: int) -> Conversation:
    try:
        return access_conversation(member, conversation_id)
    except NotFound as exc:
        raise Http404 from exc


def _context(request: HttpRequest, conversation: Conversation) -> dict[str, object]:
    data = conversation_page(_member(request), conversation, everything="all" in request.GET)
    shown = request.GET.get("images", "")
    return {
        "page": data,
        "c": data.conversation,
        "statuses": [(v, label) for v, label in Status.choices if v != Status.SNOOZED],
        "priorities": Priority.choices,
        "images_for": int(shown) if shown.isdigit() else None,
        "now": timezone.now(),
        "canned_url": canned_url(conversation.pk),
    }


def _side(request: HttpRequest, context: dict[str, object]) -> dict[str, object]:
    """What the panel and composer show from other apps (the timeline alone needs none)."""
    c = cast(Conversation, context["c"])  # the page's conversation, inbox already loaded
    return context | {
        "macros": list(visible_macros(_member(request))),
        "sla": sla_state([c.pk]).get(c.pk),
        "window": freeform_window(c),
        "reply_notes": reply_notes(c),
        "presence": visitor_presence(c),
    }


def reply_notes(conversation: Conversation) -> list[str]:
    """The channel's notes for the reply box (X: 280 characters, replies the access lacks)."""
    if not has_connector(conversation.inbox.kind):
        return []
    return connector_for(conversation.inbox).reply_notes(conversation)


def visitor_read(conversation: Conversation) -> None:
    """The agent has seen a web-chat conversation: its visitor sees their messages read.
    `conversation` comes from the page data, its inbox already loaded."""
    if conversation.inbox.kind == ChannelKind.WEBCHAT:
        from javob.connectors.webchat.actions import do_agent_read  # only for web chat

        do_agent_read(conversation.pk)


def visitor_presence(conversation: Conversation) -> Presence | None:
    """For web chat: whether the visitor is on the page, or since when not; else None."""
    if conversation.inbox.kind != ChannelKind.WEBCHAT:
        return None
    from javob.connectors.webchat.queries import conversation_presence  # only for web chat

    return conversation_presence(conversation.pk)


def freeform_window(conversation: Conversation) -> dict[str, object] | None:
    """For WhatsApp: whether a free-form reply may go now (24 hours after the customer's last
    message) and when that window ends; None for other channels."""
    if conversation.inbox.kind != ChannelKind.WHATSAPP:
        return None
    from javob.connectors.whatsapp import actions as whatsapp  # only where WhatsApp is used
    from javob.connectors.whatsapp.models import MessageTemplate, TemplateStatus
    from javob.connectors.whatsapp.templates import slots

    is_open = whatsapp.can_send_freeform(conversation)
    approved = MessageTemplate.objects.filter(
        inbox_id=conversation.inbox_id, status=TemplateStatus.APPROVED
    ).order_by("name", "language")
    return {
        "open": is_open,
        "ends_at": whatsapp.freeform_window_end(conversation),
        "templates": [] if is_open else [(t, slots(t.components)) for t in approved],
    }


def canned_url(conversation_id: int) -> str:
    """The canned-response picker, once an app provides a URL named `canned_picker` taking
    `conversation_id`; the composer's `/` key opens it (see docs/agent-ui.md)."""
    try:
        return reverse("canned_picker", kwargs={"conversation_id": conversation_id})
    except NoReverseMatch:
        return ""


@require_GET
@agent_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member = _member(request)
    found = _access(member, conversation_id)
    if found.merged_into_id is not None and _access_or_none(member, found.merged_into_id):
        messages.info(request, _("This conversation was merged into this one."))
        return redirect("conversation", conversation_id=found.merged_into_id)
    web_actions.do_mark_read(member, found)
    context = _context(request, found)
    visitor_read(cast(Conversation, context["c"]))
    return render(request, "web/conversation.html", _side(request, context))


def _access_or_none(member: Membership, conversation_id: int) -> Conversation | None:
    try:
        return access_conversation(member, conversation_id)
    except NotFound:
        return None


@require_GET
@agent_required
def fragment(request: HttpRequest, conversation_id: int, part: str) -> HttpResponse:
    """The timeline, the side panel or the visitor's presence alone, for live refresh."""
    if part not in ("timeline", "panel", "presence"):
        raise Http404
    member = _member(request)
    found = _access(member, conversation_id)
    if part == "presence":
        presence = {"presence": visitor_presence(found)}
        return render(request, "web/conversation_presence.html", presence)
    web_actions.do_mark_read(member, found)
    context = _context(request, found)
    visitor_read(cast(Conversation, context["c"]))
    if part == "panel":
        context = _side(request, context)
    return render(request, f"web/conversation_{part}.html", context)


def _post_message(request: HttpRequest, member: Membership, pk: int) -> None:
    web_actions.check_post_message(
        member,
        pk,
        request.POST.get("text", ""),
        note=request.POST.get("mode") == "note",
        files=request.FILES.getlist("files"),
    )


def _assign(request: HttpRequest, member: Membership, pk: int) -> Conversation:
    assignee, team = request.POST.get("assignee_id", ""), request.POST.get("team_id", "")
    return actions.check_assign(
        member,
        pk,
        assignee_id=int(assignee) if assignee.isdigit() else None,
        team_id=int(team) if team.isdigit() else None,
    )


def _status(request: HttpRequest, member: Membership, pk: int) -> Conversation:
    return actions.check_change_status(member, pk, request.POST.get("status", ""))


def _snooze(request: HttpRequest, member: Membership, pk: int) -> Conversation:
    raw = request.POST.get("until", "")
    until = parse_datetime(raw)
    if until is None:
        raise ActionError(_("Give a date and time to snooze until."), field="until")
    if until.tzinfo is None:  # the form's local time is the agent's zone
        until = timezone.make_aware(until, timezone.get_current_timezone())
    return actions.check_snooze(member, pk, until.astimezone(dt.UTC))


def _priority(request: HttpRequest, member: Membership, pk: int) -> Conversation:
    return actions.check_set_priority(member, pk, request.POST.get("priority", ""))


def _labels(request: HttpRequest, member: Membership, pk: int) -> Conversation:
    names = request.POST.get("labels", "").split(",")
    return actions.check_set_labels(member, pk, names)


def _merge(request: HttpRequest, member: Membership, pk: int) -> Conversation:
    raw = request.POST.get("into", "").lstrip("#").strip()
    target = (
        Conversation.objects.filter(workspace_id=member.workspace_id, number=int(raw))
        .values_list("pk", flat=True)
        .first()
        if raw.isdigit()
        else None
    )
    if target is None:
        raise ActionError(_("No such conversation."), field="into")
    return actions.check_merge_conversations(member, pk, target)


def _template(request: HttpRequest, member: Membership, pk: int) -> None:
    """An approved WhatsApp template; its values come as `slot-<key>`, one per variable."""
    from javob.connectors.whatsapp.actions import check_send_template

    raw = request.POST.get("template_id", "")
    if not raw.isdigit():
        raise ActionError(_("Choose a template."), field="template_id")
    values = {k[5:]: request.POST.getlist(k) for k in request.POST if k.startswith("slot-")}
    check_send_template(member, pk, int(raw), values)


CHANGES: dict[str, Change] = {
    "template": _template,
    "message": _post_message,
    "assign": _assign,
    "status": _status,
    "snooze": _snooze,
    "priority": _priority,
    "labels": _labels,
    "merge": _merge,
}


@require_POST
@agent_required
def change(request: HttpRequest, conversation_id: int, what: str) -> HttpResponse:
    handler = CHANGES.get(what)
    if handler is None:
        raise Http404
    member = _member(request)
    try:
        result = handler(request, member, conversation_id)
    except NotFound as exc:
        if exc.field in ("id", "conversation_id", "source_id"):
            raise Http404 from exc
        messages.error(request, exc.message)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        if isinstance(result, Conversation) and result.pk != conversation_id:
            return redirect("conversation", conversation_id=result.pk)
    return redirect("conversation", conversation_id=conversation_id)


@require_GET
@agent_required
def original(request: HttpRequest, message_id: int) -> HttpResponse:
    """A message's text without its personal data masked, fetched when the agent clicks
    "Show": only for agents who may see the conversation, and never in the page itself."""
    try:
        message = access_message(_member(request), message_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "web/message_original.html", {"m": message})


@require_POST
@agent_required
def message_change(request: HttpRequest, message_id: int, what: str) -> HttpResponse:
    """Split a conversation from a message, or send a failed message again."""
    member = _member(request)
    try:
        message = access_message(member, message_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        if what == "split":
            new = actions.check_split_conversation(member, message_id)
            return redirect("conversation", conversation_id=new.pk)
        if what == "retry":
            delivery.check_retry(member, message_id)
        else:
            raise Http404
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("conversation", conversation_id=message.conversation_id)
