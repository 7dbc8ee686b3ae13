"""Random dense networks through the model builder: derived, proven, generated and checked.

Thirty-two models are drawn from a seeded generator (:func:`draw_case`): 1 to 4 layers of 1 to 5
units, every activation, every loss and squared-error variant, with and without bias, with no
penalty, L1, L2 or L2 with the ½ of ``conventions: {l2: half}``, with and without the update.
A test checks that the draw covers all of that. For each model:

* the generated NumPy module (``module_source`` + ``exec``, as :mod:`derive.model.files` loads it)
  on a random batch agrees with an independent NumPy forward pass, with central differences of L
  in float64 for every gradient quantity (by an input: x, W_N, b_N; by a quantity: N, z_N, tapped
  in the independent forward pass), and its updates are W − η ∂L/∂W;
* the derivation is proven step by step (:func:`derive.engine.verify.verify_rule`), at widths
  of at most 2 (1 for the deeper models: the proof's cost grows fast with the widths), a few
  also at the model's own sizes;
* the module is consistent with itself: the batched call equals the per-example calls, results
  are finite, each ``FROM_DEPENDENCIES`` function recomputes its quantity, and a parameter
  passed once, without the batch axis, gets the sum of the per-example gradients.

Then the classic 2-2-2 example with its published numbers, and its carried-error variant.
Points near a kink (ReLU, leaky ReLU, a hinge margin, |W| of an L1 penalty) are redrawn, so a
central difference never straddles one.
"""

from __future__ import annotations

import functools
import json
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from derive.check.worked import read_yaml
from derive.cli.main import main
from derive.codegen.generate import module_source
from derive.engine.verify import verify_rule
from derive.model.build import build_rule, width
from derive.model.files import model_rule, numeric_module, rule_name
from derive.model.spec import read_model
from derive.naming import python_name

ROOT = Path(__file__).resolve().parents[1]
CLASSIC = ROOT / "worked_examples" / "models" / "classic_222.yaml"
HIDDEN_DELTA = ROOT / "worked_examples" / "mistakes" / "classic_222_hidden_delta.yaml"

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
#: The last layer each loss allows (the contract's pairings).
HEADS = {"cross_entropy": ("softmax",), "binary_cross_entropy": ("sigmoid",), "hinge": ("linear",),
         "squared_error": HIDDEN}
#: (kind, half, reduce): the squared error in its four forms.
LOSSES = (("cross_entropy", None, None), ("binary_cross_entropy", None, None),
          ("squared_error", False, "sum"), ("squared_error", True, "sum"),
          ("squared_error", False, "mean"), ("squared_error", True, "mean"), ("hinge", None, None))
#: (kind, λ, l2_half)
PENALTIES = (None, ("l1", 0.01, False), ("l2", 0.05, False), ("l2", 0.1, True))
COUNT = 32

BATCH = (3, 4, 5)
STEP = 1e-5  # central differences: truncation ~1e-10, rounding ~1e-11 at these scales
RTOL, ATOL = 1e-6, 1e-8
KINK = 1e-3  # how far every ReLU input, hinge margin and L1 weight stays from its kink
#: CPU seconds per symbolic attempt in the proofs; past it a step is proven at 30 random points.
PROOF_SECONDS = 0.15


@dataclass(frozen=True)
class Case:
    index: int
    spec: dict
    input_size: int
    l2_half: bool

    @property
    def id(self) -> str:
        layers = self.spec["layers"]
        shape = "-".join([str(self.input_size)] + [str(layer["units"]) for layer in layers])
        acts = "-".join(layer["activation"] + ("" if layer["bias"] else "/nobias") for layer in layers)
        loss = self.spec["loss"]
        loss = loss if isinstance(loss, str) else "se" + ("_half" if loss["half"] else "") + "_" + loss["reduce"]
        penalty = "".join(f"{k}={v}" for k, v in self.spec.get("penalty", {}).items())
        penalty += "/half" if self.l2_half else ""
        return "_".join(filter(None, (f"m{self.index:02d}", shape, acts, loss, penalty,
                                      "update" if self.spec.get("update") else "")))

    @property
    def depth(self) -> int:
        return len(self.spec["layers"])


