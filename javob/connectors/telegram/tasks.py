"""Downloading the media of a received Telegram message: getFile, then the file URL.

Bots may download files up to 20 MB. A failed download is counted on the message's
placeholder and retried with backoff (a deferred task) up to MAX_ATTEMPTS times; a permanent
failure (file too large, file gone) shows at once as failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors import health
from javob.connectors.telegram.api import TelegramError
from javob.connectors.telegram.connector import TelegramConnector
from javob.connectors.telegram.schemas import File
from javob.conversations.edits import fetch_pending_media, media_failed, store_media

logger = logging.getLogger(__name__)
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30.0


@task()
def fetch_media(message_id: int) -> str:
    """Download every pending file of one message. Idempotent: stored files are skipped."""
    return fetch_pending_media(message_id, TelegramConnector, _fetch_one, _schedule_retry)


def _fetch_one(connector: TelegramConnector, message_id: int, entry: dict[str, Any]) -> bool:
    """Store one file; False when a transient failure leaves it for another attempt."""
    key = str(entry["key"])
    try:
        content = download(connector, str(entry["file_id"]), entry.get("size"))
    except TelegramError as exc:
        health.record_error(connector.inbox, "download", exc.description)
        final = not exc.transient or int(entry.get("attempts", 0)) + 1 >= MAX_ATTEMPTS
        media_failed(message_id, key, exc.description, final=final)
        logger.info("Telegram media of message %s not fetched: %s", message_id, exc)
        return final
    health.record_ok(connector.inbox)
    store_media(message_id, key, str(entry["filename"]), str(entry["content_type"]), content)
    return True


def download(connector: TelegramConnector, file_id: str, size: Any) -> bytes:
    if isinstance(size, int) and size > MAX_DOWNLOAD_BYTES:
        raise _too_large()
    file = File.model_validate(connector.api.call("getFile", {"file_id": file_id}))
    if (file.file_size or 0) > MAX_DOWNLOAD_BYTES:
        raise _too_large()
    if not file.file_path:
        raise TelegramError(_("Telegram gave no path for this file."), transient=False)
    return connector.api.download(file.file_path, MAX_DOWNLOAD_BYTES)


def _too_large() -> TelegramError:
    return TelegramError(
        _("The file is larger than the 20 MB a bot may download."), transient=False
    )


def _schedule_retry(message_id: int, attempt: int) -> None:
    backend = fetch_media.get_backend()
    if backend.supports_defer:
        delay = RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1)
        due = timezone.now() + dt.timedelta(seconds=delay)
        fetch_media.using(run_after=due).enqueue(message_id)
