"""``derive grad --shape ... --emit-numpy``, batched, against hand-written NumPy.

Run: ``python benchmarks/bench_matrix_grad.py [--batch 20000] [--repeat 7]``.

Each case is derived and generated as ``derive grad --emit-numpy`` does (the LaTeX read with the
declared shapes, the matrix-form gradient, the module source), the module loaded from memory and
called on a batch of N independent problems (every argument with a leading batch axis, or a
weight shared by the batch where the case says so). Against it: the same gradient as one writes
it by hand with NumPy for a batch (einsum / matmul on the stacked arrays). The values are compared
before timing. Prints the best time of each over the repeats and the ratio (goal: within 1.2x).
A benchmark, not a test: the two versions take turns, so load from other work slows both alike;
on a busy machine ``OPENBLAS_NUM_THREADS=1`` steadies the ratio.
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_seconds, report

from derive.cli.grad_matrix import read_forward
from derive.matrix.differentiate import derive_gradient
from derive.matrix.numpy_code import module_source
from derive.matrix.printing import text

GOAL = 1.2


def generated(latex: str, shapes: dict, wrt: str, one_hot=()):
    """The emitted function d f/d wrt, as ``derive grad --emit-numpy`` writes it."""
    forward = read_forward(latex, shapes)
    result = derive_gradient(forward, wrt, one_hot).result
    source = module_source([(f"df_d{wrt}", result, text(result))], dict(shapes), title=text(forward))
    module = types.ModuleType("bench_grad")
    exec(compile(source, "<derive grad>", "exec"), module.__dict__)  # noqa: S102 - derive's own output
    return getattr(module, f"df_d{wrt}"), text(result)


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def cases(n: int, rng):
    """(label, LaTeX, shapes, wrt, one-hot, arguments, hand-written function)."""
    d, m, k, h = 16, 32, 10, 24
    X = rng.normal(size=(n, m, d))
    w = rng.normal(size=(n, d))
    y = rng.normal(size=(n, m))
    labels = rng.integers(0, 2, size=(n, m)).astype(float)
    x = rng.normal(size=(n, d))
    W = rng.normal(size=(k, d)) / 4
    onehot = np.eye(k)[rng.integers(0, k, size=n)]
    W1, W2 = rng.normal(size=(h, d)) / 4, rng.normal(size=(k, h)) / 4
    target = rng.normal(size=(n, k))
    yield ("least squares ‖Xw − y‖² by w", r"\|Xw - y\|^2", {"X": (m, d), "w": (d, 1), "y": (m, 1)}, "w", (),
           {"X": X, "w": w, "y": y},
           _least_squares)
    yield ("logistic regression by w", r"-y^\top \log\sigma(Xw) - (\mathbf{1}-y)^\top \log(\mathbf{1}-\sigma(Xw))",
           {"X": (m, d), "w": (d, 1), "y": (m, 1)}, "w", (), {"X": X, "w": w, "y": labels},
           _logistic)
    yield ("softmax regression by W (W shared)", r"-y^\top \log \operatorname{softmax}(Wx)",
           {"W": (k, d), "x": (d, 1), "y": (k, 1)}, "W", ("y",), {"W": W, "x": x, "y": onehot},
           lambda W, x, y: (_softmax_rows(x @ W.T) - y)[:, :, None] * x[:, None, :])
    yield ("two layers ‖W₂σ(W₁x) − y‖² by W₁ (shared)", r"\|W_2 \sigma(W_1 x) - y\|^2",
           {"W_2": (k, h), "W_1": (h, d), "x": (d, 1), "y": (k, 1)}, "W_1", (),
           {"W_2": W2, "W_1": W1, "x": x, "y": target}, _two_layers)


def _least_squares(X, w, y):
    r = (X @ w[:, :, None])[:, :, 0] - y
    return 2 * (r[:, None, :] @ X)[:, 0, :]


def _logistic(X, w, y):
    r = _sigmoid((X @ w[:, :, None])[:, :, 0]) - y
    return (r[:, None, :] @ X)[:, 0, :]


def _softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _two_layers(W_2, W_1, x, y):
    a = _sigmoid(x @ W_1.T)
    delta = 2 * ((a @ W_2.T - y) @ W_2) * a * (1 - a)
    return delta[:, :, None] * x[:, None, :]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    worst = 0.0
    for label, latex, shapes, wrt, one_hot, arguments, by_hand in cases(args.batch, rng):
        function, formula = generated(latex, shapes, wrt, one_hot)
        mine, theirs = function(**arguments), by_hand(**arguments)
        if not np.allclose(mine, theirs, rtol=1e-9, atol=1e-9):
            print(f"{label}: the generated gradient differs from the hand-written one", file=sys.stderr)
            return 1
        t_generated = best_seconds(lambda f=function, a=arguments: f(**a), args.repeat)
        t_hand = best_seconds(lambda f=by_hand, a=arguments: f(**a), args.repeat)
        print(f"  {label}: {formula}")
        print(report(f"N={args.batch}", t_generated, t_hand, GOAL))
        worst = max(worst, t_generated / t_hand)
    print(f"worst ratio {worst:.2f}x (goal <= {GOAL}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
