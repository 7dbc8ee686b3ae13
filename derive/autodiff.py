"""Step-by-step derivatives of scalar expressions, the way a calculus course writes them.

How it works
------------
The derivative starts as one unevaluated ``Derivative(f, x)``. Each step picks
one rule (sum, product, chain through exp...) and applies it to every pending
``Derivative`` node that rule fits, replacing the node by the rule's result, in
which the derivatives of the parts are again unevaluated. The derivative of a
constant (0) and of the variable itself (1) are applied first, as soon as they
appear. When no ``Derivative`` is left, a last step simplifies, preferring forms
that keep σ, softplus and ReLU. Example, d/dx σ(2x)::

    ∂/∂x σ(2x) = σ(2x)(1 − σ(2x)) · ∂/∂x (2x)    derivative of the sigmoid
               = σ(2x)(1 − σ(2x)) · 2 ∂x/∂x        constant factor rule
               = 2 σ(2x)(1 − σ(2x))               the derivative of the variable itself is 1

:func:`prove_gradient_steps` proves each step equal to the one before (the
pending derivatives taken by SymPy) and the result equal to ``sympy.diff``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.core.parameters import distribute

from derive.engine.budget import bounded, time_budget
from derive.engine.equality import float64_function
from derive.engine.prove import Proof, prove_equal
from derive.engine.rule import Step
from derive.errors import TooComplex
from derive.printing import glossary as g
from derive.symbolic.functions import relu, sigmoid, softplus

MAX_STEPS = 200
#: CPU seconds for the last step's simplification: a 600-character formula (a 2-5-2 sigmoid network's
#: squared error written out) needs 7 s; cut short, the result would depend on the machine.
SIMPLIFY_SECONDS = 25.0
#: CPU seconds for the whole derivative, and for the proofs of its steps, on any thread.
DERIVE_SECONDS = 60.0
PROVE_SECONDS = 120.0

#: Every reason a step can give, in one table (translations key on these names).
WHY = {
    "constant": "the derivative of a constant is 0",
    "variable": "the derivative of the variable itself is 1",
    "constant_and_variable": "the derivative of a constant is 0, of the variable itself 1",
    "sum": "sum rule: the derivative of a sum is the sum of the derivatives",
    "constant_factor": "constant factor rule: (c u)' = c u'",
    "product": "product rule: (u v)' = u' v + u v'",
    "quotient": "quotient rule: (u / v)' = (u' v − u v') / v²",
    "power": "power rule: (x^n)' = n x^(n−1)",
    "power_chain": "chain rule with the power rule: (u^n)' = n u^(n−1) u'",
    "sqrt": "chain rule with the square root: (√u)' = u' / (2√u)",
    "exponential": "exponential rule: (a^u)' = a^u log(a) u'",
    "general_power": "general power rule: (u^v)' = u^v (v' log u + v u' / u)",
    "exp": "chain rule: d/dx e^u = e^u u'",
    "log": "chain rule: d/dx log u = u'/u",
    "sigmoid": "derivative of the sigmoid: σ' = σ(1 − σ)",
    "tanh": "derivative of tanh: tanh' = 1 − tanh²",
    "softplus": "derivative of softplus: softplus' = σ",
    "relu": "derivative of ReLU: the step function H (1 for u > 0, 0 for u < 0)",
    "abs": "derivative of the absolute value: |u|' = sign(u) u'",
    "sign": "the sign function is flat away from 0: sign' = 0",
    "max": "derivative of a maximum: the derivative of the larger argument",
    "min": "derivative of a minimum: the derivative of the smaller argument",
    "sinh": "chain rule: sinh' = cosh",
    "cosh": "chain rule: cosh' = sinh",
    "sin": "chain rule: sin' = cos",
    "cos": "chain rule: cos' = −sin",
    "tan": "chain rule: tan' = 1 + tan²",
    "piecewise": "differentiate a piecewise definition branch by branch",
    "other": "derivative computed by SymPy",
    "simplify": "simplify",
}

#: The same reasons in Korean, in the lecture notes' words (a test keeps the keys equal to :data:`WHY`'s).
WHY_KO = {
    "constant": f"{g.CONSTANT}의 {g.DIFFERENTIATE}은 0",
    "variable": f"{g.VARIABLE} 자신의 {g.DIFFERENTIATE}은 1",
    "constant_and_variable": f"{g.CONSTANT}의 {g.DIFFERENTIATE}은 0, {g.VARIABLE} 자신의 {g.DIFFERENTIATE}은 1",
    "sum": f"{g.SUM_RULE}: {g.SUM}의 {g.DIFFERENTIATE}은 {g.DIFFERENTIATE}의 {g.SUM}",
    "constant_factor": f"{g.CONSTANT}배의 {g.DIFFERENTIATE}: (c u)' = c u'",
    "product": f"{g.PRODUCT_RULE}: (u v)' = u' v + u v'",
    "quotient": f"{g.QUOTIENT_RULE}: (u / v)' = (u' v − u v') / v²",
    "power": f"{g.POWER_RULE}: (x^n)' = n x^(n−1)",
    "power_chain": f"{g.POWER_RULE}과 {g.CHAIN_RULE}: (u^n)' = n u^(n−1) u'",
    "sqrt": f"제곱근과 {g.CHAIN_RULE}: (√u)' = u' / (2√u)",
    "exponential": f"지수함수의 {g.DIFFERENTIATE}: (a^u)' = a^u log(a) u'",
    "general_power": f"일반 {g.POWER_RULE}: (u^v)' = u^v (v' log u + v u' / u)",
    "exp": f"{g.CHAIN_RULE}: d/dx e^u = e^u u'",
    "log": f"{g.CHAIN_RULE}: d/dx log u = u'/u",
    "sigmoid": f"{g.SIGMOID}의 {g.DERIVATIVE}: σ' = σ(1 − σ)",
    "tanh": f"tanh의 {g.DERIVATIVE}: tanh' = 1 − tanh²",
    "softplus": f"softplus의 {g.DERIVATIVE}: softplus' = σ",
    "relu": f"ReLU의 {g.DERIVATIVE}: 계단 함수 H (u > 0이면 1, u < 0이면 0)",
    "abs": f"절댓값의 {g.DERIVATIVE}: |u|' = sign(u) u'",
    "sign": "sign 함수는 0이 아닌 곳에서 평평하다: sign' = 0",
    "max": f"최댓값의 {g.DERIVATIVE}: 더 큰 인자의 {g.DERIVATIVE}",
    "min": f"최솟값의 {g.DERIVATIVE}: 더 작은 인자의 {g.DERIVATIVE}",
    "sinh": f"{g.CHAIN_RULE}: sinh' = cosh",
    "cosh": f"{g.CHAIN_RULE}: cosh' = sinh",
    "sin": f"{g.CHAIN_RULE}: sin' = cos",
    "cos": f"{g.CHAIN_RULE}: cos' = −sin",
    "tan": f"{g.CHAIN_RULE}: tan' = 1 + tan²",
    "piecewise": f"구간별 정의를 구간마다 {g.DIFFERENTIATE}",
    "other": f"SymPy가 계산한 {g.DERIVATIVE}",
    "simplify": "정리",
}


def _d(u: sp.Expr, x: sp.Symbol) -> sp.Expr:
    return sp.Derivative(u, x, evaluate=False)


def _outer(kind: str, derivative):
    """A rule for f(u): f'(u) · u' (the chain rule), f' given as a function of u."""
    return lambda f, x: (kind, derivative(f.args[0]) * _d(f.args[0], x))


