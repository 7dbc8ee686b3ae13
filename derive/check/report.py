"""What a check found, per file: the report object, its JSON and the readable table.

A :class:`FileReport` covers one file, worked example or derivation. ``ok`` says the
file has no mistake; ``expect`` is the file's own ``expect:`` block (files with
deliberate mistakes declare what the checker must find) and ``as_expected``
whether the findings match it; ``error`` holds the one-line message of a file that
could not be checked (its content unusable, or too complex to decide).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from derive.check.messages import Text, message, status_text
from derive.check.slips import no_negative_zero
from derive.printing.errors_ko import translate

#: Arrays with more numbers than this are shown by the one furthest from the exact value.
MAX_SHOWN = 120
#: The readable report fits a terminal this wide.
WIDTH = 100
INDENT = "  "
DETAIL = "      "  # stacked numbers and findings, under their table line


@dataclass
class FileReport:
    path: str
    kind: str = "worked"  # "worked" | "derivation" | "unusable"
    rule: str | None = None
    title: str = ""
    steps: list = field(default_factory=list)  # StepResult (worked) or LineResult (derivation)
    first_error: str | int | None = None  # worked: a quantity's name; derivation: a line number
    expect: dict | None = None
    error: str | None = None
    quantity: str | None = None  # derivations: the quantity to reach
    reaches: bool | None = None  # derivations: whether the last line is that quantity
    undecided: bool = False  # derivations: a line was too complex to decide
    findings: dict = field(default_factory=dict)  # worked: name -> slips.Finding, for each step not correct
    feedback: dict = field(default_factory=dict)  # worked: name -> the course's anticipated mistake that fits

    @property
    def ok(self) -> bool:
        """No mistake found (and, for a derivation, every line decided and the target reached)."""
        if self.error is not None or self.undecided:
            return False
        if self.kind == "derivation":
            return self.first_error is None and self.reaches is not False
        return all(s.status == "correct" for s in self.steps)

    @property
    def first_error_name(self) -> str | None:
        """:attr:`first_error` as the name of a step: a worked file's quantity, a derivation's
        ``"line N"`` (:attr:`first_error` stays the line number there: ``expect`` blocks and the
        readable table use it)."""
        if self.kind == "derivation" and self.first_error is not None:
            return next((s.name for s in self.steps if s.number == self.first_error), f"line {self.first_error}")
        return self.first_error

    @property
    def expected_failure(self) -> bool:
        """The file declares deliberate mistakes (an ``expect`` block that is not all-correct)."""
        if not self.expect:
            return False
        if self.expect.get("ok") is False or self.expect.get("first_error") is not None:
            return True
        if self.expect.get("reaches") is False:
            return True
        return any(s != "correct" for s in self.expect.get("statuses", {}).values())

    @property
    def mismatches(self) -> list[str]:
        """How the findings differ from the file's ``expect`` block (or from 'no mistake' without one)."""
        return self.mismatch_texts("en")

    def mismatch_texts(self, lang: str = "en") -> list[str]:
        """:attr:`mismatches` in ``lang``."""
        if self.error is not None:
            return [translate(self.error, lang)]
        if self.expect is None:
            return [] if self.ok else [message("mismatch_found", lang)]
        found = []
        for key in ("first_error", "ok", "reaches"):
            value = self.ok if key == "ok" else getattr(self, key)
            if key in self.expect and self.expect[key] != value:
                found.append(Text(f"mismatch_{key}", found=value, expected=self.expect[key]))
        by_name = {s.name: s.status for s in self.steps if hasattr(s, "name")}
        for name, status in self.expect.get("statuses", {}).items():
            if by_name.get(name) != status:
                found.append(Text("mismatch_status", name=name, found=by_name.get(name), expected=status))
        for name, anticipated in self.expect.get("feedback", {}).items():
            found_id = self.feedback[name].id if name in self.feedback else None
            if found_id != anticipated:
                found.append(Text("mismatch_feedback", name=name, found=found_id, expected=anticipated))
        for name, kind in self.expect.get("slips", {}).items():
            finding = self.findings.get(name)
            named = finding.slip.kind if finding is not None and finding.slip is not None else None
            if named != kind:
                found.append(Text("mismatch_slip", name=name, found=named, expected=kind))
        return [text.say(lang) for text in found]

    @property
    def as_expected(self) -> bool:
        return not self.mismatches

    @property
    def expects_mistakes(self) -> bool:
        """The name ``derive run`` uses for :attr:`expected_failure`."""
        return self.expected_failure

    def explain(self) -> str:
        """One line: why the file is not as expected (empty when it is)."""
        return "; ".join(self.mismatches)

    def _finding_json(self, step) -> dict:
        finding = self.findings.get(step.name)
        if finding is None:
            return {"slip": None, "off_components": [] if np.ndim(step.given) else None, "accepted": None}
        return finding.to_json()

    def to_json(self) -> dict:
        out = {"path": self.path, "kind": self.kind, "rule": self.rule, "ok": self.ok,
               "first_error": self.first_error}
        if self.kind == "derivation":
            # The contract's shape (first_error a step's name, steps a list), the line numbers and
            # the bare lines kept beside it.
            out.update(first_error=self.first_error_name, first_error_line=self.first_error,
                       steps=[s.step_json() for s in self.steps],
                       quantity=self.quantity, reaches=self.reaches, lines=[s.to_json() for s in self.steps])
        else:
            out["steps"] = [{**s.to_json(), **self._finding_json(s),
                             **({"feedback": self.feedback[s.name].to_json()} if s.name in self.feedback else {})}
                            for s in self.steps]
        if self.title:
            out["title"] = self.title
        if self.error is not None:
            out["error"] = self.error
        if self.expect is not None:
            out["expect"] = self.expect
            out["as_expected"] = self.as_expected
        return out


