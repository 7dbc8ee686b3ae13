r"""`derive equiv`: equal formulas in several notations, and every diagnosis of the usual mistakes.

One table of (rule, quantity, LaTeX, verdict, mistake); the diagnosis kinds are those of
:class:`derive.check.equiv.Equivalence`. A few extra tests check the counterexample, the JSON
and the command line.
"""

import json

import numpy as np
import pytest
import sympy as sp

from derive.check.equiv import check_equivalence, read_formula
from derive.cli.main import main
from derive.engine.domains import Real
from derive.engine.rule import Rule
from derive.registry import get_rule
from derive.symbolic.arrays import MatVec, Outer, Total, Transpose, dim

EQUIVALENT = [
    ("softmax_ce", "dL/do", r"\hat{y}_j - y_j"),
    ("softmax_ce", "dL/do", r"\hat{y} - y"),
    ("softmax_ce", "dL/do", r"-y_j + \hat{y}_j \sum_{k=1}^{K} y_k"),  # equal on the one-hot simplex
    ("softmax_ce", "dL/do", r"\frac{e^{o_j}}{\sum_k e^{o_k}} - y_j"),
    ("softmax_ce", "y_hat", r"\frac{\exp(o_j)}{\sum_{k} \exp(o_k)}"),
    ("softmax_ce", "L", r"-\sum_k y_k \ln \hat{y}_k"),
    ("sigmoid_bce", "dL/ds", r"\sigma(s) - y"),
    ("sigmoid_bce", "dL/ds", r"\frac{1}{1 + e^{-s}} - y"),
    ("sigmoid_bce", "L", r"\log(1 + e^{-s}) + (1 - y)s"),
    ("vae_kl", "KL", r"-\frac{1}{2}\sum_{i}(1 + \log\sigma_i^2 - \mu_i^2 - \sigma_i^2)"),
    ("vae_kl", "KL", r"\frac{1}{2}\sum_{i=1}^{Z}\left(\mu_i^2 + e^{\text{logvar}_i} - \text{logvar}_i - 1\right)"),
    ("vae_kl", "dKL/dlogvar", r"\frac{1}{2}(\sigma^2 - 1)"),
    ("lstm_step", "dL/dh", r"W_y^\top \frac{\partial L}{\partial g}"),
    ("lstm_step", "dL/dh", r"W_y^{T} (\hat{y} - y)"),
    ("lstm_step", "dL/dC", r"\frac{\partial L}{\partial h} \odot o \odot (1 - \tanh^2(C))"),
    ("lstm_step", "dL/dW_y", r"\frac{\partial L}{\partial g} h^\top"),
    ("l2_linreg", "dL/dw", r"\frac{2}{N}\sum_n x_n(\hat{y}_n - y_n) + 2\lambda w"),
    ("l2_linreg", "w_new", r"w - \eta \frac{\partial L}{\partial w}"),
]

