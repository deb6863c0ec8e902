from __future__ import annotations

import pytest

from conftest import Cast
from javob.automation.actions import (
    CannedInput,
    check_apply_macro,
    check_save_canned,
    check_save_macro,
)
from javob.automation.models import CannedResponse, Macro
from javob.automation.syntax import format_actions
from javob.automation.tests.support import conversation
from javob.conversations.actions import check_assign
from javob.conversations.models import Conversation, Event, Message
from javob.core.errors import ActionError, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db

REFUND = """
# everything a refund needs
priority high
labels_add refund, vip
assign_team Sales
assign_agent bob@example.com
status pending
reply thanks
note Refund started by {{agent.name | an agent}}
"""


def thanks(cast: Cast) -> CannedResponse:
    return check_save_canned(
        cast.alice, CannedInput("thanks", "Thanks", {"en": "Thanks, {{contact.first_name}}!"})
    )


def test_a_macro_is_stored_with_ids_and_shown_with_names(cast: Cast) -> None:
    canned = thanks(cast)
    macro = check_save_macro(cast.alice, "Refund", REFUND)

    assert macro.actions == [
        {"type": "priority", "value": "high"},
        {"type": "labels_add", "labels": ["refund", "vip"]},
        {"type": "assign_team", "team_id": cast.sales.pk},
        {"type": "assign_agent", "agent_id": cast.bob.pk},
        {"type": "status", "value": "pending"},
        {"type": "reply", "canned_id": canned.pk},
        {"type": "note", "text": "Refund started by {{agent.name | an agent}}"},
    ]
    assert format_actions(macro.actions) == "\n".join(
        [
            "priority high",
            "labels_add refund, vip",
            "assign_team Sales",
            "assign_agent bob@example.com",
            "status pending",
            "reply thanks",
            "note Refund started by {{agent.name | an agent}}",
        ]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("priority p1", "Line 1: use one of: none, low, medium, high, urgent"),
        (
            "priority high\nfly away",
            "Line 2: unknown action 'fly'; use one of: assign_agent, "
            "assign_team, priority, labels_add, labels_remove, status, snooze, reply, note",
        ),
        (
            "assign_agent charlie@example.com",
            "Line 1: no agent with the email 'charlie@example.com' here",
        ),
        ("assign_team Nobody", "Line 1: no team named 'Nobody'"),
        ("reply missing", "Line 1: no shared canned response /missing"),
        ("status snoozed", "Line 1: use one of: open, pending, resolved, closed"),
        ("snooze soon", "Line 1: give the number of hours to snooze"),
        (
            "webhook https://example.com",
            "Line 1: unknown action 'webhook'; use one of: assign_agent, assign_team, priority, "
            "labels_add, labels_remove, status, snooze, reply, note",
        ),
        ("# only a comment", "Give at least one action."),
    ],
)
def test_bad_actions_are_refused_with_the_line(cast: Cast, text: str, message: str) -> None:
    with pytest.raises(ActionError) as refused:
        check_save_macro(cast.alice, "Bad", text)
    assert (refused.value.message, refused.value.field) == (message, "actions")
    assert Macro.objects.count() == 0


def test_apply_runs_each_action_through_the_conversation_actions(cast: Cast) -> None:
    # given a macro and a new conversation
    canned = thanks(cast)
    macro = check_save_macro(cast.alice, "Refund", REFUND)
    talk = conversation(cast.inbox_a.pk)
    events_before = Event.objects.filter(conversation=talk).count()
    # when alice applies it
    done = check_apply_macro(cast.alice, macro.pk, talk.pk)
    # then every change happened, as alice, each with its event
    talk.refresh_from_db()
    assert (talk.priority, talk.team_id, talk.assignee_id, talk.status) == (
        "high",
        cast.sales.pk,
        cast.bob.pk,
        "pending",
    )
    assert sorted(talk.labels.values_list("name", flat=True)) == ["refund", "vip"]
    assert done == [
        "priority high",
        "labels_add refund, vip",
        f"assign_team {cast.sales.pk}",
        f"assign_agent {cast.bob.pk}",
        "status pending",
        "reply /thanks",
        "note",
    ]
    new_events = Event.objects.filter(conversation=talk).order_by("id")[events_before:]
    assert [(e.kind, e.actor_id) for e in new_events] == [
        ("priority", cast.alice.pk),
        ("labels", cast.alice.pk),
        ("team", cast.alice.pk),
        ("assigned", cast.alice.pk),
        ("status", cast.alice.pk),
        ("message_out", cast.alice.pk),
        ("note", cast.alice.pk),
    ]
    reply, note = (
        Message.objects.filter(conversation=talk).exclude(direction="incoming").order_by("id")
    )
    assert (reply.direction, reply.text, reply.sender_agent_id) == (
        "outgoing",
        "Thanks, Dilnoza!",
        cast.alice.pk,
    )
    assert (note.direction, note.text) == ("note", "Refund started by an agent")
    canned.refresh_from_db()
    assert canned.usage_count == 1


def test_labels_remove_keeps_the_others(cast: Cast) -> None:
    add = check_save_macro(cast.alice, "Tag", "labels_add a, b, c")
    remove = check_save_macro(cast.alice, "Untag", "labels_remove B, x")
    talk = conversation(cast.inbox_a.pk)
    check_apply_macro(cast.alice, add.pk, talk.pk)
    check_apply_macro(cast.alice, remove.pk, talk.pk)
    assert sorted(talk.labels.values_list("name", flat=True)) == ["a", "c"]


def test_a_failing_action_undoes_the_whole_macro(cast: Cast) -> None:
    # given a macro whose canned response was deleted after it was saved
    canned = thanks(cast)
    macro = check_save_macro(cast.alice, "Broken", "priority urgent\nreply thanks")
    canned.delete()
    talk = conversation(cast.inbox_a.pk)
    events_before = Event.objects.count()
    # when it is applied, it fails and nothing stays changed
    with pytest.raises(NotFound):
        check_apply_macro(cast.alice, macro.pk, talk.pk)
    talk.refresh_from_db()
    assert talk.priority == "none"
    assert Event.objects.count() == events_before


def test_bob_cannot_apply_a_macro_to_a_conversation_he_cannot_see(cast: Cast) -> None:
    macro = check_save_macro(cast.alice, "Urgent", "priority urgent")
    talk = conversation(cast.inbox_a.pk)
    check_assign(cast.alice, talk.pk, team_id=cast.support.pk)
    with pytest.raises(NotFound):
        check_apply_macro(cast.bob, macro.pk, talk.pk)
    assert Conversation.objects.get(pk=talk.pk).priority == "none"


def test_charlie_sees_neither_the_macro_nor_the_conversation(cast: Cast) -> None:
    macro = check_save_macro(cast.alice, "Urgent", "priority urgent")
    talk = conversation(cast.inbox_a.pk)
    with pytest.raises(NotFound):
        check_apply_macro(cast.charlie, macro.pk, talk.pk)
    assert Conversation.objects.get(pk=talk.pk).priority == "none"


def test_personal_macros_belong_to_their_owner(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        check_save_macro(cast.bob, "Shared", "priority low")
    mine = check_save_macro(cast.bob, "Mine", "priority low", visibility="personal")
    talk = conversation(cast.inbox_a.pk)
    with pytest.raises(NotFound):
        check_apply_macro(cast.alice, mine.pk, talk.pk)
    assert check_apply_macro(cast.bob, mine.pk, talk.pk) == ["priority low"]