def draw_case(index: int) -> Case:
    """Model ``index``: the loss, penalty and update cycle (7, 4 and 2 ways, so every pairing of loss
    and penalty appears); the depth, widths, activations and biases are drawn."""
    rng = np.random.default_rng(2024 + index)
    kind, half, reduce = LOSSES[index % len(LOSSES)]
    penalty = PENALTIES[index % len(PENALTIES)]
    depth = int(rng.integers(1, 5))
    layers = []
    for k in range(depth):
        last = k == depth - 1
        activation = str(rng.choice(HEADS[kind] if last else HIDDEN))
        low = 2 if last and (kind == "hinge" or activation == "softmax") else 1
        layers.append({"name": "o" if last else f"h{k + 1}", "units": int(rng.integers(low, 6)),
                       "activation": activation, "bias": bool(rng.random() < 0.75)})
    spec: dict = {"layers": layers,
                  "loss": kind if half is None else {"kind": kind, "half": half, "reduce": reduce}}
    if penalty is not None:
        spec["penalty"] = {penalty[0]: penalty[1]}
    if (index // len(LOSSES)) % 2:
        spec["update"] = True
    return Case(index, spec, int(rng.integers(1, 6)), penalty is not None and penalty[2])


CASES = [draw_case(i) for i in range(COUNT)]


@dataclass
class Built:
    model: object
    rule: object
    module: types.ModuleType

    @property
    def function(self):
        return getattr(self.module, self.rule.name)


@functools.cache
def built(index: int) -> Built:
    """The model's rule and its generated module, loaded from memory as derive.model.files does."""
    case = CASES[index]
    model = read_model(case.spec)
    rule = build_rule(model, name=f"model_{index:02d}", input_size=case.input_size, l2_half=case.l2_half)
    source = module_source(rule)
    module = types.ModuleType(f"generated_{rule.name}")
    exec(compile(source, f"<generated {rule.name}>", "exec"), module.__dict__)  # noqa: S102 - derive's output
    return Built(model, rule, module)


def cases(select=lambda case: True):
    """``CASES`` (those ``select`` picks) as pytest parameters, with their ids."""
    return [pytest.param(case, id=case.id) for case in CASES if select(case)]


# -- an independent forward pass ----------------------------------------------------------------------

def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATION = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "linear": lambda z: z,
    "softmax": _softmax,
}


def forward(case: Case, values: dict, tap: tuple | None = None) -> dict:
    """z_N, N and L per example, written from the contract (not from derive's rule).

    ``tap = (name, index, eps)`` adds eps to component ``index`` of the quantity ``name`` (z_N or
    N) as it is computed, so that a central difference of L gives dL/d(name). The loss is
    computed from the output o, as the textbooks write it (so dL/do has its meaning).
    """
    def tapped(name, value):
        if tap is not None and tap[0] == name:
            value = value.copy()
            value[(slice(None),) + tap[1]] += tap[2]
        return value

    model = built(case.index).model
    out, a = {}, values["x"]
    for layer in model.layers:
        z = np.einsum("nij,nj->ni", values[f"W_{layer.name}"], a)
        if layer.bias:
            z = z + values[f"b_{layer.name}"]
        out[f"z_{layer.name}"] = z = tapped(f"z_{layer.name}", z)
        out[layer.name] = a = tapped(layer.name, ACTIVATION[layer.activation](z))
    o, y, loss = a, values["y"], model.loss
    if loss.kind == "cross_entropy":
        data = -np.sum(y * np.log(o), axis=-1)
    elif loss.kind == "binary_cross_entropy":
        data = -np.sum(y * np.log(o) + (1 - y) * np.log(1 - o), axis=-1)
    elif loss.kind == "squared_error":
        factor = (0.5 if loss.half else 1.0) / (o.shape[-1] if loss.reduce == "mean" else 1)
        data = factor * np.sum((o - y) ** 2, axis=-1)
    else:  # multiclass hinge: Σ_{k ≠ c} max(0, o_k − o_c + 1)
        correct = np.sum(y * o, axis=-1, keepdims=True)
        data = np.sum((1 - y) * np.maximum(0.0, o - correct + 1), axis=-1)
    out["L"] = data
    if model.penalty is not None:
        weights = [values[f"W_{layer.name}"] for layer in model.layers]
        if model.penalty.kind == "l1":
            R = values["lam"] * sum(np.abs(W).sum(axis=(-2, -1)) for W in weights)
        else:
            R = values["lam"] * sum((W ** 2).sum(axis=(-2, -1)) for W in weights) * (0.5 if case.l2_half else 1.0)
        out.update(E=data, R=R, L=data + R)
    return out


