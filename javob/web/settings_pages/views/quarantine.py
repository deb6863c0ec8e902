"""An inbox's quarantine: the mails or webhook payloads that could not be parsed, their raw
bytes as a download, and reprocessing one of them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from javob.connectors import quarantine
from javob.core.errors import ActionError
from javob.web.membership import admin_required, http_errors
from javob.web.settings_pages.views.common import actor, page


@never_cache
@admin_required
@require_GET
def quarantine_list(request: HttpRequest, inbox_id: int) -> HttpResponse:
    with http_errors():
        inbox = quarantine.access_quarantine(actor(request), inbox_id)
    items = quarantine.quarantine_of(inbox, quarantine.PAGE_SIZE + 1)
    context = {
        "inbox": inbox,
        "is_mail": quarantine.is_mail(inbox),
        "items": items[: quarantine.PAGE_SIZE],
        "more": len(items) > quarantine.PAGE_SIZE,
        "page_size": quarantine.PAGE_SIZE,
    }
    return page(request, "quarantine.html", "inboxes", context)


@never_cache
@admin_required
@require_GET
def quarantine_raw(request: HttpRequest, inbox_id: int, item_id: int) -> HttpResponse:
    """The stored bytes, always as a download: a browser must never render a hostile mail."""
    with http_errors():
        item = quarantine.check_raw(actor(request), inbox_id, item_id)
    response = HttpResponse(item.content, content_type=item.content_type)
    response["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin_required
@require_POST
def quarantine_reprocess(request: HttpRequest, inbox_id: int, item_id: int) -> HttpResponse:
    with http_errors():
        try:
            quarantine.check_reprocess(actor(request), inbox_id, item_id)
        except ActionError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("It is queued to be processed again."))
    return redirect("settings:inbox-quarantine", inbox_id)
