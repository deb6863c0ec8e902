"""Agent replies with files through Twilio (MMS): each file is a `MediaUrl` Javob serves at a
signed, expiring public URL; limits checked before anything is queued; Twilio's refusals of
an MMS mapped to final failures with its own text. The generic gateway sends no files."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import Cast
from javob.connectors.registry import connector_for
from javob.connectors.sms.tests.conftest import (
    PUBLIC_URL,
    add_eskiz_inbox,
    add_twilio_inbox,
    post_twilio,
)
from javob.connectors.sms.tests.fakes import FakeGateway, FakeTwilio, payload
from javob.connectors.sms.tests.test_gateway import customer_conversation
from javob.conversations.actions import store_attachment
from javob.conversations.models import Attachment, Conversation, Inbox, Message
from javob.core.errors import ActionError
from javob.web.actions import check_post_message

pytestmark = pytest.mark.django_db
US_CUSTOMER = "+12125550187"
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MEDIA_PREFIX = f"{PUBLIC_URL}/hooks/sms/media/"


def conversation_from(inbox: Inbox, number: str, on_commit_client: Any) -> Conversation:
    params = {**payload("twilio/inbound_sms"), "From": number}
    on_commit_client(lambda c: post_twilio(c, inbox, params))
    return Conversation.objects.get(inbox=inbox)


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def post(
    cast: Cast, conversation: Conversation, on_commit_client: Any, text: str, *files: Any
) -> Message:
    message: Message = on_commit_client(
        lambda c: check_post_message(cast.alice, conversation.pk, text, note=False, files=files)
    )
    message.refresh_from_db()
    return message


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_files_go_as_media_urls_that_serve_the_exact_bytes(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, client: Client, on_commit_client: Any
) -> None:
    # given a conversation with a US customer
    conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
    # when the agent replies with a photo and a PDF
    message = post(
        cast,
        conversation,
        on_commit_client,
        "Here is the receipt",
        upload("photo of box.jpg", JPEG, "image/jpeg"),
        upload("chek-1042.pdf", PDF, "application/pdf"),
    )
    # then Twilio got one message with both files as MediaUrl, in order
    assert message.delivery_status == "sent"
    assert twilio.sent[0]["To"] == US_CUSTOMER
    assert twilio.sent[0]["Body"] == "Here is the receipt"
    [urls] = twilio.sent_media
    assert len(urls) == 2
    assert all(url.startswith(MEDIA_PREFIX) for url in urls)
    # and each URL, fetched without any session, answers the file's exact bytes and type
    photo = client.get(path_of(urls[0]))
    assert (photo.status_code, photo.content, photo["Content-Type"]) == (200, JPEG, "image/jpeg")
    assert photo["Content-Disposition"] == 'inline; filename="photo_of_box.jpg"'
    assert photo["Content-Length"] == str(len(JPEG))
    assert photo["X-Content-Type-Options"] == "nosniff"
    pdf = client.get(path_of(urls[1]))
    assert (pdf.status_code, pdf.content, pdf["Content-Type"]) == (200, PDF, "application/pdf")
    assert pdf["Content-Disposition"] == 'inline; filename="chek-1042.pdf"'
    # and Twilio's HEAD (to read the Content-Type) gets the headers without the body
    head = client.head(path_of(urls[1]))
    assert (head.status_code, head.content, head["Content-Length"]) == (200, b"", str(len(PDF)))


def test_a_media_url_expires(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, client: Client, on_commit_client: Any
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
        post(cast, conversation, on_commit_client, "Photo", upload("a.png", JPEG, "image/png"))
        [[url]] = twilio.sent_media
        traveller.move_to(T0 + dt.timedelta(hours=4) - dt.timedelta(seconds=1))
        assert client.get(path_of(url)).status_code == 200
        traveller.move_to(T0 + dt.timedelta(hours=4, seconds=1))
        assert client.get(path_of(url)).status_code == 404


def test_the_inbox_may_shorten_the_lifetime_of_media_urls(
    cast: Cast, twilio: FakeTwilio, client: Client, on_commit_client: Any
) -> None:
    inbox = add_twilio_inbox(cast, twilio, media_url_max_age="600")
    with time_machine.travel(T0, tick=False) as traveller:
        conversation = conversation_from(inbox, US_CUSTOMER, on_commit_client)
        post(cast, conversation, on_commit_client, "Photo", upload("a.png", JPEG, "image/png"))
        [[url]] = twilio.sent_media
        traveller.move_to(T0 + dt.timedelta(seconds=599))
        assert client.get(path_of(url)).status_code == 200
        traveller.move_to(T0 + dt.timedelta(seconds=601))
        assert client.get(path_of(url)).status_code == 404


def test_a_wrong_or_altered_token_is_404(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, client: Client, on_commit_client: Any
) -> None:
    conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
    post(cast, conversation, on_commit_client, "Photo", upload("a.png", JPEG, "image/png"))
    [[url]] = twilio.sent_media
    token = url.removeprefix(MEDIA_PREFIX)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/hooks/sms/media/{altered}").status_code == 404
    assert client.get("/hooks/sms/media/not-a-token").status_code == 404
    assert client.post(path_of(url)).status_code == 405


def test_a_token_serves_only_outgoing_files_of_that_sms_inbox(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, client: Client, on_commit_client: Any
) -> None:
    # given a file the customer sent (incoming), signed as if it were ours
    from django.core import signing

    from javob.connectors.sms.media import SALT

    conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
    incoming = Message.objects.get(conversation=conversation)
    store_attachment(incoming, "private.jpg", "image/jpeg", JPEG)
    attachment = Attachment.objects.get(message=incoming)
    token = signing.dumps({"i": tw_inbox.pk, "a": attachment.pk}, salt=SALT)
    assert client.get(f"/hooks/sms/media/{token}").status_code == 404
    # and a token signed for another purpose does not open a file either
    other = signing.dumps({"i": tw_inbox.pk, "a": attachment.pk})
    assert client.get(f"/hooks/sms/media/{other}").status_code == 404


@pytest.mark.parametrize(
    ("number", "files", "error"),
    [
        (
            "+998901234567",
            [("a.jpg", JPEG, "image/jpeg")],
            "Files go by MMS, which reaches only numbers starting with +1; "
            "send a link to the file instead.",
        ),
        (US_CUSTOMER, [(f"{n}.jpg", JPEG, "image/jpeg") for n in range(11)], None),
        (
            US_CUSTOMER,
            [("big.jpg", b"x" * (3 * 1024 * 1024), "image/jpeg")] * 2,
            "The files of an MMS may be at most 5 MB in all.",
        ),
        (
            US_CUSTOMER,
            [("page.html", b"<html></html>", "text/html")],
            "page.html cannot be sent by MMS (type text/html); send a link instead.",
        ),
    ],
    ids=["not-us-or-canada", "eleven-files", "over-5-mb", "html"],
)
def test_files_twilio_would_refuse_are_refused_before_queueing(
    cast: Cast,
    tw_inbox: Inbox,
    twilio: FakeTwilio,
    on_commit_client: Any,
    number: str,
    files: list[tuple[str, bytes, str]],
    error: str | None,
) -> None:
    conversation = conversation_from(tw_inbox, number, on_commit_client)
    uploads = [upload(*item) for item in files]
    with pytest.raises(ActionError) as refused:
        on_commit_client(
            lambda c: check_post_message(
                cast.alice, conversation.pk, "Files", note=False, files=uploads
            )
        )
    # the web layer's own limit (10 files) speaks first for eleven files
    assert refused.value.message == (error or "Attach at most 10 files.")
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert Attachment.objects.count() == 0
    assert twilio.sent == []


def test_the_connector_checks_eleven_files_itself(tw_inbox: Inbox, twilio: FakeTwilio) -> None:
    from javob.connectors.base import OutgoingFile
    from javob.connectors.sms.media import check_files

    with pytest.raises(ActionError) as refused:
        check_files(tw_inbox, US_CUSTOMER, [OutgoingFile("a.jpg", "image/jpeg", 10)] * 11)
    assert refused.value.message == "An MMS carries at most 10 files."


def test_the_composer_says_what_mms_allows(
    tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
    assert connector_for(tw_inbox).reply_notes(conversation) == [
        "Files go by MMS: at most 10 files, 5 MB in all, to numbers starting with +1."
    ]


def test_twilio_refusing_the_mms_destination_fails_the_reply_for_good(
    cast: Cast, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    # given an inbox told that +998 numbers take MMS, while Twilio's account reaches only +1
    inbox = add_twilio_inbox(cast, twilio, mms_prefixes="+1,+998")
    conversation = conversation_from(inbox, "+998901234567", on_commit_client)
    message = post(
        cast, conversation, on_commit_client, "Rasm", upload("a.jpg", JPEG, "image/jpeg")
    )
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "Twilio 21612: The 'To' phone number: +998901234567, is not currently reachable using "
        "the 'From' phone number: +14155552671 via MMS.",
    )
    assert len(twilio.sent) == 1  # not retried


def test_a_handset_without_mms_is_reported_by_the_status_callback(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, client: Client, on_commit_client: Any
) -> None:
    conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
    message = post(
        cast, conversation, on_commit_client, "Photo", upload("a.png", JPEG, "image/png")
    )
    status = {
        **payload("twilio/status_undelivered", sid=str(message.external_id)),
        "ErrorCode": "30011",
        "To": US_CUSTOMER,
    }
    on_commit_client(lambda c: post_twilio(c, tw_inbox, status))
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "Twilio 30011: The handset does not take MMS, or has MMS switched off.",
    )


def test_the_gateway_says_it_sends_no_files_and_refuses_them_before_queueing(
    cast: Cast, gateway: FakeGateway
) -> None:
    inbox = add_eskiz_inbox(cast, gateway)
    conversation = customer_conversation(inbox)
    sentence = "This SMS gateway sends text only: a reply cannot carry files; send a link instead."
    connector = connector_for(inbox)
    assert connector.limits() == [sentence]
    assert connector.reply_notes(conversation) == [sentence]
    with pytest.raises(ActionError) as refused:
        check_post_message(
            cast.alice, conversation.pk, "Chek", note=False, files=[upload("a.pdf", PDF, "a/b")]
        )
    assert refused.value.message == sentence
    assert Message.objects.filter(conversation=conversation).count() == 1  # the customer's
    assert Attachment.objects.count() == 0
    assert gateway.server is not None
    assert [r for r in gateway.server.requests if "/send" in r.path] == []


def test_the_composer_of_a_gateway_conversation_shows_and_enforces_it(
    cast: Cast, gateway: FakeGateway
) -> None:
    from javob.web.tests.conftest import browser

    inbox = add_eskiz_inbox(cast, gateway)
    conversation = customer_conversation(inbox)
    alice = browser(cast.alice)
    sentence = "This SMS gateway sends text only: a reply cannot carry files; send a link instead."
    assert sentence in alice.get(f"/conversations/{conversation.pk}/").content.decode()
    answer = alice.post(
        f"/conversations/{conversation.pk}/message",
        {"text": "Chek", "mode": "reply", "files": upload("chek.pdf", PDF, "application/pdf")},
        follow=True,
    )
    assert f'<p class="msg error">{sentence}</p>' in answer.content.decode()
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert Attachment.objects.count() == 0


def test_a_reply_of_only_a_photo_sends_no_body(
    cast: Cast, tw_inbox: Inbox, twilio: FakeTwilio, on_commit_client: Any
) -> None:
    conversation = conversation_from(tw_inbox, US_CUSTOMER, on_commit_client)
    message = post(cast, conversation, on_commit_client, "", upload("box.jpg", JPEG, "image/jpeg"))
    assert message.delivery_status == "sent"
    assert "Body" not in twilio.sent[0]
    assert [len(urls) for urls in twilio.sent_media] == [1]
