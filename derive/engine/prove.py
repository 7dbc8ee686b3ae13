"""Prove two realized expressions equal, and say how.

Symbolic first, under a time budget: the difference, with the inputs'
constraints substituted (y_K = 1 − Σ_{k<K} y_k for a one-hot y), must simplify
to 0. Where SymPy cannot do that in time, numerically: both sides are evaluated
in float64 at 30 or more random points of the inputs' domains; points where
float64 is too coarse to decide (large cancellations) are evaluated again with
mpmath at 50 significant digits. A proof records the method that succeeded; a
failure records a counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from derive.engine.budget import time_budget
from derive.errors import TooComplex
from derive.symbolic.functions import to_elementary

POINTS = 30
RTOL = 1e-9
MP_DIGITS = 50
#: Working precision of mpmath.quad for integrals (float64 is then decided reliably).
QUAD_DIGITS = 20


@dataclass
class Proof:
    ok: bool
    method: str
    detail: str = ""
    counterexample: dict | None = None

    def __bool__(self):
        return self.ok


def _np_sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


NUMPY_FUNCTIONS = {
    "sigmoid": _np_sigmoid,
    "softplus": lambda x: np.logaddexp(0.0, x),
    "relu": lambda x: np.maximum(x, 0.0),
}
MPMATH_FUNCTIONS = {
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
    "relu": lambda x: x if x > 0 else mpmath.mpf(0),
    "Heaviside": lambda x, h=0.5: mpmath.mpf(1) if x > 0 else (mpmath.mpf(h) if x == 0 else mpmath.mpf(0)),
}


def prove_equal(lhs: np.ndarray, rhs: np.ndarray, *, sample, constraints=None,
                symbolic_seconds: float = 2.0, points: int = POINTS, seed: int = 0) -> Proof:
    """Prove every component of ``lhs`` equal to the same component of ``rhs``.

    ``sample(rng, symbols, n)`` returns a value array of length n for each symbol.
    """
    lhs, rhs = np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object)
    if lhs.shape != rhs.shape:
        return Proof(False, "shape", f"shapes differ: {lhs.shape} and {rhs.shape}")
    pairs = list(zip(lhs.ravel(), rhs.ravel()))
    if symbolic_seconds > 0 and _symbolically_equal(pairs, constraints or {}, symbolic_seconds):
        return Proof(True, "symbolic")
    return _numerically_equal(pairs, sample, points, seed)


def _symbolically_equal(pairs, constraints, seconds) -> bool:
    try:
        with time_budget(seconds):
            return all(_is_zero(to_elementary(a - b).subs(constraints)) for a, b in pairs)
    except (TooComplex, RecursionError, TypeError, ValueError, NotImplementedError):
        return False


def _is_zero(difference: sp.Expr) -> bool:
    if difference == 0:
        return True
    for method in (sp.expand, lambda e: sp.cancel(sp.together(e)), sp.simplify):
        if method(difference) == 0:
            return True
    return False


def _numerically_equal(pairs, sample, points, seed) -> Proof:
    symbols = sorted(set().union(*(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols
                                   for a, b in pairs)), key=str)
    rng = np.random.default_rng(seed)
    values = sample(rng, symbols, points)
    left = _evaluate([a for a, _ in pairs], symbols, values, points)
    right = _evaluate([b for _, b in pairs], symbols, values, points)
    with np.errstate(invalid="ignore"):
        close = np.abs(left - right) <= RTOL * (1.0 + np.abs(left) + np.abs(right))
    defined = np.isfinite(left) & np.isfinite(right)
    undecided = ~close & defined
    if defined.sum() < min(points, 30):
        return Proof(False, "numeric", "could not be evaluated at enough points of the domain")
    method = f"numeric (float64, {points} points)"
    for component, point in zip(*np.nonzero(undecided)):
        a, b = pairs[component]
        at = {s: values[s][point] for s in symbols}
        if not _mp_equal(a, b, at):
            example = {str(s): float(v) for s, v in at.items()}
            return Proof(False, "numeric",
                         f"differ at a point: {float(left[component, point]):.6g} vs "
                         f"{float(right[component, point]):.6g}", example)
        method = f"numeric (float64, {points} points; mpmath {MP_DIGITS} digits where float64 was too coarse)"
    return Proof(True, method)


def _evaluate(exprs, symbols, values, points) -> np.ndarray:
    if any(sp.sympify(e).has(sp.Integral) for e in exprs):
        return _evaluate_by_quadrature(exprs, symbols, values, points)
    function = sp.lambdify(symbols, list(exprs), modules=[NUMPY_FUNCTIONS, "numpy"])
    with np.errstate(all="ignore"):
        raw = function(*(values[s] for s in symbols))
    out = np.empty((len(exprs), points))
    for i, r in enumerate(raw):
        out[i] = np.broadcast_to(np.asarray(r, dtype=float), (points,))
    return out


def _evaluate_by_quadrature(exprs, symbols, values, points) -> np.ndarray:
    """An unevaluated ``Integral`` has no NumPy form: evaluate point by point with mpmath,
    each integral by ``mpmath.quad`` (an independent check of what ``integrate`` found)."""
    out = np.full((len(exprs), points), np.nan)
    with mpmath.workdps(QUAD_DIGITS):
        function = sp.lambdify(symbols, list(exprs), modules=[MPMATH_FUNCTIONS, "mpmath"])
        for point in range(points):
            try:
                row = function(*(mpmath.mpf(float(values[s][point])) for s in symbols))
            except (ZeroDivisionError, ValueError, OverflowError):
                continue  # undefined here: left as NaN, not a counterexample
            out[:, point] = [float(v) if mpmath.im(v) == 0 else np.nan for v in map(mpmath.mpmathify, row)]
    return out


def _mp_equal(a, b, at) -> bool:
    with mpmath.workdps(MP_DIGITS):
        symbols = list(at)
        function = sp.lambdify(symbols, [a, b], modules=[MPMATH_FUNCTIONS, "mpmath"])
        try:
            x, y = function(*(mpmath.mpf(float(at[s])) for s in symbols))
        except (ZeroDivisionError, ValueError):
            return True  # undefined at this point: not a counterexample
        scale = 1 + abs(x) + abs(y)
        return abs(x - y) <= mpmath.mpf(10) ** (-(MP_DIGITS - 10)) * scale
