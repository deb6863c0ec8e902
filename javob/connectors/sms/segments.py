"""How many SMS segments a text costs, as the networks count them.

A text made only of GSM 03.38 characters travels in the 7-bit alphabet: 160 septets fit in
one SMS, and a longer text is split into parts of 153 (7 septets go to the concatenation
header). Characters of the extension table (`€`, `[`, `]`, `{`, `}`, `\\`, `^`, `~`, `|` and
form feed) cost two septets, an escape and the character, and never straddle two parts. Any
other character (Cyrillic, `ʻ`, emoji) sends the whole text as UCS-2: 70 UTF-16 code units in
one SMS, 67 per part, a surrogate pair (most emoji) never split.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = "GSM-7"
UCS2 = "UCS-2"
# (units in a single SMS, units per part of a long one) by encoding.
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: str  # GSM-7 or UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for an empty text
    per_segment: int  # the capacity of one segment at this length
    remaining: int  # units still free in the last segment


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _widths(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def count(text: str) -> Segments:
    """The encoding, length and segment count of `text` (see the module's docstring)."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    single, part = LIMITS[encoding]
    widths = _widths(text, encoding)
    units = sum(widths)
    if units <= single:
        return Segments(encoding, units, 1 if units else 0, single, single - units)
    parts, used = 1, 0
    for width in widths:
        if used + width > part:  # a two-unit character never straddles two parts
            parts, used = parts + 1, 0
        used += width
    return Segments(encoding, units, parts, part, part - used)
