r"""The LaTeX reader of matrix calculus: each construct against the tree built by hand with expr's
constructors, and malformed input against its one-line message."""

import pytest
import sympy as sp

from derive.errors import InputError, LatexError
from derive.matrix import expr as E
from derive.matrix.expr import ShapeError
from derive.matrix.parse import MAX_DEPTH, MAX_LENGTH, parse_matrix, tokenize

SHAPES = {"W": (2, 3), "x": (3, 1), "y": (2, 1), "z": (3, 1), "b": (2, 1), "w": (3, 1), "v": (4, 1),
          "A": (3, 3), "B": (3, 3), "X": (4, 3), "y_hat": (3, 1), "W_1": (2, 3), "W_xh": (2, 3),
          "h_prev": (3, 1), "C_tilde": (3, 1), "x_bar": (3, 1), "mu": (1, 1), "Sigma": (3, 3)}

W, x, y, z, b, w, v = (E.var(n, SHAPES[n]) for n in ("W", "x", "y", "z", "b", "w", "v"))
A, B, X, y_hat = (E.var(n, SHAPES[n]) for n in ("A", "B", "X", "y_hat"))
s, t, mu, lam = E.var("s"), E.var("t"), E.var("mu"), E.var("lam")
T = E.transpose
HALF = E.number(sp.Rational(1, 2))
ONES3 = E.ones((3, 1))


def read(text, shapes=SHAPES):
    return parse_matrix(text, shapes)


# -- well-formed formulas: (LaTeX, the tree built by hand) -----------------------------------------------
PRODUCTS = [
    (r"\|Wx - y\|^2", E.sqnorm(E.sub(E.matmul(W, x), y))),
    (r"x^\top A x", E.matmul(E.matmul(T(x), A), x)),
    (r"x^T z", E.matmul(T(x), z)),
    (r"x^{T} z", E.matmul(T(x), z)),
    (r"x^{\top} z", E.matmul(T(x), z)),
    (r"x^\intercal z", E.matmul(T(x), z)),
    (r"x^{\mathsf{T}} z", E.matmul(T(x), z)),
    (r"x \cdot z", E.matmul(T(x), z)),  # two column vectors: the inner product
    (r"2 \cdot s", E.scale(E.number(2), s)),
    (r"s \times x", E.scale(s, x)),
    (r"A \times B", E.matmul(A, B)),
    (r"x \odot z", E.hadamard(x, z)),
    (r"x \circ z", E.hadamard(x, z)),
    (r"W x + b", E.add(E.matmul(W, x), b)),
    (r"\mathbf{W}\mathbf{x} - \mathbf{b}", E.sub(E.matmul(W, x), b)),
    (r"-x^\top z", E.neg(E.matmul(T(x), z))),
    (r"x \cdot -z", E.neg(E.matmul(T(x), z))),
    (r"(x + z)^T (x - z)", E.matmul(T(E.add(x, z)), E.sub(x, z))),
    (r"[x + z]^\top \{x - z\}", E.matmul(T(E.add(x, z)), E.sub(x, z))),
    (r"\left( x \right)^\top \bigl( z \bigr)", E.matmul(T(x), z)),
    (r"\left. x^\top z \right.", E.matmul(T(x), z)),
    (r"\displaystyle x^\top\, z \; + \! s \ ", E.add(E.matmul(T(x), z), s)),
    (r"$x^\top z$", E.matmul(T(x), z)),
    (r"x^\top A^{-1} z", E.matmul(E.matmul(T(x), E.inverse(A)), z)),
    (r"x^\top A^{-\top} z", E.matmul(E.matmul(T(x), T(E.inverse(A))), z)),
    (r"x^\top A^{-T} z", E.matmul(E.matmul(T(x), T(E.inverse(A))), z)),
    (r"s^{-1}", E.power(s, -1)),
    (r"x \odot x^{2}", E.hadamard(x, E.power(x, 2))),  # a vector's power is element-wise
]

