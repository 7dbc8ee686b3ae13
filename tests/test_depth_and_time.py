"""Gradient paths through depth and time: lstm_step, the BPTT rules and loops, the sigmoid chains, the MLP.

The generic checks in test_rules.py cover every registered rule once (proofs, NumPy
against SymPy, finite differences of the input gradients). Here: finite
differences of the intermediate gradients (∂L/∂h, ∂L/∂C, ...) with the quantity
held as a free variable, the generated loops over time and depth against the
straight-line rules and against finite differences, the RNN proven for T = 1..4,
the ResNet lecture's numbers, and PyTorch's autograd when it is installed.
"""

import importlib
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from derive.codegen.recurrence import generated_files as loop_files
from derive.engine.equality import NUMPY_FUNCTIONS
from derive.engine.realize import Realizer
from derive.engine.verify import verify_rule
from derive.printing.latex import latex
from derive.printing.text import text
from derive.registry import rules
from derive.rules import lstm_bptt as lstm_bptt_rules
from derive.rules import rnn_bptt as rnn_bptt_rules
from derive.rules._chain import layer_rule, skip_pattern, squared_error_head
from derive.rules._recurrent import D, H, K
from gradcheck import generated, random_inputs, sympy_values

RTOL = 1e-6


def _numpy(name):
    return getattr(importlib.import_module(f"derive.numpy.{name}"), name)


# -- finite differences of intermediate gradients ------------------------------------------------
def leaf_finite_difference(rule, sizes, inputs, gradient, step=1e-5, seed=3):
    """∂L/∂q from the generated code against central differences of L(inputs, q), q held as a leaf.

    L is the rule's own SymPy definition realized with q a free variable, so the
    check does not reuse any gradient formula."""
    of, wrt = gradient.split("/d", 1)[0][1:], gradient.split("/d", 1)[1]
    realizer = Realizer(rule, sizes, leaves={wrt})
    loss = realizer(rule.symbol(of))[()]
    components = realizer.free_components()
    symbols = [s for array in components.values() for s in array.ravel()]
    function = sp.lambdify(symbols, loss, modules=[NUMPY_FUNCTIONS, "numpy"])
    values = generated(rule)(**inputs)
    at = dict(inputs, **{wrt: values[wrt]})
    direction = np.random.default_rng(seed).normal(size=values[wrt].shape)

    def loss_at(point):
        return function(*(point[n][(slice(None),) + i] for n, array in components.items()
                          for i in np.ndindex(array.shape)))

    plus, minus = dict(at, **{wrt: at[wrt] + step * direction}), dict(at, **{wrt: at[wrt] - step * direction})
    numeric = (loss_at(plus) - loss_at(minus)) / (2 * step)
    analytic = np.sum((values[gradient] * direction).reshape(len(numeric), -1), axis=1)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=1e-8,
                               err_msg=f"{rule.name}: {gradient} (stage: finite differences, {wrt} as a leaf)")


def intermediate_gradients(rule):
    return [q.name for q, of, wrt in rule.gradient_quantities() if wrt in rule.quantities]


@pytest.mark.parametrize("name", ["lstm_step", "lstm_bptt", "rnn_bptt", "deep_chain", "residual_chain",
                                  "mlp_backprop", "mlp_backprop_multilabel"])
def test_intermediate_gradients_match_finite_differences(name):
    rule = rules()[name]
    sizes = {d: min(v, 2) for d, v in rule.test_sizes.items()}
    inputs = random_inputs(rule, sizes, batch=4, seed=7)
    names = intermediate_gradients(rule)
    assert names, f"{name}: no intermediate gradient"
    for gradient in names:
        leaf_finite_difference(rule, sizes, inputs, gradient)


