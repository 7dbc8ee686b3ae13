"""The LaTeX document of every derivation compiles with pdflatex, in English and in Korean
(kotex), and loses no character (docs/latex.md).

Each document is compiled once (``-interaction=nonstopmode -halt-on-error``); the test fails on
a non-zero exit, an error line (``! ...``) or a ``Missing character`` in the log (the preamble
sets ``\\tracinglostchars``). Where pdflatex, or kotex for Korean, is not installed the tests
warn and are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from derive.printing.derivation import render
from derive.printing.latex_document import latex_document
from derive.registry import rules

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _need(lang: str) -> str:
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        warnings.warn("LaTeX output not compiled: pdflatex is not installed", stacklevel=2)
        pytest.skip("pdflatex is not installed")
    if lang == "ko":
        kpsewhich = shutil.which("kpsewhich")
        found = kpsewhich and subprocess.run([kpsewhich, "kotex.sty"], capture_output=True, text=True,
                                             timeout=60, check=False).stdout.strip()
        if not found:
            warnings.warn("Korean LaTeX output not compiled: kotex is not installed "
                          "(TeX Live's collection-langkorean)", stacklevel=2)
            pytest.skip("kotex is not installed")
    return pdflatex


def compile_problems(tex: Path, lang: str) -> list[str]:
    """pdflatex ``tex`` once in its folder: the errors and lost characters, [] when it compiles."""
    pdflatex = _need(lang)
    done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tex.parent,
                          capture_output=True, text=True, errors="replace", timeout=180, check=False)
    log = tex.with_suffix(".log")
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    problems = [line for line in lines if line.startswith("! ") or "Missing character" in line]
    if done.returncode != 0:
        problems.insert(0, f"pdflatex exited with {done.returncode}: {done.stdout[-500:]}")
    return problems


def _document(tmp_path: Path, lang: str, names=None) -> Path:
    names = list(rules()) if names is None else names
    pages = {name: render(rules()[name], "latex", None, lang) for name in names}
    path = tmp_path / f"derive-{lang}.tex"
    path.write_text(latex_document(pages, lang), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_document_of_every_rule_compiles(tmp_path, lang):
    problems = compile_problems(_document(tmp_path, lang), lang)
    assert not problems, "\n".join(problems[:10])
    assert (tmp_path / f"derive-{lang}.pdf").stat().st_size > 10_000


@pytest.mark.parametrize("lang, path", [("en", DOCS / "derive.tex"), ("ko", DOCS / "ko" / "derive.tex")])
def test_the_committed_document_compiles(tmp_path, lang, path):
    copy = tmp_path / "derive.tex"
    shutil.copyfile(path, copy)
    problems = compile_problems(copy, lang)
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("lang, folder", [("en", DOCS), ("ko", DOCS / "ko")])
def test_the_committed_document_is_made_of_the_committed_fragments(lang, folder):
    """``derive docs`` writes derive.tex from latex/*.tex: the two are committed together."""
    pages = {name: (folder / "latex" / f"{name}.tex").read_text(encoding="utf-8") for name in rules()}
    assert (folder / "derive.tex").read_text(encoding="utf-8") == latex_document(pages, lang)


#: Reasons a user's derivation file could have: TeX's special characters, stray scripts, brackets
#: that do not close, primes after superscripts, nested accents.
AWKWARD = [
    "100% & #1 {x} ~ ^ $ \\ _", "x^{2}² and ₘ⁰ after x^{2} ₘ⁰", "σ'² σ²' f′′(x)", "(a)² ]² ²(", "e^{−a}^{b}",
    "ŷ̂ x̂̃_i²", "√ √( √(2π", "a < b > c | d || e <= f >= g", "𝟏 ℝ ½ ¼ … ⋯", "W_*ᵀ δ_* s_*,k",
    "‖p‖ ← → ≤ ≥ ≠ ≈ ∈ ∀", "ŷ_k가 ∂L/∂ŷ를 (괄호 안 σ)", "σ)( ]σ[ {σ} σ_ σ^", "'quoted' σ'", "a_(m−1) δ^(3) x_{i,j}",
]


def test_awkward_reasons_compile(tmp_path):
    from derive.printing.latex_document import latex_text, preamble

    rows = " \\\\\n".join(rf"x &= 1 && \text{{{latex_text(text)}}}" for text in AWKWARD)
    tex = tmp_path / "awkward.tex"
    tex.write_text(preamble("ko") + "\\begin{document}\n\\begin{align*}\n" + rows + "\n\\end{align*}\n\\end{document}\n",
                   encoding="utf-8")
    problems = compile_problems(tex, "ko")
    assert not problems, "\n".join(problems[:10])


def test_a_lost_character_is_caught(tmp_path):
    """The check can fail: kotex drops a minus sign in text (U+2212) without an error of its own."""
    tex = tmp_path / "lost.tex"
    document = latex_document({}, "ko").replace(r"\end{document}", "\\[ \\text{a \u2212 b} \\]\n\\end{document}")
    tex.write_text(document, encoding="utf-8")
    problems = compile_problems(tex, "ko")
    assert any("Missing character" in line for line in problems), problems
