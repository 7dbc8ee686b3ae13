"""Decide whether two formulas of a rule are equal: symbolically, then at random points.

How it works
------------
A formula is a :class:`Form`: a SymPy expression in a rule's names and its free
indices. :func:`realize` expands it at concrete sizes into an object array of
scalar expressions (one per component of the quantity; a free index runs over
its axis), with :class:`derive.engine.realize.Realizer`.

:func:`compare` then decides, in two stages:

1. **symbolic**, with the quantities that appear in the formulas held as free
   variables ("leaves": ∂L/∂h stays a symbol instead of expanding into the whole
   network); a difference that simplifies to 0 there is 0 for every input. The
   one-hot target's constraint Σ_k y_k = 1 is substituted. This stage has a time
   budget and is skipped when a formula differentiates (a leaf would be a constant).
2. **numeric**, fully expanded into the inputs, at 200 random points of the
   inputs' domains (a one-hot target is drawn one-hot at half of the points and
   on the simplex at the others). The values come from :class:`Evaluator`, a
   small interpreter that walks the expression graph once with a memo: realized
   expressions share their subexpressions massively (the LSTM's h appears in
   every later quantity), and code generation with ``lambdify`` would walk them
   as trees, taking seconds. Points where float64 leaves a doubt (a relative
   difference between 1e-9 and 1e-6) are evaluated again with mpmath at 50
   digits; a point where one formula is defined and the other is not is a
   difference too (checked again the same way).

Example: ``ŷ_j − y_j`` against ``dL/do`` of softmax_ce at K = 2: leaves {y_hat};
the realized difference [ŷ[1] − y[1] − (ŷ[1] − y[1]), ...] is 0: equal, "symbolic".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import log1p

from derive.engine.budget import time_budget
from derive.engine.domains import OneHot
from derive.engine.realize import Realizer
from derive.engine.verify import LEAF_DOMAIN, constraints_for
from derive.errors import TooComplex
from derive.symbolic.functions import relu, sigmoid, softplus, to_elementary

POINTS = 200
RTOL = 1e-9  # below: equal
CLEAR = 1e-6  # above: different, whatever float64's rounding
MP_DIGITS = 50
SYMBOLIC_SECONDS = 1.5


class Deadline:
    """A wall-clock deadline that code can check between steps."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise TooComplex(f"the check ran out of its time budget ({self.seconds:g} s)")


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

def _np_sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _mp_log(x):
    return mpmath.log(x) if x > 0 else (mpmath.mpf("-inf") if x == 0 else mpmath.nan)


#: Beyond this, e^x is not computed at 50 digits (mpmath would work out ln 2 to x's own size).
MP_EXP_LIMIT = 10**8


def _mp_exp(x):
    if x > MP_EXP_LIMIT:
        return mpmath.inf
    return mpmath.exp(x) if x > -MP_EXP_LIMIT else mpmath.mpf(0)


def _mp_sigmoid(x):
    return 1 / (1 + _mp_exp(-x))


_NUMPY = {sp.exp: np.exp, sp.log: np.log, sp.tanh: np.tanh, sp.sinh: np.sinh, sp.cosh: np.cosh,
          sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan, sp.Abs: np.abs, sp.sign: np.sign,
          sigmoid: _np_sigmoid, softplus: lambda x: np.logaddexp(0.0, x), relu: lambda x: np.maximum(x, 0.0),
          log1p: np.log1p}
_MPMATH = {sp.exp: _mp_exp, sp.log: _mp_log, sp.tanh: mpmath.tanh,
           sp.sinh: lambda x: (_mp_exp(x) - _mp_exp(-x)) / 2, sp.cosh: lambda x: (_mp_exp(x) + _mp_exp(-x)) / 2,
           sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan, sp.Abs: abs, sp.sign: mpmath.sign,
           sigmoid: _mp_sigmoid, softplus: lambda x: _mp_log(1 + _mp_exp(x)), relu: lambda x: max(x, mpmath.mpf(0)),
           log1p: lambda x: _mp_log(1 + x)}
_RELATIONS = {sp.StrictGreaterThan: lambda a, b: a > b, sp.GreaterThan: lambda a, b: a >= b,
              sp.StrictLessThan: lambda a, b: a < b, sp.LessThan: lambda a, b: a <= b,
              sp.Eq: lambda a, b: a == b, sp.Ne: lambda a, b: a != b}


class Unevaluable(Exception):
    pass


