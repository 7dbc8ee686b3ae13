"""The univariate Gaussian density, and its integrals as SymPy computes them.

N(x; m, s²) = e^{-(x - m)²/(2s²)} / √(2π s²). The KL derivations need ∫ N(x) w(x) dx
for a few polynomials w (1, (x − m)², x²). SymPy integrates the moments ∫ N(x) xᵏ dx
over the real line once, with placeholder symbols (m real, s positive), when the
first rule module asks for them; :func:`expectation` combines them by linearity and
puts the rule's own mean and standard deviation in. Nothing is typed in.
"""

from __future__ import annotations

import functools

import sympy as sp

#: The integration variable: one coordinate of the latent space.
x = sp.Symbol("x", real=True)
_m = sp.Symbol("m", real=True)
_s = sp.Symbol("s", positive=True)


def density(at, mean, std):
    """N(at; mean, std²) = e^{-(at - mean)²/(2 std²)} / (std √(2π))."""
    return sp.exp(-(at - mean) ** 2 / (2 * std ** 2)) / (std * sp.sqrt(2 * sp.pi))


def integral(weight, mean, std) -> sp.Integral:
    """∫ N(x; mean, std²) · weight dx over the real line, unevaluated (what a step displays)."""
    return sp.Integral(density(x, mean, std) * weight, (x, -sp.oo, sp.oo))


@functools.cache
def moment(power: int) -> sp.Expr:
    """∫ N(x; m, s²) xᵏ dx over the real line, integrated by SymPy (placeholders m, s)."""
    return sp.integrate(density(x, _m, _s) * x ** power, (x, -sp.oo, sp.oo))


def expectation(weight, mean, std) -> sp.Expr:
    """E[weight] under N(mean, std²) for a polynomial weight, by linearity from SymPy's moments.

    ``weight`` is a function of the integration variable, e.g. ``lambda t: (t - mu)**2``.
    """
    polynomial = sp.Poly(weight(x), x)
    value = sp.Add(*(coefficient * moment(power) for (power,), coefficient in polynomial.terms()))
    return sp.expand(value.subs({_m: mean, _s: std}))
