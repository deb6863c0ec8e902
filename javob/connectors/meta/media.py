"""Fetching the files of Meta messages after the message is stored.

A webhook names media by id (WhatsApp) or by a CDN URL (Messenger, Instagram); the bytes are
fetched by a task through the safe HTTP client, so receiving never waits on a download. Until
then the message shows a placeholder; a failed download is retried with backoff and, after the
last attempt, stays marked failed with the reason.

Each pending file is an item of `message.metadata["media"]`:
`{"id" | "url", "mime_type", "filename", "kind", "status": "pending" | "done" | "failed"}`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from django.tasks import task
from django.utils import timezone

from javob.connectors.base import DeliveryError
from javob.connectors.meta.actions import do_mark_media_failed, do_store_media, media_items
from javob.connectors.registry import UnknownChannel, connector_for
from javob.conversations.delivery import backoff_seconds
from javob.conversations.models import Message

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
MEDIA_KINDS = ("whatsapp", "messenger", "instagram")


class FetchedMedia(Protocol):
    filename: str
    content_type: str
    content: bytes


class MediaSource(Protocol):
    def fetch_media(self, item: dict[str, object]) -> FetchedMedia: ...


def queue_downloads(message_id: int) -> None:
    """after_receive step: start the download of a new message's files, if it has any."""
    message = Message.objects.filter(pk=message_id).select_related("inbox").first()
    if message is None or message.inbox.kind not in MEDIA_KINDS:
        return
    if any(item.get("status") == "pending" for item in media_items(message)):
        download_media.enqueue(message_id)


@task()
def download_media(message_id: int) -> str:
    """Download every pending file of one message. Idempotent: finished items are skipped."""
    message = Message.objects.filter(pk=message_id).select_related("inbox").first()
    if message is None:
        return "gone"
    try:
        source: MediaSource = connector_for(message.inbox)  # type: ignore[assignment]
    except UnknownChannel:
        return "no connector"
    retry = False
    for index, item in enumerate(media_items(message)):
        if item.get("status") != "pending":
            continue
        retry |= _download_one(source, message_id, index, item)
    if retry:
        _schedule_retry(message_id, message)
        return "retry"
    return "done"


def _download_one(
    source: MediaSource, message_id: int, index: int, item: dict[str, object]
) -> bool:
    """Fetch one item; True if it failed transiently and should be tried again."""
    attempts = int(str(item.get("attempts", 0))) + 1
    try:
        fetched = source.fetch_media(item)
    except DeliveryError as exc:
        final = exc.permanent or attempts >= MAX_ATTEMPTS
        logger.info("Media %s of message %s failed: %s", index, message_id, exc.reason)
        do_mark_media_failed(message_id, index, exc.reason[:500], final=final)
        return not final
    do_store_media(message_id, index, fetched.filename, fetched.content_type, fetched.content)
    return False


def _schedule_retry(message_id: int, message: Message) -> None:
    backend = download_media.get_backend()
    attempts = max(int(str(item.get("attempts", 1))) for item in media_items(message)) + 1
    due = timezone.now() + dt.timedelta(seconds=backoff_seconds(attempts))
    if backend.supports_defer:
        download_media.using(run_after=due).enqueue(message_id)
    # Without deferred tasks, `retry_pending_media` from the scheduler picks it up.


def pending_media_messages(limit: int = 200) -> list[int]:
    """Recent messages with files still pending (a lost task, or an engine without deferred
    tasks): for a scheduler sweep that hands them to `download_media`."""
    since = timezone.now() - dt.timedelta(days=2)
    candidates = (
        Message.objects.filter(
            created_at__gte=since, inbox__kind__in=MEDIA_KINDS, metadata__has_key="media"
        )
        .order_by("created_at")
        .only("pk", "metadata")
    )
    pending = [
        message.pk
        for message in candidates.iterator()
        if any(item.get("status") == "pending" for item in media_items(message))
    ]
    return pending[:limit]
