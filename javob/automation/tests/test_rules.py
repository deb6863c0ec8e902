from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail

from conftest import Cast
from javob.automation.actions import CannedInput, RuleInput, check_save_canned, check_save_rule
from javob.automation.actor import automation_actor
from javob.automation.engine import on_event
from javob.automation.models import Rule, RuleRun
from javob.automation.steps import after_receive
from javob.automation.sweeps import no_reply_sweep
from javob.automation.tests.support import conversation
from javob.contacts.actions import ContactInput, check_update_contact
from javob.conversations.actions import (
    check_assign,
    check_send_reply,
    check_set_labels,
    check_set_priority,
    receive_message,
)
from javob.conversations.models import Conversation, Event, Message
from javob.core.errors import ActionError
from javob.core.tests.httpserver import Reply, serve
from javob.core.types import Identity, InboundMessage

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def rule(cast: Cast, trigger: str, actions: str, conditions: str = "", **extra: Any) -> Rule:
    name = extra.pop("name", f"{trigger}: {actions.splitlines()[0]}")
    return check_save_rule(
        cast.alice,
        RuleInput(
            name=name, trigger=trigger, actions_text=actions, conditions_text=conditions, **extra
        ),
    )


def rich_conversation(cast: Cast) -> tuple[Conversation, Message]:
    """Open, high priority, in Uzbek, Support team, assigned to alice, labelled vip, a gold
    customer, and a negative message asking for a refund."""
    message = receive_message(
        InboundMessage(
            inbox_id=cast.inbox_a.pk,
            sender=Identity("api", "dilnoza"),
            external_id="m-1",
            text="Buyurtma 12345 qaytarish kerak (refund)",
            sender_name="Dilnoza Karimova",
            metadata={"sentiment": {"label": "negative", "score": 0.91}},
        )
    ).message
    talk = message.conversation
    check_assign(cast.alice, talk.pk, assignee_id=cast.alice.pk, team_id=cast.support.pk)
    check_set_priority(cast.alice, talk.pk, "high")
    check_set_labels(cast.alice, talk.pk, ["vip"])
    check_update_contact(
        cast.alice, talk.contact_id, ContactInput(custom_attributes={"tier": "gold"})
    )
    # No action sets the language yet (the intelligence step will): set it as it would.
    Conversation.objects.filter(pk=talk.pk).update(language="uz")
    return talk, message


CONDITIONS = [
    ("status is open", True),
    ("status is_not open", False),
    ("status in pending, open", True),
    ("priority is high", True),
    ("priority in low, medium", False),
    ("channel is api", True),
    ("channel is email", False),
    ("language is uz", True),
    ("language is ru", False),
    ("language is_set", True),
    ("inbox is API A", True),
    ("team is Support", True),
    ("team is Sales", False),
    ("assignee is alice@example.com", True),
    ("assignee is_not_set", False),
    ("labels contains VIP", True),
    ("labels not_contains vip", False),
    ("contact.name contains karim", True),
    ("contact.country is_set", False),
    ("contact.tier is gold", True),
    ("contact.tier is silver", False),
    ("contact.plan is_not_set", True),
    ("message.text contains REFUND", True),
    ("message.text not_contains refund", False),
    (r"message.text matches buyurtma\s+\d{5}", True),
    ("message.text matches ^refund", False),
    ("message.sentiment is negative", True),
    ("message.intent is refund", False),  # not known yet: the condition is false
    ("message.intent is_not refund", True),
    ("business_hours is yes", True),  # no calendar plugged in: always open
    ("business_hours is no", False),
]


@pytest.mark.parametrize(("condition", "expected"), CONDITIONS)
def test_each_condition(cast: Cast, condition: str, expected: bool) -> None:
    # given a rule with one condition
    talk, message = rich_conversation(cast)
    made = rule(cast, "message_received", "priority urgent", condition)
    # when a message arrives
    outcomes = on_event("message_received", talk.pk, message_id=message.pk)
    # then the rule ran exactly when the condition holds
    assert [(o.rule_id, o.matched) for o in outcomes] == [(made.pk, expected)]
    talk.refresh_from_db()
    assert talk.priority == ("urgent" if expected else "high")


def closed(conversation: Conversation, at: dt.datetime) -> bool:
    return False