class _Interpreter:
    """Values of an expression graph, each node computed once (memo), with NumPy or mpmath."""

    def __init__(self, values: dict, exact: bool):
        self.values, self.exact = values, exact
        self.functions = _MPMATH if exact else _NUMPY
        self.memo: dict = {}

    def __call__(self, node):
        hit = self.memo.get(node)
        if hit is None:
            hit = self.memo[node] = self._compute(node)
        return hit

    def _number(self, node):
        return mpmath.mpf(sp.Float(node, MP_DIGITS)._mpf_) if self.exact else float(node)

    def _compute(self, node):
        if node.is_Symbol:
            if node not in self.values:
                raise Unevaluable(f"no value for {node}")
            return self.values[node]
        if node.is_Number or node.is_NumberSymbol:
            return self._number(node)
        if node in (sp.true, sp.false):
            return bool(node)
        if isinstance(node, sp.Piecewise):
            return self._piecewise(node)
        args = [self(a) for a in node.args]
        if isinstance(node, sp.Add):
            return sum(args[1:], args[0])
        if isinstance(node, sp.Mul):
            out = args[0]
            for a in args[1:]:
                out = out * a
            return out
        if isinstance(node, sp.Pow):
            return self._power(*args)
        if node.func in self.functions:
            return self.functions[node.func](*args)
        if isinstance(node, sp.Heaviside):
            x, h = args[0], (args[1] if len(args) > 1 else 0.5)
            return np.heaviside(x, h) if not self.exact else (mpmath.mpf(1) if x > 0 else (h if x == 0 else 0))
        if isinstance(node, (sp.Max, sp.Min)):
            pick = (np.maximum if isinstance(node, sp.Max) else np.minimum) if not self.exact else \
                (max if isinstance(node, sp.Max) else min)
            out = args[0]
            for a in args[1:]:
                out = pick(out, a)
            return out
        if type(node) in _RELATIONS:
            return _RELATIONS[type(node)](*args)
        if isinstance(node, (sp.And, sp.Or)):
            combine = (np.logical_and if isinstance(node, sp.And) else np.logical_or) if not self.exact else \
                ((lambda a, b: a and b) if isinstance(node, sp.And) else (lambda a, b: a or b))
            out = args[0]
            for a in args[1:]:
                out = combine(out, a)
            return out
        raise Unevaluable(f"cannot evaluate {type(node).__name__} numerically")

    def _power(self, base, exponent):
        if self.exact:
            if base != 0 and abs(exponent) * abs(mpmath.log(abs(base))) > MP_EXP_LIMIT:
                return mpmath.inf if exponent * mpmath.log(abs(base)) > 0 else mpmath.mpf(0)
            value = mpmath.power(base, exponent)
            return mpmath.nan if isinstance(value, mpmath.mpc) and value.imag != 0 else mpmath.re(value)
        return np.power(np.asarray(base, dtype=float), exponent)

    def _piecewise(self, node):
        values = [self(e) for e, _ in node.args]
        conditions = [self(c) for _, c in node.args]
        if self.exact:
            return next((v for v, c in zip(values, conditions) if c), mpmath.nan)
        shape = np.broadcast(*values, *[np.asarray(c) for c in conditions]).shape
        return np.select([np.broadcast_to(c, shape) for c in conditions],
                         [np.broadcast_to(v, shape) for v in values], default=np.nan)


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
        self._interpreter = _Interpreter(self.data, exact=False)

    def _draw_free(self, symbol):
        """A variable the rule does not know: half the points in (0.05, 0.95), half normal(0, 2)."""
        n = self.n
        self.data[symbol] = np.where(np.arange(n) % 2 == 0, self.rng.uniform(0.05, 0.95, n),
                                     self.rng.normal(0, 2, n))

    def values(self, array) -> np.ndarray:
        """(components, n) float values; NaN where undefined."""
        exprs = [sp.sympify(e) for e in np.ravel(np.asarray(array, dtype=object))]
        out = np.empty((len(exprs), self.n))
        with np.errstate(all="ignore"):
            for i, expr in enumerate(exprs):
                while True:
                    try:
                        value = self._interpreter(expr)
                        break
                    except Unevaluable as missing:
                        symbol = next((s for s in expr.free_symbols if s not in self.data), None)
                        if symbol is None:
                            raise ShapeMismatch(str(missing)) from None
                        self._draw_free(symbol)
                value = np.asarray(value)
                if np.iscomplexobj(value):
                    value = np.where(np.abs(value.imag) > 0, np.nan, value.real)
                out[i] = np.broadcast_to(np.where(np.isfinite(value), value, np.nan).astype(float), (self.n,))
        return out

    def point(self, column: int) -> dict:
        return {str(s): float(v[column]) for s, v in sorted(self.data.items(), key=lambda kv: str(kv[0]))}

    def exact(self, expr, column: int):
        """The value at one point with mpmath (None when undefined there)."""
        at = {s: mpmath.mpf(float(v[column])) for s, v in self.data.items()}
        with mpmath.workdps(MP_DIGITS):
            try:
                value = _Interpreter(at, exact=True)(sp.sympify(expr))
            except (Unevaluable, ZeroDivisionError, ValueError, TypeError, OverflowError):
                return None
            if isinstance(value, bool) or not mpmath.isfinite(value):
                return None
            return value