NUMBERS_AND_FRACTIONS = [
    (r"2 s", E.scale(E.number(2), s)),
    (r"0.5 s", E.scale(HALF, s)),
    (r"\frac{1}{2} s", E.scale(HALF, s)),
    (r"\tfrac{1}{2} s", E.scale(HALF, s)),
    (r"\dfrac{1}{2} s", E.scale(HALF, s)),
    (r"\frac12 \|w\|^2", E.scale(HALF, E.sqnorm(w))),
    (r"\frac{s}{t}", E.divide(s, t)),
    (r"s / t", E.divide(s, t)),
    (r"1 / 2 s", E.scale(HALF, s)),  # left to right: (1/2) s
    (r"\frac{x}{s}", E.divide(x, s)),
    (r"s^2", E.power(s, 2)),
    (r"s^{0.5}", E.power(s, sp.Rational(1, 2))),
    (r"s^{-2}", E.power(s, -2)),
    (r"s^{\frac{1}{2}}", E.power(s, sp.Rational(1, 2))),
    (r"-s^2", E.neg(E.power(s, 2))),  # the power binds tighter than the sign
    (r"2^{10}", E.number(1024)),
]

NAMES = [
    (r"W_1 x", E.matmul(E.var("W_1", (2, 3)), x)),
    (r"W_{1} x", E.matmul(E.var("W_1", (2, 3)), x)),
    (r"W_{xh} x", E.matmul(E.var("W_xh", (2, 3)), x)),
    (r"\hat{y}^\top z", E.matmul(T(y_hat), z)),
    (r"\tilde{C}^\top x", E.matmul(T(E.var("C_tilde", (3, 1))), x)),
    (r"\bar{x}^\top x", E.matmul(T(E.var("x_bar", (3, 1))), x)),
    (r"h_{\text{prev}}^\top x", E.matmul(T(E.var("h_prev", (3, 1))), x)),
    (r"\vec{x}^\top \bm{z}", E.matmul(T(x), z)),
    (r"\boldsymbol{x}^\top z", E.matmul(T(x), z)),
    (r"\mu \lambda \eta", E.scale(E.scale(mu, lam), E.var("lr"))),
    (r"\varepsilon + \epsilon", E.scale(E.number(2), E.var("epsilon"))),
    (r"\theta \beta", E.scale(E.var("theta"), E.var("beta"))),
    (r"\hat{\mu}", E.var("mu_hat")),
    (r"c_1 + c_{2}", E.add(E.var("c_1"), E.var("c_2"))),  # c has no shape: c_1 is a scalar name
    (r"x^\top \Sigma x", E.matmul(E.matmul(T(x), E.var("Sigma", (3, 3))), x)),
    (r"\sigma^2", E.power(E.var("sigma"), 2)),  # \sigma not followed by '(' is a name
    (r"2\sigma", E.scale(E.number(2), E.var("sigma"))),
    (r"\log\sigma^2", E.apply("log", E.power(E.var("sigma"), 2))),
    (r"\text{logvar}", E.var("logvar")),
]

ONES_AND_IDENTITY = [
    (r"\mathbf{1}^\top x", E.matmul(E.ones((1, 3)), x)),
    (r"\mathbb{1}^\top x", E.matmul(E.ones((1, 3)), x)),
    (r"\boldsymbol{1}^\top x", E.matmul(E.ones((1, 3)), x)),
    (r"\mathbf 1^\top x", E.matmul(E.ones((1, 3)), x)),
    (r"\mathbf{1}^\top A \mathbf{1}", E.matmul(E.matmul(E.ones((1, 3)), A), ONES3)),
    (r"x^\top I x", E.matmul(T(x), x)),
    (r"x^\top I_n x", E.matmul(T(x), x)),
    (r"\|A + \lambda I\|_F^2", E.sqnorm(E.add(A, E.scale(lam, E.identity(3))))),
    (r"\operatorname{tr}(X^\top X + \lambda I)", E.trace(E.add(E.matmul(T(X), X), E.scale(lam, E.identity(3))))),
    (r"z^\top (X^\top X + \lambda I)^{-1} x",
     E.matmul(E.matmul(T(z), E.inverse(E.add(E.matmul(T(X), X), E.scale(lam, E.identity(3))))), x)),
]

