r"""Check a multi-step derivation: does each line follow from the one before?

How it works
------------
A derivation file lists LaTeX lines, each claimed equal to the previous one,
optionally with the student's reason; it may name a rule and the quantity the
last line must reach::

    rule: sigmoid_bce
    quantity: dL/ds
    lines:
      - latex: '-\left(\frac{y}{\hat{y}} - \frac{1-y}{1-\hat{y}}\right)\hat{y}(1-\hat{y})'
        why: chain rule
      - '-(y(1-\hat{y}) - (1-y)\hat{y})'
      - '\hat{y} - y'

Each line is read as in ``derive equiv`` (:func:`derive.check.equiv.read_formula`),
except that names the rule does not know are allowed as free variables (and
without a rule every name is one). ``\frac{\partial \hat{y}}{\partial s}`` is the
derivative of a rule's scalar by one of its inputs. Consecutive lines are
realized at every size 2, then 3 (laid out in the quantity's shape when one is
named, so ``\hat{y}_j - y_j`` and ``\hat{y} - y`` compare) and compared by
:func:`derive.check.compare.compare` (symbolic, then numeric); a line that
differs from the one before gets the counterexample. Every line has a budget of CPU time (6 s) and
the file one (30 s); a line out of time is ``too_complex`` (undecided), not a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.check.compare import (
    Deadline, Form, ShapeMismatch, compare, concrete_sizes, free_indices, quantities_used,
)
from derive.check.equiv import index_sizes, read_formula
from derive.check.report import FileReport
from derive.check.worked import DerivationFile
from derive.engine.budget import bounded, time_budget
from derive.engine.conventions import in_convention
from derive.engine.realize import Realizer
from derive.engine.rule import Rule
from derive.errors import InputError, TooComplex
from derive.registry import get_rule

LINE_SECONDS = 6.0  # CPU seconds for one line against the one before (ordinary lines: under 0.1 s)
FILE_SECONDS = 30.0  # CPU seconds for all the lines together
#: CPU seconds for the whole check, reading included, on any thread (a hostile file stops here).
CHECK_SECONDS = 60.0
SIZES = (2, 3)
DEFAULT_INDEX_SIZES = {"i": "K", "j": "K", "k": "K", "n": "N", "t": "T"}


@dataclass
class LineResult:
    number: int
    latex: str
    why: str
    status: str  # "start" | "follows" | "does_not_follow" | "too_complex" | "not_checked"
    method: str = ""
    detail: str = ""
    counterexample: dict | None = None
    #: at the counterexample: the line before and this line (None: undefined there)
    before: float | None = None
    after: float | None = None

    @property
    def name(self) -> str:
        """The line's name in a report's ``steps`` and ``first_error``: ``"line 3"``."""
        return line_name(self.number)

    def to_json(self) -> dict:
        return {"number": self.number, "latex": self.latex, "why": self.why, "status": self.status,
                "method": self.method, "detail": self.detail, "counterexample": self.counterexample,
                "before": self.before, "after": self.after}

    def step_json(self) -> dict:
        """The line as one of a report's ``steps``, shaped like a worked step: the contract's
        name, status, given (the LaTeX as written), expected and recomputed (no numbers for a
        line), then the line's own fields and its diagnosis."""
        return {"name": self.name, "status": self.status, "given": self.latex, "expected": None,
                "recomputed": None, **self.to_json(), "diagnosis": self.describe()}

    def describe(self) -> str:
        if self.status == "start":
            return "start"
        if self.status == "follows":
            return f"follows ({self.method})"
        if self.status == "does_not_follow":
            at = ""
            if self.counterexample:
                at = " (counterexample: " + ", ".join(f"{k} = {v:.4g}" for k, v in self.counterexample.items()) + ")"
            return f"DOES NOT FOLLOW from line {self.number - 1}: {self.detail}{at}"
        return self.detail or self.status.replace("_", " ")


def line_name(number: int) -> str:
    """A derivation line's stable name (derivation files do not name their lines)."""
    return f"line {number}"


