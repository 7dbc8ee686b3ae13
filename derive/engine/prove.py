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
    if difference.has(sp.Integral):
        return _integrals_cancel(difference)
    for method in (sp.expand, lambda e: sp.cancel(sp.together(e)), sp.simplify):
        if method(difference) == 0:
            return True
    return False


def _integrals_cancel(difference: sp.Expr) -> bool:
    """Σ_i c_i ∫ f_i dx + r, over one set of limits with c_i free of x, is 0 when r is 0 and
    Σ_i c_i f_i is 0 at every x. Anything else is left to quadrature: evaluating the
    integrals here would repeat the very ``integrate`` that a step displays."""
    integrals = list(difference.atoms(sp.Integral))
    if len({i.limits for i in integrals}) != 1:
        return False
    stand_ins = [sp.Dummy() for _ in integrals]
    linear = difference.xreplace(dict(zip(integrals, stand_ins)))
    coefficients = [sp.diff(linear, u) for u in stand_ins]
    bound = set(integrals[0].variables)
    if any(c.has(*stand_ins) or c.free_symbols & bound for c in coefficients):
        return False
    rest = linear.subs({u: 0 for u in stand_ins})
    integrand = sp.Add(*(c * i.function for c, i in zip(coefficients, integrals)))
    return _is_zero(rest) and _is_zero(integrand)


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
    how = "float64; integrals by quadrature" if any(sp.sympify(e).has(sp.Integral) for e in sum(pairs, ())) \
        else "float64"
    method = f"numeric ({how}, {points} points)"
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
    """An unevaluated ``Integral`` has no NumPy form: each one is replaced by its value at
    every point, found by quadrature (an independent check of what ``integrate`` found)."""
    integrals = sorted(set().union(*(sp.sympify(e).atoms(sp.Integral) for e in exprs)), key=str)
    stand_ins = {integral: sp.Dummy() for integral in integrals}
    known = dict(values)
    for integral, stand_in in stand_ins.items():
        known[stand_in] = _quadrature(integral, symbols, values, points)
    replaced = [sp.sympify(e).xreplace(stand_ins) for e in exprs]
    return _evaluate(replaced, list(symbols) + list(stand_ins.values()), known, points)


#: ∫_{-∞}^{∞} f(x) dx as a trapezoid rule in t with x = sinh t (h = 1/128, |x| <= 548):
#: exponentially accurate for smooth integrands that decay fast, such as Gaussians
#: of any width from about 0.02 up and any centre well inside the range.
_QUAD_T = np.linspace(-7.0, 7.0, 14 * 128 + 1)
_QUAD_X = np.sinh(_QUAD_T)
_QUAD_W = np.cosh(_QUAD_T) * (_QUAD_T[1] - _QUAD_T[0])


def _quadrature(integral: sp.Integral, symbols, values, points) -> np.ndarray:
    """The integral at each point; NaN where it is not over the real line or the integrand is not finite."""
    if len(integral.limits) != 1 or tuple(integral.limits[0][1:]) != (-sp.oo, sp.oo):
        return np.full(points, np.nan)
    variable = integral.limits[0][0]
    function = sp.lambdify(list(symbols) + [variable], integral.function,
                           modules=[NUMPY_FUNCTIONS, "numpy"])
    with np.errstate(all="ignore"):
        raw = function(*(np.asarray(values[s], dtype=float)[:, None] for s in symbols), _QUAD_X[None, :])
        integrand = np.broadcast_to(np.asarray(raw, dtype=float), (points, _QUAD_X.size))
        result = integrand @ _QUAD_W
    failed = np.flatnonzero(~np.isfinite(result))
    if failed.size:  # float64 underflow in the tails (0 · log 0): mpmath's exponents do not underflow
        result[failed] = _mp_quadrature(integral, symbols, values, failed)
    return result


def _mp_quadrature(integral: sp.Integral, symbols, values, at) -> list[float]:
    """The integral by ``mpmath.quad`` at the points ``at``; NaN where it is undefined."""
    out = []
    with mpmath.workdps(15):
        function = sp.lambdify(list(symbols), integral, modules=[MPMATH_FUNCTIONS, "mpmath"])
        for point in at:
            try:
                value = mpmath.mpmathify(function(*(mpmath.mpf(float(values[s][point])) for s in symbols)))
            except (ZeroDivisionError, ValueError, OverflowError):
                value = mpmath.nan
            out.append(float(value.real) if value.imag == 0 else np.nan)
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
