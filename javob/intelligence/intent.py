"""Few-shot intent classification with out-of-scope detection.

A workspace gives a few examples per intent, in any language and script. Text is folded to
one script-independent key (``fold_search_key``), so an Uzbek example in Latin also teaches
the Cyrillic spelling, then hashed into character and word n-grams; a multinomial logistic
regression (numpy, see linear.py) learns the intents. Out-of-scope is decided by a
threshold on the top probability, set at training time by cross-validation on the examples
themselves: the score below which only ``OOS_QUANTILE`` of held-out in-scope examples fall.
Examples labelled ``oos`` (out-of-scope) are learned as one more class and never returned.

``to_json``/``from_json`` round-trip the examples and the trained weights, so the core can
keep a per-workspace model in the database and load it without retraining.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from javob.intelligence import linear
from javob.intelligence.features import Featurizer
from javob.intelligence.uzbek import fold_search_key

OOS = "oos"
FORMAT = "javob.intent/1"
DEFAULT_INTENTS = "intents-default-v1.json"
# Share of held-out in-scope examples allowed to fall under the threshold: a product choice
# (a wrong automatic intent costs more than a missing one), not tuned per data set.
OOS_QUANTILE = 0.05
# Below this many examples per intent on average, the calibrated threshold is capped.
FEW_SHOT = 10
FEW_SHOT_THRESHOLD = 0.35
_FOLDS = 5
FEATURIZER = Featurizer(char_min=2, char_max=5, word_min=1, word_max=2, bits=20)


def _features(text: str) -> linear.SparseRow:
    return FEATURIZER.vector(fold_search_key(text, loose=True))


def _training_config(count: int) -> linear.TrainingConfig:
    # About 200k SGD steps in all, between 5 and 30 passes: small sets converge, large
    # ones (CLINC150) stay fast.
    return linear.TrainingConfig(l2=1e-5, epochs=max(5, min(30, 200_000 // max(count, 1))))


@dataclass(frozen=True, slots=True)
class IntentModel:
    """A trained intent set. Build one with ``IntentModel.train`` or ``from_json``."""

    labels: tuple[str, ...]
    threshold: float
    model: linear.SoftmaxModel
    examples: tuple[tuple[str, str], ...]

    @classmethod
    def train(
        cls,
        examples: list[tuple[str, str]],
        *,
        with_default_oos: bool = False,
        threshold: float | None = None,
    ) -> IntentModel:
        """Train from (text, label) pairs; label ``oos`` marks out-of-scope examples.

        ``with_default_oos`` adds the project's background examples (weather, jokes, small
        talk in four languages) as ``oos``: recommended for workspace intent sets, which
        rarely come with out-of-scope examples of their own. Without ``threshold`` it is
        calibrated by 5-fold cross-validation (six fits in all). Raises ValueError without
        at least two in-scope intents.
        """
        if with_default_oos:
            examples = [*examples, *((text, OOS) for text in default_oos_examples())]
        cleaned = tuple((text.strip(), label.strip()) for text, label in examples if text.strip())
        labels = tuple(sorted({label for _, label in cleaned}))
        if len([label for label in labels if label != OOS]) < 2:
            raise ValueError("An intent model needs examples of at least two intents.")
        rows = [_features(text) for text, _ in cleaned]
        targets = [labels.index(label) for _, label in cleaned]
        config = _training_config(len(rows))
        model = linear.fit(rows, targets, len(labels), config)
        if threshold is None:
            threshold = _calibrate(rows, targets, labels, config)
            in_scope = [label for _, label in cleaned if label != OOS]
            if len(in_scope) < FEW_SHOT * len(set(in_scope)):
                # With a few examples per intent the held-out quantile rests on a handful of
                # predictions and lands high (0.67 on average for 2 intents x 3 examples),
                # refusing most real questions; see docs/intelligence.md.
                threshold = min(threshold, FEW_SHOT_THRESHOLD)
        return cls(labels, threshold, model, cleaned)

    def scores(self, text: str) -> dict[str, float]:
        """Probability of every label (``oos`` included when it was trained)."""
        probabilities = self.model.probabilities(*_features(text))
        return {label: float(p) for label, p in zip(self.labels, probabilities, strict=True)}

    def predict(self, text: str) -> tuple[str | None, float]:
        """The intent and its probability, or (None, probability) when out of scope."""
        probabilities = self.model.probabilities(*_features(text))
        best = int(np.argmax(probabilities))
        score = round(float(probabilities[best]), 4)
        if self.labels[best] == OOS or score < self.threshold:
            return None, score
        return self.labels[best], score

    def to_json(self, *, include_weights: bool = True) -> str:
        """Serialise examples, threshold and (optionally) weights; plain JSON, no pickle."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "featurizer": FEATURIZER.to_dict(),
            "labels": list(self.labels),
            "threshold": self.threshold,
            "examples": [list(example) for example in self.examples],
        }
        if include_weights:
            data["weights"] = self.model.to_dict()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> IntentModel:
        """Load a model; retrain from its examples when weights are absent or outdated."""
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(
                f"Expected an intent model in format {FORMAT}, got {data.get('format')!r}."
            )
        examples = [(str(t), str(label)) for t, label in data["examples"]]
        current = data.get("featurizer") == FEATURIZER.to_dict()
        if "weights" not in data or not current:
            # The stored examples already hold any default oos ones; keep the threshold.
            return cls.train(examples, threshold=float(data["threshold"]))
        model = linear.SoftmaxModel.from_dict(data["weights"])
        labels = tuple(str(label) for label in data["labels"])
        return cls(labels, float(data["threshold"]), model, tuple(examples))


