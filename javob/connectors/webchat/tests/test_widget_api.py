"""The widget's HTTP API, called the way the widget calls it from a customer's site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from conftest import Cast
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.tests.support import SITE, Widget, add_webchat
from javob.connectors.webchat.tokens import identity_hash
from javob.contacts.models import ContactIdentity
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Attachment, Event, Message

pytestmark = pytest.mark.django_db


def test_a_foreign_site_is_refused_and_nothing_is_created(cast: Cast) -> None:
    inbox = add_webchat(cast.a)
    widget = Widget(inbox, origin="https://evil.example")

    response = widget.start()

    assert response.status_code == 403
    assert response.json() == {"detail": "This site may not use this chat.", "field": "origin"}
    # the refusal itself is readable there, so the widget can say why; nothing else is
    assert response["Access-Control-Allow-Origin"] == "https://evil.example"
    assert not Visitor.objects.exists()


def test_a_request_without_origin_is_refused(cast: Cast) -> None:
    inbox = add_webchat(cast.a)
    widget = Widget(inbox)
    widget.origin = ""

    assert widget.start().status_code == 403


def test_preflight_names_the_allowed_origin(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a))

    response = widget.client.options(
        f"/widget/{widget.public_id}/session", headers={"origin": SITE}
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert response["Access-Control-Allow-Headers"] == "Content-Type, X-Javob-Visitor"


def test_an_unknown_chat_is_404(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a))
    widget.public_id = "nope"

    assert widget.start().status_code == 404


def test_a_session_speaks_the_visitors_language(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a, prechat_email="required"))

    body = widget.start(languages=("ru-RU", "en")).json()

    assert body["language"] == "ru"
    assert body["prechat"] == {"name": "optional", "email": "required", "phone": "off"}
    assert body["missing"] == ["email"]
    assert body["history"] == []
    assert body["schedule"] == {"open": True, "back_at": None, "back_text": ""}
    assert body["strings"]["send"] == "Отправить"
    assert widget.start().json()["token"] == widget.token  # the same visitor returns


def test_messages_need_the_required_form_then_are_stored_once(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    widget = Widget(add_webchat(cast.a, prechat_email="required"))
    widget.start()

    refused = widget.say("c1", "Salom")
    assert (refused.status_code, refused.json()["field"]) == (400, "email")
    bad = widget.post("visitor", {"name": "Aziza", "email": "not-an-email"})
    assert (bad.status_code, bad.json()["field"]) == (400, "email")
    assert widget.post("visitor", {"name": "Aziza", "email": "Aziza@Example.com"}).json() == {
        "missing": []
    }
    with on_commit():
        first = widget.say("c1", "Salom, buyurtmam qayerda?")
        again = widget.say("c1", "Salom, buyurtmam qayerda?")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    message = Message.objects.get()
    assert message.text == "Salom, buyurtmam qayerda?"
    assert message.conversation.contact.name == "Aziza"
    assert message.metadata == {"widget_language": "uz", "visitor_email": "aziza@example.com"}
    visitor = Visitor.objects.get()
    assert (visitor.conversation_id, visitor.contact_id) == (
        message.conversation_id,
        message.sender_contact_id,
    )
    # an unverified email is kept for replies, never taken as an identity
    assert list(ContactIdentity.objects.values_list("kind", "value")) == [
        ("web", f"visitor:{visitor.key}")
    ]


def test_history_returns_with_the_token(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a))
    widget.start()
    message_id = widget.say("c1", "Birinchi").json()["id"]
    conversation_id = Message.objects.get(pk=message_id).conversation_id
    check_send_reply(cast.alice, conversation_id, "Assalomu alaykum!")

    history = widget.start().json()["history"]

    assert [(m["mine"], m["text"], m["client_id"]) for m in history] == [
        (True, "Birinchi", "c1"),
        (False, "Assalomu alaykum!", None),
    ]
    assert history[1]["agent"] == "alice@example.com"


def test_a_token_of_another_inbox_is_refused(cast: Cast) -> None:
    first, second = Widget(add_webchat(cast.a)), Widget(add_webchat(cast.a))
    first.start()
    second.token = first.token

    response = second.say("c1", "hi")

    assert response.status_code == 401
    assert response.json()["field"] == "token"
    assert not Message.objects.exists()


def test_a_signed_identity_links_the_visitor_to_the_customer(cast: Cast) -> None:
    inbox = add_webchat(cast.a)
    secret = inbox.secrets["identity_secret"]
    widget = Widget(inbox)
    identity = {
        "id": "42",
        "email": "dilnoza@example.com",
        "name": "Dilnoza",
        "hash": identity_hash(secret, "42|dilnoza@example.com"),
    }

    assert widget.start(identity=identity).status_code == 200
    widget.say("c1", "Salom")

    visitor = Visitor.objects.get()
    assert (visitor.verified_id, visitor.email, visitor.name) == (
        "42",
        "dilnoza@example.com",
        "Dilnoza",
    )
    assert sorted(ContactIdentity.objects.values_list("kind", "value")) == [
        ("email", "dilnoza@example.com"),
        ("web", "user:42"),
    ]


def test_a_wrong_identity_signature_is_refused(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a))

    response = widget.start(identity={"id": "42", "hash": "0" * 64})

    assert response.status_code == 403
    assert response.json()["field"] == "user_hash"
    assert not Visitor.objects.exists()


def test_files_are_checked_stored_and_served_to_their_visitor_only(cast: Cast) -> None:
    widget, stranger = Widget(add_webchat(cast.a)), None
    widget.start()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100

    stored = widget.upload("f1", "photo.png", png, "image/png")
    wrong_type = widget.upload("f2", "run.exe", b"MZ", "application/x-msdownload")

    assert stored.status_code == 201
    assert (wrong_type.status_code, wrong_type.json()["field"]) == (400, "file")
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size) == ("photo.png", len(png))
    served = widget.get(f"attachments/{attachment.pk}")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == png
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    stranger = Widget(widget.inbox)
    stranger.start()
    assert stranger.get(f"attachments/{attachment.pk}").status_code == 404


def test_a_transcript_is_mailed_on_request(cast: Cast, on_commit: Callable[..., Any]) -> None:
    widget = Widget(add_webchat(cast.a))
    widget.start(languages=("en",))
    conversation_id = Message.objects.get(
        pk=widget.say("c1", "Where is my order?").json()["id"]
    ).conversation_id
    check_send_reply(cast.alice, conversation_id, "It ships today.")

    with on_commit():
        response = widget.post("transcript", {"email": "Me@Example.com"})

    assert (response.status_code, response.json()) == (202, {"sent_to": "me@example.com"})
    [sent] = mail.outbox
    assert sent.to == ["me@example.com"]
    assert sent.subject == "Your conversation with Site chat"
    assert "You: Where is my order?" in sent.body
    assert "alice@example.com: It ships today." in sent.body


def test_talk_to_a_person_stops_the_bot_and_leaves_a_trace(cast: Cast) -> None:
    widget = Widget(add_webchat(cast.a, bot="javob.connectors.webchat.tests.bots.Parrot"))
    assert widget.start().json()["bot_active"] is True
    widget.say("c1", "Salom")

    assert widget.post("handover", {}).json() == {"bot_active": False}
    assert Visitor.objects.get().bot_active is False
    assert Event.objects.filter(kind="handover").count() == 1
