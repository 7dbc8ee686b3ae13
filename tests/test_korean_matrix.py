r"""Korean for the matrix messages: ``derive grad --shape`` and ``derive equiv`` with matrix notation.

Every malformed case of the matrix tests is run twice through the command line, in English and with
``--lang ko``:

* ``derive grad``: the ``MALFORMED`` cases of ``test_matrix_grad_cli`` (shapes, ``--shape``, ``--at``,
  ``--jacobian``, ...), the refusals of the matrix reader in ``test_matrix_parse`` (each formula with
  that test's shapes as ``--shape``), and a few more refusals of the reader, ``--onehot`` and
  ``--jacobian``;
* ``derive equiv``: the malformed formulas of ``test_equiv_matrix`` and a few more (norms,
  ``\operatorname{tr}``, products whose shapes do not fit, ``\mathbf{1}``).

The English run is as before: exit 2, one line ``derive VERB: ...``, no Hangul (and, for the reader's
refusals, the message its own test expects). The Korean run is exit 2, one line with the same start, in
Hangul, the translation (:func:`derive.printing.errors_ko.translate`) of the English line, and it keeps
the data: every number, LaTeX command and quoted text of the English.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import test_equiv_matrix
import test_matrix_grad_cli
import test_matrix_parse

from derive.cli.main import main
from derive.printing.errors_ko import translate

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def run(capsys, args) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def korean(args: list[str]) -> list[str]:
    """The command line with ``--lang ko`` right after the verb (before any ``--``)."""
    return [args[0], "--lang", "ko", *args[1:]]


# -- derive grad --shape ------------------------------------------------------------------------------------
def _shape_flags(shapes: dict) -> list[str]:
    flags = []
    for name, (rows, cols) in shapes.items():
        flags += ["--shape", f"{name}={rows}" if cols == 1 else f"{name}={rows}x{cols}"]
    return flags


def _grad_cli_cases():
    """``test_matrix_grad_cli.MALFORMED``: (id, command line, pieces the English line names)."""
    for param in test_matrix_grad_cli.MALFORMED:
        args, fragments = param.values
        yield pytest.param(["grad", *args], list(fragments), id=f"grad-{param.id}")


def _parse_cases():
    """``test_matrix_parse.MALFORMED`` through the command line, with that test's shapes declared."""
    flags = _shape_flags(test_matrix_parse.SHAPES)
    for number, (text, _error, message) in enumerate(test_matrix_parse.MALFORMED):
        args = ["grad", "--wrt", "x", *flags, "--", text]
        yield pytest.param(args, [message], id=f"parse-{number:02d}-{text[:30]}")


X3 = ["--wrt", "x", "--shape", "x=3"]