FUNCTIONS = [
    (r"\sigma(s)", E.apply("sigmoid", s)),
    (r"\sigma\left(W x + b\right)^\top y", E.matmul(T(E.apply("sigmoid", E.add(E.matmul(W, x), b))), y)),
    (r"\tanh(s)", E.apply("tanh", s)),
    (r"\tanh^2(s)", E.power(E.apply("tanh", s), 2)),
    (r"\tanh(s)^2", E.power(E.apply("tanh", s), 2)),
    (r"\exp(s) + \exp s", E.scale(E.number(2), E.apply("exp", s))),
    (r"\log s + \ln t", E.add(E.apply("log", s), E.apply("log", t))),
    (r"\log x^\top z", E.matmul(E.apply("log", T(x)), z)),  # the argument is one factor, with its scripts
    (r"\sqrt{s}", E.apply("sqrt", s)),
    (r"\sqrt{x^\top x}", E.apply("sqrt", E.matmul(T(x), x))),
    (r"\operatorname{softplus}(s)", E.apply("softplus", s)),
    (r"\operatorname{ReLU}(x)^\top z", E.matmul(T(E.apply("relu", x)), z)),
    (r"\operatorname{relu}(s)", E.apply("relu", s)),
    (r"\mathrm{ReLU}(s)", E.apply("relu", s)),
    (r"\max(0, s)", E.apply("relu", s)),
    (r"\max(x, 0)^\top z", E.matmul(T(E.apply("relu", x)), z)),
    (r"\operatorname{sigmoid}(s)", E.apply("sigmoid", s)),
    (r"\operatorname{sign}(s) + \operatorname{sgn}(t)", E.add(E.apply("sign", s), E.apply("sign", t))),
    (r"\operatorname{softmax}(z)^\top x", E.matmul(T(E.softmax(z)), x)),
    (r"\mathrm{softmax}(z)^\top x", E.matmul(T(E.softmax(z)), x)),
    (r"y^\top \log \operatorname{softmax}(W x)", E.matmul(T(y), E.apply("log", E.softmax(E.matmul(W, x))))),
    (r"\operatorname{LSE}(z)", E.logsumexp(z)),
    (r"\operatorname{logsumexp}(z)", E.logsumexp(z)),
    (r"\operatorname{tr}(A^\top B)", E.trace(E.matmul(T(A), B))),
    (r"\operatorname{tr} A^\top B", E.trace(E.matmul(T(A), B))),  # without brackets: the rest of the product
    (r"\mathrm{tr}(A) + \text{tr}(B)", E.add(E.trace(A), E.trace(B))),
    (r"\operatorname{Tr}(A) - \operatorname{trace}(B)", E.sub(E.trace(A), E.trace(B))),
    (r"\det A", E.det(A)),
    (r"\det(A)", E.det(A)),
    (r"|A|", E.det(A)),
    (r"|s|", E.apply("abs", s)),
    (r"|s| |t|", E.scale(E.apply("abs", s), E.apply("abs", t))),
    (r"\log\det A", E.logdet(A)),
    (r"\log \det(A)", E.logdet(A)),
    (r"\ln\det A", E.logdet(A)),
    (r"\log|A|", E.logdet(A)),
    (r"\log\det \Sigma + x^\top \Sigma^{-1} x",
     E.add(E.logdet(E.var("Sigma", (3, 3))),
           E.matmul(E.matmul(T(x), E.inverse(E.var("Sigma", (3, 3)))), x))),
    (r"e^{s}", E.apply("exp", s)),
    (r"e^{-\frac{1}{2} x^\top x}", E.apply("exp", E.scale(E.number(-HALF.value), E.matmul(T(x), x)))),
    (r"e", E.apply("exp", E.ONE)),
]

