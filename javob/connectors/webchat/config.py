"""A web-chat inbox's settings, parsed and validated: origins, pre-chat form, hours, language.

Inbox settings are strings (they come from `javob inbox add webchat --set key=value`, the
admin pages or the API), so each has a small text format:

    allowed_origins  "https://shop.example https://www.shop.example" (space or comma separated)
    prechat_name     "off" | "optional" | "required"   (also prechat_email, prechat_phone)
    hours            "Mon-Fri 09:00-18:00; Sat 10:00-14:00"  (empty: always open)
    time_zone        an IANA zone, e.g. "Asia/Tashkent"
    away_minutes     minutes after which replies to a visitor who left go out by email
    greeting         shown above the conversation (default: a translated greeting)
    greeting_<lang>  the greeting in one widget language (uz, uz-cyrl, ru, en), before `greeting`
    offline_message  shown outside business hours instead of the default "We are away right now."
    bot              dotted path of a bot class answering first (empty: none)
    email_inbox      id of an email inbox of the same workspace that follow-ups and
                     transcripts go through, so the visitor's emailed answer joins the chat
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from javob.core.errors import ActionError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELD_MODES = ("off", "optional", "required")
PRECHAT_FIELDS = ("name", "email", "phone")
WIDGET_LANGUAGES = ("uz", "uz-cyrl", "ru", "en")
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Interval = tuple[dt.time, dt.time]


@dataclass(frozen=True, slots=True)
class Hours:
    """A weekly schedule: for each weekday (0 = Monday) its open intervals, local time."""

    zone: ZoneInfo
    week: tuple[tuple[Interval, ...], ...]

    @property
    def always_open(self) -> bool:
        return not any(self.week)

    def is_open(self, at: dt.datetime) -> bool:
        if self.always_open:
            return True
        local = at.astimezone(self.zone)
        now = local.time()
        return any(start <= now < end for start, end in self.week[local.weekday()])

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """The next opening after `at` (aware, in the schedule's zone); None if always open."""
        if self.always_open:
            return None
        local = at.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            for start, _end in self.week[day.weekday()]:
                candidate = dt.datetime.combine(day, start, tzinfo=self.zone)
                if candidate > local:
                    return candidate
        return None


@dataclass(frozen=True, slots=True)
class WidgetConfig:
    public_id: str
    allowed_origins: tuple[str, ...]
    prechat: dict[str, str]
    hours: Hours
    away_minutes: int
    greeting: str
    bot: str
    default_language: str
    email_inbox: int | None
    greetings: dict[str, str]
    offline_message: str

    def greeting_for(self, language: str) -> str:
        """The inbox's greeting in this widget language, else its general one (may be empty)."""
        return self.greetings.get(language) or self.greeting

    def allows(self, origin: str | None) -> bool:
        return origin is not None and normalize_origin(origin) in self.allowed_origins


def normalize_origin(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def parse_origins(text: str) -> tuple[str, ...]:
    origins = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        origin = normalize_origin(item)
        if not origin:
            raise ActionError(
                _("%(origin)s is not an origin like `https://shop.example`.") % {"origin": item},
                field="allowed_origins",
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def parse_hours(text: str, zone_name: str) -> Hours:
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ActionError(
            _("Unknown time zone %(zone)s.") % {"zone": zone_name}, field="time_zone"
        ) from error
    week: list[list[Interval]] = [[] for _day in DAYS]
    for rule in filter(None, (part.strip() for part in text.split(";"))):
        days_text, _space, intervals = rule.partition(" ")
        for day in _days(days_text):
            week[day].extend(_interval(item) for item in intervals.split(",") if item.strip())
    return Hours(zone, tuple(tuple(sorted(day)) for day in week))


def _days(text: str) -> list[int]:
    first, _dash, last = text.lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ActionError(
            _("Write opening hours like `Mon-Fri 09:00-18:00; Sat 10:00-14:00`."), field="hours"
        )
    start, end = DAYS.index(first), DAYS.index(last or first)
    return list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(end + 1)]


def _interval(text: str) -> Interval:
    match = _INTERVAL.match(text.strip())
    if match is None:
        raise ActionError(
            _("Write opening hours like `Mon-Fri 09:00-18:00; Sat 10:00-14:00`."), field="hours"
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ActionError(_("%(time)s is not a time of day.") % {"time": text}, field="hours")
    start = dt.time(h1, m1)
    end = dt.time.max if h2 == 24 else dt.time(h2, m2)
    if end <= start:
        raise ActionError(_("An opening interval must end after it starts."), field="hours")
    return start, end


def _mode(settings: dict[str, Any], name: str) -> str:
    mode = str(settings.get(f"prechat_{name}", "optional" if name == "name" else "off"))
    if mode not in FIELD_MODES:
        raise ActionError(
            _("Use `off`, `optional` or `required` for %(field)s.") % {"field": f"prechat_{name}"},
            field=f"prechat_{name}",
        )
    return mode


def widget_config(settings: dict[str, Any], languages: list[str]) -> WidgetConfig:
    """Parse an inbox's settings; raises ActionError naming the bad setting."""
    away = str(settings.get("away_minutes", "15"))
    if not away.isdigit() or not 1 <= int(away) <= 10_080:
        raise ActionError(_("`away_minutes` must be 1 to 10080."), field="away_minutes")
    email_inbox = str(settings.get("email_inbox", "")).strip()
    if email_inbox and not email_inbox.isdigit():
        raise ActionError(_("`email_inbox` must be an inbox id."), field="email_inbox")
    default_language = next(
        (lang.lower() for lang in languages if lang.lower() in WIDGET_LANGUAGES), "en"
    )
    return WidgetConfig(
        public_id=str(settings.get("public_id", "")),
        allowed_origins=parse_origins(str(settings.get("allowed_origins", ""))),
        prechat={name: _mode(settings, name) for name in PRECHAT_FIELDS},
        hours=parse_hours(str(settings.get("hours", "")), str(settings.get("time_zone", "UTC"))),
        away_minutes=int(away),
        greeting=str(settings.get("greeting", "")),
        bot=str(settings.get("bot", "")),
        default_language=default_language,
        email_inbox=int(email_inbox) if email_inbox else None,
        greetings={
            lang: str(settings[f"greeting_{lang}"])
            for lang in WIDGET_LANGUAGES
            if settings.get(f"greeting_{lang}")
        },
        offline_message=str(settings.get("offline_message", "")),
    )


def format_hours(hours: Hours) -> list[str]:
    """Each weekday's intervals as the form writes them ("09:00-13:00, 14:00-18:00")."""
    return [", ".join(f"{_hhmm(start)}-{_hhmm(end)}" for start, end in day) for day in hours.week]


def _hhmm(time: dt.time) -> str:
    return "24:00" if time == dt.time.max else time.strftime("%H:%M")


def join_hours(days: list[str]) -> str:
    """The inverse of `format_hours`: "Mon 09:00-18:00; Tue ..." (empty days are closed)."""
    return "; ".join(
        f"{name.capitalize()} {text.strip()}"
        for name, text in zip(DAYS, days, strict=True)
        if text.strip()
    )


def visitor_language(accept: list[str], config: WidgetConfig, served: list[str]) -> str:
    """The first of the visitor's browser languages the inbox serves, else its default."""
    offered = [lang.lower() for lang in served] or list(WIDGET_LANGUAGES)
    for wanted in accept:
        tag = wanted.strip().lower().replace("_", "-")
        candidates = [tag, "uz-cyrl" if tag.startswith("uz-cyrl") else tag.split("-")[0]]
        for candidate in candidates:
            if candidate in WIDGET_LANGUAGES and candidate in offered:
                return candidate
    return config.default_language