# -- the comparison ------------------------------------------------------------------------

@dataclass
class Comparison:
    equal: bool | None  # None: undecided (evaluated at too few points)
    method: str
    detail: str = ""
    counterexample: dict | None = None


def compare(rule, a: Form, b: Form, sizes: dict, shape, deadline: Deadline, *, leaves=(),
            evaluator: Evaluator | None = None):
    """Is ``a`` equal to ``b`` at ``sizes``? Returns (Comparison, evaluator, a's values, b's values);
    the values (full expansion, at the evaluator's points) are None when the symbolic stage decided."""
    if a.expr.has(sp.Derivative) or b.expr.has(sp.Derivative):
        leaves = ()
    if _symbolically_equal(rule, a, b, sizes, shape, leaves, deadline):
        return Comparison(True, "symbolic"), evaluator, None, None
    deadline.check()
    left, right = realize(rule, a, sizes, shape), realize(rule, b, sizes, shape)
    if left.shape != right.shape:
        raise ShapeMismatch(f"shapes {left.shape} and {right.shape} differ")
    evaluator = evaluator or Evaluator(rule, sizes)
    x, y = evaluator.values(left), evaluator.values(right)
    deadline.check()
    return _numeric(evaluator, left, right, x, y), evaluator, x, y


def _symbolically_equal(rule, a, b, sizes, shape, leaves, deadline) -> bool:
    seconds = min(SYMBOLIC_SECONDS, deadline.left() / 3)
    if seconds <= 0.05:
        return False
    try:
        with time_budget(seconds):
            left = realize(rule, a, sizes, shape, leaves)
            right = realize(rule, b, sizes, shape, leaves)
            if left.shape != right.shape:
                return False
            constraints = constraints_for(rule, Realizer(rule, sizes, leaves=leaves))
            return all(_is_zero(to_elementary(sp.sympify(p) - sp.sympify(q)).subs(constraints))
                       for p, q in zip(np.ravel(left), np.ravel(right)))
    except (TooComplex, ShapeMismatch, RecursionError, TypeError, ValueError, NotImplementedError,
            AttributeError):
        return False


def _is_zero(difference) -> bool:
    if difference == 0:
        return True
    if difference.has(sp.Integral, sp.Derivative):
        return False
    for method in (sp.expand, lambda e: sp.cancel(sp.together(e)), sp.simplify):
        if method(difference) == 0:
            return True
    return False


def _numeric(evaluator: Evaluator, left, right, x, y) -> Comparison:
    lefts, rights = np.ravel(left), np.ravel(right)
    method = f"numeric ({evaluator.n} points)"
    for component, column in np.argwhere(np.isfinite(x) != np.isfinite(y))[:10]:
        a = evaluator.exact(lefts[component], column)
        b = evaluator.exact(rights[component], column)
        if (a is None) != (b is None):
            which = "the first" if a is None else "the second"
            return Comparison(False, method, f"{which} is undefined (or overflows) at a point where the other is "
                              f"{float(b if a is None else a):.6g}", evaluator.point(column))
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < min(30, x.size):
        return Comparison(None, method, "could not be evaluated at enough points of the domain")
    with np.errstate(invalid="ignore"):
        gap = np.where(both, np.abs(x - y) / (1 + np.abs(x) + np.abs(y)), 0.0)
    for component, column in np.argwhere(gap > RTOL):
        if gap[component, column] <= CLEAR:
            a = evaluator.exact(lefts[component], column)
            b = evaluator.exact(rights[component], column)
            if a is None or b is None or abs(a - b) <= mpmath.mpf(10) ** (10 - MP_DIGITS) * (1 + abs(a) + abs(b)):
                method = f"numeric ({evaluator.n} points; mpmath {MP_DIGITS} digits where float64 was too coarse)"
                continue
        return Comparison(False, method, f"{x[component, column]:.6g} vs {y[component, column]:.6g}",
                          evaluator.point(column))
    return Comparison(True, method)


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal at every point where both are defined, and defined at the same points (diagnosis)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    if (fa != fb).any() or fa.sum() < 0.5 * a.size:
        return False
    with np.errstate(invalid="ignore"):
        return bool((np.abs(a - b) <= 1e-7 * (1 + np.abs(a) + np.abs(b)))[fa].all())


__all__ = ["Comparison", "Deadline", "Evaluator", "Form", "ShapeMismatch", "compare",
           "concrete_sizes", "free_indices", "quantities_used", "realize", "same_values"]