# -- lstm_step ----------------------------------------------------------------------------------
def test_lstm_step_contract_quantities_and_shared_weights():
    rule = rules()["lstm_step"]
    contract = ["f", "i", "C_tilde", "o", "C", "h", "g", "y_hat", "L", "dL/dg", "dL/dW_y", "dL/dh", "dL/do",
                "dL/dC", "dL/df", "dL/di", "dL/dC_tilde", "dL/dW_o", "dL/dW_f", "dL/dW_i", "dL/dW_c",
                "dL/dh_prev", "dL/dC_prev", "dL/dx"]
    assert set(contract) <= set(rule.quantity_names)
    assert [n for n in rule.quantity_names if n in contract] == contract  # the lecture's order
    batched = random_inputs(rule, {H: 2, D: 3, K: 2}, batch=3, seed=1)
    shared = dict(batched, **{n: batched[n][0] for n in batched if n.startswith(("W_", "b_"))})
    per_sample = dict(batched, **{n: np.broadcast_to(shared[n], batched[n].shape) for n in shared})
    a, b = _numpy("lstm_step")(**shared), _numpy("lstm_step")(**per_sample)
    summed = importlib.import_module("derive.numpy.lstm_step").SUMMED
    for name in contract:  # a shared weight's gradient is the sum over the batch (the contract)
        expected = b[name].sum(axis=0) if summed.get(name, "").startswith(("W_", "b_")) else b[name]
        np.testing.assert_allclose(a[name], expected, rtol=1e-13, atol=1e-15, err_msg=name)
    assert a["dL/dW_f"].shape == (2, 5) and b["dL/dW_f"].shape == (3, 2, 5)


def test_lstm_step_biases_default_to_zero():
    rule = rules()["lstm_step"]
    inputs = random_inputs(rule, {H: 2, D: 3, K: 2}, batch=2)
    without = {n: v for n, v in inputs.items() if not n.startswith("b_")}
    zeros = dict(without, **{f"b_{g}": np.zeros((2, 2)) for g in "fico"})
    np.testing.assert_array_equal(_numpy("lstm_step")(**without)["dL/dW_f"], _numpy("lstm_step")(**zeros)["dL/dW_f"])


def test_lstm_bptt_step_without_later_gradients_is_lstm_step():
    inputs = random_inputs(rules()["lstm_step"], {H: 3, D: 2, K: 4}, batch=4, seed=5)
    zeros = {"dh_next": np.zeros((4, 3)), "dC_next": np.zeros((4, 3))}
    one, step = _numpy("lstm_step")(**inputs), _numpy("lstm_bptt")(**inputs, **zeros)
    for name in one:
        if name in step:
            np.testing.assert_allclose(step[name], one[name], rtol=1e-13, atol=1e-15, err_msg=name)


# -- the sigmoid chains of the ResNet lecture ------------------------------------------------------
def _sigmoid_exact(v):
    return 1 / (1 + sp.exp(-v))


def _lecture_chain_exact(residual: bool) -> dict:
    """The lecture's network with exact numbers (SymPy rationals, 30 digits): x = 1/2, every weight 1/10, y = 1."""
    x, w, y = sp.Rational(1, 2), sp.Rational(1, 10), 1
    a1 = _sigmoid_exact(w * x)
    F2 = _sigmoid_exact(w * a1)
    a2 = a1 + F2 if residual else F2
    y_hat = _sigmoid_exact(w * a2)
    slope = {1: a1 * (1 - a1), 2: F2 * (1 - F2), 3: y_hat * (1 - y_hat)}
    dy = 2 * (y_hat - y)
    through_2 = (1 + slope[2] * w) if residual else slope[2] * w
    exact = {"y_hat": y_hat, "L": (y_hat - y) ** 2, "dL/dw_3": dy * slope[3] * a2,
             "dL/dw_2": dy * slope[3] * w * slope[2] * a1, "dL/dw_1": dy * slope[3] * w * through_2 * slope[1] * x}
    return {k: float(sp.N(v, 30)) for k, v in exact.items()}