def _near_a_kink(case: Case, values: dict) -> bool:
    model = built(case.index).model
    out = forward(case, values)
    for layer in model.layers:
        if layer.activation in ("relu", "leaky_relu") and np.any(np.abs(out[f"z_{layer.name}"]) < KINK):
            return True
    if model.loss.kind == "hinge":
        o, y = out[model.output.name], values["y"]
        margins = o - np.sum(y * o, axis=-1, keepdims=True) + 1
        if np.any((y == 0) & (np.abs(margins) < KINK)):
            return True
    if model.penalty is not None and model.penalty.kind == "l1":
        return any(np.any(np.abs(values[f"W_{layer.name}"]) < KINK) for layer in model.layers)
    return False


def draw_inputs(case: Case, batch: int, seed: int = 0) -> dict:
    """Every input with the batch axis, drawn from the inputs' natural ranges, away from the kinks."""
    b = built(case.index)
    rng = np.random.default_rng([case.index, seed])
    sizes = {str(d): n for d, n in b.rule.test_sizes.items()}
    kind = b.model.loss.kind
    for _ in range(100):
        values = {}
        for name, item in b.rule.inputs.items():
            shape = (batch,) + tuple(sizes[str(d)] for d in item.shape)
            if name == "y" and kind in ("cross_entropy", "hinge"):
                values[name] = np.eye(shape[-1])[rng.integers(0, shape[-1], batch)]
            elif name == "y" and kind == "binary_cross_entropy":
                values[name] = rng.uniform(0.0, 1.0, shape)
            elif name in ("lr", "lam"):
                values[name] = rng.uniform(0.01, 0.3, shape)
            elif name.startswith("W_"):
                values[name] = rng.normal(0.0, 0.8, shape)
            else:
                values[name] = rng.normal(0.0, 1.0, shape)
        if not _near_a_kink(case, values):
            return values
    raise AssertionError(f"{case.id}: no point away from the kinks in 100 draws")


def central_difference(f, values: dict, name: str) -> np.ndarray:
    """∂f/∂values[name] per example: each component perturbed for the whole batch at once."""
    base = values[name]
    out = np.zeros_like(base)
    for index in np.ndindex(base.shape[1:]):
        at = (slice(None),) + index
        plus, minus = base.copy(), base.copy()
        plus[at] += STEP
        minus[at] -= STEP
        out[at] = (f({**values, name: plus}) - f({**values, name: minus})) / (2 * STEP)
    return out


def _room(model, name: str, value: np.ndarray) -> np.ndarray:
    """How far a probability may move before log o or log(1 − o) bends sharply: the step's scale."""
    if name != model.output.name or model.loss.kind not in ("cross_entropy", "binary_cross_entropy"):
        return np.ones_like(value)
    room = value if model.loss.kind == "cross_entropy" else np.minimum(value, 1 - value)
    return np.minimum(1.0, room)


def call(b: Built, values: dict) -> dict:
    return b.function(**{python_name(k): v for k, v in values.items()})


# -- the draw -------------------------------------------------------------------------------------------

