"""The text page of ``derive show`` reads as mathematics (issue 12).

No SymPy spellings (``**``, ``Max(``) and no hidden helper names (``_lse``, ``_tanh_C``):
a stable form is printed with each helper written out as its definition.
"""

import re

import pytest
import sympy as sp

from derive.printing.derivation import render
from derive.printing.text import display_text, text
from derive.registry import get_rule, rules

# A name that begins with "_"; the lookbehind also skips subscripts after Greek letters and
# combining accents or brackets in the prose notes (δ_dec, x̂_i, (Wᵀδ)_i).
HIDDEN_NAME = re.compile(r"(?<![\w\u0300-\u036f)\]])_[A-Za-z]")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", sorted(rules()))
def test_show_text_has_no_sympy_spellings_or_helpers(name, lang):
    page = render(get_rule(name), "text", lang=lang)
    assert "**" not in page, f"{name} ({lang}): a SymPy power"
    assert "Max(" not in page and "Abs(" not in page, f"{name} ({lang}): a SymPy function name"
    hidden = [line for line in page.splitlines() if HIDDEN_NAME.search(line)]
    assert not hidden, f"{name} ({lang}): a hidden helper name in {hidden}"


def _lines(name, lang="en"):
    return [line.strip() for line in render(get_rule(name), "text", lang=lang).splitlines()]


def test_powers_print_as_superscripts():
    assert "L = (y_hat - y)²/2    # half the squared error" in _lines("linear_mse")
    assert "R = lam*w²    # penalty" in _lines("l2_linreg")
    x, y = sp.symbols("x y")
    assert display_text(x**-2) == "x⁻²"
    assert display_text(x ** sp.Rational(1, 3)) == "x^(1/3)"
    assert display_text(sp.sqrt(x)) == "sqrt(x)"
    assert display_text(x**y) == "x^y"
    assert display_text(sp.Max(0, x)) == "max(0, x)"
    assert display_text(sp.Abs(x)) == "|x|"


def test_generated_code_comments_keep_ascii():
    x = sp.Symbol("x")
    assert text(x**2) == "x**2"


def test_stable_forms_write_out_their_helpers():
    lstm = _lines("lstm_step")
    assert "computed stably as: tanh(C) ⊙ o" in lstm
    assert "computed stably as: exp(g - logsumexp(g))" in lstm
    assert "수치적으로 안정된 계산: exp(g - logsumexp(g))" in _lines("lstm_step", "ko")
    assert "computed stably as: log1p(exp(-|s|)) + max(0, s) - s*y" in _lines("sigmoid_bce")
    assert "computed stably as: expm1(logvar)/2" in _lines("vae_kl")
    # expm1 of the helper stays expm1: the helper is printed, not substituted and re-simplified
    assert any(line.startswith("computed stably as: expm1(2*log(sigma_1/sigma_2))/2")
               for line in _lines("gaussian_kl"))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", sorted(rules()))
def test_markdown_inputs_are_described_with_bracketed_shapes(name, lang):
    """Every column of the inputs table has a heading and every input a meaning; a size that is a
    sum reads H × (D + H), never H × D + H."""
    page = render(get_rule(name), "markdown", lang=lang).splitlines()
    start = page.index(f"## {'Inputs' if lang == 'en' else '입력'}") + 2
    header, rows = page[start], []
    for line in page[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|"))])
    assert all(cell.strip() for cell in header.strip("|").split("|")), header
    assert rows and all(len(row) == 3 and all(row) for row in rows), rows
    assert not [row[1] for row in rows if re.search(r"\w [+-] \w", row[1]) and "(" not in row[1]]


def test_a_sum_of_sizes_is_bracketed_and_a_bar_escaped():
    page = render(get_rule("lstm_step"), "markdown")
    assert "| $W_{f}$ (`W_f`) | H × (D + H) | forget gate weights on [h_prev; x] |" in page
    assert r"| $q$ (`q`) | K | the encoder's q(z\|x) |" in render(get_rule("elbo"), "markdown")
