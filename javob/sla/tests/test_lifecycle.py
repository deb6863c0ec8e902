from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.conversations.actions import (
    check_change_status,
    check_send_reply,
    check_set_priority,
    do_send_reply,
    receive_message,
)
from javob.conversations.models import Event, SenderType, Status
from javob.conversations.tests.factories import inbound
from javob.sla.models import SlaTimer
from javob.sla.queries import sla_state, with_next_due
from javob.sla.sweep import sweep
from javob.sla.tests.support import (
    customer_writes,
    local,
    sla_events,
    standard_policy,
    tashkent_office,
)

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]


def test_friday_evening_message_is_due_monday_and_warns_then_breaches(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 27, 17, 30), tick=False) as clock:
        conversation = customer_writes(cast, on_commit).conversation

        state = sla_state([conversation.pk])[conversation.pk]
        assert (state.next_metric, state.next_due_at) == (
            "first_reply",
            local(2026, 11, 30, 10, 30),
        )
        assert (state.policy_name, state.business_hours, state.breached) == (
            "Standard",
            True,
            False,
        )

        clock.move_to(local(2026, 11, 30, 10, 15))
        assert sweep() == {"sla_breached": 0, "sla_warning": 1}
        clock.move_to(local(2026, 11, 30, 10, 45))
        assert sweep() == {"sla_breached": 1, "sla_warning": 0}
        assert sweep() == {"sla_breached": 0, "sla_warning": 0}
        assert sla_state([conversation.pk])[conversation.pk].breached is True

        clock.move_to(local(2026, 11, 30, 11, 0))
        check_send_reply(cast.alice, conversation.pk, "Salom!")

    assert sla_events(conversation) == [
        ("sla_activated", "resolution", "Fri 17:30"),
        ("sla_activated", "first_reply", "Fri 17:30"),
        ("sla_warning", "first_reply", "Mon 10:00"),
        ("sla_breached", "first_reply", "Mon 10:30"),
        ("sla_fulfilled", "first_reply", "Mon 11:00"),
    ]
    late = Event.objects.get(conversation=conversation, kind="sla_fulfilled")
    assert late.data == {"metric": "first_reply", "reason": "replied", "late": True}
    state = sla_state([conversation.pk])[conversation.pk]
    assert (state.breached, state.next_metric) == (False, "resolution")


