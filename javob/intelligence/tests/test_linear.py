"""The numpy softmax regression used for intents and sentiment."""

import numpy as np
import pytest

from javob.intelligence import linear


def rows_of(*features: list[int]) -> list[linear.SparseRow]:
    return [
        (np.array(f, dtype=np.int64), np.full(len(f), 1 / np.sqrt(len(f)), dtype=np.float32))
        for f in features
    ]


def test_fit_separates_two_classes_and_is_deterministic() -> None:
    rows = rows_of([1, 2], [1, 3], [7, 8], [7, 9])
    targets = [0, 0, 1, 1]
    config = linear.TrainingConfig(l2=1e-4, epochs=30, seed=3)
    first = linear.fit(rows, targets, 2, config)
    second = linear.fit(rows, targets, 2, config)
    assert [int(np.argmax(first.logits(*row))) for row in rows] == targets
    assert np.array_equal(first.weights, second.weights)
    assert first.features.tolist() == [1, 2, 3, 7, 8, 9]


def test_unknown_features_give_the_bias() -> None:
    model = linear.fit(rows_of([1], [2]), [0, 1], 2, linear.TrainingConfig(epochs=5))
    assert np.array_equal(model.logits(*rows_of([99])[0]), model.bias)


def test_round_trip_through_plain_data() -> None:
    model = linear.fit(rows_of([5, 6], [6, 70000]), [0, 1], 2, linear.TrainingConfig(epochs=5))
    again = linear.SoftmaxModel.from_dict(model.to_dict())
    assert again.features.tolist() == [5, 6, 70000]
    assert np.allclose(again.weights, model.weights, atol=1e-3)


def test_damaged_data_is_refused() -> None:
    data = linear.fit(rows_of([1], [2]), [0, 1], 2, linear.TrainingConfig(epochs=1)).to_dict()
    data["shape"] = [3, 2]
    with pytest.raises(ValueError, match="do not match their shape"):
        linear.SoftmaxModel.from_dict(data)