def test_the_draw_covers_every_kind_of_model():
    models = [built(case.index).model for case in CASES]
    assert len(CASES) >= 30
    assert {len(m.layers) for m in models} == {1, 2, 3, 4}
    assert {layer.units for m in models for layer in m.layers} == {1, 2, 3, 4, 5}
    assert {case.input_size for case in CASES} == {1, 2, 3, 4, 5}
    assert {layer.activation for m in models for layer in m.layers[:-1]} == set(HIDDEN)
    assert {m.output.activation for m in models} == set(HIDDEN) | {"softmax"}
    assert {(m.loss.kind, m.loss.half, m.loss.reduce) if m.loss.kind == "squared_error" else m.loss.kind
            for m in models} == {k if h is None else (k, h, r) for k, h, r in LOSSES}
    assert {layer.bias for m in models for layer in m.layers} == {True, False}
    assert {(m.penalty.kind, case.l2_half) if m.penalty else None
            for m, case in zip(models, CASES)} == {None, ("l1", False), ("l2", False), ("l2", True)}
    assert {m.update for m in models} == {True, False}
    assert all(m.output.units >= 2 for m in models if m.loss.kind == "hinge")
    assert len({case.id for case in CASES}) == len(CASES)


# -- a. the generated module against central differences ------------------------------------------------

@pytest.mark.parametrize("case", cases())
def test_forward_pass_matches_an_independent_numpy(case):
    b = built(case.index)
    values = draw_inputs(case, BATCH[case.index % 3])
    got, expected = call(b, values), forward(case, values)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{case.id}: {name} (stage: forward pass)")