MISTAKES = [  # (rule, quantity, latex, mistake kind, words the diagnosis must contain)
    ("softmax_ce", "dL/do", r"y_j - \hat{y}_j", "sign", "sign is flipped"),
    ("softmax_ce", "dL/do", r"2(\hat{y} - y)", "factor", "2 times"),
    ("vae_kl", "dKL/dlogvar", r"\sigma^2 - 1", "factor", "2 times"),
    ("softmax_ce", "L", r"-\sum_k y_k \log_{10} \hat{y}_k", "log_base", "log base 10"),
    ("lstm_step", "dL/dh", r"W_y \frac{\partial L}{\partial g}", "transpose", "W_{y} where W_{y}^\\top"),
    ("lstm_step", "dL/dW_y", r"h \frac{\partial L}{\partial g}^\top", "transpose", "outer product"),
    ("lstm_step", "dL/ds_o", r"\frac{\partial L}{\partial o} \odot (1 - o^2)", "activation",
     "tanh's 1 - a^2 where the sigmoid's"),
    ("lstm_step", "dL/dC", r"\frac{\partial L}{\partial h} \odot o \odot \tanh(C)(1 - \tanh(C))",
     "activation", "sigmoid's \\sigma' = a(1 - a) where tanh's"),
    ("sigmoid_bce", "dL/ds",
     r"-\left(\frac{y}{\hat{y}} - \frac{1-y}{1-\hat{y}}\right)(1 - \hat{y}^2)", "activation", "tanh's"),
    ("sigmoid_bce", "dL/ds",
     r"-\left(\frac{y}{\hat{y}} - \frac{1-y}{1-\hat{y}}\right)\begin{cases} 1 & s > 0 \\ 0 & \text{otherwise}"
     r"\end{cases}", "activation", "ReLU's H(x)"),
    ("softmax_ce", "dL/do", r"\hat{y}_j", "missing_term", "missing term: - y"),
    ("sigmoid_bce", "L", r"-y\log\hat{y}", "missing_term", "missing term"),
    ("vae_kl", "KL", r"-\frac{1}{2}\sum_{i}(\log\sigma_i^2 - \mu_i^2 - \sigma_i^2)", "missing_term",
     "missing term: -1"),
    ("sigmoid_bce", "L", r"-y\log\hat{y} - (1-y)\log(1-\hat{y}) + s", "extra_term", "extra term: s"),
    ("sigmoid_bce", "L", r"-y\log\hat{y} + (1-y)\log(1-\hat{y})", "term_sign", "is flipped"),
    # (+ \lambda w would be right with the penalty (λ/2)w²: a convention, see tests/test_conventions.py)
    ("l2_linreg", "dL/dw", r"\frac{2}{N}\sum_n x_n(\hat{y}_n - y_n) + 4\lambda w", "term_factor",
     "2 times it"),
    ("softmax_ce", "dL/do", r"\log(\log(\hat{y}_j)) - y_j", "undefined", "undefined"),
    ("softmax_ce", "L", r"\hat{y} - y", "shape", "does not have the shape of L"),
    ("sigmoid_bce", "dL/ds", r"\hat{y}(1 - \hat{y})", None, "not one of the usual mistakes"),
]


@pytest.mark.parametrize("rule, quantity, text", EQUIVALENT)
def test_equivalent(rule, quantity, text):
    result = check_equivalence(rule, quantity, text)
    assert result.verdict == "equivalent", result.diagnosis
    assert result.counterexample is None and result.mistake is None


@pytest.mark.parametrize("rule, quantity, text, mistake, words", MISTAKES)
def test_mistakes_are_diagnosed(rule, quantity, text, mistake, words):
    result = check_equivalence(rule, quantity, text)
    assert result.verdict == "not_equivalent"
    assert result.mistake == mistake, result.diagnosis
    assert words in result.diagnosis


def test_the_counterexample_is_a_point_where_the_formulas_differ():
    result = check_equivalence("softmax_ce", "dL/do", r"y_j - \hat{y}_j")
    point = result.counterexample
    assert set(point) == {"o[1]", "o[2]", "y[1]", "y[2]"}
    assert point["y[1]"] + point["y[2]"] == pytest.approx(1.0)  # on the target's domain
    o = np.array([point["o[1]"], point["o[2]"]])
    y = np.array([point["y[1]"], point["y[2]"]])
    y_hat = np.exp(o) / np.exp(o).sum()
    assert not np.allclose(y - y_hat, y_hat - y)


def test_never_equivalent_when_the_formulas_differ_somewhere():
    # equal wherever o_j < 2: the difference lives in a corner of the domain only
    result = check_equivalence("softmax_ce", "dL/do", r"\hat{y}_j - y_j + \max(0, o_j - 2)")
    assert result.verdict == "not_equivalent"
    assert result.counterexample is not None
    assert max(result.counterexample["o[1]"], result.counterexample["o[2]"]) > 2


