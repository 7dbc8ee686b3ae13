"""Quantities that the generated code computes from an earlier one instead of from their formula.

How it works
------------
A rule may name the same number twice, with another sign or scale: the MLP rules carry both
∂L/∂s^(l) and the notes' δ^(l) = −∂L/∂s^(l), both ∂L/∂W^(l) and the notes' ΔW^(l) = η δ^(l) z^(l−1)ᵀ.
Printed from its formula, each is a matrix product of its own; the gradient step of a
784-256-256-10 network then costs half again what it needs. :func:`reused` finds them: going
through the quantities in order, it writes each one's generated form with the quantities already
found to be scaled copies replaced by what they copy (δ^(3) = y − ŷ becomes −(ŷ − y), so that
δ^(3) = −∂L/∂s^(3)), with scalar factors taken out of the linear array operations
(Wᵀ(−v) = −Wᵀv, (c a) bᵀ = c a bᵀ); a form that is then an earlier quantity's form times scalar
factors (numbers, scalar inputs such as η) is that quantity times them. Example, for the
regression MLP::

    delta_3 -> -dL/ds_3      delta_2 -> -dL/ds_2      dW_3 -> -lr*dL/dW_3

The comparison is of SymPy expressions term by term, so a match is an identity: the formula with
equals replaced by equals. A sum over the batch (ΔW^(l) when W^(l) is shared) is a copy of another
sum only where the scale is the same for every example: a number, or a scalar input passed once.
"""

from __future__ import annotations

from collections import Counter

import sympy as sp

from derive.codegen.stable import Complement, generated_form
from derive.symbolic.arrays import (
    ArraySymbol,
    MatVec,
    Outer,
    Total,
    Transpose,
    shape_of,
)

#: The operations that are linear in each argument, out of which scalar factors may be taken
#: (a sum over an example's components, too: Σ_k c x_k = c Σ_k x_k for c the same for every k).
_LINEAR = (MatVec, Outer, Transpose, Total)


def reused(rule, summed: dict) -> dict[str, tuple[sp.Expr, str]]:
    """Each quantity of ``rule`` that is an earlier quantity times scalar factors, as (those factors,
    the earlier quantity's name): ``{"delta_2": (-1, "dL/ds_2"), "dW_3": (-lr, "dL/dW_3")}``.
    ``summed`` maps the quantities that are sums over the batch when an input is shared to that
    input: a quantity is a copy only of one summed with the same input, or of one never summed if
    it is never summed either."""
    copies, names, seen = {}, {}, []
    for q in rule.quantities.values():
        if isinstance(q.stable, Complement):
            continue
        form = _scalars_out(generated_form(rule, q).xreplace(copies))
        if not isinstance(form, sp.Symbol):
            for other, other_form in seen:
                if summed.get(other.name) != summed.get(q.name) or other.shape != q.shape:
                    continue
                scale = _scale(form, other_form)
                if scale is not None:
                    copies[q.symbol] = scale * other.symbol
                    names[q.name] = (scale, other.name)
                    break
        if q.name not in names:
            seen.append((q, form))
    return names


def _scale(form: sp.Expr, other: sp.Expr) -> sp.Expr | None:
    """c with form = c · other and c scalar (numbers, scalar symbols), or None."""
    if form == other:
        return sp.S.One
    if -form == other:
        return sp.S.NegativeOne
    mine, theirs = Counter(sp.Mul.make_args(form)), Counter(sp.Mul.make_args(other))
    if theirs - mine:
        return None
    rest = list((mine - theirs).elements())
    if rest and all(shape_of(f) == () for f in rest):
        return sp.Mul(*rest)
    return None


def _scalars_out(expr: sp.Expr) -> sp.Expr:
    """``expr`` with the scalar factors of every argument of a linear array operation taken out."""
    def rewrite(node):
        args, pulled = list(node.args), []
        for at, arg in enumerate(args):
            factors = sp.Mul.make_args(arg)
            scalars = [f for f in factors if shape_of(f) == ()]
            if scalars and len(scalars) < len(factors):
                pulled += scalars
                args[at] = sp.Mul(*(f for f in factors if shape_of(f) != ()))
        return sp.Mul(*pulled, node.func(*args)) if pulled else node

    return expr.replace(lambda node: isinstance(node, _LINEAR), rewrite)


def shared_scale(rule, scale: sp.Expr) -> list[str] | None:
    """The scalar inputs in ``scale``, which must each be passed once for a sum over the batch to be
    that scale times another sum ([] for a number); None if it reads anything but numbers and inputs."""
    symbols = [s for s in scale.free_symbols if isinstance(s, ArraySymbol)]
    if any(s.name not in rule.inputs for s in symbols):
        return None
    return sorted(s.name for s in symbols)
