"""Hostile arguments to the generated functions of ``derive.numpy``, every function, every input.

What a caller may rely on (the docstring of ``derive.numpy``):

* a wrong number of axes, a wrong size, a missing or unknown argument, text, complex numbers,
  objects that are not numbers and ragged lists raise a TypeError or ValueError whose message
  names the function and the argument (and, for shapes, the shape expected);
* an input may come without the batch axis (shared by the batch; a sequence of a loop may not),
  and then gives the same values as that input repeated over the batch;
* booleans, integers, float32 and nested lists are read as numbers;
* an empty batch (N = 0) gives empty results of the shapes the batch would have; a size of 0
  is refused;
* NaN and infinities propagate (with NumPy's warnings) and stay in their own example;
* results that would not fit in memory raise a MemoryError before any work.

The cases are generated from each module's ``INPUTS`` (and ``DOMAINS``, ``SEQUENCES``) with
small sizes; the functions are imported without SymPy.
"""

from __future__ import annotations

import importlib
import inspect
import re
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import derive.numpy
from derive.check.worked import size_of
from derive.numpy import _kernels

LOOPS = ["deep_chain_loop", "lstm_bptt_loop", "rnn_bptt_loop"]
FUNCTIONS = sorted(derive.numpy.__all__) + LOOPS
#: The contract's entry points get every dtype payload on every input; the others on their first.
CONTRACT = {"softmax_ce", "sigmoid_bce", "lstm_step", "vae_kl"}
SIZES = {"D": 2, "H": 3, "K": 4, "T": 2, "H_1": 3, "H_2": 2, "Z": 2, "N": 5, "M": 4, "S": 10, "E": 2, "U": 3, "n": 4,
         "V": 4, "F": 3, "C": 2}
#: The sizes of images and kernels (a 3×3 kernel on a 4×5 image; K above is a number of classes).
IMAGE_SIZES = {**SIZES, "C": 2, "F": 3, "H": 4, "W": 5, "K": 3}
BATCH = 3


class Spec:
    """One generated function as its module describes it."""

    def __init__(self, name: str):
        self.module = importlib.import_module(f"derive.numpy.{name}")
        self.name = name
        self.function = getattr(self.module, name)
        sizes = IMAGE_SIZES if any(len(shape) > 2 for shape in self.module.INPUTS.values()) else SIZES
        self.shapes = {n: tuple(_size(d, sizes) for d in shape) for n, shape in self.module.INPUTS.items()}
        self.sequences = set(getattr(self.module, "SEQUENCES", ()))
        domains = getattr(self.module, "DOMAINS", {})
        self.domains = {n: domains.get(n, "real") for n in self.shapes}
        parameters = inspect.signature(self.function).parameters
        self.python = {n: next(p for p in parameters if p == n.replace("/", "_")) for n in self.shapes}
        self.defaults = {n for n in self.shapes if parameters[self.python[n]].default is not inspect.Parameter.empty}
        self.sources = _size_sources(self.module.INPUTS)

    def values(self, batch: int = BATCH, seed: int = 0) -> dict:
        rng = np.random.default_rng(seed)
        return {n: _sample(rng, self.domains[n], (batch,) + shape) for n, shape in self.shapes.items()}

    def __call__(self, values: dict):
        return self.function(**{self.python[n]: v for n, v in values.items()})


def _size(text: str, sizes=SIZES) -> int:
    """'D + H' -> 5 at the test sizes ('floor(H/2)' too, as a worked file reads it)."""
    return size_of(text, sizes)


def _size_sources(inputs: dict) -> set:
    """The inputs the generated code reads a size from (the first input with that axis)."""
    seen, sources = set(), set()
    for name, shape in inputs.items():
        for d in shape:
            if d.isidentifier() and d not in seen:
                seen.add(d)
                sources.add(name)
    return sources


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


SPECS = {name: Spec(name) for name in FUNCTIONS}


def _quiet(spec, values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return spec(values)


def _same(a: dict, b: dict, where: str, rtol=1e-12, *, shared=False):
    """Equal results; with ``shared``, a result of ``a`` may lack the batch axis (it depends only on
    inputs shared by the batch) and then equals each example of ``b``."""
    assert a.keys() == b.keys(), where
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        if shared and x.shape == y.shape[1:]:
            x = np.broadcast_to(x, y.shape)
        assert x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=1e-14, equal_nan=True), \
            f"{where}: {key} differs\n{x}\n{y}"


