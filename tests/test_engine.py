"""The engine must reject what is false: wrong steps, wrong results, wrong stable forms."""

import numpy as np
import sympy as sp

from derive.engine.domains import OneHot, Real
from derive.engine.prove import prove_equal
from derive.engine.realize import Realizer
from derive.engine.rule import Rule, Step
from derive.engine.verify import verify_rule
from derive.symbolic.arrays import Softmax, Total, dim
from derive.symbolic.functions import sigmoid


def _scalar_sampler(rng, symbols, n):
    return {s: rng.normal(size=n) for s in symbols}


def _toy_rule(last_step_rhs_sign=1):
    rule = Rule("toy", "toy", proof_sizes=[{}])
    s = rule.input("s")
    y = rule.input("y")
    y_hat = rule.quantity("y_hat", sigmoid(s))
    L = rule.quantity("L", (y_hat - y) ** 2 / 2)
    rule.quantity("dL/ds", (y_hat - y) * y_hat * (1 - y_hat))
    rule.derive("dL/ds",
                Step(sp.Derivative(L, s), (y_hat - y) * sp.Derivative(y_hat, s), why="chain rule"),
                Step(last_step_rhs_sign * (y_hat - y) * y_hat * (1 - y_hat), why="sigmoid"))
    return rule


def test_a_true_derivation_is_proven_symbolically():
    report = verify_rule(_toy_rule())
    assert report.ok
    assert {c.kind for c in report.checks} == {"step", "result", "diff"}
    assert all(c.proof.method == "symbolic" for c in report.checks)


def test_a_wrong_step_fails_with_a_counterexample():
    report = verify_rule(_toy_rule(last_step_rhs_sign=-1))
    failed = {(c.kind, c.position) for c in report.failures}
    assert ("step", 2) in failed and ("result", None) in failed
    step = next(c for c in report.failures if c.kind == "step")
    assert set(step.proof.counterexample) == {"s", "y"}


def test_a_wrong_gradient_quantity_fails_against_sympy_diff():
    rule = Rule("toy2", "toy2")
    s = rule.input("s")
    rule.quantity("L", s ** 3)
    rule.quantity("dL/ds", 2 * s ** 2)
    report = verify_rule(rule)
    assert [c.kind for c in report.failures] == ["diff"]


def test_numeric_fallback_reports_its_method():
    x = sp.Symbol("x", real=True)
    lhs = np.array(sp.cos(x) ** 2 + sp.sin(x) ** 2, dtype=object)
    rhs = np.array(sp.Integer(1), dtype=object)
    proof = prove_equal(lhs, rhs, sample=_scalar_sampler, symbolic_seconds=0.0)
    assert proof.ok and proof.method.startswith("numeric")


def test_mpmath_settles_what_float64_cannot():
    x = sp.Symbol("x", real=True)
    big = sp.Integer(10) ** 20
    lhs = np.array((x + big) - big, dtype=object)
    rhs = np.array(x, dtype=object)
    unevaluated = np.array(sp.Add(x, big, -big, evaluate=False), dtype=object)
    assert prove_equal(lhs, rhs, sample=_scalar_sampler).ok
    assert prove_equal(unevaluated, rhs, sample=_scalar_sampler, symbolic_seconds=0.0).ok


def test_realize_expands_sums_and_softmax_at_concrete_sizes():
    K = dim("K")
    rule = Rule("toy3", "toy3")
    o = rule.input("o", (K,))
    rule.input("y", (K,), OneHot())
    rule.quantity("p", Softmax(o))
    rule.quantity("total", Total(o))
    realizer = Realizer(rule, {K: 3})
    p = realizer(rule.symbol("p"))
    assert p.shape == (3,)
    o1, o2, o3 = sp.symbols("o[1] o[2] o[3]", real=True)
    assert sp.simplify(p[0] - sp.exp(o1) / (sp.exp(o1) + sp.exp(o2) + sp.exp(o3))) == 0
    assert realizer(rule.symbol("total"))[()] == o1 + o2 + o3


def test_one_hot_constraint_is_used_symbolically():
    y1, y2 = sp.symbols("y[1] y[2]", real=True)
    constraint = OneHot().constraints(np.array([y1, y2], dtype=object))
    assert constraint == {y2: 1 - y1}
    assert Real().constraints(np.array([y1], dtype=object)) == {}
