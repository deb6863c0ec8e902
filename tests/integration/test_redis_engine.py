"""The Redis engine: Django 6's `django.tasks` through django-tasks-rq, and channels_redis.

Needs a Redis server on 127.0.0.1:6379 (`redis-server`); skipped when there is none, unless
JAVOB_REQUIRE_SERVICES=1, which makes a missing server a failure. Each xdist worker uses its
own Redis database (15, 14, ...) so parallel runs do not take each other's jobs.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from django.tasks import TaskResultStatus

from conftest import Cast, make_cast, use_task_backends
from javob.accounts.actions import do_create_token
from javob.asgi import application
from javob.connectors.tests.support import customer_conversation, delivery_events, hooked_inbox
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Delivery, Message
from javob.conversations.tasks import deliver_message
from javob.core.tests.httpserver import Reply, ScriptedServer, serve
from javob.realtime.tests.websocket import WebsocketCommunicator
from tests.integration.processes import JAVOB, javob_env, running, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


@pytest.fixture
def redis_url(worker_id: str) -> str:
    number = 15 - (int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0)
    url = f"redis://127.0.0.1:6379/{number}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"redis-server is not reachable at {url} ({exc}): install and start it"
        if os.environ.get("JAVOB_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def rq_engine(redis_url: str, settings: Any) -> Iterator[str]:
    """Point this process's task backend at RQ on `redis_url`, with an empty queue."""
    import django_rq

    settings.REDIS_URL = redis_url
    settings.RQ_QUEUES = {"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 60}}
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    use_task_backends(settings, RQ_TASKS)
    _empty(django_rq.get_queue("default"))
    yield redis_url
    _empty(django_rq.get_queue("default"))


def _empty(queue: Any) -> None:
    from rq.scheduler import RQScheduler

    queue.empty()
    # a killed worker's scheduler keeps its lock until it times out; without the lock a
    # burst worker would not move due jobs from the schedule to the queue
    queue.connection.delete(RQScheduler.get_locking_key(queue.name))
    for registry in (queue.scheduled_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def _run_burst(with_scheduler: bool = False) -> None:
    """Run the queue dry in this process, as `rqworker --burst` would in its own."""
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job)
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True, with_scheduler=with_scheduler)


def _queued_reply(server: ScriptedServer) -> Message:
    cast = make_cast()
    conversation = customer_conversation(hooked_inbox(cast.a, server.url))
    return check_send_reply(cast.alice, conversation.pk, "Salom")


def _sent(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def test_django_task_is_enqueued_through_rq_and_run_by_a_worker(rq_engine: str) -> None:
    # given RQ as the task engine, a reply queued through the action (its commit hook
    # enqueues Django's deliver_message task)
    with serve(default=Reply(200, b'{"id": "p-rq"}')) as server:
        reply = _queued_reply(server)
        # and the same task enqueued by hand, to read back its result
        result = deliver_message.enqueue(reply.pk)
        statuses = [result.status]
        # when an RQ worker with the django-tasks job class drains the queue
        _run_burst()
    # then the reply was sent once, and the task result says how it ended
    message = _sent(reply)
    assert (message.delivery_status, message.external_id) == (Delivery.SENT, "p-rq")
    assert len(server.requests) == 1
    assert delivery_events(message) == [{"status": "sent"}]
    result.refresh()
    statuses.append(result.status)
    assert statuses == [TaskResultStatus.READY, TaskResultStatus.SUCCESSFUL]
    assert result.return_value in {"sent", "skipped"}
    assert deliver_message.get_result(result.id).id == result.id


def test_retry_is_deferred_with_run_after_through_rq(rq_engine: str, settings: Any) -> None:
    # given a short backoff and an endpoint that fails once
    settings.JAVOB_RETRY_BASE_SECONDS = 0.4
    with serve([Reply(503, b"busy")], default=Reply(200, b"{}")) as server:
        reply = _queued_reply(server)
        _run_burst()
        # then the retry waits in RQ's schedule, not in the queue
        import django_rq

        queue = django_rq.get_queue("default")
        assert _sent(reply).delivery_status == Delivery.QUEUED
        assert len(queue.scheduled_job_registry.get_job_ids()) == 1
        # when it is due and a worker with the scheduler runs
        time.sleep(0.5)
        _run_burst(with_scheduler=True)
    message = _sent(reply)
    assert (message.delivery_status, message.attempts) == (Delivery.SENT, 2)
    assert len(server.requests) == 2


def _worker_sends(args: list[str], rq_engine: str, tmp_path: Path) -> None:
    """Start `javob ARGS` with REDIS_URL and wait for it to send a queued reply."""
    with serve(default=Reply(200, b"{}")) as server:
        reply = _queued_reply(server)
        env = javob_env(REDIS_URL=rq_engine, JAVOB_OUTBOUND_ALLOW="127.0.0.1/32")
        log = tmp_path / "rqworker.log"
        with running(args, env, log):
            wait_until(
                lambda: (
                    _sent(reply).delivery_status != Delivery.QUEUED
                    or "Traceback" in log.read_text()
                ),
                timeout=15,
                what="the worker to run the task",
            )
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    assert _sent(reply).delivery_status == Delivery.SENT
    assert len(server.requests) == 1


@pytest.mark.slow
def test_rqworker_with_the_django_tasks_job_class_runs_javob_tasks(
    rq_engine: str, tmp_path: Path
) -> None:
    _worker_sends(
        ["rqworker", "default", "--with-scheduler", "--job-class", "django_tasks_rq.Job"],
        rq_engine,
        tmp_path,
    )


@pytest.mark.slow
def test_javob_worker_with_redis_runs_javob_tasks(rq_engine: str, tmp_path: Path) -> None:
    _worker_sends(["worker"], rq_engine, tmp_path)


@pytest.mark.asyncio
async def test_channels_redis_delivers_an_event_published_by_another_process(
    redis_url: str, settings: Any, tmp_path: Path
) -> None:
    # given the Redis channel layer (a prefix of its own), and bob connected to it
    prefix = f"javob-test-{uuid.uuid4().hex[:8]}"
    layer = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [redis_url], "prefix": prefix},
    }
    settings.CHANNEL_LAYERS = {"default": layer}
    cast, secret = await database_sync_to_async(_bob_and_token)()
    headers = [(b"origin", b"http://127.0.0.1"), (b"authorization", f"Bearer {secret}".encode())]
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    assert (await socket.connect())[0] is True
    assert (await socket.receive_json_from())["event"] == "hello"
    # when another process publishes an event to bob
    script = (
        "from django.conf import settings; "
        f"settings.CHANNEL_LAYERS = {{'default': {layer!r}}}; "
        "from javob.realtime.publish import publish; "
        f"publish([{cast.bob.pk}], 'test.event', {{'n': 1}})"
    )
    env = javob_env(REDIS_URL=redis_url)
    await database_sync_to_async(subprocess.run)(
        [str(JAVOB), "shell", "-c", script], env=env, check=True, timeout=30, capture_output=True
    )
    # then it arrives through Redis
    assert await socket.receive_json_from(timeout=5) == {"event": "test.event", "payload": {"n": 1}}
    await socket.disconnect()


def _bob_and_token() -> tuple[Cast, str]:
    cast = make_cast()
    return cast, do_create_token(cast.bob)[1]
