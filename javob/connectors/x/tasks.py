"""Downloading the media of a received X direct message.

X serves DM media only to requests signed in the account's context (OAuth 1.0a, or the
OAuth 2.0 user token), so an inbox without those credentials cannot fetch it: the placeholder
then shows as failed with that reason. A transient failure is counted on the placeholder and
retried with backoff (a deferred task) up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.connectors import health
from javob.connectors.x.api import XError
from javob.connectors.x.connector import XConnector
from javob.conversations.edits import fetch_pending_media, media_failed, store_media

logger = logging.getLogger(__name__)
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30.0


@task()
def fetch_media(message_id: int) -> str:
    """Download every pending file of one message. Idempotent: stored files are skipped."""
    return fetch_pending_media(message_id, XConnector, _fetch_one, _schedule_retry)


def _fetch_one(connector: XConnector, message_id: int, entry: dict[str, Any]) -> bool:
    """Store one file; False when a transient failure leaves it for another attempt."""
    key = str(entry.get("key", ""))
    try:
        if not connector.can_act:
            raise XError(
                _(
                    "Downloading X media needs the account's credentials "
                    "(OAuth 1.0a or `user_token`)."
                ),
                transient=False,
            )
        response = connector.api.user_download(str(entry.get("url", "")), MAX_DOWNLOAD_BYTES)
    except XError as exc:
        health.record_error(connector.inbox, "download", exc.reason)
        final = not exc.transient or int(entry.get("attempts", 0)) + 1 >= MAX_ATTEMPTS
        media_failed(message_id, key, exc.reason, final=final)
        logger.info("X media of message %s not fetched: %s", message_id, exc.reason)
        return final
    health.record_ok(connector.inbox)
    content_type = str(entry.get("content_type") or "application/octet-stream")
    store_media(message_id, key, str(entry.get("filename") or key), content_type, response.body)
    return True


def _schedule_retry(message_id: int, attempt: int) -> None:
    backend = fetch_media.get_backend()
    if backend.supports_defer:
        delay = RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1)
        due = timezone.now() + dt.timedelta(seconds=delay)
        fetch_media.using(run_after=due).enqueue(message_id)
