"""Messenger webhooks: messages of every kind, echoes, reactions, unsends, comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.meta.actions import MESSAGE_UNSENT
from javob.connectors.meta.tests.graphserver import graph_server, meta_signature
from javob.connectors.meta.tests.support import PSID, meta_inbox, payload
from javob.connectors.models import InboundPayload
from javob.connectors.whatsapp.tests.support import post_hook
from javob.contacts.models import Contact
from javob.conversations.models import Attachment, Conversation, Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _post(
    client: Client, inbox: Any, *names: str, on_commit: Callable[..., Any], **replace: str
) -> None:
    with on_commit():
        for name in names:
            assert post_hook(client, inbox, payload(name, **replace)).status_code == 200


@pytest.mark.parametrize("kind", ["messenger", "instagram"])
def test_handshake_and_signature_like_whatsapp(cast: Cast, client: Client, kind: str) -> None:
    inbox = meta_inbox(cast.a, kind)
    good = {"hub.mode": "subscribe", "hub.verify_token": "verify-me-42", "hub.challenge": "8812"}
    assert client.get(f"/hooks/{kind}/{inbox.pk}", good).content == b"8812"
    wrong = {**good, "hub.verify_token": "nope"}
    assert client.get(f"/hooks/{kind}/{inbox.pk}", wrong).status_code == 400
    body = payload("messenger__text")
    response = client.post(
        f"/hooks/{kind}/{inbox.pk}",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature("not-the-secret", body)},
    )
    assert response.status_code == 401
    assert (InboundPayload.objects.count(), Message.objects.count()) == (0, 0)


def test_text_message_makes_a_contact_with_the_page_scoped_id(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(client, inbox, "messenger__text", "messenger__text", on_commit=on_commit)
    message = Message.objects.select_related("conversation").get()
    assert list(Contact.objects.get().identities.values_list("kind", "value")) == [
        ("messenger", PSID)
    ]
    assert (message.text, message.external_id, message.conversation.thread_key) == (
        "Salom, yetkazib berish bormi?",
        "m_text1",
        "",
    )
    assert message.metadata == {"type": "message", "sent_at": "2025-11-23T12:13:20.123000+00:00"}
    assert InboundPayload.objects.count() == 1


def test_quick_reply_and_postback_keep_their_payloads(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(client, inbox, "messenger__quick_reply", "messenger__postback", on_commit=on_commit)
    rows = [(m.external_id, m.text, m.metadata) for m in Message.objects.order_by("pk")]
    assert rows == [
        (
            "m_qr1",
            "Toshkent",
            {
                "type": "message",
                "quick_reply": "CITY_TASHKENT",
                "sent_at": "2025-11-23T12:13:21+00:00",
            },
        ),
        (
            "m_pb1",
            "Boshlash",
            {
                "type": "postback",
                "postback": {"payload": "GET_STARTED"},
                "sent_at": "2025-11-23T12:13:23+00:00",
            },
        ),
    ]


def test_attachments_are_fetched_from_the_cdn_without_the_token(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        graph.media["photo.jpg"] = (b"jpeg", "image/jpeg")
        graph.media["invoice.pdf"] = (b"%PDF", "application/pdf")
        inbox = meta_inbox(cast.a, graph_url=graph.base)
        cdn = graph.server.url + "cdn"
        # the CDN answers without a token: the fake only checks it on Graph paths
        graph.fail("/cdn/photo.jpg", _cdn_reply(b"jpeg", "image/jpeg"))
        graph.fail("/cdn/invoice.pdf", _cdn_reply(b"%PDF", "application/pdf"))
        _post(client, inbox, "messenger__attachments", on_commit=on_commit, cdn=cdn)
    message = Message.objects.get()
    assert message.text == "[Image]\n[File]\n📍 41.31, 69.24\nQizil ko'ylak"
    assert list(
        Attachment.objects.order_by("pk").values_list("filename", "content_type", "size")
    ) == [
        ("photo.jpg", "image/jpeg", 4),
        ("invoice.pdf", "application/pdf", 4),
    ]
    assert [r.headers.get("authorization") for r in graph.requests] == [None, None]
    assert message.metadata["location"] == {"lat": 41.31, "long": 69.24}
    assert message.metadata["shares"] == [
        {"type": "fallback", "url": "https://shop.example.uz/p/1", "title": "Qizil ko'ylak"}
    ]
    assert [item["status"] for item in message.metadata["media"]] == ["done", "done"]


def _cdn_reply(content: bytes, content_type: str) -> Any:
    from javob.core.tests.httpserver import Reply

    return Reply(200, content, {"Content-Type": content_type})


def test_echoes_of_our_own_sends_are_ignored(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(client, inbox, "messenger__echo", on_commit=on_commit)
    assert (Message.objects.count(), InboundPayload.objects.get().error) == (0, "")


def test_reply_and_reaction_point_at_the_message(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(
        client,
        inbox,
        "messenger__text",
        "messenger__reply",
        "messenger__reaction",
        on_commit=on_commit,
    )
    first, reply, reaction = Message.objects.order_by("pk")
    assert (reply.text, reply.reply_to_id) == ("Rahmat!", first.pk)
    assert (reaction.text, reaction.reply_to_id, reaction.external_id) == (
        "❤",
        first.pk,
        f"reaction:m_text1:{PSID}:1763900006000",
    )
    assert reaction.metadata["reaction"] == {"emoji": "❤", "message_id": "m_text1", "name": "love"}


def test_unsend_removes_the_content_and_leaves_a_trace(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(client, inbox, "messenger__text", on_commit=on_commit)
    # when the customer unsends it, twice (Meta retries)
    _post(client, inbox, "messenger__unsend", on_commit=on_commit)
    _post(client, inbox, "messenger__unsend", on_commit=on_commit)
    message = Message.objects.get()
    assert (message.text, message.html) == ("", "")
    assert message.metadata == {
        "type": "message",
        "sent_at": "2025-11-23T12:13:20.123000+00:00",
        "unsent": True,
        "unsent_at": "2025-11-23T12:13:27+00:00",
    }
    trace = Event.objects.filter(kind=MESSAGE_UNSENT)
    assert list(trace.values_list("message_id", "actor_type")) == [(message.pk, "contact")]


def test_unsend_deletes_downloaded_files(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, graph_url=graph.base)
        graph.fail("/cdn/photo.jpg", _cdn_reply(b"jpeg", "image/jpeg"))
        graph.fail("/cdn/invoice.pdf", _cdn_reply(b"%PDF", "application/pdf"))
        _post(
            client,
            inbox,
            "messenger__attachments",
            on_commit=on_commit,
            cdn=graph.server.url + "cdn",
        )
    stored = [str(a.file.name) for a in Attachment.objects.all()]
    storage = Attachment.objects.first().file.storage  # type: ignore[union-attr]
    unsend = payload("messenger__unsend").replace(b'"m_text1"', b'"m_att1"')
    with on_commit():
        post_hook(client, inbox, unsend)
    message = Message.objects.get()
    assert (Attachment.objects.count(), message.text, "media" in message.metadata) == (0, "", False)
    assert [storage.exists(name) for name in stored] == [False, False]


def test_a_page_comment_opens_a_public_conversation_per_post_and_author(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(
        client,
        inbox,
        "messenger__feed_comment",
        "messenger__feed_own_comment",
        "messenger__feed_like",
        on_commit=on_commit,
    )
    message = Message.objects.select_related("conversation__contact").get()
    assert (message.text, message.external_id, message.conversation.thread_key) == (
        "Narxi qancha?",
        "555_9001",
        "comment:PAGE-1_555:7001",
    )
    assert message.conversation.contact.name == "Aziz Karimov"
    assert message.metadata == {
        "type": "comment",
        "public": True,
        "comment_id": "555_9001",
        "post_id": "PAGE-1_555",
        "permalink": "https://www.facebook.com/PAGE/posts/pfbid01",
        "sent_at": "2025-11-23T12:13:30+00:00",
    }


def test_a_comment_and_a_direct_message_of_one_person_stay_apart(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    comment = payload("messenger__feed_comment").replace(b'"7001"', b'"' + PSID.encode() + b'"')
    with on_commit():
        post_hook(client, inbox, comment)
        post_hook(client, inbox, payload("messenger__text"))
    assert sorted(Conversation.objects.values_list("thread_key", flat=True)) == [
        "",
        f"comment:PAGE-1_555:{PSID}",
    ]
    assert Contact.objects.count() == 1


def test_a_removed_comment_is_unsent(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(
        client,
        inbox,
        "messenger__feed_comment",
        "messenger__feed_comment_removed",
        on_commit=on_commit,
    )
    message = Message.objects.get()
    assert (message.text, message.metadata["unsent"]) == ("", True)


def test_events_for_another_page_are_skipped_and_batches_are_whole(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    _post(client, inbox, "messenger__other_page", "messenger__batch", on_commit=on_commit)
    rows = list(Message.objects.order_by("pk").values_list("external_id", "text"))
    assert rows == [("m_b1", "Birinchi"), ("m_b2", "Второе"), ("m_b3", "Uchinchi")]
    assert Conversation.objects.count() == 2
