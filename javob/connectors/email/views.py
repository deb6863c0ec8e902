"""`POST /hooks/email/<inbox id>/mime`: mail providers forwarding inbound mail as webhooks.

The body is the raw RFC 822 message (any content type); the request carries the inbox's
webhook secret as `Authorization: Bearer <secret>`. The mail is stored raw and answered at
once; a task parses it. A repeat delivery is stored once.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from javob.connectors.email.actions import TooLarge, store_mail
from javob.connectors.email.config import mail_settings
from javob.connectors.email.models import MailSource
from javob.conversations.models import Inbox


def _authorized(request: HttpRequest, inbox: Inbox) -> bool:
    secret = str((inbox.secrets or {}).get("webhook_secret", ""))
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


@csrf_exempt
@require_POST
def inbound_mime(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = Inbox.objects.filter(pk=inbox_id, kind="email", is_active=True).first()
    if inbox is None:
        return HttpResponse("no such inbox", status=404)
    if not _authorized(request, inbox):
        return HttpResponse("rejected", status=401)
    limit = mail_settings(inbox).max_bytes
    declared = request.headers.get("Content-Length", "0")
    if declared.isdigit() and int(declared) > limit:
        return HttpResponse(f"mail larger than {limit} bytes", status=413)
    raw = request.read(limit + 1)  # never more than the limit in memory
    if not raw:
        return HttpResponse("empty body", status=400)
    try:
        stored = store_mail(inbox, raw, MailSource.HTTP)
    except TooLarge as exc:
        return HttpResponse(str(exc), status=413)
    return HttpResponse("stored" if stored.created else "duplicate", status=200)
