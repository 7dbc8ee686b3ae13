"""The hand-written kernels of derive/numpy/_kernels.py: their numbers against mpmath (to a few ulps
over the whole range where the result is a normal float64), the evaluation of an element-wise rule
in blocks on several threads (the same numbers as one call, ``numpy.errstate`` obeyed in every
thread), and the cost of ``import derive.numpy``."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import gradcheck
import mpmath
import numpy as np
import pytest

from derive.numpy import _kernels as _k
from derive.registry import get_rule

mpmath.mp.dps = 40
ULP = 2.0 ** -52  # the spacing of float64 numbers at 1: a relative error of one ulp is at most this


def _points(low: float, high: float, count: int = 400) -> np.ndarray:
    """Both signs of numbers spread evenly in magnitude from ``low`` to ``high``, and 0."""
    magnitudes = np.geomspace(low, high, count)
    return np.concatenate([-magnitudes[::-1], [0.0], magnitudes])


def _max_ulps(got: np.ndarray, exact) -> float:
    """The largest error of ``got`` relative to ``exact`` (mpmath numbers), in ulps."""
    worst = 0.0
    for value, true in zip(got.ravel(), exact):
        true = mpmath.mpf(true)
        if true == 0:
            assert value == 0
            continue
        worst = max(worst, float(abs((mpmath.mpf(float(value)) - true) / true)) / ULP)
    return worst


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-mpmath.mpf(float(x))))


# -- the kernels against mpmath ----------------------------------------------------------------------------

def test_sigmoid_pair_to_a_few_ulps():
    x = _points(1e-300, 700.0)
    up, down = _k.sigmoid_pair(x)
    assert _max_ulps(up, [_sigmoid(v) for v in x]) <= 4
    assert _max_ulps(down, [_sigmoid(-v) for v in x]) <= 4
    column = x.reshape(-1, 3)[:, 0].copy()  # a batch of vectors, and a number
    up_1, down_1 = _k.sigmoid_pair(column)
    assert _max_ulps(up_1, [_sigmoid(v) for v in column]) <= 4
    assert _max_ulps(down_1, [_sigmoid(-v) for v in column]) <= 4
    assert _k.sigmoid_pair(float(x[5]))[0] == pytest.approx(float(_sigmoid(x[5])), rel=4 * ULP)


def test_sigmoid_kernel_to_a_few_ulps():
    x = _points(1e-300, 700.0)
    assert _max_ulps(_k.sigmoid(x), [_sigmoid(v) for v in x]) <= 4


def test_tanh_pair_to_a_few_ulps():
    x = _points(1e-300, 300.0)  # 1 − tanh² is a normal float64 up to |x| of about 354
    t, complement = _k.tanh_pair(x)
    assert _max_ulps(t, [mpmath.tanh(mpmath.mpf(float(v))) for v in x]) <= 4
    assert _max_ulps(complement, [mpmath.sech(mpmath.mpf(float(v))) ** 2 for v in x]) <= 4
    far = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(all="raise", under="ignore"):
        t, complement = _k.tanh_pair(far)
    assert list(t) == [-1.0, -1.0, 1.0, 1.0] and np.all(complement == 0.0)


def test_tanh_pair_gives_a_number_the_same_bits_in_any_array():
    """The checker stacks many files into one call and a batch's last block may be short: a
    number's tanh and 1 − tanh² must not depend on the size of the array it comes in."""
    x = np.random.default_rng(3).normal(0.0, 2.0, 5000)
    t, complement = _k.tanh_pair(x)
    for i in (0, 1, 4999):
        alone, alone_complement = _k.tanh_pair(x[i])
        row, row_complement = _k.tanh_pair(x[i: i + 3])
        assert alone == t[i] and alone_complement == complement[i]
        assert row[0] == t[i] and row_complement[0] == complement[i]


