"""The per-process calendar cache behind the rules' "business hours now" condition."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Cast, make_cast
from javob.automation.actions import RuleInput, check_save_rule
from javob.automation.engine import on_event
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation
from javob.conversations.tests.factories import inbound
from javob.sla.actions import (
    CalendarInput,
    check_add_holiday,
    check_delete_calendar,
    check_delete_holiday,
    check_link_calendar,
    check_save_calendar,
)
from javob.sla.calendars import calendars_of, token_of
from javob.sla.models import Calendar, CalendarSet, Holiday
from javob.sla.queries import open_now
from javob.sla.tests.support import WEEKDAYS_9_18, local, tashkent_office

MONDAY_10 = local(2026, 11, 30, 10)  # Monday 10:00 Tashkent: open 09:00-18:00
EVENINGS = [[["18:00", "23:00"]]] * 7


def _conversation(cast: Cast) -> Conversation:
    return receive_message(inbound(cast.inbox_a.pk, "customer-1")).message.conversation


def _elsewhere(write: Callable[[], Any]) -> None:
    """Run a write as another process would: its own connection and committed transaction,
    without touching this process's memory other than through the database."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert errors == []


@pytest.mark.django_db
def test_a_second_evaluation_reads_only_the_token(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    # given a conversation in an inbox with a calendar, evaluated once
    tashkent_office(cast)
    conversation = _conversation(cast)
    assert open_now(conversation, MONDAY_10) is True
    # when it is evaluated again
    with django_assert_num_queries(1):
        result = open_now(conversation, local(2026, 11, 30, 20))
    # then one statement (the token) answered, from memory
    assert result is False


@pytest.mark.django_db
def test_a_write_that_skips_the_actions_is_not_seen(cast: Cast) -> None:
    # given a cached calendar
    calendar = tashkent_office(cast)
    conversation = _conversation(cast)
    assert open_now(conversation, MONDAY_10) is True
    # when its hours change without an action (no new token)
    Calendar.objects.filter(pk=calendar.pk).update(weekly=EVENINGS)
    # then the cache still answers: the token is what invalidates it
    assert open_now(conversation, MONDAY_10) is True


@pytest.mark.django_db(transaction=True)
class TestWritesInAnotherProcess:
    """Each write action, run on another connection, is seen by the next evaluation here."""

    @pytest.fixture
    def setup(self, transactional_db: None) -> tuple[Cast, Calendar, Conversation]:
        cast = make_cast()
        calendar = tashkent_office(cast)
        conversation = _conversation(cast)
        assert open_now(conversation, MONDAY_10) is True  # cached here
        return cast, calendar, conversation

    def test_new_hours(self, setup: tuple[Cast, Calendar, Conversation]) -> None:
        cast, calendar, conversation = setup
        data = CalendarInput(name="Tashkent office", zone="Asia/Tashkent", weekly=EVENINGS)
        _elsewhere(lambda: check_save_calendar(cast.alice, calendar.pk, data))
        assert open_now(conversation, MONDAY_10) is False
        assert open_now(conversation, local(2026, 11, 30, 19)) is True

    def test_new_zone(self, setup: tuple[Cast, Calendar, Conversation]) -> None:
        cast, calendar, conversation = setup
        data = CalendarInput(name="Tashkent office", zone="America/New_York", weekly=WEEKDAYS_9_18)
        _elsewhere(lambda: check_save_calendar(cast.alice, calendar.pk, data))
        # Monday 10:00 in Tashkent is Monday 00:00 in New York: closed
        assert open_now(conversation, MONDAY_10) is False

    def test_holiday_added_then_removed(self, setup: tuple[Cast, Calendar, Conversation]) -> None:
        cast, calendar, conversation = setup
        monday = dt.date(2026, 11, 30)
        _elsewhere(lambda: check_add_holiday(cast.alice, calendar.pk, monday, recurring=False))
        assert open_now(conversation, MONDAY_10) is False
        holiday_id = Holiday.objects.get(calendar=calendar).pk
        _elsewhere(lambda: check_delete_holiday(cast.alice, calendar.pk, holiday_id))
        assert open_now(conversation, MONDAY_10) is True

    def test_team_link_overrides_the_inbox(
        self, setup: tuple[Cast, Calendar, Conversation]
    ) -> None:
        cast, _calendar, conversation = setup
        Conversation.objects.filter(pk=conversation.pk).update(team=cast.support)
        conversation.refresh_from_db()
        evenings = CalendarInput(name="Evenings", zone="Asia/Tashkent", weekly=EVENINGS)

        def link_team() -> None:
            other = check_save_calendar(cast.alice, None, evenings)
            check_link_calendar(cast.alice, other.pk, team_id=cast.support.pk)

        _elsewhere(link_team)
        assert open_now(conversation, MONDAY_10) is False

    def test_inbox_unlinked(self, setup: tuple[Cast, Calendar, Conversation]) -> None:
        cast, _calendar, conversation = setup
        assert open_now(conversation, local(2026, 11, 30, 20)) is False
        _elsewhere(lambda: check_link_calendar(cast.alice, None, inbox_id=cast.inbox_a.pk))
        assert open_now(conversation, local(2026, 11, 30, 20)) is True  # no calendar: open

    def test_calendar_deleted(self, setup: tuple[Cast, Calendar, Conversation]) -> None:
        cast, calendar, conversation = setup
        _elsewhere(lambda: check_delete_calendar(cast.alice, calendar.pk))
        assert open_now(conversation, local(2026, 11, 30, 20)) is True
        assert calendars_of(cast.a.pk, token_of(cast.a.pk)).by_inbox == {}

    def test_tokens_are_per_workspace(self, setup: tuple[Cast, Calendar, Conversation]) -> None:
        cast, calendar, _conversation = setup
        before = token_of(cast.b.pk)
        data = CalendarInput(name="Tashkent office", zone="Asia/Tashkent", weekly=EVENINGS)
        _elsewhere(lambda: check_save_calendar(cast.alice, calendar.pk, data))
        assert token_of(cast.b.pk) == before
        assert CalendarSet.objects.filter(workspace=cast.a).count() == 1


@pytest.mark.django_db
def test_the_rules_statement_reads_the_calendar_token_itself(cast: Cast) -> None:
    # given a rule on business hours, an inbox with a calendar, and one event already seen
    tashkent_office(cast)
    check_save_rule(
        cast.alice,
        RuleInput(
            name="After hours",
            trigger="message_received",
            conditions_text="business_hours is no",
            actions_text="labels_add after-hours",
        ),
    )
    conversation = _conversation(cast)
    with time_machine.travel(MONDAY_10, tick=False):
        assert [o.matched for o in on_event("message_received", conversation.pk)] == [False]
        # when the next event comes, within hours, then after a new calendar token
        with CaptureQueriesContext(connection) as captured:
            outcomes = on_event("message_received", conversation.pk)
        data = CalendarInput(name="Tashkent office", zone="Asia/Tashkent", weekly=EVENINGS)
        check_save_calendar(cast.alice, Calendar.objects.get().pk, data)
        after = on_event("message_received", conversation.pk)
    # then the first cost one statement (rules, conversation and calendar token together)
    assert [o.matched for o in outcomes] == [False]
    assert len(captured.captured_queries) == 1
    assert "sla_calendarset" in captured.captured_queries[0]["sql"]
    # and the second saw the new hours (closed at 10:00 now): the rule ran
    assert [(o.matched, o.actions_done) for o in after] == [(True, ("labels_add after-hours",))]
