r"""`derive equiv` with matrix notation: sizes as numbers, norms, traces, \mathbf{1}, transposes of
brackets and products read in their written order (x^\top v a number, v x^\top a matrix).

Three tables through the command line (exit 0, 1, 2), then the reading itself: what the adapter
leaves for the shapes to settle and what :func:`derive.check.equiv.read_formula` makes of it, and a
rule with a matrix penalty built here for the Frobenius norm and the trace.
"""

import pytest
import sympy as sp

from derive.check.equiv import check_equivalence, read_formula
from derive.cli.main import main
from derive.engine.domains import Real
from derive.engine.rule import Rule
from derive.errors import LatexError
from derive.latex.adapter import InOrder, Norm2, NormF, Ones, parse_latex
from derive.registry import get_rule
from derive.symbolic.arrays import MatVec, Outer, Total, Trace, Transpose, dim

EQUIVALENT = [  # (rule, quantity, latex)
    ("l2_linreg", "dE/dw", r"\frac{2}{N} x^\top(\hat{y}-y)"),
    ("l2_linreg", "dE/dw", r"\frac{2}{N} (\hat{y}-y)^\top x"),
    ("l2_linreg", "dE/dw", r"\frac{2}{N} \operatorname{tr}\left(x (\hat{y}-y)^\top\right)"),
    ("l2_linreg", "E", r"\frac{1}{N}\|\hat{y}-y\|^2"),
    ("l2_linreg", "E", r"\frac{1}{N}\left\lVert \hat{y} - y \right\rVert_2^2"),
    ("l2_linreg", "E", r"\frac{1}{N}\left\|x w + b \mathbf{1} - y\right\|^2_2"),
    ("l2_linreg", "dL/db", r"\frac{2}{N}\mathbf{1}^\top(\hat{y}-y)"),
    ("l2_linreg", "L", r"\frac{1}{N}(\hat{y}-y)^\top(\hat{y}-y) + \lambda\|w\|^2"),
    ("l1_linreg", "R", r"\lambda\|w\|_1"),
    ("l1_linreg", "dL/dw", r"\frac{2}{N} x^\top(\hat{y}-y) + \lambda\operatorname{sign}(w)"),
    ("l1_linreg", "E", r"\frac{1}{N}\mathbf{1}^\top\left((\hat{y}-y) \odot (\hat{y}-y)\right)"),
    ("linear_mse", "y_hat", r"w^\top x + b"),
    ("linear_mse", "y_hat", r"\mathbf{1}^\top (w \odot x) + b"),
    ("linear_mse", "L", r"\frac{1}{2}\|w^\top x + b - y\|^2"),
    ("linear_mse", "dL/dw", r"x (x^\top w + b - y)"),
    ("softmax_ce", "L", r"-y^\top \log \hat{y}"),
    ("softmax_ce", "L", r"-(\log\hat{y})^\top y"),
    ("softmax_ce", "L", r"-\mathbf{1}^\top (y \odot \log\hat{y})"),
    ("sigmoid_bce", "dL/ds", r"(\hat{y} - y)^\top"),
    ("sigmoid_bce", "dL/ds", r"\operatorname{tr}(\hat{y} - y)"),
    ("mlp_backprop", "dL/dW_3", r"(\hat{y} - y) z_2^\top"),
    ("mlp_backprop", "dL/ds_2", r"((\hat{y}-y)^\top W_3)^\top \odot z_2 \odot (\mathbf{1} - z_2)"),
    ("mlp_backprop", "dL/ds_1",
     r"z_1 \odot (\mathbf{1} - z_1) \odot W_2^\top (z_2 \odot (1 - z_2) \odot W_3^\top(\hat{y} - y))"),
]

