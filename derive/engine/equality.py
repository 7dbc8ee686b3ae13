"""Is a = b for every input? One procedure for the prover and the checker.

How it works
------------
Both sides are lists of SymPy scalar expressions, the components of a quantity
(a step's two sides in :mod:`derive.engine.prove`, a student's formula and the
rule's in :mod:`derive.check.compare`). They are equal when every component is.

1. **symbolic** (:func:`equal_symbolically`): each difference a − b, with the
   inputs' constraints substituted (y_K = 1 − Σ_{k<K} y_k for a one-hot y), must
   be 0 as a polynomial in its symbols and its non-polynomial subterms σ(…),
   tanh(…)… (:mod:`derive.engine.polynomial`, exact and fast) or, with σ, softplus
   and ReLU rewritten into exp, log and Max, become 0 under ``expand``, ``cancel``
   or ``simplify`` (:func:`is_zero`), within a budget of CPU seconds. A difference
   that does not (or not in time) is left to the next stage.
2. **numeric** (:func:`equal_numerically`): both sides are evaluated in float64
   at random points of the inputs' domains by an :class:`Interpreter`, which
   walks the expression graph once with a memo (realized expressions share their
   subexpressions massively: the LSTM's h appears in every later quantity). Where
   float64 cannot confirm equality (a relative gap above :data:`RTOL`) the point is
   evaluated again with mpmath at :data:`MP_DIGITS` digits, and only a difference
   mpmath confirms is a counterexample. Too few points where both sides are
   defined leave the question undecided.

What differs between the two callers is a parameter: the points (30 from the
prover's sampler, 200 kept by the checker for its diagnosis), the budget,
``quadrature`` (the prover's steps hold integrals over the real line) and
``undefined_differs`` (a student's formula undefined where the quantity is
defined is wrong; a step of a proof may be undefined where the one before is
not, as log u in the general power rule for u < 0).

The answer is an :class:`Equality`: equal, different (with the point and both
sides' values there, as numbers) or undecided, and the method that decided.

Example: (x + 10²⁰) − 10²⁰ against x, unevaluated and without the symbolic stage:
float64 gives 0 against x at every point, a gap far above RTOL; mpmath at 50
digits gives x against x: equal, "numeric (float64, 30 points; mpmath 50 digits
where float64 was too coarse)".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from derive.engine.budget import time_budget
from derive.engine.polynomial import is_zero_polynomial
from derive.errors import TooComplex
from derive.symbolic.functions import ML_FUNCTIONS, leaky_relu, relu, sigmoid, softplus, to_elementary

RTOL = 1e-9  # float64 values closer than this (relative to 1 + |a| + |b|) are equal
MP_DIGITS = 50
#: mpmath values closer than this (relative) are equal: 10 of the 50 digits may be lost to rounding.
MP_RTOL = mpmath.mpf(10) ** (10 - MP_DIGITS)
#: At least this many defined values (both sides finite) to decide numerically.
MIN_DEFINED = 30
#: At most this many points where only one side is defined are checked again with mpmath.
MAX_UNDEFINED_CHECKS = 10


# -- the answer ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Equality:
    """Whether two lists of expressions are equal, how that was decided, and where they differ.

    ``equal`` is None when undecided. When they differ numerically, ``point`` is
    the counterexample (every input by its name), ``component`` the component that
    differs there and ``left`` / ``right`` its two values (None: undefined there).
    ``reason`` says in words what numbers cannot (shapes that differ, too few points).
    """

    equal: bool | None
    method: str
    reason: str = ""
    point: dict[str, float] | None = None
    component: int | None = None
    left: float | None = None
    right: float | None = None

    @property
    def ok(self) -> bool:
        return self.equal is True

    def __bool__(self) -> bool:
        return self.ok

    @property
    def counterexample(self) -> dict[str, float] | None:
        return self.point

    @property
    def detail(self) -> str:
        """For reading only: the reason, or both values at the counterexample."""
        if self.reason or self.point is None:
            return self.reason
        if self.left is None or self.right is None:
            which, other = ("the first", self.right) if self.left is None else ("the second", self.left)
            return f"{which} is undefined (or overflows) at a point where the other is {other:.6g}"
        return f"{self.left:.6g} vs {self.right:.6g}"


SYMBOLIC = "symbolic"


def numeric_method(points: int, *, integrals: bool = False, exact: bool = False) -> str:
    """The method of a numeric decision, as proofs and reports name it."""
    how = "float64; integrals by quadrature" if integrals else "float64"
    extra = f"; mpmath {MP_DIGITS} digits where float64 was too coarse" if exact else ""
    return f"numeric ({how}, {points} points{extra})"


# -- stage 1: symbolic -------------------------------------------------------------------

def equal_symbolically(pairs: Iterable | Callable[[], Iterable], *, constraints: dict | None = None,
                       seconds: float) -> bool:
    """True when every difference a − b of ``pairs`` is 0 (see :func:`is_zero`) within ``seconds``.

    ``pairs`` may be a function that returns them (its work then counts against the
    budget too; it returns None when there is nothing to compare). False means
    "not shown", never "different".
    """
    if seconds <= 0:
        return False
    try:
        with time_budget(seconds):
            if callable(pairs):
                pairs = pairs()
                if pairs is None:
                    return False
            return all(_difference_is_zero(sp.sympify(a) - sp.sympify(b), constraints) for a, b in pairs)
    except (TooComplex, RecursionError, TypeError, ValueError, NotImplementedError, AttributeError,
            ArithmeticError, MemoryError):  # e.g. SymPy evaluating e^{e^{e^{e^{e^{10}}}}} overflows
        return False


def _difference_is_zero(difference: sp.Expr, constraints: dict | None) -> bool:
    """0 as a polynomial in its symbols and non-polynomial subterms (:mod:`derive.engine.polynomial`,
    milliseconds), else by :func:`is_zero` on its elementary form; the constraints substituted in both."""
    if is_zero_polynomial(difference.subs(constraints) if constraints else difference):
        return True
    return is_zero(to_elementary(difference).subs(constraints or {}))


def is_zero(difference: sp.Expr) -> bool:
    """True when ``difference`` is 0 as written, or after expand, cancel, a trigonometric expand (for
    sines and cosines) or simplify.

    Before ``simplify`` (the slow one: a tenth of a second for a small difference, seconds for a
    large one, and its first call imports SymPy's unit systems), the difference is evaluated at a
    few points: nonzero at one of them, confirmed with mpmath, it is not 0, and simplify, which
    only rewrites an expression into one equal wherever the symbols' assumptions hold, could not
    make it 0 (see :func:`nonzero_somewhere`).
    """
    if difference == 0:
        return True
    if difference.has(sp.Derivative):
        return False  # the numeric stage takes the derivative; here a held quantity would be a constant
    if difference.has(sp.Integral):
        return _integrals_cancel(difference)
    for method in (sp.expand, _cancel):
        if method(difference) == 0:
            return True
    if difference.has(sp.sin, sp.cos) and sp.expand(difference, trig=True) == 0:
        return True  # angle addition: sin(a + b) = sin a cos b + cos a sin b
    if nonzero_somewhere(difference):
        return False
    return sp.simplify(difference) == 0


#: Points at which :func:`nonzero_somewhere` evaluates a difference (a fixed seed: the same points every run).
DISPROOF_POINTS = 12
#: The assumptions a symbol may carry for :func:`nonzero_somewhere` to draw its values (signs, being real).
_DRAWABLE = frozenset({
    "commutative", "complex", "hermitian", "imaginary", "finite", "infinite", "real", "extended_real", "zero",
    "nonzero", "positive", "negative", "nonnegative", "nonpositive", "extended_nonzero", "extended_positive",
    "extended_negative", "extended_nonnegative", "extended_nonpositive"})


def nonzero_somewhere(expr: sp.Expr) -> bool:
    """Whether ``expr`` is nonzero at one of a few points drawn within its symbols' assumptions.

    Each symbol's values have magnitudes in [0.1, 1.5], with its sign where its assumptions fix one
    (positive, nonpositive...) and random signs otherwise; a symbol with any other assumption
    (integer, imaginary...) leaves the question open (False). A point counts only where float64
    sees a gap above :data:`RTOL` (relative to the size of the terms) and mpmath at
    :data:`MP_DIGITS` digits confirms it, the standard of :func:`equal_numerically`'s differences.
    """
    symbols = sorted(expr.free_symbols, key=str)
    rng = np.random.default_rng(0)
    values = {}
    for symbol in symbols:
        if not isinstance(symbol, sp.Symbol) or not set(symbol.assumptions0) <= _DRAWABLE \
                or symbol.is_imaginary or symbol.is_zero or symbol.is_infinite:
            return False
        sign = 1 if symbol.is_nonnegative else -1 if symbol.is_nonpositive else None
        signs = rng.choice([-1.0, 1.0], DISPROOF_POINTS) if sign is None else float(sign)
        values[symbol] = rng.uniform(0.1, 1.5, DISPROOF_POINTS) * signs
    terms = list(expr.args) if expr.is_Add else [expr]
    try:
        computed = float_values([expr, *terms], values, DISPROOF_POINTS)
    except (Unevaluable, ArithmeticError, ValueError, TypeError):
        return False
    size = 1 + np.abs(computed[1:]).sum(axis=0)
    with np.errstate(invalid="ignore"):
        candidates = np.flatnonzero(np.abs(computed[0]) > RTOL * size)
    for column in candidates[:3]:
        at = {s: mpmath.mpf(float(v[column])) for s, v in values.items()}
        exact = [exact_value(e, at) for e in (expr, *terms)]
        if any(v is None for v in exact):
            continue
        if abs(exact[0]) > MP_RTOL * (1 + sum(abs(v) for v in exact[1:])):
            return True
    return False


def _cancel(expr: sp.Expr) -> sp.Expr:
    return sp.cancel(sp.together(expr))


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
    return is_zero(rest) and is_zero(integrand)


# -- the functions, in float64 and in mpmath ----------------------------------------------

def _f_sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _f_softplus(x):
    return np.logaddexp(0.0, x)


def _f_relu(x):
    return np.maximum(x, 0.0)


def _f_leaky_relu(x):
    return np.where(np.asarray(x) > 0, x, 0.01 * np.asarray(x, dtype=float))


def _f_heaviside(x, h=0.5):
    return np.heaviside(x, h)


#: Beyond this, e^x is not computed at 50 digits (mpmath would work out ln 2 to x's own size).
MP_EXP_LIMIT = 10**8


def _mp_exp(x):
    if x > MP_EXP_LIMIT:
        return mpmath.inf
    return mpmath.exp(x) if x > -MP_EXP_LIMIT else mpmath.mpf(0)


def _mp_log(x):
    return mpmath.log(x) if x > 0 else (mpmath.mpf("-inf") if x == 0 else mpmath.nan)


def _mp_log1p(x):
    return _mp_log(1 + x)


def _mp_expm1(x):
    return mpmath.expm1(x) if x < 1 else _mp_exp(x) - 1


def _mp_sinh(x):
    return (_mp_exp(x) - _mp_exp(-x)) / 2


def _mp_cosh(x):
    return (_mp_exp(x) + _mp_exp(-x)) / 2


def _mp_sigmoid(x):
    return 1 / (1 + _mp_exp(-x))


def _mp_softplus(x):
    return _mp_log(1 + _mp_exp(x))


def _mp_relu(x):
    return max(x, mpmath.mpf(0))


def _mp_leaky_relu(x):
    return x if x > 0 else x / 100


def _mp_heaviside(x, h=mpmath.mpf(0.5)):
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(h) if x == 0 else mpmath.mpf(0))


#: SymPy function -> its float64 (NumPy) form.
FLOAT64 = {
    sp.exp: np.exp, sp.log: np.log, log1p: np.log1p, expm1: np.expm1,
    sp.tanh: np.tanh, sp.sinh: np.sinh, sp.cosh: np.cosh, sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan,
    sp.Abs: np.abs, sp.sign: np.sign, sp.Heaviside: _f_heaviside,
    sigmoid: _f_sigmoid, softplus: _f_softplus, relu: _f_relu, leaky_relu: _f_leaky_relu,
}
#: SymPy function -> its mpmath form (at the working precision).
MPMATH = {
    sp.exp: _mp_exp, sp.log: _mp_log, log1p: _mp_log1p, expm1: _mp_expm1,
    sp.tanh: mpmath.tanh, sp.sinh: _mp_sinh, sp.cosh: _mp_cosh, sp.sin: mpmath.sin, sp.cos: mpmath.cos,
    sp.tan: mpmath.tan, sp.Abs: abs, sp.sign: mpmath.sign, sp.Heaviside: _mp_heaviside,
    sigmoid: _mp_sigmoid, softplus: _mp_softplus, relu: _mp_relu, leaky_relu: _mp_leaky_relu,
}


def _by_name(table: dict, library) -> dict:
    """What a table adds to a library, by name: derive's own functions and those the library lacks."""
    return {f.__name__: form for f, form in table.items() if f in ML_FUNCTIONS or not hasattr(library, f.__name__)}


#: For ``sympy.lambdify(..., modules=[NUMPY_FUNCTIONS, numpy])`` (or mpmath); the rest is the library's own.
NUMPY_FUNCTIONS = _by_name(FLOAT64, np)
MPMATH_FUNCTIONS = _by_name(MPMATH, mpmath)


def float64_function(arguments, expr):
    """``expr`` as a NumPy function of ``arguments`` (SymPy's ``lambdify`` with :data:`NUMPY_FUNCTIONS`).

    The namespace is NumPy's module itself, not ``"numpy"``: for that name ``lambdify`` runs
    ``from numpy import *``, which imports every lazily loaded submodule of NumPy (a fifth of a
    second, once per process) for names that scalar formulas never use. The printed code is the same.
    """
    return sp.lambdify(arguments, expr, modules=[NUMPY_FUNCTIONS, np])


_RELATIONS = {sp.StrictGreaterThan: np.greater, sp.GreaterThan: np.greater_equal,
              sp.StrictLessThan: np.less, sp.LessThan: np.less_equal, sp.Eq: np.equal, sp.Ne: np.not_equal}


# -- evaluation ------------------------------------------------------------------------------

class Unevaluable(Exception):
    """An expression with a symbol that has no value, or a node the interpreter does not know."""


#: ∫_{-∞}^{∞} f(x) dx as a trapezoid rule in t with x = sinh t (h = 1/128, |x| <= 548):
#: exponentially accurate for smooth integrands that decay fast, such as Gaussians
#: of any width from about 0.02 up and any centre well inside the range.
_QUAD_T = np.linspace(-7.0, 7.0, 14 * 128 + 1)
_QUAD_X = np.sinh(_QUAD_T)
_QUAD_W = np.cosh(_QUAD_T) * (_QUAD_T[1] - _QUAD_T[0])


class Interpreter:
    """Values of an expression graph, each node computed once (memo).

    ``values`` maps each symbol to a float array (every point at once) or, with
    ``exact``, to an mpmath number (one point, at the working precision).
    """

    def __init__(self, values: dict, *, exact: bool = False, quadrature: bool = False):
        self.values, self.exact, self.quadrature = values, exact, quadrature
        self.functions = MPMATH if exact else FLOAT64
        self.memo: dict = {}

    def __call__(self, node):
        hit = self.memo.get(node)
        if hit is None:
            hit = self.memo[node] = self._compute(node)
        return hit

    def _number(self, node):
        if self.exact:
            return _mp_number(node)
        try:
            return float(node)
        except TypeError:  # zoo, nan: undefined
            return np.nan

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
        if isinstance(node, sp.Integral) and self.quadrature:
            return self._integral(node)
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
        if isinstance(node, (sp.Max, sp.Min, sp.And, sp.Or)):
            return self._fold(node, args)
        if type(node) in _RELATIONS:
            a, b = args
            return bool(_RELATIONS[type(node)](a, b)) if self.exact else _RELATIONS[type(node)](a, b)
        if isinstance(node, sp.Function) and not isinstance(node, sp.core.function.AppliedUndef):
            return self._other(node.func, args)
        raise Unevaluable(f"cannot evaluate {type(node).__name__} numerically")

    def _other(self, function, args):
        """A function outside the tables (erf, atan...), through SymPy's code printers."""
        form = _by_lambdify(function, len(args), self.exact)
        if self.exact:
            return form(*args)
        try:
            return form(*args)
        except (TypeError, ValueError):  # a scalar form (math.erf) given arrays
            return np.vectorize(form, otypes=[float])(*args)

    def _fold(self, node, args):
        kind = next(k for k in (sp.Max, sp.Min, sp.And, sp.Or) if isinstance(node, k))  # a window's Max too
        if self.exact:
            pick = {sp.Max: max, sp.Min: min, sp.And: all, sp.Or: any}[kind]
            return pick(args) if kind in (sp.And, sp.Or) else pick(*args)
        pick = {sp.Max: np.maximum, sp.Min: np.minimum, sp.And: np.logical_and, sp.Or: np.logical_or}[kind]
        out = args[0]
        for a in args[1:]:
            out = pick(out, a)
        return out

    def _power(self, base, exponent):
        if self.exact:
            if base != 0 and abs(exponent) * abs(mpmath.log(abs(base))) > MP_EXP_LIMIT:
                return mpmath.inf if exponent * mpmath.log(abs(base)) > 0 else mpmath.mpf(0)
            value = mpmath.power(base, exponent)
            return mpmath.nan if isinstance(value, mpmath.mpc) and value.imag != 0 else mpmath.re(value)
        return np.power(np.asarray(base, dtype=float), exponent)

    def _piecewise(self, node):
        if self.exact:
            for value, condition in node.args:
                if self(condition):
                    return self(value)
            return mpmath.nan
        values = [self(e) for e, _ in node.args]
        conditions = [self(c) for _, c in node.args]
        shape = np.broadcast(*values, *[np.asarray(c) for c in conditions]).shape
        return np.select([np.broadcast_to(c, shape) for c in conditions],
                         [np.broadcast_to(v, shape) for v in values], default=np.nan)

    def _integral(self, node):
        """∫ over the real line: by quadrature in float64, by ``mpmath.quad`` exactly; NaN otherwise."""
        if len(node.limits) != 1 or tuple(node.limits[0][1:]) != (-sp.oo, sp.oo):
            return mpmath.nan if self.exact else np.nan
        variable = node.limits[0][0]
        if self.exact:
            symbols = tuple(sorted(node.function.free_symbols - {variable}, key=str))
            function = _mp_integrand(node.function, variable, symbols)
            at = [self(s) for s in symbols]
            return mpmath.quad(lambda t: function(t, *at), [-mpmath.inf, mpmath.inf])
        inner = {s: np.asarray(v, dtype=float)[..., None] for s, v in self.values.items()}
        inner[variable] = _QUAD_X
        raw = np.asarray(Interpreter(inner, quadrature=True)(node.function), dtype=float)
        shape = np.broadcast_shapes(raw.shape, *(v.shape for v in inner.values()))
        result = np.broadcast_to(raw, shape) @ _QUAD_W
        failed = ~np.isfinite(result)
        if failed.any():  # float64 underflow in the tails (0 · log 0): mpmath's exponents do not underflow
            result = np.array(result, dtype=float)
            for index in zip(*np.nonzero(failed)):
                at = {s: mpmath.mpf(float(np.broadcast_to(v, result.shape)[index]))
                      for s, v in self.values.items()}
                result[index] = _real(exact_value(node, at, digits=15, quadrature=True))
        return result


@functools.lru_cache(maxsize=4096)
def _mp_number(node) -> mpmath.mpf:
    return mpmath.mpf(sp.Float(node, MP_DIGITS)._mpf_)


@functools.lru_cache(maxsize=256)
def _by_lambdify(function, arity: int, exact: bool):
    """``function`` as SymPy's NumPy (or mpmath) printer writes it."""
    arguments = sp.symbols(f"a:{arity}", real=True)
    modules = [MPMATH_FUNCTIONS, "mpmath"] if exact else [NUMPY_FUNCTIONS, np]  # see float64_function
    try:
        return sp.lambdify(arguments, function(*arguments), modules=modules)
    except Exception as error:  # noqa: BLE001 - a printer that does not know it
        raise Unevaluable(f"cannot evaluate {function.__name__} numerically ({error})") from None


@functools.lru_cache(maxsize=256)
def _mp_integrand(function, variable, symbols):
    """The integrand as a Python function of the variable and ``symbols``, with mpmath (a walk of
    the graph per call would be too slow for ``mpmath.quad``'s hundreds of calls)."""
    return sp.lambdify((variable, *symbols), function, modules=[MPMATH_FUNCTIONS, "mpmath"])


def _real(value) -> float:
    return np.nan if value is None else float(value)


def float_values(exprs, values: dict, n: int, *, interpreter: Interpreter | None = None,
                 quadrature: bool = False) -> np.ndarray:
    """(len(exprs), n) float64 values at the ``n`` points of ``values``; NaN where undefined.

    Raises :class:`Unevaluable` for a symbol without a value (or a node not understood:
    an integral, unless ``quadrature``).
    """
    interpreter = interpreter or Interpreter(values, quadrature=quadrature)
    out = np.empty((len(exprs), n))
    with np.errstate(all="ignore"):
        for i, expr in enumerate(exprs):
            value = np.asarray(interpreter(sp.sympify(expr)))
            if np.iscomplexobj(value):
                value = np.where(np.abs(value.imag) > 0, np.nan, value.real)
            out[i] = np.broadcast_to(np.where(np.isfinite(value), value, np.nan).astype(float), (n,))
    return out


def exact_value(expr, at: dict, *, digits: int = MP_DIGITS, quadrature: bool = False):
    """The value of ``expr`` at one point with mpmath at ``digits`` digits; None where undefined."""
    with mpmath.workdps(digits):
        try:
            value = Interpreter(at, exact=True, quadrature=quadrature)(sp.sympify(expr))
        except (Unevaluable, ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None
        if isinstance(value, mpmath.mpc):
            value = value.real if value.imag == 0 else mpmath.nan
        if isinstance(value, bool) or not mpmath.isfinite(value):
            return None
        return +value


# -- stage 2: numeric -------------------------------------------------------------------------

def equal_numerically(lefts, rights, points: dict, n: int, *, left_values=None, right_values=None,
                      undefined_differs: bool = False, quadrature: bool = False) -> Equality:
    """Decide ``lefts[i] == rights[i]`` for every i at the ``n`` points ``points`` ({symbol: (n,) array}).

    The float64 values are computed here unless given (``left_values``,
    ``right_values``: (components, n)). With ``undefined_differs``, a point where
    one side is defined and the other is not (confirmed by mpmath) is a difference.
    With ``quadrature``, integrals over the real line are evaluated (else undefined).
    """
    integrals = quadrature and any(sp.sympify(e).has(sp.Integral) for e in (*lefts, *rights))
    try:
        x = float_values(lefts, points, n, quadrature=quadrature) if left_values is None else left_values
        y = float_values(rights, points, n, quadrature=quadrature) if right_values is None else right_values
    except Unevaluable as error:
        return Equality(None, numeric_method(n, integrals=integrals), str(error))
    exact = False

    def exact_value_at(expr, point):
        return exact_value(expr, point, quadrature=quadrature)

    def at(column):
        return {s: mpmath.mpf(float(np.broadcast_to(v, (n,))[column])) for s, v in points.items()}

    def difference(component, column, a, b) -> Equality:
        where = {str(s): float(np.broadcast_to(v, (n,))[column])
                 for s, v in sorted(points.items(), key=lambda kv: str(kv[0]))}
        return Equality(False, numeric_method(n, integrals=integrals, exact=exact), point=where,
                        component=int(component), left=None if a is None else float(a),
                        right=None if b is None else float(b))

    if undefined_differs:
        for component, column in np.argwhere(np.isfinite(x) != np.isfinite(y))[:MAX_UNDEFINED_CHECKS]:
            point = at(column)
            a, b = exact_value_at(lefts[component], point), exact_value_at(rights[component], point)
            if (a is None) != (b is None):
                return difference(component, column, a, b)
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < min(MIN_DEFINED, x.size):
        return Equality(None, numeric_method(n, integrals=integrals),
                        "could not be evaluated at enough points of the domain")
    with np.errstate(invalid="ignore"):
        gap = np.where(both, np.abs(x - y) / (1 + np.abs(x) + np.abs(y)), 0.0)
    for component, column in np.argwhere(gap > RTOL):
        point = at(column)
        a, b = exact_value_at(lefts[component], point), exact_value_at(rights[component], point)
        if a is None or b is None or abs(a - b) <= MP_RTOL * (1 + abs(a) + abs(b)):
            exact = True
            continue  # undefined at this point (not a counterexample), or equal
        return difference(component, column, a, b)
    return Equality(True, numeric_method(n, integrals=integrals, exact=exact))


__all__ = ["Equality", "FLOAT64", "Interpreter", "MPMATH", "MPMATH_FUNCTIONS", "NUMPY_FUNCTIONS", "SYMBOLIC",
           "Unevaluable", "equal_numerically", "equal_symbolically", "exact_value", "float64_function", "float_values",
           "is_zero", "nonzero_somewhere", "numeric_method"]
