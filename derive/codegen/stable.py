"""Forms that overflow or lose their digits in float64, rewritten to ones that do not, before NumPy
code is printed.

``log σ(s)`` is −softplus(−s), ``log(1 − σ(s))`` is −softplus(s) and ``log(1 + eˢ)`` is
softplus(s): equal for every real s, but the left sides give −inf or nan for |s| above about 37
(σ rounds to 1, 1 − σ to 0) or 710 (eˢ overflows), the right sides never (softplus is
``logaddexp(0, s)``). A log whose argument is an exponential once σ is written out
(``log(1/σ(s) − 1)``) is its exponent. Any other ``log(1 + u)`` is ``log1p(u)``, exact where u
is tiny (``log(1 − θ)`` at θ = 1e-300 is −1e-300, not 0). :data:`IDENTITIES` lists each rewrite
as an equation in one real variable; a test proves every one symbolically, and another compares
the rewritten and the original expressions at random points.

A rule writes its losses with the quantities it names: ``L = −y log ŷ − (1 − y) log(1 − ŷ)`` with
``ŷ = σ(s)`` declared before. :func:`generated_form` sees through such a quantity: inside a log,
a quantity defined as σ of a variable stands for that σ, so that the log above is printed as
``y softplus(−s) + (1 − y) softplus(s)``, finite and exact for every logit s where ``log ŷ``
would be ``log 0`` at s = −800. A log that no rewrite applies to is left as the rule wrote it.

The slopes are seen through the same way (:func:`stable_complements`): ``1 − z`` for z = σ(s) is
σ(−s), and ``1 − h²`` for h = tanh(s) is (1 − |h|)(1 + |h|) = 2σ(−2|s|)(1 + |h|). Both sides are
equal, but 1 − z rounds to a multiple of 2⁻⁵³ (0 from s = 37 on), so that σ'(s) = z(1 − z) at
s = 27 kept only five digits, and every gradient sent back through a saturated unit with it;
σ(−s) keeps all sixteen (and 1 + |h|, between 1 and 2, loses none).
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import log1p

from derive.symbolic.functions import sigmoid, softplus

#: Each rewrite as (unstable form, stable form) in a real variable ``t`` (``u`` for log1p): the
#: generator substitutes these equalities, which a test proves symbolically.
_t, _u = sp.Symbol("t", real=True), sp.Symbol("u", real=True)
IDENTITIES = (
    (sp.log(sigmoid(_t)), -softplus(-_t)),
    (sp.log(1 - sigmoid(_t)), -softplus(_t)),
    (sp.log(1 + sp.exp(_t)), softplus(_t)),
    (sp.log(1 / sigmoid(_t) - 1), -_t),
    (sp.log(1 + _u), log1p(_u)),
    (1 - sigmoid(_t), sigmoid(-_t)),
    (sigmoid(_t) - 1, -sigmoid(-_t)),
    (1 - sp.tanh(_t) ** 2, 2 * sigmoid(-2 * sp.Abs(_t)) * (1 + sp.Abs(sp.tanh(_t)))),
)


def stable_logs(expr: sp.Expr, through: dict | None = None) -> sp.Expr:
    """``expr`` with every log of σ, of 1 − σ and of 1 + exp in its softplus form, and every other
    log(1 + u) as log1p(u).

    ``through`` maps symbols to the σ they stand for ({ŷ: σ(s)}): a log of them is rewritten as
    the log of that σ would be; where no rewrite applies, the log keeps the symbol."""
    through = through or {}

    def rewrite(node: sp.log) -> sp.Expr:
        argument = node.args[0]
        seen = argument.xreplace(through) if through else argument
        if seen is not argument:
            stable = _stable_log(seen)
            if stable is not None and not stable.has(sp.log):
                return stable
        stable = _stable_log(argument)
        return node if stable is None else stable

    return expr.replace(lambda node: isinstance(node, sp.log) and len(node.args) == 1, rewrite)


def _stable_log(argument: sp.Expr) -> sp.Expr | None:
    """The stable form of log(argument), or None where none applies."""
    if isinstance(argument, sigmoid):  # log σ(s) = −softplus(−s)
        return -softplus(-argument.args[0])
    if isinstance(argument, sp.Add) and sp.S.One in argument.args:
        other = argument - 1
        negated = -other
        if isinstance(negated, sigmoid):  # log(1 − σ(s)) = −softplus(s)
            return -softplus(negated.args[0])
        if isinstance(other, sp.exp):  # log(1 + eˢ) = softplus(s)
            return softplus(other.args[0])
    if argument.has(sigmoid):  # log(1/σ(s) − 1) = −s: an exponential in disguise, whose log is exact
        plain = sp.simplify(argument.rewrite(sp.exp))
        if isinstance(plain, sp.exp):
            return plain.args[0]
    if isinstance(argument, sp.Add) and sp.S.One in argument.args:  # log(1 + u) = log1p(u)
        return log1p(argument - 1)
    return None


def stable_complements(expr: sp.Expr, through: dict) -> sp.Expr:
    """``expr`` with ``1 − z`` (and z − 1) as ±σ(−s), and ``1 − h²`` as 2σ(−2|s|)(1 + |h|), for
    each symbol z -> σ(s) and h -> tanh(s) of ``through``: terms of a sum, wherever they meet."""
    if not through:
        return expr
    complements = {}
    for symbol, function in through.items():
        t = function.args[0]
        if isinstance(function, sigmoid):
            complements[(sp.S.One, -symbol)] = sigmoid(-t)
            complements[(sp.S.NegativeOne, symbol)] = -sigmoid(-t)
        else:
            complements[(sp.S.One, -symbol ** 2)] = 2 * sigmoid(-2 * sp.Abs(t)) * (1 + sp.Abs(symbol))

    def rewrite(node: sp.Add) -> sp.Expr:
        terms = list(node.args)
        for (one, term), stable in complements.items():
            if one in terms and term in terms:
                terms.remove(one)
                terms.remove(term)
                terms.append(stable)
        return node if len(terms) == len(node.args) and all(a is b for a, b in zip(terms, node.args)) \
            else sp.Add(*terms)

    return expr.replace(lambda node: isinstance(node, sp.Add), rewrite)


def sigmoid_outputs(rule) -> dict:
    """The quantities of ``rule`` defined as σ of a variable (ŷ = σ(s)), each symbol -> its σ."""
    return {q.symbol: q.definition for q in rule.quantities.values()
            if isinstance(q.definition, sigmoid) and q.definition.args[0].is_Symbol}


def tanh_outputs(rule) -> dict:
    """The quantities of ``rule`` defined as tanh of a variable (h = tanh(s)), each symbol -> its tanh."""
    return {q.symbol: q.definition for q in rule.quantities.values()
            if isinstance(q.definition, sp.tanh) and q.definition.args[0].is_Symbol}


def generated_form(rule, quantity) -> sp.Expr:
    """The expression the generated code computes for ``quantity``: the rule's stable form where
    it declares one, else its definition, with the logs of :func:`stable_logs` and the complements
    of :func:`stable_complements` rewritten (seeing through the rule's σ and tanh quantities)."""
    sigmoids = sigmoid_outputs(rule)
    return stable_complements(stable_logs(quantity.code_form, sigmoids), sigmoids | tanh_outputs(rule))
