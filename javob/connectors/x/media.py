"""Files in replies to X: which ones X takes, and the chunked upload that turns one into a
`media_id` a direct message or a post can carry.

X API v2 media upload, in the account's context:

1. `POST /2/media/upload/initialize` `{"media_type", "total_bytes", "media_category"}` ->
   `{"data": {"id", "media_key", "expires_after_secs"}}`;
2. `POST /2/media/upload/{id}/append`, multipart `segment_index` (0, 1, ...) and `media` (a
   chunk; Javob sends 4 MB chunks, X takes at most 5 MB);
3. `POST /2/media/upload/{id}/finalize` -> the media, with `processing_info` when X still has
   to process it (videos and GIFs);
4. while `processing_info.state` is `pending` or `in_progress`:
   `GET /2/media/upload?command=STATUS&media_id={id}` after `check_after_secs`, until
   `succeeded` or `failed` (with `error.message`).

The category follows the use (`dm_image`, `dm_gif`, `dm_video` for a direct message;
`tweet_image`, `tweet_gif`, `tweet_video` for a post) and sets X's limits: images 5 MB, GIFs
15 MB, videos 512 MB (a DM video of the default access).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors.base import OutgoingFile
from javob.connectors.x.api import XApi, XError
from javob.core.errors import ActionError
from javob.core.http import Upload

if TYPE_CHECKING:
    from javob.conversations.models import Attachment

MB = 1024 * 1024
CHUNK_BYTES = 4 * MB
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
VIDEO_TYPES = ("video/mp4", "video/quicktime")
LIMITS = {"image": 5 * MB, "gif": 15 * MB, "video": 512 * MB}
MAX_PROCESSING_SECONDS = 120.0
# Seams for the tests: how the upload waits between STATUS calls, and what time it is.
sleep: Callable[[float], None] = time.sleep
clock: Callable[[], float] = time.monotonic


def kind_of(content_type: str) -> str | None:
    """`image`, `gif` or `video`, or None for a type X does not take."""
    base = content_type.split(";", 1)[0].strip().lower()
    if base == "image/gif":
        return "gif"
    if base in IMAGE_TYPES:
        return "image"
    if base in VIDEO_TYPES:
        return "video"
    return None


def category(content_type: str, *, public: bool) -> str:
    kind = kind_of(content_type) or "image"
    return f"{'tweet' if public else 'dm'}_{kind}"


def check_files(files: list[OutgoingFile]) -> None:
    """Raise ActionError unless X would take these files with one reply."""
    if len(files) > 1:
        raise ActionError(
            _("X takes one file per message; send each file in its own reply."), field="files"
        )
    for item in files:
        kind = kind_of(item.content_type)
        if kind is None:
            raise ActionError(
                _(
                    "X takes photos (JPEG, PNG, WebP), GIFs and MP4 or MOV videos; "
                    "%(name)s is %(type)s. Send it by link."
                )
                % {"name": item.filename, "type": item.content_type},
                field="files",
            )
        if item.size > LIMITS[kind]:
            raise ActionError(
                _("%(name)s is larger than the %(limit)d MB X takes for this kind of file.")
                % {"name": item.filename, "limit": LIMITS[kind] // MB},
                field="files",
            )


def upload(api: XApi, attachment: Attachment, *, public: bool) -> str:
    """Upload one attachment in chunks; return its media id once X can use it."""
    with attachment.file.open("rb") as handle:
        content = handle.read()
    content_type = attachment.content_type.split(";", 1)[0].strip().lower()
    start = {
        "media_type": content_type,
        "total_bytes": len(content),
        "media_category": category(content_type, public=public),
    }
    media_id = _id(api.user_call("POST", "/2/media/upload/initialize", start))
    for index, offset in enumerate(range(0, len(content), CHUNK_BYTES)):
        piece = content[offset : offset + CHUNK_BYTES]
        chunk = Upload("media", attachment.filename, "application/octet-stream", piece)
        api.user_upload(f"/2/media/upload/{media_id}/append", {"segment_index": str(index)}, chunk)
    finished = _data(api.user_call("POST", f"/2/media/upload/{media_id}/finalize"))
    _wait(api, media_id, finished.get("processing_info"))
    return media_id


def _wait(api: XApi, media_id: str, info: Any) -> None:
    """Poll STATUS while X processes the media (videos, GIFs), as long as it asks to wait."""
    deadline = clock() + MAX_PROCESSING_SECONDS
    while isinstance(info, dict) and info.get("state") in ("pending", "in_progress"):
        if clock() >= deadline:
            raise XError(_("X is still processing the file; trying again later."), transient=True)
        sleep(min(max(float(info.get("check_after_secs") or 1), 1.0), 30.0))
        status = api.user_call("GET", f"/2/media/upload?command=STATUS&media_id={media_id}")
        info = _data(status).get("processing_info")
    if isinstance(info, dict) and info.get("state") == "failed":
        error = info.get("error")
        found = error if isinstance(error, dict) else {}
        text = str(found.get("message") or found.get("name") or "failed")
        raise XError(
            _("X could not process the file: %(reason)s") % {"reason": text}, transient=False
        )


def _data(answer: Any) -> dict[str, Any]:
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise XError(_("X answered without a `data` object."), transient=True)
    return data


def _id(answer: Any) -> str:
    media_id = _data(answer).get("id")
    if not media_id:
        raise XError(_("X started the upload but gave no media id."), transient=True)
    return str(media_id)
