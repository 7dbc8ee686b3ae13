"""The matrix-form derivation itself: its steps, its proofs (that they can fail), its words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from derive.matrix import differentiate as D
from derive.matrix import expr as E
from derive.matrix.differentiate import derive_gradient
from derive.matrix.jacobian import derive_jacobian
from derive.matrix.parse import parse_matrix
from derive.matrix.printing import latex, text
from derive.matrix.prove import other_sizes, prove_at_other_sizes, prove_step
from derive.matrix.words import is_translated, reason

SHAPES = {"W": (2, 3), "x": (3, 1), "y": (2, 1), "A": (3, 3), "X": (3, 3), "w": (3, 1), "b": (2, 1)}


def derivation(source: str, wrt: str, shapes=None, one_hot=()):
    shapes = shapes or {k: v for k, v in SHAPES.items()}
    forward = parse_matrix(source, shapes)
    return derive_gradient(forward, wrt, one_hot)


@pytest.mark.parametrize("source, wrt, result", [
    (r"\|Wx - y\|^2", "W", "2 (W x − y) xᵀ"),
    (r"\|Wx - y\|^2", "x", "2 Wᵀ (W x − y)"),
    (r"x^\top A x", "x", "(A + Aᵀ) x"),
    (r"x^\top x", "x", "2 x"),
    (r"y^\top W x", "W", "y xᵀ"),
    (r"\operatorname{tr}(AX)", "X", "Aᵀ"),
    (r"\operatorname{tr}(X^\top A)", "X", "A"),
    (r"\log\det X", "X", "X⁻ᵀ"),
    (r"-y^\top \log \sigma(Wx) - (\mathbf{1} - y)^\top \log(\mathbf{1} - \sigma(Wx))", "W", "(σ(W x) − y) xᵀ"),
])
def test_results_in_matrix_form(source, wrt, result):
    d = derivation(source, wrt)
    assert text(d.result) == result
    assert d.result.shape == SHAPES[wrt]
    assert all(prove_step(d, step) for step in d.steps)


def test_one_hot_gives_the_textbook_softmax_gradient():
    d = derivation(r"-y^\top \log \operatorname{softmax}(Wx + b)", "b", {"W": (3, 2), "x": (2, 1), "b": (3, 1),
                                                                      "y": (3, 1)}, ("y",))
    assert text(d.result) == "softmax(W x + b) − y"
    assert d.steps[-1].kind == "assumption"
    assert all(prove_step(d, step) for step in d.steps)


def test_a_wrong_step_fails_its_proof():
    d = derivation(r"\|Wx - y\|^2", "W")
    wrong = replace(d.steps[-1], gradient=E.matmul(E.sub(E.matmul(d.steps[-1].target, E.var("x", (3, 1))),
                                                          E.var("y", (2, 1))), E.transpose(E.var("x", (3, 1)))))
    assert not prove_step(d, wrong)  # the factor 2 is missing


def test_a_wrong_rule_is_caught_at_other_sizes(monkeypatch):
    """Were the linear map's rule wrong (x instead of xᵀ on the right would not even fit), a rule that
    gives the right value only at the declared sizes must fail elsewhere: here G Bᵀ scaled by 1/rows."""
    original = D._matmul_rule

    def skewed(node, g):
        parts = original(node, g)
        index, child, gradient, why = parts[0]
        factor = E.number(E.sp.Rational(2, node.left.shape[0]))  # = 1 at 2 rows only
        return [(index, child, E.scale(factor, gradient), why)] + parts[1:]
    monkeypatch.setattr(D, "_RULES", {**D._RULES, E.MatMul: skewed})
    d = derivation(r"\|Wx - y\|^2", "W")
    assert all(prove_step(d, step) for step in d.steps)  # right at 2×3 ...
    rebuild = lambda shapes: derive_gradient(parse_matrix(r"\|Wx - y\|^2", shapes), "W")
    problems = prove_at_other_sizes(d, rebuild, {"W": (2, 3), "x": (3, 1), "y": (2, 1)})
    assert problems and "other steps" in problems[0]  # ... not elsewhere: the factor 2/rows shows


def test_finite_differences_catch_a_wrong_step():
    import numpy as np

    from derive.matrix.prove import _finite_differences
    d = derivation(r"\|Wx - y\|^2", "W")
    wrong = replace(d.steps[-1], gradient=E.scale(E.number(3), d.steps[-1].gradient))
    assert "finite differences" in _finite_differences(d, wrong, np.random.default_rng(0))
    assert _finite_differences(d, d.steps[-1], np.random.default_rng(0)) == ""


def test_other_sizes_are_drawn_the_same_every_time_and_keep_equal_sizes_equal():
    shapes = {"W": (2, 3), "x": (3, 1), "y": (2, 1), "s": (1, 1)}
    first, again = other_sizes(shapes, 1), other_sizes(shapes, 1)
    assert first == again != shapes
    assert first["W"] == (first["y"][0], first["x"][0]) and first["s"] == (1, 1)
    assert other_sizes(shapes, 2) != first


def test_stable_rewrite_is_a_proven_first_step():
    d = derivation(r"-y^\top \log \operatorname{softmax}(Wx)", "W", {"W": (3, 2), "x": (2, 1), "y": (3, 1)})
    assert d.steps[0].kind == "rewrite" and "LSE" in text(d.stable)
    assert prove_step(d, d.steps[0])


def test_jacobian_of_a_sigmoid_layer():
    forward = parse_matrix(r"\sigma(Wx)", SHAPES)
    j = derive_jacobian(forward, "x")
    assert text(j.result) == "diag(σ(W x) ⊙ (𝟏 − σ(W x))) W" and j.result.shape == (2, 3)


def test_latex_of_results_has_no_components():
    d = derivation(r"\|Wx - y\|^2", "W")
    assert latex(d.result) == r"2 \left(W x - y\right) x^\top"


WHYS = sorted({why for why in D._ELEMENTWISE_WHY.values()} | {
    "sum rule: each term gets ∂f/∂(a + b)", "a scalar factor stays: ∂(s a)/∂a = s",
    "softmax Jacobian: ∂ŷ/∂a = diag(ŷ) − ŷŷᵀ (symmetric)", "common factor taken out",
    "x appears 4 times: the sum over its occurrences (chain rule for vector functions)", "one-hot: 𝟏ᵀy = 1",
    "power rule: ∂a^2/∂a = 2 a^1 (element-wise)", "linear map: ∂(W u) = W ∂u",
    "element-wise σ: diag(σ(a) ⊙ (1 − σ(a)))", "∂(xᵀAx)/∂x = (A + Aᵀ)x",
    "log σ(z) = −softplus(−z); log(1 − σ(z)) = −softplus(z)",
})


@pytest.mark.parametrize("why", WHYS)
def test_every_reason_reads_in_korean(why):
    assert is_translated(why)
    korean = reason(why, "ko")
    assert korean == why or any("\uac00" <= ch <= "\ud7a3" for ch in korean)
