"""Train the packaged models and measure them; the only code that reads ../shared/data.

    python -m javob.intelligence.train sentiment       # = javob ai train sentiment
    python -m javob.intelligence.train intents         # = javob ai train intents
    python -m javob.intelligence.train report-language # derived + hand-written sets
    python -m javob.intelligence.train report-intent   # Banking77 CV, CLINC150 val
    python -m javob.intelligence.train report-sentiment-cv  # 3-fold CV on train splits
    python -m javob.intelligence.train report-rusentitweet-5  # five-class comparison

Training never looks at a val split: hyperparameters were chosen by cross-validation on the
train splits (report-sentiment-cv), then the val splits are scored once and the scores are
written into the artifact's JSON and docs/intelligence.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from javob.intelligence import datasets, linear
from javob.intelligence.datasets import Example, default_data_dir
from javob.intelligence.features import Featurizer
from javob.intelligence.intent import (
    DEFAULT_MODEL,
    OOS,
    IntentModel,
    default_examples,
    default_oos_examples,
)
from javob.intelligence.language import detect
from javob.intelligence.metrics import Report, score
from javob.intelligence.sentiment import ARTIFACT, LABELS, SentimentModel, feature_row
from javob.intelligence.uzbek import to_cyrillic, to_latin

__all__ = ["ARTIFACTS", "default_data_dir", "train_default_intents", "train_sentiment"]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
Log = Callable[[str], None]

SENTIMENT_FEATURIZER = Featurizer(char_min=2, char_max=5, word_min=1, word_max=2, bits=18)
SENTIMENT_TRAINING = linear.TrainingConfig(l2=3e-6, epochs=10, seed=0)
# Intent examples double as support-domain sentiment data: questions are neutral.
_INTENT_SENTIMENT = {"complaint": "negative", "thanks": "positive"}
_UZBEK_SOURCES = ("uzum", "uz-translated", "javob-intents")
_TWO_CLASS_SOURCES = ("uzum", "uz-translated")


def _print(message: str) -> None:
    sys.stdout.write(message + "\n")


# --- sentiment --------------------------------------------------------------------------


def _intent_sentiment_examples() -> list[Example]:
    rows = [(text, _INTENT_SENTIMENT.get(label, "neutral")) for text, label in default_examples()]
    rows += [(text, "neutral") for text in default_oos_examples()]
    return [Example(text, label, "javob-intents", "") for text, label in rows]


def _transliterated(example: Example) -> Example | None:
    """The same Uzbek example in the other script, or None if it is not Uzbek."""
    if example.source not in _UZBEK_SOURCES:
        return None
    found = detect(example.text)
    if found.language == "uz-Latn":
        return Example(
            to_cyrillic(example.text), example.label, example.source + "+cyrl", "uz-Cyrl"
        )
    if found.language == "uz-Cyrl":
        return Example(to_latin(example.text), example.label, example.source + "+latn", "uz-Latn")
    return None


def sentiment_training_set(data_dir: Path) -> list[tuple[Example, str]]:
    """Train splits plus our intent examples; Uzbek rows also in the other script.

    Every row is tagged with the *detected* language, as at run time, and paired with the
    text it came from, so cross-validation keeps a transliteration with its original.
    """
    originals = datasets.sentiment(data_dir, "train") + _intent_sentiment_examples()
    pairs = [(e, e.text) for e in originals]
    pairs += [(t, e.text) for e in originals if (t := _transliterated(e)) is not None]
    return [
        (Example(e.text, e.label, e.source, detect(e.text).language), group) for e, group in pairs
    ]


def fit_sentiment(
    examples: list[Example], config: linear.TrainingConfig = SENTIMENT_TRAINING
) -> SentimentModel:
    """Fit the sentiment model on already tagged examples."""
    rows = [feature_row(SENTIMENT_FEATURIZER, e.text, e.language) for e in examples]
    targets = [LABELS.index(e.label) for e in examples]
    fitted = linear.fit(rows, targets, len(LABELS), config)
    return SentimentModel(SENTIMENT_FEATURIZER, fitted, {})


def _score_set(model: SentimentModel, examples: list[Example], two_class: bool) -> Report:
    labels = ("negative", "positive") if two_class else None
    started = time.perf_counter()
    predicted = [
        model.predict(e.text, detect(e.text).language, labels=labels).label for e in examples
    ]
    return score([e.label for e in examples], predicted, time.perf_counter() - started)


def sentiment_val_sets(data_dir: Path) -> dict[str, tuple[list[Example], bool]]:
    """Each val split by source, plus the Uzbek ones transliterated to the other script."""
    by_source: dict[str, list[Example]] = defaultdict(list)
    for example in datasets.sentiment(data_dir, "val"):
        by_source[example.source].append(example)
    sets = {
        source: (rows, source in _TWO_CLASS_SOURCES) for source, rows in sorted(by_source.items())
    }
    for source in _TWO_CLASS_SOURCES:
        other = [t for t in (_transliterated(e) for e in by_source[source]) if t is not None]
        sets[f"{source} (other script)"] = (other, True)
    return sets


def evaluate_sentiment(model: SentimentModel, data_dir: Path) -> dict[str, dict[str, Any]]:
    """Macro-F1 and accuracy of ``model`` on every val set."""
    results: dict[str, dict[str, Any]] = {}
    for name, (examples, two_class) in sentiment_val_sets(data_dir).items():
        report = _score_set(model, examples, two_class)
        results[name] = {"n": report.n, "macro_f1": report.macro_f1, "accuracy": report.accuracy}
    xlmt = [r["macro_f1"] for name, r in results.items() if name.startswith("xlmt-")]
    results["xlmt (mean of 8)"] = {
        "n": sum(r["n"] for n, r in results.items() if n.startswith("xlmt-")),
        "macro_f1": round(float(np.mean(xlmt)), 4),
        "accuracy": None,
    }
    return results


def train_sentiment(data_dir: Path, out: Path, *, log: Log = _print) -> dict[str, Any]:
    """Train on the train splits, score the val splits once, write the artifact."""
    started = time.perf_counter()
    examples = [e for e, _ in sentiment_training_set(data_dir)]
    sources = dict(sorted(Counter(e.source for e in examples).items()))
    log(f"training examples: {len(examples)} {sources}")
    model = fit_sentiment(examples)
    log(f"trained in {time.perf_counter() - started:.0f} s; {len(model.model.features)} features")
    results = evaluate_sentiment(model, data_dir)
    log(_results_table(results))
    meta = {
        "version": ARTIFACT,
        "trained": dt.date.today().isoformat(),  # noqa: DTZ011 - a calendar date, no zone
        "training": {
            "examples": len(examples),
            "sources": dict(sorted(Counter(e.source for e in examples).items())),
            "l2": SENTIMENT_TRAINING.l2,
            "epochs": SENTIMENT_TRAINING.epochs,
            "seed": SENTIMENT_TRAINING.seed,
        },
        "val": results,
    }
    model = SentimentModel(model.featurizer, model.model, meta)
    weights, config = model.save(out)
    log(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and {config}")
    return meta


def _results_table(results: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'val set':32} {'n':>6} {'macro-F1':>9} {'accuracy':>9}"]
    for name, r in results.items():
        accuracy = f"{r['accuracy']:.3f}" if r["accuracy"] is not None else "-"
        lines.append(f"{name:32} {r['n']:>6} {r['macro_f1']:>9.3f} {accuracy:>9}")
    return "\n".join(lines)


def report_sentiment_cv(
    data_dir: Path, l2_values: tuple[float, ...] = (3e-6, 1e-5), *, log: Log = _print
) -> None:
    """3-fold CV on the training set (val untouched): how hyperparameters were chosen."""
    pairs = sentiment_training_set(data_dir)
    folds = [zlib.crc32(b"cv:" + group.encode()) % 3 for _, group in pairs]
    for l2 in l2_values:
        config = linear.TrainingConfig(l2=l2, epochs=SENTIMENT_TRAINING.epochs)
        gold: dict[str, list[str]] = defaultdict(list)
        guess: dict[str, list[str]] = defaultdict(list)
        for fold in range(3):
            model = fit_sentiment(
                [e for (e, _), f in zip(pairs, folds, strict=True) if f != fold], config
            )
            for (e, _), f in zip(pairs, folds, strict=True):
                if f == fold:
                    two = e.source.split("+")[0] in _TWO_CLASS_SOURCES
                    labels = ("negative", "positive") if two else None
                    guess[e.source].append(model.predict(e.text, e.language, labels=labels).label)
                    gold[e.source].append(e.label)
        scores = {source: score(gold[source], guess[source]).macro_f1 for source in sorted(gold)}
        xlmt = np.mean([v for k, v in scores.items() if k.startswith("xlmt-")])
        log(
            f"l2={l2:g}  xlmt mean {xlmt:.3f}  "
            + "  ".join(f"{k} {v:.3f}" for k, v in scores.items())
        )


def report_rusentitweet_five(data_dir: Path, *, log: Log = _print) -> None:
    """The same features and trainer on RuSentiTweet's own five classes, for comparison with
    the published five-class scores (ours: the ~10% we hold out, not their test split)."""
    train = list(datasets.rusentitweet_five(data_dir, "train"))
    held = list(datasets.rusentitweet_five(data_dir, "val"))
    labels = sorted({e.label for e in train})
    featurizer = SENTIMENT_FEATURIZER
    rows = [featurizer.vector(e.text) for e in train]
    fitted = linear.fit(
        rows, [labels.index(e.label) for e in train], len(labels), SENTIMENT_TRAINING
    )
    predicted = [labels[int(np.argmax(fitted.logits(*featurizer.vector(e.text))))] for e in held]
    report = score([e.label for e in held], predicted)
    log(
        f"RuSentiTweet 5 classes, held-out n={report.n}: "
        f"macro-F1 {report.macro_f1:.3f}, accuracy {report.accuracy:.3f}"
    )


# --- intents ----------------------------------------------------------------------------


def train_default_intents(out: Path, *, log: Log = _print) -> Path:
    """Train the default intent set once and ship its weights, so workers skip the fit."""
    started = time.perf_counter()
    model = IntentModel.train(default_examples(), with_default_oos=True)
    path = out / DEFAULT_MODEL
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(model.to_json() + "\n", encoding="utf-8")
    log(
        f"trained {len(model.labels)} labels on {len(model.examples)} examples in "
        f"{time.perf_counter() - started:.1f} s; threshold {model.threshold}; wrote {path}"
    )
    return path


def _intent_report(model: IntentModel, rows: list[tuple[str, str]]) -> tuple[float, float, Report]:
    """In-scope accuracy, out-of-scope recall and the full report."""
    predicted = [model.predict(text)[0] or OOS for text, _ in rows]
    gold = [label for _, label in rows]
    inside = [(g, p) for g, p in zip(gold, predicted, strict=True) if g != OOS]
    outside = [p for g, p in zip(gold, predicted, strict=True) if g == OOS]
    accuracy = sum(g == p for g, p in inside) / len(inside) if inside else 0.0
    recall = sum(p == OOS for p in outside) / len(outside) if outside else float("nan")
    return accuracy, recall, score(gold, predicted)


def _few_shot(rows: list[tuple[str, str]], per_label: int, seed: int) -> list[tuple[str, str]]:
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        by_label[label].append(text)
    rng = np.random.default_rng(seed)
    return [
        (texts[i], label)
        for label, texts in sorted(by_label.items())
        for i in rng.permutation(len(texts))[:per_label]
    ]


def report_intent(data_dir: Path, *, log: Log = _print) -> None:
    """Banking77 (5-fold CV) and CLINC150 (val split), full and 10-shot training."""
    clinc = datasets.clinc150(data_dir)
    test = clinc["val"] + clinc["oos_val"]
    settings: list[tuple[str, list[tuple[str, str]]]] = [
        ("CLINC150 full + oos_train", clinc["train"] + clinc["oos_train"]),
        ("CLINC150 full, no oos examples", clinc["train"]),
        ("CLINC150 10-shot, no oos examples", _few_shot(clinc["train"], 10, 0)),
    ]
    for name, train in settings:
        started = time.perf_counter()
        model = IntentModel.train(train)
        seconds = time.perf_counter() - started
        accuracy, recall, _ = _intent_report(model, test)
        log(
            f"{name:36} in-scope accuracy {accuracy:.3f}  oos recall {recall:.3f}"
            f"  threshold {model.threshold:.3f}  train {seconds:.0f} s"
        )
    banking = datasets.banking77(data_dir)
    for shots in (None, 10):
        folds = np.array([zlib.crc32(b"b77:" + t.encode()) % 5 for t, _ in banking])
        right = total = 0
        for fold in range(5):
            train = [r for r, f in zip(banking, folds, strict=True) if f != fold]
            if shots:
                train = _few_shot(train, shots, fold)
            model = IntentModel.train(train, threshold=0.0)
            held = [r for r, f in zip(banking, folds, strict=True) if f == fold]
            right += sum(model.predict(t)[0] == label for t, label in held)
            total += len(held)
        shot = "all" if shots is None else f"{shots}-shot"
        log(f"Banking77 5-fold CV, {shot} training: accuracy {right / total:.3f} (n={total})")


# --- language ---------------------------------------------------------------------------

HANDWRITTEN_LANGUAGE = (
    Path(__file__).resolve().parent / "tests" / "data" / "language_handwritten.csv"
)


def _detectors() -> dict[str, Callable[[str], str]]:
    from javob.intelligence import language

    def cld2(text: str) -> str:
        scores = language._cld_scores(language._NOISE.sub(" ", text))
        return _tagged(max(scores, key=lambda k: scores[k]) if scores else "und", text)

    def langid(text: str) -> str:
        scores = language._langid_scores(language._NOISE.sub(" ", text))
        return _tagged(max(scores, key=lambda k: scores[k]) if scores else "und", text)

    return {
        "pycld2 alone": cld2,
        "py3langid alone": langid,
        "javob (both + rules)": lambda t: detect(t).language,
    }


def _tagged(language: str, text: str) -> str:
    if language != "uz":
        return language
    from javob.intelligence.scripts import script_counts

    counts = script_counts(text)
    return "uz-Cyrl" if counts.get("Cyrl", 0) > counts.get("Latn", 0) else "uz-Latn"


def report_language(data_dir: Path, *, log: Log = _print) -> None:
    """Accuracy of each detector on the derived test half and on the hand-written set."""
    from javob.intelligence.evaluation import read_csv

    derived = datasets.language_eval(data_dir)
    test = [r for r in derived if datasets.is_held_out(r[0], 50, "langtest:")]
    sets = {"derived test half": test, "hand-written": read_csv(HANDWRITTEN_LANGUAGE)}
    for set_name, rows in sets.items():
        for name, predict in _detectors().items():
            started = time.perf_counter()
            predicted = [predict(text) for text, _ in rows]
            seconds = time.perf_counter() - started
            report = score([label for _, label in rows], predicted, seconds)
            pairs = list(zip((g for _, g in rows), predicted, strict=True))
            # "und" where the label names a language: abstained, not answered wrongly.
            abstained = sum(p == "und" != g for g, p in pairs)
            decided = [(g, p) for g, p in pairs if not (p == "und" != g)]
            precision = sum(g == p for g, p in decided) / len(decided)
            per = {label: f"{c.recall:.2f}" for label, c in report.per_class.items() if c.support}
            log(
                f"{set_name:18} {name:22} n={report.n} accuracy {report.accuracy:.3f}"
                f" abstained {abstained} right-when-decided {precision:.3f}  {per}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "task",
        choices=[
            "sentiment",
            "intents",
            "report-language",
            "report-intent",
            "report-sentiment-cv",
            "report-rusentitweet-5",
        ],
    )
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=ARTIFACTS)
    args = parser.parse_args(argv)
    tasks: dict[str, Callable[[], object]] = {
        "sentiment": lambda: train_sentiment(args.data_dir, args.out),
        "intents": lambda: train_default_intents(args.out),
        "report-language": lambda: report_language(args.data_dir),
        "report-intent": lambda: report_intent(args.data_dir),
        "report-sentiment-cv": lambda: report_sentiment_cv(args.data_dir),
        "report-rusentitweet-5": lambda: report_rusentitweet_five(args.data_dir),
    }
    tasks[args.task]()


if __name__ == "__main__":
    main()
