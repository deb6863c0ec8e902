import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from javob.connectors.webchat.config import (
    normalize_origin,
    parse_hours,
    parse_origins,
    visitor_language,
    widget_config,
)
from javob.core.errors import ActionError

TASHKENT = ZoneInfo("Asia/Tashkent")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """November 2026: the 23rd is a Monday."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TASHKENT)


def test_weekly_hours_open_and_close_in_the_inbox_zone() -> None:
    hours = parse_hours("Mon-Fri 09:00-13:00, 14:00-18:00; Sat 10:00-14:00", "Asia/Tashkent")

    assert hours.is_open(at(23, 9)) is True
    assert hours.is_open(at(23, 13, 30)) is False  # lunch
    assert hours.is_open(at(23, 18)) is False
    assert hours.is_open(at(29, 12)) is False  # Sunday
    # 04:30 UTC is 09:30 in Tashkent
    assert hours.is_open(dt.datetime(2026, 11, 23, 4, 30, tzinfo=dt.UTC)) is True


def test_next_opening_skips_the_weekend_and_lunch() -> None:
    hours = parse_hours("Mon-Fri 09:00-13:00, 14:00-18:00; Sat 10:00-14:00", "Asia/Tashkent")

    assert hours.next_open(at(23, 13, 30)) == at(23, 14)
    assert hours.next_open(at(27, 18, 5)) == at(28, 10)  # Friday evening -> Saturday
    assert hours.next_open(at(28, 15)) == at(30, 9)  # Saturday afternoon -> Monday


def test_empty_hours_mean_always_open() -> None:
    hours = parse_hours("", "UTC")

    assert hours.always_open is True
    assert hours.is_open(at(29, 3)) is True
    assert hours.next_open(at(29, 3)) is None


def test_a_day_range_may_wrap_the_week_and_24_00_ends_the_day() -> None:
    hours = parse_hours("Sat-Mon 00:00-24:00", "Europe/Berlin")

    assert [bool(day) for day in hours.week] == [True, False, False, False, False, True, True]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Mon-Fri 9-18", "hours"),
        ("Someday 09:00-18:00", "hours"),
        ("Mon 18:00-09:00", "hours"),
        ("Mon 25:00-26:00", "hours"),
    ],
)
def test_bad_hours_are_refused_by_name(text: str, field: str) -> None:
    with pytest.raises(ActionError) as caught:
        parse_hours(text, "UTC")
    assert caught.value.field == field


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ActionError, match="Unknown time zone Mars/Olympus") as caught:
        parse_hours("", "Mars/Olympus")
    assert caught.value.field == "time_zone"


def test_origins_are_normalised_and_checked() -> None:
    assert normalize_origin("HTTPS://Shop.Example:443/page") == "https://shop.example"
    assert normalize_origin("http://localhost:8000") == "http://localhost:8000"
    assert normalize_origin("javascript:alert(1)") == ""
    assert parse_origins("https://a.example, https://a.example https://b.example:8443") == (
        "https://a.example",
        "https://b.example:8443",
    )
    with pytest.raises(ActionError, match="not an origin"):
        parse_origins("shop.example")


def test_config_allows_only_listed_origins() -> None:
    config = widget_config({"allowed_origins": "https://shop.example"}, ["ru"])

    assert config.allows("https://shop.example") is True
    assert config.allows("https://shop.example.evil.test") is False
    assert config.allows("http://shop.example") is False
    assert config.allows(None) is False
    assert config.prechat == {"name": "optional", "email": "off", "phone": "off"}
    assert config.default_language == "ru"


@pytest.mark.parametrize(
    ("accept", "served", "expected"),
    [
        (["uz-Cyrl-UZ", "ru"], ["uz", "uz-cyrl", "ru"], "uz-cyrl"),
        (["uz-UZ"], ["uz", "ru"], "uz"),
        (["de-DE", "ru-RU"], ["uz", "ru", "en"], "ru"),
        (["de-DE"], ["ru", "en"], "ru"),  # none served: the inbox's first language
        (["en-US"], [], "en"),
    ],
)
def test_the_widget_speaks_the_visitors_language_when_the_inbox_serves_it(
    accept: list[str], served: list[str], expected: str
) -> None:
    config = widget_config({"allowed_origins": "https://a.example"}, served)

    assert visitor_language(accept, config, served) == expected
