from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any

import pytest
from django.db import connection

from conftest import Cast, make_cast
from javob.accounts.actions import AgentInput, check_set_availability, do_add_agent
from javob.accounts.models import Membership
from javob.automation.actor import automation_actor
from javob.automation.tests.support import conversation
from javob.conversations.actions import check_assign, check_change_status, receive_message
from javob.conversations.models import Conversation, Event
from javob.core.errors import ActionError, NotFound, PermissionDenied
from javob.core.types import Identity, InboundMessage
from javob.routing.actions import (
    SettingInput,
    check_save_setting,
    check_set_channel_skills,
    on_availability_changed,
    route_conversation,
)
from javob.routing.models import RoutingSetting
from javob.routing.queries import explain
from javob.routing.steps import after_receive


def online(*members: Membership) -> None:
    for member in members:
        check_set_availability(member, "online")


def carol(cast: Cast) -> Membership:
    return do_add_agent(cast.a, AgentInput(email="carol@example.com", languages=("uz", "en")))


def route_new(cast: Cast, sender: str, language: str = "") -> Conversation:
    talk = conversation(cast.inbox_a.pk, sender=sender)
    if language:  # set as the language step would
        Conversation.objects.filter(pk=talk.pk).update(language=language)
    after_receive(talk.messages.get().pk)
    talk.refresh_from_db()
    return talk


def inbox_setting(cast: Cast, **changes: Any) -> RoutingSetting:
    data = SettingInput(**{"match_language": False, **changes})
    return check_save_setting(cast.alice, data, inbox_id=cast.inbox_a.pk)


@pytest.mark.django_db
def test_round_robin_takes_each_agent_in_turn(cast: Cast) -> None:
    # given three online agents and round robin on the inbox
    third = carol(cast)
    online(cast.alice, cast.bob, third)
    inbox_setting(cast)
    # when seven customers write
    picked = [route_new(cast, f"c{i}").assignee_id for i in range(7)]
    # then the agents take them in turn (the owner is offline)
    a, b, c = cast.alice.pk, cast.bob.pk, third.pk
    assert picked == [a, b, c, a, b, c, a]


@pytest.mark.django_db
def test_fewest_open_fills_the_least_busy_agent_first(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast, strategy="fewest_open")
    busy = [conversation(cast.inbox_a.pk, sender=f"old{i}") for i in range(2)]
    for talk in busy:
        check_assign(cast.alice, talk.pk, assignee_id=cast.alice.pk)
    # resolved conversations do not count
    check_change_status(cast.alice, busy[1].pk, "resolved")

    picked = [route_new(cast, f"c{i}").assignee_id for i in range(4)]

    # alice holds 1: bob gets one (0 -> 1), then ties alternate from the last pick
    assert picked == [cast.bob.pk, cast.alice.pk, cast.bob.pk, cast.alice.pk]


@pytest.mark.django_db
def test_capacity_leaves_the_rest_unassigned(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast, capacity=1)

    picked = [route_new(cast, f"c{i}").assignee_id for i in range(3)]

    assert picked == [cast.alice.pk, cast.bob.pk, None]
    assert route_conversation(Conversation.objects.get(assignee=None).pk).reason == "no_agent"


@pytest.mark.django_db
def test_language_skill(cast: Cast) -> None:
    # alice speaks uz and ru, bob en
    online(cast.alice, cast.bob)
    inbox_setting(cast, match_language=True)

    assert route_new(cast, "ru1", "ru").assignee_id == cast.alice.pk
    assert route_new(cast, "ru2", "ru").assignee_id == cast.alice.pk
    assert route_new(cast, "en1", "en").assignee_id == cast.bob.pk
    assert route_new(cast, "cy1", "uz-Cyrl").assignee_id == cast.alice.pk  # base language
    assert route_new(cast, "de1", "de").assignee_id is None


@pytest.mark.django_db
def test_channel_skill(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast)
    check_set_channel_skills(cast.alice, cast.alice.pk, ["email", "telegram"])

    assert [route_new(cast, f"c{i}").assignee_id for i in range(2)] == [cast.bob.pk, cast.bob.pk]
    with pytest.raises(ActionError) as refused:
        check_set_channel_skills(cast.alice, cast.bob.pk, ["pigeon"])
    assert refused.value.field == "channels"


