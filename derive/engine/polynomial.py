"""Is a difference 0 as a polynomial in its symbols and its non-polynomial subterms?

The cheap exact first stage of :func:`derive.engine.equality.equal_symbolically`.

How it works
------------
Every subterm that is not a sum, a product, a power with a whole exponent, a symbol or
a rational number (σ(z), tanh(z), e^z, √u...) is taken as an independent variable, an
*atom*, and so is the reciprocal 1/u of a u raised to a negative power (u^(−n) = (1/u)^n:
the softmax's 1/S and 1/S² are powers of one atom). The difference becomes a polynomial
with rational coefficients in the symbols and the atoms, expanded term by term (exact
arithmetic, Python's ``Fraction``). Two subterms are the same atom when they apply the
same function to arguments whose polynomials (with their own atoms, recursively) are the
same: those arguments are equal, so the two subterms are equal.

If the polynomial is 0, the difference is 0 wherever it is defined: a polynomial that is
0 for every value of its variables is 0 for the values the atoms take. The converse does
not hold (σ(−z) against 1 − σ(z), u · (1/u) against 1: relations between atoms), so
"not 0 here" means "not shown", and the other methods (expand, cancel, simplify on the
elementary form) take over.

Why: the steps of a network unrolled in time (an LSTM over two steps) nest σ and tanh
of sums of products of σ and tanh. SymPy's ``expand`` multiplies the exponentials out
and spends seconds on each, often in vain; here the same differences, whose two sides
are built from the same σ(...) and tanh(...) by the chain rule, cancel in milliseconds.
Realized expressions share their subexpressions massively, so each distinct subterm is
converted once (memo).

Example: the sides ``W·σ(a)·(1 − σ(a))·tanh(c)`` and ``tanh(c)·W·(σ(a) − σ(a)²)``: with
s = σ(a) and t = tanh(c), both are W·s·t − W·s²·t, so their difference is 0.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

#: A polynomial of more terms than this (or a product that would make more) is left to the other methods.
MAX_TERMS = 20_000

#: Nodes over bound variables, or the derivatives that the numeric stage takes: not abstracted.
_BOUND = (sp.Derivative, sp.Integral, sp.Sum, sp.Product, sp.Subs, sp.Lambda)


class _TooLarge(Exception):
    """The polynomial grew beyond :data:`MAX_TERMS`, or a node cannot be abstracted soundly."""


def is_zero_polynomial(difference, nonzero=None) -> bool:
    """True when ``difference`` is 0 as a polynomial in its symbols and atoms (see the module);
    False means "not shown", never "not 0".

    Clearing a denominator u (multiplying through by it) holds only where u ≠ 0: a u that is 0
    everywhere (σ(s) + σ(−s) − 1) would make 0/0 "equal" to anything. So a polynomial 0 that
    needed a denominator counts only when ``nonzero(u)`` (a function of the expression u) shows
    that u is not 0 everywhere (by default: :func:`derive.engine.equality.nonzero_somewhere` of
    its elementary form, a seeded evaluation confirmed with mpmath). Exponentials are never 0."""
    try:
        polynomials = _Polynomials()
        found = polynomials(difference)
        if found and polynomials.cleared(found):
            return False
    except (_TooLarge, RecursionError):
        return False
    return all((nonzero or _not_zero_everywhere)(u) for u in polynomials.denominators)


def _not_zero_everywhere(u) -> bool:
    from derive.engine.equality import nonzero_somewhere  # which imports this module
    from derive.symbolic.functions import to_elementary

    return nonzero_somewhere(to_elementary(u))


# A polynomial is a dict {monomial: nonzero coefficient}; a monomial a tuple of (variable, exponent)
# pairs sorted by variable (the variables are numbered in the order they are met).

def _add_into(out: dict, q: dict) -> None:
    """out += q, in place (``out`` is a new dict of the caller's, never a memoized polynomial:
    adding up a sum of N terms stays linear in N)."""
    for monomial, c in q.items():
        value = out.get(monomial, 0) + c
        if value:
            out[monomial] = value
        else:
            del out[monomial]


def _times(a: tuple, b: tuple) -> tuple:
    if not a:
        return b
    if not b:
        return a
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i][0] == b[j][0]:
            out.append((a[i][0], a[i][1] + b[j][1]))
            i += 1
            j += 1
        elif a[i][0] < b[j][0]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    out += a[i:]
    out += b[j:]
    return tuple(out)


def _multiply(p: dict, q: dict) -> dict:
    if len(p) * len(q) > 10 * MAX_TERMS:
        raise _TooLarge
    out: dict = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            monomial = _times(m1, m2)
            value = out.get(monomial, 0) + c1 * c2
            if value:
                out[monomial] = value
            else:
                del out[monomial]
    if len(out) > MAX_TERMS:
        raise _TooLarge
    return out


_ONE = {(): 1}


def _power(p: dict, n: int) -> dict:
    out = _ONE
    while n:  # by squaring
        if n & 1:
            out = _multiply(out, p)
        n >>= 1
        if n:
            p = _multiply(p, p)
    return out


class _Polynomials:
    """Each node's polynomial, computed once; the atoms numbered as they are met."""

    def __init__(self):
        self.variables: dict = {}
        self.memo: dict = {}
        self.reciprocals: dict = {}  # the number of an atom 1/u -> u's polynomial
        self.denominators: dict = {}  # each u of a 1/u other than an exponential's, as an expression

    def cleared(self, p: dict) -> dict:
        """``p`` times u^k for each atom 1/u of it (k its highest power there), with u · (1/u) = 1:
        0 exactly when ``p`` is 0 wherever every u ≠ 0. The latest atom first: its u holds only
        atoms met before it, so each is cleared once."""
        for number in sorted(self.reciprocals, reverse=True):
            powers = {dict(m).get(number, 0) for m in p}
            k = max(powers)
            if not k:
                continue
            u, power = self.reciprocals[number], {0: _ONE}
            for j in range(1, k + 1):
                power[j] = _multiply(power[j - 1], u)
            out: dict = {}
            for monomial, c in p.items():
                j = dict(monomial).get(number, 0)
                rest = tuple(f for f in monomial if f[0] != number)
                _add_into(out, _multiply({rest: c}, power[k - j]))
            p = out
            if not p:
                break
        return p

    def __call__(self, node) -> dict:
        hit = self.memo.get(node)
        if hit is None:
            hit = self.memo[node] = self._polynomial(node)
        return hit

    def variable(self, key) -> dict:
        number = self.variables.setdefault(key, len(self.variables))
        return {((number, 1),): 1}

    def reciprocal(self, u: dict) -> dict:
        """The atom 1/u of the polynomial u (kept to clear it, :meth:`cleared`)."""
        if not u:
            raise _TooLarge  # 1/0: undefined everywhere, for the other methods to say so
        atom = self.variable(("1/", frozenset(u.items())))
        self.reciprocals.setdefault(next(iter(atom))[0][0], u)
        return atom

    def exponential(self, argument) -> dict:
        """e^(c_1 m_1 + c_2 m_2 + ...) as the product of the atoms e^(m_i) raised to the whole c_i
        (a negative c_i: the atom 1/e^(m_i)); a term whose c_i is not whole is an atom e^(c_i m_i)."""
        out = _ONE
        for monomial, c in sorted(self(argument).items()):
            if c.denominator != 1 or not monomial:
                out = _multiply(out, self.variable(("exp", monomial, c)))
                continue
            atom = self.variable(("exp", monomial, 1))
            out = _multiply(out, _power(atom if c > 0 else self.reciprocal(atom), abs(int(c))))
        return out

    def key(self, node):
        """What identifies ``node``'s value: its polynomial (an expression), or its kind and its
        arguments' keys (a condition, a pair of a Piecewise)."""
        if isinstance(node, sp.Expr):
            return frozenset(self(node).items())
        if not node.args:
            return node  # true, false
        if isinstance(node, _BOUND) or getattr(node, "bound_symbols", ()):
            raise _TooLarge
        return type(node), tuple(self.key(a) for a in node.args)

    def _polynomial(self, node) -> dict:
        if not node.is_commutative:
            raise _TooLarge
        if node.is_Rational:
            if node == 0:
                return {}
            return {(): int(node.p) if node.q == 1 else Fraction(int(node.p), int(node.q))}
        if node.is_Symbol or node.is_NumberSymbol:
            return self.variable(node)
        if node.is_Add:
            out: dict = {}
            for a in node.args:
                _add_into(out, self(a))
            return out
        if node.is_Mul:
            out = _ONE
            for a in node.args:
                out = _multiply(out, self(a))
            return out
        if node.is_Pow and node.exp.is_Integer:
            # u^n for n > 0; for n < 0, (1/u)^|n| with 1/u one atom, so that 1/S and 1/S² are related
            n = int(node.exp)
            if n > 0:
                return _power(self(node.base), n)
            if not isinstance(node.base, sp.exp):
                self.denominators.setdefault(node.base, None)
            return _power(self.reciprocal(self(node.base)), -n)
        if isinstance(node, sp.exp):
            return self.exponential(node.args[0])
        if not node.args or isinstance(node, _BOUND) or getattr(node, "bound_symbols", ()):
            raise _TooLarge  # a float, ∞, i, a derivative or an integral: for the other methods
        return self.variable((type(node), tuple(self.key(a) for a in node.args)))


__all__ = ["MAX_TERMS", "is_zero_polynomial"]
