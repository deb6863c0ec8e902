"""The sweep after downtime: every due target breached once, in batches, with its timeline row,
its rules and its realtime notice; and two sweepers at once claim each target once."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from channels.layers import get_channel_layer
from django.db import connections

from conftest import Cast, make_cast
from javob.automation.actions import RuleInput, check_save_rule
from javob.automation.models import RuleRun
from javob.conversations.models import Conversation, Event
from javob.realtime import publish
from javob.sla import sweep as sweeper
from javob.sla.models import SlaTimer
from javob.sla.tests.support import customer_writes, local, standard_policy, tashkent_office

OnCommit = Callable[..., Any]
CUSTOMERS = 7


class Browser:
    """A channel in the real in-memory layer, joined to one agent's group, on an event loop
    running in a thread (as the web server's loop would)."""

    def __init__(self, membership_id: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.layer = get_channel_layer()
        self.channel = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(publish.agent_group(membership_id), self.channel))
        publish.register_loop(self.loop)

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=5)

    def received(self) -> list[dict[str, Any]]:
        self._run(asyncio.sleep(0.05))  # let the sends scheduled from this thread land
        messages = []
        while True:
            try:
                messages.append(self._run(asyncio.wait_for(self.layer.receive(self.channel), 0.2)))
            except TimeoutError:
                return messages

    def close(self) -> None:
        publish._home.clear()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@contextmanager
def browser_of(membership_id: int) -> Iterator[Browser]:
    # Opened inside the test's time travel: the layer dates group memberships and messages.
    browser = Browser(membership_id)
    try:
        yield browser
    finally:
        browser.close()


def escalation_rules(cast: Cast) -> None:
    for name, trigger in (("on breach", "sla.breach"), ("on warning", "sla.warning")):
        check_save_rule(
            cast.alice,
            RuleInput(name=name, trigger=trigger, actions_text=f"labels_add {name[3:]}"),
        )