@pytest.mark.django_db
def test_only_online_agents_unless_the_setting_says_otherwise(cast: Cast) -> None:
    online(cast.bob)
    check_set_availability(cast.alice, "away")
    setting = inbox_setting(cast)
    assert [route_new(cast, f"c{i}").assignee_id for i in range(2)] == [cast.bob.pk, cast.bob.pk]

    check_save_setting(
        cast.alice, SettingInput(only_online=False, match_language=False), setting_id=setting.pk
    )
    owner = Membership.objects.get(workspace=cast.a, role="owner")
    picked = [route_new(cast, f"d{i}").assignee_id for i in range(3)]
    assert picked == [owner.pk, cast.alice.pk, cast.bob.pk]


def only_bob(membership_ids: Iterable[int], at: dt.datetime) -> set[int]:
    return {
        pk for pk in membership_ids if Membership.objects.get(pk=pk).user.email == "bob@example.com"
    }


@pytest.mark.django_db
def test_shifts_come_from_the_plugged_in_function(cast: Cast, settings: Any) -> None:
    settings.JAVOB_ROUTING_ON_SHIFT = f"{__name__}.only_bob"
    online(cast.alice, cast.bob)
    inbox_setting(cast)
    talk = route_new(cast, "c1")
    assert talk.assignee_id == cast.bob.pk
    routed = Event.objects.get(conversation=talk, kind="routed")
    assert routed.data["excluded"] == {"offline": 1, "off_shift": 1}


@pytest.mark.django_db
def test_automated_mail_and_spam_are_never_assigned(cast: Cast) -> None:
    online(cast.alice)
    inbox_setting(cast)
    for index, flag in enumerate(({"automated": True}, {"spam": True})):
        message = receive_message(
            InboundMessage(
                inbox_id=cast.inbox_a.pk,
                sender=Identity("api", f"robot{index}"),
                external_id=f"auto-{index}",
                text="Out of office",
                metadata=flag,
            )
        ).message
        after_receive(message.pk)
    assert list(Conversation.objects.values_list("assignee_id", flat=True)) == [None, None]


@pytest.mark.django_db
def test_the_timeline_says_why(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast, capacity=5)
    talk = route_new(cast, "c1")
    robot = automation_actor(cast.a.pk)

    assigned = Event.objects.get(conversation=talk, kind="assigned")
    routed = Event.objects.get(conversation=talk, kind="routed")
    assert (assigned.actor_id, assigned.data) == (
        robot.pk,
        {"assignee_id": cast.alice.pk, "previous_id": None},
    )
    assert (routed.actor_id, routed.data) == (
        robot.pk,
        {
            "assignee_id": cast.alice.pk,
            "strategy": "round_robin",
            "scope": "inbox",
            "holding": 0,
            "capacity": 5,
            "eligible": 2,
            "considered": 3,
            "excluded": {"offline": 1},
        },
    )
    assert explain(routed.data) == (
        "Routed by Round robin: 2 of 3 agents eligible. Left out: 1 not online."
    )


@pytest.mark.django_db
def test_assigned_and_closed_conversations_are_left_alone(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast)
    mine = conversation(cast.inbox_a.pk, sender="mine")
    check_assign(cast.alice, mine.pk, assignee_id=cast.bob.pk)
    done = conversation(cast.inbox_a.pk, sender="done")
    check_change_status(cast.alice, done.pk, "resolved")

    assert route_conversation(mine.pk).reason == "already_assigned"
    assert route_conversation(done.pk).reason == "not_active"
    assert Event.objects.filter(kind="routed").count() == 0


