"""`POST /hooks/email/<inbox id>/mime`: mail providers forwarding inbound mail as webhooks.

Two shapes are taken: the raw RFC 822 message as the body (any content type), and a
multipart/form-data post carrying it in a field, as Mailgun ("body-mime", on a route whose
URL ends in "mime") and SendGrid's Inbound Parse ("email", with "POST the raw, full MIME
message" on) send it. The request carries the inbox's webhook secret as
`Authorization: Bearer <secret>`, or as the password of HTTP basic authentication, which
clients send when the secret is in the URL (`https://javob:<secret>@host/...`). When the inbox
has a `mailgun_signing_key`, every post must also carry Mailgun's signature, fresh and with a
token not seen before (see mailgun.py). The mail is stored raw and answered at once; a task
parses it. A repeat delivery is stored once.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from email import message_from_bytes
from email.message import Message

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from javob.connectors.email import mailgun
from javob.connectors.email.actions import TooLarge, accept_webhook_token, store_mail
from javob.connectors.email.config import mail_settings
from javob.connectors.email.models import MailSource
from javob.conversations.models import Inbox

MAIL_FIELDS = ("body-mime", "email")  # Mailgun, SendGrid
FORM_OVERHEAD = 64 * 1024  # the other fields of a provider's form: addresses, spam report


def _given_secret(request: HttpRequest) -> str:
    scheme, _space, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def _authorized(request: HttpRequest, inbox: Inbox) -> bool:
    secret = str((inbox.secrets or {}).get("webhook_secret", ""))
    given = _given_secret(request)
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def _is_form(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data"


@csrf_exempt
@require_POST
def inbound_mime(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = Inbox.objects.filter(pk=inbox_id, kind="email", is_active=True).first()
    if inbox is None:
        return HttpResponse("no such inbox", status=404)
    if not _authorized(request, inbox):
        return HttpResponse("rejected", status=401)
    limit = mail_settings(inbox).max_bytes
    allowed = limit + FORM_OVERHEAD if _is_form(request) else limit
    declared = request.headers.get("Content-Length", "0")
    if declared.isdigit() and int(declared) > allowed:
        return HttpResponse(f"mail larger than {limit} bytes", status=413)
    body = request.read(allowed + 1)  # never more than the limit in memory
    fields = form_fields(request.headers.get("Content-Type", ""), body) if _is_form(request) else {}
    raw = _mail_field(fields) if _is_form(request) else body
    key = str((inbox.secrets or {}).get("mailgun_signing_key", ""))
    token = ""
    if key:
        try:
            token = mailgun.verified_token(key, fields, timezone.now())
        except mailgun.SignatureRejected as exc:
            return HttpResponse(str(exc), status=401)
    if not raw:
        return HttpResponse("no mail in the request", status=400)
    return _store(inbox, raw, _envelope_to(fields), token)


def _store(inbox: Inbox, raw: bytes, envelope_to: list[str] | None, token: str) -> HttpResponse:
    try:
        with transaction.atomic():  # a token is used up only with the mail it came with
            if token and not accept_webhook_token(inbox, token, timezone.now(), mailgun.WINDOW):
                return HttpResponse("replayed Mailgun token", status=401)
            stored = store_mail(inbox, raw, MailSource.HTTP, envelope_to=envelope_to)
    except TooLarge as exc:
        return HttpResponse(str(exc), status=413)
    return HttpResponse("stored" if stored.created else "duplicate", status=200)


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data post (the first of each name).

    Read with the stdlib MIME parser rather than Django's form parsing: the mail field is a
    plain form field, which Django caps at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default),
    far below a mail's size limit."""
    form = message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, bytes] = {}
    if form.is_multipart():
        for part in form.get_payload():
            if not isinstance(part, Message):
                continue
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str) and name not in fields:
                fields[name] = _content(part)
    return fields


def _mail_field(fields: dict[str, bytes]) -> bytes:
    return next((fields[name] for name in MAIL_FIELDS if name in fields), b"")


def _content(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _envelope_to(fields: dict[str, bytes]) -> list[str] | None:
    """SendGrid's "envelope" ({"to": [...], "from": ...}), else Mailgun's "recipient"."""
    if "envelope" in fields:
        try:
            envelope = json.loads(fields["envelope"])
        except ValueError:
            return None
        to = envelope.get("to") if isinstance(envelope, dict) else None
        return [str(address).lower() for address in to] if isinstance(to, list) else None
    if "recipient" in fields:
        text = fields["recipient"].decode("utf-8", "replace")
        return [address.strip().lower() for address in text.split(",") if address.strip()]
    return None