@pytest.mark.parametrize("name, residual", [("deep_chain", False), ("residual_chain", True)])
def test_resnet_lecture_numbers(name, residual):
    one = np.array([1.0])
    values = _numpy(name)(x=0.5 * one, y=one, w_1=0.1 * one, w_2=0.1 * one, w_3=0.1 * one)
    for quantity, exact in _lecture_chain_exact(residual).items():
        np.testing.assert_allclose(values[quantity][0], exact, rtol=1e-14, err_msg=f"{name}: {quantity}")


def test_skip_connection_keeps_the_first_gradient_alive():
    one = np.array([1.0])
    args = dict(x=0.5 * one, y=one, w_1=0.1 * one, w_2=0.1 * one, w_3=0.1 * one)
    plain, skip = _numpy("deep_chain")(**args), _numpy("residual_chain")(**args)
    assert abs(plain["dL/dw_1"][0]) < abs(plain["dL/dw_3"][0]) / 1000  # vanishing: about 1/1600
    assert 30 < skip["dL/dw_1"][0] / plain["dL/dw_1"][0] < 50  # the skip: about 40 times larger


def test_identity_path_is_visible_in_residual_dL_dw1():
    def dw1_step(name):
        derivation = next(d for d in rules()[name].derivations if d.target == "dL/dw_1")
        return derivation.steps[0].rhs

    residual, plain = dw1_step("residual_chain"), dw1_step("deep_chain")
    w_2, F_2 = rules()["residual_chain"].symbol("w_2"), rules()["residual_chain"].symbol("F_2")
    identity = [f for f in residual.args if isinstance(f, sp.Add) and sp.Integer(1) in f.args]
    assert identity and sp.simplify(identity[0] - (1 + w_2 * F_2 * (1 - F_2))) == 0
    assert "+ 1)" in text(residual) and "+ 1\\right)" in latex(residual)
    assert "+ 1" not in text(plain)


@pytest.mark.parametrize("residual", [False, True])
def test_depth_loop_equals_the_unrolled_chain(residual):
    rule = rules()["residual_chain" if residual else "deep_chain"]
    inputs = random_inputs(rule, {}, batch=5, seed=4)
    unrolled = generated(rule)(**inputs)
    w = np.stack([inputs[f"w_{l}"] for l in (1, 2, 3)], axis=1)
    loop = _numpy("deep_chain_loop")(w=w, x=inputs["x"], k=np.tile(skip_pattern(3, residual), (5, 1)), y=inputs["y"])
    for name in ("y_hat", "L", "dL/dx"):
        np.testing.assert_allclose(loop[name], unrolled[name], rtol=1e-13, err_msg=name)
    for l in (1, 2, 3):
        np.testing.assert_allclose(loop["dL/dw"][:, l - 1], unrolled[f"dL/dw_{l}"], rtol=1e-13)


