"""Parameters shared by the batch in the generated NumPy (the contract's "NumPy entry points").

An input passed once, without the batch axis, is shared by every example: the gradients by it
(dA/dP, and the quantities a rule declares ``summed_with`` it) are then the sum over the batch of
the per-example values, with the input's own shape; its updates (W_new = W − η ∂L/∂W) are applied
once, from that sum; everything else stays per example. Compared here with the same input repeated
over the batch (``np.broadcast_to``), which gives per-example values.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings

import numpy as np
import pytest

import derive.numpy
from derive.check.worked import size_of
from derive.codegen.generate import module_source, summed_quantities
from derive.numpy import _kernels
from derive.registry import rules

SIZES = {"D": 3, "H": 2, "K": 4, "T": 3, "H_1": 4, "H_2": 3, "Z": 2, "N": 5, "M": 4, "S": 10, "E": 2, "U": 4, "n": 5,
         "V": 4, "F": 2, "C": 3}
#: The sizes of images and kernels (a 3×3 kernel on a 5×6 image; K above is a number of classes).
IMAGE_SIZES = {**SIZES, "C": 2, "F": 3, "H": 5, "W": 6, "K": 3}
BATCH = 6


def _size(text: str, sizes=SIZES) -> int:
    return size_of(text, sizes)


def _sample(rng, domain: str, shape) -> np.ndarray:
    if domain in ("positive", "nonzero"):
        return rng.uniform(0.2, 1.5, shape)
    if domain == "unit":
        return rng.uniform(0.1, 0.9, shape)
    if domain == "one_hot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    if domain == "simplex":
        p = rng.uniform(0.2, 1.0, shape)
        return p / p.sum(axis=-1, keepdims=True)
    return rng.normal(0.0, 0.8, shape)


def _module(name):
    return importlib.import_module(f"derive.numpy.{name}")


def _values(name: str, batch: int = BATCH, seed: int = 0) -> dict:
    module, rng = _module(name), np.random.default_rng(seed)
    sizes = IMAGE_SIZES if any(len(shape) > 2 for shape in module.INPUTS.values()) else SIZES
    return {n: _sample(rng, module.DOMAINS[n], (batch,) + tuple(_size(d, sizes) for d in shape))
            for n, shape in module.INPUTS.items()}


def _call(name: str, values: dict) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return getattr(_module(name), name)(**{n.replace("/", "_"): v for n, v in values.items()})


def _close(a, b, what, rtol=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, expected {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=what)


CASES = [pytest.param(name, input_name, id=f"{name}-{input_name}")
         for name in sorted(derive.numpy.__all__) for input_name in _module(name).INPUTS]


@pytest.mark.parametrize("name, input_name", CASES)
def test_a_shared_input_sums_its_gradients_over_the_batch(name, input_name):
    """P shared: dA/dP (and what is summed with P) is Σ_n of the values with P repeated over the
    batch, of P's own shape; its updates come from that sum; the rest is unchanged, per example."""
    rule = rules()[name]
    summed, updates = summed_quantities(rule)
    values = _values(name)
    shared_value = values[input_name][0]
    shared = _call(name, dict(values, **{input_name: shared_value}))
    repeated = _call(name, dict(values, **{input_name: np.broadcast_to(shared_value, values[input_name].shape)}))
    if len(values) == 1:  # nothing else has the batch axis: one example, nothing summed
        for quantity, value in shared.items():
            _close(value, repeated[quantity][0], f"{name}: {quantity} of one example")
        return
    mine = {q for q, with_ in summed.items() if with_ == input_name}
    mine_updates = {q for q, with_ in updates.items() if with_ == input_name}
    from_deps = _module(name).FROM_DEPENDENCIES
    for quantity, value in shared.items():
        where = f"{name} with {input_name} shared: {quantity}"
        if quantity in mine:
            _close(value, repeated[quantity].sum(axis=0), where)
        elif quantity in mine_updates:
            function, arguments = from_deps[quantity]
            own = {**{n: v for n, v in dict(values, **{input_name: shared_value}).items()}, **shared}
            _close(value, function(**{a.replace("/", "_"): own[a] for a in arguments}), where)
        else:
            expected = repeated[quantity]
            if np.ndim(value) == expected.ndim - 1:  # depends on the shared input alone
                value = np.broadcast_to(value, expected.shape)
            _close(value, expected, where)


