"""Sentiment of a message: negative / neutral / positive, one multilingual CPU model.

Features are hashed character 2-5-grams and word 1-2-grams of the prepared text (Uzbek
apostrophes dropped, Cyrillic ў қ ғ ҳ folded to the Russian-keyboard letters), plus a copy
keyed by the detected language. A multinomial logistic regression over them was trained by
``javob ai train sentiment`` (train.py) and ships as ``artifacts/sentiment-v1.npz`` (weights,
numpy, no pickle) with ``sentiment-v1.json`` (configuration and evaluation). It is loaded
once per process, on first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from javob.intelligence import linear
from javob.intelligence.features import Featurizer, with_language

LABELS = ("negative", "neutral", "positive")
ARTIFACT = "sentiment-v1"
FORMAT = "javob.sentiment/1"


@dataclass(frozen=True, slots=True)
class Sentiment:
    """``score`` runs from -1 (surely negative) to 1 (surely positive): P(pos) - P(neg).

    ``confidence`` is the probability of ``label``; ``probabilities`` follow LABELS.
    """

    label: str
    score: float
    confidence: float
    probabilities: tuple[float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": self.score,
            "confidence": self.confidence,
            "probabilities": dict(zip(LABELS, self.probabilities, strict=True)),
        }


def language_key(language: str | None) -> str:
    """The key of the language block: the primary subtag (uz-Cyrl and uz-Latn share)."""
    return (language or "und").split("-")[0].lower()


def feature_row(
    featurizer: Featurizer, text: str, language: str | None, *, merge: bool = True
) -> linear.SparseRow:
    """Shared n-gram features plus their copy keyed by ``language`` (BCP 47, or None).

    ``merge=False`` may repeat a feature id (a hash collision in the language block): fine
    for scoring, which adds them up anyway, but not for training.
    """
    vector = featurizer.vector(text)
    return with_language(vector, language_key(language), featurizer.size, merge=merge)


@dataclass(frozen=True, slots=True)
class SentimentModel:
    """Weights and the featurizer they were trained with."""

    featurizer: Featurizer
    model: linear.SoftmaxModel
    meta: dict[str, Any]
    dense: npt.NDArray[np.float32] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Weights laid out by feature id (both blocks, 6 MB): one memory access per feature
        # instead of a binary search, the hottest line of analyze().
        table = np.zeros((2 * self.featurizer.size, len(LABELS)), dtype=np.float32)
        table[self.model.features] = self.model.weights
        object.__setattr__(self, "dense", table)

    def row(self, text: str, language: str | None, *, merge: bool = True) -> linear.SparseRow:
        """The feature row for ``text`` written in ``language`` (see ``feature_row``)."""
        return feature_row(self.featurizer, text, language, merge=merge)

    def logits(self, row: linear.SparseRow) -> linear.FloatArray:
        """Raw class scores of a feature row."""
        indices, values = row
        scores: linear.FloatArray = values @ self.dense[indices]
        return scores + self.model.bias

    def predict(
        self, text: str, language: str | None = None, *, labels: tuple[str, ...] | None = None
    ) -> Sentiment:
        """Classify ``text``. Without ``language`` it is detected first.

        ``labels`` restricts the decision (e.g. negative/positive for a two-class data set);
        the probabilities are renormalised over them.
        """
        if language is None:
            from javob.intelligence.language import detect

            language = detect(text).language
        return self._decide(self.logits(self.row(text, language, merge=False)), labels)

    def _decide(self, logits: linear.FloatArray, labels: tuple[str, ...] | None) -> Sentiment:
        if labels is not None:
            unknown = set(labels) - set(LABELS)
            if unknown:
                raise ValueError(
                    f"Expected labels among {', '.join(LABELS)}; got {sorted(unknown)}."
                )
            mask = np.array([label not in labels for label in LABELS])
            logits = np.where(mask, -np.inf, logits).astype(np.float32)
        probabilities = linear.softmax(logits)
        best = int(np.argmax(probabilities))
        negative, neutral, positive = (round(float(p), 4) for p in probabilities)
        return Sentiment(
            label=LABELS[best],
            score=round(positive - negative, 4),
            confidence=round(float(probabilities[best]), 4),
            probabilities=(negative, neutral, positive),
        )

    def save(self, directory: Path, name: str = ARTIFACT) -> tuple[Path, Path]:
        """Write ``<name>.npz`` (weights) and ``<name>.json`` (configuration, scores)."""
        directory.mkdir(parents=True, exist_ok=True)
        weights, config = directory / f"{name}.npz", directory / f"{name}.json"
        np.savez_compressed(
            weights,
            features=self.model.features.astype("<i4"),
            weights=self.model.weights.astype("<f2"),
            bias=self.model.bias.astype("<f4"),
        )
        meta = {**self.meta, "format": FORMAT, "labels": list(LABELS)}
        meta["featurizer"] = self.featurizer.to_dict()
        config.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return weights, config

    @classmethod
    def load(cls, directory: Path | None = None, name: str = ARTIFACT) -> SentimentModel:
        """Load an artifact; by default the one packaged in javob/intelligence/artifacts."""
        root = directory or Path(str(resources.files("javob.intelligence").joinpath("artifacts")))
        meta = json.loads((root / f"{name}.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or tuple(meta.get("labels", ())) != LABELS:
            raise ValueError(f"{root / name}.json is not a {FORMAT} model with labels {LABELS}.")
        # allow_pickle=False: the artifact is plain arrays, and loading it runs no code.
        with np.load(root / f"{name}.npz", allow_pickle=False) as arrays:
            model = linear.SoftmaxModel(
                arrays["features"].astype(np.int64),
                arrays["weights"].astype(np.float32),
                arrays["bias"].astype(np.float32),
            )
        return cls(Featurizer.from_dict(meta["featurizer"]), model, meta)


@cache
def model() -> SentimentModel:
    """The packaged model, loaded once per process."""
    return SentimentModel.load()


def predict(text: str, language: str | None = None) -> Sentiment:
    """Sentiment of one message with the packaged model."""
    return model().predict(text, language)
