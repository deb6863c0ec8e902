from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from conftest import Cast
from javob.conversations.actions import receive_message
from javob.conversations.tests.factories import inbound
from javob.core.errors import ActionError, NotFound, PermissionDenied
from javob.sla import hours
from javob.sla.actions import (
    CalendarInput,
    PolicyInput,
    check_add_holiday,
    check_link_calendar,
    check_save_calendar,
    check_save_policy,
    check_set_shift,
)
from javob.sla.models import AgentShift, Calendar, CalendarLink, SlaPolicy
from javob.sla.queries import as_hours, calendar_for, on_shift
from javob.sla.tests.support import WEEKDAYS_9_18, tashkent_office

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def calendar_input(**overrides: object) -> CalendarInput:
    values: dict[str, object] = {"name": "Office", "zone": "Asia/Tashkent", "weekly": WEEKDAYS_9_18}
    values.update(overrides)
    return CalendarInput(**values)  # type: ignore[arg-type]


def test_calendar_with_country_and_custom_holidays_becomes_an_hours_calendar(cast: Cast) -> None:
    calendar = check_save_calendar(
        cast.alice, None, calendar_input(zone="Europe/Berlin", country="de", subdivision="be")
    )
    check_add_holiday(cast.alice, calendar.pk, dt.date(2026, 12, 24), recurring=True, name="Eve")
    check_add_holiday(cast.alice, calendar.pk, dt.date(2026, 11, 30), recurring=False)

    value = as_hours(calendar)

    assert (value.country, value.subdivision) == ("DE", "BE")
    assert value.yearly == frozenset({(12, 24)})
    assert value.dates == frozenset({dt.date(2026, 11, 30)})
    assert hours.next_open(value, dt.datetime(2026, 11, 28, 12, tzinfo=BERLIN)) == dt.datetime(
        2026, 12, 1, 9, tzinfo=BERLIN
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"zone": "Mars/Olympus"}, "zone"),
        ({"weekly": [[["09:00", "18:00"]]] * 6}, "weekly"),
        ({"weekly": [[["9", "18:00"]]] * 7}, "weekly"),
        ({"weekly": [[["24:00", "18:00"]]] * 7}, "weekly"),
        ({"country": "XX"}, "country"),
        ({"country": "UZ", "subdivision": "ZZ"}, "subdivision"),
    ],
)
def test_invalid_calendars_are_refused_naming_the_field(
    cast: Cast, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ActionError) as error:
        check_save_calendar(cast.alice, None, calendar_input(**overrides))

    assert error.value.field == field
    assert Calendar.objects.count() == 0


def test_overnight_and_end_of_day_hours_are_accepted(cast: Cast) -> None:
    weekly = [[["22:00", "06:00"]], [["00:00", "24:00"]], [], [], [], [], []]

    calendar = check_save_calendar(cast.alice, None, calendar_input(weekly=weekly))

    assert as_hours(calendar).weekly[:2] == (((1320, 360),), ((0, 1440),))


def test_agents_and_other_workspaces_cannot_change_calendars(cast: Cast) -> None:
    calendar = tashkent_office(cast)

    with pytest.raises(PermissionDenied):
        check_save_calendar(cast.bob, None, calendar_input(name="Bob's"))
    with pytest.raises(NotFound):
        check_save_calendar(cast.charlie, calendar.pk, calendar_input(name="Taken"))
    with pytest.raises(NotFound):
        check_link_calendar(cast.charlie, calendar.pk, inbox_id=cast.inbox_b.pk)
    with pytest.raises(NotFound):
        check_link_calendar(cast.alice, calendar.pk, inbox_id=cast.inbox_b.pk)
    with pytest.raises(PermissionDenied):
        check_save_policy(
            cast.bob, None, PolicyInput(name="P", targets={"first_reply": {"none": 5}})
        )

    assert list(Calendar.objects.values_list("name", flat=True)) == ["Tashkent office"]
    assert CalendarLink.objects.count() == 1
    assert SlaPolicy.objects.count() == 0


def test_team_calendar_wins_over_the_inbox_calendar(cast: Cast) -> None:
    office = tashkent_office(cast)
    night = check_save_calendar(cast.alice, None, calendar_input(name="Night"))
    conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation

    assert calendar_for(conversation) == office
    check_link_calendar(cast.alice, night.pk, team_id=cast.sales.pk)
    conversation.team = cast.sales
    assert calendar_for(conversation) == night
    check_link_calendar(cast.alice, None, team_id=cast.sales.pk)
    assert calendar_for(conversation) == office


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"targets": {}}, "targets"),
        ({"targets": {"first_reply": {"none": 0}}}, "targets"),
        ({"targets": {"lunch": {"none": 5}}}, "targets"),
        ({"targets": {"first_reply": {"asap": 5}}}, "targets"),
        ({"conditions": {"channels": ["pigeon"]}}, "conditions"),
        ({"conditions": {"weather": ["sunny"]}}, "conditions"),
    ],
)
def test_invalid_policies_are_refused(cast: Cast, policy: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"name": "P", "targets": {"first_reply": {"none": 5}}}
    values.update(policy)

    with pytest.raises(ActionError) as error:
        check_save_policy(cast.alice, None, PolicyInput(**values))  # type: ignore[arg-type]

    assert error.value.field == field
    assert SlaPolicy.objects.count() == 0


def test_follow_the_sun_shifts_hand_over_at_shift_ends(cast: Cast) -> None:
    # alice works 09:00-17:00 in Tashkent, bob 09:00-17:00 in New York; charlie has no shift.
    day = [["09:00", "17:00"]]
    tashkent = check_save_calendar(cast.alice, None, calendar_input(name="UZ", weekly=[day] * 7))
    new_york = check_save_calendar(
        cast.alice, None, calendar_input(name="US", zone="America/New_York", weekly=[day] * 7)
    )
    check_set_shift(cast.alice, cast.alice.pk, tashkent.pk)
    check_set_shift(cast.alice, cast.bob.pk, new_york.pk)
    ids = [cast.alice.pk, cast.bob.pk, cast.charlie.pk]

    tashkent_noon = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # 12:00 Tashkent, 02:00 NY
    new_york_noon = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)  # 22:00 Tashkent, 12:00 NY
    assert on_shift(ids, tashkent_noon) == {cast.alice.pk, cast.charlie.pk}
    assert on_shift(ids, new_york_noon) == {cast.bob.pk, cast.charlie.pk}

    check_set_shift(cast.alice, cast.bob.pk, None)
    assert on_shift(ids, tashkent_noon) == {cast.alice.pk, cast.bob.pk, cast.charlie.pk}
    assert AgentShift.objects.count() == 1


def test_agents_cannot_set_shifts(cast: Cast) -> None:
    calendar = tashkent_office(cast)

    with pytest.raises(PermissionDenied):
        check_set_shift(cast.bob, cast.bob.pk, calendar.pk)
    with pytest.raises(NotFound):
        check_set_shift(cast.alice, cast.charlie.pk, calendar.pk)

    assert AgentShift.objects.count() == 0
