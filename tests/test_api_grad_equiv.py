"""derive.grad and derive.equiv: the verbs grad and equiv as Python functions, with Jupyter reprs."""

import json
import subprocess
import sys

import numpy as np
import pytest

import derive
from derive.api import COLOURS
from derive.cli.main import main
from derive.errors import InputError

BCE = r"-y\log\sigma(s) - (1-y)\log(1-\sigma(s))"
W = [[1, 0, 2], [0, 1, 1]]
X = [1, 2, 3]
Y = [1, 0]


@pytest.fixture(scope="module")
def squared_norm():
    return derive.grad(r"\|Wx - y\|^2", "W", shapes={"W": (2, 3), "x": 3, "y": 2}, at={"W": W, "x": X, "y": Y})


def test_matrix_gradient_value(squared_norm):
    w, x, y = np.array(W, float), np.array(X, float), np.array(Y, float)
    expected = 2 * np.outer(w @ x - y, x)
    assert expected.tolist() == [[12, 24, 36], [10, 20, 30]]
    value = squared_norm.value("W")
    assert isinstance(value, np.ndarray) and value.shape == (2, 3)
    np.testing.assert_allclose(value, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(squared_norm.value(), expected, rtol=0, atol=1e-12)  # the only gradient
    assert squared_norm.result("W") == r"2 \left(W x - y\right) x^\top"
    assert squared_norm.proven and squared_norm.wrt == ["W"]
    assert squared_norm.forward["value"] == pytest.approx(float(np.sum((w @ x - y) ** 2)))


def test_matrix_report_is_the_verbs_json(squared_norm, capsys):
    main(["grad", r"\|Wx - y\|^2", "--wrt", "W", "--shape", "W=2x3", "--shape", "x=3", "--shape", "y=2",
          "--at", "W=[[1,0,2],[0,1,1]],x=[1,2,3],y=[1,0]", "--json"])
    assert squared_norm.to_json() == json.loads(capsys.readouterr().out)
    assert [step["wrt"] for step in squared_norm.steps] == ["W"] * len(squared_norm.steps)
    assert all({"latex", "why", "proof"} <= set(step) for step in squared_norm.steps)


def test_matrix_reprs(squared_norm):
    markdown = squared_norm._repr_markdown_()
    assert markdown.count("$$") >= 2 * (len(squared_norm.steps) + 1)
    assert squared_norm.result("W") in markdown
    assert squared_norm.steps[0]["why"] in markdown
    latex = squared_norm._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$") and squared_norm.result("W") in latex
    assert repr(squared_norm) == "<derive.Gradient f = ‖W x − y‖²: df/dW = 2 (W x − y) xᵀ (proven)>"


def test_scalar_gradient():
    gradient = derive.grad(BCE, ["s"], at={"s": 0.8, "y": 1})
    value = gradient.value("s")
    assert isinstance(value, float)
    assert value == pytest.approx(-0.3100255189, abs=1e-10)
    assert value == pytest.approx(1 / (1 + np.exp(-0.8)) - 1, abs=1e-15)  # σ(s) − y
    assert gradient.result("s") == r"\sigma\left(s\right) - y"
    markdown = gradient._repr_markdown_()
    assert "$$" in markdown and gradient.result("s") in markdown and "sum rule" in markdown
    assert "$$" in gradient._repr_latex_() and gradient.result("s") in gradient._repr_latex_()
    assert derive.grad(BCE, "s").value("s") is None  # no point given


def test_jacobian_value_in_its_shape():
    gradient = derive.grad(r"\sigma(Wx)", "x", shapes={"W": (2, 3), "x": 3}, jacobian=True,
                           at={"W": np.array(W), "x": np.array(X)})
    z = np.array(W, float) @ np.array(X, float)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(gradient.value("x"), (s * (1 - s))[:, None] * np.array(W, float), atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: derive.grad("x^2", "z"), "--wrt z: the expression has no variable named 'z' (its variables: x)"),
    (lambda: derive.grad(r"\|Wx - y\|^2", "W"), "vectors and matrices need their shapes"),
    (lambda: derive.grad("x^2", "x", at={"x": "abc"}), "--at x: expected a number"),
    (lambda: derive.grad("x^2", "x", at={"x": True}), "--at x: expected a number"),
    (lambda: derive.grad(r"x^\top x", "x", shapes={"x": 3}, at={"x": [1, 2]}), "--at x: expected a list of 3"),
    (lambda: derive.grad("x^2", "x", shapes={"x": "3"}), "field 'shapes.x'"),
    (lambda: derive.grad("x^2", 3), "field 'wrt'"),
    (lambda: derive.grad("x^2", "x", lang="fr"), "unknown language 'fr'"),
    (lambda: derive.grad("x^2", "x").result("y"), "no gradient by 'y'"),
    (lambda: derive.equiv("nope", "dL/do", "o"), "field 'rule': unknown rule 'nope'"),
    (lambda: derive.equiv("softmax_ce", "dL/do", r"\frac{"), ""),
])
def test_bad_input_raises_input_error(call, message):
    with pytest.raises(InputError) as error:
        call()
    assert message in str(error.value) and "\n" not in str(error.value)


