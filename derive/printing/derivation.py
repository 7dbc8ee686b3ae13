"""A rule's page: inputs, forward quantities, derivations with reasons and proofs.

Three formats from the same SymPy objects: ``text`` for the terminal, ``latex``
(an ``align*`` block per derivation, to paste into notes) and ``markdown``
(``$$`` blocks with ``aligned``, which KaTeX renders).
"""

from __future__ import annotations

from derive import naming
from derive.printing.i18n import reason, rule_text, word
from derive.printing.latex import latex
from derive.printing.latex_document import latex_text
from derive.printing.text import display_text as text

METHODS_KO = {"symbolic": "기호 증명", "numeric": "수치 검증"}


def _sizes_text(sizes_list) -> str:
    if not sizes_list or sizes_list == [{}]:
        return ""
    keys = list(sizes_list[0])
    if len(keys) == 1:
        values = [s[keys[0]] for s in sizes_list]
        span = f"{values[0]}..{values[-1]}" if len(values) > 2 else ", ".join(map(str, values))
        return f"{keys[0]} = {span}"
    return "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in sizes_list)


def _method(methods: set[str] | None, lang: str) -> str:
    if not methods:
        return ""
    if "FAILED" in methods:
        return "NOT PROVEN"
    kind = "symbolic" if methods == {"symbolic"} else "numeric"
    label = next(iter(methods)) if len(methods) == 1 else f"{kind} (some sizes)"
    return METHODS_KO.get(kind, label) if lang == "ko" else label


def _step_rows(rule, derivation, report, lang):
    """(lhs or None, rhs, reason, proof method) for each step."""
    methods = report.step_methods(derivation.target) if report else {}
    return [(step.lhs, step.rhs, reason(step, lang), _method(methods.get(n), lang))
            for n, step in enumerate(derivation.steps, start=1)]


def _derivation_heading(rule, derivation, lang) -> str:
    title = f": {rule_text(derivation, 'title', lang)}" if derivation.title else ""
    return f"{word('derivation', lang)} {derivation.target}{title}"


def _stable_text(rule, expr) -> str:
    """A stable form in the rule's own names: each hidden helper (``_lse``, ``_tanh_C``) is
    printed as its definition, exp(g - _lse) as exp(g - logsumexp(g))."""
    return text(expr, helpers={q.name: q.definition for q in rule.quantities.values() if q.hidden})


def render_text(rule, report=None, lang="en") -> str:
    lines = [f"{rule.name}: {rule_text(rule, 'title', lang)}"]
    if rule.source:
        lines.append(f"{word('source', lang)}: {rule_text(rule, 'source', lang)}")
    if rule.headline:
        lines.append(f"{word('headline', lang)}: {rule.headline}")
    lines += ["", word("inputs", lang)]
    for i in rule.inputs.values():
        shape = f"({', '.join(map(str, i.shape))})" if i.shape else word("scalar", lang)
        lines.append(f"  {i.name:<10} {shape:<12} {rule_text(i, 'note', lang)}")
    lines += ["", word("forward", lang)]
    for q in rule.public_quantities:
        lines.append(f"  {q.name} = {text(q.definition)}" + (f"    # {rule_text(q, 'note', lang)}" if q.note else ""))
        if q.stable is not None:
            lines.append(f"      {word('stable', lang)}: {_stable_text(rule, q.stable)}")
    for derivation in rule.derivations:
        lines += ["", _derivation_heading(rule, derivation, lang)]
        for number, (lhs, rhs, why, method) in enumerate(_step_rows(rule, derivation, report, lang), 1):
            left = f"{text(lhs)} = " if lhs is not None else "  = "
            lines.append(f"  {number}. {left}{text(rhs)}")
            lines.append(f"       [{why}]" + (f"  ({word('proof', lang)}: {method})" if method else ""))
    if report is not None:
        lines += ["", _summary(rule, report, lang)]
    return "\n".join(lines) + "\n"


