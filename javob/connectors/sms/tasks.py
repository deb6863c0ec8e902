"""Downloading the files of an incoming MMS (Twilio's `MediaUrlN`) after the message is stored.

Each file is a placeholder in `message.metadata["media"]` (`key`, `url`, `content_type`,
`status`). A transient failure (connection, 429, 5xx) is retried with backoff up to
MAX_ATTEMPTS times; a 4xx or an oversized file shows as failed at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from typing import Any

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors import health
from javob.connectors.sms.connector import SmsConnector
from javob.conversations.delivery import backoff_seconds
from javob.conversations.edits import fetch_pending_media, media_failed, store_media
from javob.core.http import OutboundError

logger = logging.getLogger(__name__)
# Twilio accepts MMS up to 5 MB in all; leave room for several files of one message.
MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024
MAX_ATTEMPTS = 5


class MediaError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@task()
def fetch_media(message_id: int) -> str:
    """Download every pending file of one message. Idempotent: stored files are skipped."""
    return fetch_pending_media(message_id, SmsConnector, _fetch_one, _schedule_retry)


def _fetch_one(connector: SmsConnector, message_id: int, entry: dict[str, Any]) -> bool:
    """Store one file; False when a transient failure leaves it for another attempt."""
    key = str(entry["key"])
    try:
        content_type, content = _download(connector, str(entry["url"]))
    except MediaError as exc:
        health.record_error(connector.inbox, "download", exc.reason)
        final = exc.permanent or int(entry.get("attempts", 0)) + 1 >= MAX_ATTEMPTS
        media_failed(message_id, key, exc.reason, final=final)
        logger.info("SMS media of message %s not fetched: %s", message_id, exc.reason)
        return final
    health.record_ok(connector.inbox)
    content_type = str(entry.get("content_type") or content_type)
    store_media(message_id, key, _filename(entry, content_type), content_type, content)
    return True


def _download(connector: SmsConnector, url: str) -> tuple[str, bytes]:
    download = getattr(connector, "download", None)
    if download is None:
        raise MediaError(_("This SMS provider cannot download files."), permanent=True)
    try:
        response = download(url, MAX_DOWNLOAD_BYTES)
    except OutboundError as exc:
        return _raise(str(exc), permanent=False)
    if response.status != 200:
        reason = _("The provider answered HTTP %(status)d for the file.") % {
            "status": response.status
        }
        return _raise(reason, permanent=response.status < 500 and response.status != 429)
    content_type = response.headers.get("content-type") or "application/octet-stream"
    return content_type, response.body


def _raise(reason: str, *, permanent: bool) -> tuple[str, bytes]:
    raise MediaError(reason, permanent=permanent)


def _filename(entry: dict[str, Any], content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type.split(";", 1)[0].strip()) or ""
    return str(entry.get("filename") or f"mms-{entry['key'].replace(':', '-')}{extension}")


def _schedule_retry(message_id: int, attempt: int) -> None:
    backend = fetch_media.get_backend()
    if backend.supports_defer:
        due = timezone.now() + dt.timedelta(seconds=backoff_seconds(attempt))
        fetch_media.using(run_after=due).enqueue(message_id)