#: Function class -> rule for an application f(u) of it.
FUNCTION_RULES = {
    sp.exp: _outer("exp", sp.exp),
    sp.log: _outer("log", lambda u: 1 / u),
    sigmoid: _outer("sigmoid", lambda u: sigmoid(u) * (1 - sigmoid(u))),
    sp.tanh: _outer("tanh", lambda u: 1 - sp.tanh(u) ** 2),
    softplus: _outer("softplus", sigmoid),
    relu: _outer("relu", lambda u: sp.Heaviside(u, 0)),
    sp.Abs: _outer("abs", sp.sign),
    sp.sinh: _outer("sinh", sp.cosh),
    sp.cosh: _outer("cosh", sp.sinh),
    sp.sin: _outer("sin", sp.cos),
    sp.cos: _outer("cos", lambda u: -sp.sin(u)),
    sp.tan: _outer("tan", lambda u: 1 + sp.tan(u) ** 2),
}


def _rule(f: sp.Expr, x: sp.Symbol) -> tuple[str, sp.Expr]:
    """The rule that fits d/dx f, and what d/dx f becomes under it."""
    if f == x:
        return "variable", sp.Integer(1)
    if not f.has(x):
        return "constant", sp.Integer(0)
    if isinstance(f, sp.Add):
        return "sum", sp.Add(*(_d(a, x) for a in f.args))
    if isinstance(f, sp.Mul):
        return _mul_rule(f, x)
    if isinstance(f, sp.Pow):
        return _pow_rule(f, x)
    if isinstance(f, (sp.sign, sp.Heaviside)):
        return "sign", sp.Integer(0)
    if isinstance(f, (sp.Max, sp.Min)) and len(f.args) == 2:
        a, b = f.args
        which = "max" if isinstance(f, sp.Max) else "min"
        first = sp.Heaviside(a - b if which == "max" else b - a, sp.Rational(1, 2))
        return which, first * _d(a, x) + (1 - first) * _d(b, x)
    if isinstance(f, sp.Piecewise):
        return "piecewise", sp.Piecewise(*((_d(e, x), c) for e, c in f.args))
    rule = FUNCTION_RULES.get(type(f))
    if rule is not None and len(f.args) == 1:
        return rule(f, x)
    return "other", sp.diff(f, x)