# -- the readable table ------------------------------------------------------------
#
# Everything fits a terminal of WIDTH columns: a quantity whose numbers would make the
# table wider is shown on its table line by its shape, its numbers stacked under it
# (a matrix a row per line); what is wrong with a number follows on its own lines.
# Every sentence comes from derive.check.messages.MESSAGES.

def _format_of(texts) -> tuple[str, int]:
    """How to show the expected values beside what was written: two more digits than the student's."""
    texts = [str(t).lower() for t in np.ravel(texts)]
    scientific = any(re.fullmatch(r"[+-]?[\d.]+e[+-]?\d+", t) for t in texts)
    decimals = max((len(t.partition("e")[0].partition(".")[2]) for t in texts if "." in t.partition("e")[0]),
                   default=0)
    return ("e", decimals + 2) if scientific else ("f", min(max(decimals + 2, 4), 8))


def _number(value: float, style: tuple, lang: str = "en") -> str:
    kind, digits = style
    if not np.isfinite(value):
        return message("undefined", lang)
    if kind == "f" and value != 0 and abs(value) < 10.0 ** -digits:
        kind = "e"
    return no_negative_zero(f"{value:.{digits}{kind}}")


def _numbers(values, style: tuple, lang: str = "en") -> np.ndarray:
    """The numbers of an array as texts, in its shape."""
    values = np.asarray(values, dtype=float)
    out = np.empty(values.shape, dtype=object)
    for index in np.ndindex(values.shape):
        out[index] = _number(float(values[index]), style, lang)
    return out


def _inline(cells) -> str:
    """An array of texts on one line: ``[[a, b], [c, d]]``."""
    cells = np.asarray(cells, dtype=object)
    if cells.ndim == 0:
        return str(cells[()])
    return "[" + ", ".join(_inline(c) for c in cells) + "]"


def stacked(cells, width: int) -> list[str]:
    """An array of texts as lines of at most ``width`` columns: a vector wrapped, a matrix a row per line."""
    cells = np.asarray(cells, dtype=object)
    if cells.ndim == 0:
        return [str(cells[()])]
    if cells.ndim == 1:
        items = [str(c) + ("," if k < len(cells) - 1 else "]") for k, c in enumerate(cells)]
        lines, current = [], "[" + items[0]
        for item in items[1:]:
            if len(current) + 1 + len(item) > width:
                lines.append(current)
                current = " " + item
            else:
                current += " " + item
        return lines + [current]
    lines = []
    for k, row in enumerate(cells):
        inner = stacked(row, width - 1)
        inner = [("[" if k == 0 and j == 0 else " ") + line for j, line in enumerate(inner)]
        inner[-1] += "]" if k == len(cells) - 1 else ","
        lines += inner
    return lines


