"""The generator's rewrites that save work (derive/codegen/stable.py: CHEAPER, SELECTS; the powers
and common subexpressions of derive/codegen/generate.py and numpy_printer.py; the copies of
derive/codegen/reuse.py and the powers of two taken out of sums): each an identity, proven by
SymPy, and the generated code that uses them giving the numbers of the formulas."""

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


# -- copies and powers of two (derive/codegen/reuse.py, generate._power_of_two_out) ----------------------

def _realized_rules():
    from derive.registry import rules

    return sorted(rules())


def _equal_components(realizer, a, b) -> bool:
    a, b = realizer(a), realizer(b)
    return a.shape == b.shape and all(sp.expand(x - y) == 0 for x, y in zip(a.flat, b.flat))


@pytest.mark.parametrize("name", _realized_rules())
def test_every_copy_is_the_earlier_quantity_times_its_scale(name):
    """reuse.reused: ``delta_2 = -dL_ds_2``, ``dW_3 = -dL_dW_3*lr``, by the linearity of the array
    operations. Proven component by component at the rule's test sizes, the quantities held as
    symbols and each earlier copy's relation put in (an induction over the copies)."""
    from derive.codegen.generate import summed_quantities
    from derive.codegen.reuse import reused
    from derive.codegen.stable import generated_form, generation_view
    from derive.engine.realize import Realizer
    from derive.registry import get_rule

    rule = generation_view(get_rule(name))
    copies = reused(rule, summed_quantities(rule)[0])
    realizer = Realizer(rule, rule.test_sizes, leaves=set(rule.quantities))
    earlier = {rule.quantities[c].symbol: s * rule.quantities[o].symbol for c, (s, o) in copies.items()}
    for copy, (scale, other) in copies.items():
        form = generated_form(rule, rule.quantities[copy]).xreplace(earlier)
        assert _equal_components(realizer, form, scale * generated_form(rule, rule.quantities[other])), copy


def test_copies_are_found_where_the_notes_repeat_a_gradient():
    from derive.codegen.generate import summed_quantities
    from derive.codegen.reuse import reused
    from derive.codegen.stable import generation_view
    from derive.registry import get_rule

    rule = generation_view(get_rule("mlp_backprop_regression"))
    copies = reused(rule, summed_quantities(rule)[0])
    assert copies["delta_2"] == (-1, "dL/ds_2")
    assert copies["dW_3"] == (-rule.symbol("lr"), "dL/dW_3")


@pytest.mark.parametrize("name", _realized_rules())
def test_taking_out_a_power_of_two_is_an_identity(name):
    """generate._power_of_two_out: 2ŷ − 2y as 2(ŷ − y), on every generated form, proven at the test sizes."""
    from derive.codegen.generate import _power_of_two_out
    from derive.codegen.stable import generated_form, generation_view
    from derive.engine.realize import Realizer
    from derive.registry import get_rule

    rule = generation_view(get_rule(name))
    realizer = Realizer(rule, rule.test_sizes, leaves=set(rule.quantities))
    for q in rule.quantities.values():
        form = generated_form(rule, q)
        rewritten = _power_of_two_out(form)
        assert rewritten == form or _equal_components(realizer, form, rewritten), q.name


def test_a_power_of_two_is_taken_out_of_a_sum():
    from derive.codegen.generate import _power_of_two_out

    a, b = sp.symbols("a b")
    assert _power_of_two_out(2 * a - 2 * b) == sp.Mul(2, a - b, evaluate=False)
    assert _power_of_two_out(3 * a - 3 * b) == 3 * a - 3 * b  # not a power of two: left as it is