def test_every_rule_with_an_input_gradient_sums_it():
    """The gradients by inputs are found: every rule's dA/dP is summed with P; the modules say so
    in their tables ``SUMMED`` and ``UPDATES`` (for callers without SymPy)."""
    for name in derive.numpy.__all__:
        rule = rules()[name]
        summed, updates = summed_quantities(rule)
        for q, _, wrt in rule.gradient_quantities():
            if wrt in rule.inputs:
                assert summed[q.name] == wrt, (name, q.name)
        module = _module(name)
        assert getattr(module, "SUMMED", {}) == summed and getattr(module, "UPDATES", {}) == updates, name


# -- a network trained as every framework does: weights and biases shared, one learning rate ------
def _network(name: str, batch: int = BATCH, seed: int = 1):
    """Batched x and y, shared W_l and b_l, one scalar lr."""
    values = _values(name, batch, seed)
    shared = dict(values, **{n: values[n][0] for n in values if n.startswith(("W_", "b_"))}, lr=np.float64(0.3))
    repeated = dict(shared, **{n: np.broadcast_to(shared[n], values[n].shape) for n in values
                               if n.startswith(("W_", "b_"))})
    return shared, _call(name, shared), _call(name, repeated)


@pytest.mark.parametrize("name", ["mlp_backprop", "mlp_backprop_regression", "mlp_backprop_binary",
                                  "mlp_backprop_multilabel"])
def test_mlp_with_shared_weights_sums_gradients_and_updates_once(name):
    shared, out, per_example = _network(name)
    lr = shared["lr"]
    for l in (1, 2, 3):
        W, b = shared[f"W_{l}"], shared[f"b_{l}"]
        for gradient, parameter in ((f"dL/dW_{l}", W), (f"dL/db_{l}", b)):
            assert out[gradient].shape == parameter.shape, (gradient, out[gradient].shape)
            _close(out[gradient], per_example[gradient].sum(axis=0), gradient)
        _close(out[f"W_{l}_new"], W - lr * per_example[f"dL/dW_{l}"].sum(axis=0), f"W_{l}_new")
        # the notes' ΔW = η δ zᵀ, summed with W_l (declared summed_with in the rule)
        _close(out[f"dW_{l}"], -lr * per_example[f"dL/dW_{l}"].sum(axis=0), f"dW_{l}")
        _close(out[f"db_{l}"], -lr * per_example[f"dL/db_{l}"].sum(axis=0), f"db_{l}")
    for quantity in ("s_1", "z_1", "s_3", "y_hat", "L", "dL/ds_1", "delta_2"):
        assert out[quantity].shape[0] == BATCH
        _close(out[quantity], per_example[quantity], quantity)


def test_a_sum_not_a_mean():
    """Σ over the batch, as every framework does with a summed loss: N times the mean."""
    _, out, per_example = _network("mlp_backprop", batch=8)
    total, mean = per_example["dL/dW_1"].sum(axis=0), per_example["dL/dW_1"].mean(axis=0)
    _close(out["dL/dW_1"], total, "dL/dW_1")
    assert not np.allclose(out["dL/dW_1"], mean, rtol=1e-3)
    _close(out["dL/db_2"] / 8, per_example["dL/db_2"].mean(axis=0), "dL/db_2 / N")


def test_a_shared_penalty_counts_once_per_example():
    """dL/dw = Σ_n dE_n/dw + N·2λw: each example's loss carries the penalty of the shared w."""
    values = _values("l2_linreg", batch=5, seed=3)
    w, lam, lr = np.float64(0.7), np.float64(0.2), np.float64(0.1)
    out = _call("l2_linreg", dict(values, w=w, lam=lam, lr=lr))
    per_example = _call("l2_linreg", dict(values, w=np.full(5, w), lam=np.full(5, lam), lr=np.full(5, lr)))
    assert out["dL/dw"].shape == ()
    _close(out["dE/dw"], per_example["dE/dw"].sum(), "dE/dw")
    _close(out["dL/dw"], per_example["dE/dw"].sum() + 5 * 2 * lam * w, "dL/dw")
    _close(out["w_new"], w - lr * out["dL/dw"], "w_new")
    _close(out["L"], per_example["L"], "L")  # the loss stays per example