@bounded(CHECK_SECONDS)
def check_derivation(derivation: DerivationFile) -> FileReport:
    """Check each line of a derivation file against the one before, and the last against the quantity."""
    where = derivation.path
    rule = _rule(derivation)
    quantity = derivation.quantity
    forms = []
    for line in derivation.lines:
        expr = read_formula(rule, line.latex.strip().lstrip("=").strip() or line.latex,
                            f"{where}: field '{line.field}'", allow_unknown=True)
        forms.append(Form(expr, free_indices(rule, expr)))
    report = FileReport(where, "derivation", derivation.rule, derivation.title, expect=derivation.expect,
                        quantity=quantity)
    file_deadline = Deadline(FILE_SECONDS)
    results = [LineResult(1, derivation.lines[0].latex, derivation.lines[0].why, "start")]
    for number in range(2, len(forms) + 1):
        line = derivation.lines[number - 1]
        result = LineResult(number, line.latex, line.why, "not_checked",
                            detail="not checked: the file's time budget is spent")
        if file_deadline.left() > 0:
            seconds = min(LINE_SECONDS, file_deadline.left())
            result = LineResult(number, line.latex, line.why,
                                *_compare(rule, forms[number - 2], forms[number - 1], quantity, seconds))
        results.append(result)
    report.steps = results
    report.first_error = next((r.number for r in results if r.status == "does_not_follow"), None)
    report.undecided = any(r.status in ("too_complex", "not_checked") for r in results)
    if quantity is not None:
        status, *_ = _compare(rule, forms[-1], Form(rule.quantities[quantity].symbol), quantity,
                              min(LINE_SECONDS, max(file_deadline.left(), 1.0)))
        report.reaches = {"follows": True, "does_not_follow": False}.get(status)
        report.undecided |= report.reaches is None
    return report


def _rule(derivation: DerivationFile):
    if derivation.rule is None:
        return Rule("derivation", "a derivation without a rule")
    rule = in_convention(get_rule(derivation.rule, path=derivation.path, field="rule"), derivation.conventions,
                         path=derivation.path)
    public = [q for q in rule.quantities if not q.startswith("_")]
    if derivation.quantity is not None and derivation.quantity not in public:
        raise InputError(f"{rule.name} has no quantity {derivation.quantity!r} (its quantities: "
                         f"{', '.join(public)})", path=derivation.path, field="quantity")
    return rule


def _shape(rule, quantity, sizes, before: Form, after: Form):
    """The layout both lines are compared in: the quantity's shape, else the free indices' ranges."""
    if quantity is not None:
        return Realizer(rule, sizes).concrete_shape(rule.quantities[quantity].shape)
    indices = sorted(set(before.indices) | set(after.indices))
    if not indices:
        return None
    known = index_sizes(rule) or DEFAULT_INDEX_SIZES
    by_name = {str(d): n for d, n in sizes.items()}
    return tuple(by_name.get(known.get(i, ""), 3) for i in indices)


def _compare(rule, before: Form, after: Form, quantity, seconds):
    """(status, method, detail, counterexample, value before, value after) for the claim ``after`` = ``before``."""
    deadline = Deadline(seconds)
    leaves = quantities_used(rule, before.expr) | quantities_used(rule, after.expr)
    methods = []
    try:
        with time_budget(seconds):
            for n in (SIZES if rule.size_symbols() else (1,)):
                sizes = concrete_sizes(rule, n)
                shape = _shape(rule, quantity, sizes, before, after)
                if shape is not None and quantity is None:
                    names = tuple(sorted(set(before.indices) | set(after.indices)))
                    before, after = Form(before.expr, names), Form(after.expr, names)
                try:
                    result, *_ = compare(rule, before, after, sizes, shape, deadline, leaves=leaves)
                except ShapeMismatch as mismatch:
                    return "does_not_follow", "shape", f"the shapes do not match ({mismatch})", None, None, None
                if result.equal is None:
                    return "too_complex", result.method, f"undecided: {result.reason}", None, None, None
                if not result.equal:
                    if result.left is None or result.right is None:
                        which, other = ("the line before", result.right) if result.left is None \
                            else ("this line", result.left)
                        detail = f"{which} is undefined (or overflows) at a point where the other is {other:.6g}"
                    else:
                        detail = f"at the counterexample the line before is {result.left:.6g}, " \
                                 f"this line {result.right:.6g}"
                    return "does_not_follow", result.method, detail, result.counterexample, result.left, result.right
                methods.append(result.method)
    except (TooComplex, RecursionError, MemoryError):
        return "too_complex", "", f"too complex to decide within {seconds:g} s of CPU time", None, None, None
    method = "symbolic" if all(m == "symbolic" for m in methods) else methods[-1]
    return "follows", method, "", None, None, None