def _mul_rule(f: sp.Mul, x: sp.Symbol) -> tuple[str, sp.Expr]:
    constant, varying = f.as_independent(x, as_Add=False)
    if constant != 1:
        return "constant_factor", constant * _d(varying, x)
    factors = varying.args
    below = [a for a in factors if a.is_Pow and a.exp.is_Number and a.exp < 0]
    above = [a for a in factors if a not in below]
    if below and above:
        u, v = sp.Mul(*above), sp.Mul(*(1 / a for a in below))
        return "quotient", (_d(u, x) * v - u * _d(v, x)) / v ** 2
    terms = [sp.Mul(*(factors[:i] + (_d(a, x),) + factors[i + 1:])) for i, a in enumerate(factors)]
    return "product", sp.Add(*terms)


def _pow_rule(f: sp.Pow, x: sp.Symbol) -> tuple[str, sp.Expr]:
    base, exponent = f.args
    if not exponent.has(x):
        if base == x:
            return "power", exponent * x ** (exponent - 1)
        if exponent == sp.Rational(1, 2):
            return "sqrt", _d(base, x) / (2 * sp.sqrt(base))
        return "power_chain", exponent * base ** (exponent - 1) * _d(base, x)
    if not base.has(x):
        return "exponential", f * sp.log(base) * _d(exponent, x)
    return "general_power", f * (_d(exponent, x) * sp.log(base) + exponent * _d(base, x) / base)


