"""Score the language, sentiment and intent components on a labelled CSV (``text,label``)."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext as _

from javob.intelligence.intent import OOS, IntentModel
from javob.intelligence.language import detect
from javob.intelligence.language import load as load_language
from javob.intelligence.metrics import Report, score
from javob.intelligence.sentiment import LABELS, model

Rows = list[tuple[str, str]]


class DataError(ValueError):
    """The evaluation file is not what it should be; the (translated) message says what."""


def read_csv(path: Path) -> Rows:
    """Rows of a UTF-8 CSV with a header naming at least ``text`` and ``label``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"text", "label"} - set(reader.fieldnames or ())
            if missing:
                message = _("%(path)s: expected columns text,label; missing %(missing)s.")
                raise DataError(message % {"path": path, "missing": ", ".join(sorted(missing))})
            rows = [(row["text"] or "", (row["label"] or "").strip()) for row in reader]
    except OSError as error:
        raise DataError(f"{path}: {error.strerror or error}.") from error
    if not rows:
        raise DataError(_("%(path)s: no rows.") % {"path": path})
    return rows


def _timed(rows: Rows, predict: Callable[[str, str], str]) -> Report:
    started = time.perf_counter()
    predicted = [predict(text, label) for text, label in rows]
    return score([label for _, label in rows], predicted, time.perf_counter() - started)


def _same_granularity(gold: str, predicted: str) -> str:
    # A gold "uz" accepts uz-Latn and uz-Cyrl; a gold "uz-Cyrl" demands the script.
    if "-" in gold or predicted == "und":
        return predicted
    return predicted.split("-")[0]


def evaluate_language(rows: Rows) -> Report:
    """Labels are BCP 47 tags; ``und`` is a label like any other."""
    load_language()  # model loading is not part of the per-second figure
    return _timed(rows, lambda text, gold: _same_granularity(gold, detect(text).language))


def evaluate_sentiment(rows: Rows, labels: tuple[str, ...] | None = None) -> Report:
    """Labels are negative/neutral/positive; ``labels`` restricts the decision."""
    unknown = sorted({label for _, label in rows} - set(labels or LABELS))
    if unknown:
        message = _("Expected sentiment labels %(expected)s; found %(found)s.")
        expected = ", ".join(labels or LABELS)
        raise DataError(message % {"expected": expected, "found": ", ".join(unknown)})
    sentiment = model()
    load_language()  # the sentiment model reads the detected language
    return _timed(rows, lambda text, _: sentiment.predict(text, labels=labels).label)


def evaluate_intent(
    rows: Rows, intents: IntentModel, labels: tuple[str, ...] | None = None
) -> Report:
    """Labels are intent names, ``oos`` for out-of-scope; ``labels`` restricts the decision."""

    def predict(text: str, _: str) -> str:
        if labels is None:
            return intents.predict(text)[0] or OOS
        scores = {name: p for name, p in intents.scores(text).items() if name in labels}
        if not scores:
            return OOS
        best = max(scores, key=lambda name: scores[name])
        return best if best != OOS and scores[best] >= intents.threshold else OOS

    return _timed(rows, predict)