def test_business_hours_come_from_the_plugged_in_predicate(cast: Cast, settings: Any) -> None:
    settings.JAVOB_AUTOMATION_BUSINESS_HOURS = f"{__name__}.closed"
    talk = conversation(cast.inbox_a.pk)
    rule(cast, "message_received", "labels_add after-hours", "business_hours is no")

    on_event("message_received", talk.pk)

    assert list(talk.labels.values_list("name", flat=True)) == ["after-hours"]


@pytest.mark.parametrize(("match", "expected"), [("all", "none"), ("any", "urgent")])
def test_all_or_any(cast: Cast, match: str, expected: str) -> None:
    talk = conversation(cast.inbox_a.pk)
    rule(
        cast, "message_received", "priority urgent", "status is open\npriority is high", match=match
    )

    on_event("message_received", talk.pk)

    talk.refresh_from_db()
    assert talk.priority == expected


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ("mood is sad", "Line 1: unknown field 'mood'"),
        ("status is done", "Line 1: status is one of: open, pending, snoozed, resolved, closed"),
        ("status contains o", "Line 1: status takes one of: is, is_not, in"),
        ("team is Nobody", "Line 1: no team named 'Nobody'"),
        ("message.text contains", "Line 1: message.text contains needs a value"),
        (
            "message.text matches (a+)+$",
            "Line 1: This pattern could take very long on some "
            "messages: avoid repeating a group that itself repeats or has alternatives, and "
            "back-references.",
        ),
        (
            r"message.text matches (\w|\d)*x",
            "Line 1: This pattern could take very long on some "
            "messages: avoid repeating a group that itself repeats or has alternatives, and "
            "back-references.",
        ),
        (
            r"message.text matches (a)\1",
            "Line 1: This pattern could take very long on some "
            "messages: avoid repeating a group that itself repeats or has alternatives, and "
            "back-references.",
        ),
        (
            "message.text matches [unclosed",
            "Line 1: Not a valid pattern: unterminated character set at position 0",
        ),
        ("message.text matches " + "a" * 201, "Line 1: A pattern is at most 200 characters."),
        ("business_hours is maybe", "Line 1: business_hours is yes or no"),
    ],
)
def test_bad_conditions_are_refused_with_the_line(
    cast: Cast, conditions: str, message: str
) -> None:
    with pytest.raises(ActionError) as refused:
        rule(cast, "message_received", "priority low", conditions)
    assert (refused.value.message, refused.value.field) == (message, "conditions")
    assert Rule.objects.count() == 0


def test_no_reply_rules_need_hours(cast: Cast) -> None:
    with pytest.raises(ActionError) as refused:
        rule(cast, "no_reply", "priority high")
    assert refused.value.field == "hours"


# Actions.


def test_actions_act_as_the_automation_agent(cast: Cast) -> None:
    # given rules that change everything a rule can change
    check_save_canned(
        cast.alice,
        CannedInput(
            "ack", "Ack", {"en": "Hi {{contact.first_name}}, {{agent.first_name | we}} will help."}
        ),
    )
    rule(
        cast,
        "message_received",
        "assign_team Sales\nassign_agent bob@example.com\npriority urgent\nlabels_add vip\n"
        "reply ack\nnote Routed by a rule to {{agent.name | the assignee}}\nstatus pending",
    )
    talk = conversation(cast.inbox_a.pk)
    before = Event.objects.filter(conversation=talk).count()
    # when the rules run
    [outcome] = on_event("message_received", talk.pk)
    # then each change is made, each with its event, by the Automation pseudo-agent
    robot = automation_actor(cast.a.pk)
    talk.refresh_from_db()
    assert (talk.team_id, talk.assignee_id, talk.priority, talk.status) == (
        cast.sales.pk,
        cast.bob.pk,
        "urgent",
        "pending",
    )
    assert outcome.actions_done == (
        f"assign_team {cast.sales.pk}",
        f"assign_agent {cast.bob.pk}",
        "priority urgent",
        "labels_add vip",
        "reply /ack",
        "note",
        "status pending",
    )
    events = Event.objects.filter(conversation=talk).order_by("id")[before:]
    assert [(e.kind, e.actor_id, e.actor_type) for e in events] == [
        ("team", robot.pk, "agent"),
        ("assigned", robot.pk, "agent"),
        ("priority", robot.pk, "agent"),
        ("labels", robot.pk, "agent"),
        ("message_out", None, "system"),
        ("note", robot.pk, "agent"),
        ("status", robot.pk, "agent"),
    ]
    reply, note = talk.messages.exclude(direction="incoming").order_by("id")
    assert (reply.sender_type, reply.sender_agent_id, reply.text) == (
        "system",
        None,
        "Hi Dilnoza, we will help.",
    )
    assert (note.sender_agent_id, note.text) == (robot.pk, "Routed by a rule to the assignee")
    # and the automation agent is no agent anyone sees
    assert (robot.is_active, robot.user.is_active, robot.role, robot.name) == (
        False,
        False,
        "supervisor",
        "Automation",
    )


