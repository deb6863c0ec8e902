"""`/hooks/<kind>/<inbox id>`: the one door for provider webhooks.

Verify the signature on the raw bytes, store the body, answer 2xx at once; a task parses it.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt

from javob.connectors.actions import store_payload
from javob.connectors.base import WebhookRejected, WebhookRequest
from javob.connectors.registry import connector_for, has_connector
from javob.conversations.models import Inbox

logger = logging.getLogger(__name__)
KEPT_HEADERS = ("content-type", "user-agent")


def _as_request(request: HttpRequest) -> WebhookRequest:
    return WebhookRequest(
        method=request.method or "GET",
        url=request.build_absolute_uri(),
        headers={key.lower(): value for key, value in request.headers.items()},
        query={key: request.GET.get(key, "") for key in request.GET},
        body=request.body,
    )


@csrf_exempt
def hook(request: HttpRequest, kind: str, inbox_id: int) -> HttpResponse:
    inbox = Inbox.objects.filter(pk=inbox_id, kind=kind, is_active=True).first()
    if inbox is None or not has_connector(kind):
        return HttpResponseNotFound("no such inbox")
    connector = connector_for(inbox)
    incoming = _as_request(request)
    if request.method == "GET":
        answer = connector.handshake(incoming)
        if answer is None:
            return HttpResponseBadRequest("no")
        return HttpResponse(answer, content_type=connector.handshake_content_type)
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        connector.verify(incoming)
    except WebhookRejected as exc:
        logger.warning("Webhook for inbox %s rejected: %s", inbox_id, exc)
        return HttpResponse("rejected", status=401)
    headers = {key: incoming.headers[key] for key in KEPT_HEADERS if key in incoming.headers}
    store_payload(inbox, connector.payload_id(incoming), incoming.body, headers)
    return HttpResponse(connector.ack_body, content_type=connector.ack_content_type)
