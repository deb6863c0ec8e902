"""A status report that arrives before the send response stored the provider's id is kept,
and applied forward-only when the id is stored; what never finds its message expires."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import Cast
from javob.accounts.actions import check_create_token
from javob.connectors.tests.support import (
    customer_conversation,
    delivery_events,
    hooked_inbox,
    post_signed,
)
from javob.conversations import delivery
from javob.conversations.actions import check_send_reply
from javob.conversations.delivery import (
    EARLY_REPORT_HOURS,
    apply_delivery_update,
    sweep_early_reports,
)
from javob.conversations.models import Delivery, EarlyReport, Inbox, Message
from javob.conversations.tasks import deliver_message
from javob.core.scheduler import run_once
from javob.core.tests.httpserver import Reply, ScriptedServer, serve
from javob.core.types import DeliveryUpdate

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _queued_reply(cast: Cast, server: ScriptedServer) -> tuple[Inbox, Message]:
    """A reply stored as queued whose send has not happened yet (its task not run)."""
    inbox = hooked_inbox(cast.a, server.url)
    conversation = customer_conversation(inbox)
    reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    return inbox, Message.objects.get(pk=reply.pk)


def _report(
    inbox: Inbox, status: str, external_id: str = "p-1", *, at: dt.datetime | None = None
) -> bool:
    reason = "Number unreachable" if status == "failed" else ""
    return apply_delivery_update(DeliveryUpdate(inbox.pk, external_id, status, at, reason))


def _early() -> list[tuple[str, str, int]]:
    return list(EarlyReport.objects.order_by("rank").values_list("external_id", "status", "rank"))


def _send(message: Message, on_commit: Callable[..., Any]) -> None:
    with on_commit():
        assert deliver_message.call(message.pk) == "sent"


def test_a_report_before_the_send_response_is_applied_when_the_id_is_stored(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        # given a queued reply, and the provider's "delivered" for p-1 arriving first
        inbox, message = _queued_reply(cast, server)
        assert _report(inbox, "delivered", at=T0) is False
        assert _early() == [("p-1", "delivered", 20)]
        # when the send response stores p-1
        _send(message, on_commit)
    # then the message is delivered at the reported time, and the report is gone
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == (Delivery.DELIVERED, "p-1")
    assert message.delivered_at == T0
    assert delivery_events(message) == [{"status": "sent"}, {"status": "delivered"}]
    assert _early() == []


def test_read_then_delivered_out_of_order_ends_read_with_both_times(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        # given "read" and then "delivered" reported before the send response
        assert _report(inbox, "read", at=T0 + dt.timedelta(seconds=5)) is False
        assert _report(inbox, "delivered", at=T0) is False
        _send(message, on_commit)
    # then both apply in rank order: the message is read, with both times set
    message.refresh_from_db()
    assert message.delivery_status == Delivery.READ
    assert (message.delivered_at, message.read_at) == (T0, T0 + dt.timedelta(seconds=5))
    assert delivery_events(message) == [
        {"status": "sent"},
        {"status": "delivered"},
        {"status": "read"},
    ]
    assert _early() == []


def test_an_early_failure_wins_over_the_successful_send_response(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # The send response only says the provider accepted the message; a "failed" report is
    # the provider's later knowledge, and failed ranks above sent (as when it comes late).
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        assert _report(inbox, "failed") is False
        _send(message, on_commit)
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == (
        Delivery.FAILED,
        "Number unreachable",
    )
    assert delivery_events(message) == [
        {"status": "sent"},
        {"status": "failed", "reason": "Number unreachable"},
    ]


def test_an_early_delivered_after_an_early_failure_leaves_it_delivered(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # The same order as reports arriving after the send: failed (15), then delivered (20).
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        _report(inbox, "delivered", at=T0)
        _report(inbox, "failed")
        _send(message, on_commit)
    message.refresh_from_db()
    assert (message.delivery_status, message.delivered_at) == (Delivery.DELIVERED, T0)
    assert [e["status"] for e in delivery_events(message)] == ["sent", "failed", "delivered"]


def test_a_repeated_report_is_stored_once_and_sent_is_not_kept(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        for _ in range(3):
            _report(inbox, "delivered", at=T0)
        _report(inbox, "sent")
        _report(inbox, "queued")
        _report(inbox, "bogus")
        assert _early() == [("p-1", "delivered", 20)]
        _send(message, on_commit)
    assert [e["status"] for e in delivery_events(message)] == ["sent", "delivered"]


def test_an_early_report_does_not_apply_to_another_inbox(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        _inbox, message = _queued_reply(cast, server)
        other = hooked_inbox(cast.a, server.url, name="Other")
        _report(other, "read")
        _send(message, on_commit)
    assert Message.objects.get(pk=message.pk).delivery_status == Delivery.SENT
    assert list(EarlyReport.objects.values_list("inbox_id", "status")) == [(other.pk, "read")]


def test_a_send_with_no_early_report_makes_one_extra_query(cast: Cast) -> None:
    # given a claimed reply and no early report
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        _inbox, message = _queued_reply(cast, server)
    claimed = delivery.claim(message.pk)
    assert claimed is not None
    # when its send is recorded
    with CaptureQueriesContext(connection) as queries:
        assert delivery.record_sent(claimed, "p-1") is True
    # then one query looks for early reports (a SELECT); nothing else touches them
    sqls = [q["sql"] for q in queries.captured_queries]
    early = [sql for sql in sqls if "conversations_earlyreport" in sql]
    assert len(early) == 1
    assert early[0].startswith("SELECT")


def test_reports_for_messages_never_sent_expire(cast: Cast) -> None:
    inbox = hooked_inbox(cast.a, "http://127.0.0.1:9/")
    # given reports for ids Javob never sent, one a day old and one recent
    with time_machine.travel(T0, tick=False):
        _report(inbox, "delivered", "never-1")
    with time_machine.travel(T0 + dt.timedelta(hours=EARLY_REPORT_HOURS - 1), tick=False):
        _report(inbox, "read", "never-2")
    # when the scheduler sweeps just after the first is 24 h old
    with time_machine.travel(T0 + dt.timedelta(hours=EARLY_REPORT_HOURS, seconds=1), tick=False):
        assert run_once()["sweep_early_reports"] == 1
        # then only the recent one is kept, and the next sweep has nothing to do
        assert _early() == [("never-2", "read", 30)]
        assert run_once()["sweep_early_reports"] == 0


def test_the_sweep_applies_a_report_that_raced_the_send(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given a sent message and a report for it that was stored as early (its lookup ran
    # before the send's transaction committed, and the send's lookup before the insert)
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        _send(message, on_commit)
    EarlyReport.objects.create(
        inbox=inbox,
        external_id="p-1",
        status="read",
        rank=30,
        at=T0,
        received_at=dt.datetime.now(tz=dt.UTC),
    )
    # when the scheduler sweeps
    with on_commit():
        assert sweep_early_reports() == 1
    # then the report is applied and gone
    message.refresh_from_db()
    assert (message.delivery_status, message.read_at) == (Delivery.READ, T0)
    assert _early() == []
    assert sweep_early_reports() == 0


def test_an_early_report_never_applies_to_a_message_queued_again(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    # given a queued reply whose earlier send left its id p-1 (a retry re-queued it)
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
    Message.objects.filter(pk=message.pk).update(external_id="p-1")
    # when "read" names p-1: it is found, and ignored (not kept) because it is queued
    assert _report(inbox, "read") is False
    assert _early() == []
    assert Message.objects.get(pk=message.pk).delivery_status == Delivery.QUEUED


def test_api_status_endpoint_early_report_applies_after_the_send(
    cast: Cast, on_commit: Callable[..., Any], client: Client
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        # given the external system's signed "read" webhook before the send response
        with on_commit():
            response = post_signed(client, inbox, {"message_id": "p-1", "status": "read"})
        assert response.status_code == 200
        assert _early() == [("p-1", "read", 30)]
        # when the send stores p-1
        _send(message, on_commit)
    assert Message.objects.get(pk=message.pk).delivery_status == Delivery.READ
    assert [e["status"] for e in delivery_events(message)] == ["sent", "read"]


def test_api_rest_status_endpoint_keeps_an_early_report(
    cast: Cast, on_commit: Callable[..., Any], client: Client
) -> None:
    with serve(default=Reply(200, b'{"id": "p-1"}')) as server:
        inbox, message = _queued_reply(cast, server)
        _token, secret = check_create_token(cast.alice, "ci")
        response = client.post(
            f"/api/v1/inboxes/{inbox.pk}/statuses",
            data={"message_id": "p-1", "status": "delivered"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert (response.status_code, response.json()) == (202, {"applied": False})
        _send(message, on_commit)
    assert Message.objects.get(pk=message.pk).delivery_status == Delivery.DELIVERED