def test_snooze_and_labels_remove(cast: Cast) -> None:
    talk = conversation(cast.inbox_a.pk)
    check_set_labels(cast.alice, talk.pk, ["new", "vip"])
    rule(cast, "message_received", "labels_remove new\nsnooze 4")
    with time_machine.travel(T0, tick=False):
        on_event("message_received", talk.pk)
    talk.refresh_from_db()
    assert (talk.status, talk.snoozed_until) == ("snoozed", T0 + dt.timedelta(hours=4))
    assert list(talk.labels.values_list("name", flat=True)) == ["vip"]


def test_email_goes_through_django_mail(cast: Cast, on_commit: Callable[..., Any]) -> None:
    rule(
        cast,
        "message_received",
        "email ops@example.com, lead@example.com | Conversation #{{conversation.number}} | "
        "{{contact.name}} wrote to {{inbox.name}}",
    )
    talk = conversation(cast.inbox_a.pk)
    with on_commit():
        on_event("message_received", talk.pk)
    [sent] = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (
        ["ops@example.com", "lead@example.com"],
        f"Conversation #{talk.number}",
        "Dilnoza Karimova wrote to API A",
    )


def test_webhook_is_called_through_the_safe_client(
    cast: Cast, on_commit: Callable[..., Any], settings: Any
) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    talk = conversation(cast.inbox_a.pk)
    with serve([Reply(204)]) as server:
        made = rule(cast, "message_received", f"webhook {server.url}/javob", name="Tell the CRM")
        with on_commit():
            on_event("message_received", talk.pk)
        [request] = server.requests
    assert (request.method, request.path, request.headers["content-type"]) == (
        "POST",
        "/javob",
        "application/json",
    )
    body = request.json()
    assert (body["event"], body["rule"], body["conversation"]["id"]) == (
        "message_received",
        {"id": made.pk, "name": "Tell the CRM"},
        talk.pk,
    )


