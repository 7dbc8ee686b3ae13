"""Decide whether two formulas of a rule are equal: symbolically, then at random points.

How it works
------------
A formula is a :class:`Form`: a SymPy expression in a rule's names and its free
indices. :func:`realize` expands it at concrete sizes into an object array of
scalar expressions (one per component of the quantity; a free index runs over
its axis), with :class:`derive.engine.realize.Realizer`.

:func:`compare` then decides with the one equality engine
(:mod:`derive.engine.equality`), in two stages:

1. **symbolic**, with the quantities that appear in the formulas held as free
   variables ("leaves": ∂L/∂h stays a symbol instead of expanding into the whole
   network); a difference that simplifies to 0 there is 0 for every input. The
   one-hot target's constraint Σ_k y_k = 1 is substituted. This stage has a budget
   of CPU time and is skipped when a formula differentiates (a leaf would be a constant).
2. **numeric**, fully expanded into the inputs, at 200 random points of the
   inputs' domains (a one-hot target is drawn one-hot at half of the points and
   on the simplex at the others), drawn once by an :class:`Evaluator` and kept
   for the diagnosis of a mistake. Points where float64 cannot confirm equality
   are evaluated again with mpmath at 50 digits; a point where one formula is
   defined and the other is not is a difference too (checked again the same way).

Example: ``ŷ_j − y_j`` against ``dL/do`` of softmax_ce at K = 2: leaves {y_hat};
the realized difference [ŷ[1] − y[1] − (ŷ[1] − y[1]), ...] is 0: equal, "symbolic".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.engine.budget import Deadline
from derive.engine.domains import OneHot
from derive.engine.equality import (
    SYMBOLIC, Equality, Interpreter, Unevaluable, equal_numerically, equal_symbolically, float_values,
)
from derive.engine.realize import Realizer
from derive.engine.verify import LEAF_DOMAIN, constraints_for

POINTS = 200
SYMBOLIC_SECONDS = 5.0  # CPU seconds; the formulas of the tests and examples need at most 0.3 s


class ShapeMismatch(Exception):
    """A formula that cannot be laid out in the shape asked for (or cannot be evaluated)."""


@dataclass(frozen=True)
class Form:
    """An expression and its free indices (mapped to the leading axes, in order)."""

    expr: sp.Expr
    indices: tuple = ()


def free_indices(rule, expr: sp.Expr) -> tuple:
    dims = {d.name for d in rule.size_symbols()}
    return tuple(sorted({s.name for s in expr.free_symbols
                         if isinstance(s, sp.Symbol) and s.is_integer and s.name not in dims}))


def quantities_used(rule, expr: sp.Expr) -> set:
    names = {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.Indexed)}
    names |= {str(i.base.label) for i in expr.atoms(sp.Indexed)}
    return {n for n in names if n in rule.quantities}


def concrete_sizes(rule, n: int) -> dict:
    return {d: n for d in rule.size_symbols()}


def realize(rule, form: Form, sizes: dict, shape: tuple | None, leaves=()) -> np.ndarray:
    """The form's components at ``sizes`` laid out in ``shape`` (its own shape when None)."""
    try:
        if not form.indices:
            return _fit(Realizer(rule, sizes, leaves=leaves)(form.expr), shape)
        if shape is None or len(form.indices) > len(shape):
            raise ShapeMismatch(f"free indices {', '.join(form.indices)} but {len(shape or ())} axes")
        out = np.empty(shape, dtype=object)
        head = shape[:len(form.indices)]
        for position in np.ndindex(*head):
            indices = {name: i + 1 for name, i in zip(form.indices, position)}
            value = _fit(Realizer(rule, sizes, leaves=leaves, indices=indices)(form.expr), shape[len(head):])
            out[position] = value[()] if value.shape == () else value
        return out
    except ShapeMismatch:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, NotImplementedError) as error:
        raise ShapeMismatch(str(error).splitlines()[0] if str(error) else type(error).__name__) from None


def _fit(value: np.ndarray, shape) -> np.ndarray:
    if shape is None or value.shape == tuple(shape):
        return value
    if value.shape == ():  # one number for a whole array: the same in every component
        out = np.empty(shape, dtype=object)
        out.fill(value[()])
        return out
    raise ShapeMismatch(f"the formula has shape {value.shape}, expected {tuple(shape)}")