def test_component_and_vector_forms_agree_on_the_same_mistake():
    for text in (r"y_j - \hat{y}_j", r"y - \hat{y}"):
        assert check_equivalence("softmax_ce", "dL/do", text).mistake == "sign"


def test_symbols_map_onto_the_rule():
    vae = get_rule("vae_kl")
    mu, logvar = vae.symbol("mu"), vae.symbol("logvar")
    assert read_formula(vae, r"\log\sigma^2", "f") == logvar
    assert read_formula(vae, r"\mu \odot \mu", "f") == mu ** 2
    lstm = get_rule("lstm_step")
    read = read_formula(lstm, r"W_y^\top \frac{\partial L}{\partial g}", "f")
    assert read == MatVec(Transpose(lstm.symbol("W_y")), lstm.symbol("dL/dg"))
    assert read_formula(lstm, r"\frac{\partial L}{\partial g} h^\top", "f") == \
        Outer(lstm.symbol("dL/dg"), lstm.symbol("h"))


def _linear_layer():
    """z = W x; L = ½ Σ (z − t)²: a rule with a matrix, built here (not registered)."""
    H, D = dim("H"), dim("D")
    rule = Rule("test_linear", "a linear layer")
    x = rule.input("x", (D,), Real())
    W = rule.input("W", (H, D), Real())
    t = rule.input("t", (H,), Real())
    z = rule.quantity("z", MatVec(W, x))
    rule.quantity("L", Total((z - t) ** 2) / 2)
    dz = rule.quantity("dL/dz", z - t)
    rule.quantity("dL/dx", MatVec(Transpose(W), dz))
    rule.quantity("dL/dW", Outer(dz, x))
    return rule


def test_a_rule_object_works_too_and_transposes_are_found():
    rule = _linear_layer()
    assert check_equivalence(rule, "dL/dx", r"W^\top \frac{\partial L}{\partial z}").verdict == "equivalent"
    assert check_equivalence(rule, "dL/dW", r"(z - t) x^\top").verdict == "equivalent"
    wrong = check_equivalence(rule, "dL/dx", r"W \frac{\partial L}{\partial z}")
    assert (wrong.verdict, wrong.mistake) == ("not_equivalent", "transpose")
    assert "W where W^\\top belongs" in wrong.diagnosis


def test_command_line_json_and_exit_codes(capsys):
    assert main(["equiv", "softmax_ce", "dL/do", r"\hat{y}_j - y_j"]) == 0
    assert capsys.readouterr().out.startswith("equivalent")
    assert main(["equiv", "--json", "softmax_ce", "dL/do", r"y - \hat{y}"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "not_equivalent" and out["mistake"] == "sign"
    assert set(out) >= {"verdict", "diagnosis", "counterexample"}
    assert all(isinstance(v, float) for v in out["counterexample"].values())


@pytest.mark.parametrize("args, words", [
    (["nope", "L", "x"], "unknown rule 'nope'"),
    (["softmax_ce", "dL/dx", r"\hat{y}"], "no quantity 'dL/dx'"),
    (["softmax_ce", "dL/do", r"\hat{z} - y"], "unknown name 'z_hat'"),
    (["softmax_ce", "dL/do", r"\frac{\partial L}{\partial o}"], "uses dL/do itself"),
    (["sigmoid_bce", "L", r"\hat{y}_j"], "y_hat has 0 index(es)"),
    (["softmax_ce", "L", r"\hat{y}_j - y_j"], "free index"),
])
def test_unusable_formulas_exit_2(args, words, capsys):
    assert main(["equiv", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_sympy_is_the_judge_of_symbolic_equality():
    rule = get_rule("sigmoid_bce")
    lhs = read_formula(rule, r"-(y(1-\hat{y}) - (1-y)\hat{y})", "f")
    rhs = read_formula(rule, r"\hat{y} - y", "f")
    assert sp.simplify(lhs - rhs) == 0