def test_equivalent():
    result = derive.equiv("softmax_ce", "dL/do", r"\hat{y}_j - y_j")
    assert result and result.verdict == "equivalent" and result.counterexample is None
    assert result.to_json() == {"verdict": "equivalent", "diagnosis": "equal to dL/do of softmax_ce (symbolic)",
                                "counterexample": None, "mistake": None, "method": "symbolic"}
    assert f"color:{COLOURS['correct']}" in result._repr_html_()
    assert result._repr_markdown_().startswith("**equivalent**")


def test_not_equivalent(capsys):
    result = derive.equiv("softmax_ce", "dL/do", r"y - \hat{y}")
    assert not result and result.verdict == "not_equivalent" and result.mistake == "sign"
    assert result.diagnosis.startswith("the sign is flipped")
    assert set(result.counterexample) == {"o[1]", "o[2]", "y[1]", "y[2]"}
    html = result._repr_html_()
    assert f"color:{COLOURS['wrong']}" in html and COLOURS["correct"] not in html
    assert "the sign is flipped" in html and "counterexample" in html
    assert "the sign is flipped" in result._repr_markdown_()
    main(["equiv", "--json", "softmax_ce", "dL/do", r"y - \hat{y}"])
    cli = json.loads(capsys.readouterr().out)
    assert {key: cli[key] for key in ("verdict", "mistake")} == {"verdict": "not_equivalent", "mistake": "sign"}
    assert set(result.to_json()) == set(cli)


def test_equiv_in_korean_keeps_the_json_english():
    result = derive.equiv("softmax_ce", "dL/do", r"\hat{y}_j - y_j", lang="ko")
    assert result.to_json()["diagnosis"] == "equal to dL/do of softmax_ce (symbolic)"
    assert result.to_json()["message"].startswith("동치")


def test_import_derive_loads_neither_numpy_nor_sympy():
    code = ("import sys, derive\n"
            "assert 'sympy' not in sys.modules and 'numpy' not in sys.modules, 'import derive'\n"
            "derive.grad, derive.equiv, derive.Gradient, derive.Equivalence\n"
            "assert 'sympy' not in sys.modules, 'derive.grad'\n"
            "print(sorted(name for name in ('grad', 'equiv', 'Gradient', 'Equivalence') if name in dir(derive)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['Equivalence', 'Gradient', 'equiv', 'grad']"


def test_show_is_text_that_jupyter_renders():
    import derive
    shown = derive.show("softmax_ce")
    assert isinstance(shown, str) and "softmax_ce" in shown
    assert "$$" in shown._repr_markdown_() and r"\hat{y}" in shown._repr_markdown_()
    assert r"\begin{align" in shown._repr_latex_()
