import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from javob.sla.hours import (
    Calendar,
    NeverOpen,
    add_business_time,
    always_open,
    business_time_between,
    is_open,
    next_open,
    open_intervals,
)

TASHKENT = ZoneInfo("Asia/Tashkent")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_SIX = (((540, 1080),),) * 5 + ((), ())
H = dt.timedelta(hours=1)


def office(zone: str, **holidays: object) -> Calendar:
    return Calendar(zone=zone, weekly=NINE_TO_SIX, **holidays)  # type: ignore[arg-type]


def test_two_business_hours_after_friday_1730_in_tashkent_is_monday_1030() -> None:
    friday = dt.datetime(2026, 11, 27, 17, 30, tzinfo=TASHKENT)

    due = add_business_time(office("Asia/Tashkent"), friday, 2 * H)

    assert due == dt.datetime(2026, 11, 30, 10, 30, tzinfo=TASHKENT)
    assert due.tzinfo is dt.UTC
    assert due.isoformat() == "2026-11-30T05:30:00+00:00"


def test_next_monday_0900_in_berlin_on_a_holiday_monday_is_tuesday_0900() -> None:
    cal = office("Europe/Berlin", dates=frozenset({dt.date(2026, 11, 30)}))
    saturday = dt.datetime(2026, 11, 28, 12, 0, tzinfo=BERLIN)

    assert next_open(cal, saturday) == dt.datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)


def test_public_holidays_by_country_close_the_day() -> None:
    # Easter Monday 2026 (6 April) in Berlin; Navruz (21 March 2026 is a Saturday; 23 March
    # is the day off moved to Monday) in Uzbekistan.
    berlin = office("Europe/Berlin", country="DE", subdivision="BE")
    tashkent = office("Asia/Tashkent", country="UZ")

    assert next_open(berlin, dt.datetime(2026, 4, 6, 10, tzinfo=BERLIN)) == dt.datetime(
        2026, 4, 7, 9, tzinfo=BERLIN
    )
    assert not is_open(tashkent, dt.datetime(2026, 3, 23, 10, tzinfo=TASHKENT))
    assert is_open(tashkent, dt.datetime(2026, 3, 24, 10, tzinfo=TASHKENT))


def test_recurring_custom_holiday_closes_every_year() -> None:
    cal = office("Asia/Tashkent", yearly=frozenset({(12, 31)}))

    assert not is_open(cal, dt.datetime(2027, 12, 31, 10, tzinfo=TASHKENT))
    assert not is_open(cal, dt.datetime(2030, 12, 31, 10, tzinfo=TASHKENT))
    assert is_open(cal, dt.datetime(2030, 12, 30, 10, tzinfo=TASHKENT))


def test_year_end_carries_into_the_next_year() -> None:
    cal = office("Asia/Tashkent", dates=frozenset({dt.date(2027, 1, 1)}))
    thursday = dt.datetime(2026, 12, 31, 17, 0, tzinfo=TASHKENT)

    due = add_business_time(cal, thursday, 3 * H)

    assert due == dt.datetime(2027, 1, 4, 11, 0, tzinfo=TASHKENT)


def test_spring_forward_day_in_berlin_counts_real_hours() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST. Open every day 00:00-06:00.
    cal = Calendar("Europe/Berlin", (((0, 360),),) * 7)
    start = dt.datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)

    assert business_time_between(cal, start, start + 24 * H) == 5 * H
    assert add_business_time(cal, start, 3 * H) == dt.datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN)


def test_fall_back_day_in_berlin_counts_the_repeated_hour() -> None:
    cal = Calendar("Europe/Berlin", (((0, 360),),) * 7)
    start = dt.datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)

    assert business_time_between(cal, start, start + 24 * H) == 7 * H


def test_spring_forward_in_new_york_with_overnight_hours() -> None:
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT. Saturday 22:00 to Sunday 06:00 is 7 real hours.
    cal = Calendar("America/New_York", ((), (), (), (), (), ((1320, 360),), ()))
    saturday = dt.datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK)

    assert business_time_between(cal, saturday, saturday + 48 * H) == 7 * H
    assert add_business_time(cal, saturday, 4 * H) == dt.datetime(2026, 3, 8, 3, 0, tzinfo=NEW_YORK)
    assert is_open(cal, dt.datetime(2026, 3, 8, 5, 59, tzinfo=NEW_YORK))
    assert not is_open(cal, dt.datetime(2026, 3, 8, 6, 0, tzinfo=NEW_YORK))


