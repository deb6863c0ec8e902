"""Every WhatsApp message type becomes one stored message, with exact text and metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.graphserver import TOKEN, graph_error, graph_server
from javob.connectors.whatsapp.tests.support import payload, post_hook, whatsapp_inbox
from javob.contacts.models import Contact
from javob.conversations.models import Attachment, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _receive(client: Client, inbox: Any, name: str, on_commit: Callable[..., Any]) -> Message:
    with on_commit():
        assert post_hook(client, inbox, payload(name)).status_code == 200
    return Message.objects.select_related("conversation__contact").get()


def test_text_message_makes_contact_identities_and_message(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    message = _receive(client, inbox, "message__text", on_commit)
    contact = Contact.objects.get()
    assert contact.name == "Test Name"
    assert sorted(contact.identities.values_list("kind", "value")) == [
        ("phone", "+972987654321"),
        ("whatsapp", "+972987654321"),
    ]
    assert (message.direction, message.text, message.external_id, message.inbox_id) == (
        "incoming",
        "Body Text",
        "wamid.xyzxyz",
        inbox.pk,
    )
    assert message.metadata == {"type": "text", "sent_at": "2023-10-11T16:53:43+00:00"}


# name, text, metadata without sent_at
CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "message__current_location",
        "📍 12.25089, 43.90539",
        {
            "type": "location",
            "location": {"latitude": 12.25089, "longitude": 43.90539},
            "forwarded": True,
        },
    ),
    (
        "message__location_named",
        "📍 Chorsu bozori\nToshkent, Olmazor tumani\n41.311081, 69.240562\nhttps://maps.example.com/chorsu",
        {
            "type": "location",
            "location": {
                "latitude": 41.311081,
                "longitude": 69.240562,
                "name": "Chorsu bozori",
                "address": "Toshkent, Olmazor tumani",
                "url": "https://maps.example.com/chorsu",
            },
        },
    ),
    (
        "message__reaction",
        "😮",
        {"type": "reaction", "reaction": {"emoji": "😮", "message_id": "wamid.yzxyzx="}},
    ),
    (
        "message__reaction_removed",
        "[Reaction removed]",
        {"type": "reaction", "reaction": {"emoji": "", "message_id": "wamid.ours-1"}},
    ),
    (
        "message__interactive_button",
        "Ha, tasdiqlayman",
        {
            "type": "interactive",
            "interactive": {"type": "button_reply", "id": "order-yes", "title": "Ha, tasdiqlayman"},
        },
    ),
    (
        "message__interactive_list",
        "Ertaga\n09:00-13:00",
        {
            "type": "interactive",
            "interactive": {"type": "list_reply", "id": "delivery-tomorrow", "title": "Ertaga"},
        },
    ),
    (
        "message__flow_reply",
        "[Form reply]",
        {
            "type": "interactive",
            "interactive": {"type": "nfm_reply", "response": '{"rating": "5"}'},
        },
    ),
    (
        "message__button",
        "Stop promotions",
        {"type": "button", "button": {"payload": "STOP_PROMOS"}},
    ),
    (
        "message__system",
        "User A changed from +998901234567 to +998901112233",
        {
            "type": "system",
            "system": {
                "body": "User A changed from +998901234567 to +998901112233",
                "wa_id": "998901112233",
                "type": "user_changed_number",
            },
        },
    ),
    (
        "message__unsupported",
        "[Unsupported message: unsupported]",
        {
            "type": "unsupported",
            "errors": [
                "Message type unknown: Message type is currently not supported. (code 131051)"
            ],
            "raw": {"unsupported": None},
        },
    ),
    (
        "message__unknown_type",
        "[Unsupported message: hologram]",
        {"type": "hologram", "errors": [], "raw": {"hologram": {"id": "h1"}}},
    ),
]


@pytest.mark.parametrize(("name", "text", "metadata"), CASES, ids=[c[0] for c in CASES])
def test_each_message_type_is_stored_with_its_text_and_details(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    name: str,
    text: str,
    metadata: dict[str, Any],
) -> None:
    inbox = whatsapp_inbox(cast.a)
    message = _receive(client, inbox, name, on_commit)
    stored = dict(message.metadata)
    stored.pop("sent_at")
    assert (message.text, stored) == (text, metadata)


def test_contacts_message_lists_names_phones_and_emails(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    message = _receive(client, inbox, "message__contacts", on_commit)
    assert message.text == "👤 Aziz Karimov +998 90 765 43 21 aziz@example.uz"
    assert message.metadata["contacts"][0]["name"]["formatted_name"] == "Aziz Karimov"


def test_order_message_counts_its_items(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    message = _receive(client, inbox, "message__order", on_commit)
    assert message.text == "[Order: 2 items]"
    assert message.metadata["order"]["catalog_id"] == "cat-1"


def test_reply_context_links_the_replied_message(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # given an earlier message whose wamid the reply names
    inbox = whatsapp_inbox(cast.a)
    earlier = payload("message__text").replace(b'"wamid.xyzxyz"', b'"wamid.xyzxyz=="')
    with on_commit():
        post_hook(client, inbox, earlier)
        post_hook(client, inbox, payload("message__reply"))
    first, reply = Message.objects.order_by("pk")
    assert (reply.text, reply.reply_to_id, reply.references) == (
        "replied text",
        first.pk,
        ["wamid.xyzxyz=="],
    )
    assert reply.conversation_id == first.conversation_id


def test_reaction_replies_to_the_message_it_reacts_to(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    target = payload("message__text").replace(b'"wamid.xyzxyz"', b'"wamid.yzxyzx="')
    with on_commit():
        post_hook(client, inbox, target)
        post_hook(client, inbox, payload("message__reaction"))
    first, reaction = Message.objects.order_by("pk")
    assert (reaction.text, reaction.reply_to_id) == ("😮", first.pk)


def test_image_is_downloaded_through_the_graph_api_into_an_attachment(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        message = _receive(client, inbox, "message__image", on_commit)
    message.refresh_from_db()
    attachment = Attachment.objects.get()
    assert (
        attachment.message_id,
        attachment.filename,
        attachment.content_type,
        attachment.size,
    ) == (
        message.pk,
        "image-65463453.jpg",
        "image/jpeg",
        len(b"\xff\xd8\xff\xe0 jpeg bytes"),
    )
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"\xff\xd8\xff\xe0 jpeg bytes"
    assert message.text == "[Image]"
    assert message.metadata["media"] == [
        {
            "id": "65463453",
            "kind": "image",
            "mime_type": "image/jpeg",
            "filename": "",
            "sha256": "4654+8g=",
            "status": "done",
            "error": "",
        }
    ]
    assert [(r.method, r.path, r.headers["authorization"]) for r in graph.requests] == [
        ("GET", "/v21.0/65463453", f"Bearer {TOKEN}"),
        ("GET", "/cdn/65463453", f"Bearer {TOKEN}"),
    ]


def test_document_keeps_its_file_name_and_caption(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        graph.media["1234567890987654321"] = (b"%PDF-1.7", "application/pdf")
        inbox = whatsapp_inbox(cast.a, graph.base)
        message = _receive(client, inbox, "message__document", on_commit)
    attachment = Attachment.objects.get()
    assert (message.text, attachment.filename, attachment.content_type, attachment.size) == (
        "caption",
        "filename.pdf",
        "application/pdf",
        8,
    )


@pytest.mark.parametrize(
    ("name", "text", "kind", "mime"),
    [
        ("message__audio", "[Audio]", "audio", "audio/ogg; codecs=opus"),
        ("message__voice", "[Voice message]", "audio", "audio/ogg; codecs=opus"),
        ("message__video", "Qarang", "video", "video/mp4"),
        ("message__sticker", "[Sticker]", "sticker", "image/webp"),
    ],
)
def test_other_media_types_get_a_placeholder_and_are_fetched(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    name: str,
    text: str,
    kind: str,
    mime: str,
) -> None:
    with graph_server() as graph:
        for media_id in ("1234567890987654321", "771", "772", "773"):
            graph.media[media_id] = (b"media-bytes", mime)
        inbox = whatsapp_inbox(cast.a, graph.base)
        message = _receive(client, inbox, name, on_commit)
    message.refresh_from_db()
    attachment = Attachment.objects.get()
    assert (message.text, attachment.content_type, attachment.size) == (text, mime, 11)
    assert message.metadata["media"][0]["kind"] == kind
    assert message.metadata["media"][0]["status"] == "done"


def test_a_failed_download_keeps_the_placeholder_and_stays_pending_for_a_retry(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    from javob.connectors.meta.media import download_media, pending_media_messages

    with graph_server() as graph:
        graph.fail("/v21.0/65463453", graph_error(2, "Service temporarily unavailable", status=503))
        inbox = whatsapp_inbox(cast.a, graph.base)
        message = _receive(client, inbox, "message__image", on_commit)
        message.refresh_from_db()
        # then the message is there with its placeholder, the file pending after one attempt
        assert (message.text, Attachment.objects.count()) == ("[Image]", 0)
        item = message.metadata["media"][0]
        assert (item["status"], item["attempts"], item["error"]) == (
            "pending",
            1,
            "Service temporarily unavailable (code 2)",
        )
        assert pending_media_messages() == [message.pk]
        # when the retry runs (the scheduler's sweep or a deferred task)
        download_media.call(message.pk)
    message.refresh_from_db()
    assert message.metadata["media"][0]["status"] == "done"
    assert Attachment.objects.get().size == len(b"\xff\xd8\xff\xe0 jpeg bytes")
    assert pending_media_messages() == []


def test_media_meta_no_longer_has_is_marked_failed_for_good(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        del graph.media["65463453"]
        inbox = whatsapp_inbox(cast.a, graph.base)
        message = _receive(client, inbox, "message__image", on_commit)
    message.refresh_from_db()
    item = message.metadata["media"][0]
    assert (item["status"], item["attempts"]) == ("failed", 1)
    assert item["error"] == "Unsupported get request. (code 100)"
    assert (message.text, Attachment.objects.count()) == ("[Image]", 0)
