"""Deleting conversations while the SLA sweeper writes their timeline rows leaves no orphan.

`conversations_event.conversation_id` is not checked by the database, so this is what keeps
the timeline consistent: `deletion.delete_conversations` locks the conversations and their
SLA timers before deleting the timeline rows. Two real PostgreSQL connections (threads).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from conftest import Cast, make_cast
from javob.conversations import deletion
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Event, EventKind
from javob.conversations.tests.factories import inbound
from javob.sla import sweep
from javob.sla.models import SlaTimer
from javob.sla.tests.support import standard_policy

pytestmark = pytest.mark.django_db(transaction=True)
LATER = dt.timedelta(days=10)  # every first-reply and resolution target is past due then


@pytest.fixture
def postgres(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL only (SQLite serializes)")


def _seed(count: int) -> tuple[Cast, list[int]]:
    cast = make_cast()
    standard_policy(cast, business_hours=False)
    ids = [
        receive_message(inbound(cast.inbox_a.pk, f"customer-{n}")).message.conversation_id
        for n in range(count)
    ]
    return cast, ids


def _orphans() -> int:
    events, conversations = Event._meta.db_table, Conversation._meta.db_table
    sql = (
        f"SELECT count(*) FROM {events} e WHERE NOT EXISTS "  # noqa: S608 - fixed names
        f"(SELECT 1 FROM {conversations} c WHERE c.id = e.conversation_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def _thread(work: Callable[[], Any], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # pragma: no cover - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def pause_deleter(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, ...]:
    """Holds the deleter after it has locked the conversations and their timers."""
    locked, go_on = threading.Event(), threading.Event()

    def hook(conversation_ids: list[int]) -> None:
        sweep.lock_for_delete(conversation_ids)
        locked.set()
        assert go_on.wait(timeout=20)

    monkeypatch.setattr(deletion, "BEFORE_DELETE", ("javob.conversations.tests.pause",))
    monkeypatch.setattr(deletion, "_hook", lambda path: hook)
    return locked, go_on


def test_an_erasure_waits_for_a_sweep_batch_and_deletes_its_rows(postgres: None) -> None:
    # given due targets on 20 conversations, and a sweep batch that claimed them, not committed
    _cast, ids = _seed(20)
    now = timezone.now() + LATER
    claimed = threading.Event()
    errors: list[BaseException] = []
    finished: list[str] = []

    def sweeper() -> None:
        with transaction.atomic():
            claims = sweep._claim_postgres(sweep._BREACH, EventKind.SLA_BREACHED, now)
            assert len(claims) == 40
            claimed.set()
            threading.Event().wait(0.5)  # the erasure starts meanwhile
            finished.append("sweep")

    def erasure() -> None:
        assert claimed.wait(timeout=20)
        deletion.delete_conversations(ids)
        finished.append("erasure")

    threads = [_thread(sweeper, errors), _thread(erasure, errors)]
    for thread in threads:
        thread.join(timeout=60)
    # then the erasure waited for the batch, and its 40 breaches went with the conversations
    assert errors == []
    assert finished == ["sweep", "erasure"]
    assert Conversation.objects.filter(pk__in=ids).count() == 0
    assert Event.objects.count() == 0
    assert SlaTimer.objects.count() == 0
    assert _orphans() == 0


def test_a_sweep_skips_the_timers_of_an_erasure_in_progress(
    postgres: None, pause_deleter: tuple[threading.Event, ...]
) -> None:
    # given 10 conversations being erased (locked, not committed) and 5 others
    _cast, ids = _seed(15)
    erased, kept = ids[:10], ids[10:]
    locked, go_on = pause_deleter
    errors: list[BaseException] = []
    deleter = _thread(lambda: deletion.delete_conversations(erased), errors)
    assert locked.wait(timeout=20)
    # when the sweeper runs meanwhile
    counts = sweep.sweep(timezone.now() + LATER)
    go_on.set()
    deleter.join(timeout=60)
    # then it breached only the others' targets, and nothing of the erased ones is left
    assert errors == []
    assert counts == {"sla_breached": 10, "sla_warning": 0}
    breached = Event.objects.filter(kind=EventKind.SLA_BREACHED)
    assert sorted(set(breached.values_list("conversation_id", flat=True))) == kept
    assert Conversation.objects.filter(pk__in=erased).count() == 0
    assert _orphans() == 0


def test_erasure_and_sweeper_racing_leave_no_orphan_event(
    postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 60 conversations with due targets, swept 3 timers per batch (many transactions)
    _cast, ids = _seed(60)
    monkeypatch.setattr(sweep, "BATCH", 3)
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    swept: list[int] = []

    def sweeper() -> None:
        start.wait(timeout=20)
        swept.append(sum(sweep.sweep(timezone.now() + LATER).values()))

    def erasure() -> None:
        start.wait(timeout=20)
        for chunk in (ids[:30], ids[30:]):
            deletion.delete_conversations(chunk)

    threads = [_thread(sweeper, errors), _thread(erasure, errors)]
    for thread in threads:
        thread.join(timeout=120)
    # then every conversation is gone with all its timeline rows, whatever the interleaving
    assert errors == []
    assert Conversation.objects.count() == 0
    assert _orphans() == 0
    assert Event.objects.count() == 0
    assert 0 <= swept[0] <= 120