def _pending(expr: sp.Expr) -> list[sp.Derivative]:
    """The unevaluated derivatives, outermost and leftmost first."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative) and node not in found:
            found.append(node)
    return found


def _next_step(expr: sp.Expr) -> tuple[str, sp.Expr]:
    """Apply one rule to every pending derivative it fits; return its name and the new expression."""
    rules = {node: _rule(node.expr, node.variables[0]) for node in _pending(expr)}
    kinds = [kind for kind, _ in rules.values()]
    if "constant" in kinds and "variable" in kinds:
        kind, chosen = "constant_and_variable", {"constant", "variable"}
    else:
        kind = next((k for k in ("constant", "variable") if k in kinds), kinds[0])
        chosen = {kind}
    done = {node: result for node, (k, result) in rules.items() if k in chosen}
    return kind, expr.xreplace(done)


@bounded(DERIVE_SECONDS)
def gradient_steps(expr: sp.Expr, variable: sp.Symbol) -> list[Step]:
    """The derivative of ``expr`` by ``variable``, one rule per step, ending simplified.

    The first step is ``Step(Derivative(expr, variable), ...)``; each later step
    continues the chain. Every ``why`` is a value of :data:`WHY`.
    """
    current = _d(expr, variable)
    steps: list[Step] = []
    while _pending(current):
        if len(steps) >= MAX_STEPS:
            raise TooComplex(f"the derivative needs more than {MAX_STEPS} steps")
        with distribute(False):  # keep 2(y − ŷ) as written, not 2y − 2ŷ
            kind, current = _next_step(current)
        steps.append(Step(_d(expr, variable), current, why=WHY[kind], why_ko=WHY_KO[kind]) if not steps
                     else Step(current, why=WHY[kind], why_ko=WHY_KO[kind]))
    final = simplest_form(current, familiar=_function_types(expr))
    if final != current:
        steps.append(Step(final, why=WHY["simplify"], why_ko=WHY_KO["simplify"]))
    return steps


def _function_types(expr: sp.Expr) -> set:
    return {type(f) for f in expr.atoms(sp.Function)}


def simplest_form(expr: sp.Expr, familiar: set = frozenset()) -> sp.Expr:
    """The shortest of a few simplifications of ``expr``, σ recognized where it appears.

    A function that is neither in ``familiar`` (those of the forward expression)
    nor an ML function counts extra, so 1 − tanh² is not traded for 1/cosh².
    """
    candidates = [expr, _with_sigmoid(expr), sp.factor_terms(expr)]
    try:
        with time_budget(SIMPLIFY_SECONDS):
            simple = sp.simplify(expr)
            candidates += [_with_sigmoid(simple), simple, _with_sigmoid(sp.factor_terms(simple))]
            candidates.append(_in_sigmoids(expr))
    except (TooComplex, RecursionError, TypeError, ValueError, NotImplementedError):
        pass
    known = set(familiar) | {sigmoid, softplus, relu, sp.Heaviside, sp.sign}

    def cost(e):
        strangers = _function_types(e) - known
        return sp.count_ops(e) + 2 * len(strangers), len(str(e))
    return _tidy_signs(min(candidates, key=cost))


def _tidy_signs(expr: sp.Expr) -> sp.Expr:
    """−(σ − 1) σ  ->  (1 − σ) σ: a minus sign taken into the one sum of a product."""
    def fits(e):
        return isinstance(e, sp.Mul) and e.args[0] == -1 and sum(isinstance(a, sp.Add) for a in e.args) == 1

    def absorb(e):
        return sp.Mul(*(-a if isinstance(a, sp.Add) else a for a in e.args[1:]))
    return expr.replace(fits, absorb)


def _with_sigmoid(expr: sp.Expr) -> sp.Expr:
    """Recognize e^u/(1 + e^u) = σ(u) and 1/(1 + e^u) = σ(−u)."""
    def rewrite(node):
        if not isinstance(node, sp.Mul):
            return node
        factors = list(node.args)
        for f in node.args:
            u = _one_plus_exp_argument(f)
            if u is None or f not in factors:
                continue
            factors.remove(f)
            if sp.exp(u) in factors:
                factors.remove(sp.exp(u))
                factors.append(sigmoid(u))
            else:
                factors.append(sigmoid(-u))
        return sp.Mul(*factors)
    rewritten = expr.replace(lambda e: isinstance(e, sp.Mul), rewrite)
    return rewritten.replace(lambda e: _one_plus_exp_argument(e) is not None,
                             lambda e: sigmoid(-_one_plus_exp_argument(e)))


def _in_sigmoids(expr: sp.Expr) -> sp.Expr:
    """Every e^u written through σ(u) = e^u/(1 + e^u), then cancelled.

    Example: e^{-x}/(1 + e^{-x})² = σ(x)(1 − σ(x)).
    """
    subs = {}
    for e in expr.atoms(sp.exp):
        u = e.args[0]
        if u.could_extract_minus_sign():
            subs[e] = (1 - sigmoid(-u)) / sigmoid(-u)
        else:
            subs[e] = sigmoid(u) / (1 - sigmoid(u))
    return sp.factor(sp.cancel(expr.xreplace(subs))) if subs else expr


def _one_plus_exp_argument(node):
    """u when node is 1/(1 + e^u), else None."""
    if isinstance(node, sp.Pow) and node.exp == -1 and isinstance(node.base, sp.Add):
        rest = node.base - 1
        if isinstance(rest, sp.exp):
            return rest.args[0]
    return None


# -- proofs ------------------------------------------------------------------
def _evaluated(expr: sp.Expr) -> sp.Expr:
    """Pending derivatives taken by SymPy; Dirac deltas (kinks) are 0 away from the kinks."""
    done = expr.doit() if expr.has(sp.Derivative) else expr
    return done.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))


@bounded(PROVE_SECONDS)
def prove_gradient_steps(steps: list[Step], variable: sp.Symbol, *, sample=None) -> list[Proof]:
    """Prove each step equal to the one before, and the result equal to ``sympy.diff``.

    Returns one proof per step and a last one for the result. ``sample`` is a
    sampler for :func:`derive.engine.prove.prove_equal`; by default
    :func:`domain_sampler` of the expressions involved.
    """
    expressions = [steps[0].lhs] + [s.rhs for s in steps]
    evaluated = [_evaluated(e) for e in expressions]
    exact = _evaluated(sp.diff(steps[0].lhs.expr, variable))
    sample = sample or domain_sampler([steps[0].lhs.expr, exact])
    proofs = [prove_equal(np.array(a, dtype=object), np.array(b, dtype=object), sample=sample)
              for a, b in zip(evaluated, evaluated[1:])]
    proofs.append(prove_equal(np.array(evaluated[-1], dtype=object), np.array(exact, dtype=object),
                              sample=sample))
    return proofs


def _kinks(expr: sp.Expr) -> list[sp.Expr]:
    """Expressions whose zeros are kinks (ReLU, |u|, sign, max, piecewise boundaries)."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (relu, sp.Abs, sp.sign, sp.Heaviside)):
            found.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            found += [a - b for a in node.args for b in node.args if a != b]
        elif isinstance(node, sp.core.relational.Relational):
            found.append(node.lhs - node.rhs)
    return found


