"""How far back a gradient reaches, as pictures: through depth (skip connections) and through time (LSTM).

Every number comes from the generated code (``derive.numpy.deep_chain_loop``,
``rnn_bptt_loop``, ``lstm_bptt_loop``), which is printed from the proven rules.

* :func:`depth_figure`: |∂L/∂w_1| of the ResNet lecture's sigmoid chain (x = 0.5,
  every weight 0.1, target 1) against its depth 3..50, plain and with a skip
  around every hidden layer. The plain chain multiplies one σ'(s) w ≈ 0.025 per
  layer; the skips add the identity path, 1 + σ'(s) w per layer.
* :func:`time_figure`: how much of the last step's loss reaches the initial state,
  |∂L_T/∂h_0| of an RNN against |∂L_T/∂C_0| of an LSTM, over T. Only the last
  step's loss is felt: the earlier targets are set to the model's own predictions,
  where the cross-entropy's gradient ŷ − y is exactly 0.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from derive.numpy.deep_chain_loop import deep_chain_loop  # noqa: E402
from derive.numpy.lstm_bptt_loop import lstm_bptt_loop  # noqa: E402
from derive.numpy.rnn_bptt_loop import rnn_bptt_loop  # noqa: E402

DEPTHS = range(3, 51)
STEPS = range(1, 61)


def _skips(depth: int, residual: bool) -> np.ndarray:
    """The skip switch per layer: every hidden layer between the first and the last (as in residual_chain)."""
    return np.array([[1.0 if residual and 0 < l < depth - 1 else 0.0 for l in range(depth)]])


def first_weight_gradient(depth: int, residual: bool, x=0.5, w=0.1, y=1.0) -> float:
    """|∂L/∂w_1| of the lecture's chain at this depth."""
    out = deep_chain_loop(w=np.full((1, depth), w), x=np.array([x]), k=_skips(depth, residual), y=np.array([y]))
    return float(abs(out["dL/dw"][0, 0]))


def depth_figure(out_dir) -> Path:
    depths = list(DEPTHS)
    plain = [first_weight_gradient(d, False) for d in depths]
    skip = [first_weight_gradient(d, True) for d in depths]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    ax.semilogy(depths, skip, "o-", ms=3, label=r"with skips: $a_l = a_{l-1} + \sigma(w_l a_{l-1})$")
    ax.semilogy(depths, plain, "s-", ms=3, label=r"plain: $a_l = \sigma(w_l a_{l-1})$")
    ax.set_xlabel("depth (layers)")
    ax.set_ylabel(r"$|\partial L / \partial w_1|$")
    ax.set_title("Gradient at the first weight (x = 0.5, every w = 0.1, MSE)")
    ax.annotate(r"$\times\,\sigma'(s)\,w \approx 0.025$ per layer", xy=(14, plain[11]), xytext=(20, 1e-20),
                arrowprops=dict(arrowstyle="->", color="0.4"), fontsize=9)
    ax.annotate(r"$\times\,(1 + \sigma'(s)\,w)$ per layer", xy=(30, skip[27]), xytext=(27, 1e-13),
                arrowprops=dict(arrowstyle="->", color="0.4"), fontsize=9)
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return _save(fig, out_dir, "gradient_flow_depth.png")


def _recurrent_inputs(T: int, rng_seed=0, n=16, H=16, D=8, K=4) -> tuple[dict, dict]:
    """One batch of random sequences and weights for the RNN and the LSTM (forget-gate bias 1, the usual start)."""
    rng = np.random.default_rng(rng_seed)
    x = rng.normal(size=(n, max(STEPS), D))[:, :T]
    y_last = np.eye(K)[rng.integers(0, K, n)]
    rnn = dict(x=x, h_0=np.zeros((n, H)), U=rng.normal(0, 1 / np.sqrt(D), (H, D)),
               W=rng.normal(0, 1 / np.sqrt(H), (H, H)), V=rng.normal(0, 1 / np.sqrt(H), (K, H)))
    lstm = dict(x=x, h_0=np.zeros((n, H)), C_0=np.zeros((n, H)), W_y=rnn["V"],
                **{f"W_{g}": rng.normal(0, 1 / np.sqrt(H + D), (H, H + D)) for g in "fico"}, b_f=np.ones(H))
    return dict(rnn=rnn, lstm=lstm), y_last


def _last_step_only(loop, inputs: dict, y_last: np.ndarray) -> dict:
    """The loop with only the last step's loss: earlier targets are the predictions themselves (ŷ − y = 0)."""
    n, T = inputs["x"].shape[:2]
    y = loop(**inputs, y=np.tile(y_last[:, None, :], (1, T, 1)))["y_hat"].copy()  # ŷ does not depend on y
    y[:, -1] = y_last
    return loop(**inputs, y=y)


def initial_state_gradients(T: int) -> tuple[float, float]:
    """Mean |∂L_T/∂h_0| of the RNN and mean |∂L_T/∂C_0| of the LSTM over a batch of sequences of length T."""
    inputs, y_last = _recurrent_inputs(T)
    rnn = _last_step_only(rnn_bptt_loop, inputs["rnn"], y_last)
    lstm = _last_step_only(lstm_bptt_loop, inputs["lstm"], y_last)
    return (float(np.mean(np.linalg.norm(rnn["dL/dh_0"], axis=-1))),
            float(np.mean(np.linalg.norm(lstm["dL/dC_0"], axis=-1))))


def time_figure(out_dir) -> Path:
    steps = list(STEPS)
    rnn, lstm = zip(*(initial_state_gradients(T) for T in steps))
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    ax.semilogy(steps, lstm, "o-", ms=3,
                label=r"LSTM $|\partial L_T / \partial C_0|$: $\times f$ per step (forget bias 1)")
    ax.semilogy(steps, rnn, "s-", ms=3, label=r"RNN $|\partial L_T / \partial h_0|$: $\times W^\top(1 - h^2)$ per step")
    ax.set_xlabel("steps T between the loss and the initial state")
    ax.set_ylabel("gradient norm (mean over 16 sequences)")
    ax.set_title("How much of the last step's loss reaches the start")
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return _save(fig, out_dir, "gradient_flow_time.png")


def _save(fig, out_dir, name: str) -> Path:
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