MISTAKES = [  # (rule, quantity, latex, mistake kind, words the diagnosis must contain)
    ("l2_linreg", "dE/dw", r"\frac{1}{N} x^\top(\hat{y}-y)", "convention", "halved"),  # the 2 missing
    ("l2_linreg", "dE/dw", r"2 x^\top(\hat{y}-y)", "convention", "summed"),  # the 1/N missing
    ("l2_linreg", "dE/dw", r"-\frac{2}{N} x^\top(\hat{y}-y)", "sign", "sign is flipped"),
    ("l2_linreg", "dE/dw", r"\frac{2}{N} x (\hat{y}-y)^\top", "transpose",
     r"x (\hat{y} - y)^\top where x^\top (\hat{y} - y) belongs"),
    ("l2_linreg", "E", r"\frac{1}{N}\|\hat{y}-y\|", None, "not one of the usual mistakes"),
    ("softmax_ce", "L", r"y^\top \log \hat{y}", "sign", "sign is flipped"),
    ("softmax_ce", "L", r"-y^\top \log_{10} \hat{y}", "log_base", "log base 10"),
    ("linear_mse", "y_hat", r"w x^\top + b", "transpose", r"w x^\top where w^\top x belongs"),
    ("mlp_backprop", "dL/dW_3", r"z_2 (\hat{y} - y)^\top", "transpose", "outer product"),
    ("mlp_backprop", "dL/ds_1",
     r"z_1 \odot (\mathbf{1} - z_1) \odot W_2 (z_2 \odot (1 - z_2) \odot W_3^\top(\hat{y} - y))", "transpose",
     r"W_{2} where W_{2}^\top belongs"),
]

MALFORMED = [  # (rule, quantity, latex, words the one line must contain)
    ("l2_linreg", "E", r"\frac{1}{N}\|\hat{y}-y", "never closed"),
    ("l2_linreg", "E", r"\frac{1}{N}\|\hat{y}-y\|_p^2", r"unknown norm \|...\|_{p}"),
    ("mlp_backprop", "L", r"\operatorname{tr}(W_1)", "square matrix; W_{1} has shape (H_1, D)"),
    ("mlp_backprop", "L", r"x^\top y", "x^{\\top} has shape (1, D) and y has shape (K, 1)"),
    ("mlp_backprop", "L", r"\operatorname{tr}(W_1^\top W_2)", "has shape (D, H_1) and W_{2} has shape (H_2, H_1)"),
    ("mlp_backprop", "L", r"y^\top W_1 x", "has shape (1, K) and W_{1} has shape (H_1, D)"),
    ("mlp_backprop", "L", r"\|W_1\|_2", r"write \|M\|_F"),
    ("softmax_ce", "L", r"\mathbf{1}^\top \mathbf{1}", "length of \\mathbf{1}"),
    ("softmax_ce", "L", r"-\frac{1}{N} y^\top \log \hat{y}", "unknown name 'N'"),  # softmax_ce has no N
]


def _equiv(args):
    return ["equiv", *args[:2], "--", args[2]] if args[2].startswith("-") else ["equiv", *args]


@pytest.mark.parametrize("rule, quantity, text", EQUIVALENT)
def test_matrix_forms_are_equivalent(rule, quantity, text, capsys):
    assert main(_equiv([rule, quantity, text])) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("equivalent")


@pytest.mark.parametrize("rule, quantity, text, mistake, words", MISTAKES)
def test_matrix_mistakes_are_not_equivalent(rule, quantity, text, mistake, words, capsys):
    assert main(_equiv([rule, quantity, text])) == 1
    assert capsys.readouterr().out.startswith("not equivalent")
    result = check_equivalence(rule, quantity, text)
    assert (result.verdict, result.mistake) == ("not_equivalent", mistake), result.diagnosis
    assert words in result.diagnosis


@pytest.mark.parametrize("rule, quantity, text, words", MALFORMED)
def test_malformed_matrix_formulas_exit_2_with_one_line(rule, quantity, text, words, capsys):
    assert main(_equiv([rule, quantity, text])) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1, captured.err
    assert lines[0].startswith("derive equiv: LATEX: ") and words in lines[0], lines[0]


