"""What a check found, per file: the report object, its JSON and the readable table.

A :class:`FileReport` covers one file, worked example or derivation. ``ok`` says the
file has no mistake; ``expect`` is the file's own ``expect:`` block (files with
deliberate mistakes declare what the checker must find) and ``as_expected``
whether the findings match it; ``error`` holds the one-line message of a file that
could not be checked (its content unusable, or too complex to decide).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

#: Arrays with more numbers than this are shown by the one furthest from the exact value.
MAX_SHOWN = 12


@dataclass
class FileReport:
    path: str
    kind: str = "worked"  # "worked" | "derivation" | "unusable"
    rule: str | None = None
    title: str = ""
    steps: list = field(default_factory=list)  # StepResult (worked) or LineResult (derivation)
    first_error: str | int | None = None
    expect: dict | None = None
    error: str | None = None
    quantity: str | None = None  # derivations: the quantity to reach
    reaches: bool | None = None  # derivations: whether the last line is that quantity
    undecided: bool = False  # derivations: a line was too complex to decide

    @property
    def ok(self) -> bool:
        """No mistake found (and, for a derivation, every line decided and the target reached)."""
        if self.error is not None or self.undecided:
            return False
        if self.kind == "derivation":
            return self.first_error is None and self.reaches is not False
        return all(s.status == "correct" for s in self.steps)

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
        if self.error is not None:
            return [self.error]
        if self.expect is None:
            return [] if self.ok else ["mistakes found"]
        found = []
        if "first_error" in self.expect and self.expect["first_error"] != self.first_error:
            found.append(f"first_error is {self.first_error}, expected {self.expect['first_error']}")
        if "ok" in self.expect and self.expect["ok"] != self.ok:
            found.append(f"ok is {self.ok}, expected {self.expect['ok']}")
        if "reaches" in self.expect and self.expect["reaches"] != self.reaches:
            found.append(f"reaches is {self.reaches}, expected {self.expect['reaches']}")
        by_name = {s.name: s.status for s in self.steps if hasattr(s, "name")}
        for name, status in self.expect.get("statuses", {}).items():
            if by_name.get(name) != status:
                found.append(f"{name} is {by_name.get(name)}, expected {status}")
        return found

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

    def to_json(self) -> dict:
        out = {"path": self.path, "kind": self.kind, "rule": self.rule, "ok": self.ok,
               "first_error": self.first_error}
        if self.kind == "derivation":
            out.update(quantity=self.quantity, reaches=self.reaches, lines=[s.to_json() for s in self.steps])
        else:
            out["steps"] = [s.to_json() for s in self.steps]
        if self.title:
            out["title"] = self.title
        if self.error is not None:
            out["error"] = self.error
        if self.expect is not None:
            out["expect"] = self.expect
            out["as_expected"] = self.as_expected
        return out


# -- the readable table ------------------------------------------------------------

def _format_of(texts) -> tuple[str, int]:
    """How to show the expected values beside what was written: two more digits than the student's."""
    texts = [str(t).lower() for t in np.ravel(texts)]
    scientific = any(re.fullmatch(r"[+-]?[\d.]+e[+-]?\d+", t) for t in texts)
    decimals = max((len(t.partition("e")[0].partition(".")[2]) for t in texts if "." in t.partition("e")[0]),
                   default=0)
    return ("e", decimals + 2) if scientific else ("f", min(max(decimals + 2, 4), 8))


def _number(value: float, style: tuple) -> str:
    kind, digits = style
    if not np.isfinite(value):
        return "undefined"
    if kind == "f" and value != 0 and abs(value) < 10.0 ** -digits:
        kind = "e"
    return f"{value:.{digits}{kind}}"


def _array_text(values, style: tuple) -> str:
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:
        return _number(float(values), style)
    return "[" + ", ".join(_array_text(v, style) for v in values) + "]"


def _given_text(texts) -> str:
    texts = np.asarray(texts, dtype=object)
    if texts.ndim == 0:
        return str(texts[()])
    return "[" + ", ".join(_given_text(t) for t in texts) + "]"


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _worked_lines(report: FileReport) -> list[str]:
    rows = [["quantity", "yours", "expected", "verdict", "from your numbers"]]
    for step in report.steps:
        style = _format_of(step.texts)
        given, expected, recomputed = step.texts, step.expected, step.recomputed
        yours_text = None
        if np.size(given) > MAX_SHOWN:  # a big array: show the number that is furthest off
            worst = np.unravel_index(np.argmax(np.abs(step.given - step.expected)), np.shape(given))
            label = "[" + ", ".join(str(i) for i in worst) + "]"
            yours_text = f"{'x'.join(map(str, np.shape(given)))} numbers; {label}: {given[worst]}"
            expected = expected[worst]
            recomputed = recomputed[worst] if recomputed is not None else None
        shown = ""
        if step.status != "correct" and recomputed is not None:
            shown = _array_text(recomputed, style)
        rows.append([step.name, yours_text or _given_text(given), _array_text(expected, style), step.status,
                     shown])
    lines = _table(rows)
    lines.append(f"  first error: {report.first_error}" if report.first_error else "  no mistakes")
    return lines


def _derivation_lines(report: FileReport) -> list[str]:
    lines = []
    for line in report.steps:
        head = f"  {line.number:>2}. {line.latex}"
        lines.append(head + (f"    ({line.why})" if line.why else ""))
        lines.append(f"      {line.describe()}")
    if report.quantity:
        verdict = {True: "yes", False: "no", None: "not decided"}[report.reaches]
        lines.append(f"  reaches {report.quantity}: {verdict}")
    lines.append(f"  first line that does not follow: {report.first_error}" if report.first_error
                 else ("  every line follows from the one before" if not report.undecided
                       else "  some lines could not be decided"))
    return lines


def format_report(report: FileReport) -> str:
    what = report.kind if report.rule is None else f"{report.kind}, {report.rule}"
    head = f"{report.path} ({what})" + (f": {report.title}" if report.title else "")
    if report.error is not None:
        return f"UNUSABLE: {report.error}"
    lines = [head]
    lines += _derivation_lines(report) if report.kind == "derivation" else _worked_lines(report)
    if report.expect is not None:
        mismatches = report.mismatches
        lines.append("  as the file expects (deliberate mistakes found)" if not mismatches and report.expected_failure
                     else "  as the file expects" if not mismatches
                     else "  NOT as the file expects: " + "; ".join(mismatches))
    return "\n".join(lines)


def format_table(reports: list[FileReport]) -> str:
    """Every report as readable text, then a one-line summary."""
    parts = [format_report(r) for r in reports]
    good = sum(r.ok for r in reports)
    expected = sum(1 for r in reports if not r.ok and r.expected_failure and r.as_expected)
    unusable = sum(r.error is not None for r in reports)
    undecided = sum(1 for r in reports if r.undecided and r.error is None and r.first_error is None)
    summary = f"{len(reports)} file(s): {good} without mistakes"
    if expected:
        summary += f", {expected} with the deliberate mistakes they declare"
    other = len(reports) - good - expected - unusable - undecided
    if other:
        summary += f", {other} with mistakes"
    if undecided:
        summary += f", {undecided} too complex to decide"
    if unusable:
        summary += f", {unusable} unusable"
    return "\n\n".join(parts + [summary])
