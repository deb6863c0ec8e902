"""Transient delivery failures are retried with growing, jittered delays; permanent ones fail.

Time moves with time_machine and the scheduler's sweep drives the retries, as in production
where the database task engine or the sweep picks a message up once it is due.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.connectors.tests.support import customer_conversation, delivery_events, hooked_inbox
from javob.conversations.actions import check_send_reply
from javob.conversations.delivery import backoff_seconds
from javob.conversations.models import Delivery, Message
from javob.conversations.tasks import deliver_message
from javob.core.scheduler import run_once
from javob.core.tests.httpserver import Reply, ScriptedServer, serve

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SWEEP_GRACE = dt.timedelta(seconds=30)  # the sweep leaves a due message to its task this long


@pytest.fixture(autouse=True)
def _delivery_settings(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    settings.JAVOB_RETRY_BASE_SECONDS = 10
    settings.JAVOB_DELIVERY_MAX_ATTEMPTS = 4


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _reply(cast: Cast, on_commit: Callable[..., Any], url: str) -> Message:
    inbox = hooked_inbox(cast.a, url)
    conversation = customer_conversation(inbox)
    with on_commit():
        return check_send_reply(cast.alice, conversation.pk, "Salom")


def _fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def _sweep_when_due(clock: time_machine.Traveller, message: Message) -> dict[str, int]:
    due = _fresh(message).next_attempt_at
    assert due is not None
    clock.move_to(due + SWEEP_GRACE)
    return run_once()


def test_two_503_then_200_is_sent_on_the_third_attempt(
    cast: Cast, on_commit: Callable[..., Any], clock: time_machine.Traveller
) -> None:
    # given an endpoint answering 503 twice, then 200
    script = [Reply(503, b"down"), Reply(503, b"down")]
    with serve(script, default=Reply(200, b'{"id": "p-9"}')) as server:
        reply = _reply(cast, on_commit, server.url)
        # then the first failure schedules a retry 5-10 s later (base 10 s, equal jitter)
        first = _fresh(reply)
        assert (first.delivery_status, first.attempts) == (Delivery.QUEUED, 1)
        assert first.failure_reason == "HTTP 503: down"
        assert first.next_attempt_at is not None
        assert dt.timedelta(seconds=5) <= first.next_attempt_at - T0 <= dt.timedelta(seconds=10)
        # and a sweep before it is due sends nothing
        assert run_once()["resend_due_messages"] == 0
        # when the sweep runs after each retry is due
        assert _sweep_when_due(clock, reply)["resend_due_messages"] == 1
        assert _sweep_when_due(clock, reply)["resend_due_messages"] == 1
        # then the third attempt went through
        message = _fresh(reply)
        assert (message.delivery_status, message.attempts) == (Delivery.SENT, 3)
        assert (message.external_id, message.failure_reason) == ("p-9", "")
        assert len(server.requests) == 3
        # and a later sweep finds nothing to do
        clock.shift(dt.timedelta(hours=2))
        assert run_once()["resend_due_messages"] == 0
    assert len(server.requests) == 3
    assert delivery_events(message) == [{"status": "sent"}]


def test_second_delay_is_longer_than_the_first(
    cast: Cast, on_commit: Callable[..., Any], clock: time_machine.Traveller
) -> None:
    with serve(default=Reply(503, b"down")) as server:
        reply = _reply(cast, on_commit, server.url)
        first = _fresh(reply).next_attempt_at
        assert first is not None
        _sweep_when_due(clock, reply)
        second = _fresh(reply).next_attempt_at
    assert second is not None
    sweep_at = first + SWEEP_GRACE
    # attempt 2 failed at sweep_at and waits 10-20 s; attempt 1 waited 5-10 s
    assert dt.timedelta(seconds=10) <= second - sweep_at <= dt.timedelta(seconds=20)


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 8])
def test_backoff_grows_exponentially_with_jitter_in_bounds(settings: Any, attempt: int) -> None:
    # given a base of 10 s: attempt n waits between 10*2^(n-1)/2 and 10*2^(n-1)
    settings.JAVOB_RETRY_BASE_SECONDS = 10
    ceiling = 10 * 2 ** (attempt - 1)
    samples = [backoff_seconds(attempt) for _ in range(2000)]
    assert all(ceiling / 2 <= s <= ceiling for s in samples)
    # uniform over the upper half: mean 3/4 of the ceiling, spread over the whole band
    assert statistics.fmean(samples) == pytest.approx(0.75 * ceiling, rel=0.03)
    assert min(samples) < 0.52 * ceiling
    assert max(samples) > 0.98 * ceiling
    assert len(set(samples)) > 1900  # jitter: no two retries of a burst line up


def test_backoff_is_capped_at_an_hour(settings: Any) -> None:
    settings.JAVOB_RETRY_BASE_SECONDS = 10
    samples = [backoff_seconds(attempt) for attempt in (10, 20, 60) for _ in range(200)]
    assert all(1800 <= s <= 3600 for s in samples)


def test_backoff_means_double_from_attempt_to_attempt(settings: Any) -> None:
    settings.JAVOB_RETRY_BASE_SECONDS = 10
    means = [statistics.fmean(backoff_seconds(n) for _ in range(2000)) for n in range(1, 7)]
    ratios = [later / earlier for earlier, later in itertools.pairwise(means)]
    assert all(1.9 < ratio < 2.1 for ratio in ratios)


def test_400_is_permanent_and_not_attempted_again(
    cast: Cast, on_commit: Callable[..., Any], clock: time_machine.Traveller
) -> None:
    with serve(default=Reply(400, b'{"error": "unknown recipient"}')) as server:
        reply = _reply(cast, on_commit, server.url)
        clock.shift(dt.timedelta(hours=3))
        assert run_once()["resend_due_messages"] == 0
        # a stray duplicate task does nothing either
        assert deliver_message.call(reply.pk) == "skipped"
    message = _fresh(reply)
    reason = 'HTTP 400: {"error": "unknown recipient"}'
    assert (message.delivery_status, message.failure_reason) == (Delivery.FAILED, reason)
    assert (message.attempts, message.next_attempt_at, message.lease_until) == (1, None, None)
    assert len(server.requests) == 1
    assert delivery_events(message) == [{"status": "failed", "reason": reason}]


@pytest.mark.parametrize("status", [429, 408, 425, 500, 502, 503, 504])
def test_retryable_http_statuses_are_transient(
    cast: Cast, on_commit: Callable[..., Any], clock: time_machine.Traveller, status: int
) -> None:
    with serve(default=Reply(status, b"later")) as server:
        reply = _reply(cast, on_commit, server.url)
    message = _fresh(reply)
    assert (message.delivery_status, message.attempts) == (Delivery.QUEUED, 1)
    assert message.failure_reason == f"HTTP {status}: later"
    assert message.next_attempt_at is not None
    assert message.next_attempt_at > T0
    assert delivery_events(message) == []


@pytest.mark.parametrize("status", [401, 403, 404, 410, 422])
def test_other_client_errors_are_permanent(
    cast: Cast, on_commit: Callable[..., Any], status: int
) -> None:
    with serve(default=Reply(status, b"no")) as server:
        reply = _reply(cast, on_commit, server.url)
    message = _fresh(reply)
    assert (message.delivery_status, message.failure_reason) == (
        Delivery.FAILED,
        f"HTTP {status}: no",
    )


def test_connection_refused_is_transient(
    cast: Cast, on_commit: Callable[..., Any], clock: time_machine.Traveller
) -> None:
    # given a webhook URL where nothing listens any more
    with serve() as gone:
        url = gone.url
    reply = _reply(cast, on_commit, url)
    message = _fresh(reply)
    assert (message.delivery_status, message.attempts) == (Delivery.QUEUED, 1)
    assert message.failure_reason.startswith("Cannot connect to 127.0.0.1:")
    assert "Connection refused" in message.failure_reason


def test_transient_failures_end_in_failed_after_the_last_attempt(
    cast: Cast, on_commit: Callable[..., Any], clock: time_machine.Traveller
) -> None:
    # given at most 4 attempts and an endpoint that is always down
    with serve(default=Reply(503, b"down")) as server:
        reply = _reply(cast, on_commit, server.url)
        for _ in range(3):
            assert _sweep_when_due(clock, reply)["resend_due_messages"] == 1
        # then after the 4th attempt the message failed with the last reason
        message = _fresh(reply)
        assert (message.delivery_status, message.attempts) == (Delivery.FAILED, 4)
        assert message.failure_reason == "HTTP 503: down"
        assert message.next_attempt_at is None
        # and nothing tries again
        clock.shift(dt.timedelta(days=1))
        assert run_once()["resend_due_messages"] == 0
    assert len(server.requests) == 4
    assert delivery_events(message) == [{"status": "failed", "reason": "HTTP 503: down"}]


def test_webhook_to_an_internal_address_fails_at_once_without_a_request(
    cast: Cast, on_commit: Callable[..., Any], settings: Any
) -> None:
    # given the loopback is not allowed
    settings.JAVOB_OUTBOUND_ALLOW = []
    with serve(default=Reply(200, b"{}")) as server:
        reply = _reply(cast, on_commit, server.url)
    message = _fresh(reply)
    assert message.delivery_status == Delivery.FAILED
    assert message.failure_reason == "127.0.0.1 resolves to 127.0.0.1, an internal address."
    assert server.requests == []


def test_worker_that_lost_its_task_is_covered_by_the_sweep(
    cast: Cast, clock: time_machine.Traveller, server_ok: ScriptedServer
) -> None:
    # given a queued reply whose task never ran (the commit hook was lost: no on_commit here)
    inbox = hooked_inbox(cast.a, server_ok.url)
    conversation = customer_conversation(inbox)
    reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    assert server_ok.requests == []
    # when the sweep runs before and after the grace period
    assert run_once()["resend_due_messages"] == 0
    clock.shift(SWEEP_GRACE + dt.timedelta(seconds=1))
    assert run_once()["resend_due_messages"] == 1
    # then it was sent once
    assert _fresh(reply).delivery_status == Delivery.SENT
    assert len(server_ok.requests) == 1


@pytest.fixture
def server_ok() -> Iterator[ScriptedServer]:
    with serve(default=Reply(200, b"{}")) as server:
        yield server