def _raises(spec, values, error, *names):
    """The call raises ``error`` and its message starts with the function's name and names one of ``names``."""
    with pytest.raises(error) as caught:
        _quiet(spec, values)
    message = str(caught.value)
    if error in (TypeError, ValueError) and names:
        assert message.startswith(f"{spec.name}: "), message
        assert any(re.search(rf"\b{re.escape(n)}\b", message) for n in names), (names, message)
    return message


# -- the cases --------------------------------------------------------------------------------------
def _each_input(payloads: list[str], *, everywhere: set = CONTRACT, functions=FUNCTIONS):
    """(function, input, payload) for every payload on every input of the functions in ``everywhere``,
    and on the first input of the others."""
    params = []
    for name in functions:
        spec = SPECS[name]
        inputs = list(spec.shapes) if name in everywhere else list(spec.shapes)[:1]
        for input_name in inputs:
            for payload in payloads:
                params.append(pytest.param(name, input_name, payload, id=f"{name}-{input_name}-{payload}"))
    return params


ALL = set(SPECS)
OTHERS = [name for name in FUNCTIONS if name not in CONTRACT]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_valid_batch_gives_batched_float64_results(name):
    spec = SPECS[name]
    out = _quiet(spec, spec.values())
    assert out and all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in out.values()), name
    assert all(v.shape[:1] == (BATCH,) for v in out.values()), {k: v.shape for k, v in out.items()}
    if hasattr(spec.module, "QUANTITIES"):
        assert list(out) == list(spec.module.QUANTITIES)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_empty_batch_gives_empty_results_of_the_right_shapes(name):
    spec = SPECS[name]
    full = _quiet(spec, spec.values())
    empty = _quiet(spec, spec.values(batch=0))
    assert {k: v.shape for k, v in empty.items()} == {k: (0,) + v.shape[1:] for k, v in full.items()}
    # the same with the weights (inputs of two or more axes, not sequences) shared by the empty batch
    weights = {n for n, shape in spec.shapes.items() if len(shape) >= 2 and n not in spec.sequences}
    if weights:
        values = spec.values(batch=0)
        shared = _quiet(spec, dict(values, **{n: spec.values(batch=1)[n][0] for n in weights}))
        for key, value in shared.items():
            assert value.shape in ((0,) + full[key].shape[1:], full[key].shape[1:]), (key, value.shape)


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if not SPECS[n].sequences])
def test_every_input_shared_by_the_batch(name):
    """Nothing batched: the results are one example's, without a batch axis."""
    spec = SPECS[name]
    batched = spec.values()
    alone = _quiet(spec, {n: v[0] for n, v in batched.items()})
    first = {k: v[0] for k, v in _quiet(spec, batched).items()}
    _same(alone, first, f"{name} without a batch axis")


@pytest.mark.parametrize("name, input_name, payload", _each_input(["shared"], everywhere=ALL))
def test_one_input_shared_by_the_batch(name, input_name, payload):
    spec = SPECS[name]
    values = spec.values()
    shared = values[input_name][0]
    if input_name in spec.sequences:
        _raises(spec, dict(values, **{input_name: shared}), ValueError, input_name)
        return
    repeated = _quiet(spec, dict(values, **{input_name: np.broadcast_to(shared, values[input_name].shape)}))
    alone = _quiet(spec, dict(values, **{input_name: shared}))
    if len(values) > 1:  # the contract: a shared input's gradients are summed over the batch, its update once
        summed = getattr(spec.module, "SUMMED", {})
        updates = getattr(spec.module, "UPDATES", {})
        for key, with_ in summed.items():
            if with_ == input_name:
                repeated[key] = repeated[key].sum(axis=0)
        for key, with_ in updates.items():
            if with_ == input_name:
                alone.pop(key), repeated.pop(key)
    _same(alone, repeated, f"{name} with {input_name} shared", shared=True)


def _applies(name: str, input_name: str, payload: str) -> bool:
    """A scalar input has no size to change or empty; a lone input has no other batch to disagree with."""
    if payload in ("wrong_size", "empty_axis"):
        return bool(SPECS[name].shapes[input_name])
    if payload == "other_batch":
        return len(SPECS[name].shapes) > 1
    return True


SHAPE_CASES = [p for p in _each_input(["wrong_size", "extra_axes", "no_axes", "other_batch", "empty_axis"],
                                      everywhere=ALL) if _applies(*p.values)]


