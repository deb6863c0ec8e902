"""With the database task engine a stored webhook is its own queue entry: no task row per
webhook, and workers claim pending payloads directly. Nothing is lost when the web process
dies right after its acknowledgement: the stored payload is all a worker needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from conftest import Cast, make_cast, use_task_backends
from javob.connectors.models import InboundPayload
from javob.connectors.tasks import claim_payload, drain_payloads
from javob.connectors.tests.support import post_signed
from javob.conversations.models import Message
from tests.integration.processes import javob_env, running, wait_until

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _message(external_id: str) -> dict[str, Any]:
    return {"id": external_id, "sender": {"id": "crm-9", "name": "Sardor"}, "text": "Salom"}


@pytest.fixture
def db_tasks(settings: Any) -> None:
    use_task_backends(settings, DATABASE_TASKS)


@pytest.mark.django_db
def test_a_stored_webhook_queues_no_task_row_and_a_drain_processes_it(
    cast: Cast, client: Client, db_tasks: None
) -> None:
    # when two webhooks are acknowledged with the database task engine
    for external_id in ("w-1", "w-2"):
        assert post_signed(client, cast.inbox_a, _message(external_id)).status_code == 200
    # then only the payloads are written, waiting for a worker
    assert DBTaskResult.objects.count() == 0
    assert InboundPayload.objects.filter(processed_at__isnull=True).count() == 2
    # when a worker drains the pending payloads
    assert drain_payloads() == 2
    # then both became messages, oldest first, and nothing is left to do
    assert list(Message.objects.order_by("pk").values_list("external_id", flat=True)) == [
        "w-1",
        "w-2",
    ]
    assert InboundPayload.objects.filter(processed_at__isnull=True).count() == 0
    assert drain_payloads() == 0


@pytest.mark.django_db
def test_a_drain_skips_a_payload_another_worker_holds(
    cast: Cast, client: Client, db_tasks: None
) -> None:
    # given two pending payloads, one of them claimed by another worker (lease running)
    for external_id in ("h-1", "h-2"):
        post_signed(client, cast.inbox_a, _message(external_id))
    held = InboundPayload.objects.get(provider_id="h-1")
    assert claim_payload(held.pk) is not None
    # when this worker drains, it processes only the free one
    assert drain_payloads() == 1
    assert list(Message.objects.values_list("external_id", flat=True)) == ["h-2"]
    held.refresh_from_db()
    assert (held.processed_at, held.attempts) == (None, 1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_processes_a_payload_whose_web_process_died(
    transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    # given a webhook acknowledged and stored, and no task queued for it (the web process
    # died right after its answer, or the engine never queues one)
    use_task_backends(settings, DATABASE_TASKS)
    cast = make_cast()
    response = post_signed(Client(), cast.inbox_a, _message("after-crash"))
    assert response.status_code == 200
    assert DBTaskResult.objects.count() == 0
    # when a worker runs
    with running(["worker"], javob_env(), tmp_path / "worker.log"):
        wait_until(lambda: Message.objects.filter(external_id="after-crash").exists(), 30)
    # then the payload became exactly one message and is marked processed
    payload = InboundPayload.objects.get()
    assert (payload.error, payload.attempts) == ("", 1)
    assert payload.processed_at is not None
    assert json.loads(bytes(payload.body))["id"] == "after-crash"
    assert Message.objects.count() == 1
