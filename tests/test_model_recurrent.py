"""Recurrent model files (derive.model.recurrent): an RNN or LSTM cell over T steps, dense layers on h_T.

One table of cases, cell × weight layout × head. Each case's rule is proven (every step, every
gradient against SymPy's diff of the unrolled loss) at small sizes, numerically at random points
(``symbolic_seconds=0``: the unrolled LSTM is too deep for SymPy's simplification to be quick), and
its generated NumPy module is checked against central differences in float64 at the full test
sizes, on a batch. Then the worked examples, and malformed recurrent models (exit 2, the field named).
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.cli.main import main
from derive.codegen.generate import module_source
from derive.engine.verify import verify_rule
from derive.model.recurrent import build_recurrent_rule
from derive.model.spec import read_model

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "worked_examples" / "models"

#: The heads: (loss, the last layer's activation); the hidden dense layer is tanh.
HEADS = {"softmax_ce": ("cross_entropy", "softmax"), "sigmoid_bce": ("binary_cross_entropy", "sigmoid"),
         "squared_error": ({"kind": "squared_error", "half": True}, "linear"), "hinge": ("hinge", "linear")}
CASES = [(cell, weights, head) for cell in ("rnn", "lstm") for weights in ("separate", "concat") for head in HEADS]
#: Proven at these cases (the LSTM's proofs take seconds each; its other heads are checked numerically).
PROVEN = [c for c in CASES if c[0] == "rnn" or c[2] == "squared_error"] + [("lstm", "concat", "sigmoid_bce")]


def model(cell, weights, head, *, steps=2, units=1, layers=1, outputs=2, penalty=None, update=True,
          activation="tanh"):
    loss, last = HEADS[head]
    recurrent = {"cell": cell, "name": "h", "units": units, "steps": steps, "weights": weights}
    if cell == "rnn":
        recurrent["activation"] = activation
    hidden = [{"name": "d", "units": 3, "activation": "tanh"}] * (layers - 1)
    node = {"recurrent": recurrent, "layers": [*hidden, {"name": "o", "units": outputs, "activation": last}],
            "loss": loss, "update": update}
    if penalty:
        node["penalty"] = penalty
    return read_model(node)


def rule_of(m, input_size, name="m"):
    return build_recurrent_rule(m, name=name, input_size=input_size)


def numpy_function(rule):
    module = types.ModuleType(rule.name)
    exec(compile(module_source(rule), rule.name, "exec"), module.__dict__)  # noqa: S102 - generated here
    return getattr(module, rule.name)


def random_inputs(rule, batch, seed=0):
    rng = np.random.default_rng(seed)
    sizes = {sp.Symbol(str(d), integer=True, positive=True): n for d, n in rule.test_sizes.items()}
    return {name: np.asarray(item.domain.sample(rng, (batch,) + tuple(int(sp.sympify(d).subs(sizes))
                                                                       for d in item.shape)), dtype=float)
            for name, item in rule.inputs.items()}


def central_differences(rule, inputs, *, step=1e-5, rtol=1e-6):
    """Every dL/dP by an input P against (L(P + εv) − L(P − εv)) / 2ε along a random direction v."""
    f = numpy_function(rule)
    out = f(**inputs)
    batch = len(out["L"])
    for wrt in rule.inputs:
        gradient = f"dL/d{wrt}"
        if gradient not in out:
            continue
        v = np.random.default_rng(1).normal(size=inputs[wrt].shape)
        plus, minus = (f(**dict(inputs, **{wrt: inputs[wrt] + s * step * v}))["L"] for s in (1, -1))
        numeric = (plus - minus) / (2 * step)
        analytic = np.sum((out[gradient] * v).reshape(batch, -1), axis=1)
        error = np.max(np.abs(numeric - analytic) / np.maximum(np.abs(numeric), 1e-3))
        assert error <= rtol, f"{rule.name}: {gradient} against central differences: relative error {error:.1e}"


# -- proofs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, weights, head", PROVEN)
def test_every_step_and_gradient_is_proven(cell, weights, head):
    rule = rule_of(model(cell, weights, head), input_size=1)
    report = verify_rule(rule, [dict(rule.test_sizes)], symbolic_seconds=0)
    assert report.ok, [f"{c.describe()}: {c.proof}" for c in report.failures]
    gradients = {q.name for q, _, _ in rule.gradient_quantities()}
    assert {"dL/dh_1", "dL/dh_0", "dL/dx", "dL/dz_o"} <= gradients
    assert {c.subject for c in report.checks if c.kind == "diff"} == gradients


def test_the_recursion_is_proven_at_three_steps_and_two_units():
    rule = rule_of(model("rnn", "separate", "softmax_ce", steps=3, units=2, update=False), input_size=2)
    report = verify_rule(rule, [dict(rule.test_sizes)], symbolic_seconds=0)
    assert report.ok, [f"{c.describe()}: {c.proof}" for c in report.failures]
    assert {"dL/dh_2", "dL/dz_h_1", "dL/dW_hh"} <= {c.subject for c in report.checks if c.kind == "diff"}


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_the_unrolled_cell_is_proven_symbolically_in_every_check(cell):
    """With the model's own budget (1 s of CPU a check), every step and every gradient against SymPy's
    diff is proven symbolically: by the polynomial stage (derive.engine.polynomial), in milliseconds,
    where expand alone ran out of its second on most of them."""
    head = "squared_error" if cell == "lstm" else "softmax_ce"
    rule = rule_of(model(cell, "concat", head), input_size=1)
    report = verify_rule(rule, [dict(rule.test_sizes)])
    assert report.ok, [f"{c.describe()}: {c.proof}" for c in report.failures]
    assert len(report.checks) > 20
    assert [c.describe() for c in report.checks if c.proof.method != "symbolic"] == []


def test_the_penalty_covers_the_recurrent_weights_and_is_proven():
    rule = rule_of(model("rnn", "concat", "squared_error", penalty={"l2": 0.1}), input_size=1)
    assert verify_rule(rule, [dict(rule.test_sizes)], symbolic_seconds=0).ok


# -- the generated NumPy -------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, weights, head", CASES)
def test_generated_numpy_matches_central_differences(cell, weights, head):
    penalty = {"l2": 0.05} if weights == "separate" else {"l1": 0.05}
    rule = rule_of(model(cell, weights, head, steps=3, units=2, layers=2, outputs=3, penalty=penalty), input_size=2)
    central_differences(rule, random_inputs(rule, batch=3))


def test_the_penalty_reaches_every_weight_matrix():
    rule = rule_of(model("lstm", "separate", "squared_error", steps=2, units=2, penalty={"l2": 0.5}), input_size=2)
    inputs = random_inputs(rule, batch=2)
    with_penalty = numpy_function(rule)(**inputs)
    without = numpy_function(rule_of(model("lstm", "separate", "squared_error", steps=2, units=2), 2))(
        **{k: v for k, v in inputs.items() if k != "lam"})
    for name in ("W_xf_h", "W_hf_h", "W_xc_h", "W_hc_h", "W_o"):
        assert np.allclose(with_penalty[f"dL/d{name}"] - without[f"dL/d{name}"],
                           2 * inputs["lam"].reshape(-1, 1, 1) * inputs[name]), name
    assert np.allclose(with_penalty["dL/db_f_h"], without["dL/db_f_h"])  # biases are not penalised


def test_shared_weights_give_the_sum_over_the_batch():
    rule = rule_of(model("rnn", "concat", "softmax_ce", steps=3, units=2), input_size=2)
    inputs = random_inputs(rule, batch=4)
    shared = dict(inputs, W_h=inputs["W_h"][0], b_h=inputs["b_h"][0], h_0=0.0, lr=0.1)
    each = dict(shared, W_h=np.broadcast_to(shared["W_h"], inputs["W_h"].shape),
                b_h=np.broadcast_to(shared["b_h"], inputs["b_h"].shape), h_0=np.zeros((4, 2)))
    f = numpy_function(rule)
    once, per_example = f(**shared), f(**each)
    assert np.allclose(once["h_3"], per_example["h_3"])
    assert np.allclose(once["dL/dW_h"], per_example["dL/dW_h"].sum(axis=0))
    assert np.allclose(once["W_h_new"], shared["W_h"] - 0.1 * once["dL/dW_h"])
    assert once["dL/dx"].shape == (4, 3, 2) and once["dL/dh_0"].shape == (2,)


def test_names_keep_the_gates_apart_from_the_dense_layers():
    rule = rule_of(model("lstm", "separate", "softmax_ce", steps=2, units=2), input_size=3)
    assert list(rule.inputs)[:4] == ["x", "y", "W_xf_h", "W_hf_h"]
    assert {"W_o", "b_o", "W_xo_h", "W_ho_h", "b_o_h", "h_0", "C_0"} <= set(rule.inputs)
    for name in ("z_f_h_1", "f_h_1", "i_h_1", "C_tilde_h_1", "o_h_1", "C_1", "h_1", "h_2", "z_o", "o",
                 "dL/dh_2", "dL/dC_2", "dL/do_h_2", "dL/dz_c_h_1", "dL/dC_0", "dL/dh_0", "dL/dx", "W_xo_h_new"):
        assert name in rule.quantities, name
    assert rule.quantities["dL/dx"].shape == (2, sp.Symbol("D", integer=True, positive=True))
    order = list(rule.quantities)
    assert order.index("h_2") < order.index("z_o") < order.index("dL/dh_2") < order.index("dL/dh_1") \
        < order.index("dL/dW_xf_h") < order.index("W_xf_h_new")


# -- worked examples and malformed files ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["rnn_many_to_one.yaml", "lstm_squared_error.yaml"])
def test_worked_examples_pass(capsys, name):
    assert main(["check", str(MODELS / name)]) == 0, capsys.readouterr().out


def test_the_carried_mistake_is_found(capsys):
    path = ROOT / "worked_examples" / "mistakes" / "rnn_model_carried.yaml"
    assert main(["check", "--expect", str(path)]) == 0, capsys.readouterr().out


BASE = (MODELS / "rnn_many_to_one.yaml").read_text()


@pytest.mark.parametrize("old, new, field, words", [
    ("steps: 3", "steps: 0", "model.recurrent.steps", "from 1 to 50, got 0"),
    ("cell: rnn", "cell: gru", "model.recurrent.cell", "unknown cell 'gru'; expected one of: rnn, lstm"),
    ("weights: separate", "weights: joint", "model.recurrent.weights", "separate, concat"),
    ("units: 2, steps", "units: two, steps", "model.recurrent.units", "'two'"),
    ("x: [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]", "x: [[1.0, 0.0], [0.0, 1.0]]", "inputs.x",
     "x has shape (2, 2), but the model needs (3, 2)"),
    ("x: [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]", "x: [1.0, 0.0]", "inputs.x", "3 rows"),
    ("W_hh: [[0.1, 0.2], [-0.1, 0.3]]", "W_hh: [[0.1, 0.2, 0.0], [-0.1, 0.3, 0.0]]", "inputs.W_hh",
     "W_hh has shape (2, 3), but the model needs (2, 2)"),
    ("{name: o, units: 2, activation: softmax}", "{name: h_3, units: 2, activation: softmax}",
     "model.layers[0].name", "'h_3'"),
    ("activation: tanh, weights", "activation: softmax, weights", "model.recurrent.activation", "softmax"),
])
def test_malformed_recurrent_models_are_refused(tmp_path, capsys, old, new, field, words):
    assert old in BASE
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace(old, new))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"field '{field}'" in err and words in err and "Traceback" not in err, err


def test_an_lstm_takes_no_activation(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text((MODELS / "lstm_squared_error.yaml").read_text().replace("cell: lstm,", "cell: lstm, activation: relu,"))
    assert main(["check", str(path)]) == 2
    assert "field 'model.recurrent.activation'" in capsys.readouterr().err


def test_show_prints_the_lstm_in_the_lectures_notation(capsys):
    assert main(["show", str(MODELS / "lstm_squared_error.yaml"), "--no-proof", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    for latex in (r"\tilde{C}_{h,1} &= \tanh", r"\begin{bmatrix} h_{0} \\ x_{1} \end{bmatrix}",
                  r"\frac{\partial L}{\partial C_{1}}", r"f_{h,2}"):
        assert latex in out, latex