# -- numbers at random points ------------------------------------------------------------

class Evaluator:
    """The values of realized arrays at ``n`` random points of a rule's inputs (fixed for its life)."""

    def __init__(self, rule, sizes: dict, n: int = POINTS, seed: int = 5):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.data: dict = {}
        realizer = Realizer(rule, sizes)
        for name, array in realizer.free_components().items():
            domain = rule.inputs[name].domain if name in rule.inputs else LEAF_DOMAIN
            drawn = domain.sample(self.rng, (n,) + array.shape)
            if isinstance(domain, OneHot) and array.shape:
                drawn[::2] = domain.sample_one_hot(self.rng, (n // 2 + n % 2,) + array.shape)
            for index in np.ndindex(array.shape):
                self.data[array[index]] = np.asarray(drawn[(slice(None),) + index], dtype=float)
        self.inputs = list(self.data)
        self._interpreter = Interpreter(self.data)

    def _draw_free(self, symbol):
        """A variable the rule does not know: half the points in (0.05, 0.95), half normal(0, 2)."""
        n = self.n
        self.data[symbol] = np.where(np.arange(n) % 2 == 0, self.rng.uniform(0.05, 0.95, n),
                                     self.rng.normal(0, 2, n))

    def values(self, array) -> np.ndarray:
        """(components, n) float values; NaN where undefined."""
        exprs = [sp.sympify(e) for e in np.ravel(np.asarray(array, dtype=object))]
        while True:
            try:
                return float_values(exprs, self.data, self.n, interpreter=self._interpreter)
            except Unevaluable as missing:
                unknown = {s for e in exprs for s in e.free_symbols if s not in self.data}
                if not unknown:
                    raise ShapeMismatch(str(missing)) from None
                self._draw_free(min(unknown, key=str))


# -- the comparison ------------------------------------------------------------------------

def compare(rule, a: Form, b: Form, sizes: dict, shape, deadline: Deadline, *, leaves=(),
            evaluator: Evaluator | None = None):
    """Is ``a`` equal to ``b`` at ``sizes``? Returns (Equality, evaluator, a's values, b's values);
    the values (full expansion, at the evaluator's points) are None when the symbolic stage decided."""
    if a.expr.has(sp.Derivative) or b.expr.has(sp.Derivative):
        leaves = ()
    if _symbolically_equal(rule, a, b, sizes, shape, leaves, deadline):
        return Equality(True, SYMBOLIC), evaluator, None, None
    deadline.check()
    left, right = realize(rule, a, sizes, shape), realize(rule, b, sizes, shape)
    if left.shape != right.shape:
        raise ShapeMismatch(f"shapes {left.shape} and {right.shape} differ")
    evaluator = evaluator or Evaluator(rule, sizes)
    x, y = evaluator.values(left), evaluator.values(right)
    deadline.check()
    result = equal_numerically(list(np.ravel(left)), list(np.ravel(right)), evaluator.data, evaluator.n,
                               left_values=x, right_values=y, undefined_differs=True)
    return result, evaluator, x, y


def _symbolically_equal(rule, a, b, sizes, shape, leaves, deadline) -> bool:
    seconds = min(SYMBOLIC_SECONDS, deadline.left() / 3)
    if seconds <= 0.05:
        return False

    def pairs():
        try:
            left = realize(rule, a, sizes, shape, leaves)
            right = realize(rule, b, sizes, shape, leaves)
        except ShapeMismatch:
            return None
        return zip(np.ravel(left), np.ravel(right)) if left.shape == right.shape else None

    constraints = constraints_for(rule, Realizer(rule, sizes, leaves=leaves))
    return equal_symbolically(pairs, constraints=constraints, seconds=seconds)


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal at every point where both are defined, and defined at the same points (diagnosis)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    if (fa != fb).any() or fa.sum() < 0.5 * a.size:
        return False
    with np.errstate(invalid="ignore"):
        return bool((np.abs(a - b) <= 1e-7 * (1 + np.abs(a) + np.abs(b)))[fa].all())


__all__ = ["Deadline", "Equality", "Evaluator", "Form", "ShapeMismatch", "compare",
           "concrete_sizes", "free_indices", "quantities_used", "realize", "same_values"]