@pytest.mark.parametrize("name, input_name, payload", SHAPE_CASES)
def test_wrong_shapes_name_the_argument(name, input_name, payload):
    spec = SPECS[name]
    values = spec.values()
    value = values[input_name]
    own_shape = spec.shapes[input_name]
    if payload == "wrong_size":
        value = np.ones(value.shape[:-1] + (value.shape[-1] + 1,))
    elif payload == "extra_axes":
        value = value[None, None]
    elif payload == "no_axes":
        value = np.float64(0.5)
    elif payload == "other_batch":
        value = np.concatenate([value, value])
    elif payload == "empty_axis":
        value = np.ones(value.shape[:-1] + (0,))
    values[input_name] = value
    if payload == "no_axes" and (not own_shape or input_name in spec.defaults) and input_name not in spec.sequences:
        _quiet(spec, values)  # a number: a scalar shared by the batch, or a default-able bias
        return
    message = _raises(spec, values, ValueError, *spec.shapes)
    if payload in ("extra_axes", "no_axes") or (payload != "other_batch" and input_name not in spec.sources):
        assert re.match(rf"{spec.name}: {re.escape(input_name)} has", message), message
    if payload in ("wrong_size", "extra_axes", "no_axes"):
        assert "expected" in message and "(" in message, message
    if payload == "other_batch":
        assert "batch" in message and re.search(rf"\b{re.escape(input_name)}\b", message), message
    if payload == "empty_axis":
        assert "at least 1" in message or "expected" in message, message


@pytest.mark.parametrize("name", FUNCTIONS)
def test_missing_unknown_and_positional_arguments(name):
    spec = SPECS[name]
    values = spec.values()
    for input_name in spec.shapes:
        if input_name in spec.defaults:
            continue
        with pytest.raises(TypeError, match=re.escape(spec.python[input_name])):
            spec({n: v for n, v in values.items() if n != input_name})
    with pytest.raises(TypeError, match="injected"):
        spec.function(**{spec.python[n]: v for n, v in values.items()}, injected="__import__('os')")
    with pytest.raises(TypeError):
        spec.function(*values.values())


MARKER = Path("HOSTILE_NUMPY_MARKER")
REFUSED = {  # payload -> (error, a word of the message)
    "text": (TypeError, "text"),
    "numeric_text": (TypeError, "text"),
    "injection": (TypeError, "text"),
    "complex": (TypeError, "complex"),
    "complex_zero_imaginary": (TypeError, "complex"),
    "none": (TypeError, "None"),
    "object": (TypeError, "real numbers"),
    "dict": (TypeError, "real numbers"),
    "ragged": (ValueError, "rectangular"),
    "huge_int": (ValueError, "too large"),
    "datetime": (TypeError, "real numbers"),
}
ACCEPTED = ["bool", "int", "uint8", "float32", "float16", "list", "fractions", "read_only", "non_contiguous"]


def _payload(value: np.ndarray, payload: str):
    if payload == "text":
        return value.astype(str)
    if payload == "numeric_text":
        return "1.0"
    if payload == "injection":
        return f"__import__('pathlib').Path('{MARKER}').touch()"
    if payload == "complex":
        return value + 1j
    if payload == "complex_zero_imaginary":
        return value + 0j
    if payload == "none":
        return np.full(value.shape, None) if value.ndim else None
    if payload == "object":
        return np.full(value.shape, object()) if value.ndim else object()
    if payload == "dict":
        return {"value": value.tolist()}
    if payload == "ragged":
        rows = value.reshape(len(value), -1).tolist() if value.ndim else [[1.0]]
        return [rows[0] + [1.0]] + rows[1:] if len(rows) > 1 else [[1.0], [1.0, 2.0]]
    if payload == "huge_int":
        value = value.astype(object)
        value.flat[0] = 10**400
        return value
    if payload == "datetime":
        return np.full(value.shape, np.datetime64("2024-01-01"))
    if payload == "bool":
        return value > 0.5
    if payload == "int":
        return np.rint(value).astype(np.int64)
    if payload == "uint8":
        return (value > 0.5).astype(np.uint8)
    if payload == "float32":
        return value.astype(np.float32)
    if payload == "float16":
        return value.astype(np.float16)
    if payload == "list":
        return value.tolist()
    if payload == "fractions":
        return np.array([Fraction(float(v)).limit_denominator(1000) for v in value.ravel()],
                        dtype=object).reshape(value.shape)
    if payload == "read_only":
        value = value.copy()
        value.flags.writeable = False
        return value
    if payload == "non_contiguous":
        return np.repeat(value, 2, axis=-1)[..., ::2] if value.ndim else value
    raise AssertionError(payload)


def _as_float(value) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value.astype(float)
    return np.asarray(value, dtype=float)


