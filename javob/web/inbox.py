"""The inbox: the sidebar of views, the list, paging, live rows, saved filters, bulk changes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from javob.accounts.models import Membership
from javob.accounts.queries import agents
from javob.conversations.models import ChannelKind, Label, Priority, Sentiment, Status
from javob.core.errors import ActionError, NotFound
from javob.web import actions
from javob.web.membership import agent_required
from javob.web.queries import (
    ANY,
    Filters,
    InboxView,
    navigation,
    resolve_view,
    rows_page,
    view_conversations,
    with_row_data,
)


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _view_and_filters(request: HttpRequest, key: str) -> tuple[InboxView, Filters]:
    member = _member(request)
    try:
        view = resolve_view(member, key)
    except NotFound as exc:
        raise Http404 from exc
    if view.filters is not None and not request.GET:
        return view, view.filters
    return view, Filters.parse(request.GET)


@require_GET
@agent_required
def inbox(request: HttpRequest, view: str = "mine") -> HttpResponse:
    """The list page; with `cursor` and HX-Request, only the next rows ("load more")."""
    member = _member(request)
    current, filters = _view_and_filters(request, view)
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = rows_page(member, current, filters, cursor)
    except ActionError as exc:
        raise Http404 from exc
    query = urlencode(filters.params())
    context = {
        "view": current,
        "filters": filters,
        "query": query,
        "rows": rows,
        "next_cursor": next_cursor,
    }
    if cursor and request.headers.get("HX-Request"):
        return render(request, "web/inbox_rows.html", context)
    context |= {
        "nav": navigation(member, counted=False),
        "agents": agents(member.workspace_id),
        "statuses": [*Status.choices, (ANY, _("Any status"))],
        "bulk_statuses": [(v, label) for v, label in Status.choices if v != Status.SNOOZED],
        "channels": ChannelKind.choices,
        "priorities": Priority.choices,
        "sentiments": Sentiment.choices,
        "labels": Label.objects.filter(workspace_id=member.workspace_id).order_by("name"),
    }
    return render(request, "web/inbox.html", context)


@require_GET
@agent_required
def inbox_row(request: HttpRequest, view: str, conversation_id: int) -> HttpResponse:
    """One row as the list shows it, or an empty answer when the conversation left the view
    (the live client removes the row then)."""
    member = _member(request)
    current, filters = _view_and_filters(request, view)
    query = view_conversations(member, current, filters).filter(pk=conversation_id)
    conversation = with_row_data(member, query).first()
    if conversation is None:
        return HttpResponse("")
    context = {"row": conversation, "view": current, "query": urlencode(filters.params())}
    return render(request, "web/inbox_row.html", context)


@require_GET
@agent_required
def inbox_nav(request: HttpRequest, view: str) -> HttpResponse:
    """The sidebar alone, with fresh counts, for live refresh."""
    current, _filters = _view_and_filters(request, view)
    context = {"nav": navigation(_member(request)), "view": current}
    return render(request, "web/inbox_nav.html", context)


@require_POST
@agent_required
def bulk(request: HttpRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    action = request.POST.get("action", "")
    value = request.POST.get(f"value_{action}", "")
    try:
        result = actions.check_bulk(_member(request), ids, action, value)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(done)d changed, %(failed)d not changed.")
            % {"done": result.done, "failed": result.failed},
        )
    return redirect(_back(request))


@require_POST
@agent_required
def save_filter(request: HttpRequest) -> HttpResponse:
    filters = Filters.parse(request.POST)
    try:
        saved = actions.check_save_filter(_member(request), request.POST.get("name", ""), filters)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request))
    return redirect("inbox_view", view=f"saved-{saved.pk}")


@require_POST
@agent_required
def delete_filter(request: HttpRequest, filter_id: int) -> HttpResponse:
    try:
        actions.check_delete_filter(_member(request), filter_id)
    except NotFound as exc:
        raise Http404 from exc
    return redirect("inbox")


def _back(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    # Only a path of this site: never an open redirect.
    return back if back.startswith("/") and not back.startswith("//") else "/inbox/"