@pytest.mark.parametrize("residual", [False, True])
def test_depth_loop_matches_finite_differences_at_depth_12(residual):
    rng = np.random.default_rng(8)
    depth, n = 12, 4
    w, x, y = rng.normal(0, 0.8, (n, depth)), rng.normal(size=n), rng.normal(size=n)
    k = np.tile(skip_pattern(depth, residual), (n, 1))
    loop = _numpy("deep_chain_loop")
    out = loop(w=w, x=x, k=k, y=y)
    for l in (0, depth // 2, depth - 1):
        e = np.zeros_like(w)
        e[:, l] = 1e-5
        numeric = (loop(w=w + e, x=x, k=k, y=y)["L"] - loop(w=w - e, x=x, k=k, y=y)["L"]) / 2e-5
        # the plain chain's first gradients are ~1e-8: below 1e-9 the loss's own round-off decides
        np.testing.assert_allclose(out["dL/dw"][:, l], numeric, rtol=RTOL, atol=1e-9)


def test_layer_and_head_of_the_depth_loop_are_proven():
    for rule in (layer_rule(), squared_error_head()):
        report = verify_rule(rule)
        assert report.ok, [c.describe() for c in report.failures]


# -- RNN through time -----------------------------------------------------------------------------
@pytest.mark.parametrize("T", [1, 2, 3, 4])
def test_rnn_bptt_is_proven_for_T_steps(T):
    """Symbolically (H = 1, D = 1, K = 2; the registered T = 2 is also proven at H = 2)."""
    report = verify_rule(rnn_bptt_rules.unrolled(T), [{H: 1, D: 1, K: 2}])
    assert report.ok, [f"{c.describe()}: {c.proof.detail}" for c in report.failures]
    assert {c.proof.method for c in report.checks} == {"symbolic"}
    assert {c.subject for c in report.checks if c.kind == "diff"} >= {"dL/dW", "dL/dU", "dL/dV", "dL/dh_0"}


def test_rnn_step_of_the_loop_is_proven():
    report = verify_rule(rnn_bptt_rules.CELL)
    assert report.ok, [c.describe() for c in report.failures]


def _rnn_inputs(T, n=3, sizes=(3, 2, 4), seed=0):
    h, d, k = sizes
    rng = np.random.default_rng(seed)
    return dict(x=rng.normal(size=(n, T, d)), h_0=rng.normal(0, 0.5, (n, h)), U=rng.normal(0, 0.7, (h, d)),
                W=rng.normal(0, 0.7, (h, h)), V=rng.normal(size=(k, h)), y=np.eye(k)[rng.integers(0, k, (n, T))])


def test_rnn_loop_equals_the_registered_T2_rule():
    seq = _rnn_inputs(2)
    loop = _numpy("rnn_bptt_loop")(**seq)
    straight = _numpy("rnn_bptt")(x_1=seq["x"][:, 0], x_2=seq["x"][:, 1], h_0=seq["h_0"], U=seq["U"], W=seq["W"],
                                  V=seq["V"], y_1=seq["y"][:, 0], y_2=seq["y"][:, 1])
    for name in ("L", "dL/dU", "dL/dW", "dL/dV", "dL/dh_0"):
        np.testing.assert_allclose(loop[name], straight[name], rtol=1e-13, atol=1e-15, err_msg=name)
    for t in (1, 2):
        np.testing.assert_allclose(loop["dL/dh"][:, t - 1], straight[f"dL/dh_{t}"], rtol=1e-13, atol=1e-15)


def _central_difference(function, inputs, name, output="L", step=1e-6, seed=2):
    direction = np.random.default_rng(seed).normal(size=np.shape(inputs[name]))
    plus = dict(inputs, **{name: inputs[name] + step * direction})
    minus = dict(inputs, **{name: inputs[name] - step * direction})
    return (function(**plus)[output] - function(**minus)[output]) / (2 * step), direction


@pytest.mark.parametrize("loop_name, inputs, gradients", [
    ("rnn_bptt_loop", lambda: _rnn_inputs(6),
     {"U": "dL/dU", "W": "dL/dW", "V": "dL/dV", "h_0": "dL/dh_0", "x": "dL/dx"}),
    ("lstm_bptt_loop", lambda: _lstm_inputs(5),
     {"W_f": "dL/dW_f", "W_i": "dL/dW_i", "W_c": "dL/dW_c", "W_o": "dL/dW_o", "W_y": "dL/dW_y", "b_f": "dL/db_f",
      "b_c": "dL/db_c", "h_0": "dL/dh_0", "C_0": "dL/dC_0", "x": "dL/dx"}),
    ("seq2seq_loop", lambda: _seq2seq_inputs(4, 3),
     {"W_f": "dL/dW_f", "W_i": "dL/dW_i", "W_c": "dL/dW_c", "W_o": "dL/dW_o", "b_f": "dL/db_f", "b_o": "dL/db_o",
      "h_0": "dL/dh_0", "C_0": "dL/dC_0", "x": "dL/dx", "W_f_dec": "dL/dW_f_dec", "W_y_dec": "dL/dW_y_dec",
      "b_c_dec": "dL/db_c_dec", "x_dec": "dL/dx_dec"}),
])
def test_time_loops_match_finite_differences(loop_name, inputs, gradients):
    function, values = _numpy(loop_name), inputs()
    out = function(**values)
    for name, gradient in gradients.items():
        numeric, direction = _central_difference(function, values, name)
        if np.shape(out[gradient]) == np.shape(values[name]) and name not in ("x", "h_0", "C_0", "x_dec"):
            # a weight shared by the batch: its gradient is the sum over the batch (the contract)
            analytic, numeric = np.sum(out[gradient] * direction), numeric.sum()
        else:
            analytic = np.sum((out[gradient] * direction).reshape(len(numeric), -1), axis=1)
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=1e-9, err_msg=f"{loop_name}: {gradient}")


