"""The Rosenblatt perceptron (fundamentals notes): its generated update learns AND and OR from
weights 0 and never stops making mistakes on XOR; one update moves the score by η y (‖x‖² + 1)."""

import numpy as np
import pytest

from derive.numpy import rosenblatt

POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
LABELS = {"AND": [-1.0, -1.0, -1.0, 1.0], "OR": [-1.0, 1.0, 1.0, 1.0], "XOR": [-1.0, 1.0, 1.0, -1.0]}


def train(labels, epochs=50, lr=1.0):
    """The perceptron algorithm, one example at a time from w = 0, b = 0: the weights, the bias and
    the mistakes of each epoch, until an epoch without one."""
    w, b, mistakes = np.zeros(2), 0.0, []
    for _ in range(epochs):
        count = 0
        for x, y in zip(POINTS, labels):
            step = rosenblatt(x=x, w=w, b=b, y=y, lr=lr)
            count += int(step["mistake"])
            w, b = step["w_new"], float(step["b_new"])
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes


def test_and_is_learned_in_the_hand_traced_epochs():
    # traced by hand with η = 1 (a score of 0 counts as a mistake): 8 epochs with mistakes, then none
    w, b, mistakes = train(LABELS["AND"])
    assert mistakes == [2, 3, 3, 2, 2, 3, 2, 1, 0]
    assert w.tolist() == [3.0, 2.0] and b == -4.0


@pytest.mark.parametrize("gate", ["AND", "OR"])
def test_a_separable_gate_is_learned(gate):
    w, b, mistakes = train(LABELS[gate])
    assert mistakes[-1] == 0
    scores = POINTS @ w + b
    assert np.all(np.asarray(LABELS[gate]) * scores > 0), (gate, w, b)


def test_xor_is_never_learned():
    """No line separates XOR: every epoch has a mistake, however long it trains."""
    _, _, mistakes = train(LABELS["XOR"], epochs=200)
    assert len(mistakes) == 200 and min(mistakes) >= 1


def test_one_update_moves_the_score_by_eta_y_norm_squared_plus_one():
    rng = np.random.default_rng(7)
    n, d = 64, 5
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.normal(size=n)
    y, lr = rng.choice([-1.0, 1.0], size=n), rng.uniform(0.1, 1.0, size=n)
    out = rosenblatt(x=x, w=w, b=b, y=y, lr=lr)
    assert 0 < out["mistake"].sum() < n  # both kinds of example are in the batch
    # s_new is defined as s + η m y (‖x‖² + 1): it is the score of the updated weights and bias
    np.testing.assert_allclose(out["s_new"], np.sum(out["w_new"] * x, axis=1) + out["b_new"], rtol=1e-12)
    right = out["mistake"] == 0
    np.testing.assert_array_equal(out["w_new"][right], w[right])  # no update without a mistake


def test_the_221_model_file_computes_xor():
    """What one perceptron cannot do, two layers do: the model file's network on all four points."""
    from pathlib import Path

    from derive.check.worked import read_yaml
    from derive.model.files import numeric_module, rule_name

    path = Path(__file__).resolve().parents[1] / "worked_examples" / "models" / "xor_221.yaml"
    top = read_yaml(path)
    network = getattr(numeric_module(top, str(path)), rule_name(path))
    def number(v):  # a scalar as written, or a list of them
        return [number(u) for u in v] if isinstance(v, list) else float(v.text)

    weights = {k: np.asarray(number(v)) for k, v in top["inputs"].items() if k not in ("x", "y")}
    assert sorted(weights) == ["W_h", "W_o", "b_h", "b_o"]
    xor = np.array(LABELS["XOR"]) > 0
    out = network(x=POINTS, y=xor[:, None].astype(float), **weights)
    np.testing.assert_array_equal(out["o"][:, 0] > 0.5, xor)
    assert np.all(out["L"] < 1e-8)
