"""Classification scores and their table, without scikit-learn (it stays out of workers)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """Scores of one evaluation run; ``per_second`` counts predictions per wall second."""

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassScore]
    per_second: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": {
                label: {
                    "precision": score.precision,
                    "recall": score.recall,
                    "f1": score.f1,
                    "support": score.support,
                }
                for label, score in self.per_class.items()
            },
            "per_second": self.per_second,
        }


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def score(gold: list[str], predicted: list[str], seconds: float = 0.0) -> Report:
    """Accuracy and per-class precision/recall/F1; macro-F1 averages the gold classes.

    Classes that were predicted but never appear in ``gold`` lower the precision of the
    others only through their mistakes; they get a row but no weight in macro-F1, as in
    the published scores we compare with.
    """
    if len(gold) != len(predicted):
        raise ValueError(
            f"Expected as many predictions as labels, got {len(predicted)} for {len(gold)}."
        )
    support = Counter(gold)
    guessed = Counter(predicted)
    right = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    per_class: dict[str, ClassScore] = {}
    f1s: dict[str, float] = {}
    for label in sorted(set(support) | set(guessed)):
        precision = _ratio(right[label], guessed[label])
        recall = _ratio(right[label], support[label])
        f1s[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = ClassScore(
            round(precision, 4), round(recall, 4), round(f1s[label], 4), support[label]
        )
    # Averaged before rounding, so the total does not drift from the exact value.
    macro = sum(f1s[label] for label in support) / len(support) if support else 0.0
    rate = len(gold) / seconds if seconds > 0 else 0.0
    accuracy = _ratio(sum(right.values()), len(gold))
    return Report(len(gold), round(accuracy, 4), round(macro, 4), per_class, round(rate, 1))


def table(report: Report, headers: tuple[str, str, str, str, str]) -> str:
    """A fixed-width table: one row per class, then the totals."""
    width = max([len(headers[0]), *(len(label) for label in report.per_class)]) + 2
    lines = [headers[0].ljust(width) + "".join(h.rjust(11) for h in headers[1:])]
    for label, row in report.per_class.items():
        cells = (f"{row.precision:.3f}", f"{row.recall:.3f}", f"{row.f1:.3f}", str(row.support))
        lines.append(label.ljust(width) + "".join(cell.rjust(11) for cell in cells))
    return "\n".join(lines)