GRAD_EXTRA = [  # (id, the command line after `grad`, a piece of the English line)
    ("log_without_brackets", [r"\log \mathbf{1}^\top \exp(x)", *X3], "without brackets applies to one factor"),
    ("sum_bound_beyond_length", [r"\sum_{i=1}^{5} x_i^2", "--wrt", "x", "--shape", "x=4"], "runs from 1 to 5"),
    ("sum_part_of_the_components", [r"\sum_{i=2}^{4} x_i", "--wrt", "x", "--shape", "x=4"], "runs from 2 to 4"),
    ("sum_upper_bound_only", [r"\sum_i^{2} x_i", *X3], "the vector has 3 components"),
    ("sum_index_declared", [r"\sum_x x", *X3], "is declared with --shape"),
    ("sum_lower_bound_two_indices", [r"\sum_{ij=1}^{3} x_i", *X3], "has one index"),
    ("sum_index_a_number", [r"\sum_{1} x_i", *X3], "must be a single letter"),
    ("sum_repeats_without_bounds", [r"\sum_i x_i + \sum_i x", *X3], "give number bounds"),
    ("onehot_of_a_scalar", [r"c x^\top x", *X3, "--onehot", "c"], "--onehot c"),
    ("onehot_unknown", [r"x^\top x", *X3, "--onehot", "c"], "no variable named 'c'"),
    ("jacobian_of_a_matrix", [r"x x^\top", *X3, "--jacobian"], "the Jacobian is of a vector"),
    ("max_without_comma", [r"\max(x^\top x", *X3], r"expected ','"),
    ("max_without_zero", [r"\max(x^\top x, 1)", *X3], r"\max(0, x)"),
    ("accent_on_one", [r"x^\top x + \bar{1}", *X3], r"\bar{1} is not understood"),
    ("empty_text", [r"x^\top x + \text{}", *X3], r"expected a name in \text{...}"),
    ("two_symbols_in_mathbf", [r"\mathbf{xy}^\top x", *X3], "expected one symbol"),
    ("empty_subscript", [r"x_{}", *X3], "an empty subscript"),
    ("ones_length_of_letters", [r"\mathbf{1}_{ab}^\top x", *X3], r"the length of \mathbf{1}"),
    ("second_subscript", [r"\sum_i x_i^\top_j", *X3], "a second subscript"),
    ("components_of_components", [r"\sum_i (x_i)_i", *X3], "components already"),
    ("min", [r"x^\top x + \min(1,2)", *X3], r"\min is not understood"),
    ("prod", [r"x^\top x + \prod_i x_i", *X3], r"\prod is not understood"),
    ("environment", [r"x^\top x + \begin{cases}", *X3], "environments"),
    ("unclosed_bracket", [r"x^\top (x", *X3], "never closed"),
    ("wrong_closing_bracket", [r"\left( x^\top x \right]", *X3], "to close the bracket"),
    ("row_times_row", [r"x^\top x^\top x", *X3], "3 columns against 1 rows"),
    ("hadamard_vector_matrix", [r"x \odot y", *X3, "--shape", "y=2x3"], "cannot multiply element-wise"),
    ("divide_different_lengths", [r"\frac{x}{y}", *X3, "--shape", "y=2"], "cannot divide element-wise"),
    ("division_by_zero", [r"\frac{x}{0}^\top x", *X3], "division by zero"),
    ("determinant_of_a_vector", [r"\log\det(x)", *X3], "the determinant needs a square matrix"),
    ("subscript_infinity", [r"\|x\|_{\infty}", *X3], "cannot read the subscript"),
    ("superscript_a_letter", [r"x^\top x + s^{x}", *X3], "a superscript must be a number"),
    ("operatorname_empty", [r"\operatorname{}(x)", *X3], r"after \operatorname"),
    ("unknown_operatorname", [r"x^\top \operatorname{diag}(W) x", *X3, "--shape", "W=3x3"], "unknown function"),
    ("shape_of_a_constant", ["2", *X3], "(its variables: none)"),
    ("at_without_value", [r"x^\top x", *X3, "--at", "x"], "name=value pairs"),
]


def _grad_extra_cases():
    for key, args, piece in GRAD_EXTRA:
        yield pytest.param(["grad", *args], [piece], id=f"grad-{key}")


# -- derive equiv with matrix notation ----------------------------------------------------------------------
EQUIV_EXTRA = [  # (rule, quantity, formula, a piece of the English line)
    ("l2_linreg", "E", r"\frac{1}{N}\lVert\hat{y}-y", "never closed"),
    ("l2_linreg", "E", r"\|\hat{y}-y\|\|", "never closed"),
    ("mlp_backprop", "L", r"\operatorname{tr}(W_2)", "needs a square matrix"),
    ("mlp_backprop", "L", r"\operatorname{Tr}(W_3)", "needs a square matrix"),
    ("mlp_backprop", "L", r"\mathrm{tr}(x)", "x has shape (D, 1)"),
    ("mlp_backprop", "L", r"\|W_1\|_1", "operator norm"),
    ("mlp_backprop", "L", r"W_1 W_2", "the shapes in the product"),
    ("mlp_backprop", "L", r"\operatorname{tr}(W_1 W_2)", "the shapes in the product"),
    ("mlp_backprop", "L", r"x^\top W_1^\top W_2^\top y", "do not match"),
    ("mlp_backprop", "L", r"\mathbf{1}^\top \mathbf{1} + y", r"the length of \mathbf{1}"),
    ("softmax_ce", "L", r"y^{\top\top} \log \hat{y}", "a transpose"),
    ("l2_linreg", "E", r"\sum (\hat{y}-y)", "write the index of a sum"),
    ("l2_linreg", "E", r"\sum_q (\hat{y}_q-y_q)", "no size is known"),
]


def _equiv_args(rule: str, quantity: str, text: str) -> list[str]:
    return test_equiv_matrix._equiv([rule, quantity, text])


