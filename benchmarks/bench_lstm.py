"""Generated ``lstm_step`` (forward and backward) against a hand-written NumPy LSTM step, in one process.

Run: ``python benchmarks/bench_lstm.py [--repeat 15]``. Two sizes: a training-like
batch (B=256, H=128, D=64, K=32) and the lecture's size (B=64, H=2, D=3, K=2).
Both implementations take shared weights (H, H+D) and return per-sample
gradients, as the contract says; the numbers are compared before timing.
Prints the best time of each over the repeats and their ratio (goal: the
generated code within 1.3x of the hand-written one). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_seconds, report  # noqa: E402

from derive.numpy import lstm_step  # noqa: E402

GATES = ("f", "i", "c", "o")
SIZES = {"training size": dict(B=256, H=128, D=64, K=32), "lecture size": dict(B=64, H=2, D=3, K=2)}


def _sigmoid(s):
    return 1.0 / (1.0 + np.exp(-s))


def hand_written(x, h_prev, C_prev, W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o, W_y, y):
    """One LSTM step and its backward pass as one writes it by hand (weights shared by the batch)."""
    H = h_prev.shape[-1]
    z = np.concatenate((h_prev, x), axis=-1)
    f = _sigmoid(z @ W_f.T + b_f)
    i = _sigmoid(z @ W_i.T + b_i)
    C_tilde = np.tanh(z @ W_c.T + b_c)
    o = _sigmoid(z @ W_o.T + b_o)
    C = f * C_prev + i * C_tilde
    tanh_C = np.tanh(C)
    h = o * tanh_C
    g = h @ W_y.T
    shifted = g - g.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    y_hat = e / total
    L = np.log(total[:, 0]) - np.sum(y * shifted, axis=-1)

    dg = y_hat - y
    dW_y = dg[:, :, None] * h[:, None, :]
    dh = dg @ W_y
    do = dh * tanh_C
    dC = dh * o * (1.0 - tanh_C ** 2)
    df, di, dC_tilde = dC * C_prev, dC * C_tilde, dC * i
    ds_o, ds_f = do * o * (1.0 - o), df * f * (1.0 - f)
    ds_i, ds_c = di * i * (1.0 - i), dC_tilde * (1.0 - C_tilde ** 2)
    outer = {name: delta[:, :, None] * z[:, None, :]
             for name, delta in (("o", ds_o), ("f", ds_f), ("i", ds_i), ("c", ds_c))}
    dz = ds_f @ W_f + ds_i @ W_i + ds_c @ W_c + ds_o @ W_o
    return {"f": f, "i": i, "C_tilde": C_tilde, "o": o, "C": C, "h": h, "g": g, "y_hat": y_hat, "L": L,
            "dL/dg": dg, "dL/dW_y": dW_y, "dL/dh": dh, "dL/do": do, "dL/dC": dC, "dL/df": df, "dL/di": di,
            "dL/dC_tilde": dC_tilde, "dL/dW_o": outer["o"], "dL/dW_f": outer["f"], "dL/dW_i": outer["i"],
            "dL/dW_c": outer["c"], "dL/db_o": ds_o, "dL/db_f": ds_f, "dL/db_i": ds_i, "dL/db_c": ds_c,
            "dL/dh_prev": dz[:, :H], "dL/dC_prev": dC * f, "dL/dx": dz[:, H:]}


def random_inputs(B, H, D, K, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    inputs = {"x": rng.normal(size=(B, D)), "h_prev": rng.normal(0, 0.5, (B, H)), "C_prev": rng.normal(size=(B, H))}
    inputs.update({f"W_{g}": rng.normal(0, 1 / np.sqrt(H + D), (H, H + D)) for g in GATES})
    inputs.update({f"b_{g}": rng.normal(0, 0.1, H) for g in GATES})
    inputs["W_y"] = rng.normal(0, 1 / np.sqrt(H), (K, H))
    inputs["y"] = np.eye(K)[rng.integers(0, K, B)]
    return inputs


def compare(label: str, sizes: dict, repeat: int) -> float:
    inputs = random_inputs(**sizes)
    generated, by_hand = lstm_step(**inputs), hand_written(**inputs)
    for name, value in by_hand.items():  # the same numbers, or the timing means nothing
        np.testing.assert_allclose(generated[name], value, rtol=1e-10, atol=1e-12, err_msg=name)
    number = 20 if sizes["H"] < 16 else 3
    t_generated = best_seconds(lambda: lstm_step(**inputs), repeat, number)
    t_hand = best_seconds(lambda: hand_written(**inputs), repeat, number)
    print(report(f"lstm_step, {label} " + ",".join(f"{k}={v}" for k, v in sizes.items()), t_generated, t_hand))
    return t_generated / t_hand


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timing repeats (best is kept)")
    args = parser.parse_args(argv)
    return {label: compare(label, sizes, args.repeat) for label, sizes in SIZES.items()}


if __name__ == "__main__":
    main()
