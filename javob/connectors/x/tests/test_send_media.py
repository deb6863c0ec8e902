"""Replies to X with a file: the chunked media upload (initialize, append, finalize, STATUS
while X processes a video), then the direct message or post carrying the media id; one file per
reply, refused before queueing otherwise; X's refusals mapped with its own words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import Cast
from javob.connectors.registry import connector_for
from javob.connectors.x import media
from javob.connectors.x.tests.conftest import DM_PATH, add_x_inbox, conversation_of
from javob.connectors.x.tests.fake_x import FakeX, problem, rate_limited
from javob.conversations.models import Attachment, Conversation, Inbox, Message
from javob.core.errors import ActionError
from javob.web.actions import check_post_message

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
MB = 1024 * 1024


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The STATUS polling's waits, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(media, "sleep", slept.append)
    return slept


def post(
    cast: Cast, conversation: Conversation, on_commit: Any, text: str, *files: SimpleUploadedFile
) -> Message:
    with on_commit():
        message = check_post_message(cast.alice, conversation.pk, text, note=False, files=files)
    message.refresh_from_db()
    return message


def media_calls(xapi: FakeX) -> list[tuple[str, str, Any]]:
    return [(c.method, c.path, c.body) for c in xapi.calls_to(r"/2/media/upload.*")]


def test_a_photo_is_uploaded_then_sent_with_the_direct_message(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any, waits: list[float]
) -> None:
    message = post(
        cast, dm, on_commit, "Mana chek", SimpleUploadedFile("chek.png", PNG, "image/png")
    )
    media_id = "1860000000000000002"
    assert media_calls(xapi) == [
        (
            "POST",
            "/2/media/upload/initialize",
            {"media_type": "image/png", "total_bytes": len(PNG), "media_category": "dm_image"},
        ),
        ("POST", f"/2/media/upload/{media_id}/append", {"segment_index": "0", "media": PNG}),
        ("POST", f"/2/media/upload/{media_id}/finalize", None),
    ]
    [call] = xapi.calls_to(DM_PATH)
    assert call.body == {"text": "Mana chek", "attachments": [{"media_id": media_id}]}
    assert all(c.auth == "oauth1" for c in xapi.calls)
    assert (message.delivery_status, message.external_id) == ("sent", "1860000000000000003")
    assert xapi.uploads[media_id].content == PNG
    assert waits == []  # an image needs no processing


def test_a_video_goes_in_5_mb_or_smaller_chunks_and_waits_for_processing(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any, waits: list[float]
) -> None:
    video = bytes(range(256)) * (9 * MB // 256) + b"tail"
    message = post(cast, dm, on_commit, "Video", SimpleUploadedFile("v.mp4", video, "video/mp4"))
    media_id = "1860000000000000002"
    calls = media_calls(xapi)
    assert calls[0][2] == {
        "media_type": "video/mp4",
        "total_bytes": len(video),
        "media_category": "dm_video",
    }
    appends = [body for method, path, body in calls if path.endswith("/append")]
    assert [(a["segment_index"], len(a["media"])) for a in appends] == [
        ("0", 4 * MB),
        ("1", 4 * MB),
        ("2", len(video) - 8 * MB),
    ]
    assert xapi.uploads[media_id].content == video
    # FINALIZE said pending (check after 1 s), the first STATUS in_progress (2 s), then done
    assert [path for _m, path, _b in calls[-3:]] == [
        f"/2/media/upload/{media_id}/finalize",
        "/2/media/upload",
        "/2/media/upload",
    ]
    assert [c.path for c in xapi.calls if c.method == "GET"] == ["/2/media/upload"] * 2
    assert waits == [1.0, 2.0]
    [call] = xapi.calls_to(DM_PATH)
    assert call.body == {"text": "Video", "attachments": [{"media_id": media_id}]}
    assert message.delivery_status == "sent"


def test_failed_processing_fails_the_reply_with_xs_words(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any, waits: list[float]
) -> None:
    xapi.processing_fails.add("1860000000000000002")
    message = post(
        cast, dm, on_commit, "Video", SimpleUploadedFile("v.mp4", b"0" * 100, "video/mp4")
    )
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "X could not process the file: Unsupported video format",
    )
    assert xapi.calls_to(DM_PATH) == []


def test_a_public_reply_carries_the_file_as_post_media(
    cast: Cast, public: Conversation, xapi: FakeX, on_commit: Any, waits: list[float]
) -> None:
    message = post(
        cast, public, on_commit, "@dilnoza_r Here", SimpleUploadedFile("a.gif", PNG, "image/gif")
    )
    assert media_calls(xapi)[0][2] == {
        "media_type": "image/gif",
        "total_bytes": len(PNG),
        "media_category": "tweet_gif",
    }
    [call] = xapi.calls_to(r"/2/tweets")
    assert call.body["media"] == {"media_ids": ["1860000000000000002"]}
    assert call.body["text"] == "@dilnoza_r Here"
    assert message.delivery_status == "sent"


@pytest.mark.parametrize(
    ("files", "error"),
    [
        (
            [("a.png", PNG, "image/png"), ("b.png", PNG, "image/png")],
            "X takes one file per message; send each file in its own reply.",
        ),
        (
            [("a.pdf", b"%PDF-1.4", "application/pdf")],
            "X takes photos (JPEG, PNG, WebP), GIFs and MP4 or MOV videos; a.pdf is "
            "application/pdf. Send it by link.",
        ),
        (
            [("big.jpg", b"x" * (5 * MB + 1), "image/jpeg")],
            "big.jpg is larger than the 5 MB X takes for this kind of file.",
        ),
    ],
    ids=["two-files", "pdf", "image-over-5-mb"],
)
def test_files_x_would_refuse_are_refused_before_queueing(
    cast: Cast,
    dm: Conversation,
    xapi: FakeX,
    on_commit: Any,
    files: list[tuple[str, bytes, str]],
    error: str,
) -> None:
    uploads = [SimpleUploadedFile(*item) for item in files]
    with pytest.raises(ActionError) as refused, on_commit():
        check_post_message(cast.alice, dm.pk, "Files", note=False, files=uploads)
    assert refused.value.message == error
    assert Message.objects.filter(conversation=dm).count() == 1
    assert Attachment.objects.count() == 0
    assert xapi.calls == []


def test_a_403_on_upload_takes_media_away_and_says_so(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any, x_inbox: Inbox
) -> None:
    # given an access tier without the media upload endpoints
    xapi.forbidden.add("media")
    message = post(cast, dm, on_commit, "Rasm", SimpleUploadedFile("a.png", PNG, "image/png"))
    reason = (
        "The X account's access does not allow this: Client Forbidden: When authenticating "
        "requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter "
        "developer App that is attached to a Project. You can create a project via the "
        "developer portal."
    )
    assert (message.delivery_status, message.failure_reason) == ("failed", reason)
    assert xapi.calls_to(DM_PATH) == []
    # then the inbox lost `media` only: text replies still go, files are refused up front
    connector = connector_for(Inbox.objects.get(pk=x_inbox.pk))
    assert connector.limits() == [
        "Files cannot be sent with this X access; replies carry text only. X said: " + reason
    ]
    assert connector.reply_notes(dm) == [
        "Your X access does not allow sending files; send a link instead. " + reason
    ]
    with pytest.raises(ActionError) as refused:
        check_post_message(
            cast.alice, dm.pk, "Rasm", note=False, files=[SimpleUploadedFile("a.png", PNG)]
        )
    assert refused.value.message.startswith("Your X access does not allow sending files")
    assert post(cast, dm, on_commit, "Matn").delivery_status == "sent"


def test_an_inbox_whose_capabilities_leave_out_media_refuses_files(
    cast: Cast, xapi: FakeX, deliver: Any, on_commit: Any
) -> None:
    inbox = add_x_inbox(cast, xapi, capabilities="dms,send_dm")
    conversation = conversation_of(inbox, deliver, "dm_text")
    with pytest.raises(ActionError) as refused:
        check_post_message(
            cast.alice,
            conversation.pk,
            "Rasm",
            note=False,
            files=[SimpleUploadedFile("a.png", PNG, "image/png")],
        )
    assert refused.value.message == (
        "Your X access does not allow sending files; send a link instead."
    )


def test_a_rate_limited_upload_waits_for_the_reset(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        xapi.fail(rate_limited(int(T0.timestamp()) + 300))
        message = post(cast, dm, on_commit, "Rasm", SimpleUploadedFile("a.png", PNG, "image/png"))
    assert message.delivery_status == "queued"
    assert message.failure_reason.startswith("Rate limited by X: Too Many Requests")
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=300)


def test_an_upload_error_from_x_fails_the_reply_with_its_text(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    xapi.fail(problem(400, "Invalid Request", "media_type is not supported."))
    message = post(cast, dm, on_commit, "Rasm", SimpleUploadedFile("a.png", PNG, "image/png"))
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "Invalid Request: media_type is not supported.",
    )
    assert xapi.calls_to(DM_PATH) == []
