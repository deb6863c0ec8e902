"""How X counts characters (twitter-text v3): most scripts weigh 1, CJK and emoji weigh 2, and
every link counts as 23 whatever its length. A post holds 280; a direct message 10,000."""

from __future__ import annotations

import re

MAX_POST = 280
MAX_DM = 10_000
URL_WEIGHT = 23
URL = re.compile(r"https?://\S+", re.IGNORECASE)
# (first, last) code points that weigh 1; everything else weighs 2.
LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _weight(char: str) -> int:
    point = ord(char)
    return 1 if any(first <= point <= last for first, last in LIGHT) else 2


def weighted_length(text: str) -> int:
    total, position = 0, 0
    for match in URL.finditer(text):
        total += sum(_weight(char) for char in text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + sum(_weight(char) for char in text[position:])