@pytest.mark.parametrize("name", ["lstm_step", "attention", "softmax_ce", "rnn_bptt", "vae_loss"])
def test_every_matrix_and_vector_input_shared_at_once(name):
    """Every input but the first shared: each gradient by a shared input is Σ_n, of its shape."""
    rule, values = rules()[name], _values(name)
    first = next(iter(values))
    shared = dict(values, **{n: v[0] for n, v in values.items() if n != first})
    repeated = {n: np.broadcast_to(v, values[n].shape) for n, v in shared.items()}
    out, per_example = _call(name, shared), _call(name, repeated)
    summed, _ = summed_quantities(rule)
    for quantity, with_ in summed.items():
        if quantity in out and with_ != first:
            assert out[quantity].shape == shared[with_].shape, quantity
            _close(out[quantity], per_example[quantity].sum(axis=0), f"{name}: {quantity}")
        elif quantity in out:
            _close(out[quantity], per_example[quantity], f"{name}: {quantity}")


def test_nothing_batched_changes_nothing():
    """One example, no batch axis anywhere: the gradients are that example's."""
    values = _values("mlp_backprop", batch=1)
    alone = _call("mlp_backprop", {n: v[0] for n, v in values.items()})
    batched = _call("mlp_backprop", values)
    for quantity, value in alone.items():
        _close(value, batched[quantity][0], quantity, rtol=1e-13)


def test_a_default_bias_is_shared():
    """A bias left to its default (one number for every example) is shared: its gradient is summed."""
    values = _values("mlp_backprop")
    values = {n: v for n, v in values.items() if not n.startswith("b_")}
    out = _call("mlp_backprop", values)
    assert out["dL/db_1"].shape == (SIZES["H_1"],)
    _close(out["dL/db_1"], out["dL/ds_1"].sum(axis=0), "dL/db_1")
    assert out["dL/dW_1"].shape == (BATCH, SIZES["H_1"], SIZES["D"])  # W_1 batched: per example


def test_an_empty_batch_gives_zero_sums_of_the_parameters_shape():
    values = _values("lstm_step", batch=0)
    one = _values("lstm_step", batch=1)
    out = _call("lstm_step", dict(values, W_f=one["W_f"][0], b_f=one["b_f"][0]))
    assert out["dL/dW_f"].shape == one["W_f"].shape[1:] and not out["dL/dW_f"].any()
    assert out["dL/db_f"].shape == one["b_f"].shape[1:] and not out["dL/db_f"].any()
    assert out["dL/dW_o"].shape == (0,) + one["W_o"].shape[1:]


# -- the kernels ------------------------------------------------------------------------------------
@pytest.mark.parametrize("a_batched, b_batched", [(True, True), (True, False), (False, True), (False, False)])
def test_outer_total_is_the_sum_of_the_outer_products(a_batched, b_batched):
    rng = np.random.default_rng(5)
    n = 7
    a = rng.normal(size=(n, 3) if a_batched else (3,))
    b = rng.normal(size=(n, 4) if b_batched else (4,))
    expected = np.broadcast_to(_kernels.outer(a, b), (n, 3, 4)).sum(axis=0)
    _close(_kernels.outer_total(a, b, n), expected, "outer_total")


def test_total_sums_a_batch_axis_or_counts_a_shared_value():
    v = np.arange(6.0).reshape(3, 2)
    _close(_kernels.total(v, 1, 3), v.sum(axis=0), "batched")
    _close(_kernels.total(v[0], 1, 3), 3 * v[0], "shared")
    _close(_kernels.total(np.float64(2.0), 0, 4), 8.0, "a number")


def test_check_shapes_returns_the_batch_size():
    module = _module("softmax_ce")
    o, y = np.zeros((5, 3)), np.eye(3)[[0, 1, 2, 0, 1]]
    assert _kernels.check_shapes("softmax_ce", module.INPUTS, {"o": (o, (3,)), "y": (y, (3,))}, 1) == 5
    assert _kernels.check_shapes("softmax_ce", module.INPUTS, {"o": (o[0], (3,)), "y": (y[0], (3,))}, 1) == 1
    assert _kernels.check_shapes("softmax_ce", module.INPUTS, {"o": (o[:0], (3,)), "y": (y[0], (3,))}, 1) == 0


def test_shared_weights_are_counted_once_by_the_memory_guard(monkeypatch):
    """A batch whose per-example weight gradients would not fit runs when the weights are shared."""
    shared, _, _ = _network("mlp_backprop", batch=200)
    batched = dict(shared, **{n: np.broadcast_to(shared[n], (200,) + shared[n].shape) for n in shared
                              if n.startswith("W_")})
    monkeypatch.setattr(_kernels, "MAX_RESULT_BYTES", 200 * 8 * 50 + 8 * 200)
    _call("mlp_backprop", shared)
    with pytest.raises(MemoryError, match="mlp_backprop: the results would take"):
        _call("mlp_backprop", batched)