# -- the reading ------------------------------------------------------------------------
def test_the_adapter_keeps_the_written_order_and_leaves_the_rest_for_the_shapes():
    x, v, W = (sp.Symbol(n, real=True) for n in ("x", "v", "W"))
    assert parse_latex(r"x^\top v", arrays=True) == InOrder(Transpose(x), v)
    assert parse_latex(r"v x^\top", arrays=True) == InOrder(v, Transpose(x))
    assert parse_latex(r"\mathbf{1}^\top v", arrays=True) == InOrder(Transpose(Ones()), v)
    assert parse_latex(r"\|v\|_2^2", arrays=True) == Norm2(v) ** 2
    assert parse_latex(r"\lVert W \rVert_{F}", arrays=True) == NormF(W)
    assert parse_latex(r"\mathrm{tr}(W^\top W)", arrays=True) == Trace(InOrder(Transpose(W), W))
    assert parse_latex(r"(x - v)^\top W", arrays=True) == InOrder(Transpose(x - v), W)
    # a bracket keeps its product whole: 1^T (w x), not (1^T w) x
    assert parse_latex(r"\mathbf{1}^\top (v \odot x)", arrays=True) == InOrder(Transpose(Ones()), InOrder(v, x))


def test_without_arrays_the_notation_is_read_as_before():
    x, v = sp.Symbol("x", real=True), sp.Symbol("v", real=True)
    assert parse_latex(r"x^\top v") == Transpose(x) * v
    assert parse_latex(r"\mathbf{1} + v") == 1 + v
    for text in (r"\|v\|^2", r"(x v)^\top", r"\lVert v \rVert"):
        with pytest.raises(LatexError):
            parse_latex(text)


def test_products_norms_and_sizes_in_the_rule_names():
    rule = get_rule("l2_linreg")
    x, y, y_hat, w = (rule.symbol(n) for n in ("x", "y", "y_hat", "w"))
    N = dim("N")
    assert read_formula(rule, r"x^\top (\hat{y} - y)", "f") == Total(x * (y_hat - y))
    assert read_formula(rule, r"\mathbf{1}^\top (\hat{y} - y)", "f") == Total(y_hat - y)
    assert read_formula(rule, r"x (\hat{y} - y)^\top", "f") == Outer(x, y_hat - y)
    assert read_formula(rule, r"\frac{1}{N}\|\hat{y} - y\|^2", "f") == Total((y_hat - y) ** 2) / N
    assert read_formula(rule, r"\|w\|", "f") == sp.Abs(w)
    assert read_formula(rule, r"\mathbf{1} - x", "f") == 1 - x  # beside a vector in a sum, 1
    mlp = get_rule("mlp_backprop")
    W_3, y_hat, y = (mlp.symbol(n) for n in ("W_3", "y_hat", "y"))
    assert read_formula(mlp, r"((\hat{y} - y)^\top W_3)^\top", "f") == MatVec(Transpose(W_3), y_hat - y)


def _penalized_layer():
    """R = λ Σ W² on a matrix W (H x D): a rule built here (not registered), for ‖W‖_F and tr."""
    H, D = dim("H"), dim("D")
    rule = Rule("test_penalty", "an L2 penalty on a matrix")
    W = rule.input("W", (H, D), Real())
    lam = rule.input("lam", (), Real())
    rule.quantity("R", lam * Total(Total(W ** 2)))
    return rule


@pytest.mark.parametrize("text, verdict", [
    (r"\lambda \|W\|_F^2", "equivalent"),
    (r"\lambda \|W\|^2", "equivalent"),  # the Euclidean norm of all the entries
    (r"\lambda \operatorname{tr}(W^\top W)", "equivalent"),
    (r"\lambda \operatorname{Tr}(W W^\top)", "equivalent"),
    (r"\lambda \|W\|_F", "not_equivalent"),
    (r"2\lambda \operatorname{tr}(W^\top W)", "not_equivalent"),
])
def test_frobenius_norm_and_trace_of_a_matrix(text, verdict):
    assert check_equivalence(_penalized_layer(), "R", text).verdict == verdict


def test_trace_of_a_non_square_matrix_is_unusable():
    with pytest.raises(LatexError, match=r"tr\} needs a square matrix; W has shape \(H, D\)"):
        read_formula(_penalized_layer(), r"\operatorname{tr}(W)", "LATEX")