def domain_sampler(exprs, *, low: float = 0.1, high: float = 1.5, gap: float = 1e-3):
    """A sampler (as :func:`prove_equal` takes) of points where every expression is finite.

    Values have magnitudes in [low, high] and random signs; points where an
    expression is undefined (log of a negative) or within ``gap`` of a kink are
    drawn again.
    """
    symbols = sorted(set().union(*(sp.sympify(e).free_symbols for e in exprs)), key=str)
    checks = list(exprs) + [kink for e in exprs for kink in _kinks(e)]
    function = float64_function(symbols, checks)

    def usable(draw, m) -> np.ndarray:
        try:
            with np.errstate(all="ignore"):
                values = [np.broadcast_to(np.asarray(v, dtype=float), (m,)) for v in function(*draw.values())]
        except (TypeError, ValueError, NameError, ZeroDivisionError):
            return np.zeros(m, dtype=bool)
        ok = np.all([np.isfinite(v) for v in values[:len(exprs)]], axis=0)
        for v in values[len(exprs):]:
            ok &= np.abs(v) > gap
        return ok

    def sample(rng, wanted, n):
        kept = {s: np.empty(0) for s in symbols}
        for attempt in range(40):  # the last ten: positive values only
            m = 8 * n
            signs = rng.choice([-1.0, 1.0], size=(len(symbols), m)) if attempt < 30 else 1.0
            draw = dict(zip(symbols, rng.uniform(low, high, size=(len(symbols), m)) * signs))
            ok = usable(draw, m)
            kept = {s: np.concatenate([kept[s], draw[s][ok]]) for s in symbols}
            if all(len(v) >= n for v in kept.values()):
                break
        return {s: kept[s][:n] if len(kept.get(s, ())) >= n else rng.uniform(low, high, n) for s in wanted}

    return sample