# -- LSTM through time ----------------------------------------------------------------------------
def _lstm_inputs(T, n=3, sizes=(3, 2, 4), seed=0):
    h, d, k = sizes
    rng = np.random.default_rng(seed)
    values = dict(x=rng.normal(size=(n, T, d)), h_0=rng.normal(0, 0.5, (n, h)), C_0=rng.normal(size=(n, h)),
                  W_y=rng.normal(size=(k, h)), y=np.eye(k)[rng.integers(0, k, (n, T))])
    values.update({f"W_{g}": rng.normal(0, 0.6, (h, h + d)) for g in "fico"})
    values.update({f"b_{g}": rng.normal(0, 0.3, h) for g in "fico"})
    return values


def _seq2seq_inputs(T, T_dec, n=3, sizes=(3, 2, 4, 4), seed=0):
    """An encoder of T steps (inputs of size D) and a decoder of T_dec (inputs D_dec, K words)."""
    h, d, d_dec, k = sizes
    encoder = {n_: v for n_, v in _lstm_inputs(T, n, (h, d, k), seed).items() if n_ not in ("W_y", "y")}
    decoder = _lstm_inputs(T_dec, n, (h, d_dec, k), seed + 1)
    return encoder | {f"{n_}_dec": v for n_, v in decoder.items() if n_ not in ("h_0", "C_0")}


def test_seq2seq_hands_the_decoders_gradient_back_through_the_context():
    """The decoder starts from the encoder's last state; the encoder's last dL/dh and dL/dC are the
    decoder's dL/dh_0 and dL/dC_0; the loss is the decoder's alone."""
    values = _seq2seq_inputs(4, 3)
    out = _numpy("seq2seq_loop")(**values)
    decoder = _numpy("lstm_bptt_loop")(h_0=out["h"][:, -1], C_0=out["C"][:, -1],
                                       **{n[:-4]: v for n, v in values.items() if n.endswith("_dec")})
    np.testing.assert_allclose(out["L"], decoder["L"], rtol=1e-14)
    np.testing.assert_allclose(out["dL/dh"][:, -1], decoder["dL/dh_0"], rtol=1e-14)
    np.testing.assert_allclose(out["dL/dh_0_dec"], decoder["dL/dh_0"], rtol=1e-14)
    # the last encoder step is the rule seq2seq with the decoder's gradients handed back
    step = _numpy("seq2seq")(x=values["x"][:, -1], h_prev=out["h"][:, -2], C_prev=out["C"][:, -2],
                             dh_next=decoder["dL/dh_0"], dC_next=decoder["dL/dC_0"],
                             **{n: values[n] for n in values if n[:2] in ("W_", "b_") and not n.endswith("_dec")})
    np.testing.assert_allclose(step["dL/dC"], out["dL/dC"][:, -1], rtol=1e-12)
    np.testing.assert_allclose(step["dL/dh_prev"], out["dL/dh"][:, -2], rtol=1e-12)


