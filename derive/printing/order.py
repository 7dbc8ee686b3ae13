"""The order of the terms of a sum, shared by every printer: positive terms first,
as the lectures write them (ŷ − y rather than −y + ŷ)."""

from __future__ import annotations

import sympy as sp


def positive_first(expr: sp.Add) -> list[sp.Expr]:
    """The terms of a sum, those without a leading minus sign first (stable otherwise)."""
    return sorted(expr.as_ordered_terms(), key=lambda term: term.could_extract_minus_sign())


def join_terms(expr: sp.Add, show, negated) -> str:
    """``a + b - c`` from the terms of ``expr``: ``show(term)`` prints a term, ``negated(term)``
    prints the positive part of a negative term (with brackets where the printer needs them)."""
    terms = positive_first(expr)
    out = show(terms[0])
    for term in terms[1:]:
        out += f" - {negated(-term)}" if term.could_extract_minus_sign() else f" + {show(term)}"
    return out
