"""Agent replies go out through the Graph API; statuses come back forward-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.graphserver import TOKEN, GraphServer, graph_error, graph_server
from javob.connectors.tests.support import delivery_events
from javob.connectors.whatsapp.tests.support import (
    payload,
    post_hook,
    wa_message,
    wa_status,
    whatsapp_inbox,
)
from javob.conversations.actions import check_send_reply, do_send_reply, store_attachment
from javob.conversations.models import Conversation, Delivery, EarlyReport, Inbox, Message
from javob.conversations.tasks import deliver_message
from javob.core.tests.httpserver import Reply

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _conversation(client: Client, inbox: Inbox, on_commit: Callable[..., Any]) -> Conversation:
    with on_commit():
        post_hook(client, inbox, payload("message__text"))
    return Conversation.objects.get()


def _reply(
    cast: Cast, conversation: Conversation, on_commit: Callable[..., Any], text: str
) -> Message:
    """An agent's reply an hour before the customer-service window closes."""
    from javob.connectors.whatsapp.actions import freeform_window_end

    end = freeform_window_end(conversation)
    assert end is not None
    with time_machine.travel(end - dt.timedelta(hours=1), tick=False), on_commit():
        message = check_send_reply(cast.alice, conversation.pk, text)
    message.refresh_from_db()
    return message


def _sent(graph: GraphServer) -> list[dict[str, Any]]:
    return [r.json() for r in graph.requests if r.path.endswith("/messages")]


def test_text_reply_is_sent_without_link_preview_and_takes_the_wamid(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        message = _reply(cast, conversation, on_commit, "Buyurtmangiz yo'lda: https://uz.example")
    [request] = graph.requests
    assert (request.method, request.path, request.headers["authorization"]) == (
        "POST",
        "/v21.0/1122334455667/messages",
        f"Bearer {TOKEN}",
    )
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "972987654321",
        "type": "text",
        "text": {"preview_url": False, "body": "Buyurtmangiz yo'lda: https://uz.example"},
    }
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "wamid.out-1")


def test_a_reply_to_a_customer_message_carries_its_context(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        customer = Message.objects.get(direction="incoming")
        with on_commit():
            message = do_send_reply(conversation, "Ha", actor=cast.alice)
            Message.objects.filter(pk=message.pk).update(reply_to=customer)
    assert _sent(graph)[0]["context"] == {"message_id": "wamid.xyzxyz"}


def test_an_attachment_is_uploaded_then_sent_by_media_id_with_the_caption(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        with on_commit():
            message = do_send_reply(conversation, "Hisob-faktura", actor=cast.alice)
            store_attachment(message, "invoice.pdf", "application/pdf", b"%PDF-1.7 invoice")
    upload, send = graph.requests
    assert (upload.method, upload.path) == ("POST", "/v21.0/1122334455667/media")
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="messaging_product"\r\n\r\nwhatsapp\r\n' in upload.body
    assert b'name="type"\r\n\r\napplication/pdf\r\n' in upload.body
    assert (
        b'filename="invoice.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 invoice\r\n'
        in upload.body
    )
    assert send.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "972987654321",
        "type": "document",
        "document": {"id": "media-1", "caption": "Hisob-faktura", "filename": "invoice.pdf"},
    }
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "wamid.out-2")


