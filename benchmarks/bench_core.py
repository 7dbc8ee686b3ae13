"""Generated softmax_ce and sigmoid_bce against hand-written NumPy, in one process.

Run: ``python benchmarks/bench_core.py``. Prints the time of each and their ratio
(goal: the generated code within 1.3x of the hand-written reference).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_seconds, report  # noqa: E402

from derive.numpy import sigmoid_bce, softmax_ce  # noqa: E402


def softmax_ce_by_hand(o, y):
    m = o.max(axis=1, keepdims=True)
    e = np.exp(o - m)
    s = e.sum(axis=1, keepdims=True)
    y_hat = e / s
    loss = m[:, 0] + np.log(s[:, 0]) - (y * o).sum(axis=1)
    return {"y_hat": y_hat, "L": loss, "dL/do": y_hat - y}


def sigmoid_bce_by_hand(s, y):
    e = np.exp(-np.abs(s))
    d = 1.0 + e
    y_hat = np.where(s >= 0, 1.0 / d, e / d)
    loss = np.maximum(s, 0.0) + np.log1p(e) - y * s
    return {"y_hat": y_hat, "L": loss, "dL/ds": y_hat - y}


def main():
    rng = np.random.default_rng(0)
    o = rng.normal(size=(16384, 1000))
    y = np.eye(1000)[rng.integers(0, 1000, size=16384)]
    for key, value in softmax_ce(o=o, y=y).items():
        np.testing.assert_allclose(value, softmax_ce_by_hand(o, y)[key], rtol=1e-10, atol=1e-12)
    print(report("softmax_ce (N=16384, K=1000)",
                 best_seconds(lambda: softmax_ce(o=o, y=y), repeat=5),
                 best_seconds(lambda: softmax_ce_by_hand(o, y), repeat=5)))

    s = rng.normal(scale=4.0, size=10_000_000)
    t = (rng.random(10_000_000) < 0.5).astype(float)
    for key, value in sigmoid_bce(s=s, y=t).items():
        np.testing.assert_allclose(value, sigmoid_bce_by_hand(s, t)[key], rtol=1e-10, atol=1e-12)
    print(report("sigmoid_bce (N=10^7)",
                 best_seconds(lambda: sigmoid_bce(s=s, y=t), repeat=5),
                 best_seconds(lambda: sigmoid_bce_by_hand(s, t), repeat=5)))


if __name__ == "__main__":
    main()
