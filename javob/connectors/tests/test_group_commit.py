"""Group commit in the webhook door (`javob.connectors.groupcommit`): on PostgreSQL with the
database task engine, concurrent webhooks of a cached inbox are stored in one transaction and
each is acknowledged only once that transaction is committed; whatever it does not store is
answered by the thread path, as before."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import psycopg
import pytest
from django.db import connection, connections

from conftest import Cast, make_cast, use_task_backends
from javob.connectors import asgi, groupcommit
from javob.connectors.models import InboundPayload
from javob.connectors.tests.test_webhook_door import _call, _scope, _signed, post
from javob.conversations.models import Inbox
from javob.conversations.settings_actions import check_set_inbox_active

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="group commit is PostgreSQL's (SQLite: thread path)"
)
Answers = list[tuple[int, dict[bytes, bytes], bytes]]


@pytest.fixture
def gcast(transactional_db: None, settings: Any) -> Cast:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    use_task_backends(settings, DATABASE_TASKS)
    return make_cast()


@pytest.fixture
def thread_path(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The provider ids of the webhooks the door answered on a worker thread."""
    calls: list[str] = []
    answer = asgi._answer

    def counted(kind: str, inbox_id: int, incoming: Any) -> Any:
        calls.append(json.loads(incoming.body)["id"])
        return answer(kind, inbox_id, incoming)

    monkeypatch.setattr(asgi, "_answer", counted)
    return calls


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch the writer committed."""
    sizes: list[int] = []
    commit = groupcommit.PayloadWriter._commit

    async def counted(self: groupcommit.PayloadWriter, batch: list[Any]) -> list[int | None]:
        sizes.append(len(batch))
        return await commit(self, batch)

    monkeypatch.setattr(groupcommit.PayloadWriter, "_commit", counted)
    return sizes


def together(inbox: Inbox, external_ids: list[str]) -> Answers:
    """Post one delivery per id at the same time through the ASGI application."""
    requests = [_signed(inbox, external_id) for external_id in external_ids]

    async def run() -> Answers:
        calls = []
        for headers, body in requests:
            scope = _scope(f"/hooks/api/{inbox.pk}", {**headers, "content-length": str(len(body))})
            calls.append(_call(scope, [body], app=asgi.WebhookDoor(_no_django)))
        return list(await asyncio.gather(*calls))

    return asyncio.run(run())


async def _no_django(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError(f"the door handed {scope['path']} to Django")


def _stored_ids() -> list[str | None]:
    return list(
        InboundPayload.objects.order_by("provider_id").values_list("provider_id", flat=True)
    )


def test_enabled_only_on_postgresql_with_the_database_task_engine(
    transactional_db: None, settings: Any
) -> None:
    # the tests' task engine runs tasks at once: a task per payload, so no group commit
    assert groupcommit.enabled() is False
    use_task_backends(settings, DATABASE_TASKS)
    assert groupcommit.enabled() is (connection.vendor == "postgresql")
    settings.WEBHOOK_GROUP_COMMIT = False  # JAVOB_WEBHOOK_GROUP_COMMIT=0
    assert groupcommit.enabled() is False


@postgres_only
def test_concurrent_webhooks_are_stored_in_one_commit(
    gcast: Cast, thread_path: list[str], batches: list[int]
) -> None:
    # given an inbox this process has served (the first webhook reads it, on a thread)
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "first"))[0] == 200
    assert (len(thread_path), batches) == (1, [])
    # when twenty distinct webhooks arrive at once
    answers = together(gcast.inbox_a, [f"c-{i:02}" for i in range(20)])
    # then each is acknowledged by the connector, all twenty in one transaction, none on a
    # thread, and each stored once, pending for a worker
    assert [(status, body) for status, _headers, body in answers] == [(200, b"ok")] * 20
    assert (len(thread_path), batches) == (1, [20])
    assert _stored_ids() == [*(f"c-{i:02}" for i in range(20)), "first"]
    assert InboundPayload.objects.filter(processed_at__isnull=True).count() == 21
    stored = InboundPayload.objects.get(provider_id="c-07")
    assert (stored.inbox_id, stored.workspace_id, stored.headers) == (
        gcast.inbox_a.pk,
        gcast.a.pk,
        {"content-type": "application/json"},
    )
    assert bytes(stored.body) == _signed(gcast.inbox_a, "c-07")[1]


@postgres_only
def test_an_acknowledgement_follows_the_commit(gcast: Cast) -> None:
    # given an inbox this process has served
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "first"))[0] == 200
    seen: list[bool] = []

    def committed() -> bool:
        # Another connection (this new thread's) sees only committed rows.
        try:
            return InboundPayload.objects.filter(provider_id="durable-1").exists()
        finally:
            connections.close_all()

    headers, body = _signed(gcast.inbox_a, "durable-1")

    async def one() -> int:
        scope = _scope(f"/hooks/api/{gcast.inbox_a.pk}", headers)
        sent: list[Mapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Mapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen.append(await asyncio.to_thread(committed))
            sent.append(message)

        await asgi.WebhookDoor(_no_django)(scope, receive, send)
        return int(sent[0]["status"])

    # when a webhook is acknowledged, the row was already committed at that moment
    assert asyncio.run(one()) == 200
    assert seen == [True]


@postgres_only
def test_concurrent_repeats_store_one_payload(gcast: Cast, thread_path: list[str]) -> None:
    # given an inbox this process has served
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "first"))[0] == 200
    # when one delivery arrives ten times at once
    answers = together(gcast.inbox_a, ["same"] * 10)
    # then all ten are acknowledged and it is stored once; the nine repeats were answered on
    # the thread path, as a repeated delivery always was
    assert [status for status, _headers, _body in answers] == [200] * 10
    assert _stored_ids() == ["first", "same"]
    assert len(thread_path) == 1 + 9


@postgres_only
def test_a_failed_batch_is_stored_through_django(
    gcast: Cast, thread_path: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an inbox this process has served, and a database that fails the writer's commit
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "first"))[0] == 200

    async def broken(self: groupcommit.PayloadWriter, batch: list[Any]) -> list[int | None]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(groupcommit.PayloadWriter, "_commit", broken)
    # when three webhooks arrive at once
    answers = together(gcast.inbox_a, ["f-1", "f-2", "f-3"])
    # then each was stored by the thread path before its acknowledgement
    assert [status for status, _headers, _body in answers] == [200] * 3
    assert _stored_ids() == ["f-1", "f-2", "f-3", "first"]
    assert len(thread_path) == 1 + 3


@postgres_only
def test_a_switched_off_inbox_or_a_wrong_signature_stores_nothing(gcast: Cast) -> None:
    # given an inbox this process has served
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "first"))[0] == 200
    # when a webhook arrives with another secret, it is refused
    assert together(gcast.inbox_a, ["x"])[0][0] == 200  # control: the right secret
    forged = _signed(gcast.inbox_a, "forged", secret="not-the-secret")
    assert post(gcast.inbox_a, forged)[::2] == (401, b"rejected")
    # when the inbox is switched off, the next webhook finds no inbox
    check_set_inbox_active(gcast.alice, gcast.inbox_a.pk, active=False)
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "off"))[::2] == (404, b"no such inbox")
    # and nothing but the accepted webhooks was stored
    assert _stored_ids() == ["first", "x"]


@postgres_only
def test_a_lost_connection_is_replaced_and_nothing_is_lost(
    gcast: Cast, thread_path: list[str], batches: list[int]
) -> None:
    # given an inbox this process has served
    assert post(gcast.inbox_a, _signed(gcast.inbox_a, "first"))[0] == 200
    requests = {name: _signed(gcast.inbox_a, name) for name in ("before", "lost", "after")}
    path = f"/hooks/api/{gcast.inbox_a.pk}"
    door = asgi.WebhookDoor(_no_django)

    def terminate(pid: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        connections.close_all()

    async def run() -> list[int]:
        statuses = []
        for name, (headers, body) in requests.items():
            statuses.append((await _call(_scope(path, headers), [body], app=door))[0])
            if name == "before":
                # when the server ends the writer's connection between two webhooks
                writer = groupcommit.writer()
                assert writer.connection is not None
                await asyncio.to_thread(terminate, writer.connection.info.backend_pid)
        return statuses

    # then the webhook that met the dead connection is stored on the thread path, and the
    # next one through a new connection
    assert asyncio.run(run()) == [200, 200, 200]
    assert _stored_ids() == ["after", "before", "first", "lost"]
    assert thread_path == ["first", "lost"]
    assert batches == [1, 1, 1]
