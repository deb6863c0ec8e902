"""A worker killed mid-send loses nothing and sends nothing twice; workers never double-send.

Real `javob worker` processes (the database task engine's db_worker) share this test's
database; a local HTTP server stands in for the customer's webhook endpoint.
"""

from __future__ import annotations

import collections
import datetime as dt
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from conftest import Cast, make_cast, use_task_backends
from javob.connectors.tests.support import customer_conversation, delivery_events, hooked_inbox
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Delivery, Message
from javob.conversations.tasks import deliver_message
from javob.core.scheduler import run_once
from javob.core.tests.httpserver import Reply, ScriptedServer, serve
from tests.integration.processes import javob_env, running, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
LEASE_SECONDS = 2
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def tcast(transactional_db: None, settings: Any) -> Cast:
    # tasks go to the database, where the worker processes find them
    use_task_backends(settings, DATABASE_TASKS)
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    settings.JAVOB_DELIVERY_LEASE_SECONDS = LEASE_SECONDS
    return make_cast()


@pytest.fixture
def worker_env() -> dict[str, str]:
    return javob_env(
        JAVOB_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        JAVOB_OUTBOUND_ALLOW="127.0.0.1/32",
        JAVOB_OUTBOUND_TIMEOUT="60",
    )


@pytest.fixture
def hanging_server() -> Iterator[ScriptedServer]:
    # the first request hangs (the worker is caught mid-send); the others are accepted
    with serve([Reply(hang=True)], default=Reply(200, b"{}")) as server:
        yield server


def _status(message_id: int) -> str:
    return Message.objects.values_list("delivery_status", flat=True).get(pk=message_id)


def _keys(server: ScriptedServer) -> collections.Counter[str]:
    return collections.Counter(r.headers["idempotency-key"] for r in server.requests)


def test_killed_worker_loses_nothing_and_sends_nothing_twice(
    tcast: Cast, hanging_server: ScriptedServer, worker_env: dict[str, str], tmp_path: Path
) -> None:
    # given two queued replies
    conversation = customer_conversation(hooked_inbox(tcast.a, hanging_server.url))
    first = check_send_reply(tcast.alice, conversation.pk, "Birinchi")
    second = check_send_reply(tcast.alice, conversation.pk, "Ikkinchi")
    log = tmp_path / "workers.log"
    # when a worker starts sending one and is killed while blocked in the request
    with running(["worker"], worker_env, log) as worker:
        hanging_server.wait_for_requests(1, timeout=20)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    [hung_key] = _keys(hanging_server)
    hung = Message.objects.get(idempotency_key=hung_key)
    other = second if hung.pk == first.pk else first
    # then the hung message is still queued under the dead worker's lease, not sent
    assert (hung.delivery_status, hung.attempts) == (Delivery.QUEUED, 1)
    lease = hung.lease_until
    assert lease is not None
    assert delivery_events(hung) == []
    # when a second worker runs and, once the lease ran out, the scheduler sweeps
    with running(["worker"], worker_env, log):
        wait_until(lambda: _status(other.pk) == Delivery.SENT, what="the other reply")
        wait_until(lambda: timezone.now() > lease, what="the lease to run out")
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
            assert run_once()["resend_due_messages"] == 1
        wait_until(lambda: _status(hung.pk) == Delivery.SENT, what="the hung reply")
    # then both are sent, each recorded once; the endpoint saw one key per message, the
    # hung one twice (the retry it can deduplicate by its Idempotency-Key)
    hung.refresh_from_db()
    assert (hung.delivery_status, hung.attempts) == (Delivery.SENT, 2)
    assert delivery_events(hung) == [{"status": "sent"}]
    assert delivery_events(other) == [{"status": "sent"}]
    assert _keys(hanging_server) == {hung_key: 2, str(other.idempotency_key): 1}
    assert [r.json()["message"]["id"] for r in hanging_server.requests].count(hung.pk) == 2


def test_two_workers_never_send_one_message_twice(
    tcast: Cast, worker_env: dict[str, str], tmp_path: Path
) -> None:
    with serve(default=Reply(200, b"{}", delay=0.05)) as server:
        # given replies whose delivery task was enqueued three times each (a sweep and a lost
        # commit hook racing, say)
        conversation = customer_conversation(hooked_inbox(tcast.a, server.url))
        replies = [check_send_reply(tcast.alice, conversation.pk, f"Javob {n}") for n in range(8)]
        for reply in replies:
            deliver_message.enqueue(reply.pk)
            deliver_message.enqueue(reply.pk)
        # when two workers run at the same time
        log = tmp_path / "workers.log"
        with running(["worker"], worker_env, log), running(["worker"], worker_env, log):
            wait_until(
                lambda: Message.objects.filter(delivery_status=Delivery.SENT).count() == 8,
                timeout=30,
                what="every reply to be sent",
            )
            wait_until(lambda: not _open_tasks(), timeout=30, what="the duplicate tasks to finish")
    # then the endpoint got each message exactly once
    assert _keys(server) == {str(reply.idempotency_key): 1 for reply in replies}
    for reply in replies:
        assert delivery_events(reply) == [{"status": "sent"}]
        assert Message.objects.get(pk=reply.pk).attempts == 1


def _open_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).count()
