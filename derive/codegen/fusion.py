"""One matrix product for several: the gates of an LSTM step in a loop over time.

An LSTM step computes four pre-activations s_k = b_k + W_k z from one z, and hands back
dL/dz = Σ_k W_kᵀ δ_k. Each is a small matrix product; in a loop over time their NumPy calls
cost more than their arithmetic (N = 64, H = 64). With the weights stacked once before the
loop, [W_f; W_i; W_c; W_o], each step does one product for the four gates and one for dL/dz.

:func:`matvec_groups` finds the groups in a rule, :func:`transposed_sum` the sums that read a
group's weights; the kernels ``_k.stacked_rows``, ``_k.matvecs`` and ``_k.matvecs_t`` compute
them (each weight on its own when one comes with a batch axis). The arithmetic is the rule's:
only the products are grouped, and the tests compare the loops with the rules they print.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive import naming
from derive.codegen.stable import Complement, generated_form
from derive.symbolic.arrays import ArraySymbol, MatVec, Transpose


@dataclass(frozen=True)
class MatVecGroup:
    """Quantities b_k + W_k z (or W_k z) with one z and weights of one shape."""

    names: tuple  #: the quantities, in the rule's order
    weights: tuple  #: the weight input of each
    biases: tuple  #: the bias input of each, or None
    vector: sp.Expr  #: the z they all multiply

    @property
    def stacked(self) -> str:
        """The variable holding the weights stacked by rows, made once before the loop."""
        return "_stacked_" + "_".join(naming.python_name(w) for w in self.weights)


def _input(expr, params) -> str | None:
    return expr.name if isinstance(expr, ArraySymbol) and expr.name in params else None


def _affine(form, params):
    """(W, b, z) when ``form`` is b + W z or W z with W and b inputs given once (``params``)."""
    terms = sp.Add.make_args(form)
    products = [t for t in terms if isinstance(t, MatVec) and _input(t.args[0], params)]
    if len(products) != 1:
        return None
    rest = [t for t in terms if t is not products[0]]
    if len(rest) > 1 or (rest and not _input(rest[0], params)):
        return None
    return products[0].args[0].name, (rest[0].name if rest else None), products[0].args[1]


def matvec_groups(rule, names, params) -> list[MatVecGroup]:
    """The groups of two or more quantities among ``names`` that one product can compute."""
    found = {}
    for name in names:
        q = rule.quantities[name]
        affine = None if isinstance(q.stable, Complement) else _affine(generated_form(rule, q), params)
        if affine is not None:
            weight, bias, vector = affine
            found.setdefault((vector, tuple(rule.inputs[weight].shape)), []).append((name, weight, bias))
    return [MatVecGroup(tuple(n for n, _, _ in members), tuple(w for _, w, _ in members),
                        tuple(b for _, _, b in members), vector)
            for (vector, _), members in found.items() if len(members) > 1]


def transposed_sum(form, params) -> dict | None:
    """{W_k: v_k} when ``form`` is Σ_k W_kᵀ v_k over two weights or more given once; else None."""
    terms = sp.Add.make_args(form)
    pairs = {}
    for term in terms:
        if not (isinstance(term, MatVec) and isinstance(term.args[0], Transpose)):
            return None
        weight = _input(term.args[0].args[0], params)
        if weight is None or weight in pairs:
            return None
        pairs[weight] = term.args[1]
    return pairs if len(pairs) > 1 else None
