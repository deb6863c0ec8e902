"""Personal data in a message: where it is and what kind, so it can be masked.

Kinds: payment cards (13-19 digits passing the Luhn check), phone numbers (Uzbek +998 in
every usual spelling, Russian +7/8, any international number with a +), e-mail addresses,
passports and ID cards (Uzbek AA1234567; Russian 4+6 digits), the Uzbek PINFL (14 digits
starting with the person's date of birth), the Russian SNILS (checksum) and INN / Uzbek
STIR (checksum for INN; both after their keyword). Numbers that look like these but fail
their check are left alone: a masked order number is a support ticket of its own.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


class Kind(enum.StrEnum):
    CARD = "card"
    PHONE = "phone"
    EMAIL = "email"
    PASSPORT = "passport"
    PINFL = "pinfl"
    SNILS = "snils"
    INN = "inn"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """``text[start:end]`` is personal data of ``kind``."""

    start: int
    end: int
    kind: Kind

    def to_dict(self) -> dict[str, int | str]:
        return {"start": self.start, "end": self.end, "kind": str(self.kind)}


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum used by every card scheme (Visa, Mastercard, UzCard, Humo, Mir)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def snils_valid(digits: str) -> bool:
    """SNILS: the last two digits check the first nine (weights 9..1, modulo 101)."""
    if len(digits) != 11:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    check = total % 101 % 100
    return check == int(digits[9:])


def inn_valid(digits: str) -> bool:
    """Russian INN: 10 digits (organisations) or 12 (people), with check digits."""

    def check(part: str, weights: tuple[int, ...]) -> int:
        return sum(int(d) * w for d, w in zip(part, weights, strict=True)) % 11 % 10

    w10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    if len(digits) == 10:
        return check(digits[:9], w10) == int(digits[9])
    if len(digits) == 12:
        return check(digits[:10], w11) == int(digits[10]) and check(digits[:11], w12) == int(
            digits[11]
        )
    return False


def pinfl_valid(digits: str) -> bool:
    """PINFL (JShShIR): century-and-sex digit 1-6, then the birth date as DDMMYY."""
    if len(digits) != 14 or digits[0] not in "123456":
        return False
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[digits[0]]
    try:
        dt.date(century + int(digits[5:7]), int(digits[3:5]), int(digits[1:3]))
    except ValueError:
        return False
    return True


_NOT_DIGIT_BEFORE = r"(?<![\d\w])"
_NOT_DIGIT_AFTER = r"(?![\d])"
_CARD = re.compile(_NOT_DIGIT_BEFORE + r"\d(?:[ -]?\d){12,18}" + _NOT_DIGIT_AFTER)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}", re.UNICODE)
# Uzbek numbers: +998 / 998 / 8 prefix optional; operator code in brackets or not.
_UZ_OPERATORS = (
    "20|33|50|55|61|62|65|66|67|69|70|71|72|73|74|75|76|77|78|79|88|90|91|93|94|95|97|98|99"
)
_PHONE_UZ = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:(?:\+|00)?998[\s.-]*)?\(?(?:"
    + _UZ_OPERATORS
    + r")\)?[\s.-]*\d{3}[\s.-]*\d{2}[\s.-]*\d{2}"
    + _NOT_DIGIT_AFTER
)
_PHONE_RU = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\+7|8)[\s.-]*\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{2}[\s.-]*\d{2}"
    + _NOT_DIGIT_AFTER
)
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]*\(?\d+\)?){2,6}" + _NOT_DIGIT_AFTER)
_PASSPORT_UZ = re.compile(r"(?<![\w])[A-Z]{2}\s?\d{7}(?!\w)")
_PASSPORT_RU = re.compile(_NOT_DIGIT_BEFORE + r"\d{2}\s?\d{2}\s(?:№\s?)?\d{6}" + _NOT_DIGIT_AFTER)
_PASSPORT_WORD = re.compile(r"(?:паспорт|passport|pasport)\D{0,20}?(\d{10})(?!\d)", re.IGNORECASE)
_PINFL = re.compile(_NOT_DIGIT_BEFORE + r"\d{14}" + _NOT_DIGIT_AFTER)
_SNILS = re.compile(_NOT_DIGIT_BEFORE + r"\d{3}-?\d{3}-?\d{3}[\s-]?\d{2}" + _NOT_DIGIT_AFTER)
_TAX_ID = re.compile(r"(?:инн|inn|stir|стир)\D{0,12}?(\d{9,12})(?!\d)", re.IGNORECASE)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _cards(text: str) -> Iterator[Span]:
    for match in _CARD.finditer(text):
        digits = _digits(match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield Span(match.start(), match.end(), Kind.CARD)


def _phones(text: str) -> Iterator[Span]:
    for pattern in (_PHONE_UZ, _PHONE_RU, _PHONE_INTL):
        for match in pattern.finditer(text):
            if 7 <= len(_digits(match.group())) <= 15:
                yield Span(match.start(), match.end(), Kind.PHONE)


def _simple(
    pattern: re.Pattern[str], kind: Kind, valid: Callable[[str], bool] | None = None
) -> Callable[[str], Iterator[Span]]:
    def find(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            if valid is None or valid(_digits(match.group(group))):
                yield Span(match.start(group), match.end(group), kind)

    return find


def _tax_ids(text: str) -> Iterator[Span]:
    for match in _TAX_ID.finditer(text):
        digits = match.group(1)
        # The Uzbek STIR has 9 digits and no published checksum; the keyword is the proof.
        if len(digits) == 9 or inn_valid(digits):
            yield Span(match.start(1), match.end(1), Kind.INN)


# Earlier finders win an overlap: a Luhn-valid card is never also a phone number.
_FINDERS: tuple[Callable[[str], Iterator[Span]], ...] = (
    _simple(_EMAIL, Kind.EMAIL),
    _cards,
    _simple(_SNILS, Kind.SNILS, snils_valid),
    _simple(_PINFL, Kind.PINFL, pinfl_valid),
    _tax_ids,
    _simple(_PASSPORT_UZ, Kind.PASSPORT),
    _simple(_PASSPORT_RU, Kind.PASSPORT),
    _simple(_PASSPORT_WORD, Kind.PASSPORT),
    _phones,
)


_DIGIT_OR_AT = re.compile(r"[\d@]")


def find(text: str) -> list[Span]:
    """Every piece of personal data in ``text``, sorted by position, never overlapping."""
    # Every kind needs a digit or an @: most chat messages are done after one search.
    if not _DIGIT_OR_AT.search(text):
        return []
    taken: list[Span] = []
    for finder in _FINDERS:
        for span in finder(text):
            if all(span.end <= other.start or span.start >= other.end for other in taken):
                taken.append(span)
    return sorted(taken)


def mask(text: str, spans: list[Span] | None = None, *, char: str = "•") -> str:
    """Replace the letters and digits of each span with ``char``; keep the length.

    Cards keep their last four digits (what agents and receipts show); separators stay,
    so "8600 1234 5678 9012" reads "•••• •••• •••• 9012". Positions of the rest of the
    text do not move, so other spans stay valid.
    """
    chars = list(text)
    for span in find(text) if spans is None else spans:
        keep = _last_digits(text, span, 4) if span.kind is Kind.CARD else set()
        for i in range(span.start, span.end):
            if chars[i].isalnum() and i not in keep:
                chars[i] = char
    return "".join(chars)


def _last_digits(text: str, span: Span, count: int) -> set[int]:
    positions = [i for i in range(span.start, span.end) if text[i].isdigit()]
    return set(positions[-count:])