def _calibrate(
    rows: list[linear.SparseRow],
    targets: list[int],
    labels: tuple[str, ...],
    config: linear.TrainingConfig,
) -> float:
    """Top probability of held-out in-scope examples, at the OOS_QUANTILE."""
    folds = np.random.default_rng(1).permutation(len(rows)) % _FOLDS
    held_out: list[float] = []
    oos = labels.index(OOS) if OOS in labels else -1
    for fold in range(_FOLDS):
        train = [i for i in range(len(rows)) if folds[i] != fold]
        test = [i for i in range(len(rows)) if folds[i] == fold and targets[i] != oos]
        if not test or len({targets[i] for i in train}) < 2:
            continue
        model = linear.fit(
            [rows[i] for i in train], [targets[i] for i in train], len(labels), config
        )
        held_out.extend(float(model.probabilities(*rows[i]).max()) for i in test)
    if not held_out:
        return 0.0
    return round(float(np.quantile(held_out, OOS_QUANTILE)), 4)


@cache
def _default_data() -> dict[str, Any]:
    raw = resources.files("javob.intelligence").joinpath("data", DEFAULT_INTENTS).read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def default_examples() -> list[tuple[str, str]]:
    """The project's customer-service intents in Uzbek (Latin, Cyrillic), Russian, English."""
    return [
        (text, name)
        for name, intent in _default_data()["intents"].items()
        for texts in intent["examples"].values()
        for text in texts
    ]


def default_oos_examples() -> list[str]:
    """Out-of-scope background messages (small talk, weather, trivia) in four languages."""
    groups = _default_data()["out_of_scope"]["examples"].values()
    return [text for texts in groups for text in texts]


DEFAULT_MODEL = "intents-default-v1.model.json"


@cache
def default_model() -> IntentModel:
    """The default intent set, loaded once per process from the packaged weights.

    Falls back to training (about three seconds) when the artifact is missing or was
    built from other examples than the packaged JSON; ``javob ai train intents`` rebuilds it.
    """
    artifact = resources.files("javob.intelligence").joinpath("artifacts", DEFAULT_MODEL)
    if artifact.is_file():
        model = IntentModel.from_json(artifact.read_text("utf-8"))
        expected = [*default_examples(), *((text, OOS) for text in default_oos_examples())]
        if list(model.examples) == [(t.strip(), label) for t, label in expected]:
            return model
    return IntentModel.train(default_examples(), with_default_oos=True)
