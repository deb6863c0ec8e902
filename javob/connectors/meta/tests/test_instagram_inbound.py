"""Instagram webhooks: direct messages, story replies and mentions, comments, unsends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.support import meta_inbox, payload
from javob.connectors.whatsapp.tests.support import post_hook
from javob.contacts.models import Contact
from javob.conversations.models import Attachment, Message

pytestmark = pytest.mark.django_db


def _post(client: Client, inbox: Any, *names: str, on_commit: Callable[..., Any]) -> None:
    with on_commit():
        for name in names:
            assert post_hook(client, inbox, payload(name)).status_code == 200


def test_the_sample_text_message(cast: Cast, client: Client, on_commit: Callable[..., Any]) -> None:
    # the samples name other account ids, so this inbox does not filter by account
    inbox = meta_inbox(cast.a, "instagram", account_id="")
    _post(client, inbox, "ig_message_create", on_commit=on_commit)
    message = Message.objects.get()
    assert (message.text, message.external_id) == (
        "This is the first message from the customer",
        "message-id-1",
    )
    assert message.metadata == {"type": "message", "sent_at": "2021-09-08T06:34:04+00:00"}
    assert list(Contact.objects.get().identities.values_list("kind", "value")) == [
        ("instagram", "sender-id-1")
    ]


def test_the_sample_shared_post_is_kept_as_a_link(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a, "instagram", account_id="")
    _post(client, inbox, "ig_message_attachment_share", on_commit=on_commit)
    message = Message.objects.get()
    assert message.text == "https://www.example.com/test.jpeg"
    assert message.metadata["shares"] == [
        {"type": "share", "url": "https://www.example.com/test.jpeg", "title": ""}
    ]
    assert Attachment.objects.count() == 0


def test_a_story_reply_keeps_the_story(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a, "instagram")
    _post(client, inbox, "instagram__story_reply", on_commit=on_commit)
    message = Message.objects.get()
    assert (message.text, message.metadata["story_reply"]) == (
        "Bu qayerda sotiladi?",
        {
            "id": "17900000000000001",
            "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1",
        },
    )


def test_a_story_mention_keeps_only_the_link_never_the_media(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a, "instagram")
    _post(client, inbox, "instagram__story_mention", on_commit=on_commit)
    message = Message.objects.get()
    assert (message.text, message.metadata["story_mention"], "media" in message.metadata) == (
        "[Mentioned you in their story]",
        {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=2"},
        False,
    )


def test_unsupported_message_is_a_placeholder(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a, "instagram")
    _post(client, inbox, "instagram__unsupported", on_commit=on_commit)
    assert Message.objects.get().text == "[Unsupported message]"


def test_unsend_of_a_story_reply(cast: Cast, client: Client, on_commit: Callable[..., Any]) -> None:
    inbox = meta_inbox(cast.a, "instagram")
    _post(client, inbox, "instagram__story_reply", "instagram__unsend", on_commit=on_commit)
    message = Message.objects.get()
    assert (message.text, message.metadata["unsent"]) == ("", True)


def test_a_comment_on_media_is_a_public_conversation(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a, "instagram")
    _post(client, inbox, "instagram__comment", on_commit=on_commit)
    message = Message.objects.select_related("conversation__contact").get()
    assert (message.text, message.conversation.thread_key, message.conversation.contact.name) == (
        "Narxi qancha? 😍",
        "comment:17887498072083520:IGSID-2",
        "dilnoza.uz",
    )
    assert message.metadata == {
        "type": "comment",
        "public": True,
        "comment_id": "17865799348089039",
        "post_id": "17887498072083520",
        "media_product_type": "FEED",
        "sent_at": "2025-11-23T12:14:34+00:00",
    }