def test_an_image_by_link_is_sent_without_upload(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        with on_commit():
            message = do_send_reply(conversation, "Mana", actor=cast.alice)
            message.metadata = {
                "media_link": {"type": "image", "url": "https://cdn.example.uz/a.jpg"}
            }
            message.save(update_fields=["metadata"])
    assert _sent(graph) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "972987654321",
            "type": "image",
            "image": {"link": "https://cdn.example.uz/a.jpg", "caption": "Mana"},
        }
    ]


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (
            graph_error(131047, "Re-engagement message", kind="OAuthException"),
            Delivery.FAILED,
            "More than 24 hours have passed since the customer's last message: only an approved "
            "template (or a tagged message) can be sent now. Re-engagement message (code 131047)",
        ),
        (
            graph_error(131026, "Message Undeliverable"),
            Delivery.FAILED,
            "The message cannot be delivered to this customer. Message Undeliverable (code 131026)",
        ),
        (
            graph_error(190, "Error validating access token: Session has expired", status=401),
            Delivery.FAILED,
            "The access token expired or was revoked; reconnect the inbox. Error validating "
            "access token: Session has expired (code 190)",
        ),
        (
            graph_error(100, "Invalid parameter", kind="OAuthException"),
            Delivery.FAILED,
            "Invalid parameter (code 100)",
        ),
        (
            graph_error(130429, "Rate limit hit"),
            Delivery.QUEUED,
            "Rate limited by Meta: Rate limit hit (code 130429)",
        ),
        (
            graph_error(131056, "(Business Account, Consumer Account) pair rate limit hit"),
            Delivery.QUEUED,
            "Rate limited by Meta: (Business Account, Consumer Account) pair rate limit hit "
            "(code 131056)",
        ),
        (
            graph_error(80007, "Rate limit issues"),
            Delivery.QUEUED,
            "Rate limited by Meta: Rate limit issues (code 80007)",
        ),
        (
            graph_error(4, "Application request limit reached"),
            Delivery.QUEUED,
            "Rate limited by Meta: Application request limit reached (code 4)",
        ),
        (
            graph_error(131000, "Something went wrong", status=500),
            Delivery.QUEUED,
            "Something went wrong (code 131000)",
        ),
        (
            Reply(502, b"<html>Bad gateway</html>"),
            Delivery.QUEUED,
            "HTTP 502: <html>Bad gateway</html>",
        ),
        (Reply(429, b""), Delivery.QUEUED, "Rate limited by Meta: HTTP 429: "),
    ],
    ids=[
        "131047",
        "131026",
        "190",
        "100",
        "130429",
        "131056",
        "80007",
        "4",
        "131000",
        "502",
        "429",
    ],
)
def test_graph_errors_are_permanent_or_transient_with_the_reason(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    reply: Reply,
    status: str,
    reason: str,
) -> None:
    with graph_server() as graph:
        graph.fail("/v21.0/1122334455667/messages", reply)
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        message = _reply(cast, conversation, on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason, message.attempts) == (
        status,
        reason,
        1,
    )
    assert (message.next_attempt_at is not None) == (status == Delivery.QUEUED)