def test_lstm_loop_equals_the_unrolled_rule_at_T2():
    """The loop (printed from the one-step rule) against the independently built T = 2 rule's SymPy definitions."""
    rule = lstm_bptt_rules.unrolled(2)
    sizes = {H: 2, D: 2, K: 3}
    flat = random_inputs(rule, sizes, batch=3, seed=6)
    expected = sympy_values(rule, sizes, flat)
    loop = _numpy("lstm_bptt_loop")(
        x=np.stack([flat["x_1"], flat["x_2"]], axis=1), y=np.stack([flat["y_1"], flat["y_2"]], axis=1),
        **{n: v for n, v in flat.items() if n not in ("x_1", "x_2", "y_1", "y_2")})
    for name in ("L", "dL/dW_y", "dL/dW_f", "dL/dW_i", "dL/dW_c", "dL/dW_o", "dL/db_f", "dL/dh_0", "dL/dC_0"):
        np.testing.assert_allclose(loop[name], expected[name], rtol=1e-10, atol=1e-12, err_msg=name)
    for t in (1, 2):
        np.testing.assert_allclose(loop["dL/dC"][:, t - 1], expected[f"dL/dC_{t}"], rtol=1e-10, atol=1e-12)


def test_lstm_cell_path_is_additive():
    """dL/dC_(t−1) = dL/dh_(t−1) ⊙ o_(t−1) ⊙ (1 − tanh²C_(t−1)) + dL/dC_t ⊙ f_t, read off the loop's per-step values."""
    out = _numpy("lstm_bptt_loop")(**_lstm_inputs(4))
    dC, dh, f, h, C = (out[n] for n in ("dL/dC", "dL/dh", "f", "h", "C"))
    o = h / np.tanh(C)
    for t in range(1, 4):
        through_h = dh[:, t - 1] * o[:, t - 1] * (1 - np.tanh(C[:, t - 1]) ** 2)
        np.testing.assert_allclose(dC[:, t - 1], through_h + dC[:, t] * f[:, t], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(out["dL/dC_0"], dC[:, 0] * f[:, 0], rtol=1e-13)


# -- generated loops are committed source ---------------------------------------------------------
@pytest.mark.parametrize("path_source", sorted(loop_files().items()), ids=lambda p: p[0].name)
def test_generated_loop_is_up_to_date(path_source):
    path, source = path_source
    assert path.exists(), f"{path.name} is missing: run python -m derive.codegen.recurrence"
    assert path.read_text() == source, f"{path.name} differs: run python -m derive.codegen.recurrence"


def test_generated_loops_do_not_import_sympy():
    names = [p.stem for p in loop_files()]
    code = "import sys; " + "; ".join(f"import derive.numpy.{n}" for n in names) + "; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_generated_lstm_uses_matrix_products_not_element_loops():
    for name in ("lstm_step", "lstm_bptt_loop"):
        source = importlib.import_module(f"derive.numpy.{name}").__file__
        code = open(source).read()
        loops = [line.strip() for line in code.splitlines() if line.strip().startswith("for ")]
        assert loops in ([], ["for t in range(T):", "for t in reversed(range(T)):"]), loops


def _loop_bodies(source: str) -> list[str]:
    """The lines inside the ``for t`` loops of a generated function."""
    inside, lines = False, []
    for line in source.splitlines():
        if line.startswith("    for t in "):
            inside = True
        elif inside and not line.startswith("        "):
            inside = False
        elif inside:
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("name", ["rnn_bptt_loop", "lstm_bptt_loop"])
def test_a_loop_runs_only_the_recurrence_step_by_step(name):
    """The output layer, the loss and the weight gradients do not feed the next step: the loop
    computes them once after the steps, on the (N, T, ...) arrays (one matrix product over N·T
    rows), and keeps only the recurrence (the state forward, the handed-back gradient backward)
    in the loop."""
    source = open(importlib.import_module(f"derive.numpy.{name}").__file__).read()
    body = "\n".join(_loop_bodies(source))
    for work in ("logsumexp_softmax", "outer_total", "_k.outer(", "_k.dot("):
        assert work not in body, f"{name}: {work} runs step by step"
    assert "tanh_pair" in body and "matvec_t(" in body  # the recurrence itself stays in the loop
    assert "_k.outer_total(" in source  # after the loop, over the N·T rows


# -- figures ----------------------------------------------------------------------------------------
def test_gradient_flow_figures_are_written(tmp_path):
    from derive.plots.gradient_flow import depth_figure, first_weight_gradient, initial_state_gradients, time_figure

    for figure in (depth_figure, time_figure):
        path = figure(tmp_path)
        assert path.suffix == ".png" and path.stat().st_size > 10_000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first_weight_gradient(50, residual=False) < 1e-60 < 1e-6 < first_weight_gradient(50, residual=True)
    rnn, lstm = initial_state_gradients(40)
    assert rnn < 1e-6 < 1e-4 < lstm  # the additive cell path keeps the LSTM's gradient


# -- PyTorch's autograd (optional: pip install -e .[torch]) ----------------------------------------
def _torch_lstm_step(torch, x, h_prev, C_prev, W, b, W_y, target):
    z = torch.cat((h_prev, x), dim=-1)
    pre = {g: torch.einsum("nij,nj->ni", W[g], z) + b[g] for g in "fico"}
    f, i, o = torch.sigmoid(pre["f"]), torch.sigmoid(pre["i"]), torch.sigmoid(pre["o"])
    C_tilde = torch.tanh(pre["c"])
    C = f * C_prev + i * C_tilde
    h = o * torch.tanh(C)
    g = torch.einsum("nkj,nj->nk", W_y, h)
    loss = torch.nn.functional.cross_entropy(g, target, reduction="none")
    return loss, dict(f=f, i=i, C_tilde=C_tilde, o=o, C=C, h=h, g=g)


def _one_hot(y):
    """The generic sampler draws targets on the simplex; torch's cross-entropy here takes class indices."""
    return np.eye(y.shape[-1])[y.argmax(axis=-1)]


def _leaf(torch, array):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=True)


