"""Forms that overflow in float64, rewritten to ones that do not, before NumPy code is printed.

``log σ(s)`` is −softplus(−s), ``log(1 − σ(s))`` is −softplus(s) and ``log(1 + eˢ)`` is
softplus(s): equal for every real s, but the left sides give −inf or nan for |s| above about 37
(σ rounds to 1, 1 − σ to 0) or 710 (eˢ overflows), the right sides never (softplus is
``logaddexp(0, s)``). A log whose argument is an exponential once σ is written out
(``log(1/σ(s) − 1)``) is its exponent. A test compares the rewritten and the original expressions at random points.
"""

from __future__ import annotations

import sympy as sp

from derive.symbolic.functions import sigmoid, softplus


def stable_logs(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every log of σ, of 1 − σ and of 1 + exp in its softplus form."""
    return expr.replace(lambda node: isinstance(node, sp.log), _stable_log)


def _stable_log(node: sp.log) -> sp.Expr:
    argument = node.args[0]
    if isinstance(argument, sigmoid):  # log σ(s) = −softplus(−s)
        return -softplus(-argument.args[0])
    if isinstance(argument, sp.Add) and len(argument.args) == 2 and sp.S.One in argument.args:
        other = argument.args[0] if argument.args[1] == 1 else argument.args[1]
        negated = -other
        if isinstance(negated, sigmoid):  # log(1 − σ(s)) = −softplus(s)
            return -softplus(negated.args[0])
        if isinstance(other, sp.exp):  # log(1 + eˢ) = softplus(s)
            return softplus(other.args[0])
    if argument.has(sigmoid):  # log(1/σ(s) − 1) = −s: an exponential in disguise, whose log is exact
        plain = sp.simplify(argument.rewrite(sp.exp))
        if isinstance(plain, sp.exp):
            return plain.args[0]
    return node