NORMS = [
    (r"\|x\|", E.norm(x, "2")),
    (r"\|x\|_2", E.norm(x, "2")),
    (r"\|x\|^2", E.sqnorm(x)),
    (r"\|x\|_2^2", E.sqnorm(x)),
    (r"\|x\|^2_2", E.sqnorm(x)),
    (r"\|x\|_{2}^{2}", E.sqnorm(x)),
    (r"\|x\|_1", E.norm(x, "1")),
    (r"\|x\|_1^2", E.power(E.norm(x, "1"), 2)),
    (r"\|A\|_F", E.norm(A, "F")),
    (r"\|A\|_{F}^2", E.sqnorm(A)),
    (r"\lVert x \rVert", E.norm(x, "2")),
    (r"\left\| W x - y \right\|_2^2", E.sqnorm(E.sub(E.matmul(W, x), y))),
    (r"\Vert x \Vert^2", E.sqnorm(x)),
    (r"\|x\| \|z\|", E.scale(E.norm(x), E.norm(z))),
    (r"\lambda \|w\|_2^2", E.scale(lam, E.sqnorm(w))),
]

SUMS = [
    (r"\sum_i x_i^2", E.total(E.power(x, 2))),
    (r"\sum_{i} (x_i - \mu)^2", E.total(E.power(E.sub(x, E.scale(mu, ONES3)), 2))),
    (r"\sum_{i=1}^{n} y_i \log \hat{y}_i",
     E.total(E.hadamard(E.var("y", (3, 1)), E.apply("log", y_hat)))),
    (r"-\sum_{i=1}^{3} z_i \log \hat{y}_i", E.neg(E.total(E.hadamard(z, E.apply("log", y_hat))))),
    (r"\sum_j \log(1 + e^{(Wx)_j})",
     E.total(E.apply("log", E.add(E.ones((2, 1)), E.apply("exp", E.matmul(W, x)))))),
    (r"\sum_{i,j} W_{ij}^2", E.total(E.power(W, 2))),
    (r"\sum_i\sum_j A_{ij} B_{ij}", E.total(E.hadamard(A, B))),
    (r"\sum_{i,j} A_{ji} B_{ij}", E.total(E.hadamard(T(A), B))),
    (r"\sum_{ij} W_{ji}", E.total(T(W))),
    (r"\sum_i (Wx)_i", E.total(E.matmul(W, x))),
    (r"\sum_i \frac{x_i}{z_i}", E.total(E.divide(x, z))),
    (r"\sum_i \frac{1}{z_i}", E.total(E.divide(E.ONE, z))),
    (r"\sum_i x_i^{-1}", E.total(E.power(x, -1))),
    (r"\sum_i |x_i|", E.total(E.apply("abs", x))),
    (r"\sum_i \sigma(x_i)", E.total(E.apply("sigmoid", x))),
    (r"\sum_i \operatorname{softmax}(z)_i", E.total(E.softmax(z))),
    (r"\sum_{i=1}^{3} s", E.scale(E.number(3), s)),
    (r"\sum_{i=0}^{4} 2", E.number(10)),
    (r"\frac{1}{n}\sum_{i=1}^{n} (x_i - \mu)^2",
     E.scale(E.divide(E.ONE, E.var("n")), E.total(E.power(E.sub(x, E.scale(mu, ONES3)), 2)))),
    (r"\sum_i x_i^2 + s", E.add(E.total(E.power(x, 2)), s)),  # the body is the rest of the product
    (r"\log \sum_j e^{z_j}", E.apply("log", E.total(E.apply("exp", z)))),
    (r"\sum_i x_i (z_i - \log\sum_j e^{z_j})",
     E.total(E.hadamard(x, E.sub(z, E.scale(E.apply("log", E.total(E.apply("exp", z))), ONES3))))),
    (r"\sum\limits_{i} x_i", E.total(x)),
    (r"\sum_i^{3} s", E.scale(E.number(3), s)),  # without a lower bound, counting starts at 1
    (r"\sum_{i=0}^{n-1} x_i", E.total(x)),
    (r"\sum_{k} x_k z_k", E.total(E.hadamard(x, z))),
    (r"\sum_i (x^\top)_i", E.total(x)),
]

