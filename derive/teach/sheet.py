"""A student's problem sheet (Markdown with KaTeX math, and LaTeX) and answer key (a worked file).

The sheet gives the inputs as matrices, asks for the quantities by their lecture names
(∂L/∂o, ŷ) to 4 decimals, and ends with the worked file to fill in and hand in (``derive
check`` and ``derive grade`` read it). The key is the same file with derive's answers. The
title is the rule's (English or Korean, from its proof record) or the template's.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import numpy as np

from derive import naming
from derive.printing.latex_document import latex_text, preamble
from derive.teach.exercise import DECIMALS, Exercise, written

WORDS = {
    "en": {"exercise": "Exercise", "student": "Student", "given": "Given", "compute":
           f"Compute, to {DECIMALS} decimals (or 4 significant digits for a number below 0.001):",
           "hand_in": "Hand in your answers as a worked file (replace each ... by your numbers):",
           "check": "Check it yourself with `derive check answers.yaml`.",
           "conventions": "Conventions (as the lecture's):",
           "network": "The network (a model file: `derive show` prints its derivation):",
           "rule": "Its definitions and derivation: `derive show {rule}`."},
    "ko": {"exercise": "연습 문제", "student": "학생", "given": "주어진 값", "compute":
           f"다음을 소수 {DECIMALS}자리까지 구하시오 (0.001보다 작은 수는 유효숫자 4자리):",
           "hand_in": "답을 풀이 파일로 제출하시오 (각 ... 를 구한 숫자로 바꾸어):",
           "check": "`derive check answers.yaml` 로 스스로 확인할 수 있다.",
           "conventions": "관례 (강의와 같이):",
           "network": "신경망 (모델 파일: `derive show` 로 유도 과정을 볼 수 있다):",
           "rule": "정의와 유도 과정: `derive show {rule}`."},
}


def _title(exercise: Exercise, lang: str) -> str:
    rule = exercise.top.get("rule")
    if rule:
        from derive import records

        record = records.load(str(rule))
        if record is not None:
            data = record.data
            title = data.get("title_ko") if lang == "ko" and data.get("title_ko") else data.get("title", "")
            return f"{rule}: {title}"
    return str(exercise.top.get("title") or Path(exercise.template).stem)


# -- numbers ----------------------------------------------------------------------------------------
def _number(v: float) -> str:
    text = f"{float(v):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _yaml_value(value) -> str:
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return _number(value)
    return "[" + ", ".join(_yaml_value(v) for v in value) + "]"


def _key_value(value) -> str:
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return written(value)
    return "[" + ", ".join(_key_value(v) for v in value) + "]"


def _matrix(value) -> str:
    """LaTeX of an input: a number, a row vector, a matrix, or a matrix per leading index."""
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return _number(value)
    if value.ndim == 1:
        return r"\begin{bmatrix} " + " & ".join(_number(v) for v in value) + r" \end{bmatrix}"
    if value.ndim == 2:
        rows = [" & ".join(_number(v) for v in row) for row in value]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    return r",\ ".join(_matrix(part) for part in value)


# -- the worked files -------------------------------------------------------------------------------
@functools.cache
def _template_blocks(template: str, keys=("model", "conventions")) -> str:
    """The template's own text of its ``model:`` and ``conventions:`` blocks, as written (read once
    for a whole class: every student's sheets and files show them)."""
    text = Path(template).read_text(encoding="utf-8")
    out, keep = [], False
    for line in text.splitlines():
        top = re.match(r"^([A-Za-z_]+):", line)
        if top:
            keep = top.group(1) in keys
        if keep:
            out.append(line)
    return "\n".join(out) + ("\n" if out else "")


def _worked(exercise: Exercise, answers: dict, title: str) -> str:
    lines = [f"rule: {exercise.top['rule']}"] if "rule" in exercise.top else []
    lines.append(f"title: {json.dumps(title, ensure_ascii=False)}")
    text = "\n".join(lines) + "\n" + _template_blocks(exercise.template)
    text += "inputs:\n" + "".join(f"  {_key(n)}: {_yaml_value(v)}\n" for n, v in exercise.inputs.items())
    return text + "answers:\n" + "".join(f"  {_key(q)}: {v}\n" for q, v in answers.items())


