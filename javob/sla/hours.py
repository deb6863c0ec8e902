"""Business-hours arithmetic: pure functions over a `Calendar`, no database.

A calendar is weekly opening intervals in an IANA zone plus closed days (public holidays by
country and subdivision, custom dates, recurring yearly or one-off). Every computation turns
the wall-clock intervals of each local day into UTC instants first and then works on real
elapsed time, which makes it exact across DST changes:

- a wall-clock time that does not exist (spring forward) maps to the instant just after the
  gap (zoneinfo's fold=0 reading), so 09:00-18:00 on a day whose 02:00-03:00 is skipped still
  counts 9 real hours, and an interval that lies inside the gap is empty;
- an ambiguous wall-clock time (fall back) means its first occurrence, so 00:00-04:00 on that
  night counts 5 real hours.

An interval belongs to the local day it starts on: "22:00-06:00" on Friday runs into Saturday
morning, and a holiday on Friday closes it as a whole. Business time is counted in real
seconds inside open intervals; a due time may fall exactly at the end of an interval
("2 hours after 16:00, closing at 18:00" is 18:00).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

UTC = dt.UTC
MINUTES_PER_DAY = 24 * 60
# A calendar that is closed for this long is treated as never open: a configuration error,
# not a reason to loop forever.
SEARCH_DAYS = 3 * 366

Interval = tuple[int, int]  # minutes after local midnight; end <= start crosses midnight


class NeverOpen(ValueError):
    """The calendar has no open time in the search horizon (no hours, or all holidays)."""


@dataclass(frozen=True, slots=True)
class Calendar:
    """Weekly hours (Monday = 0) in `zone`, closed on holidays."""

    zone: str
    weekly: tuple[tuple[Interval, ...], ...]
    country: str = ""
    subdivision: str = ""
    dates: frozenset[dt.date] = field(default_factory=frozenset)
    yearly: frozenset[tuple[int, int]] = field(default_factory=frozenset)  # (month, day)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError(f"weekly needs 7 days (Monday first), got {len(self.weekly)}")
        for day in self.weekly:
            for start, end in day:
                if not (0 <= start < MINUTES_PER_DAY and 0 < end <= MINUTES_PER_DAY):
                    raise ValueError(f"interval out of range: {start}-{end} minutes")

    @property
    def tz(self) -> ZoneInfo:
        return zone_info(self.zone)

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.dates or (day.month, day.day) in self.yearly:
            return True
        return bool(self.country) and day in _public_holidays(
            self.country, self.subdivision, day.year
        )


ALWAYS_OPEN_DAY: tuple[Interval, ...] = ((0, MINUTES_PER_DAY),)


def always_open(zone: str = "UTC") -> Calendar:
    """Calendar hours: every minute counts."""
    return Calendar(zone=zone, weekly=(ALWAYS_OPEN_DAY,) * 7)


@lru_cache(maxsize=64)
def zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[dt.date]:
    table = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(table.keys())


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {at.isoformat()}")


def _local(day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of wall-clock `minute` on local `day` (1440 = next midnight)."""
    extra, minute = divmod(minute, MINUTES_PER_DAY)
    when = dt.datetime.combine(day + dt.timedelta(days=extra), dt.time(), tzinfo=tz)
    wall = when.replace(hour=minute // 60, minute=minute % 60)
    return wall.astimezone(UTC)


def _day_intervals(cal: Calendar, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    if cal.is_holiday(day):
        return []
    tz = cal.tz
    spans = []
    for start, end in cal.weekly[day.weekday()]:
        stop = end if end > start else end + MINUTES_PER_DAY
        first, last = _local(day, start, tz), _local(day, stop, tz)
        if last > first:  # an interval inside a DST gap is empty
            spans.append((first, last))
    return sorted(spans)


def open_intervals(cal: Calendar, since: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Disjoint open intervals in UTC that end after `since`, in order; NeverOpen if none.

    Overlapping hours (an overnight interval running into the next day's) are clipped, so
    no instant is counted twice; adjacent intervals are not merged (nothing needs it).
    """
    _require_aware(since)
    day = since.astimezone(cal.tz).date() - dt.timedelta(days=1)  # yesterday may run overnight
    cursor = since
    idle = 0
    while idle <= SEARCH_DAYS:
        idle += 1
        for first, last in _day_intervals(cal, day):
            first = max(first, cursor)
            if last > first:
                idle = 0
                yield first, last
                cursor = last
        day += dt.timedelta(days=1)
    raise NeverOpen(f"calendar in {cal.zone} is closed for {SEARCH_DAYS} days")


def is_open(cal: Calendar, at: dt.datetime) -> bool:
    for start, _end in open_intervals(cal, at):
        return start <= at
    return False  # pragma: no cover - open_intervals raises instead of ending


def next_open(cal: Calendar, at: dt.datetime) -> dt.datetime:
    """`at` itself (in UTC) when open, else the next opening."""
    for start, _end in open_intervals(cal, at):
        return max(start, at).astimezone(UTC)
    raise NeverOpen(cal.zone)  # pragma: no cover


def add_business_time(cal: Calendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The instant when `duration` of open time has passed since `start` (UTC).

    A zero duration gives the next open instant; a due time can be an interval's end.
    """
    if duration < dt.timedelta(0):
        raise ValueError(f"expected a duration >= 0, got {duration}")
    left = duration
    for first, last in open_intervals(cal, start):
        begin = max(first, start)
        if left <= last - begin:
            return (begin + left).astimezone(UTC)
        left -= last - begin
    raise NeverOpen(cal.zone)  # pragma: no cover


def business_time_between(cal: Calendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Open time from `a` to `b`; negative when `b` is before `a`."""
    _require_aware(b)
    if b < a:
        return -business_time_between(cal, b, a)
    total = dt.timedelta(0)
    try:
        for first, last in open_intervals(cal, a):
            if first >= b:
                break
            total += min(last, b) - max(first, a)
    except NeverOpen:
        pass  # closed from here on: nothing more to count
    return total
