"""Multinomial logistic regression over sparse hashed features, in numpy alone.

Used for per-workspace intent models: they are trained inside the application (when agents
edit examples), where importing scikit-learn would add ~90 MB to every worker. Training is
plain SGD with an L2 penalty and a decaying step; weights live in a compact space holding
only the features seen in training, so a model of a few hundred examples is well under a
megabyte.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
SparseRow = tuple[IntArray, FloatArray]


@dataclass(frozen=True, slots=True)
class SoftmaxModel:
    """Weights over the features seen in training (sorted ``features``), one column a class."""

    features: IntArray
    weights: FloatArray  # shape (len(features), n_classes)
    bias: FloatArray  # shape (n_classes,)

    def logits(self, indices: IntArray, values: FloatArray) -> FloatArray:
        """Raw class scores for one sparse row."""
        if len(self.features) == 0 or len(indices) == 0:
            return self.bias.copy()
        positions = np.searchsorted(self.features, indices)
        positions = np.minimum(positions, len(self.features) - 1)
        known = self.features[positions] == indices
        scores: FloatArray = values[known] @ self.weights[positions[known]] + self.bias
        return scores

    def probabilities(self, indices: IntArray, values: FloatArray) -> FloatArray:
        return softmax(self.logits(indices, values))

    def to_dict(self) -> dict[str, Any]:
        """Plain data: feature ids as zlib-compressed deltas, weights as float16.

        float16 moves a probability by well under 1e-3, far below any threshold, and with
        the deltas compresses a few-hundred-example model to ~200 kB of JSON.
        """
        deltas = np.diff(self.features, prepend=0).astype("<i4")
        return {
            "features": _encode(deltas),
            "weights": _encode(self.weights.astype("<f2")),
            "bias": [float(b) for b in self.bias],
            "shape": list(self.weights.shape),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SoftmaxModel:
        """Inverse of ``to_dict``; raises ValueError on data of the wrong size."""
        rows, columns = (int(n) for n in data["shape"])
        deltas = np.frombuffer(_decode(data["features"]), dtype="<i4").astype(np.int64)
        features = np.cumsum(deltas)
        weights = np.frombuffer(_decode(data["weights"]), dtype="<f2").astype(np.float32)
        if len(features) != rows or weights.size != rows * columns:
            raise ValueError("Stored intent weights do not match their shape.")
        bias = np.asarray(data["bias"], dtype=np.float32)
        return cls(features, weights.reshape(rows, columns), bias)


def _encode(array: npt.NDArray[Any]) -> str:
    return base64.b64encode(zlib.compress(array.tobytes(), 9)).decode("ascii")


def _decode(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))


def softmax(scores: FloatArray) -> FloatArray:
    shifted = np.exp(scores - scores.max())
    result: FloatArray = (shifted / shifted.sum()).astype(np.float32)
    return result


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """SGD settings. ``l2`` is per example; ``epochs`` passes over the data in a seeded order;
    ``average`` returns the mean of the epoch-end weights of the second half."""

    l2: float = 1e-4
    epochs: int = 30
    step: float = 1.0
    seed: int = 0
    average: bool = True


def fit(
    rows: list[SparseRow], targets: list[int], classes: int, config: TrainingConfig
) -> SoftmaxModel:
    """Fit multinomial logistic regression by SGD; deterministic for a given seed."""
    features = (
        np.unique(np.concatenate([row[0] for row in rows])) if rows else np.zeros(0, np.int64)
    )
    compact = [(np.searchsorted(features, idx), vals) for idx, vals in rows]
    weights = np.zeros((len(features), classes), dtype=np.float32)
    bias = np.zeros(classes, dtype=np.float32)
    # The L2 decay multiplies every weight each step; keeping it as one scale factor makes
    # a step cost only the example's features (Bottou's trick).
    scale = 1.0
    order = np.random.default_rng(config.seed)
    onehot = np.eye(classes, dtype=np.float32)
    step_count = 0
    average_weights = np.zeros_like(weights)
    average_bias = np.zeros_like(bias)
    averaged = 0
    for epoch in range(config.epochs):
        for i in order.permutation(len(compact)):
            positions, values = compact[i]
            eta = config.step / (1.0 + config.step * config.l2 * step_count)
            step_count += 1
            probs = softmax(scale * (values @ weights[positions]) + bias)
            error = probs - onehot[targets[i]]
            scale *= 1.0 - eta * config.l2
            weights[positions] -= (eta / scale) * np.outer(values, error)
            bias -= eta * error
        weights *= scale
        scale = 1.0
        if config.average and epoch >= config.epochs // 2:
            # Polyak averaging of the epoch-end weights over the second half: less
            # dependent on the last few examples seen, and so on the seed.
            average_weights += weights
            average_bias += bias
            averaged += 1
    if averaged:
        mean_weights = (average_weights / averaged).astype(np.float32)
        return SoftmaxModel(features, mean_weights, (average_bias / averaged).astype(np.float32))
    return SoftmaxModel(features, weights, bias)