def _key(name: str) -> str:
    return f'"{name}"' if "/" in name else name


def answer_key(exercise: Exercise) -> str:
    """The key: a worked file that ``derive check`` marks all correct."""
    title = f"key for {exercise.student}: {_title(exercise, 'en')}"
    return _worked(exercise, {q: _key_value(v) for q, v in exercise.answers.items()}, title)


def answer_form(exercise: Exercise) -> str:
    """The worked file the student fills in: the key with ``...`` for every answer."""
    title = f"{exercise.student}: {_title(exercise, 'en')}"
    return _worked(exercise, {q: "..." for q in exercise.answers}, title)


# -- the sheets -------------------------------------------------------------------------------------
def markdown_sheet(exercise: Exercise, lang: str = "en") -> str:
    words = WORDS[lang]
    given = [f"$$ {naming.latex_name(n)} = {_matrix(v)} $$" for n, v in exercise.inputs.items()]
    asked = [f"{k}. $\\displaystyle {naming.latex_name(q)}$ (`{q}`)" for k, q in enumerate(exercise.quantities, 1)]
    conventions = _template_blocks(exercise.template, ("conventions",)).strip()
    declared = [words["conventions"], "", "```yaml", conventions, "```", ""] if conventions else []
    network = _template_blocks(exercise.template, ("model",)).strip()
    if network:
        declared = [words["network"], "", "```yaml", network, "```", "", *declared]
    elif "rule" in exercise.top:
        declared = [words["rule"].format(rule=exercise.top["rule"]), "", *declared]
    return "\n".join([f"# {words['exercise']}: {_title(exercise, lang)}", "",
                      f"{words['student']}: **{exercise.student}**", "", f"## {words['given']}", "", *given, "",
                      *declared, words["compute"], "", *asked, "", words["hand_in"], "", "```yaml",
                      answer_form(exercise).rstrip(), "```", "", words["check"], ""])


def latex_sheet(exercise: Exercise, lang: str = "en") -> str:
    words = WORDS[lang]
    given = [rf"\[ {naming.latex_name(n)} = {_matrix(v)} \]" for n, v in exercise.inputs.items()]
    asked = [rf"  \item $\displaystyle {naming.latex_name(q)}$" for q in exercise.quantities]
    body = [r"\begin{document}", rf"\section*{{{latex_text(words['exercise'] + ': ' + _title(exercise, lang))}}}",
            rf"{latex_text(words['student'])}: \textbf{{{latex_text(exercise.student)}}}",
            rf"\subsection*{{{latex_text(words['given'])}}}", *given, *_latex_conventions(exercise, words),
            latex_text(words["compute"]),
            r"\begin{enumerate}", *asked, r"\end{enumerate}", r"\end{document}"]
    return preamble(lang) + "\n".join(body) + "\n"


def _latex_conventions(exercise: Exercise, words: dict) -> list:
    """The network of a model file and the declared conventions, as written (verbatim)."""
    out = []
    for key in ("model", "conventions"):
        block = _template_blocks(exercise.template, (key,)).strip()
        if block:
            label = words["network" if key == "model" else "conventions"].replace("`", "")
            out += [latex_text(label), r"\begin{verbatim}", block, r"\end{verbatim}"]
    return out


def write_exercise(exercise: Exercise, folder: Path, lang: str = "en") -> list:
    """``sheet.md``, ``sheet.tex``, ``answers.yaml`` (to fill in) and ``key.yaml`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"sheet.md": markdown_sheet(exercise, lang), "sheet.tex": latex_sheet(exercise, lang),
             "answers.yaml": answer_form(exercise), "key.yaml": answer_key(exercise)}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in files]


__all__ = ["answer_form", "answer_key", "latex_sheet", "markdown_sheet", "write_exercise"]