@pytest.mark.parametrize("case", cases())
def test_every_gradient_matches_central_differences(case):
    b = built(case.index)
    values = draw_inputs(case, BATCH[case.index % 3])
    got = call(b, values)
    gradients = [q for q in b.module.QUANTITIES if q.startswith("dL/d")]
    names = {layer.name for layer in b.model.layers}
    expected = {"dL/dx"} | {f"dL/d{n}" for n in names} | {f"dL/dz_{n}" for n in names} | {
        f"dL/dW_{n}" for n in names} | {f"dL/db_{layer.name}" for layer in b.model.layers if layer.bias}
    assert set(gradients) == expected, f"{case.id}: gradient quantities"
    for gradient in gradients:
        wrt = gradient[len("dL/d"):]
        if wrt in values:  # an input: L of the generated module itself
            numeric = central_difference(lambda v: call(b, v)["L"], values, wrt)
        else:  # a quantity: L of the independent pass, with the quantity tapped
            base = forward(case, values)[wrt]
            numeric = np.zeros_like(base)
            for index in np.ndindex(base.shape[1:]):
                at = (slice(None),) + index
                step = STEP * _room(b.model, wrt, base[at])
                plus = forward(case, values, (wrt, index, step))["L"]
                minus = forward(case, values, (wrt, index, -step))["L"]
                numeric[at] = (plus - minus) / (2 * step)
        assert got[gradient].shape == numeric.shape, f"{case.id}: {gradient} shape"
        np.testing.assert_allclose(got[gradient], numeric, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{case.id}: {gradient} (stage: central differences)")


@pytest.mark.parametrize("case", cases())
def test_updates_are_one_gradient_step(case):
    b = built(case.index)
    values = draw_inputs(case, 4)
    got = call(b, values)
    updates = {q for q in b.module.QUANTITIES if q.endswith("_new")}
    if not b.model.update:
        assert not updates and "lr" not in b.rule.inputs
        return
    lr = values["lr"]
    expected = set()
    for layer in b.model.layers:
        params = [f"W_{layer.name}"] + ([f"b_{layer.name}"] if layer.bias else [])
        for p in params:
            expected.add(f"{p}_new")
            step = lr.reshape((-1,) + (1,) * (values[p].ndim - 1)) * got[f"dL/d{p}"]
            np.testing.assert_allclose(got[f"{p}_new"], values[p] - step, rtol=1e-14, atol=1e-15,
                                       err_msg=f"{case.id}: {p}_new (stage: update)")
    assert updates == expected


# -- b. the derivation, proven ------------------------------------------------------------------------

def proof_sizes(case: Case, cap: int) -> dict:
    """Every width at most ``cap``; a softmax or hinge head keeps 2 classes."""
    b = built(case.index)
    sizes = {d: min(n, cap) for d, n in b.rule.test_sizes.items()}
    if b.model.output.activation == "softmax" or b.model.loss.kind == "hinge":
        sizes[width(b.model.output.name)] = 2
    return sizes


def assert_proven(case: Case, sizes: dict):
    report = verify_rule(built(case.index).rule, [sizes], symbolic_seconds=PROOF_SECONDS)
    kinds = {check.kind for check in report.checks}
    assert {"step", "result", "diff"} <= kinds, f"{case.id}: checks {kinds}"
    assert report.ok, f"{case.id}: " + "; ".join(f"{c.describe()}: {c.proof}" for c in report.failures)


@pytest.mark.parametrize("case", cases())
def test_the_derivation_is_proven_at_small_widths(case):
    # Widths of at most 2 for up to 2 layers, 1 (2 classes at a softmax or hinge head) deeper.
    assert_proven(case, proof_sizes(case, 2 if case.depth <= 2 else 1))


#: Models proven at their own sizes too (the widths where a transpose or a sum shows).
OWN_SIZES = (6, 12, 19)


@pytest.mark.parametrize("case", cases(lambda c: c.index in OWN_SIZES))
def test_the_derivation_is_proven_at_the_models_own_sizes(case):
    assert_proven(case, dict(built(case.index).rule.test_sizes))


# -- c. the generated module, property by property -----------------------------------------------------

@pytest.mark.parametrize("case", cases())
def test_a_batch_equals_its_examples_one_by_one(case):
    b = built(case.index)
    values = draw_inputs(case, 5, seed=1)
    batched = call(b, values)
    assert set(batched) == set(b.module.QUANTITIES)
    for n in range(5):
        alone = call(b, {k: v[n:n + 1] for k, v in values.items()})
        for name, value in alone.items():
            np.testing.assert_allclose(value, batched[name][n:n + 1], rtol=1e-12, atol=1e-14,
                                       err_msg=f"{case.id}: {name} of example {n} (stage: batching)")


@pytest.mark.parametrize("case", cases())
def test_results_are_finite(case):
    b = built(case.index)
    ordinary = draw_inputs(case, 5, seed=2)
    for name, value in call(b, ordinary).items():
        assert np.all(np.isfinite(value)), f"{case.id}: {name} not finite (stage: finite)"
    # Large inputs saturate every σ, tanh and softmax; only dL/do of a log loss may overflow
    # there (−y/o and (o − y)/(o(1 − o)) at o = 0 or 1 exactly): derive's stable forms cover the rest.
    large = {**ordinary, "x": 40.0 * ordinary["x"]}
    with np.errstate(all="ignore"):
        out = call(b, large)
    exempt = {f"dL/d{b.model.output.name}"} if b.model.loss.kind in ("cross_entropy", "binary_cross_entropy") else set()
    for name, value in out.items():
        if name not in exempt:
            assert np.all(np.isfinite(value)), f"{case.id}: {name} not finite at large x (stage: finite)"


@pytest.mark.parametrize("case", cases())
def test_each_quantity_is_recomputed_from_its_dependencies(case):
    b = built(case.index)
    values = draw_inputs(case, 3, seed=3)
    known = {**values, **call(b, values)}
    assert list(b.module.FROM_DEPENDENCIES) == list(b.module.QUANTITIES)
    for name, (function, dependencies) in b.module.FROM_DEPENDENCIES.items():
        again = function(**{python_name(d): known[d] for d in dependencies})
        np.testing.assert_allclose(again, known[name], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{case.id}: {name} from {dependencies} (stage: FROM_DEPENDENCIES)")


@pytest.mark.parametrize("case", cases())
def test_shared_parameters_get_the_batch_sum(case):
    """W_N and b_N passed once, without the batch axis: their gradients are the sums of the
    per-example gradients (the same W repeated over the batch), and the update is applied once."""
    b = built(case.index)
    values = draw_inputs(case, 4, seed=4)
    params = [n for n in b.rule.inputs if n[:2] in ("W_", "b_")]
    shared = {k: (v[0] if k in params or k in ("lr", "lam") else v) for k, v in values.items()}
    repeated = {k: (np.broadcast_to(v, values[k].shape) if k in shared and v.ndim < values[k].ndim else v)
                for k, v in shared.items()}
    once, each = call(b, shared), call(b, repeated)
    for p in params:
        total = each[f"dL/d{p}"].sum(axis=0)
        np.testing.assert_allclose(once[f"dL/d{p}"], total, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{case.id}: dL/d{p} shared (stage: shared parameters)")
        if b.model.update:
            np.testing.assert_allclose(once[f"{p}_new"], shared[p] - shared["lr"] * total, rtol=1e-10,
                                       atol=1e-12, err_msg=f"{case.id}: {p}_new shared (stage: shared parameters)")
    np.testing.assert_allclose(once["L"], each["L"], rtol=1e-12, err_msg=f"{case.id}: L (shared parameters)")
    np.testing.assert_allclose(once["dL/dx"], each["dL/dx"], rtol=1e-10, atol=1e-12,
                               err_msg=f"{case.id}: dL/dx stays per example (stage: shared parameters)")


# -- the classic 2-2-2 example --------------------------------------------------------------------------

def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_classic_222_example_checks_clean(capsys):
    code, out, err = run_cli(capsys, "check", CLASSIC)
    assert code == 0, out + err
    code, out, _ = run_cli(capsys, "check", "--json", CLASSIC)
    report = json.loads(out)["reports"][0]
    assert code == 0 and report["ok"] and report["first_error"] is None
    assert all(step["status"] == "correct" for step in report["steps"])


def test_the_classic_222_published_numbers_are_reproduced():
    top = read_yaml(CLASSIC)
    function = getattr(numeric_module(top, str(CLASSIC)), rule_name(CLASSIC))
    inputs = {"x": [0.05, 0.10], "y": [0.01, 0.99], "W_h": [[0.15, 0.20], [0.25, 0.30]], "b_h": [0.35, 0.35],
              "W_o": [[0.40, 0.45], [0.50, 0.55]], "b_o": [0.60, 0.60], "lr": 0.5}
    out = function(**{k: np.asarray(v, dtype=float)[None] for k, v in inputs.items()})
    # Each to half a unit of its last published decimal.
    assert abs(out["L"][0] - 0.298371109) <= 0.5e-9
    assert abs(out["W_o_new"][0, 0, 0] - 0.35891648) <= 0.5e-8
    assert abs(out["W_h_new"][0, 0, 0] - 0.149780716) <= 0.5e-9


def test_the_classic_222_is_proven_at_its_own_sizes():
    top = read_yaml(CLASSIC)
    report = verify_rule(model_rule(top, str(CLASSIC)), symbolic_seconds=PROOF_SECONDS)
    assert report.ok, "; ".join(c.describe() for c in report.failures)


def test_the_classic_222_hidden_delta_slip_is_carried(capsys):
    code, out, err = run_cli(capsys, "check", "--json", HIDDEN_DELTA)
    assert code == 1, err
    report = json.loads(out)["reports"][0]
    status = {step["name"]: step["status"] for step in report["steps"]}
    assert report["first_error"] == "dL/dz_h"
    assert status["dL/dz_h"] == "wrong"
    assert status["dL/dW_h"] == "carried" and status["W_h_new"] == "carried"
    assert status["W_o_new"] == "correct" and status["o"] == "correct"