def _equiv_cases():
    for number, (rule, quantity, text, words) in enumerate(test_equiv_matrix.MALFORMED):
        yield pytest.param(_equiv_args(rule, quantity, text), [words], id=f"equiv-{number}-{rule}-{text[:30]}")
    for number, (rule, quantity, text, words) in enumerate(EQUIV_EXTRA):
        yield pytest.param(_equiv_args(rule, quantity, text), [words], id=f"equiv-extra-{number}-{text[:30]}")


CASES = [*_grad_cli_cases(), *_parse_cases(), *_grad_extra_cases(), *_equiv_cases()]


def test_there_are_enough_cases():
    verbs = Counter(p.values[0][0] for p in CASES)
    assert len(CASES) >= 40 and verbs["grad"] >= 30 and verbs["equiv"] >= 10, verbs


# -- what the data of a line is -----------------------------------------------------------------------------
def _data(line: str) -> Counter:
    """The numbers, LaTeX commands and quoted texts of a line: what a translation keeps as it is."""
    pieces = re.findall(r"\\[A-Za-z]+|'[^']*'", line)
    pieces += re.findall(r"\d+", re.sub(r"\\[A-Za-z]+|'[^']*'", " ", line))
    return Counter(pieces)


@pytest.mark.parametrize("args, fragments", CASES)
def test_refusal_in_korean_and_english_unchanged(args, fragments, capsys):
    verb = args[0]
    start = f"derive {verb}: "

    code, out, err = run(capsys, args)
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 1, (code, out[:300], err)
    english = lines[0]
    assert english.startswith(start) and not HANGUL.search(english), english
    for fragment in fragments:
        assert fragment in english, f"{fragment!r} is not in {english!r}"
    message = english[len(start):]
    assert translate(message, "en") == message

    code, out, err = run(capsys, korean(args))
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 1, (code, out[:300], err)
    line = lines[0]
    assert line.startswith(start) and HANGUL.search(line), line
    assert "Traceback" not in err
    assert line == start + translate(message, "ko"), (line, english)
    lost = _data(english) - _data(line)
    assert not lost, f"the data {dict(lost)} is lost:\n  {english}\n  {line}"


# -- the catalog itself ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("english, words", [
    ("LATEX: cannot multiply W (2×3) by x (2): 3 columns against 2 rows (at character 3)",
     "LATEX: W (2×3)에 x (2)을(를) 곱할 수 없다: 열 3개와 행 2개가 맞지 않는다 (3번째 문자)"),
    ("LATEX: cannot multiply W (2×3) by x (2): 3 columns against 2 rows",
     "LATEX: W (2×3)에 x (2)을(를) 곱할 수 없다: 열 3개와 행 2개가 맞지 않는다"),
    ("LATEX: cannot add x (3) and s (scalar): the shapes differ (at character 3)", "s (스칼라)"),
    ("LATEX: the trace needs a square matrix, got X (2×3) (at character 1)", "대각합에는 정사각 행렬이 필요한데"),
    ("--shape x: declared twice, as scalar and 3", "--shape x: 두 번 선언되었다: 스칼라, 3"),
    ("--jacobian: the Jacobian through softmax(x) is not supported",
     "--jacobian: softmax(x)을(를) 거치는 야코비안은 지원하지 않는다"),
    ("found no point where log det(X) is finite in 20 rounds of random draws", "무작위로 20번"),
    ((r"LATEX: norms (\|w\|) are not understood; for a scalar write |w| or w^2; vectors and matrices need their "
      "shapes: declare them with --shape (x=3 for a vector, W=2x3 for a matrix)"),
     r"LATEX: 노름(\|w\|)은 이해하지 못한다; 스칼라라면 |w|나 w^2로 적어라; 벡터와 행렬에는 모양이 필요하다"),
    ((r"LATEX: unknown \operatorname; known: ReLU, relu; vectors and matrices need their shapes: declare them "
      "with --shape (x=3 for a vector, W=2x3 for a matrix)"), r"LATEX: 알 수 없는 \operatorname; 아는 것: ReLU, relu; "),
])
def test_translate_matrix_messages(english, words):
    said = translate(english, "ko")
    assert words in said, said
    assert translate(english, "en") == english


def test_a_position_is_a_number():
    """``at character {at}`` takes digits only: the text after the number is not swallowed into it."""
    said = translate("LATEX: unknown command \\foo at character 5: and more", "ko")
    assert "5: and more번째" not in said
