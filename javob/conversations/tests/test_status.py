from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import Cast
from javob.conversations.actions import (
    check_assign,
    check_change_status,
    check_set_labels,
    check_set_priority,
    check_snooze,
    receive_message,
    wake_snoozed,
)
from javob.conversations.models import Conversation, Event, Status
from javob.conversations.tests.factories import inbound
from javob.core.errors import ActionError, NotFound

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_snooze_then_wake_at_the_time(cast: Cast) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation
        check_snooze(cast.alice, conversation.pk, T0 + dt.timedelta(hours=2))
        clock.shift(dt.timedelta(hours=1, minutes=59))
        assert wake_snoozed() == 0
        clock.shift(dt.timedelta(minutes=1))
        assert wake_snoozed() == 1
        assert wake_snoozed() == 0
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.snoozed_until is None
    last = Event.objects.filter(conversation=conversation, kind="status").order_by("id").last()
    assert last is not None
    assert last.data == {"from": "snoozed", "to": "open", "reason": "snooze_ended"}
    assert last.actor_type == "system"


def test_customer_message_wakes_a_snoozed_conversation(cast: Cast) -> None:
    conversation = receive_message(inbound(cast.inbox_a.pk, "c")).message.conversation
    check_snooze(cast.alice, conversation.pk, dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    receive_message(inbound(cast.inbox_a.pk, "c", "Hali javob yo‘q"))
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


@pytest.mark.parametrize(
    ("until", "field"),
    [
        (T0 - dt.timedelta(minutes=1), "until"),
        (dt.datetime(2026, 12, 1, 9, 0), "until"),  # noqa: DTZ001 - the point of the test
    ],
)
def test_snooze_refuses_past_or_naive_times(cast: Cast, until: dt.datetime, field: str) -> None:
    with time_machine.travel(T0, tick=False):
        conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation
        with pytest.raises(ActionError) as refused:
            check_snooze(cast.alice, conversation.pk, until)
    assert refused.value.field == field
    assert Conversation.objects.get().status == Status.OPEN


def test_each_change_leaves_one_event(cast: Cast) -> None:
    conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation
    check_assign(cast.alice, conversation.pk, assignee_id=cast.bob.pk, team_id=cast.sales.pk)
    check_assign(cast.alice, conversation.pk, assignee_id=cast.bob.pk)  # no change, no event
    check_set_priority(cast.alice, conversation.pk, "urgent")
    check_set_labels(cast.alice, conversation.pk, ["refund", "vip", "refund"])
    check_set_labels(cast.alice, conversation.pk, ["vip"])
    check_change_status(cast.alice, conversation.pk, Status.RESOLVED)
    kinds = list(
        Event.objects.filter(conversation=conversation).order_by("id").values_list("kind", "data")
    )
    assert kinds[2:] == [
        ("assigned", {"assignee_id": cast.bob.pk, "previous_id": None}),
        ("team", {"team_id": cast.sales.pk}),
        ("priority", {"from": "none", "to": "urgent"}),
        ("labels", {"added": ["refund", "vip"], "removed": []}),
        ("labels", {"added": [], "removed": ["refund"]}),
        ("status", {"from": "open", "to": "resolved"}),
    ]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, pk: check_change_status(c.alice, pk, "done"), "status"),
        (lambda c, pk: check_change_status(c.alice, pk, "snoozed"), "status"),
        (lambda c, pk: check_set_priority(c.alice, pk, "p1"), "priority"),
        (lambda c, pk: check_set_labels(c.alice, pk, ["x" * 65]), "labels"),
        (lambda c, pk: check_assign(c.alice, pk, assignee_id=c.charlie.pk), "assignee_id"),
        (lambda c, pk: check_assign(c.alice, pk, team_id=10_000), "team_id"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    cast: Cast, call: object, field: str
) -> None:
    conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation
    events_before = Event.objects.count()
    with pytest.raises(ActionError) as refused:
        call(cast, conversation.pk)  # type: ignore[operator]
    assert refused.value.field == field
    assert Event.objects.count() == events_before


def test_charlie_cannot_change_workspace_a(cast: Cast) -> None:
    conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation
    with pytest.raises(NotFound):
        check_change_status(cast.charlie, conversation.pk, Status.RESOLVED)
    assert Conversation.objects.get().status == Status.OPEN