def test_an_interval_inside_the_dst_gap_is_empty() -> None:
    cal = Calendar("Europe/Berlin", (((120, 180),),) * 7)

    assert next_open(cal, dt.datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)) == dt.datetime(
        2026, 3, 30, 2, 0, tzinfo=BERLIN
    )


def test_overlapping_hours_are_counted_once() -> None:
    # Monday 22:00-06:00 overlaps Tuesday 00:00-08:00: 10 hours, not 14.
    cal = Calendar("UTC", (((1320, 360),), ((0, 480),), (), (), (), (), ()))
    monday = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)

    assert business_time_between(cal, monday, monday + 72 * H) == 10 * H


def test_due_time_can_be_the_closing_time() -> None:
    cal = office("Asia/Tashkent")
    start = dt.datetime(2026, 11, 23, 16, 0, tzinfo=TASHKENT)

    assert add_business_time(cal, start, 2 * H) == dt.datetime(2026, 11, 23, 18, 0, tzinfo=TASHKENT)


def test_naive_datetimes_and_closed_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        is_open(office("UTC"), dt.datetime(2026, 1, 1, 10, 0))  # noqa: DTZ001
    with pytest.raises(NeverOpen):
        next_open(Calendar("UTC", ((),) * 7), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="7 days"):
        Calendar("UTC", ((),) * 6)


def test_always_open_counts_wall_time() -> None:
    start = dt.datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)

    real = start.astimezone(dt.UTC) + 24 * H  # a day has 23 real hours here, wall time says 24

    assert add_business_time(always_open("Europe/Berlin"), start, 24 * H) == real


# Properties, across zones with and without DST, and odd offsets.

ZONES = [
    "Asia/Tashkent",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kathmandu",  # +05:45
    "America/Santiago",
    "Pacific/Apia",
    "UTC",
]

clock = st.integers(min_value=0, max_value=1439)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    days = []
    for _day in range(7):
        count = draw(st.integers(min_value=0, max_value=2))
        spans = []
        for _ in range(count):
            start = draw(clock)
            length = draw(st.integers(min_value=15, max_value=1440))
            end = (start + length) % 1440 or 1440
            spans.append((start, end))
        days.append(tuple(spans))
    if not any(days):
        days[0] = ((540, 1080),)
    holidays = draw(st.frozensets(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), max_size=5))
    return Calendar(draw(st.sampled_from(ZONES)), tuple(days), dates=holidays)


instants = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),  # noqa: DTZ001 - made aware by timezones=
    max_value=dt.datetime(2027, 1, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
durations = st.integers(min_value=0, max_value=200 * 3600).map(lambda s: dt.timedelta(seconds=s))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(calendars(), instants, durations)
def test_between_inverts_add(cal: Calendar, start: dt.datetime, duration: dt.timedelta) -> None:
    due = add_business_time(cal, start, duration)

    assert business_time_between(cal, start, due) == duration
    assert due.tzinfo is dt.UTC


@PROPERTY
@given(calendars(), instants, durations.filter(lambda d: d > dt.timedelta(0)))
def test_due_times_are_inside_open_hours(
    cal: Calendar, start: dt.datetime, duration: dt.timedelta
) -> None:
    due = add_business_time(cal, start, duration)

    # The due instant ends a stretch of open time: just before it the calendar is open.
    assert is_open(cal, due - dt.timedelta(microseconds=1))
    assert due > start


@PROPERTY
@given(calendars(), instants, durations, durations)
def test_add_is_monotonic_in_duration(
    cal: Calendar, start: dt.datetime, a: dt.timedelta, b: dt.timedelta
) -> None:
    short, long = sorted([a, b])

    assert add_business_time(cal, start, short) <= add_business_time(cal, start, long)


@PROPERTY
@given(calendars(), instants)
def test_next_open_is_open_and_nothing_is_open_before_it(cal: Calendar, at: dt.datetime) -> None:
    opening = next_open(cal, at)

    assert is_open(cal, opening)
    assert business_time_between(cal, at, opening) == dt.timedelta(0)


@PROPERTY
@given(calendars(), instants)
def test_intervals_are_disjoint_and_ordered(cal: Calendar, at: dt.datetime) -> None:
    spans = []
    for span in open_intervals(cal, at):
        spans.append(span)
        if len(spans) == 20:
            break

    assert all(first < last for first, last in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