@pytest.mark.django_db
def test_a_catch_up_after_downtime_breaches_everything_once_in_batches(
    cast: Cast, on_commit: OnCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 7 conversations with first-reply (2 h) and resolution (8 h) targets from Monday
    # 09:00, rules on breach and on warning, and batches of 3
    monkeypatch.setattr(sweeper, "BATCH", 3)
    tashkent_office(cast)
    standard_policy(cast)
    escalation_rules(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        ids = [
            customer_writes(cast, on_commit, sender=f"c-{i}").conversation_id
            for i in range(CUSTOMERS)
        ]

    # when the scheduler comes back on Wednesday, then runs again
    with (
        time_machine.travel(local(2026, 11, 25, 12, 0), tick=False),
        browser_of(cast.alice.pk) as browser,
    ):
        with on_commit():
            first = sweeper.sweep()
        with on_commit():
            second = sweeper.sweep()
        received = browser.received()

    # then every target was breached once (no late warning), dated at its due time
    assert first == {"sla_breached": 2 * CUSTOMERS, "sla_warning": 0}
    assert second == {"sla_breached": 0, "sla_warning": 0}
    timers = SlaTimer.objects.filter(conversation_id__in=ids)
    due = {(t.conversation_id, t.metric): t.due_at for t in timers if t.due_at is not None}
    assert len(due) == 2 * CUSTOMERS
    assert sorted({t.metric for t in timers}) == ["first_reply", "resolution"]
    events = Event.objects.filter(conversation_id__in=ids, kind="sla_breached")
    assert not Event.objects.filter(conversation_id__in=ids, kind="sla_warning").exists()
    assert sorted((e.conversation_id, e.data["metric"], e.created_at) for e in events) == sorted(
        (cid, metric, at) for (cid, metric), at in due.items()
    )
    assert {(e.actor_type, e.actor_id, e.message_id) for e in events} == {("system", None, None)}
    assert {e.workspace_id for e in events} == {cast.a.pk}
    assert all(t.breached_at == t.due_at and t.warned_at is None for t in timers)
    # the breach rule ran once per target, the warning rule never
    runs = RuleRun.objects.filter(conversation_id__in=ids)
    assert sorted(runs.values_list("rule__name", "matched")) == [("on breach", True)] * (
        2 * CUSTOMERS
    )
    assert sorted(str(key) for key in runs.values_list("event_key", flat=True)) == sorted(
        f"sla:{t.pk}:{due[t.conversation_id, t.metric].isoformat()}" for t in timers
    )
    labelled = Conversation.objects.filter(pk__in=ids, labels__name="breach").count()
    assert labelled == CUSTOMERS
    # and alice's browser got one notice per batch, naming each breached target once
    # (and the breach rule's label, added to each conversation once, announced itself)
    assert Counter(m["event"] for m in received) == {
        "sla.breached": 5,
        "conversation.updated": CUSTOMERS,
    }
    notices = [m for m in received if m["event"] == "sla.breached"]
    assert [len(m["payload"]["conversations"]) for m in notices] == [3, 3, 3, 3, 2]
    announced = sorted(
        (item["id"], item["sla"]["metric"], item["sla"]["at"])
        for m in notices
        for item in m["payload"]["conversations"]
    )
    assert announced == sorted((cid, metric, at.isoformat()) for (cid, metric), at in due.items())


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_claim_each_target_once(
    on_commit: OnCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 7 conversations whose targets are all past due, and small batches
    monkeypatch.setattr(sweeper, "BATCH", 2)
    cast = make_cast()
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        for i in range(CUSTOMERS):
            customer_writes(cast, on_commit, sender=f"c-{i}")
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait(timeout=10)
            while (counts := sweeper.sweep(local(2026, 11, 25, 12, 0))) != {
                "sla_breached": 0,
                "sla_warning": 0,
            }:
                results.append(counts)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when two sweepers run at the same moment, each until it finds nothing
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then each target was claimed and written exactly once between them
    assert errors == []
    assert sum(counts["sla_breached"] for counts in results) == 2 * CUSTOMERS
    assert Event.objects.filter(kind="sla_breached").count() == 2 * CUSTOMERS
    keys = Event.objects.filter(kind="sla_breached").values_list("conversation_id", "data")
    assert len({(cid, data["metric"]) for cid, data in keys}) == 2 * CUSTOMERS


@pytest.mark.django_db
def test_a_warning_escalates_through_its_rule_once_and_the_breach_through_its_own(
    cast: Cast, on_commit: OnCommit
) -> None:
    # given a first-reply target due at 11:00 (warning from 10:30) and a rule for each
    tashkent_office(cast)
    standard_policy(cast)
    escalation_rules(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        talk = customer_writes(cast, on_commit).conversation

        # when the sweeper runs inside the warning window, twice, then after the due time
        clock.move_to(local(2026, 11, 23, 10, 40))
        with on_commit():
            warned = sweeper.sweep()
        with on_commit():
            again = sweeper.sweep()
        after_warning = sorted(RuleRun.objects.values_list("rule__name", "event_key"))
        clock.move_to(local(2026, 11, 23, 11, 5))
        with on_commit():
            breached = sweeper.sweep()

    # then the warning rule ran once for the warning, the breach rule once for the breach
    timer = SlaTimer.objects.get(conversation=talk, metric="first_reply")
    assert (warned, again, breached) == (
        {"sla_breached": 0, "sla_warning": 1},
        {"sla_breached": 0, "sla_warning": 0},
        {"sla_breached": 1, "sla_warning": 0},
    )
    assert after_warning == [
        (
            "on warning",
            f"sla:{timer.pk}:{local(2026, 11, 23, 10, 30).astimezone(dt.UTC).isoformat()}",
        )
    ]
    assert sorted(RuleRun.objects.values_list("rule__name", "matched")) == [
        ("on breach", True),
        ("on warning", True),
    ]
    labels = Conversation.objects.get(pk=talk.pk).labels.values_list("name", flat=True)
    assert sorted(labels) == ["breach", "warning"]
