"""The rules kept in memory per process, the one statement an event costs, and the token every
rule write changes so that no process runs a rule that was changed, disabled or deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Cast
from javob.automation import loading
from javob.automation.actions import (
    RuleInput,
    check_delete_rule,
    check_move_rule,
    check_save_rule,
    check_set_rule_enabled,
)
from javob.automation.engine import on_event
from javob.automation.models import Rule, RuleRun, RuleSet
from javob.automation.tests.support import conversation, incoming
from javob.conversations.actions import check_set_labels

pytestmark = pytest.mark.django_db


def rule(cast: Cast, actions: str, conditions: str = "", **extra: Any) -> Rule:
    return check_save_rule(
        cast.alice,
        RuleInput(
            name=extra.pop("name", actions),
            trigger=extra.pop("trigger", "message_received"),
            actions_text=actions,
            conditions_text=conditions,
            **extra,
        ),
    )


def statements(call: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def test_an_event_where_no_rule_matches_costs_one_statement(cast: Cast) -> None:
    # given 50 rules that read the text, the labels, the contact and the channel
    for index in range(50):
        rule(
            cast,
            f"labels_add r{index}",
            "message.text contains refund\nlabels contains vip\ncontact.tier is gold",
            match="any",
        )
    message = incoming(cast.inbox_a.pk, "Salom")
    on_event("message_received", message.conversation_id, message_id=message.pk)  # warm

    # when the next message arrives
    second = incoming(cast.inbox_a.pk, "Yana salom")
    sql = statements(
        lambda: on_event("message_received", second.conversation_id, message_id=second.pk)
    )

    # then one statement read everything and nothing was written
    assert len(sql) == 1
    assert sql[0].startswith("SELECT")
    assert RuleRun.objects.count() == 0


def test_the_first_event_after_a_rule_write_reads_the_rules_once(cast: Cast) -> None:
    rule(cast, "priority high", "status is closed")
    talk = conversation(cast.inbox_a.pk)
    on_event("message_received", talk.pk)
    rule(cast, "priority low", "status is closed")

    first = statements(lambda: on_event("message_received", talk.pk))
    second = statements(lambda: on_event("message_received", talk.pk))

    assert len(first) == 2  # the conversation with the new token, then the rules
    assert len(second) == 1


def test_an_event_with_no_rules_at_all_costs_one_statement(cast: Cast) -> None:
    talk = conversation(cast.inbox_a.pk)
    on_event("status_changed", talk.pk)
    assert len(statements(lambda: on_event("status_changed", talk.pk))) == 1


def test_every_rule_write_is_seen_by_the_next_event(cast: Cast) -> None:
    # given two rules, evaluated once (so they are in memory)
    first = rule(cast, "labels_add one")
    second = rule(cast, "labels_add two")
    talk = conversation(cast.inbox_a.pk)

    def fired() -> list[int]:
        return [o.rule_id for o in on_event("message_received", talk.pk) if o.matched]

    assert fired() == [first.pk, second.pk]

    # when each write happens, the very next event runs the rules as they now are
    check_move_rule(cast.alice, second.pk, -1)
    assert fired() == [second.pk, first.pk]
    check_set_rule_enabled(cast.alice, second.pk, enabled=False)
    assert fired() == [first.pk]
    check_save_rule(
        cast.alice,
        RuleInput(name="one", trigger="message_received", actions_text="labels_add one",
                  conditions_text="status is closed"),
        rule_id=first.pk,
    )  # fmt: skip
    assert fired() == []
    check_set_rule_enabled(cast.alice, second.pk, enabled=True)
    assert fired() == [second.pk]
    check_delete_rule(cast.alice, second.pk)
    assert fired() == []


def test_a_rule_changed_by_another_process_is_seen_through_the_token(cast: Cast) -> None:
    # given a rule in this process's memory
    made = rule(cast, "labels_add one")
    talk = conversation(cast.inbox_a.pk)
    assert [o.rule_id for o in on_event("message_received", talk.pk)] == [made.pk]

    # when another process disables it: its write changes the row and the token only
    Rule.objects.filter(pk=made.pk).update(enabled=False)
    loading.bump_rules(cast.a.pk)

    # then this process runs nothing
    assert on_event("message_received", talk.pk) == []
    assert RuleSet.objects.filter(workspace=cast.a).count() == 1


def test_the_loaded_facts_are_the_stored_rows(cast: Cast) -> None:
    message = incoming(cast.inbox_a.pk, "Refund please")
    talk = message.conversation
    check_set_labels(cast.alice, talk.pk, ["VIP", "Refund"])
    other = incoming(cast.inbox_a.pk, "Boshqa", sender="customer-2")

    loaded = loading.load(talk.pk, message.pk)
    foreign = loading.load(talk.pk, other.pk)

    assert loaded is not None
    assert foreign is not None
    assert loaded.conversation.pk == talk.pk
    assert loaded.conversation.created_at == talk.created_at  # an aware datetime
    assert loaded.conversation.contact.name == "Dilnoza Karimova"
    assert loaded.conversation.inbox.kind == "api"
    assert loaded.message is not None
    assert loaded.message.text == "Refund please"
    assert loaded.message.metadata == message.metadata
    assert loaded.labels == frozenset({"vip", "refund"})
    assert loaded.token is None  # no rule was ever written in workspace A
    assert foreign.message is None  # a message of another conversation is not this one's
    assert loading.load(10**9) is None