def test_lstm_step_agrees_with_torch_autograd():
    torch = pytest.importorskip("torch")
    rule = rules()["lstm_step"]
    n = 4
    inputs = random_inputs(rule, {H: 3, D: 2, K: 4}, batch=n, seed=11)
    inputs["y"] = _one_hot(inputs["y"])
    values = _numpy("lstm_step")(**inputs)
    t = {name: _leaf(torch, v) for name, v in inputs.items() if name != "y"}
    target = torch.tensor(inputs["y"].argmax(axis=-1))
    loss, inner = _torch_lstm_step(torch, t["x"], t["h_prev"], t["C_prev"], {g: t[f"W_{g}"] for g in "fico"},
                                   {g: t[f"b_{g}"] for g in "fico"}, t["W_y"], target)
    for v in inner.values():
        v.retain_grad()
    loss.sum().backward()
    np.testing.assert_allclose(values["L"], loss.detach().numpy(), rtol=1e-10, atol=1e-12)
    for name, v in inner.items():
        np.testing.assert_allclose(values[name], v.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(values[f"dL/d{name}"], v.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"dL/d{name} (stage: torch)")
    for name, v in t.items():
        np.testing.assert_allclose(values[f"dL/d{name}"], v.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"dL/d{name} (stage: torch)")


def _batch_sum(gradient, parameter):
    """A shared parameter's gradient comes summed already; a per-example one is summed here."""
    return gradient if gradient.shape == np.shape(parameter) else gradient.sum(axis=0)


def test_time_loops_agree_with_torch_autograd():
    torch = pytest.importorskip("torch")
    n, T = 3, 6
    rnn = _rnn_inputs(T, n=n)
    t = {k: _leaf(torch, v) for k, v in rnn.items() if k != "y"}
    h, loss = t["h_0"], 0
    for step in range(T):
        h = torch.tanh(h @ t["W"].T + t["x"][:, step] @ t["U"].T)
        target = torch.tensor(rnn["y"][:, step].argmax(-1))
        loss = loss + torch.nn.functional.cross_entropy(h @ t["V"].T, target, reduction="sum")
    loss.backward()
    out = _numpy("rnn_bptt_loop")(**rnn)
    for name in ("U", "W", "V"):  # weights shared by the batch: the gradient is the batch's sum
        np.testing.assert_allclose(_batch_sum(out[f"dL/d{name}"], rnn[name]), t[name].grad.numpy(),
                                   rtol=1e-10, atol=1e-12)
    for name in ("h_0", "x"):
        np.testing.assert_allclose(out[f"dL/d{name}"], t[name].grad.numpy(), rtol=1e-10, atol=1e-12)

    lstm = _lstm_inputs(T, n=n)
    t = {k: _leaf(torch, v) for k, v in lstm.items() if k != "y"}
    h, C, loss = t["h_0"], t["C_0"], 0
    for step in range(T):
        z = torch.cat((h, t["x"][:, step]), dim=-1)
        f, i, o = (torch.sigmoid(z @ t[f"W_{g}"].T + t[f"b_{g}"]) for g in "fio")
        C = f * C + i * torch.tanh(z @ t["W_c"].T + t["b_c"])
        h = o * torch.tanh(C)
        target = torch.tensor(lstm["y"][:, step].argmax(-1))
        loss = loss + torch.nn.functional.cross_entropy(h @ t["W_y"].T, target, reduction="sum")
    loss.backward()
    out = _numpy("lstm_bptt_loop")(**lstm)
    for name in ("W_f", "W_i", "W_c", "W_o", "W_y", "b_f", "b_i", "b_c", "b_o"):
        np.testing.assert_allclose(_batch_sum(out[f"dL/d{name}"], lstm[name]), t[name].grad.numpy(),
                                   rtol=1e-10, atol=1e-12)
    for name in ("h_0", "C_0", "x"):
        np.testing.assert_allclose(out[f"dL/d{name}"], t[name].grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("residual", [False, True])
def test_depth_loop_agrees_with_torch_autograd(residual):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    depth, n = 20, 4
    w, x, y = rng.normal(0, 1.0, (n, depth)), rng.normal(size=n), rng.normal(size=n)
    k = skip_pattern(depth, residual)
    tw, tx = _leaf(torch, w), _leaf(torch, x)
    a = tx
    for l in range(depth):
        a = k[l] * a + torch.sigmoid(tw[:, l] * a)
    ((a - torch.tensor(y)) ** 2).sum().backward()
    out = _numpy("deep_chain_loop")(w=w, x=x, k=np.tile(k, (n, 1)), y=y)
    np.testing.assert_allclose(out["dL/dw"], tw.grad.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(out["dL/dx"], tx.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_mlp_heads_agree_with_torch_autograd():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    losses = {
        "mlp_backprop": lambda s, y: F.cross_entropy(s, y.argmax(-1), reduction="sum"),
        "mlp_backprop_regression": lambda s, y: 0.5 * ((s - y) ** 2).sum(),
        "mlp_backprop_binary": lambda s, y: F.binary_cross_entropy_with_logits(s, y, reduction="sum"),
        "mlp_backprop_multilabel": lambda s, y: F.binary_cross_entropy_with_logits(s, y, reduction="sum"),
    }
    for name, loss_of in losses.items():
        rule = rules()[name]
        inputs = random_inputs(rule, rule.test_sizes, batch=3, seed=9)
        if name == "mlp_backprop":
            inputs["y"] = _one_hot(inputs["y"])
        out = _numpy(name)(**inputs)
        t = {k: _leaf(torch, v) for k, v in inputs.items() if k.startswith(("W_", "b_"))}
        z = torch.tensor(inputs["x"])
        for l in (1, 2):
            z = torch.sigmoid(torch.einsum("nij,nj->ni", t[f"W_{l}"], z) + t[f"b_{l}"])
        s3 = torch.einsum("nij,nj->ni", t["W_3"], z) + t["b_3"]
        loss_of(s3, torch.tensor(inputs["y"])).backward()
        for k, v in t.items():
            np.testing.assert_allclose(out[f"dL/d{k}"], v.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=f"{name}: {k}")