def test_pending_pauses_and_the_customer_reply_resumes_with_the_time_left(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        conversation = customer_writes(cast, on_commit).conversation
        clock.move_to(local(2026, 11, 23, 9, 30))
        check_send_reply(cast.alice, conversation.pk, "Buyurtma raqamingiz?")
        clock.move_to(local(2026, 11, 23, 10, 0))
        check_change_status(cast.alice, conversation.pk, Status.PENDING)

        resolution = SlaTimer.objects.get(conversation=conversation, metric="resolution")
        assert (resolution.due_at, resolution.remaining_seconds) == (None, 7 * 3600.0)
        assert sla_state([conversation.pk])[conversation.pk].paused is True

        clock.move_to(local(2026, 11, 24, 9, 0))
        customer_writes(cast, on_commit, text="12345")

    resolution.refresh_from_db()
    assert resolution.due_at == local(2026, 11, 24, 16, 0)
    assert resolution.paused_at is None
    next_reply = SlaTimer.objects.get(conversation=conversation, metric="next_reply")
    assert next_reply.due_at == local(2026, 11, 24, 13, 0)
    assert sla_events(conversation) == [
        ("sla_activated", "resolution", "Mon 09:00"),
        ("sla_activated", "first_reply", "Mon 09:00"),
        ("sla_fulfilled", "first_reply", "Mon 09:30"),
        ("sla_paused", "resolution", "Mon 10:00"),
        ("sla_activated", "resolution", "Tue 09:00"),
        ("sla_activated", "next_reply", "Tue 09:00"),
    ]


def test_breaches_after_downtime_are_dated_at_their_due_times(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        conversation = customer_writes(cast, on_commit).conversation
        clock.move_to(local(2026, 11, 25, 12, 0))  # the scheduler was down for two days

        assert sweep() == {"sla_breached": 2, "sla_warning": 0}

    breaches = Event.objects.filter(conversation=conversation, kind="sla_breached")
    assert sorted((e.data["metric"], e.created_at) for e in breaches) == [
        ("first_reply", local(2026, 11, 23, 11, 0)),
        ("resolution", local(2026, 11, 23, 17, 0)),
    ]
    assert not Event.objects.filter(conversation=conversation, kind="sla_warning").exists()


def test_resolve_meets_the_targets_and_a_reopen_resumes_resolution(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        conversation = customer_writes(cast, on_commit).conversation
        clock.move_to(local(2026, 11, 23, 10, 0))
        check_send_reply(cast.alice, conversation.pk, "Hal qilindi")
        check_change_status(cast.alice, conversation.pk, Status.RESOLVED)
        assert sla_state([conversation.pk])[conversation.pk].next_due_at is None

        clock.move_to(local(2026, 11, 23, 15, 0))
        customer_writes(cast, on_commit, text="Yana muammo")

    resolution = SlaTimer.objects.get(conversation=conversation, metric="resolution")
    assert (resolution.fulfilled_at, resolution.due_at) == (None, local(2026, 11, 24, 13, 0))
    state = sla_state([conversation.pk])[conversation.pk]
    assert (state.next_metric, state.next_due_at) == ("next_reply", local(2026, 11, 24, 10, 0))


def test_automated_mail_starts_no_timer(cast: Cast, on_commit: OnCommit) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    message = inbound(cast.inbox_a.pk, "mailer-daemon", "Out of office")
    auto = type(message)(**{**_fields(message), "metadata": {"automated": True}})
    with on_commit():
        conversation = receive_message(auto).message.conversation

    assert not SlaTimer.objects.filter(conversation=conversation).exists()
    assert sla_state([conversation.pk]) == {}


def _fields(message: object) -> dict[str, Any]:
    return {name: getattr(message, name) for name in message.__slots__}  # type: ignore[attr-defined]


def test_a_bot_or_system_reply_does_not_meet_the_reply_target(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        conversation = customer_writes(cast, on_commit).conversation
        do_send_reply(conversation, "Bot javobi", sender_type=SenderType.BOT)

    first = SlaTimer.objects.get(conversation=conversation, metric="first_reply")
    assert first.fulfilled_at is None


def test_first_matching_policy_applies_with_the_priority_target(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(
        cast, name="VIP", position=0, conditions={"contact_attributes": {"tier": ["gold"]}}
    )
    standard_policy(cast, name="Everyone", position=1, targets={"first_reply": {"none": 60}})
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        conversation = customer_writes(cast, on_commit).conversation

    state = sla_state([conversation.pk])[conversation.pk]
    assert (state.policy_name, state.next_due_at) == ("Everyone", local(2026, 11, 23, 10, 0))


def test_calendar_hours_policy_ignores_the_office_hours(cast: Cast, on_commit: OnCommit) -> None:
    tashkent_office(cast)
    standard_policy(cast, business_hours=False)
    with time_machine.travel(local(2026, 11, 27, 17, 30), tick=False):
        conversation = customer_writes(cast, on_commit).conversation

    state = sla_state([conversation.pk])[conversation.pk]
    assert (state.next_due_at, state.business_hours) == (local(2026, 11, 27, 19, 30), False)


def test_inbox_sorts_by_next_due(cast: Cast, on_commit: OnCommit) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        first = customer_writes(cast, on_commit, sender="a").conversation
        clock.move_to(local(2026, 11, 23, 10, 0))
        second = customer_writes(cast, on_commit, sender="b").conversation
        clock.move_to(local(2026, 11, 23, 10, 30))
        check_send_reply(cast.alice, first.pk, "Javob")

    from javob.conversations.models import Conversation

    ordered = with_next_due(Conversation.objects.filter(pk__in=[first.pk, second.pk]))
    rows = [(c.pk, c.sla_due_at) for c in ordered.order_by("sla_due_at", "pk")]  # type: ignore[attr-defined, misc]
    assert rows == [(second.pk, local(2026, 11, 23, 12, 0)), (first.pk, local(2026, 11, 23, 17, 0))]


def test_a_second_sweeper_claims_nothing_twice(cast: Cast, on_commit: OnCommit) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        customer_writes(cast, on_commit, sender="a")
        customer_writes(cast, on_commit, sender="b")
        clock.move_to(local(2026, 11, 23, 12, 0))

        assert sweep() == {"sla_breached": 2, "sla_warning": 0}
        assert sweep() == {"sla_breached": 0, "sla_warning": 0}

    assert Event.objects.filter(kind="sla_breached").count() == 2


def test_each_agent_reply_restarts_the_periodic_update_target(
    cast: Cast, on_commit: OnCommit
) -> None:
    tashkent_office(cast)
    standard_policy(cast, targets={"periodic_update": {"none": 60}})
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        conversation = customer_writes(cast, on_commit).conversation
        clock.move_to(local(2026, 11, 23, 9, 10))
        check_send_reply(cast.alice, conversation.pk, "Tekshiryapmiz")
        clock.move_to(local(2026, 11, 23, 9, 50))
        check_send_reply(cast.alice, conversation.pk, "Hali tekshiryapmiz")

    timer = SlaTimer.objects.get(conversation=conversation, metric="periodic_update")
    assert (timer.started_at, timer.due_at) == (
        local(2026, 11, 23, 9, 50),
        local(2026, 11, 23, 10, 50),
    )
    assert sla_events(conversation) == [
        ("sla_activated", "periodic_update", "Mon 09:10"),
        ("sla_fulfilled", "periodic_update", "Mon 09:50"),
        ("sla_activated", "periodic_update", "Mon 09:50"),
    ]


def test_raising_the_priority_shortens_the_running_target(cast: Cast, on_commit: OnCommit) -> None:
    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        conversation = customer_writes(cast, on_commit).conversation
        clock.move_to(local(2026, 11, 23, 9, 10))
        check_set_priority(cast.alice, conversation.pk, "urgent")

    first = SlaTimer.objects.get(conversation=conversation, metric="first_reply")
    assert (first.target_minutes, first.due_at) == (30, local(2026, 11, 23, 9, 30))
    resolution = SlaTimer.objects.get(conversation=conversation, metric="resolution")
    assert (resolution.target_minutes, resolution.due_at) == (480, local(2026, 11, 23, 17, 0))
    change = Event.objects.filter(conversation=conversation, kind="sla_activated").last()
    assert change is not None
    assert change.data == {
        "metric": "first_reply",
        "policy": "Standard",
        "changed": "priority",
        "due_at": "2026-11-23T04:30:00+00:00",
    }


def test_the_scheduler_runs_the_sla_sweep(cast: Cast, on_commit: OnCommit) -> None:
    from javob.core.scheduler import run_once

    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False) as clock:
        customer_writes(cast, on_commit)
        clock.move_to(local(2026, 11, 23, 10, 40))

        assert run_once()["sweep_sla"] == 1  # the first-reply warning (due 11:00)
        assert run_once()["sweep_sla"] == 0


def test_the_conversation_shows_its_sla_state_and_why(cast: Cast, on_commit: OnCommit) -> None:
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    tashkent_office(cast)
    standard_policy(cast)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        conversation = customer_writes(cast, on_commit).conversation
        state = sla_state([conversation.pk])[conversation.pk]
        with translation.override("en"), timezone.override("Asia/Tashkent"):
            html = render_to_string("sla/conversation_state.html", {"sla": state})

    text = " ".join(html.replace("\xa0", " ").split())
    assert "First reply due Nov. 23, 2026, 11 a.m. (<time" in text
    assert ">in 2 hours</time>" in text
    assert "Policy: Standard · business hours of Tashkent office" in text
    assert "breached" not in text