@pytest.mark.parametrize("name, input_name, payload", _each_input(list(REFUSED), functions=sorted(CONTRACT))
                         + _each_input(["text", "complex", "none", "ragged", "huge_int"], functions=OTHERS))
def test_values_that_are_not_real_numbers_are_refused(name, input_name, payload):
    spec = SPECS[name]
    values = spec.values()
    values[input_name] = _payload(values[input_name], payload)
    error, word = REFUSED[payload]
    message = _raises(spec, values, error, input_name)
    assert re.match(rf"{spec.name}: {re.escape(input_name)} ", message), message
    assert word in message, message
    assert not MARKER.exists(), "the injected code ran"


@pytest.mark.parametrize("name, input_name, payload", _each_input(ACCEPTED, functions=sorted(CONTRACT))
                         + _each_input(["bool", "int", "float32"], functions=OTHERS))
def test_numbers_of_other_types_are_read_as_float64(name, input_name, payload):
    spec = SPECS[name]
    values = spec.values()
    values[input_name] = _payload(values[input_name], payload)
    as_float = dict(values, **{input_name: _as_float(values[input_name])})
    _same(_quiet(spec, values), _quiet(spec, as_float), f"{name} with {input_name} as {payload}")


NON_FINITE = {"nan": np.nan, "inf": np.inf, "minus_inf": -np.inf, "huge": 1e308, "tiny": 5e-324}


@pytest.mark.parametrize("name, input_name, payload", _each_input(["nan"], everywhere=ALL)
                         + _each_input(["inf", "minus_inf", "huge", "tiny"]))
def test_non_finite_values_stay_in_their_example(name, input_name, payload):
    """NaN, ±inf and extreme numbers in example 0: no exception, and examples 1.. are untouched."""
    spec = SPECS[name]
    values = spec.values()
    clean = _quiet(spec, values)
    hostile = values[input_name].copy()
    hostile[(0,) + (0,) * (hostile.ndim - 1)] = NON_FINITE[payload]
    start = time.process_time()
    out = _quiet(spec, dict(values, **{input_name: hostile}))
    assert time.process_time() - start < 2.0
    assert out.keys() == clean.keys()
    for key in out:
        assert out[key].shape == clean[key].shape, key
        assert np.array_equal(out[key][1:], clean[key][1:], equal_nan=True), f"{name}: {key} of examples 1.. changed"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_batch_too_large_for_memory_fails_at_once(name):
    """A billion examples (broadcast views: no memory of their own) fail before any work."""
    spec = SPECS[name]
    values = {n: np.broadcast_to(v[:1], (10**9,) + v.shape[1:]) for n, v in spec.values().items()}
    start = time.process_time()
    with pytest.raises(MemoryError, match=rf"^{name}: the results would take .*MAX_RESULT_BYTES"):
        spec(values)
    assert time.process_time() - start < 0.5


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if any(SPECS[n].shapes.values())])
def test_a_size_too_large_for_memory_fails_at_once(name):
    """One axis of 10^12 (a broadcast view) in the first input that has an axis."""
    spec = SPECS[name]
    values = spec.values()
    target = next(n for n, shape in spec.shapes.items() if shape and n in spec.sources)
    shape = values[target].shape
    values[target] = np.broadcast_to(np.float64(0.5), shape[:-1] + (10**12,))
    start = time.process_time()
    with pytest.raises((MemoryError, ValueError), match=rf"^{name}: "):
        spec(values)
    assert time.process_time() - start < 0.5


def test_the_memory_limit_can_be_raised_or_lowered(monkeypatch):
    spec = SPECS["lstm_step"]
    values = spec.values()
    monkeypatch.setattr(_kernels, "MAX_RESULT_BYTES", 1000)
    with pytest.raises(MemoryError, match="lstm_step: the results would take"):
        spec(values)
    monkeypatch.setattr(_kernels, "MAX_RESULT_BYTES", 10**6)
    assert spec(values)["L"].shape == (BATCH,)


def test_validation_does_not_copy_float64_arrays():
    o = np.random.default_rng(0).normal(size=(4, 3))
    assert _kernels.real("softmax_ce", {"o": ("K",)}, "o", o) is o


def test_messages_name_the_shape_expected():
    from derive.numpy import lstm_step

    spec = SPECS["lstm_step"]
    values = spec.values()
    values["W_f"] = np.ones((SIZES["H"], SIZES["H"] + SIZES["D"] - 1))
    with pytest.raises(ValueError) as caught:
        lstm_step(**values)
    assert str(caught.value) == ("lstm_step: W_f has shape (3, 4); expected (H, D + H) = (3, 5), "
                                 "or (N, H, D + H) with a batch axis")


