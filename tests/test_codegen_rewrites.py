"""The generator's rewrites that save work (derive/codegen/stable.py: CHEAPER, SELECTS; the powers
and common subexpressions of derive/codegen/generate.py and numpy_printer.py): each an identity,
proven by SymPy, and the generated code that uses them giving the numbers of the formulas."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import expm1

from derive.codegen.numpy_printer import numpy_code
from derive.codegen.stable import CHEAPER, SELECTS, UnitSelect, cheaper_forms
from derive.symbolic.arrays import ArraySymbol


def _elementary(expr):
    return expr.replace(lambda n: isinstance(n, expm1), lambda n: sp.exp(n.args[0]) - 1)


@pytest.mark.parametrize("costly, cheap", CHEAPER, ids=str)
def test_every_cheaper_form_is_an_identity(costly, cheap):
    difference = sp.expand_log(_elementary(costly - cheap), force=True)
    assert sp.simplify(difference) == 0
    for p, q in ((sp.Rational(1, 3), sp.Rational(7, 2)), (sp.Rational(5, 2), sp.Rational(1, 9))):
        value = _elementary(costly - cheap).subs({sp.Symbol("p", positive=True): p, sp.Symbol("q", positive=True): q})
        assert abs(complex(value.evalf(30))) < 1e-25


@pytest.mark.parametrize("select, maximum", SELECTS, ids=str)
def test_the_unit_select_is_the_piecewise(select, maximum):
    """Piecewise((1, t >= 0), (e^{−|t|}, True)) is max(e^{−|t|}, [t >= 0]): for t = p > 0 and t = −p.
    max(u, 1) = 1 and max(u, 0) = u because 0 < u <= 1 (log u = −|t| <= 0)."""
    u, indicator = maximum.args if maximum.args[1] in (0, 1) else maximum.args[::-1]
    assert u.is_positive and sp.expand_log(sp.log(u), force=True).is_nonpositive
    assert select == (sp.S.One if indicator == 1 else u)


def test_rewrites_apply_where_they_should():
    p, q, s, u = (ArraySymbol(n) for n in ("p", "q", "s", "_u"))
    e = sp.exp(-sp.Abs(s))
    forms = {"a": sp.log(p / q), "b": sp.log(q / p), "c": sp.log(q) + sp.log(p), "d": expm1(u),
             "y": sp.Piecewise((1 / (1 + e), s >= 0), (e / (1 + e), True)),
             "z": sp.Piecewise((1 / (1 + s), s >= 0), (s / (1 + s), True))}
    out = cheaper_forms(forms, {u: 2 * sp.log(p / q)})
    assert out["a"] == sp.log(p / q)
    assert out["b"] == -sp.log(p / q)
    assert out["c"] == 2 * sp.log(p) - sp.log(p / q)  # log q from log p and log(p/q)
    assert sp.expand(out["d"] - (p / q - 1) * (p / q + 1)) == 0
    assert out["y"] == UnitSelect(e, s >= 0) / (1 + e)
    assert out["z"] == forms["z"]  # s is not known to lie in [0, 1]: left as it is


def test_small_integer_powers_are_products():
    x = ArraySymbol("x")
    assert numpy_code(x ** 3) == "(x*x*x)"
    assert numpy_code(x ** -2) == "1.0/(x*x)"
    assert numpy_code((x + 1) ** 4) == "_k.power(x + 1, 4)"
    assert numpy_code(1 / x ** 3) == "1.0/(x*x*x)"
    assert numpy_code(sp.sqrt(x)) == "numpy.sqrt(x)"
    values = np.array([0.3, 1.7, -2.5])
    from derive.numpy import _kernels as _k
    for expr in (x ** 3, x ** -2, (x + 1) ** 4, 2 / x ** 3, x ** 4 / (x + 2) ** 3):
        got = eval(numpy_code(expr), {"numpy": np, "_k": _k, "x": values})
        want = sp.lambdify(x, expr, "numpy")(values)
        np.testing.assert_allclose(got, want, rtol=4e-16 * 4)


def test_common_subexpressions_are_computed_once():
    """gaussian_kl's (μ₁ − μ₂) and 1/σ₂² appear in four results: each computed once."""
    import importlib
    import inspect

    module = importlib.import_module("derive.numpy.gaussian_kl")

    source = inspect.getsource(module._gaussian_kl_block)
    code = [line for line in source.splitlines() if not line.strip().startswith("#")]
    assert sum("mu_1 - mu_2" in line for line in code) == 1
    assert "expm1" not in "\n".join(code) and "**(-2" not in "\n".join(code)


def test_softplus_from_its_exponential_is_an_identity():
    """softplus(t) = max(t, 0) + log1p(e^{−|t|}), for t = p > 0 and t = −p; and σ(t) =
    max(e^{−|t|}, [t >= 0])/(1 + e^{−|t|}) (the select of SELECTS times 1/(1 + e^{−|t|})), both signs."""
    from sympy.codegen.cfunctions import log1p

    from derive.codegen.stable import SOFTPLUS
    from derive.symbolic.functions import sigmoid

    softplus_t, written = SOFTPLUS
    (t,) = softplus_t.free_symbols
    p = sp.Symbol("p", positive=True)
    for value in (p, -p):
        difference = (softplus_t - written).subs(t, value).rewrite(sp.exp)
        difference = difference.replace(lambda n: isinstance(n, log1p), lambda n: sp.log(1 + n.args[0]))
        assert sp.simplify(sp.expand_log(difference, force=True)) == 0
    e = sp.exp(-p)
    assert sp.simplify(sigmoid(p).rewrite(sp.exp) - 1 / (1 + e)) == 0  # t = p >= 0: the select is 1
    assert sp.simplify(sigmoid(-p).rewrite(sp.exp) - e / (1 + e)) == 0  # t = −p < 0: the select is e^{−p}


def test_sigmoid_and_softplus_share_one_exponential():
    import importlib
    import inspect

    module = importlib.import_module("derive.numpy.perceptron")
    code = [line for line in inspect.getsource(module._perceptron_block).splitlines()
            if not line.strip().startswith("#")]
    assert sum("numpy.exp(" in line for line in code) == 1
    assert sum("log1p_unit(" in line for line in code) == 1
    assert not any("_k.sigmoid(" in line or "_k.softplus(" in line for line in code)