WELL_FORMED = PRODUCTS + NUMBERS_AND_FRACTIONS + NAMES + ONES_AND_IDENTITY + FUNCTIONS + NORMS + SUMS


@pytest.mark.parametrize("text, expected", WELL_FORMED, ids=[text for text, _ in WELL_FORMED])
def test_reads_the_tree_the_constructors_build(text, expected):
    shapes = SHAPES | ({"y": (3, 1)} if r"y_i \log" in text else {})
    got = read(text, shapes)
    assert got == expected, f"{text}: got {got}, expected {expected}"
    assert got.shape == expected.shape


def test_there_are_enough_cases():
    assert len(WELL_FORMED) >= 60 and len(MALFORMED) >= 20


def test_the_headline_example_is_a_scalar():
    tree = read(r"\|Wx - y\|^2", {"W": (2, 3), "x": (3, 1), "y": (2, 1)})
    assert tree.shape == E.SCALAR
    assert E.variables(tree) == {"W": (2, 3), "x": (3, 1), "y": (2, 1)}


def test_undeclared_names_are_scalars():
    assert read(r"a b + c", {}) == E.add(E.scale(E.var("a"), E.var("b")), E.var("c"))


def test_numbers_are_exact():
    assert read("0.1", {}) == E.number(sp.Rational(1, 10))
    assert isinstance(read("0.1", {}).value, sp.Rational)


def test_the_identity_takes_its_size_from_a_number():
    assert read(r"x^\top I_{3} x") == E.matmul(T(x), x)
    with pytest.raises(ShapeError, match="I"):
        read(r"x^\top I_{4} x")


def test_ones_with_a_length():
    assert read(r"\mathbf{1}_3^\top x") == E.matmul(E.ones((1, 3)), x)


def test_a_declared_I_and_e_are_names():
    assert read("I + e", {"I": (1, 1), "e": (1, 1)}) == E.add(E.var("I"), E.var("e"))


def test_components_inside_a_sum_keep_the_rest_plain():
    # the transpose of a component is the component; a plain sum inside is a scalar
    assert read(r"\sum_i x_i^\top") == E.total(x)
    assert read(r"\sum_i x_i \sum_j z_j") == E.scale(E.total(z), E.total(x))


def test_tokens_remember_sides_and_positions():
    tokens = tokenize(r"\left\| x \right\|_2")
    assert [(t.kind, t.text, t.side) for t in tokens[:3]] == [
        ("symbol", "||", "left"), ("letter", "x", ""), ("symbol", "||", "right")]
    assert tokens[1].pos == 8


def test_where_starts_every_message():
    with pytest.raises(LatexError, match=r"^loss: unknown command \\foo at character 5$"):
        parse_matrix(r"x + \foo", SHAPES, where="loss")


def test_positions_count_from_one():
    # as in derive's other LaTeX reader: the first character is character 1 (tokens keep 0-based positions)
    with pytest.raises(LatexError, match=r"^LATEX: unexpected character ';' at character 1$"):
        parse_matrix("; x", SHAPES)


def test_messages_are_one_line():
    with pytest.raises(LatexError) as caught:
        read("x^\\top\n(z")
    assert "\n" not in str(caught.value)


