"""Messenger and Instagram replies: the window and HUMAN_AGENT tag, files, comment answers,
receipts, and errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.meta.replies import check_send_comment_reply
from javob.connectors.meta.tests.graphserver import TOKEN, GraphServer, graph_error, graph_server
from javob.connectors.meta.tests.support import PSID, messaging, meta_inbox, payload
from javob.connectors.meta.window import check_reply_allowed
from javob.connectors.tests.support import delivery_events
from javob.connectors.whatsapp.tests.support import post_hook
from javob.conversations.actions import check_send_reply, do_send_reply, store_attachment
from javob.conversations.models import Conversation, Delivery, EarlyReport, Inbox, Message
from javob.conversations.tasks import deliver_message
from javob.core.errors import ActionError

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
MS = int(T0.timestamp() * 1000)


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _customer_writes(
    client: Client, inbox: Inbox, on_commit: Callable[..., Any], sender: str = PSID
) -> Conversation:
    body = messaging(inbox.kind, sender, MS, message={"mid": "m_in1", "text": "Salom"})
    with time_machine.travel(T0, tick=False), on_commit():
        assert post_hook(client, inbox, body).status_code == 200
    return Conversation.objects.get()


def _reply_at(
    cast: Cast,
    conversation: Conversation,
    on_commit: Callable[..., Any],
    at: dt.datetime,
    text: str = "Ha, bor",
) -> Message:
    with time_machine.travel(at, tick=False), on_commit():
        message = check_send_reply(cast.alice, conversation.pk, text)
    message.refresh_from_db()
    return message


def _bodies(graph: GraphServer) -> list[tuple[str, Any]]:
    return [(r.path, r.json()) for r in graph.requests]


@pytest.mark.parametrize("kind", ["messenger", "instagram"])
def test_a_reply_within_24_hours_is_a_response(
    cast: Cast, client: Client, on_commit: Callable[..., Any], kind: str
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, kind, graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        message = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(hours=23))
    assert _bodies(graph) == [
        (
            "/v21.0/me/messages",
            {
                "recipient": {"id": PSID.lower()},
                "messaging_type": "RESPONSE",
                "message": {"text": "Ha, bor"},
            },
        )
    ]
    assert graph.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "m_out-1")


def test_after_24_hours_the_human_agent_tag_is_used_where_enabled(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, "messenger", graph.base, human_agent="1")
        conversation = _customer_writes(client, inbox, on_commit)
        message = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(days=6))
    assert _bodies(graph)[0][1] == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Ha, bor"},
    }
    assert message.delivery_status == Delivery.SENT


@pytest.mark.parametrize(
    ("human_agent", "after"),
    [("", dt.timedelta(hours=24)), ("1", dt.timedelta(days=7))],
    ids=["no-tag-24h", "tag-7d"],
)
def test_outside_the_window_the_reply_is_refused_before_it_is_queued(
    cast: Cast, client: Client, on_commit: Callable[..., Any], human_agent: str, after: dt.timedelta
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, "messenger", graph.base, human_agent=human_agent)
        conversation = _customer_writes(client, inbox, on_commit)
        with time_machine.travel(T0 + after, tick=False), pytest.raises(ActionError) as raised:
            check_send_reply(cast.alice, conversation.pk, "Ha, bor")
    assert raised.value.field == "text"
    assert raised.value.message.startswith("More than 24 hours have passed")
    assert graph.requests == []
    assert not Message.objects.filter(direction="outgoing").exists()


def test_check_reply_allowed_leaves_other_channels_and_comments_alone(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    from javob.connectors.tests.support import customer_conversation

    inbox = meta_inbox(cast.a)
    with time_machine.travel(T0, tick=False), on_commit():
        post_hook(client, inbox, payload("messenger__feed_comment"))
    comment = Conversation.objects.get()
    api = customer_conversation(cast.inbox_a)
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        check_reply_allowed(comment)
        check_reply_allowed(api)


def test_a_file_is_uploaded_with_the_message_on_messenger(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, "messenger", graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        with time_machine.travel(T0, tick=False), on_commit():
            message = do_send_reply(conversation, "", actor=cast.alice)
            store_attachment(message, "menu.png", "image/png", b"\x89PNG")
    [upload] = graph.requests
    assert (upload.path, upload.headers["content-type"][:30]) == (
        "/v21.0/me/messages",
        "multipart/form-data; boundary=",
    )
    for part in (
        b'name="recipient"\r\n\r\n{"id": "24683112200001"}\r\n',
        b'name="messaging_type"\r\n\r\nRESPONSE\r\n',
        b'name="message"\r\n\r\n{"attachment": {"type": "image", '
        b'"payload": {"is_reusable": false}}}\r\n',
        b'name="filedata"; filename="menu.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n',
    ):
        assert part in upload.body
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "m_out-1")


def test_instagram_refuses_uploaded_files_for_good(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, "instagram", graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        with time_machine.travel(T0, tick=False), on_commit():
            message = do_send_reply(conversation, "", actor=cast.alice)
            store_attachment(message, "menu.png", "image/png", b"\x89PNG")
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == (
        Delivery.FAILED,
        "Instagram accepts files only by link.",
    )


def test_delivery_and_read_receipts_move_our_messages_forward(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, "messenger", graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        first = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(minutes=1), "Bir")
        second = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(minutes=2), "Ikki")
        later = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(minutes=10), "Uch")
    watermark = MS + 5 * 60_000
    with on_commit():
        post_hook(
            client,
            inbox,
            messaging(
                "messenger", PSID, watermark, delivery={"mids": ["m_out-1"], "watermark": watermark}
            ),
        )
        post_hook(
            client, inbox, messaging("messenger", PSID, watermark, read={"watermark": watermark})
        )
    statuses = [Message.objects.get(pk=m.pk).delivery_status for m in (first, second, later)]
    assert statuses == [Delivery.READ, Delivery.READ, Delivery.SENT]
    assert delivery_events(first) == [
        {"status": "sent"},
        {"status": "delivered"},
        {"status": "read"},
    ]
    assert delivery_events(second) == [
        {"status": "sent"},
        {"status": "delivered"},
        {"status": "read"},
    ]


def test_instagram_read_names_the_last_message_read(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, "instagram", graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        first = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(minutes=1), "Bir")
        second = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(minutes=2), "Ikki")
    read = messaging("instagram", PSID, MS + 3 * 60_000, read={"mid": "m_out-2"})
    with on_commit():
        post_hook(client, inbox, read)
    assert [Message.objects.get(pk=m.pk).delivery_status for m in (first, second)] == [
        Delivery.READ,
        Delivery.READ,
    ]


@pytest.mark.parametrize(
    ("kind", "private", "path", "body", "external_id"),
    [
        (
            "messenger",
            False,
            "/v21.0/555_9001/comments",
            {"message": "Narxi 120 000 so'm"},
            "reply-1",
        ),
        (
            "messenger",
            True,
            "/v21.0/me/messages",
            {"recipient": {"comment_id": "555_9001"}, "message": {"text": "Narxi 120 000 so'm"}},
            "m_out-1",
        ),
        (
            "instagram",
            False,
            "/v21.0/17865799348089039/replies",
            {"message": "Narxi 120 000 so'm"},
            "reply-1",
        ),
        (
            "instagram",
            True,
            "/v21.0/me/messages",
            {
                "recipient": {"comment_id": "17865799348089039"},
                "message": {"text": "Narxi 120 000 so'm"},
            },
            "m_out-1",
        ),
    ],
    ids=["messenger-public", "messenger-private", "instagram-public", "instagram-private"],
)
def test_a_comment_is_answered_publicly_or_privately(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    kind: str,
    private: bool,
    path: str,
    body: dict[str, Any],
    external_id: str,
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, kind, graph.base)
        name = "messenger__feed_comment" if kind == "messenger" else "instagram__comment"
        with on_commit():
            post_hook(client, inbox, payload(name))
        conversation = Conversation.objects.get()
        # long after the comment: public answers have no window
        with time_machine.travel(T0 + dt.timedelta(days=3), tick=False), on_commit():
            message = check_send_comment_reply(
                cast.alice, conversation.pk, "Narxi 120 000 so'm", private=private
            )
    assert _bodies(graph) == [(path, body)]
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id, message.metadata) == (
        Delivery.SENT,
        external_id,
        {"comment_reply": "private" if private else "public"},
    )


def test_comment_reply_refuses_a_direct_conversation(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = meta_inbox(cast.a)
    conversation = _customer_writes(client, inbox, on_commit)
    with pytest.raises(ActionError) as raised:
        check_send_comment_reply(cast.alice, conversation.pk, "x", private=True)
    assert raised.value.message == "This conversation is not about a comment."
    assert Message.objects.filter(direction="outgoing").count() == 0


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (
            graph_error(10, "This message is sent outside of allowed window.", subcode=2018278),
            Delivery.FAILED,
            "More than 24 hours have passed since the customer's last message: only an approved "
            "template (or a tagged message) can be sent now. This message is sent outside of "
            "allowed window. (code 10)",
        ),
        (
            graph_error(551, "This person isn't available right now."),
            Delivery.FAILED,
            "This person isn't available right now. (code 551)",
        ),
        (
            graph_error(613, "Calls to this api have exceeded the rate limit."),
            Delivery.QUEUED,
            "Rate limited by Meta: Calls to this api have exceeded the rate limit. (code 613)",
        ),
        (
            graph_error(2, "An unexpected error has occurred.", status=500),
            Delivery.QUEUED,
            "An unexpected error has occurred. (code 2)",
        ),
    ],
    ids=["window", "unavailable", "rate-limit", "temporary"],
)
def test_send_errors_are_mapped(
    cast: Cast, client: Client, on_commit: Callable[..., Any], error: Any, status: str, reason: str
) -> None:
    with graph_server() as graph:
        graph.fail("/v21.0/me/messages", error)
        inbox = meta_inbox(cast.a, "messenger", graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        message = _reply_at(cast, conversation, on_commit, T0 + dt.timedelta(minutes=1))
    assert (message.delivery_status, message.failure_reason) == (status, reason)


@pytest.mark.parametrize(
    ("kind", "receipt", "status"),
    [
        ("messenger", {"delivery": {"mids": ["m_out-1"], "watermark": MS + 60_000}}, "delivered"),
        ("instagram", {"read": {"mid": "m_out-1"}}, "read"),
    ],
)
def test_a_receipt_before_the_send_response_is_applied_once_the_mid_is_stored(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    kind: str,
    receipt: dict[str, Any],
    status: str,
) -> None:
    with graph_server() as graph:
        inbox = meta_inbox(cast.a, kind, graph.base)
        conversation = _customer_writes(client, inbox, on_commit)
        with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
            # given a queued reply whose send has not run; Meta will name it m_out-1
            reply = check_send_reply(cast.alice, conversation.pk, "Ha, bor")
            # when the receipt naming m_out-1 comes first, then the send
            with on_commit():
                body = messaging(kind, PSID, MS + 60_000, **receipt)
                assert post_hook(client, inbox, body).status_code == 200
            assert EarlyReport.objects.values_list("external_id", "status").get() == (
                "m_out-1",
                status,
            )
            with on_commit():
                assert deliver_message.call(reply.pk) == "sent"
    # then the reply has the receipt's status
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_status, message.external_id) == (status, "m_out-1")
    assert delivery_events(message) == [{"status": "sent"}, {"status": status}]
    assert EarlyReport.objects.count() == 0