def test_tanh_pair_on_both_sides_of_its_branches():
    """tanh_pair's Padé approximant (below _TANH_SMALL) and 2/(1 + e) − 1 (above): dense points around
    the switch and over the range where each form could lose digits, the thread's kept arrays made
    again for another shape, and the approximant's P/Q is Lambert's continued fraction of tanh."""
    import sympy as sp

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-2.0, 2.0, 3000), _k._TANH_SMALL + np.linspace(-1e-3, 1e-3, 201),
                        np.geomspace(1e-12, 0.6, 300)])
    for shape in ((x.size,), (3, x.size // 3)):  # the second call needs kept arrays of another shape
        values = x[: int(np.prod(shape))].reshape(shape)
        t, complement = _k.tanh_pair(values)
        flat = values.ravel()
        assert _max_ulps(t, [mpmath.tanh(mpmath.mpf(float(v))) for v in flat]) <= 4
        assert _max_ulps(complement, [mpmath.sech(mpmath.mpf(float(v))) ** 2 for v in flat]) <= 4
    wide = np.resize(_points(1e-300, 300.0), 4097)  # far out too
    t, complement = _k.tanh_pair(wide)
    assert _max_ulps(t, [mpmath.tanh(mpmath.mpf(float(v))) for v in wide]) <= 4
    assert _max_ulps(complement, [mpmath.sech(mpmath.mpf(float(v))) ** 2 for v in wide]) <= 4
    far = np.resize([-np.inf, -1e300, -800.0, 800.0, 1e300, np.inf], 4096)
    with np.errstate(all="raise", under="ignore"):
        t, complement = _k.tanh_pair(far)
    assert np.array_equal(t, np.sign(far)) and np.all(complement == 0.0)
    assert np.isnan(_k.tanh_pair(np.full(4096, np.nan))[0]).all()
    y = sp.Symbol("y")
    fraction = sp.Integer(15)
    for k in range(6, -1, -1):  # tanh x / x = 1/(1 + y/(3 + y/(5 + ... y/15))), y = x²
        fraction = (2 * k + 1) + y / fraction
    p, q = (sp.Poly(c, y) for c in (sum(c * y ** i for i, c in enumerate(reversed(_k._TANH_P))),
                                    sum(c * y ** i for i, c in enumerate(reversed(_k._TANH_Q)))))
    assert sp.simplify(p.as_expr() / q.as_expr() - 1 / fraction) == 0


@pytest.mark.parametrize("given", [False, True], ids=["alone", "with 1 + u"])
def test_log1p_unit_to_a_few_ulps(given):
    u = np.concatenate([[0.0], np.geomspace(1e-300, 1.0, 800), np.linspace(0.01, 1.0, 200)])
    exact = [mpmath.log1p(mpmath.mpf(float(v))) for v in u]
    d = u + 1.0
    got = _k.log1p_unit(u, d) if given else _k.log1p_unit(u)
    assert _max_ulps(got, exact) <= 4
    assert np.array_equal(d, u + 1.0)  # the given 1 + u is not written to
    assert _k.log1p_unit(float(u[100])) == pytest.approx(float(exact[100]), rel=4 * ULP)


def test_softplus_to_a_few_ulps():
    x = _points(1e-300, 700.0)
    exact = [mpmath.log1p(mpmath.exp(mpmath.mpf(float(v)))) for v in x]
    assert _max_ulps(_k.softplus(x), exact) <= 4


@pytest.mark.parametrize("n", [2, 3, 4])
def test_power_is_the_product(n):
    x = _points(1e-60, 1e60, 100)
    exact = [mpmath.mpf(float(v)) ** n for v in x]
    assert _max_ulps(_k.power(x, n), exact) <= 3
    assert _k.power(1.5, n) == pytest.approx(1.5 ** n, rel=ULP)


def test_logsumexp_softmax_against_mpmath():
    rng = np.random.default_rng(3)
    o = rng.normal(0, 30, (20, 7))
    lse, y = _k.logsumexp_softmax(o)
    for row, value, probabilities in zip(o, lse, y):
        exps = [mpmath.exp(mpmath.mpf(float(v))) for v in row]
        total = mpmath.fsum(exps)
        assert _max_ulps(np.array([value]), [mpmath.log(total)]) <= 4
        for value_k, e, shift in zip(probabilities, exps, row - row.max()):
            # e^{o_k − max}: o_k − max is rounded to half an ulp of itself, which e^{...} turns into a
            # relative error of |o_k − max| 2^-53: a few ulps more for each unit of |o_k − max|
            assert _max_ulps(np.array([value_k]), [e / total]) <= 4 + abs(shift)


# -- by_blocks: blocks on threads -----------------------------------------------------------------------------

#: Element-wise rules and sizes: the batch is cut in many blocks when BLOCK_NUMBERS is 7.
BLOCKED = {"softmax_ce": {"K": 5}, "sigmoid_bce": {}, "vae_kl": {"Z": 3}, "gaussian_kl": {},
           "cross_entropy_kl": {"K": 4}, "linear_mse": {"D": 3}, "perceptron": {"D": 3}, "bernoulli_entropy": {},
           "ce_vs_mse": {}, "jsd": {"K": 4}, "elbo": {"K": 4}, "vae_reparam": {"Z": 3}, "deep_chain": {},
           "residual_chain": {}}


def _inputs(rule: str, sizes: dict, batch: int = 53) -> dict:
    sys.path.insert(0, "benchmarks")
    try:
        import run as bench
    finally:
        sys.path.remove("benchmarks")
    return bench.make_inputs(rule, batch, sizes, seed=11)


@pytest.mark.parametrize("rule", sorted(BLOCKED))
def test_blocks_give_the_numbers_of_one_call(rule, monkeypatch):
    module = importlib.import_module(f"derive.numpy.{rule}")
    function = getattr(module, rule)
    inputs = _inputs(rule, BLOCKED[rule])
    monkeypatch.setattr(_k, "MIN_NUMBERS", 10 ** 18)  # one call
    whole = function(**inputs)
    monkeypatch.setattr(_k, "MIN_NUMBERS", 0)
    monkeypatch.setattr(_k, "BLOCK_NUMBERS", 7)
    calls = []
    block = getattr(module, f"_{rule}_block")
    monkeypatch.setattr(module, f"_{rule}_block", lambda **kw: calls.append(kw["_n"]) or block(**kw))
    for threads in (1, 3):
        calls.clear()
        monkeypatch.setattr(_k, "THREADS", threads)
        blocked = function(**inputs)
        assert len(calls) > 5 and sum(calls) == 53, calls  # in blocks, each example once
        assert set(blocked) == set(whole)
        for name, value in whole.items():
            assert np.shape(blocked[name]) == np.shape(value), name
            np.testing.assert_array_equal(blocked[name], value, err_msg=f"{rule}: {name}")


@pytest.mark.parametrize("rule", sorted(BLOCKED))
@pytest.mark.parametrize("in_blocks", [False, True], ids=["one call", "blocks"])
def test_results_written_into_the_arrays_given(rule, in_blocks, monkeypatch):
    """``out=``: the results named go into the arrays given (the same numbers as new arrays,
    returned as those arrays), in one call and through the blocks; the others are new."""
    function = getattr(importlib.import_module(f"derive.numpy.{rule}"), rule)
    inputs = _inputs(rule, BLOCKED[rule])
    expected = function(**inputs)
    if in_blocks:
        monkeypatch.setattr(_k, "MIN_NUMBERS", 0)
        monkeypatch.setattr(_k, "BLOCK_NUMBERS", 7)
        monkeypatch.setattr(_k, "THREADS", 2)
    names = list(expected)[::2]
    given = {name: np.full(np.shape(expected[name]), np.nan) for name in names}
    got = function(**inputs, out=given)
    assert set(got) == set(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(got[name], value, err_msg=name)
        assert (got[name] is given.get(name)) == (name in given), name


@pytest.mark.parametrize("out, message", [
    ({"L": np.empty(3)}, "out['L'] has shape (3,), expected (53,)"),
    ({"loss": np.empty(53)}, "out['loss']: sigmoid_bce has no result 'loss' (its results: y_hat, L, dL/ds)"),
    ({"L": np.empty(53, np.float32)}, "out['L'] must be a writable float64 NumPy array, got ndarray of float32"),
    ({"L": [0.0] * 53}, "out['L'] must be a writable float64 NumPy array, got list"),
    ([np.empty(53)], "out must be a dict of arrays by result name, got list"),
    ("same as s", "out['L'] shares memory with the input s"),
])
@pytest.mark.parametrize("in_blocks", [False, True], ids=["one call", "blocks"])
def test_arrays_given_for_results_are_checked(out, message, in_blocks, monkeypatch):
    from derive.numpy.sigmoid_bce import sigmoid_bce

    inputs = _inputs("sigmoid_bce", {})
    if in_blocks:
        monkeypatch.setattr(_k, "MIN_NUMBERS", 0)
        monkeypatch.setattr(_k, "BLOCK_NUMBERS", 7)
    if out == "same as s":
        out = {"L": inputs["s"]}
    with pytest.raises((TypeError, ValueError)) as raised:
        sigmoid_bce(**inputs, out=out)
    assert str(raised.value) == f"sigmoid_bce: {message}"


def test_blocks_run_on_worker_threads_under_the_callers_errstate(monkeypatch):
    """Each block runs in a copy of the caller's context: numpy.errstate (a context variable) holds
    in the worker threads too, and an error raised in one of them reaches the caller."""
    monkeypatch.setattr(_k, "THREADS", 3)
    monkeypatch.setattr(_k, "MIN_NUMBERS", 0)
    monkeypatch.setattr(_k, "BLOCK_NUMBERS", 100)
    seen = []
    lock = threading.Lock()

    def body(*, a, _n, _out):
        time.sleep(0.002)  # each thread gets blocks
        with lock:
            seen.append((threading.current_thread() is threading.main_thread(), np.geterr()["divide"]))
        return {"r": np.divide(1.0, a, out=_out.get("r"))}

    a = np.ones(4000)
    with np.errstate(divide="raise"):
        result = _k.by_blocks(body, 4000, {"a": a})
    assert np.array_equal(result["r"], np.ones(4000))
    assert any(not main for main, _ in seen) and any(main for main, _ in seen), seen
    assert {divide for _, divide in seen} == {"raise"}

    seen.clear()
    a[-1] = 0.0  # in the last block, which a worker thread computes unless the caller gets there first
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        _k.by_blocks(body, 4000, {"a": a})
    seen.clear()
    with np.errstate(divide="ignore"):
        result = _k.by_blocks(body, 4000, {"a": a})
    assert result["r"][-1] == np.inf and {divide for _, divide in seen} == {"ignore"}


# -- loops over time in parts of the batch ----------------------------------------------------------------------

def _loop_inputs(rule, n, sizes, shared, seed=0):
    module = importlib.import_module(f"derive.numpy.{rule}")
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, shape in module.INPUTS.items():
        dims = tuple(int(eval(str(d), {}, dict(sizes))) for d in shape)
        full = dims if name in shared else (n,) + dims
        inputs[name] = rng.normal(0.0, 0.3, full)
    return module, inputs


@pytest.mark.parametrize("rule, sizes, shared", [
    ("rnn_bptt_loop", {"T": 5, "D": 40, "H": 30, "K": 8}, {"U", "W", "V"}),
    ("rnn_bptt_loop", {"T": 5, "D": 40, "H": 30, "K": 8}, {"W"}),
    ("lstm_bptt_loop", {"T": 4, "D": 50, "H": 20, "K": 6}, {"W_f", "W_i", "W_c", "W_o", "b_f", "b_i", "b_c", "b_o", "W_y"}),
    ("lstm_bptt_loop", {"T": 4, "D": 50, "H": 20, "K": 6}, {"W_f", "W_c", "b_i", "W_y"}),
    ("deep_chain_loop", {"T": 6}, set()),
], ids=["rnn shared", "rnn per example", "lstm shared", "lstm mixed", "deep chain"])
def test_a_loop_in_parts_of_the_batch_gives_the_results_of_one_piece(rule, sizes, shared, monkeypatch):
    """by_parts: the parts' gradients by a shared weight summed, the rest concatenated; the same
    numbers (up to the order of the sums) and shapes as one call over the whole batch."""
    module, inputs = _loop_inputs(rule, 4000, sizes, shared)
    monkeypatch.setattr(_k, "MIN_PART_NUMBERS", 1000)
    function = getattr(module, rule)
    monkeypatch.setattr(_k, "THREADS", 3)
    calls = []
    by_parts = _k.by_parts
    monkeypatch.setattr(_k, "by_parts", lambda *a, **k: calls.append(1) or by_parts(*a, **k))
    parts = function(**inputs)
    assert calls, "a batch of 4000 runs in parts"
    monkeypatch.setattr(_k, "THREADS", 1)
    whole = function(**inputs)
    assert len(calls) == 1 and set(parts) == set(whole)
    for name in whole:
        assert np.shape(parts[name]) == np.shape(whole[name]), name
        np.testing.assert_allclose(parts[name], whole[name], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("rule, sizes, shared, n", [
    ("rnn_bptt_loop", {"T": 5, "D": 4, "H": 3, "K": 2}, {"U", "W", "V", "h_0"}, 7),
    ("lstm_bptt_loop", {"T": 4, "D": 3, "H": 2, "K": 2}, {"W_f", "W_i", "W_c", "W_o", "W_y", "h_0", "C_0"}, 7),
    ("lstm_bptt_loop", {"T": 1, "D": 3, "H": 2, "K": 2}, {"W_f", "W_i", "W_c", "W_o", "W_y"}, 1),
    ("rnn_bptt_loop", {"T": 1, "D": 4, "H": 3, "K": 2}, set(), 1),
    ("deep_chain_loop", {"T": 6}, set(), 7),
], ids=["rnn", "lstm", "lstm one example one step", "rnn one example one step", "deep chain"])
def test_a_loops_results_are_its_own_after_later_calls(rule, sizes, shared, n):
    """The forward pass keeps its steps in arrays the thread reuses from call to call
    (KeptSteps): no result may share memory with them, and a call with other inputs (other sizes
    too) leaves the first call's results as they were. Initial states shared by the batch make
    the first step's state a different shape from the later ones'."""
    module, inputs = _loop_inputs(rule, n, sizes, shared)
    function = getattr(module, rule)
    first = function(**inputs)
    kept = {name: np.array(value, copy=True) for name, value in first.items()}
    _, other = _loop_inputs(rule, 9, sizes, shared, seed=1)
    function(**other)
    _, again = _loop_inputs(rule, n, sizes, shared, seed=2)
    second = function(**again)
    for name, value in first.items():
        np.testing.assert_array_equal(value, kept[name], err_msg=name)
        assert not any(np.shares_memory(value, v) for v in second.values() if isinstance(v, np.ndarray)), name
    np.testing.assert_array_equal(function(**inputs)["L"], kept["L"])


def _kept_rules() -> list:
    return sorted(p.stem for p in Path(_k.__file__).parent.glob("[a-z]*.py")
                  if "keep=" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("rule", _kept_rules())
def test_a_rules_results_are_its_own_after_later_calls(rule):
    """A hidden complement (1 − σ) goes into an array the thread keeps from call to call
    (``keep=``): no result may be that array, and a later call leaves the results as they were."""
    registry_rule = get_rule(rule)
    sizes = registry_rule.test_sizes
    function = getattr(importlib.import_module(f"derive.numpy.{rule}"), rule)
    first = function(**gradcheck.random_inputs(registry_rule, sizes, 5, seed=1))
    copies = {name: np.array(value, copy=True) for name, value in first.items()}
    kept = [array for key, array in getattr(_k._kept, "arrays", {}).items() if key.startswith(rule + ".")]
    assert kept, "the complements went into kept arrays"
    function(**gradcheck.random_inputs(registry_rule, sizes, 5, seed=2))
    for name, value in first.items():
        assert not any(np.shares_memory(value, array) for array in kept), name
        np.testing.assert_array_equal(value, copies[name], err_msg=name)


def test_kept_and_stacked_steps_hold_what_they_are_given():
    kept = _k.KeptSteps("test.kept", 3)
    shared, batched = np.ones(2), np.arange(6.0).reshape(3, 2)
    for value in (shared, batched, batched + 1):  # a state shared by the batch at the first step
        kept.append(value)
    assert kept[0].shape == (2,) and np.array_equal(kept[2], batched + 1)
    stacked = _k.StackedSteps(3)
    for t in reversed(range(3)):
        stacked[t] = batched * t
    whole = stacked.stacked()
    assert whole.shape == (3, 3, 2) and np.array_equal(whole[:, 2], batched * 2)
    listed = _k.StackedSteps(2)
    listed.append([[1.0], [2.0]])  # not a NumPy array (Dask's, in the real case): stacked at the end
    listed.append([[3.0], [4.0]])
    assert np.array_equal(listed.stacked(), [[[1.0], [3.0]], [[2.0], [4.0]]])


def test_steps_stack_a_shared_first_state_with_the_batched_ones():
    """A loop's first state may be shared by the batch (H,), the later ones (N, H): the work after
    the loop reads all of them as one (N, T, H) array, the shared one broadcast."""
    kept = _k.KeptSteps("test.shared_first", 3)
    shared, batched = np.array([1.0, 2.0]), np.arange(6.0).reshape(3, 2)
    for value in (shared, batched, batched + 1):
        kept.append(value)
    whole = kept.stacked()
    assert whole.shape == (3, 3, 2)
    np.testing.assert_array_equal(whole[:, 0], np.broadcast_to(shared, (3, 2)))
    np.testing.assert_array_equal(whole[:, 2], batched + 1)
    written = _k.KeptSteps("test.written", 2)
    written.append(batched)
    written.append(batched * 2)
    assert written.stacked().shape == (3, 2, 2) and np.array_equal(written.stacked()[:, 1], batched * 2)


def test_each_step_and_flat_steps_read_a_loops_values_for_every_step():
    rng = np.random.default_rng(0)
    W_shared, W_each, h = rng.normal(size=(4, 3)), rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3))
    assert _k.each_step(W_shared, 2) is W_shared
    np.testing.assert_allclose(_k.matvec(_k.each_step(W_each, 2), h),
                               np.stack([np.stack([W_each[n] @ h[n, t] for t in range(5)]) for n in range(2)]))
    flat = _k.flat_steps(h, 1, 5)
    assert flat.shape == (10, 3) and np.shares_memory(flat, h) and np.array_equal(flat[5 + 2], h[1, 2])
    repeated = _k.flat_steps(W_each, 2, 5)
    assert repeated.shape == (10, 4, 3) and np.array_equal(repeated[5 + 2], W_each[1])
    assert _k.flat_steps(W_shared, 2, 5) is W_shared
    # a sum over the batch and the steps as one over N·T rows
    delta = rng.normal(size=(2, 5, 4))
    np.testing.assert_allclose(_k.outer_total(_k.flat_steps(delta, 1, 5), flat, 10),
                               sum(np.outer(delta[n, t], h[n, t]) for n in range(2) for t in range(5)))


def test_stacked_weights_give_each_products_value():
    """The LSTM loop's four gate products in one, b_k + W_k z, and Σ_k W_kᵀ δ_k in one, with the
    weights stacked by rows; with a weight per example, each on its own (no stacking)."""
    rng = np.random.default_rng(3)
    W = [rng.normal(size=(3, 5)) for _ in range(4)]
    b = [rng.normal(size=3), None, 0.5, rng.normal(size=(6, 3))]
    z, deltas = rng.normal(size=(6, 5)), [rng.normal(size=(6, 3)) for _ in range(4)]
    stacked = _k.stacked_rows(*W)
    assert stacked.shape == (12, 5)
    for got, w, bias in zip(_k.matvecs(stacked, W, z, b), W, b):
        np.testing.assert_allclose(got, z @ w.T + (0.0 if bias is None else bias), rtol=1e-14)
    np.testing.assert_allclose(_k.matvecs_t(stacked, W, deltas), sum(d @ w for d, w in zip(deltas, W)), rtol=1e-13)
    each = [rng.normal(size=(6, 3, 5)) for _ in range(4)]
    assert _k.stacked_rows(W[0], each[1], W[2], W[3]) is None
    for got, w in zip(_k.matvecs(None, each, z, (None,) * 4), each):
        np.testing.assert_allclose(got, np.einsum("nij,nj->ni", w, z), rtol=1e-14)
    np.testing.assert_allclose(_k.matvecs_t(None, each, deltas),
                               sum(np.einsum("nij,ni->nj", w, d) for w, d in zip(each, deltas)), rtol=1e-13)
    shared_z = rng.normal(size=5)  # a bias per example beside a shared z: a new array, not in place
    got = _k.matvecs(stacked, W, shared_z, b)
    np.testing.assert_allclose(got[3], shared_z @ W[3].T + b[3], rtol=1e-14)


def test_sigmoid_pair_cuts_the_exponent_whatever_else_the_array_holds():
    """σ(−x) = e^{−x} σ(x) with e^{−x} cut at e^{709}: a NaN or an empty array beside a very
    negative x must not skip the cut (e^{1000} = inf would make σ(−x) inf·0 = NaN)."""
    x = np.array([-1000.0, -710.0, np.nan, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):
        up, down = _k.sigmoid_pair(x)
    cut = 1.0 / (1.0 + np.exp(709.0))  # σ(x) for x below −709, as the cut leaves it (see _k.sigmoid)
    np.testing.assert_array_equal(up[[0, 1, 3, 4]], [cut, cut, 0.5, 1.0])
    np.testing.assert_array_equal(down[[0, 1, 3, 4]], [np.exp(709.0) * cut, np.exp(709.0) * cut, 0.5, 0.0])
    assert np.isnan(up[2]) and np.isnan(down[2])
    assert [v.shape for v in _k.sigmoid_pair(np.empty((0, 3)))] == [(0, 3), (0, 3)]


@pytest.mark.parametrize("at_zero", [0.0, 0.5, 1.0])
def test_step_gives_numpy_heavisides_numbers(at_zero):
    """ReLU's slope in a model's code: the Heaviside step, H(0) = at_zero, NaN kept, on arrays of
    any rank, empty ones and numbers."""
    x = np.array([[-1.0, 0.0, 2.0], [np.nan, np.inf, -np.inf]])
    np.testing.assert_array_equal(_k.step(x, at_zero), np.heaviside(x, at_zero))
    assert not np.isnan(_k.step(x[:1], at_zero)).any()
    for value in (np.float64(0.0), np.array(-3.0), np.empty((0, 2))):
        np.testing.assert_array_equal(_k.step(value, at_zero), np.heaviside(value, at_zero))
    big = np.random.default_rng(0).normal(size=(64, 33))
    big[5, 7] = 0.0
    np.testing.assert_array_equal(_k.step(big, at_zero), np.heaviside(big, at_zero))


def test_causal_softmax_is_each_rows_softmax_over_its_first_entries():
    """Row i of a square score matrix: the softmax of its entries 1..i, exact zeros after them; on
    one matrix and a batch, with scores large enough to overflow an unshifted exponential."""
    rng = np.random.default_rng(4)
    for s in (rng.normal(size=(5, 5)), rng.normal(size=(3, 6, 6)) * 300.0, np.array([[7.0]])):
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # e^{−inf} = 0 is no error
            a = _k.causal_softmax(s)
        assert a.shape == s.shape
        t = s.shape[-1]
        assert np.all(a[..., np.triu_indices(t, 1)[0], np.triu_indices(t, 1)[1]] == 0.0)
        for i in range(t):
            row = s[..., i, : i + 1]
            e = np.exp(row - row.max(axis=-1, keepdims=True))
            np.testing.assert_allclose(a[..., i, : i + 1], e / e.sum(axis=-1, keepdims=True), rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-14)
        assert np.all(a[..., 0, 0] == 1.0)  # the first position attends to itself alone


def test_rows_repeats_a_vector_as_every_row_in_a_new_array():
    v, batch = np.arange(3.0), np.arange(6.0).reshape(2, 3)
    out = _k.rows(v, 4)
    np.testing.assert_array_equal(out, np.tile(v, (4, 1)))
    out[0, 0] = 99.0
    assert v[0] == 0.0  # its own memory: a result may be written to
    np.testing.assert_array_equal(_k.rows(batch, 2), np.stack([np.tile(r, (2, 1)) for r in batch]))
    assert _k.rows(batch, 1).shape == (2, 1, 3) and _k.rows(np.empty((0, 3)), 5).shape == (0, 5, 3)


@pytest.mark.parametrize("a_batched, b_batched", [(True, True), (True, False), (False, True), (False, False)],
                         ids=["both batched", "b shared", "a shared", "neither"])
def test_matmul_total_is_the_sum_over_the_batch_of_the_products(a_batched, b_batched):
    """Σ_n a_n b_n with a a transposed view Xᵀ of a batch (as the generated code passes it), one of
    them shared (the same matrix for every example) or both, n = 5; and over two batch axes."""
    rng = np.random.default_rng(5)
    n = 5
    x = rng.normal(size=(n, 7, 3)) if a_batched else rng.normal(size=(7, 3))
    b = rng.normal(size=(n, 7, 4)) if b_batched else rng.normal(size=(7, 4))
    a = np.swapaxes(x, -1, -2)
    expected = np.einsum("nij,njk->ik", np.broadcast_to(a, (n, 3, 7)), np.broadcast_to(b, (n, 7, 4)))
    got = _k.matmul_total(a, b, n)
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    if a_batched and b_batched:
        a2, b2 = rng.normal(size=(2, 3, 4, 6)), rng.normal(size=(2, 3, 6, 2))
        np.testing.assert_allclose(_k.matmul_total(a2, b2, 6), np.einsum("pqij,pqjk->ik", a2, b2), rtol=1e-12)


def test_a_bias_is_added_into_the_products_array_with_the_same_numbers():
    """b + W x printed as _k.matvec(W, x, plus=b): the bias goes into the product's new array
    where it fits; the numbers are those of b + W x to the bit, whatever the shapes."""
    rng = np.random.default_rng(4)
    W, W_each = rng.normal(size=(3, 5)), rng.normal(size=(6, 3, 5))
    for a in (W, W_each):
        for x in (rng.normal(size=(6, 5)), rng.normal(size=5)):
            for b in (rng.normal(size=3), rng.normal(size=(6, 3)), 0.25):
                expected = b + _k.matvec(a, x)
                np.testing.assert_array_equal(_k.matvec(a, x, plus=b), expected)
                v = rng.normal(size=np.shape(expected))
                np.testing.assert_array_equal(_k.matvec_t(a, v, plus=x), x + _k.matvec_t(a, v))
    x, b = rng.normal(size=(6, 5)), rng.normal(size=3)
    assert not np.shares_memory(_k.matvec(W, x, plus=b), b)


def test_a_small_batch_or_a_part_is_one_piece(monkeypatch):
    monkeypatch.setattr(_k, "THREADS", 2)
    big = {"x": np.zeros((64, 4, 1024))}
    assert _k.in_parts(64, 4, big, {"x": ("T", "D")})
    assert not _k.in_parts(64, 32, {"x": np.zeros((64, 32, 32))}, {"x": ("T", "D")})  # few numbers per step
    assert not _k.in_parts(20, 2, {"x": np.zeros((20, 2, 4000))}, {"x": ("T", "D")})  # few examples
    seen = []
    _k.by_parts(lambda x: seen.append(_k.in_parts(64, 4, big, {"x": ("T", "D")})) or {"r": x}, 64, big, {"x": ("T", "D")}, {})
    assert seen == [False, False]
    monkeypatch.setattr(_k, "THREADS", 1)
    assert not _k.in_parts(64, 4, big, {"x": ("T", "D")})


def test_an_error_in_a_part_is_raised_after_every_part(monkeypatch):
    monkeypatch.setattr(_k, "THREADS", 2)
    finished = []

    def body(x):
        if x[0, 0] == 1.0:
            raise FloatingPointError("overflow")
        time.sleep(0.05)
        finished.append(1)
        return {"r": x}

    x = np.zeros((64, 3))
    x[0, 0] = 1.0
    with pytest.raises(FloatingPointError):
        _k.by_parts(body, 64, {"x": x}, {"x": ("D",)}, {})
    assert finished == [1]


# -- import time ------------------------------------------------------------------------------------------------

def test_import_derive_numpy_is_lazy():
    """``import derive.numpy`` imports none of the generated modules (nor the kernels, nor SymPy) until
    used. What it costs is measured by benchmarks/bench_latency.py, not asserted here."""
    code = ("import sys, derive.numpy as d; assert 'sympy' not in sys.modules; "
            "assert not [m for m in sys.modules if m.startswith('derive.numpy.')], "
            "sorted(sys.modules); f = d.softmax_ce; assert callable(f) and 'derive.numpy.softmax_ce' in sys.modules; "
            "import derive.numpy.vae_kl; assert callable(d.vae_kl); assert 'jsd' in dir(d) and 'jsd' in d.__all__; "
            "from derive.numpy import jsd; assert callable(jsd)")
    subprocess.run([sys.executable, "-c", code], check=True)
