"""The equality engine's shortcuts keep its answers: a difference is found nonzero at a point only where
it is not 0 under the symbols' assumptions, and NumPy functions are printed as before."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import sympy as sp

from derive.engine.equality import NUMPY_FUNCTIONS, float64_function, is_zero, nonzero_somewhere
from derive.symbolic.functions import relu, sigmoid, softplus

x, y = sp.symbols("x y", real=True)
p = sp.Symbol("p", positive=True)
n = sp.Symbol("n", integer=True)

#: Zero under the assumptions, though expand and cancel leave them (simplify proves some): never
#: "nonzero somewhere", so is_zero answers as simplify does.
IDENTITIES = [
    sp.sqrt(p ** 2) - p + sp.Abs(x) - sp.sqrt(x ** 2),
    sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1,
    sp.log(p * sp.exp(x)) - sp.log(p) - x,
    sigmoid(x).rewrite(sp.exp) - 1 / (1 + sp.exp(-x)),
    sp.tanh(x) - (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1),
    sp.Max(x, y) - (x + y + sp.Abs(x - y)) / 2,
]
#: Not 0: found so at a point.
DIFFERENCES = [sp.sin(x) ** 2 - sp.cos(x) ** 2, sp.log(p) - p, sp.exp(x) - x - 1, sp.Abs(x) - x]


@pytest.mark.parametrize("expr", IDENTITIES)
def test_an_identity_is_never_found_nonzero(expr):
    assert not nonzero_somewhere(expr)
    assert is_zero(expr) == (sp.simplify(expr) == 0)


@pytest.mark.parametrize("expr", DIFFERENCES)
def test_a_difference_is_found_nonzero_and_is_not_zero(expr):
    assert nonzero_somewhere(expr)
    assert not is_zero(expr)


def test_assumptions_it_cannot_draw_leave_the_question_open():
    assert not nonzero_somewhere((-1) ** (2 * n) - 1 + x - x + n)  # an integer symbol: no points drawn
    assert not nonzero_somewhere(sp.Symbol("z", imaginary=True))


def test_float64_functions_print_and_compute_as_lambdify_with_numpy_by_name():
    exprs = [sigmoid(x) * sp.log(1 - sigmoid(x)) + sp.Abs(y) + sp.Heaviside(x, sp.S.Half) + sp.sign(y) + relu(x)
             + softplus(y) + sp.Max(x, y) + sp.Piecewise((x, x > 0), (y, True)) + sp.sqrt(x) + 1 / x, x - y]
    ours = float64_function([x, y], exprs)
    theirs = sp.lambdify([x, y], exprs, modules=[NUMPY_FUNCTIONS, "numpy"])
    assert inspect.getsource(ours) == inspect.getsource(theirs)
    a, b = np.array([0.3, -0.2, 0.0]), np.array([1.0, -2.0, 0.5])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(ours(a, b), theirs(a, b))