def _summary(rule, report, lang) -> str:
    sizes = _sizes_text(rule.proof_sizes)
    status = "all proven" if report.ok else f"{len(report.failures)} check(s) FAILED"
    if lang == "ko":
        status = "모두 증명됨" if report.ok else f"{len(report.failures)}개 검증 실패"
    checks = f"{len(report.checks)}{word('checks', lang)}" if lang == "ko" else f"{len(report.checks)} checks"
    return f"{checks} ({sizes}): {status}" if sizes else f"{checks}: {status}"


def _latex_text(s: str) -> str:
    """A reason as LaTeX text for ``\\text{...}``: words as text, formulas (σ'(s), ∂L/∂W) as
    ``$...$`` (see :func:`derive.printing.latex_document.latex_text`)."""
    return latex_text(s)


def _aligned_rows(rule, derivation, report, lang) -> list[str]:
    rows = []
    for lhs, rhs, why, method in _step_rows(rule, derivation, report, lang):
        note = _latex_text(why) + (f" ({_latex_text(method)})" if method else "")
        left = latex(lhs) if lhs is not None else ""
        rows.append(rf"{left} &= {latex(rhs)} && \text{{{note}}}")
    return rows


def render_latex(rule, report=None, lang="en") -> str:
    out = [f"% {rule.name}: {rule_text(rule, 'title', lang)}"]
    if rule.source:
        out.append(f"% {word('source', lang)}: {rule_text(rule, 'source', lang)}")
    out.append(r"\begin{align*}")
    out.append(" \\\\\n".join(f"{naming.latex_name(q.name)} &= {latex(q.definition)}"
                              for q in rule.public_quantities))
    out.append(r"\end{align*}")
    for derivation in rule.derivations:
        out.append(f"% {_derivation_heading(rule, derivation, lang)}")
        out.append(r"\begin{align*}")
        out.append(" \\\\\n".join(_aligned_rows(rule, derivation, report, lang)))
        out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def _cell(text_: str) -> str:
    """A Markdown table cell: a ``|`` in the text (p(x|z)) escaped so it does not end the cell."""
    return text_.replace("|", r"\|")


def shape_text(shape) -> str:
    """``H × (D + H)``: the sizes joined by ×, a size that is a sum in parentheses."""
    return " × ".join(f"({size})" if getattr(size, "is_Add", False) else str(size) for size in shape)


def render_markdown(rule, report=None, lang="en") -> str:
    out = [f"# `{rule.name}`: {rule_text(rule, 'title', lang)}", ""]
    if rule.source:
        out += [f"*{word('source', lang)}: {rule_text(rule, 'source', lang)}*", ""]
    out += [f"## {word('inputs', lang)}", "",
            f"| {word('name', lang)} | {word('shape', lang)} | {word('meaning', lang)} |", "| --- | --- | --- |"]
    for i in rule.inputs.values():
        shape = shape_text(i.shape) if i.shape else word("scalar", lang)
        out.append(f"| ${naming.latex_name(i.name)}$ (`{i.name}`) | {shape} | {_cell(rule_text(i, 'note', lang))} |")
    out += ["", f"## {word('forward', lang)}", "", "$$", r"\begin{aligned}"]
    out.append(" \\\\\n".join(f"{naming.latex_name(q.name)} &= {latex(q.definition)}"
                              for q in rule.public_quantities))
    out += [r"\end{aligned}", "$$"]
    for derivation in rule.derivations:
        out += ["", f"## {_derivation_heading(rule, derivation, lang)}", ""]
        for number, (lhs, rhs, why, method) in enumerate(_step_rows(rule, derivation, report, lang), 1):
            left = f"{latex(lhs)} = " if lhs is not None else "= "
            proof = f" — *{word('proof', lang)}: {method}*" if method else ""
            out += [f"{number}. {why}{proof}", "", "   $$", f"   {left}{latex(rhs)}", "   $$", ""]
    if report is not None:
        out += ["", f"*{_summary(rule, report, lang)}*"]
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "latex": render_latex, "markdown": render_markdown}


def render(rule, fmt="text", report=None, lang="en") -> str:
    return RENDERERS[fmt](rule, report, lang)