def test_statuses_move_forward_only_also_out_of_order(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # given a reply Meta accepted as wamid.out-1
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        message = _reply(cast, conversation, on_commit, "Salom")
    # when read arrives before delivered, then delivered, sent and failed late
    with on_commit():
        for status, at in [("read", 1763900300), ("delivered", 1763900200), ("sent", 1763900100)]:
            assert post_hook(client, inbox, wa_status("wamid.out-1", status, at)).status_code == 200
        post_hook(
            client,
            inbox,
            wa_status(
                "wamid.out-1",
                "failed",
                1763900400,
                errors=[{"code": 131026, "title": "Message undeliverable"}],
            ),
        )
    message.refresh_from_db()
    assert (
        message.delivery_status,
        message.read_at,
        message.delivered_at,
        message.failure_reason,
    ) == (
        Delivery.READ,
        dt.datetime(2025, 11, 23, 12, 18, 20, tzinfo=dt.UTC),
        None,
        "",
    )
    assert delivery_events(message) == [{"status": "sent"}, {"status": "read"}]


def test_a_failed_status_records_meta_title_and_details(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        message = _reply(cast, conversation, on_commit, "Salom")
    failed = payload("message_status__failed").replace(b'"wamid.xyzxyz"', b'"wamid.out-1"')
    with on_commit():
        post_hook(client, inbox, failed)
    message.refresh_from_db()
    reason = (
        "User's number is part of an experiment: Failed to send message because this user's "
        "phone number is part of an experiment (code 130472)"
    )
    assert (message.delivery_status, message.failure_reason) == (Delivery.FAILED, reason)
    assert delivery_events(message) == [{"status": "sent"}, {"status": "failed", "reason": reason}]


def test_sample_statuses_in_order_end_read(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        message = _reply(cast, conversation, on_commit, "Salom")
    with on_commit():
        for name in ("message_status__sent", "message_status__delivered", "message_status__read"):
            post_hook(client, inbox, payload(name).replace(b'"wamid.xyzxyz"', b'"wamid.out-1"'))
    message.refresh_from_db()
    assert message.delivery_status == Delivery.READ
    assert delivery_events(message) == [
        {"status": "sent"},
        {"status": "delivered"},
        {"status": "read"},
    ]


def test_a_contact_without_whatsapp_identity_fails_permanently(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    from javob.conversations.actions import receive_message
    from javob.conversations.tests.factories import inbound

    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = receive_message(
            inbound(inbox.pk, "someone", kind="api")
        ).message.conversation
        message = _reply(cast, conversation, on_commit, "Salom")
    assert (message.delivery_status, message.failure_reason) == (
        Delivery.FAILED,
        "The contact has no whatsapp identity to write to.",
    )
    assert graph.requests == []


def test_window_is_open_for_24_hours_after_the_customer_writes(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    from javob.connectors.whatsapp.actions import (
        can_send_freeform,
        check_freeform_allowed,
        freeform_window_end,
    )
    from javob.core.errors import ActionError

    inbox = whatsapp_inbox(cast.a)
    message = {
        "from": "998901234567",
        "id": "wamid.w1",
        "timestamp": str(int(T0.timestamp())),
        "type": "text",
        "text": {"body": "Salom"},
    }
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False), on_commit():
        post_hook(client, inbox, wa_message(message))
    conversation = Conversation.objects.get()
    with time_machine.travel(T0 + dt.timedelta(hours=23, minutes=59), tick=False):
        assert can_send_freeform(conversation) is True
        assert freeform_window_end(conversation) == T0 + dt.timedelta(hours=24)
        check_freeform_allowed(conversation)
    with time_machine.travel(T0 + dt.timedelta(hours=24), tick=False):
        assert can_send_freeform(conversation) is False
        with pytest.raises(ActionError) as raised:
            check_freeform_allowed(conversation)
    assert raised.value.field == "text"
    assert raised.value.message.startswith("More than 24 hours have passed")


def test_window_ignores_a_stale_provider_timestamp_only_if_it_is_later(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    # a backlog: Meta's timestamp (T0) is 10 hours before we processed the message
    from javob.connectors.whatsapp.actions import freeform_window_end

    inbox = whatsapp_inbox(cast.a)
    message = {
        "from": "998901234567",
        "id": "wamid.w2",
        "timestamp": str(int(T0.timestamp())),
        "type": "text",
        "text": {"body": "Salom"},
    }
    with time_machine.travel(T0 + dt.timedelta(hours=10), tick=False), on_commit():
        post_hook(client, inbox, wa_message(message))
    assert freeform_window_end(Conversation.objects.get()) == T0 + dt.timedelta(hours=24)


def test_an_agent_reply_outside_the_window_is_refused_before_it_is_queued(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    from javob.core.errors import ActionError

    inbox = whatsapp_inbox(cast.a)
    message = {
        "from": "998901234567",
        "id": "wamid.w9",
        "timestamp": str(int(T0.timestamp())),
        "type": "text",
        "text": {"body": "Salom"},
    }
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False), on_commit():
        post_hook(client, inbox, wa_message(message))
    conversation = Conversation.objects.get()

    late = T0 + dt.timedelta(hours=25)
    with time_machine.travel(late, tick=False), pytest.raises(ActionError) as raised:
        check_send_reply(cast.alice, conversation.pk, "Kechirasiz, kech javob")

    assert raised.value.field == "text"
    assert raised.value.message.startswith("More than 24 hours have passed")
    assert not Message.objects.filter(direction="outgoing").exists()


def test_statuses_before_the_send_response_are_applied_once_the_wamid_is_stored(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    from javob.connectors.whatsapp.actions import freeform_window_end

    with graph_server() as graph:
        inbox = whatsapp_inbox(cast.a, graph.base)
        conversation = _conversation(client, inbox, on_commit)
        end = freeform_window_end(conversation)
        assert end is not None
        with time_machine.travel(end - dt.timedelta(hours=1), tick=False):
            # given a queued reply whose send has not run; Meta will name it wamid.out-1
            reply = check_send_reply(cast.alice, conversation.pk, "Salom")
            # when Meta's "read" and "delivered" come first (out of order), then the send
            with on_commit():
                for status, at in [("read", 1763900300), ("delivered", 1763900200)]:
                    hook = post_hook(client, inbox, wa_status("wamid.out-1", status, at))
                    assert hook.status_code == 200
            assert Message.objects.get(pk=reply.pk).delivery_status == Delivery.QUEUED
            with on_commit():
                assert deliver_message.call(reply.pk) == "sent"
    # then the reply is read, with both times from the statuses
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_status, message.external_id) == (Delivery.READ, "wamid.out-1")
    assert (message.delivered_at, message.read_at) == (
        dt.datetime(2025, 11, 23, 12, 16, 40, tzinfo=dt.UTC),
        dt.datetime(2025, 11, 23, 12, 18, 20, tzinfo=dt.UTC),
    )
    assert delivery_events(message) == [
        {"status": "sent"},
        {"status": "delivered"},
        {"status": "read"},
    ]
    assert EarlyReport.objects.count() == 0
