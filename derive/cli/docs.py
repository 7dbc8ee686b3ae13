"""``derive docs [--out DIR]``: the derivation pages (Markdown with KaTeX math, English
and Korean), the LaTeX of every rule (a fragment each, and one document per language,
``derive.tex`` and ``ko/derive.tex``, that pdflatex compiles), and the figures.

A rule's pages are those of its proof record (:mod:`derive.records`) when that is current;
the other rules, every rule with ``--prove``, are proven now in parallel worker processes.
The figures are drawn each time."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from derive import records
from derive.errors import InputError
from derive.paths import user_path
from derive.progress import progress
from derive.registry import get_rule, rules

#: Figure functions: module in derive.plots -> function names; each takes an output folder.
FIGURES = {
    "derive.plots.losses": ["ce_vs_mse_figure"],
    "derive.plots.gradient_flow": ["depth_figure", "time_figure"],
}


def add_parser(sub):
    parser = sub.add_parser("docs", help="write the derivation pages and figures",
                            description="Write Markdown pages (English and Korean), LaTeX and figures.")
    parser.add_argument("--out", default="docs", help="output folder (default: docs/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--rule", action="append", metavar="RULE",
                        help="only this rule (repeatable; default: every rule)")
    parser.add_argument("--prove", action="store_true",
                        help="prove every rule now, not from the proof records (minutes)")
    parser.set_defaults(run=run)


#: Page path (``{name}`` for the rule) -> the format and language of ``derive show`` it holds.
PAGES = {
    "rules/{name}.md": ("markdown", "en"),
    "ko/rules/{name}.md": ("markdown", "ko"),
    "latex/{name}.tex": ("latex", "en"),
    "ko/latex/{name}.tex": ("latex", "ko"),
}


def _pages(name: str) -> dict[str, str]:
    """Worker: prove one rule and render its pages."""
    from derive.engine.verify import verify_rule
    from derive.printing.derivation import render

    rule = get_rule(name)
    report = verify_rule(rule)
    return {path.format(name=name): render(rule, fmt, report, lang) for path, (fmt, lang) in PAGES.items()}


def _recorded_pages(record) -> dict[str, str]:
    """A rule's pages from its current proof record."""
    return {path.format(name=record.name): record.page(fmt, lang) for path, (fmt, lang) in PAGES.items()}


def write_latex_documents(out: Path, every: list[str]) -> list[Path]:
    """``derive.tex`` and ``ko/derive.tex``: every rule's fragment under ``latex/`` (those
    written now and those already there, as ``--rule`` writes only some), in the order of
    the rules (``every``)."""
    from derive.printing.latex_document import latex_document

    written = []
    for lang, folder in (("en", out), ("ko", out / "ko")):
        fragments = {name: folder / "latex" / f"{name}.tex" for name in every}
        pages = {name: path.read_text(encoding="utf-8") for name, path in fragments.items() if path.is_file()}
        if pages:
            path = folder / "derive.tex"
            path.write_text(latex_document(pages, lang), encoding="utf-8")
            written.append(path)
    return written


def _title(name: str, lang: str) -> str:
    """A rule's title in ``lang``: from its current record, else from the rule."""
    record = records.current(name)
    if record is not None:
        return record.title(lang)
    from derive.printing.i18n import rule_text

    return rule_text(get_rule(name), "title", lang)


def _index(names, figures, lang: str, guide: bool = False) -> str:
    """The list of rules (``names``: every rule with a page in the folder), the LaTeX document
    (and, with ``guide``, a link to latex.md, which docs/ has) and the figures."""
    title = "# derive: the rules" if lang == "en" else "# derive: 규칙 목록"
    lines = [title, ""]
    for name in names:
        lines.append(f"- [`{name}`](rules/{name}.md): {_title(name, lang)}")
    if lang == "en":
        how = "; [how it is made and compiled](latex.md)" if guide else ""
        latex = f"The LaTeX of every derivation in one document: [derive.tex](derive.tex) (pdflatex{how})."
    else:
        how = "; [만들고 컴파일하는 방법](../latex.md)" if guide else ""
        latex = f"모든 유도를 담은 LaTeX 문서: [derive.tex](derive.tex) (pdflatex와 kotex{how})."
    lines += ["", latex]
    lines += ["", "## Figures" if lang == "en" else "## 그림", ""]
    prefix = "" if lang == "en" else "../"
    lines += [f"![{p.stem}]({prefix}figures/{p.name})" for p in sorted(figures)]
    return "\n".join(lines) + "\n"



def write_figures(out: Path) -> list[Path]:
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    written = []
    for module_name, functions in FIGURES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        written += [getattr(module, function)(figures) for function in functions]
    return written


def run(args) -> int:
    out = user_path(args.out, "--out")
    current = None if args.prove else records.every_current()
    every = [r.name for r in current] if current is not None else None  # None: the rules themselves
    names = [records.rule_name(name, every) for name in args.rule] if args.rule else list(every or rules())
    every = every if every is not None else list(rules())
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--out {out}: cannot create the folder ({error.strerror})") from None
    try:  # before minutes of proving: can a file be written there?
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise InputError(f"--out {out}: cannot write in the folder ({error.strerror})") from None
    recorded = {} if args.prove else {n: r for n in names if (r := records.load(n)) is not None}
    stale = [n for n, r in recorded.items() if not r.current]
    if stale:
        print(records.stale_note("docs", f"{len(stale)} of {len(names)} rules"), file=sys.stderr)
    pages = [_recorded_pages(r) for r in recorded.values() if r.current]
    to_prove = [n for n in names if n not in recorded or not recorded[n].current]
    if to_prove:
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            pages += list(progress(pool.map(_pages, to_prove), len(to_prove), "docs"))
    written = 0
    for page_set in pages:
        for relative, content in page_set.items():
            path = out / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            written += 1
    written += len(write_latex_documents(out, every))
    figures = write_figures(out)
    listed = [name for name in every if (out / "rules" / f"{name}.md").is_file()]
    guide = (out / "latex.md").is_file()
    (out / "index.md").write_text(_index(listed, figures, "en", guide), encoding="utf-8")
    (out / "ko").mkdir(exist_ok=True)
    (out / "ko" / "index.md").write_text(_index(listed, figures, "ko", guide), encoding="utf-8")
    print(f"wrote {written + 2} pages and {len(figures)} figures to {out}/", file=sys.stderr)
    return 0
