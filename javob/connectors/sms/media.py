"""Files of outgoing MMS: what Twilio takes, and the public URLs it fetches them from.

Twilio's Messages API does not take file bytes: each file is a `MediaUrl` that Twilio fetches
(a HEAD and a GET) when it accepts the message. Javob therefore serves each attachment of a
reply at `JAVOB_PUBLIC_URL/hooks/sms/media/<token>`: the token is signed with the install's
SECRET_KEY (django.core.signing, its own salt) over the inbox and attachment ids, carries its
time of issue, and is refused after `media_url_max_age` seconds (default four hours). A wrong,
altered or expired token, or one for a file that is gone, gets 404; no session is needed.

Limits, from Twilio's "Accepted content types for media": at most 10 files, 5 MB in all,
of the content types below; MMS reaches numbers in the US and Canada (`+1`), which the inbox
setting `mms_prefixes` may widen or narrow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from javob.connectors.base import OutgoingFile
from javob.conversations.models import Attachment, ChannelKind, Direction
from javob.core.errors import ActionError

if TYPE_CHECKING:
    from javob.conversations.models import Inbox

SALT = "javob.connectors.sms.media"
DEFAULT_MAX_AGE = 4 * 60 * 60
MAX_FILES = 10
MAX_TOTAL_BYTES = 5 * 1024 * 1024
DEFAULT_MMS_PREFIXES = ("+1",)
# Twilio's accepted MMS content types (images are resized for the handset; the rest pass as is).
MMS_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/gif",
        "image/png",
        "image/bmp",
        "image/tiff",
        "image/heic",
        "image/heif",
        "audio/basic",
        "audio/l24",
        "audio/mp4",
        "audio/mpeg",
        "audio/ogg",
        "audio/vnd.rn-realaudio",
        "audio/vnd.wave",
        "audio/3gpp",
        "audio/3gpp2",
        "audio/ac3",
        "audio/webm",
        "audio/amr-nb",
        "audio/amr",
        "audio/aac",
        "video/mpeg",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/3gpp",
        "video/3gpp2",
        "video/3gpp-tt",
        "video/h261",
        "video/h263",
        "video/h263-1998",
        "video/h263-2000",
        "video/h264",
        "text/vcard",
        "text/x-vcard",
        "text/csv",
        "text/rtf",
        "text/richtext",
        "text/calendar",
        "text/directory",
        "application/pdf",
        "application/vcard",
        "application/vnd.apple.pkpass",
    }
)


def mms_prefixes(inbox: Inbox) -> tuple[str, ...]:
    raw = str(inbox.settings.get("mms_prefixes") or "").strip()
    if not raw:
        return DEFAULT_MMS_PREFIXES
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def max_age(inbox: Inbox) -> int:
    raw = str(inbox.settings.get("media_url_max_age") or "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_AGE


def base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_files(inbox: Inbox, to: str, files: Sequence[OutgoingFile]) -> None:
    """Raise ActionError unless Twilio would take these files as an MMS to `to`."""
    if not files:
        return
    prefixes = mms_prefixes(inbox)
    if not to.startswith(prefixes):
        raise ActionError(
            _(
                "Files go by MMS, which reaches only numbers starting with %(prefixes)s; "
                "send a link to the file instead."
            )
            % {"prefixes": ", ".join(prefixes)},
            field="files",
        )
    if len(files) > MAX_FILES:
        raise ActionError(_("An MMS carries at most 10 files."), field="files")
    if sum(f.size for f in files) > MAX_TOTAL_BYTES:
        raise ActionError(_("The files of an MMS may be at most 5 MB in all."), field="files")
    for item in files:
        if base_type(item.content_type) not in MMS_TYPES:
            raise ActionError(
                _("%(name)s cannot be sent by MMS (type %(type)s); send a link instead.")
                % {"name": item.filename, "type": item.content_type},
                field="files",
            )


def media_url(inbox: Inbox, attachment: Attachment) -> str:
    """A public, unguessable URL Twilio can fetch this attachment from, until it expires."""
    token = signing.dumps({"i": inbox.pk, "a": attachment.pk}, salt=SALT)
    path = reverse("sms_media", kwargs={"token": token})
    return settings.JAVOB_PUBLIC_URL.rstrip("/") + path


def _attachment(token: str) -> Attachment:
    try:
        data = signing.loads(token, salt=SALT)
        inbox_id, attachment_id = int(data["i"]), int(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404 from None
    attachment = (
        Attachment.objects.select_related("message__inbox")
        .filter(
            pk=attachment_id,
            message__inbox_id=inbox_id,
            message__inbox__kind=ChannelKind.SMS,
            message__direction=Direction.OUTGOING,
        )
        .first()
    )
    if attachment is None:
        raise Http404
    try:  # the age is checked against the inbox's own setting
        signing.loads(token, salt=SALT, max_age=max_age(attachment.message.inbox))
    except signing.SignatureExpired:
        raise Http404 from None
    return attachment


@require_http_methods(["GET", "HEAD"])
def serve(request: HttpRequest, token: str) -> HttpResponse:
    """The file of an outgoing MMS, for Twilio: exact bytes, its type, a download name."""
    attachment = _attachment(token)
    with attachment.file.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(
        b"" if request.method == "HEAD" else content, content_type=attachment.content_type
    )
    response["Content-Length"] = str(len(content))
    response["Content-Disposition"] = f'inline; filename="{download_name(attachment.filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def download_name(filename: str) -> str:
    """Twilio asks for a short name without spaces or special characters (20 at most)."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    clean_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "file"
    clean_ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:5]
    room = 20 - (len(clean_ext) + 1 if clean_ext else 0)
    return clean_stem[:room] + (f".{clean_ext}" if clean_ext else "")