# -- the generated code ------------------------------------------------------------------------------
def test_the_generated_sum_of_an_outer_product_is_one_matrix_product():
    source = module_source(rules()["mlp_backprop"])
    assert ("    dL_dW_1 = _k.outer(dL_ds_1, x) if W_1.ndim == 3 else _k.outer_total(dL_ds_1, x, _n)\n"
            in source)
    assert "    # dL/dW_1 = dL/ds_1 x^T  (summed over the batch when W_1 is shared)\n" in source
    assert "_k.outer_total(delta_1*(lr)[..., None], x, _n)" in source  # η folded into δ, not η δ xᵀ summed


def test_outer_total_never_forms_the_per_example_products(monkeypatch):
    """The shared-weight path of a large layer does not call the per-example outer product."""
    def refuse(a, b):
        if np.ndim(a) == 2 and np.ndim(b) == 2:
            raise AssertionError("formed (N, m, n) outer products")
        return a[..., :, None] * b[..., None, :]
    shared, _, _ = _network("mlp_backprop", batch=64)
    monkeypatch.setattr(_kernels, "outer", refuse)
    out = _call("mlp_backprop", shared)
    assert out["dL/dW_1"].shape == shared["W_1"].shape


def _toy_layer():
    """s = W x with a gradient dL/dW = s xᵀ (as if L = ½‖s‖²), a shared-able W and a scalar λ."""
    from derive.engine.rule import Rule
    from derive.symbolic.arrays import MatVec, Outer, Total, dim

    H, D = dim("H"), dim("D")
    rule = Rule("toy_shared", "a toy layer")
    x, W, lam = rule.input("x", (D,)), rule.input("W", (H, D)), rule.input("lam", ())
    s = rule.quantity("s", MatVec(W, x))
    rule.quantity("L", Total(s ** 2) / 2)
    return rule, x, W, lam, rule.quantity("dL/dW", Outer(s, x))


def _load(rule, folder):
    """The generated function of ``rule``, imported from a module written in ``folder``."""
    path = folder / f"{rule.name}.py"
    path.write_text(module_source(rule))
    spec = importlib.util.spec_from_file_location(rule.name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, rule.name)


def test_sums_and_updates_of_a_toy_rule(tmp_path):
    """A term shared by the batch counts n times; a sum used again is used as it is; an update reads the sum."""
    rule, _, W, lam, dL_dW = _toy_layer()
    rule.quantity("g", dL_dW + 2 * lam * W, summed_with="W")
    rule.quantity("W_new", W - lam * rule.symbol("g"))
    function = _load(rule, tmp_path)
    rng = np.random.default_rng(0)
    xs, w, lam_value = rng.normal(size=(5, 3)), rng.normal(size=(2, 3)), np.float64(0.1)
    out = function(x=xs, W=w, lam=lam_value)
    outer = np.einsum("nh,nd->hd", xs @ w.T, xs)
    _close(out["dL/dW"], outer, "dL/dW")
    _close(out["g"], outer + 5 * 2 * lam_value * w, "g")
    _close(out["W_new"], w - lam_value * out["g"], "W_new")
    per_example = function(x=xs, W=np.broadcast_to(w, (5, 2, 3)), lam=lam_value)
    assert per_example["g"].shape == (5, 2, 3)


def test_the_generator_refuses_a_sum_that_meets_per_example_values():
    from derive.symbolic.arrays import MatVec, Total, Transpose

    rule, *_, dL_dW = _toy_layer()
    rule.quantity("norm", Total(Total(dL_dW ** 2)))  # of the sum, or of each example's gradient?
    with pytest.raises(ValueError, match="norm reads dL/dW.*shape of W"):
        module_source(rule)

    rule, _, _, lam, dL_dW = _toy_layer()
    rule.quantity("g", lam * dL_dW, summed_with="W")  # Σ_n λ_n (Σ_m s_m x_mᵀ) is not Σ_n of anything
    with pytest.raises(ValueError, match="toy_shared: g: .*may only be added"):
        module_source(rule)

    rule, x, _, lam, dL_dW = _toy_layer()
    rule.quantity("v", x + MatVec(Transpose(dL_dW), rule.symbol("s")), summed_with="x")
    with pytest.raises(ValueError, match="v is summed over the batch when x is shared, but reads dL/dW"):
        module_source(rule)


def test_rule_quantity_summed_with_must_name_an_input():
    from derive.engine.rule import Rule

    rule = Rule("toy", "toy")
    with pytest.raises(ValueError, match="not an input"):
        rule.quantity("q", 1, summed_with="W")
