"""One generic checker for every rule: generated NumPy against SymPy, and against
central finite differences. Failure messages name the rule, the quantity and the stage."""

from __future__ import annotations

import importlib

import numpy as np
import sympy as sp

from derive import naming
from derive.engine.equality import NUMPY_FUNCTIONS
from derive.engine.realize import Realizer


def random_inputs(rule, sizes: dict, batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    realizer = Realizer(rule, sizes)
    inputs = {}
    for name, item in rule.inputs.items():
        shape = (batch,) + realizer.concrete_shape(item.shape)
        inputs[name] = np.asarray(item.domain.sample(rng, shape), dtype=float)
    return inputs


def generated(rule):
    module = importlib.import_module(f"derive.numpy.{rule.name}")
    return getattr(module, rule.name)


def sympy_values(rule, sizes: dict, inputs: dict) -> dict[str, np.ndarray]:
    """Every quantity evaluated from its SymPy definition, in dependency order.

    Each definition is realized with the earlier quantities held as leaves, so the
    expressions stay small; their values come from the definitions evaluated before.
    """
    realizer = Realizer(rule, sizes, leaves=set(rule.quantities))
    components = realizer.free_components()
    values = {}
    for name, array in components.items():
        if name in inputs:
            values.update({s: inputs[name][(slice(None),) + i] for i, s in np.ndenumerate(array)})
    batch = next(iter(inputs.values())).shape[0]
    out = {}
    for q in rule.quantities.values():
        realized = realizer(q.definition)
        symbols = sorted(set().union(*(sp.sympify(e).free_symbols for e in realized.ravel())), key=str)
        function = sp.lambdify(symbols, list(realized.ravel()), modules=[NUMPY_FUNCTIONS, "numpy"])
        with np.errstate(all="ignore"):
            raw = function(*(values[s] for s in symbols))
        flat = np.stack([np.broadcast_to(np.asarray(r, dtype=float), (batch,)) for r in raw], axis=-1)
        out[q.name] = flat.reshape((batch,) + realized.shape)
        for index, symbol in np.ndenumerate(components[q.name]):
            values[symbol] = out[q.name][(slice(None),) + index]
    return out


def input_gradients(rule):
    """(gradient name, function name, input name) for each dA/dB with B an input and A scalar."""
    found = []
    for q, of, wrt in rule.gradient_quantities():
        if wrt in rule.inputs and rule.quantities[of].shape == ():
            found.append((q.name, of, wrt))
    return found


def finite_difference_check(rule, inputs: dict, gradient: str, of: str, wrt: str,
                            rtol: float, step: float = 1e-5, seed: int = 1) -> None:
    """Central difference of ``of`` along a random direction in ``wrt``, per sample."""
    function = generated(rule)
    direction = np.random.default_rng(seed).normal(size=inputs[wrt].shape)
    plus = dict(inputs, **{wrt: inputs[wrt] + step * direction})
    minus = dict(inputs, **{wrt: inputs[wrt] - step * direction})
    numeric = (function(**plus)[of] - function(**minus)[of]) / (2 * step)
    analytic = np.sum((function(**inputs)[gradient] * direction).reshape(len(numeric), -1), axis=1)
    scale = np.maximum(np.abs(numeric), 1e-3)
    error = np.max(np.abs(numeric - analytic) / scale)
    assert error <= rtol, (f"{rule.name}: {gradient} disagrees with central differences of {of} "
                           f"along {wrt}: relative error {error:.2e} > {rtol:.0e} (stage: finite differences)")


def python_name(name: str) -> str:
    return naming.python_name(name)
