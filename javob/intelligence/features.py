"""Hashed character and word n-gram features, computed with numpy alone.

The same function runs at training time and at run time, so a model is only its weights
plus this configuration. Hashing needs no vocabulary (nothing to load, nothing to grow) and
is deterministic across processes and machines: n-grams are hashed with a polynomial over
code points in wrapping uint64 arithmetic and words with CRC-32 — never Python's ``hash``,
which is salted per process.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from javob.intelligence.uzbek import KEYBOARD_FOLD, normalize_uz

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_DIGITS = re.compile(r"\d")
_REPEATS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")
# oʻ gʻ and the tutuq belgisi are dropped for features: half of Uzbek users never type them.
_UZ_MARKS = re.compile("[ʻʼ]")
_WORD = re.compile(r"[^\W_]+|[^\w\s]", re.UNICODE)

_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SALT_CHAR = 0x9E3779B97F4A7C15
_SALT_WORD = 0xC2B2AE3D27D4EB4F


def prepare(text: str) -> str:
    """Normalise text for features: one form per Uzbek spelling, lower case, no noise."""
    text = unicodedata.normalize("NFKC", text)
    # The `in` tests skip three regex passes for the usual message without links or @.
    if "http" in text or "www." in text:
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _EMAIL.sub(" email ", text)
        text = _MENTION.sub(" @user ", text)
    text = _UZ_MARKS.sub("", normalize_uz(text)).casefold().translate(KEYBOARD_FOLD)
    text = _DIGITS.sub("0", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    # splitmix64's finaliser: spreads nearby polynomial hashes over all 64 bits.
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX2
    return values ^ (values >> np.uint64(31))


_MOD = 1 << 64


def _ngram_hashes(
    base: npt.NDArray[np.uint64], n_min: int, n_max: int, salt: int
) -> npt.NDArray[np.uint64]:
    """Polynomial hashes of every n-gram of ``base`` for n_min <= n <= n_max.

    hash = (salt + n) * P**n + sum(base[i + k] * P**(n - 1 - k)), modulo 2**64; the sum for
    n + 1 grows from the one for n, so each length costs one multiply-add over the array.
    """
    parts = []
    rolling = base
    with np.errstate(over="ignore"):
        for n in range(1, n_max + 1):
            count = len(base) - n + 1
            if count <= 0:
                break
            if n > 1:
                rolling = rolling[:count] * _PRIME + base[n - 1 :]
            if n >= n_min:
                offset = np.uint64((salt + n) * pow(int(_PRIME), n, _MOD) % _MOD)
                parts.append(rolling + offset)
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate(parts)


@dataclass(frozen=True, slots=True)
class Featurizer:
    """Configuration of the n-gram hashing; stored next to a model's weights."""

    char_min: int = 2
    char_max: int = 5
    word_min: int = 1
    word_max: int = 2
    bits: int = 20
    max_chars: int = 2000

    @property
    def size(self) -> int:
        return 1 << self.bits

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Featurizer:
        return cls(**{key: int(value) for key, value in data.items()})

    def _char_hashes(self, text: str) -> npt.NDArray[np.uint64]:
        padded = (" " + text + " ").encode("utf-32-le", "replace")
        codes = np.frombuffer(padded, dtype=np.uint32).astype(np.uint64)
        return _ngram_hashes(codes, self.char_min, self.char_max, _SALT_CHAR)

    def _word_hashes(self, text: str) -> npt.NDArray[np.uint64]:
        words = _WORD.findall(text)
        base = np.fromiter(
            (zlib.crc32(word.encode("utf-8", "replace")) for word in words),
            dtype=np.uint64,
            count=len(words),
        )
        return _ngram_hashes(base, self.word_min, self.word_max, _SALT_WORD)

    def counts(self, text: str) -> tuple[IntArray, FloatArray]:
        """Feature indices (sorted, unique) and their counts for already prepared text."""
        text = text[: self.max_chars]
        with np.errstate(over="ignore"):
            hashed = _mix(np.concatenate([self._char_hashes(text), self._word_hashes(text)]))
        buckets = (hashed >> np.uint64(64 - self.bits)).astype(np.int64)
        indices, counts = np.unique(buckets, return_counts=True)
        return indices, counts.astype(np.float32)

    def vector(
        self, text: str, idf: FloatArray | None = None, *, prepared: bool = False
    ) -> tuple[IntArray, FloatArray]:
        """Sparse L2-normalised vector of sublinear term frequencies, times idf if given."""
        indices, counts = self.counts(text if prepared else prepare(text))
        values = (1.0 + np.log(counts)).astype(np.float32)
        if idf is not None and len(indices):
            values *= idf[indices]
        norm = float(np.sqrt(np.dot(values, values)))
        if norm > 0.0:
            values /= norm
        return indices, values


def with_language(
    row: tuple[IntArray, FloatArray], language: str, size: int, *, merge: bool = True
) -> tuple[IntArray, FloatArray]:
    """Append a copy of the features keyed by language, in a second block of ``size``.

    The shared block learns what all languages have in common (emoji, "!!!", loanwords);
    the keyed copy lets "yoq" mean one thing in Uzbek and another elsewhere. Daumé's
    "frustratingly easy" domain adaptation; it gained 1-3 macro-F1 points in our CV.
    """
    indices, values = row
    salt = zlib.crc32(language.encode())
    keyed = (indices * 2654435761 + salt) % size + size
    keyed_values = values
    if merge:
        # Two features may land in one keyed bucket: add them, as hashing does everywhere.
        keyed, where = np.unique(keyed, return_inverse=True)
        keyed_values = np.bincount(where, weights=values, minlength=len(keyed)).astype(np.float32)
    both = np.concatenate([indices, keyed])
    scaled = np.concatenate([values, keyed_values]) * np.float32(0.70710677)
    return both, scaled.astype(np.float32)