def _wrap(text: str, first: str, rest: str | None = None) -> list[str]:
    """``text`` in lines of at most WIDTH columns, the first indented by ``first``, the others by ``rest``."""
    if columns(text) != len(text):  # Hangul takes two columns, which textwrap counts as one
        return _wrap_wide(text, first, first if rest is None else rest)
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first if rest is None else rest,
                         break_long_words=True, break_on_hyphens=False) or [first.rstrip()]


def _wrap_wide(text: str, first: str, rest: str) -> list[str]:
    """:func:`_wrap` by terminal columns, word by word."""
    lines, current, indent = [], "", first
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and columns(indent + trial) > WIDTH:
            lines.append(indent + current)
            indent, current = rest, word
        else:
            current = trial
    return lines + [indent + current]


def columns(text: str) -> int:
    """Terminal columns of ``text``: a Hangul (wide) character takes two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: list[list[str]], indent: str = INDENT) -> list[str]:
    widths = [max(columns(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c + " " * (w - columns(c)) for c, w in zip(r, widths)).rstrip() for r in rows]


def _table_width(rows: list[list[str]]) -> int:
    return len(INDENT) + sum(max(columns(r[i]) for r in rows) for i in range(len(rows[0]))) \
        + 2 * (len(rows[0]) - 1)


class _Row:
    """One step of a worked report: its table cells inline, and how to stack its numbers instead."""

    def __init__(self, step, finding, lang: str = "en", course=None):
        self.step, self.finding, self.lang, self.course = step, finding, lang, course
        style = _format_of(step.texts)
        given, expected, recomputed = step.texts, step.expected, step.recomputed
        shown = step.status != "correct" and recomputed is not None
        self.label = None
        if np.size(given) > MAX_SHOWN:  # a big array: the number that is furthest off
            worst = np.unravel_index(np.argmax(np.abs(step.given - step.expected)), np.shape(given))
            self.label = "[" + ", ".join(str(i) for i in worst) + "]"
            given, expected = np.asarray(given, dtype=object)[worst], np.asarray(expected)[worst]
            recomputed = np.asarray(recomputed)[worst] if shown else None
        self.arrays = {"col_yours": np.asarray(given, dtype=object),
                       "col_expected": _numbers(expected, style, lang)}
        if shown:
            self.arrays["col_recomputed"] = _numbers(recomputed, style, lang)
        self.stack = False
        self._laid_out: dict[bool, list[str]] = {}  # stacked or not -> the cells

    def cells(self) -> list[str]:
        """The table cells (computed once for each way of showing the numbers: the table is laid
        out again after each row that is stacked)."""
        if self.stack not in self._laid_out:
            self._laid_out[self.stack] = self._lay_out()
        return list(self._laid_out[self.stack])

    def _lay_out(self) -> list[str]:
        step = self.step
        if self.stack:
            shape = "x".join(map(str, np.shape(step.given)))
            where = f"{shape} {self.label}" if self.label else shape
            below = message("below", self.lang)
            return [step.name, message("below_shape", self.lang, shape=where), below,
                    status_text(step.status, self.lang), below if "col_recomputed" in self.arrays else ""]
        yours = _inline(self.arrays["col_yours"])
        if self.label:
            yours = f"{'x'.join(map(str, np.shape(step.given)))} {self.label}: {yours}"
        return [step.name, yours, _inline(self.arrays["col_expected"]), status_text(step.status, self.lang),
                _inline(self.arrays["col_recomputed"]) if "col_recomputed" in self.arrays else ""]

    def widest(self) -> int:
        cells = self.cells()
        return max(len(cells[1]), len(cells[2]), len(cells[4]))

    def details(self) -> list[str]:
        """The stacked numbers (when stacked), then what is wrong."""
        lines = []
        if self.stack:
            labels = {key: message(key, self.lang) for key in self.arrays}
            column = max(columns(t) for t in labels.values()) + 2
            for key, cells in self.arrays.items():
                body = stacked(cells, WIDTH - len(DETAIL) - column)
                label = labels[key]
                lines += [DETAIL + (label + " " * (column - columns(label)) if k == 0 else " " * column) + line
                          for k, line in enumerate(body)]
        if self.course is not None:  # the course's own words first
            lines += _wrap(message("course_feedback", self.lang, text=self.course.say(self.lang)),
                           DETAIL + "→ ", DETAIL + "  ")
        if self.finding is not None:
            for sentence in self.finding.lines(self.lang):
                lines += _wrap(sentence, DETAIL + "→ ", DETAIL + "  ")
        return lines


def _worked_lines(report: FileReport, lang: str = "en") -> list[str]:
    rows = [_Row(step, report.findings.get(step.name), lang, report.feedback.get(step.name)) for step in report.steps]
    columns = 5 if any("col_recomputed" in r.arrays for r in rows) else 4  # "from your numbers" when it has any
    header = [message(k, lang) for k in ("col_quantity", "col_yours", "col_expected", "col_verdict",
                                   "col_recomputed")][:columns]
    while _table_width([header] + [r.cells()[:columns] for r in rows]) > WIDTH:
        inline = [r for r in rows if not r.stack]
        if not inline:
            break
        max(inline, key=lambda r: r.widest()).stack = True  # the widest first; ties: the earliest
    table = _table([header] + [r.cells()[:columns] for r in rows])
    lines = [table[0]]
    for line, row in zip(table[1:], rows):
        lines.append(line)
        lines += row.details()
    lines.append(INDENT + (message("first_error", lang, name=report.first_error) if report.first_error
                           else message("no_mistakes", lang)))
    return lines


def _derivation_lines(report: FileReport, lang: str = "en") -> list[str]:
    lines = []
    for line in report.steps:
        head = f"{line.number:>2}. {line.latex}" + (f"    ({line.why})" if line.why else "")
        lines += _wrap(head, INDENT, DETAIL)
        lines += _wrap(translate(line.describe(), lang), DETAIL)
    if report.quantity:
        verdict = message({True: "reaches_yes", False: "reaches_no", None: "reaches_undecided"}[report.reaches],
                          lang)
        lines.append(INDENT + message("reaches", lang, quantity=report.quantity, verdict=verdict))
    lines += _wrap(message("first_bad_line", lang, number=report.first_error) if report.first_error
                   else message("every_line_follows", lang) if not report.undecided
                   else message("some_undecided", lang), INDENT)
    return lines


def format_report(report: FileReport, lang: str = "en") -> str:
    if report.error is not None:
        return "\n".join(_wrap(message("unusable", lang, error=translate(report.error, lang)), "", INDENT))
    kind = message(f"kind_{report.kind}", lang)
    what = kind if report.rule is None else f"{kind}, {report.rule}"
    head = f"{report.path} ({what})"
    lines = [head + f": {report.title}"] if report.title and len(head) + 2 + len(report.title) <= WIDTH \
        else _wrap(head, "", INDENT) + (_wrap(report.title, INDENT) if report.title else [])
    lines += _derivation_lines(report, lang) if report.kind == "derivation" else _worked_lines(report, lang)
    if report.expect is not None:
        mismatches = report.mismatch_texts(lang)
        verdict = message("as_expected_mistakes", lang) if not mismatches and report.expected_failure \
            else message("as_expected", lang) if not mismatches \
            else message("not_as_expected", lang, mismatches="; ".join(mismatches))
        lines += _wrap(verdict, INDENT, DETAIL)
    return "\n".join(lines)


def format_table(reports: list[FileReport], lang: str = "en") -> str:
    """Every report as readable text, then a one-line summary (in ``lang``: en or ko)."""
    parts = [format_report(r, lang) for r in reports]
    good = sum(r.ok for r in reports)
    expected = sum(1 for r in reports if not r.ok and r.expected_failure and r.as_expected)
    unusable = sum(r.error is not None for r in reports)
    undecided = sum(1 for r in reports if r.undecided and r.error is None and r.first_error is None)
    summary = message("summary", lang, count=len(reports), good=good)
    if expected:
        summary += message("summary_expected", lang, count=expected)
    other = len(reports) - good - expected - unusable - undecided
    if other:
        summary += message("summary_mistakes", lang, count=other)
    if undecided:
        summary += message("summary_undecided", lang, count=undecided)
    if unusable:
        summary += message("summary_unusable", lang, count=unusable)
    return "\n\n".join(parts + ["\n".join(_wrap(summary, ""))])
