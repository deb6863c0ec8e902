"""Scores of the eval command, checked by hand."""

import pytest

from javob.intelligence.metrics import ClassScore, score, table


def test_score_counts_per_class_and_macro_f1_over_gold_classes() -> None:
    # given 5 gold labels and predictions with one mistake each way
    gold = ["pos", "pos", "neg", "neg", "neg"]
    predicted = ["pos", "neg", "neg", "neg", "pos"]
    # when scored over 2 seconds
    report = score(gold, predicted, seconds=2.0)
    # then neg: P 2/3 R 2/3; pos: P 1/2 R 1/2
    assert report.n == 5
    assert report.accuracy == 0.6
    assert report.per_class == {
        "neg": ClassScore(0.6667, 0.6667, 0.6667, 3),
        "pos": ClassScore(0.5, 0.5, 0.5, 2),
    }
    assert report.macro_f1 == 0.5833
    assert report.per_second == 2.5


def test_a_predicted_class_absent_from_gold_gets_a_row_but_no_macro_weight() -> None:
    report = score(["a", "a"], ["a", "oos"])
    assert report.per_class["oos"] == ClassScore(0.0, 0.0, 0.0, 0)
    assert report.macro_f1 == report.per_class["a"].f1 == 0.6667


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="as many predictions as labels"):
        score(["a"], [])


def test_table_lists_one_row_per_class() -> None:
    report = score(["x", "y"], ["x", "x"])
    lines = table(report, ("label", "precision", "recall", "F1", "support")).splitlines()
    assert lines == [
        "label    precision     recall         F1    support",
        "x            0.500      1.000      0.667          1",
        "y            0.000      0.000      0.000          1",
    ]