def test_webhook_to_an_internal_address_is_refused(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    talk = conversation(cast.inbox_a.pk)
    with serve([Reply(204)]) as server:
        rule(cast, "message_received", f"webhook {server.url}/javob")
        with on_commit():
            on_event("message_received", talk.pk)
        assert server.requests == []


# Order, stop processing, the run log.


def test_rules_run_in_order_and_later_ones_see_earlier_changes(cast: Cast) -> None:
    first = rule(cast, "message_received", "priority high")
    second = rule(cast, "message_received", "labels_add seen-high", "priority is high")
    talk = conversation(cast.inbox_a.pk)

    outcomes = on_event("message_received", talk.pk)

    assert [(o.rule_id, o.matched) for o in outcomes] == [(first.pk, True), (second.pk, True)]
    assert list(talk.labels.values_list("name", flat=True)) == ["seen-high"]


def test_stop_processing_skips_the_later_rules(cast: Cast) -> None:
    first = rule(cast, "message_received", "priority high", stop_processing=True)
    rule(cast, "message_received", "priority low")
    talk = conversation(cast.inbox_a.pk)

    outcomes = on_event("message_received", talk.pk)

    assert [o.rule_id for o in outcomes] == [first.pk]
    talk.refresh_from_db()
    assert talk.priority == "high"


def test_a_stopping_rule_that_does_not_match_lets_the_others_run(cast: Cast) -> None:
    rule(cast, "message_received", "priority high", "status is closed", stop_processing=True)
    rule(cast, "message_received", "priority low")
    talk = conversation(cast.inbox_a.pk)
    on_event("message_received", talk.pk)
    talk.refresh_from_db()
    assert talk.priority == "low"


def test_disabled_rules_and_other_events_do_not_run(cast: Cast) -> None:
    rule(cast, "message_received", "priority high", enabled=False)
    rule(cast, "status_changed", "priority low")
    talk = conversation(cast.inbox_a.pk)
    assert on_event("message_received", talk.pk) == []
    talk.refresh_from_db()
    assert talk.priority == "none"


def test_the_run_log_records_matches_errors_and_misses_when_asked(cast: Cast) -> None:
    ok = rule(cast, "message_received", "priority high")
    miss = rule(cast, "message_received", "priority low", "status is closed", log_misses=True)
    quiet = rule(cast, "message_received", "priority low", "status is closed")
    broken = rule(cast, "message_received", "priority urgent\nassign_agent bob@example.com")
    talk = conversation(cast.inbox_a.pk)
    check_assign(cast.alice, talk.pk, team_id=cast.support.pk)
    # bob leaves: the rule's assignment now fails and its priority change is undone
    type(cast.bob).objects.filter(pk=cast.bob.pk).update(is_active=False)

    on_event("message_received", talk.pk, event_key="message:1")

    runs = {run.rule_id: run for run in RuleRun.objects.all()}
    assert set(runs) == {ok.pk, miss.pk, broken.pk}
    assert (runs[ok.pk].matched, runs[ok.pk].actions_done, runs[ok.pk].error) == (
        True,
        ["priority high"],
        "",
    )
    assert (runs[miss.pk].matched, runs[miss.pk].actions_done) == (False, [])
    assert (runs[broken.pk].matched, runs[broken.pk].actions_done, runs[broken.pk].error) == (
        True,
        [],
        "No such agent in this workspace.",
    )
    assert quiet.pk not in runs
    talk.refresh_from_db()
    assert talk.priority == "high"


def test_the_pipeline_step_runs_created_then_received_rules_once(cast: Cast) -> None:
    rule(cast, "conversation_created", "labels_add new")
    rule(cast, "message_received", "priority high")
    first = conversation(cast.inbox_a.pk).messages.get()
    after_receive(first.pk)
    after_receive(first.pk)  # the pipeline ran again after a crash: nothing repeats
    second = receive_message(
        InboundMessage(
            inbox_id=cast.inbox_a.pk,
            sender=Identity("api", "customer-1"),
            external_id="again",
            text="?",
        )
    ).message
    after_receive(second.pk)

    assert list(RuleRun.objects.order_by("id").values_list("trigger", "event_key")) == [
        ("conversation_created", f"message:{first.pk}"),
        ("message_received", f"message:{first.pk}"),
        ("message_received", f"message:{second.pk}"),
    ]
    assert second.conversation_id == first.conversation_id


def test_a_rule_of_workspace_a_never_runs_on_workspace_b(cast: Cast) -> None:
    rule(cast, "message_received", "priority high")
    talk = conversation(cast.inbox_b.pk)
    assert on_event("message_received", talk.pk) == []


# Loop protection.


def test_two_rules_that_undo_each_other_stop_after_one_round(cast: Cast) -> None:
    # given two rules that would ping-pong: pending -> open, open -> pending
    reopen = rule(cast, "status_changed", "status open", "status is pending", name="Reopen")
    park = rule(cast, "status_changed", "status pending", "status is open", name="Park")
    talk = conversation(cast.inbox_a.pk)
    from javob.conversations.actions import check_change_status

    check_change_status(cast.alice, talk.pk, "pending")
    # when the status change is announced
    outcomes = on_event("status_changed", talk.pk)
    # then each rule ran once, and the rule that would start the second round was stopped
    assert [(o.rule_id, o.matched, o.error != "") for o in outcomes] == [
        (reopen.pk, True, False),  # pending -> open
        (park.pk, True, False),  # sees open (later rules see earlier changes): -> pending
        (reopen.pk, True, True),  # the status change would start round two: stopped
        (park.pk, False, False),
    ]
    talk.refresh_from_db()
    assert talk.status == "pending"
    assert list(RuleRun.objects.order_by("id").values_list("rule__name", "error")) == [
        ("Reopen", ""),
        ("Park", ""),
        (
            "Reopen",
            "Skipped: this rule already ran on this conversation in the same chain of "
            "events (loop protection).",
        ),
    ]
    statuses = Event.objects.filter(conversation=talk, kind="status").values_list("data", flat=True)
    assert [(d["from"], d["to"]) for d in statuses] == [
        ("open", "pending"),
        ("pending", "open"),
        ("open", "pending"),
    ]


def test_a_rule_may_raise_an_event_another_rule_handles(cast: Cast) -> None:
    rule(cast, "message_received", "status pending", "message.text contains thanks")
    rule(cast, "status_changed", "labels_add waiting", "status is pending")
    message = conversation(cast.inbox_a.pk, "thanks!").messages.get()
    talk = message.conversation
    on_event("message_received", talk.pk, message_id=message.pk)
    assert list(talk.labels.values_list("name", flat=True)) == ["waiting"]


# No reply for N hours.


def test_no_reply_fires_once_per_waiting_period(cast: Cast) -> None:
    made = rule(cast, "no_reply", "priority urgent", "priority is_not urgent", hours=4)
    other = rule(cast, "no_reply", "labels_add stale", "labels contains vip", hours=1)
    with time_machine.travel(T0, tick=False) as clock:
        waiting = conversation(cast.inbox_a.pk, sender="waiting")
        answered = conversation(cast.inbox_a.pk, sender="answered")
        clock.shift(dt.timedelta(minutes=5))
        check_send_reply(cast.alice, answered.pk, "On it")
        clock.shift(dt.timedelta(hours=3, minutes=54))
        assert no_reply_sweep() == 1  # only the 1-hour rule is due; it does not match
        clock.shift(dt.timedelta(minutes=1))
        assert no_reply_sweep() == 1
        assert no_reply_sweep() == 0
        # the customer writes again: a new waiting period starts
        clock.shift(dt.timedelta(minutes=1))
        receive_message(
            InboundMessage(
                inbox_id=cast.inbox_a.pk,
                sender=Identity("api", "waiting"),
                external_id="w2",
                text="?",
            )
        )
        clock.shift(dt.timedelta(hours=4))
        assert no_reply_sweep() == 2
    waiting.refresh_from_db()
    answered.refresh_from_db()
    assert (waiting.priority, answered.priority) == ("urgent", "none")
    runs = RuleRun.objects.filter(rule=made).order_by("id")
    assert [(r.matched, r.error) for r in runs] == [(True, ""), (False, "")]
    assert RuleRun.objects.filter(rule=other, matched=True).count() == 0


def test_an_agents_change_runs_rules_in_a_task_after_commit(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    from javob.automation.engine import notify
    from javob.conversations.actions import check_change_status

    rule(cast, "status_changed", "labels_add parked", "status is pending")
    talk = conversation(cast.inbox_a.pk)
    with on_commit():
        check_change_status(cast.alice, talk.pk, "pending")
        notify("status_changed", talk.pk)  # where the integrator wires it
        assert list(talk.labels.values_list("name", flat=True)) == []  # not before commit
    assert list(talk.labels.values_list("name", flat=True)) == ["parked"]


def test_a_macro_raises_the_events_of_its_changes(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    from javob.automation.actions import check_apply_macro, check_save_macro

    rule(cast, "assigned", "priority high", "assignee is bob@example.com")
    macro = check_save_macro(cast.alice, "To Bob", "assign_agent bob@example.com")
    talk = conversation(cast.inbox_a.pk)
    with on_commit():
        check_apply_macro(cast.alice, macro.pk, talk.pk)
    talk.refresh_from_db()
    assert (talk.assignee_id, talk.priority) == (cast.bob.pk, "high")


def test_the_same_change_announced_twice_runs_each_rule_once(
    cast: Cast, on_commit: Callable[..., Any]
) -> None:
    from javob.automation.engine import notify
    from javob.conversations.actions import check_change_status

    made = rule(cast, "status_changed", "note Status changed", "status is pending")
    talk = conversation(cast.inbox_a.pk)
    with on_commit():
        check_change_status(cast.alice, talk.pk, "pending")
        notify("status_changed", talk.pk)
        notify("status_changed", talk.pk)  # e.g. by the action and by the view
    runs = RuleRun.objects.filter(rule=made)
    assert [(r.matched, r.error) for r in runs] == [(True, "")]
    assert talk.messages.filter(direction="note").count() == 1


def test_the_run_log_keeps_ninety_days(cast: Cast) -> None:
    from javob.automation.sweeps import prune_rule_runs

    rule(cast, "message_received", "priority high")
    talk = conversation(cast.inbox_a.pk)
    with time_machine.travel(T0, tick=False) as clock:
        on_event("message_received", talk.pk, event_key="old")
        clock.shift(dt.timedelta(days=1))
        on_event("message_received", talk.pk, event_key="new")
        clock.shift(dt.timedelta(days=89, seconds=1))
        assert prune_rule_runs() == 1
        assert prune_rule_runs() == 0
    assert list(RuleRun.objects.values_list("event_key", flat=True)) == ["new"]


def test_notify_does_nothing_while_rules_run(
    cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from javob.automation.engine import _in_chain, notify

    talk = conversation(cast.inbox_a.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        with _in_chain():
            notify("status_changed", talk.pk)
        assert callbacks == []
        notify("status_changed", talk.pk)
    assert len(callbacks) == 1
