"""The scheduler runs every sweep; one failing sweep does not stop the others."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command

from conftest import Cast
from javob.conversations.actions import check_snooze, receive_message
from javob.conversations.models import Conversation, Status
from javob.conversations.tests.factories import inbound
from javob.core import scheduler

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def test_once_runs_every_sweep_and_prints_json(cast: Cast) -> None:
    # given a conversation snoozed until 10:00
    with time_machine.travel(T0, tick=False) as clock:
        conversation_id = receive_message(inbound(cast.inbox_a.pk)).message.conversation_id
        check_snooze(cast.alice, conversation_id, T0 + dt.timedelta(hours=1))
        # when the scheduler runs once after it is due
        clock.shift(dt.timedelta(hours=1))
        out = io.StringIO()
        call_command("scheduler", "--once", stdout=out)
    # then it woke the conversation and reported each sweep
    assert json.loads(out.getvalue()) == {
        "wake_snoozed": 1,
        "resend_due_messages": 0,
        "sweep_early_reports": 0,
        "reprocess_pending_payloads": 0,
        "email_webchat_followups": 0,
        "sweep_sla": 0,
        "no_reply_rules": 0,
        "prune_rule_runs": 0,
        "poll_mailboxes": 0,
        "reprocess_pending_mail": 0,
    }
    assert Conversation.objects.get(pk=conversation_id).status == Status.OPEN


def test_failing_sweep_does_not_stop_the_others(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> int:
        raise RuntimeError("mailbox unreachable")

    monkeypatch.setattr(scheduler, "SWEEPS", [broken, scheduler.wake_snoozed])
    with time_machine.travel(T0, tick=False) as clock:
        conversation_id = receive_message(inbound(cast.inbox_a.pk)).message.conversation_id
        check_snooze(cast.alice, conversation_id, T0 + dt.timedelta(minutes=5))
        clock.shift(dt.timedelta(minutes=5))
        assert scheduler.run_once() == {"broken": -1, "wake_snoozed": 1}
