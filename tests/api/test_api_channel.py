"""The API channel's REST door: posting customer messages and delivery reports."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from javob.contacts.models import Contact
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Conversation, Event, Message
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def message(
    external_id: str, sender: str = "crm-42", text: str = "Salom", **extra: Any
) -> dict[str, Any]:
    return {"id": external_id, "sender": {"id": sender, "name": "Aziz"}, "text": text, **extra}


def test_first_post_creates_and_a_repeat_changes_nothing(cast: Cast, alice: ApiClient) -> None:
    # given an API inbox
    path = f"/inboxes/{cast.inbox_a.pk}/messages"
    # when the same message id is posted twice
    first = alice.post(path, message("m-1"))
    events = Event.objects.count()
    second = alice.post(path, message("m-1", text="changed on the way"))
    # then the first stores it (201) and the second answers 200 with the same ids
    stored = Message.objects.get()
    assert (first.status, first.body) == (
        201,
        {"id": stored.pk, "conversation_id": stored.conversation_id, "created": True},
    )
    assert (second.status, second.body) == (
        200,
        {"id": stored.pk, "conversation_id": stored.conversation_id, "created": False},
    )
    assert (stored.text, stored.external_id) == ("Salom", "m-1")
    assert Event.objects.count() == events


def test_messages_thread_like_any_channel(cast: Cast, alice: ApiClient) -> None:
    path = f"/inboxes/{cast.inbox_a.pk}/messages"
    # given a customer's first message
    first = alice.post(path, message("t-1", subject="Yetkazib berish")).body
    # when they write again, write in another thread, and another customer writes
    same = alice.post(path, message("t-2", text="Yana savol")).body
    other_thread = alice.post(path, message("t-3", thread="order-77")).body
    reply_to_first = alice.post(path, message("t-4", thread="x", in_reply_to="t-1")).body
    stranger = alice.post(path, message("t-5", sender="crm-43")).body
    # then the follow-ups and the reply join the first conversation; the rest start new ones
    assert same["conversation_id"] == first["conversation_id"]
    assert reply_to_first["conversation_id"] == first["conversation_id"]
    assert (
        len(
            {first["conversation_id"], other_thread["conversation_id"], stranger["conversation_id"]}
        )
        == 3
    )
    assert Conversation.objects.get(pk=first["conversation_id"]).subject == "Yetkazib berish"
    assert Contact.objects.filter(workspace=cast.a).count() == 2


def test_sender_email_and_phone_become_identities(cast: Cast, alice: ApiClient) -> None:
    body = message("i-1")
    body["sender"] |= {"email": "Aziz@Example.com", "phone": "+998 90 123-45-67", "locale": "uz"}
    answer = alice.post(f"/inboxes/{cast.inbox_a.pk}/messages", body)
    contact = Conversation.objects.get(pk=answer.body["conversation_id"]).contact
    assert sorted(contact.identities.values_list("kind", "value")) == [
        ("api", "crm-42"),
        ("email", "aziz@example.com"),
        ("phone", "+998901234567"),
    ]
    assert (contact.name, contact.locale) == ("Aziz", "uz")


def test_inbound_to_a_non_api_inbox_is_refused(cast: Cast, alice: ApiClient) -> None:
    telegram = do_add_inbox(cast.a, "telegram", "Telegram", {}, [], connect=False)
    answer = alice.post(f"/inboxes/{telegram.pk}/messages", message("x-1"))
    statuses = alice.post(f"/inboxes/{telegram.pk}/statuses", {"message_id": "x", "status": "read"})
    assert (answer.status, answer.body["field"]) == (400, "inbox_id")
    assert (statuses.status, statuses.body["field"]) == (400, "inbox_id")
    assert Message.objects.count() == 0


class Receiver(BaseHTTPRequestHandler):
    """The integrator's webhook endpoint: accepts each reply and names it with its own id."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        body = json.dumps({"id": f"their-{len(self.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(settings: Any) -> Iterator[str]:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def test_delivery_reports_move_a_reply_forward_only(
    cast: Cast, alice: ApiClient, receiver: str, on_commit: Any
) -> None:
    # given an agent reply delivered to the integrator, who named it "their-1"
    inbox = do_add_inbox(cast.a, "api", "CRM", {"webhook_url": receiver}, [])
    posted = alice.post(f"/inboxes/{inbox.pk}/messages", message("r-1")).body
    with on_commit():
        reply = check_send_reply(cast.alice, posted["conversation_id"], "Rahmat!")
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.external_id) == ("sent", "their-1")
    path = f"/inboxes/{inbox.pk}/statuses"
    # when the integrator reports read, then (late) delivered, then an unknown id
    read = alice.post(path, {"message_id": "their-1", "status": "read"})
    late = alice.post(path, {"message_id": "their-1", "status": "delivered"})
    unknown = alice.post(path, {"message_id": "their-999", "status": "read"})
    # then only the forward move applies
    reply.refresh_from_db()
    assert [(a.status, a.body) for a in (read, late, unknown)] == [
        (202, {"applied": True}),
        (202, {"applied": False}),
        (202, {"applied": False}),
    ]
    assert reply.delivery_status == "read"
    assert Receiver.received[0]["message"]["text"] == "Rahmat!"


def test_reports_for_another_inbox_do_not_apply(
    cast: Cast, alice: ApiClient, receiver: str, on_commit: Any
) -> None:
    # given a reply sent through one inbox
    inbox = do_add_inbox(cast.a, "api", "CRM", {"webhook_url": receiver}, [])
    posted = alice.post(f"/inboxes/{inbox.pk}/messages", message("o-1")).body
    with on_commit():
        reply = check_send_reply(cast.alice, posted["conversation_id"], "Javob")
    # when its id is reported through another inbox of the workspace
    answer = alice.post(
        f"/inboxes/{cast.inbox_a.pk}/statuses", {"message_id": "their-1", "status": "read"}
    )
    # then nothing changes
    reply.refresh_from_db()
    assert answer.body == {"applied": False}
    assert reply.delivery_status == "sent"
