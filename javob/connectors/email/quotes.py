"""The visible reply of a mail: without quoted history, attribution lines and signatures.

Knows the marks of Gmail, Outlook (desktop, web, mobile), Apple Mail, Thunderbird, Yandex,
Mail.ru and phone clients, in English, Russian and Uzbek. One pass over the lines; every
pattern is anchored and looks at a bounded slice of a line, so a 1 MB line or 100,000
quoted lines cost linear time. Never returns less than the reply: when stripping would
leave nothing, the original text is returned.
"""

from __future__ import annotations

import re
import time

_HEAD = 300  # how much of a line the patterns look at
_TAIL = 200

_QUOTED = re.compile(r"[ \t]{0,3}>")
_SEPARATOR = re.compile(r"[-–—=_*]{2,}[ \t]*([^-–—=_*]{1,80}?)[ \t]*[-–—=_*]{2,}")
_SEPARATOR_WORDS = (
    "original message",
    "forwarded message",
    "original",
    "исходное сообщение",
    "оригинальное сообщение",
    "пересылаемое сообщение",
    "пересланное сообщение",
    "перенаправленное сообщение",
    "переадресованное сообщение",
    "исходное письмо",
    "asl xabar",
    "yo'naltirilgan xabar",
    "yoʻnaltirilgan xabar",
    "yo‘naltirilgan xabar",
    "uzatilgan xabar",
    "асл хабар",
)
_FORWARD_INTRO = re.compile(
    r"(begin forwarded message|начало (?:переадресованного|пересылаемого|пересланного) "
    r"сообщения|yo.naltirilgan xabar boshi)[ \t]*:",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"_{10,}[ \t]*")
_HEADER_FROM = re.compile(r"\*{0,2}(?:from|от|kimdan|кимдан|de|von)\*{0,2}[ \t]*:", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"\*{0,2}(?:sent|date|отправлено|дата|yuborildi|юборилди|sana|сана|gesendet|envoyé)"
    r"\*{0,2}[ \t]*:",
    re.IGNORECASE,
)
_HEADER_SUBJECT = re.compile(
    r"\*{0,2}(?:subject|тема|mavzu|мавзу|betreff|objet)\*{0,2}[ \t]*:", re.IGNORECASE
)
_ATTRIBUTION_END = re.compile(
    r"(?:wrote|написал\(а\)|написала|написал|пишет|писал|yozdi|yozgan|ёзди|ёзган|"
    r"schrieb|a écrit|escribió|yazdı)[ \t]*:[ \t]*$",
    re.IGNORECASE,
)
# Gmail in Russian, Yandex and Mail.ru: "13.10.2023, 12:00, "Иван" <ivan@ya.ru>:".
_ATTRIBUTION_ADDRESS = re.compile(r"@[^\s<>]{1,100}>[ \t]*:[ \t]*$")
_DIGIT = re.compile(r"\d")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
# How a wrapped attribution's first line begins: "On", a date, or a weekday.
_OPENER = re.compile(
    r"\d|(?:on|le|am|el|в|mon|tue|wed|thu|fri|sat|sun|пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|"
    r"среда|четверг|пятница|суббота|воскресенье|dsh|ssh|chr|pay|jum|shn|yak|dushanba|seshanba|"
    r"chorshanba|payshanba|juma|shanba|yakshanba)\b",
    re.IGNORECASE,
)
_SIGNATURE_DASHES = ("-- ", "--", "—", "-- \u00a0")
_PHONE_SIGNATURE = re.compile(
    r"(?:sent from (?:my )?\S.{0,60}|sent (?:with|via) \S.{0,60}|get outlook for \S.{0,30}"
    r"|отправлено (?:с|со|из|через) \S.{0,60}|послано (?:с|со|из) \S.{0,60}"
    r"|(?:скачайте|получить|загрузите) outlook для \S.{0,30}"
    r"|\S.{0,60}(?:dan|дан|идан) (?:yuborildi|юборилди)\.?"
    r"|(?:yuborildi|юборилди) \S.{0,60})",
    re.IGNORECASE,
)
_BLANK_RUNS = re.compile(r"\n{3,}")
_DEADLINE_EVERY = 1024


def visible_reply(text: str, *, deadline: float | None = None) -> str:
    """`text` without quoted history and signature; `text` itself if that would be empty."""
    original = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    lines = _without_pgp_armor(original.split("\n"))
    reply = _without_quotes(lines, deadline)
    reply = _without_signature(reply)
    result = _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in reply)).strip()
    return result or original