@pytest.mark.django_db
def test_no_setting_no_routing_and_a_team_setting_wins(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    assert route_new(cast, "c0").assignee_id is None
    inbox_setting(cast, enabled=False)
    assert route_new(cast, "c1").assignee_id is None
    # a conversation of the Sales team follows the team's setting: only its members
    check_save_setting(cast.alice, SettingInput(match_language=False), team_id=cast.sales.pk)
    talk = conversation(cast.inbox_a.pk, sender="c2")
    check_assign(cast.alice, talk.pk, team_id=cast.sales.pk)
    assert route_conversation(talk.pk).assignee_id == cast.bob.pk


@pytest.mark.django_db
def test_an_agent_going_offline_hands_conversations_over(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast, unassign_when_offline=True)
    first = route_new(cast, "c1")
    assert first.assignee_id == cast.alice.pk

    check_set_availability(cast.alice, "offline")
    assert on_availability_changed(cast.alice.pk) == 1

    first.refresh_from_db()
    assert first.assignee_id == cast.bob.pk
    kinds = list(
        Event.objects.filter(conversation=first, kind="routed")
        .order_by("id")
        .values_list("data", flat=True)
    )
    assert [(d["assignee_id"], d.get("reason")) for d in kinds] == [
        (cast.alice.pk, None),
        (None, "agent_offline"),
        (cast.bob.pk, None),
    ]
    assert explain(kinds[1]) == "Unassigned: the agent went offline."


@pytest.mark.django_db
def test_going_offline_keeps_conversations_unless_the_setting_says_so(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast)
    first = route_new(cast, "c1")
    check_set_availability(cast.alice, "offline")
    assert on_availability_changed(cast.alice.pk) == 0
    first.refresh_from_db()
    assert first.assignee_id == cast.alice.pk


@pytest.mark.django_db
def test_settings_need_an_admin_and_stay_in_the_workspace(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        check_save_setting(cast.bob, SettingInput(), inbox_id=cast.inbox_a.pk)
    with pytest.raises(NotFound):
        check_save_setting(cast.charlie, SettingInput(), inbox_id=cast.inbox_a.pk)
    setting = check_save_setting(cast.alice, SettingInput(), inbox_id=cast.inbox_a.pk)
    with pytest.raises(ActionError) as refused:
        check_save_setting(cast.alice, SettingInput(), inbox_id=cast.inbox_a.pk)
    assert refused.value.field == "inbox"
    with pytest.raises(NotFound):
        check_save_setting(cast.charlie, SettingInput(capacity=9), setting_id=setting.pk)
    with pytest.raises(ActionError) as refused:
        check_save_setting(cast.alice, SettingInput(capacity=-1), setting_id=setting.pk)
    assert refused.value.field == "capacity"
    setting.refresh_from_db()
    assert (RoutingSetting.objects.count(), setting.capacity) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_routings_at_once_never_pick_from_stale_counts() -> None:
    # given capacity 1 and two online agents
    cast = make_cast()
    online(cast.alice, cast.bob)
    inbox_setting(cast, capacity=1, strategy="fewest_open")
    talks = [conversation(cast.inbox_a.pk, sender=f"c{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    results: list[int | None] = []

    def route(pk: int) -> None:
        try:
            barrier.wait()
            results.append(route_conversation(pk).assignee_id)
        finally:
            connection.close()

    # when both are routed at the same moment
    threads = [threading.Thread(target=route, args=(talk.pk,)) for talk in talks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then each agent got one: neither saw the other's pick as free capacity
    assert sorted(r or 0 for r in results) == sorted([cast.alice.pk, cast.bob.pk])
    assert sorted(Conversation.objects.values_list("assignee_id", flat=True)) == sorted(
        [cast.alice.pk, cast.bob.pk]
    )


@pytest.mark.django_db
def test_shifts_can_be_passed_in(cast: Cast) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast)
    talk = conversation(cast.inbox_a.pk)

    routed = route_conversation(talk.pk, on_shift=lambda ids, at: {cast.bob.pk} & set(ids))

    assert routed.assignee_id == cast.bob.pk


@pytest.mark.django_db
def test_the_agent_who_went_offline_is_not_picked_again_when_offline_agents_count(
    cast: Cast,
) -> None:
    online(cast.alice, cast.bob)
    inbox_setting(cast, only_online=False, unassign_when_offline=True)
    first = route_new(cast, "c1")
    holder = first.assignee_id
    assert holder is not None
    member = Membership.objects.get(pk=holder)

    check_set_availability(member, "offline")
    assert on_availability_changed(member.pk) == 1

    first.refresh_from_db()
    assert first.assignee_id not in (None, holder)