# -- malformed formulas: (LaTeX, the error, a piece of its message) ---------------------------------------
MALFORMED = [
    (r"\|Wx - y", LatexError, r"LATEX: cannot read '\|Wx - y': the norm opened at character 1 is never closed"),
    (r"x + \foo", LatexError, r"LATEX: unknown command \foo at character 5"),
    (r"(x + z]", LatexError, r"LATEX: expected ')' at character 7"),
    (r"(x", LatexError, "the '(' opened at character 1 is never closed"),
    (r"x)", LatexError, "unexpected ')' at character 2"),
    (r"{x", LatexError, "the '{' opened at character 1 is never closed"),
    (r"|s", LatexError, "the bar '|' opened at character 1 is never closed"),
    (r"x +", LatexError, "the formula ends too early: expected an operand"),
    (r"x = 2", LatexError, "unexpected '=' at character 3: write an expression, not an equation"),
    (r"x'", LatexError, "primes are not understood"),
    (r"x^", LatexError, "expected the argument of '^' at the end of the formula"),
    (r"x^\top^2", LatexError, "a second superscript needs braces"),
    (r"s^23", LatexError, "a script of more than one character needs braces at character 3: ^{23}"),
    (r"s^{t}", LatexError, r"s^{t}: a superscript must be a number, \top, -1 or -\top at character 2"),
    (r"x_i", LatexError, r"LATEX: x_i: i is not the index of an enclosing \sum at character 1"),
    (r"W_f x", LatexError, r"W_f: f is not the index of an enclosing \sum"),
    (r"W_2 x", LatexError, "W_2: W has a --shape but W_2 has none"),
    (r"\sum_i x_i + z_i", LatexError, r"the body of a \sum ends at the first + or -"),
    (r"\sum_i c_i x_i", LatexError, "c_i: c is a scalar, so it has no components"),
    (r"\sum_i s", LatexError, r"\sum_i s: the body does not depend on i"),
    (r"\sum_{i=1}^{n} s", LatexError, "the body does not depend on i"),
    (r"\sum_{i,j} x_i", LatexError, "the body does not depend on j"),
    (r"\sum_i x_i z_j", LatexError, r"z_j: j is not the index of an enclosing \sum"),
    (r"\sum_i \sum_i x_i", LatexError, r"the index i is already the index of a \sum"),
    (r"\sum_i (\sum_j A_{ij})", LatexError, "with i still free is not understood"),
    (r"\sum_i i x_i", LatexError, "the index i alone is not understood"),
    (r"\sum x", LatexError, r"\sum needs an index"),
    (r"\sum_{i=1}^{n+m} x_i", LatexError, "must be a number or a single letter"),
    (r"\sum_i W x_i", LatexError, "W (2×3) cannot be combined with the components x_i"),
    (r"\sum_{i,j} x_i A_{ij}", LatexError, "cannot combine x_i (components over i) with A_{ij}"),
    (r"\sum_i \operatorname{softmax}(x_i)", LatexError, "softmax of components is not understood"),
    (r"\sum_i v_i x_i", ShapeError, "LATEX: cannot multiply element-wise v (4) and x (3)"),
    (r"x + y", ShapeError, "LATEX: cannot add x (3) and y (2): the shapes differ (at character 3)"),
    (r"x + s", ShapeError, "cannot add"),
    (r"W W", ShapeError, "cannot multiply W (2×3) by W (2×3)"),
    (r"x^{-1}", ShapeError, "the inverse needs a square matrix"),
    (r"\|A\|", ShapeError, r"the Euclidean norm \|·\| is for vectors"),
    (r"\frac{s}{0}", InputError, "LATEX: division by zero"),
    (r"A^2", LatexError, "A^2: a power of a matrix is not understood"),
    (r"|x|", LatexError, r"|x|: |.| of a vector is not understood at character 1: write \|.\| for its norm"),
    (r"\|x\|_\infty", LatexError, r"cannot read the subscript _\infty"),
    (r"\|x\|_3", LatexError, "only the norms _1, _2 and _F are understood"),
    (r"\lambda I", LatexError, r"the length of a \mathbf{1} or the size of an I cannot be told"),
    (r"\mathbf{1}", LatexError, r"the length of a \mathbf{1}"),
    (r"x^\top \mathbf{0}", LatexError, r"\mathbf{0}: only \mathbf{1} (the all-ones vector) is understood"),
    (r"\max(s, t)", LatexError, r"\max is understood only as \max(0, x), the ReLU"),
    (r"\max s", LatexError, r"expected '(' after \max"),
    (r"\sin(s)", LatexError, r"\sin: trigonometric functions are not understood"),
    (r"\operatorname{foo}(s)", LatexError, r"unknown function \operatorname{foo} at character 1"),
    (r"\log_2 s", LatexError, "a subscript on a function is not understood"),
    (r"\tanh^{s}(t)", LatexError, "the power of a function must be a number"),
    (r"\log", LatexError, "expected the argument of log at the end of the formula"),
    (r"\sqrt[3]{s}", LatexError, r"\sqrt[n]: only the square root is understood"),
    (r"\frac{1}", LatexError, r"expected '{' after \frac at the end of the formula"),
    (r"2 3", LatexError, "a number after a factor at character 3"),
    (r"x_{t-1}", LatexError, "cannot read the subscript _{t-1}"),
    (r"\cdot s", LatexError, r"expected an operand before \cdot"),
    (r"\partial x", LatexError, r"\partial"),
    (r"\left x", LatexError, r"expected a bracket after \left at character 7"),
    (r"\#", LatexError, r"unknown command \#"),
    ("x + α", LatexError, "unexpected character 'α' at character 5: write LaTeX in ASCII"),
    ("x ; y", LatexError, "unexpected character ';' at character 3"),
    ("", LatexError, "expected a formula, got an empty string"),
    ("$ $", LatexError, "expected a formula"),
    ("x" * (MAX_LENGTH + 1), LatexError, f"the formula is too long ({MAX_LENGTH + 1} characters, at most 2000)"),
    ("(" * (MAX_DEPTH + 5) + "s" + ")" * (MAX_DEPTH + 5), LatexError,
     f"the formula is nested too deeply (more than {MAX_DEPTH} levels)"),
    ("-" * (MAX_DEPTH + 5) + "s", LatexError, "nested too deeply"),
    ("e^{" * (MAX_DEPTH + 5) + "s" + "}" * (MAX_DEPTH + 5), LatexError, "nested too deeply"),
    (r"2^{100000}", LatexError, "the power of a number is too large to compute"),
    (r"\sum_{i=k}^{3} s", LatexError, r"the body does not depend on i at character 1: give number bounds"),
    (r"\sum_{i=1}^{\infty} x_i", LatexError, r"the bound '\infty' of a \sum must be a number or a single letter"),
    ("a" * 300, LatexError, "the formula chains too many operations (its tree is 300 levels deep, at most 200)"),
    ("\\log " * 60 + "s", LatexError, "nested too deeply"),
    (r"W_{ii}", LatexError, r"W_{ii}: i is not the index of an enclosing \sum"),
    (r"\sum_i W_{ii}", LatexError, "expected two different indices of a matrix"),
    (r"\sum_i W_i", LatexError, "W_i: a matrix (2×3) has components with two indices"),
    (r"\sum_{i,j} x_{ij}", LatexError, "x_{ij}: a vector (3) has components with one index"),
    (r"\sum_i (s)_i", LatexError, "(s)_i: a scalar has no components"),
    (r"\operatorname{softmax}(x_i)", LatexError, r"x_i: i is not the index of an enclosing \sum"),
]


@pytest.mark.parametrize("text, error, message", MALFORMED, ids=[text[:40] for text, _, _ in MALFORMED])
def test_refuses_malformed_input_in_one_line(text, error, message):
    with pytest.raises(error) as caught:
        read(text)
    said = str(caught.value)
    assert message in said, said
    assert said.startswith("LATEX: ") and "\n" not in said


def test_shapes_must_be_two_positive_numbers():
    with pytest.raises(InputError, match="the shape of x must be"):
        parse_matrix("x", {"x": (0, 1)})
    assert parse_matrix("x", {"x": [3, 1]}) == x


def test_text_must_be_a_string():
    with pytest.raises(LatexError, match="expected a LaTeX string, got int"):
        parse_matrix(3, {})


def test_the_parser_never_evaluates_the_text(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("sympify was called")
    monkeypatch.setattr(sp, "sympify", refuse)
    monkeypatch.setattr(sp, "parse_expr", refuse, raising=False)
    assert read(r"\frac{1}{2}\|Wx - y\|^2 + 0.5 s") == E.add(
        E.scale(HALF, E.sqnorm(E.sub(E.matmul(W, x), y))), E.scale(HALF, s))
