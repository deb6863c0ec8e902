"""Rules raised by the other parts: an agent's status change or assignment, an SLA warning or
breach from the sweeper, and routing that follows an agent going offline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.automation.models import RuleRun
from javob.automation.tests.test_rules import rule
from javob.conversations.actions import check_assign, check_change_status
from javob.conversations.models import Conversation
from javob.sla.sweep import sweep_sla
from javob.sla.tests.support import customer_writes, local, standard_policy, tashkent_office

pytestmark = pytest.mark.django_db


def runs(name: str) -> list[bool]:
    return list(RuleRun.objects.filter(rule__name=name).values_list("matched", flat=True))


def test_an_agents_status_change_raises_its_rules_once(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    rule(
        cast,
        "status_changed",
        "priority high",
        name="pending is urgent",
        conditions="status is pending",
    )
    conversation = customer_writes(cast, on_commit).conversation

    with on_commit():
        check_change_status(cast.alice, conversation.pk, "pending")

    assert Conversation.objects.get(pk=conversation.pk).priority == "high"
    assert runs("pending is urgent") == [True]


def test_an_assignment_raises_its_rules(cast: Cast, on_commit: Callable[..., Any]) -> None:
    rule(cast, "assigned", "labels_add vip", name="tag on assign")
    conversation = customer_writes(cast, on_commit).conversation

    with on_commit():
        check_assign(cast.alice, conversation.pk, assignee_id=cast.alice.pk)

    labels = Conversation.objects.get(pk=conversation.pk).labels.values_list("name", flat=True)
    assert list(labels) == ["vip"]


def test_an_sla_breach_raises_its_rules_once_however_often_the_sweeper_runs(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    rule(cast, "sla.breach", "priority urgent", name="escalate")
    with time_machine.travel(local(2026, 11, 23, 10, 0), tick=False):
        conversation = customer_writes(
            cast, on_commit, text="Hello, my order is late."
        ).conversation
    with time_machine.travel(local(2026, 11, 23, 12, 30), tick=False):
        with on_commit():
            sweep_sla()
        with on_commit():
            sweep_sla()

    assert Conversation.objects.get(pk=conversation.pk).priority == "urgent"
    assert runs("escalate") == [True]
