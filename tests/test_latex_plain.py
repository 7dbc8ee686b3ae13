r"""The plain reader (:mod:`derive.latex.plain`) builds the parser's tree, node for node, or declines.

Each formula is read both ways: by the plain reader and by the ANTLR parser the adapter uses
(:func:`derive.latex.adapter._parser_type`). Where the plain reader gives a tree, the parser must
give the same one: the same classes, the same arguments in the same order (a product's order
matters to matrix notation). Formulas come from a table of the grammar's corners and from random
formulas of the part the plain reader knows; the formulas the adapter meets end to end are
checked through :func:`derive.latex.adapter.parse_latex` with the plain reader on and off.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.errors import LatexError
from derive.latex import adapter, plain
from derive.latex.adapter import parse_latex

#: Corners of the grammar: juxtaposition, function arguments without brackets, scripts, calls y(x).
CORNERS = [
    "x", "x_i^2", "x^2_i", r"\mu_i^2", r"\ln(x)^2", r"\ln (a) (b)", r"\ln x y", r"\ln x \cdot y", r"\ln x \ln y",
    r"\ln x e^{y}", "y(x)", "y(1-x)", "a y(x)", "y (x) z", "y(2)", r"y(\lambda)", r"\hat{y}(x)", "x_i(z)", "w^2(x)",
    r"x_i^2(y)", r"x^2_i(y)", r"\hat{y} - y", r"\hat{y}_j - y_j", r"\frac{1}{2}", r"\frac{\lambda}{2}", r"\frac{0.5}{2}",
    r"\sqrt{x}", "e^{x}", "e^x", "e", "2 e", "2 3", "2 .5", r"\tanh^2(C)", r"\tanh^{2} C", r"\log_2 x", r"\log_{10}(x)",
    r"\sum_{k=1}^{K} y_k \ln \hat{y}_k", r"\sum^{N}_{n=1} x_n \cdot w + b", r"\sum_{i=1}^{3} \sum_{j=1}^{3} a_i b_j",
    r"C_{\text{prev}}", "h_{t-1}", "h_{t - 1}", "W_{hf}", "x_{12}", "x_1 2", r"\text{logvar}_i", r"\mathrm{v}",
    r"\bar{x}", r"\tilde{C}", r"\pi r^2", r"\lambda w", r"\lambda  w", r"W_{\lambda }", "W_{f}", "x^{-1}", "(a b) c",
    r"a \cdot (b c)", r"a \times b", "a * b / c", "a/b/c", "-2", "--x", "+x", "x - 2", r"x - \frac{1}{2}",
    r"-\frac{1}{2} x", "|a| + |b|", r"|w| \cdot |v|", "2|x|", "|a| |b|", "|a| b |c|", "|x|^2", r"|\ln x| + 1",
    r"\mathit{zqph0} \cdot o \cdot (1 - \tanh^{2}(C))", r"-y\ln \mathit{zqph0} - (1-y)\ln(1- \mathit{zqph1} )",
    r"\frac{\lambda}{2} w^2 + |w| + (s - t)^2", r"\exp(-x)", r"\exp -x", r"\sin x^2", r"\cos^2 x + \sin^2 x",
    r"\sinh(x) \cosh(x)", r"\tan^{-1} x", r"\frac{1}{0}", "{a} b", "(x)", "{x}", "(a + b)", "(a)(b)", "x^y^z", "x^2^3",
    "(a)^2_k", "x_i_j", "dx", "d x", "ad", r"d \cdot x", "xtr", "I", "E", "1.", "1.5.2", "1E5", "x,y", r"\partial x",
    r"\frac{d}{dx} x", "y(x, z)", r"\{x\}", "[x]", "x = 1", "x'", "x!", r"\gamma", r"\alpha^{\beta}", r"x^{\text{a}}",
]


def _parser_tree(text):
    try:
        return adapter._parser_type()().parse(text)
    except Exception:  # noqa: BLE001 - the parser raises bare Exceptions
        return None


def same(a, b) -> bool:
    """Node for node: the same classes, the same arguments in the same order."""
    if type(a) is not type(b) and not (isinstance(a, sp.core.function.AppliedUndef) and type(a) == type(b)):
        return False
    if isinstance(a, sp.Symbol):
        return a.name == b.name and a.assumptions0 == b.assumptions0
    if not isinstance(a, sp.Basic) or not a.args:
        return a == b
    return len(a.args) == len(b.args) and all(same(x, y) for x, y in zip(a.args, b.args))


def _judge(text):
    """'declined', or 'same' when the parser builds the same tree; fails otherwise."""
    mine = plain.read(text)
    if mine is None:
        return "declined"
    theirs = _parser_tree(text)
    assert theirs is not None, f"{text!r}: the plain reader reads {mine!r}, the parser refuses it"
    assert same(mine, theirs), f"{text!r}: plain {sp.srepr(mine)} but the parser {sp.srepr(theirs)}"
    return "same"


@pytest.mark.parametrize("text", CORNERS)
def test_a_corner_of_the_grammar_reads_as_the_parser_reads_it(text):
    _judge(text)


# -- random formulas of the plain part ----------------------------------------------------------

NAMES = ["x", "y", "w", "b", "s", "t", "z", "o", "K", "N", r"\lambda", r"\mu", r"\sigma", r"\eta", r"\pi",
         r"\hat{y}", r"\tilde{C}", r"\bar{x}", r"\text{logvar}", r"\mathit{zqph0}", r"\mathrm{v}"]
NUMBERS = ["2", "3", "0.5", "10", "1", "0", "007", ".25"]
SUBSCRIPTS = ["_i", "_j", "_k", "_1", "_{t-1}", r"_{\text{prev}}", "_{12}", "_{hf}", "_{i}"]
POWERS = ["^2", "^{-1}", "^{2}", "^n", "^{a+b}", r"^\lambda", "^{1/2}"]
PRODUCTS = [r"\cdot", r"\times", "*", "/"]
CALLED = ["y", "f", r"\hat{y}", "x_i"]
FUNCTIONS = [r"\ln", r"\exp", r"\tanh", r"\sin", r"\cos", r"\sinh", r"\cosh", r"\log_2", r"\tanh^2", r"\ln^{2}"]


def _atom(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(NUMBERS)
    text = rng.choice(NAMES)
    if rng.random() < 0.3:
        text += rng.choice(SUBSCRIPTS)
    if rng.random() < 0.25:
        text += rng.choice(POWERS)
    return text


def _formula(rng: random.Random, depth: int = 0) -> str:
    """A random formula of the plain part, spaced at random."""
    space = rng.choice(["", " ", "  "])
    if depth > 2 or rng.random() < 0.3:
        return _atom(rng)
    pick = rng.randrange(13)
    a, b = _formula(rng, depth + 1), _formula(rng, depth + 1)
    if pick == 0:
        return f"{a}{space}{rng.choice(['+', '-'])}{space}{b}"
    if pick == 1:
        return f"{a}{space}{rng.choice(PRODUCTS)}{space}{b}"
    if pick == 2:
        return f"{a} {b}"  # juxtaposition
    if pick == 3:
        return f"-{space}{a}"
    if pick == 4:
        return rf"\frac{{{a}}}{{{b}}}"
    if pick == 5:
        return rf"\sqrt{{{a}}}"
    if pick == 6:
        return f"{rng.choice(FUNCTIONS)}({a})"
    if pick == 7:
        return f"{rng.choice(FUNCTIONS)} {_atom(rng)}{space}{rng.choice(['', ' ' + _atom(rng)])}"
    if pick == 8:
        return f"({a}){rng.choice(['', '^2', '^{3}'])}"
    if pick == 9:
        return f"|{a}|"
    if pick == 10:
        return f"e^{{{a}}}"
    if pick == 11:
        return rf"\sum_{{k=1}}^{{K}} {a}"
    return f"{rng.choice(CALLED)}({_atom(rng)})"


@pytest.mark.parametrize("seed", range(4))
def test_random_formulas_read_as_the_parser_reads_them(seed):
    rng = random.Random(seed)
    verdicts = [_judge(_formula(rng)) for _ in range(60)]
    assert verdicts.count("same") >= 0.6 * len(verdicts), "the plain reader declines most formulas"


# -- end to end: the adapter's result is the same with or without the plain reader -----------------

FORMULAS = [
    r"-y\log\sigma(s) - (1-y)\log(1-\sigma(s)) + \frac{\lambda}{2} w^2 + |w| + (s - t)^2",
    r"\hat{y}_j - y_j", r"\hat{y} - y", r"-y_j + \hat{y}_j \sum_{k=1}^{K} y_k", r"\frac{e^{o_j}}{\sum_k e^{o_k}} - y_j",
    r"-\sum_k y_k \ln \hat{y}_k", r"\sigma(s) - y", r"\log(1 + e^{-s}) + (1 - y)s",
    r"-\frac{1}{2}\sum_{i}(1 + \log\sigma_i^2 - \mu_i^2 - \sigma_i^2)", r"\frac{1}{2}(\sigma^2 - 1)",
    r"W_y^\top \frac{\partial L}{\partial g}", r"\frac{\partial L}{\partial h} \odot o \odot (1 - \tanh^2(C))",
    r"\frac{2}{N}\sum_n x_n(\hat{y}_n - y_n) + 2\lambda w", r"w - \eta \frac{\partial L}{\partial w}",
    r"\operatorname{ReLU}(x) + \max(0, y)", r"\begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"x^\top A x", r"\|W x - y\|^2", r"\mathbf{1}^\top (w \odot x)", r"(\hat{y} - y) h^\top", r"y(1 - \hat{y})",
    r"\hat{y} (1 - \hat{y}) x", r"\tanh^2(C)", r"\log_2 x", r"2 \frac{1}{2}", "y(x)", r"\lambda(w)",
]


def _read(text, arrays):
    try:
        return parse_latex(text, arrays=arrays, names=["W_y", "W_f"])
    except LatexError as error:
        return f"LatexError: {error}"


@pytest.mark.parametrize("arrays", [False, True])
@pytest.mark.parametrize("text", FORMULAS + CORNERS)
def test_the_adapter_reads_the_same_with_or_without_the_plain_reader(monkeypatch, text, arrays):
    with_plain = _read(text, arrays)
    monkeypatch.setattr(plain, "read", lambda text: None)
    without = _read(text, arrays)
    assert with_plain == without and (isinstance(without, str) or same(with_plain, without)), text


def test_the_plain_reader_does_not_load_the_parser():
    import subprocess
    import sys

    code = ("import sys; from derive.latex.adapter import parse_latex; "
            r"parse_latex(r'-y\log\sigma(s) + \frac{\lambda}{2} w^2 + |w|'); print('antlr4' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "False", done.stderr
