"""Segment counts as the networks count them: GSM-7 160/153 septets, UCS-2 70/67 units."""

from __future__ import annotations

import pytest

from javob.connectors.sms.segments import Segments, count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Segments("GSM-7", 0, 0, 160, 160)),
        ("a" * 160, Segments("GSM-7", 160, 1, 160, 0)),
        ("a" * 161, Segments("GSM-7", 161, 2, 153, 145)),
        ("a" * 306, Segments("GSM-7", 306, 2, 153, 0)),
        ("a" * 307, Segments("GSM-7", 307, 3, 153, 152)),
        ("€", Segments("GSM-7", 2, 1, 160, 158)),
        ("€" * 80, Segments("GSM-7", 160, 1, 160, 0)),
        ("a" * 159 + "€", Segments("GSM-7", 161, 2, 153, 145)),
        # the 153rd septet cannot hold an escape and its character: `{` moves to part two
        ("a" * 152 + "{" + "b" * 10, Segments("GSM-7", 164, 2, 153, 141)),
        ("Narxi 1.500 so'm, chegirma -10%!", Segments("GSM-7", 32, 1, 160, 128)),
        ("Ж" * 70, Segments("UCS-2", 70, 1, 70, 0)),
        ("Ж" * 71, Segments("UCS-2", 71, 2, 67, 63)),
        ("a" * 69 + "é" + "ʻ", Segments("UCS-2", 71, 2, 67, 63)),
        ("😀" * 35, Segments("UCS-2", 70, 1, 70, 0)),
        # an emoji's surrogate pair never straddles two parts
        ("a" * 66 + "😀" + "b", Segments("UCS-2", 69, 1, 70, 1)),
        ("a" * 66 + "😀" + "b" * 2, Segments("UCS-2", 70, 1, 70, 0)),
        ("a" * 66 + "😀" + "b" * 3, Segments("UCS-2", 71, 2, 67, 62)),
    ],
    ids=[
        "empty",
        "160-a",
        "161-a",
        "306-a",
        "307-a",
        "euro",
        "80-euros",
        "159-a-and-euro",
        "escape-not-split",
        "uzbek-latin-ascii",
        "70-cyrillic",
        "71-cyrillic",
        "okina",
        "35-emoji",
        "emoji-69",
        "emoji-70",
        "emoji-straddle",
    ],
)
def test_segments_are_counted_as_the_network_counts_them(text: str, expected: Segments) -> None:
    assert count(text) == expected


def test_a_surrogate_pair_moves_whole_to_the_next_part() -> None:
    # 66 units, then an emoji (2) would straddle units 67-68: it opens part two.
    result = count("a" * 66 + "😀" + "b" * 10)
    assert (result.segments, result.units, result.remaining) == (2, 78, 67 - 12)