def _without_quotes(lines: list[str], deadline: float | None) -> list[str]:
    kept: list[str] = []
    index = 0
    while index < len(lines):
        if deadline is not None and index % _DEADLINE_EVERY == 0 and time.thread_time() > deadline:
            return lines  # out of time: keep everything rather than guess
        line = lines[index]
        if _QUOTED.match(line):
            index += 1
            continue
        if _starts_history(lines, index):
            break
        span = _attribution_span(lines, index)
        if span:
            following = _next_nonblank(lines, index + span)
            if following < len(lines) and _QUOTED.match(lines[following]):
                index += span  # "On ... wrote:" above "> ..." lines: drop both, keep going
                continue
            break  # an attribution above unprefixed history: all that follows is quoted
        kept.append(line)
        index += 1
    return kept


def _without_pgp_armor(lines: list[str]) -> list[str]:
    """Inline PGP (clear-signed text): the text without the armor lines and the signature."""
    if not lines or lines[0].strip() != "-----BEGIN PGP SIGNED MESSAGE-----":
        return lines
    body = 1
    while body < len(lines) and lines[body].strip():  # "Hash: SHA256" armor headers
        body += 1
    kept: list[str] = []
    for line in lines[body + 1 :]:
        if line.strip() == "-----BEGIN PGP SIGNATURE-----":
            break
        kept.append(line[2:] if line.startswith("- ") else line)  # dash-escaping
    return kept


def _next_nonblank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _starts_history(lines: list[str], index: int) -> bool:
    head = lines[index][:_HEAD].strip()
    if not head:
        return False
    separator = _SEPARATOR.fullmatch(head)
    if separator and separator.group(1).lower().strip() in _SEPARATOR_WORDS:
        return True
    if _FORWARD_INTRO.match(head):
        return True
    if _UNDERSCORES.fullmatch(head):
        following = _next_nonblank(lines, index + 1)
        return following < len(lines) and _header_block(lines, following)
    return _header_block(lines, index)


def _header_block(lines: list[str], index: int) -> bool:
    """Outlook's "From: / Sent: / To: / Subject:" block (also in Russian and Uzbek).

    A From line and a Sent (or Date) line below it, plus an address in the From line or a
    Subject line: "From: Tashkent / To: Samarkand / Date: 12 Nov" in a booking is not one.
    """
    first = lines[index][:_HEAD].lstrip()
    if not _HEADER_FROM.match(first):
        return False
    following = [line[:_HEAD].lstrip() for line in lines[index + 1 : index + 6]]
    if not any(_HEADER_SENT.match(line) for line in following):
        return False
    return "@" in first or any(_HEADER_SUBJECT.match(line) for line in following)


def _attribution_span(lines: list[str], index: int) -> int:
    """1 or 2 when an "On ... wrote:" line (possibly wrapped over two) starts here, else 0."""
    line = lines[index]
    if _is_attribution(line):
        return 1
    if index + 1 >= len(lines) or len(line) > _HEAD or not _OPENER.match(line.lstrip()):
        return 0
    wrapped = lines[index + 1]
    if len(wrapped) > 100 or _QUOTED.match(wrapped):
        return 0
    if _ATTRIBUTION_END.search(wrapped) or _ATTRIBUTION_ADDRESS.search(wrapped):
        return 2 if _is_attribution(line.rstrip() + " " + wrapped.strip()) else 0
    return 0


def _is_attribution(line: str) -> bool:
    if len(line) > 2 * _HEAD:
        return False
    tail = line[-_TAIL:]
    if _ATTRIBUTION_END.search(tail):
        return bool(_DIGIT.search(line) or "@" in line)
    return bool(_ATTRIBUTION_ADDRESS.search(tail) and _TIME.search(line))


def _without_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if index and line.rstrip("\r") in _SIGNATURE_DASHES and _has_text(lines[:index]):
            lines = lines[:index]
            break
    trimmed = 0
    end = len(lines)
    while trimmed < 3:
        end = _last_nonblank(lines, end)
        if end < 0 or not _PHONE_SIGNATURE.fullmatch(lines[end][:_HEAD].strip()):
            break
        lines = lines[:end]
        trimmed += 1
    return lines


def _last_nonblank(lines: list[str], end: int) -> int:
    index = min(end, len(lines)) - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    return index


def _has_text(lines: list[str]) -> bool:
    return any(line.strip() for line in lines)
