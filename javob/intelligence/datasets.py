"""Readers for the public data sets in ../shared/data/nlp — training and evaluation only.

Nothing at run time imports this module. Where a source has no validation split we hold
one out ourselves by a hash of the text (about 10%), so the split is stable across runs and
a duplicated text never sits on both sides.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

XLMT_LANGUAGES = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}
_XLMT_LABELS = {"0": "negative", "1": "neutral", "2": "positive"}
_UZUM_LABELS = {"pos": "positive", "neg": "negative"}
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
# The Uzum reviews with negative labels were saved as Mac Roman and read as Latin-1:
# ‘ ’ – — “ ” became Ô Õ Ð Ñ Ò Ó. Left as is, "Ô" alone would predict "negative".
_MAC_ROMAN_REPAIR = str.maketrans("ÔÕÐÑÒÓ", "‘’–—“”")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    source: str  # e.g. "xlmt-en", "uzum", "uz-translated", "rusentitweet"
    language: str  # BCP 47 tag as far as the source tells


def default_data_dir() -> Path:
    """../shared/data next to the repository, or JAVOB_SHARED_DATA."""
    configured = os.environ.get("JAVOB_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def is_held_out(text: str, percent: int = 10, salt: str = "") -> bool:
    """True for the stable ~percent% of texts we hold out where a source has no val split.

    A different ``salt`` gives an independent split (e.g. dev/test halves of a val set).
    """
    return zlib.crc32((salt + text.strip().casefold()).encode()) % 100 < percent


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def xlmt(data_dir: Path, split: str) -> Iterator[Example]:
    """XLM-T tweets in 8 languages, split "train" or "val"."""
    root = data_dir / "nlp" / "sentiment" / "xlmt"
    for folder, language in XLMT_LANGUAGES.items():
        texts = _lines(root / folder / f"{split}_text.txt")
        labels = _lines(root / folder / f"{split}_labels.txt")
        for text, label in zip(texts, labels, strict=False):
            if text.strip() and label.strip() in _XLMT_LABELS:
                text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text).strip()
                yield Example(text, _XLMT_LABELS[label.strip()], f"xlmt-{language}", language)


def uzum(data_dir: Path, split: str) -> Iterator[Example]:
    """Uzum Market reviews (Uzbek in both scripts, some Russian), positive/negative."""
    path = data_dir / "nlp" / "sentiment" / "uz" / "uzum" / f"{split}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["text"].translate(_MAC_ROMAN_REPAIR).strip()
            if text and row["label"] in _UZUM_LABELS:
                yield Example(text, _UZUM_LABELS[row["label"]], "uzum", "uz")


def uz_translated(data_dir: Path, split: str) -> Iterator[Example]:
    """Machine-translated Uzbek (Latin) reviews; we hold out ~10% as "val"."""
    root = data_dir / "nlp" / "sentiment" / "uz"
    for name, label in (
        ("translated_positive.txt", "positive"),
        ("translated_negative.txt", "negative"),
    ):
        for line in _lines(root / name):
            text = line.strip()
            if text and is_held_out(text) == (split == "val"):
                yield Example(text, label, "uz-translated", "uz-Latn")


def rusentitweet(data_dir: Path, split: str) -> Iterator[Example]:
    """RuSentiTweet, three classes. "skip" rows are dropped; "speech" (greetings, thanks,
    congratulations) counts as positive, which is what it means in a support inbox.
    We hold out ~10% as "val"."""
    path = data_dir / "nlp" / "sentiment" / "ru" / "rusentitweet_train.csv"
    mapping = {"negative": "negative", "neutral": "neutral", "positive": "positive"}
    mapping["speech"] = "positive"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["text"].strip()
            label = mapping.get(row["label"])
            if text and label and is_held_out(text) == (split == "val"):
                yield Example(text, label, "rusentitweet", "ru")


def rusentitweet_five(data_dir: Path, split: str) -> Iterator[Example]:
    """RuSentiTweet with its own five labels, for comparing with the published scores."""
    path = data_dir / "nlp" / "sentiment" / "ru" / "rusentitweet_train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["text"].strip()
            if text and is_held_out(text) == (split == "val"):
                yield Example(text, row["label"], "rusentitweet-5", "ru")


def sentiment(data_dir: Path, split: str) -> list[Example]:
    """Every sentiment example of one split, in a stable order."""
    examples: list[Example] = []
    for reader in (xlmt, uzum, uz_translated, rusentitweet):
        examples.extend(reader(data_dir, split))
    return examples


def banking77(data_dir: Path) -> list[tuple[str, str]]:
    """Banking77 train split: (text, intent)."""
    path = data_dir / "nlp" / "intent" / "banking77" / "train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def clinc150(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """CLINC150 (full): train, val, oos_train, oos_val as (text, intent) with "oos"."""
    path = data_dir / "nlp" / "intent" / "clinc150" / "train_val.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {key: [(str(text), str(label)) for text, label in rows] for key, rows in raw.items()}


def _sample(rows: list[str], count: int) -> list[str]:
    # Deterministic: a hash-ordered prefix, salted apart from the held-out split.
    return sorted(rows, key=lambda text: zlib.crc32(b"sample:" + text.encode()))[:count]


def language_eval(data_dir: Path, per_language: int = 300) -> list[tuple[str, str]]:
    """A derived language-identification set: (text, BCP 47 tag).

    XLM-T val tweets carry their data set's language; RuSentiTweet and the translated
    Uzbek reviews come from our held-out parts. Uzbek Cyrillic is the Uzbek Latin sample
    transliterated, and two harder variants are added: Latin without any apostrophe and
    Cyrillic typed on a Russian keyboard (у к г х for ў қ ғ ҳ).
    """
    from javob.intelligence.uzbek import keyboard_fold, to_cyrillic

    rows: list[tuple[str, str]] = []
    by_language: dict[str, list[str]] = {}
    for example in xlmt(data_dir, "val"):
        # XLM-T's Hindi tweets are almost all romanised Hindi or English: no usable label.
        if example.language != "hi":
            by_language.setdefault(example.language, []).append(example.text)
    by_language["ru"] = [e.text for e in rusentitweet(data_dir, "val")]
    for language, texts in by_language.items():
        rows.extend((text, language) for text in _sample(texts, per_language))
    uzbek = _sample([e.text for e in uz_translated(data_dir, "val")], per_language)
    rows.extend((text, "uz-Latn") for text in uzbek)
    rows.extend((re.sub("[" + "'‘’ʻʼ`" + "]", "", text), "uz-Latn") for text in uzbek)
    cyrillic = [to_cyrillic(text) for text in uzbek]
    rows.extend((text, "uz-Cyrl") for text in cyrillic)
    rows.extend((keyboard_fold(text), "uz-Cyrl") for text in cyrillic)
    return rows
