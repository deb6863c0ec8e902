"""Which writing systems a text uses, counted over its letters with one numpy lookup."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

# ISO 15924 codes; index 0 means "not a letter".
SCRIPTS = (
    "",
    "Latn",
    "Cyrl",
    "Arab",
    "Grek",
    "Armn",
    "Hebr",
    "Deva",
    "Beng",
    "Guru",
    "Gujr",
    "Orya",
    "Taml",
    "Telu",
    "Knda",
    "Mlym",
    "Sinh",
    "Thai",
    "Laoo",
    "Tibt",
    "Mymr",
    "Geor",
    "Hang",
    "Ethi",
    "Khmr",
    "Hira",
    "Kana",
    "Hani",
)
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"),
    (0x1E00, 0x1EFF, "Latn"),
    (0xFF21, 0xFF5A, "Latn"),
    (0x0370, 0x03FF, "Grek"),
    (0x1F00, 0x1FFF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0x08A0, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"),
    (0x0A80, 0x0AFF, "Gujr"),
    (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"),
    (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"),
    (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"),
    (0x0F00, 0x0FFF, "Tibt"),
    (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"),
    (0x1100, 0x11FF, "Hang"),
    (0x3130, 0x318F, "Hang"),
    (0xAC00, 0xD7AF, "Hang"),
    (0x1200, 0x137F, "Ethi"),
    (0x1780, 0x17FF, "Khmr"),
    (0x3040, 0x309F, "Hira"),
    (0x30A0, 0x30FF, "Kana"),
    (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"),
)


@cache
def _table() -> npt.NDArray[np.uint8]:
    """Script index for every code point of the Basic Multilingual Plane (letters only)."""
    table = np.zeros(0x10000, dtype=np.uint8)
    for start, end, script in _RANGES:
        index = SCRIPTS.index(script)
        for code in range(start, end + 1):
            char = chr(code)
            # Combining vowel signs (Mn/Mc) count with their script: Indic words need them.
            if char.isalpha() or (0x0900 <= code < 0x0E80 and not char.isspace()):
                table[code] = index
    return table


def script_counts(text: str) -> dict[str, int]:
    """Letters per ISO 15924 script, e.g. {"Latn": 12, "Cyrl": 3}."""
    if not text:
        return {}
    # "replace": a lone surrogate (broken UTF-16 from a client) must not crash detection.
    codes = np.frombuffer(text.encode("utf-32-le", "replace"), dtype=np.uint32)
    codes = codes[codes < 0x10000]
    found = np.bincount(_table()[codes], minlength=len(SCRIPTS))
    return {SCRIPTS[i]: int(found[i]) for i in np.flatnonzero(found) if i}
