"""The LaTeX of the reasons, titles and headings: text with math where math is meant.

pdflatex stops on (or, with kotex, silently drops) Unicode math in text, so every character of
every rule's texts, in English and Korean, must come out as ASCII text, Hangul, or inline math
of ASCII commands (docs/latex.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from test_katex import katex_module  # noqa: F401 (the fixture)

from derive.printing.derivation import _derivation_heading, _step_rows, render
from derive.printing.i18n import rule_text
from derive.printing.latex import latex
from derive.printing.latex_document import is_hangul, latex_document, latex_text
from derive.registry import get_rule, rules

ROOT = Path(__file__).resolve().parents[1]
_MATH = re.compile(r"\$([^$]*)\$")


def texts(rule, lang: str) -> list[str]:
    """Everything of a rule that the LaTeX writes as text: title, source, headings, reasons."""
    out = [rule_text(rule, "title", lang)]
    if rule.source:
        out.append(rule_text(rule, "source", lang))
    for derivation in rule.derivations:
        out.append(_derivation_heading(rule, derivation, lang))
        out += [why for _, _, why, _ in _step_rows(rule, derivation, None, lang)]
    return out


def stray(latex_: str) -> list[str]:
    """What pdflatex cannot set: a character outside ASCII and Hangul in the text, anything
    but ASCII in the math, an unpaired $."""
    plain = latex_.replace(r"\$", "")
    if plain.count("$") % 2:
        return ["unpaired $"]
    bad = [c for c in _MATH.sub("", plain) if not (c.isascii() or is_hangul(c))]
    return bad + [c for m in _MATH.finditer(plain) for c in m.group(1) if not c.isascii()]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", sorted(rules()))
def test_every_text_of_every_rule_is_ascii_hangul_or_math(name, lang):
    problems = {text: stray(latex_text(text)) for text in texts(get_rule(name), lang)}
    problems = {text: bad for text, bad in problems.items() if bad}
    assert not problems, f"{name} ({lang}): characters the converter left: {problems}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_fragments_have_no_unicode_outside_comments(lang):
    for name, rule in rules().items():
        body = "\n".join(line for line in render(rule, "latex", None, lang).splitlines()
                         if not line.startswith("%"))
        bad = [c for c in body if not (c.isascii() or is_hangul(c))]
        assert not bad, f"{name} ({lang}): {sorted(set(bad))}"


def test_every_text_of_the_conventions_and_models_is_ascii_hangul_or_math():
    """The rules in their other conventions (``--convention``) and the example model files."""
    from derive.engine.conventions import _variant, alternatives
    from derive.model.files import rule_from_file

    built = [_variant(rule.builder, c) for rule in rules().values() for c in alternatives(rule)]
    built += [rule_from_file(path) for path in sorted((ROOT / "worked_examples" / "models").glob("*.yaml"))]
    assert len(built) > 10
    problems = {text: stray(latex_text(text)) for rule in built for lang in ("en", "ko") for text in texts(rule, lang)}
    assert not {text: bad for text, bad in problems.items() if bad}


def test_an_unknown_character_is_not_passed_silently():
    assert stray(latex_text("a snowman ☃ here")) == ["☃"]


@pytest.mark.parametrize("text, expected", [
    ("softmax Jacobian: ∂ŷ_k/∂o_j = ŷ_k(δ_kj − ŷ_j)",
     r"softmax Jacobian: $\partial\hat{y}_{k}/\partial o_{j} = \hat{y}_{k}(\delta_{kj} - \hat{y}_{j})$"),
    ("derivative of the sigmoid: σ'(s) = σ(s)(1 − σ(s))",
     r"derivative of the sigmoid: $\sigma'(s) = \sigma(s)(1 - \sigma(s))$"),
    ("one-hot target: Σ_k y_k = 1", r"one-hot target: $\sum_{k} y_{k} = 1$"),
    ("ŷ를 거치는 연쇄 법칙", r"$\hat{y}$를 거치는 연쇄 법칙"),
    ("d/dσ σ⁻² = −2σ⁻³", r"$d/d\sigma \sigma^{-2} = -2\sigma^{-3}$"),
    ("SymPy integrates ∫q(x − μ₁)² = σ₁²", r"SymPy integrates $\int q(x - \mu_{1})^{2} = \sigma_{1}^{2}$"),
    ("Decoder weights: δ_dec zᵀ", r"Decoder weights: $\delta_{\text{dec}} z^{\top}$"),
    ("the 1/√(2π) cancels", r"the $1/\sqrt{2\pi}$ cancels"),
    ("(1 − σ(a))/σ(a) = e^{−a}", r"$(1 - \sigma(a))/\sigma(a) = e^{-a}$"),
    ("The notes' δ^(3) = −∂L/∂s^(3)", r"The notes' $\delta^{(3)} = -\partial L/\partial s^{(3)}$"),
    ("a skip, a_m = a_(m−1) + F_m, gives", r"a skip, $a_{m} = a_{m-1} + F_{m}$, gives"),
    ("= (W_decᵀ δ_dec)_i; z", r"$= (W_{\text{dec}}^{\top} \delta_{\text{dec}})_{i}$; z"),
    ("C_tilde_j reaches L", r"$\tilde{C}_{j}$ reaches L"),
    ("KL(q(z|x) || p(z|x)) >= 0", r"$\mathrm{KL}(q(z|x) \| p(z|x)) \ge 0$"),
    ("for w ≠ 0", r"for $w \neq 0$"),
    ("W ← W − η ∂L/∂W", r"$W \leftarrow W - \eta \partial L/\partial W$"),
    ("the ±yŷ terms cancel", r"the $\pm y\hat{y}$ terms cancel"),
    ("1 bit = log 2 ≈ 0.693 nats", r"1 bit $= \log 2 \approx 0.693$ nats"),
    ("maximal at theta = 1/2", "maximal at theta = 1/2"),  # no Unicode, no math: left as it is
    ("rule vae_reparam, 100% & #1 {x} ~ ^ $ \\",
     r"rule vae\_reparam, 100\% \& \#1 \{x\} \textasciitilde{} \textasciicircum{} \$ \textbackslash{}"),
    ("a < b", r"$a < b$"),  # < in text is ¡ in pdflatex's default font
    ("“quoted” – dash — dash", "``quoted'' -- dash --- dash"),
    # never a double script: pdflatex and KaTeX stop on x^{2}^{3}
    ("e^{a}²", r"$e^{a}{}^{2}$"),
    ("x'² and x²'", r"$x^{\prime 2}$ and $x^{\prime 2}$"),
    ("x^{2} ₘ", r"$x^{2} {}_{m}$"),
    ("café ☃", "café ☃"),  # not ASCII, not Hangul, not math: left for the checks to find
])
def test_the_converter(text, expected):
    assert latex_text(text) == expected


def test_a_component_of_a_gradient_is_in_parentheses():
    """(∂L/∂g)_k, not ∂L/∂g with a subscript hanging from the fraction."""
    k = sp.Symbol("k")
    assert latex(sp.IndexedBase("dL/dg")[k]) == r"\left(\frac{\partial L}{\partial g}\right)_{k}"
    assert latex(sp.IndexedBase("s_3")[k]) == r"\left(s_{3}\right)_{k}"
    assert latex(sp.IndexedBase("y_hat")[k]) == r"\hat{y}_{k}"
    assert latex(sp.Symbol("dL/dz[2]")) == r"\left(\frac{\partial L}{\partial z}\right)_{2}"


def _hanging(tex: str) -> list[str]:
    r"""``\frac{..}{..}`` directly followed by ``_`` or ``^``."""
    found = []
    for m in re.finditer(r"\\frac", tex):
        i = m.end()
        for _ in range(2):
            depth = 0
            while True:
                depth += {"{": 1, "}": -1}.get(tex[i], 0)
                i += 1
                if depth == 0:
                    break
        if i < len(tex) and tex[i] in "_^":
            found.append(tex[m.start():i + 8])
    return found


@pytest.mark.parametrize("name", sorted(rules()))
def test_no_index_hangs_from_a_fraction(name):
    tex = render(get_rule(name), "latex", None, "en")
    assert not _hanging(tex), f"{name}: {_hanging(tex)[:3]}"


def test_the_document_is_deterministic_and_declares_what_it_uses():
    pages = {name: render(get_rule(name), "latex", None, "ko") for name in ("softmax_ce", "lstm_step")}
    document = latex_document(pages, "ko")
    assert document == latex_document(pages, "ko")
    for needed in (r"\documentclass", r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\usepackage{kotex}",
                   r"\tracinglostchars=3", r"\begin{document}", r"\end{document}"):
        assert needed in document
    assert document.count(r"\section[") == 2 and r"\subsection*{순전파}" in document
    assert r"&& \reason{" in document and r"&& \text{" not in document  # reasons in a column that wraps
    assert r"\usepackage{kotex}" not in latex_document(pages, "en")


def test_every_block_of_every_fragment_renders_in_katex(katex_module):  # noqa: F811 (the fixture)
    """The fragments are also what a notebook shows (``_repr_latex_``): KaTeX takes the
    reasons' ``$...$`` inside ``\\text{}``."""
    from test_katex import render as katex_render

    blocks = re.compile(r"\\begin\{align\*\}.*?\\end\{align\*\}", re.DOTALL)
    items = [{"where": f"{name} ({lang})", "tex": block, "display": True}
             for lang in ("en", "ko") for name, rule in rules().items()
             for block in blocks.findall(render(rule, "latex", None, lang))]
    assert len(items) > 200
    failures = katex_render(katex_module, items)["failures"]
    assert not failures, "\n".join(f"{f['where']}: {f['error']}" for f in failures[:10])
