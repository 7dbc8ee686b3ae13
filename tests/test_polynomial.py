"""The polynomial stage of the symbolic proof (derive.engine.polynomial): 0 only where the difference is
0 (every claim checked again by SymPy and at points), and fast on the LSTM's nested σ and tanh."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.engine.equality import equal_symbolically, float_values
from derive.engine.polynomial import is_zero_polynomial
from derive.symbolic.functions import sigmoid, to_elementary

a, b, c, w = sp.symbols("a b c w", real=True)
s, t = sigmoid(a), sp.tanh(c)
S = sp.exp(a) + sp.exp(b)

#: 0 as polynomials in the symbols and the atoms σ(a), tanh(c), e^a, 1/S...
ZERO = [
    w * s * (1 - s) * t - t * w * (s - s ** 2),  # σ′ as diff writes it and as a rule writes it
    sigmoid(a + b) * (1 - sigmoid(b + a)) - sigmoid(a + b) + sigmoid(a + b) ** 2,
    sp.tanh(w * (a + b)) - sp.tanh(w * a + w * b),  # the same argument, written two ways
    sp.exp(2 * a) - sp.exp(a) ** 2,
    sp.exp(a - b) * sp.exp(b) - sp.exp(a),  # e^(−b) e^b = 1: the atom 1/e^b cleared
    sp.exp(a) / S + sp.exp(b) / S - 1,  # the softmax sums to 1: 1/S cleared
    sp.exp(a) / S - sp.exp(2 * a) / S ** 2 - sp.exp(a) * sp.exp(b) / S ** 2,  # p(1 − p) = p p_other
    sp.Piecewise((a * (a + 1), b > 0), (1, True)) - sp.Piecewise((a ** 2 + a, b > 0), (1, True)),
]
#: Not shown 0 here: not 0 at all, or 0 only by a relation between atoms (left to expand, cancel, simplify).
NOT_SHOWN = [
    s * (1 - s) - s * (1 + s),
    sigmoid(a) - sigmoid(b),
    sigmoid(-a) - (1 - sigmoid(a)),  # 0, by the definition of σ
    sp.tanh(c) ** 2 + 1 / sp.cosh(c) ** 2 - 1,  # 0, by an identity
    sp.log(sp.exp(a) / S) - a + sp.log(S),  # 0 for real a, b: logs are atoms
    sp.exp(sp.Float(0.5) * a) - sp.exp(a / 2),  # floats are left to SymPy
    sp.Derivative(sp.Function("f")(a), a) - sp.Derivative(sp.Function("f")(a), a) + a - a + w * sp.Derivative(sp.Function("f")(a), a),
]


def _values(expr, seed):
    symbols = sorted(expr.free_symbols, key=str)
    rng = np.random.default_rng(seed)
    values = {x: rng.uniform(-2, 2, 50) for x in symbols}
    return float_values([expr], values, 50)[0]


@pytest.mark.parametrize("expr", ZERO)
def test_a_zero_polynomial_is_zero(expr):
    assert is_zero_polynomial(expr)
    assert np.allclose(_values(expr, 1), 0, atol=1e-12)
    assert sp.simplify(to_elementary(expr)) == 0


@pytest.mark.parametrize("expr", NOT_SHOWN)
def test_what_needs_a_relation_between_atoms_is_not_shown(expr):
    assert not is_zero_polynomial(expr)


def test_a_difference_is_never_called_zero():
    for expr in NOT_SHOWN[:2]:
        assert np.nanmax(np.abs(_values(expr, 2))) > 1e-3


def test_noncommuting_symbols_are_left_alone():
    p, q = sp.symbols("p q", commutative=False)
    assert not is_zero_polynomial(p * q - q * p + a - a + w)
    assert not is_zero_polynomial(p * q - q * p)


def test_a_polynomial_too_large_is_left_to_the_other_methods():
    big = sp.Mul(*(sp.Add(*sp.symbols(f"x{i}_0:6")) for i in range(8)))  # 6^8 terms expanded
    assert not is_zero_polynomial(big * (1 + w) - big - big * w)  # 0, but too large to expand here
    small = sp.Mul(*(sp.Add(*sp.symbols(f"x{i}_0:3")) for i in range(4)))  # 3^4 terms
    assert is_zero_polynomial(small * (1 + w) - small - small * w)


def test_the_symbolic_stage_proves_the_nested_lstm_difference_at_once():
    """σ and tanh nested three deep, as in an LSTM over two steps: expand needs more than the model's
    1 s of CPU for such a difference; as a polynomial in the atoms it takes milliseconds."""
    h = sp.symbols("h0:3", real=True)
    x = sp.symbols("x0:3", real=True)
    W = sp.symbols("W0:4", real=True)
    state = [h[0]]
    for step in range(2):
        gate = sigmoid(W[0] * state[-1] + W[1] * x[step])
        state.append(gate * sp.tanh(W[2] * state[-1] + W[3] * x[step]))
    loss = (state[-1] - x[2]) ** 2 / 2
    by_diff = sp.diff(loss, W[0])
    z1, z2 = W[0] * state[1] + W[1] * x[1], W[2] * state[1] + W[3] * x[1]
    g1, c1 = W[0] * h[0] + W[1] * x[0], W[2] * h[0] + W[3] * x[0]
    dh2 = state[2] - x[2]
    dh1 = dh2 * (sigmoid(z1) * (1 - sigmoid(z1)) * W[0] * sp.tanh(z2) + sigmoid(z1) * (1 - sp.tanh(z2) ** 2) * W[2])
    by_hand = (dh2 * sigmoid(z1) * (1 - sigmoid(z1)) * sp.tanh(z2) * state[1]
               + dh1 * sigmoid(g1) * (1 - sigmoid(g1)) * sp.tanh(c1) * h[0])
    assert is_zero_polynomial(by_diff - by_hand)
    assert equal_symbolically([(by_diff, by_hand)], seconds=1.0)
    assert not is_zero_polynomial(by_diff - by_hand * (1 + 10 ** -9))
    point = {v: 0.3 + 0.1 * i for i, v in enumerate(sorted(by_diff.free_symbols, key=str))}
    assert abs(float(by_diff.subs(point)) - float(by_hand.subs(point))) < 1e-12


def test_a_denominator_that_is_0_everywhere_is_not_cleared():
    """Clearing 1/u holds where u ≠ 0: with u = σ(s) + σ(−s) − 1, 0 for every s, the side
    (u x + u)/u is 0/0 everywhere and must not be called equal to x + 1; an ordinary denominator
    (1 + e^s, nonzero) still is cleared."""
    s, x = sp.symbols("s x", real=True)
    u = sigmoid(s) + sigmoid(-s) - 1
    assert not is_zero_polynomial((u * x + u) / u - (x + 1))
    assert not equal_symbolically([((u * x + u) / u, x + 1)], seconds=5)
    v = 1 + sp.exp(s) + sigmoid(s)
    assert is_zero_polynomial((v * x + v) / v - (x + 1))
