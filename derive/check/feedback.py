r"""A course's own feedback: the wrong answers an instructor anticipates, matched before derive's diagnosis.

In the spirit of WeBWorK's answer hints: the course's file lists mistakes its students make
every year, each with a message in the course's languages and the credit it still earns::

    rule: softmax_ce                  # optional: the rule every mistake is about (else each names its own)
    mistakes:
      - id: gradient_backwards
        quantity: dL/do
        slip: sign                    # a slip derive names (derive.check.slips.KINDS)
        message: {en: "ŷ − y, not y − ŷ: the loss falls as ŷ_k rises for the true class",
                  ko: "y − ŷ 가 아니라 ŷ − y: 정답 클래스의 ŷ_k 가 커지면 손실은 줄어든다"}
        credit: 0.5
      - id: forgot_softmax
        quantity: L
        value: '-\sum_k y_k o_k'      # the wrong value as a formula of the rule's names
        message: {en: "the cross-entropy takes the log of the softmax ŷ, not the scores o"}
      - id: doubled
        quantity: dL/do
        times: 2                      # the wrong value is 2 times the right one

An answer judged ``wrong`` is compared with the file's mistakes for its quantity, in order; the
first that fits is the course's diagnosis (shown before derive's own, its credit used by
``derive grade``). A ``value`` fits when every number the student wrote is within the precision
they wrote it of the formula's value at the file's inputs. The formula is read and evaluated as
``derive equiv`` reads and evaluates one (:func:`derive.check.equiv.read_formula`, realized at the
file's sizes by :func:`derive.check.compare.realize`), never by ``eval``: its names are the rule's,
``\sum_k`` runs over what it indexes, and a free index such as ``\hat{y}_k - y_k`` over the
answer's components. ``times`` fits a multiple of the
exact value likewise; ``slip`` fits when derive's own check names that slip.

Saved sample answers keep the file honest: a worked file may declare ``expect: {feedback:
{dL/do: gradient_backwards}}`` and ``derive check --feedback FILE --expect`` re-runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derive.errors import DeriveError, InputError
from derive.paths import user_path

#: What an anticipated mistake may say about the wrong value: exactly one of these.
WAYS = ("slip", "value", "times")
KEYS = ("id", "quantity", "rule", *WAYS, "message", "credit")
LANGS = ("en", "ko")


@dataclass(frozen=True)
class Anticipated:
    """One wrong answer a course expects, what it tells the student, and the credit it keeps."""

    id: str
    quantity: str
    rule: str | None
    messages: dict
    credit: float = 0.0
    slip: str | None = None
    times: float | None = None
    value: str | None = None  # the formula as written
    formula: object = field(default=None, compare=False)  # as read: a derive.check.compare.Form

    def say(self, lang: str = "en") -> str:
        return self.messages.get(lang) or self.messages.get("en") or next(iter(self.messages.values()))

    def to_json(self) -> dict:
        return {"id": self.id, "message": self.say("en"), "messages": dict(self.messages), "credit": self.credit}


@dataclass(frozen=True)
class CourseFeedback:
    path: str
    mistakes: tuple

    def for_answer(self, rule: str | None, quantity: str) -> list:
        return [m for m in self.mistakes if m.quantity == quantity and (m.rule is None or m.rule == rule)]


def read_feedback(path) -> CourseFeedback:
    """The course's feedback file; an InputError naming the file and the field for anything else."""
    from derive.check.slips import KINDS
    from derive.check.worked import plain, read_yaml

    where = str(user_path(path, "--feedback"))
    top = plain(read_yaml(Path(where)))
    if not isinstance(top, dict) or not isinstance(top.get("mistakes"), list) or not top["mistakes"]:
        raise InputError("expected 'mistakes:', a list of anticipated wrong answers", path=where, field="mistakes")
    unknown = set(top) - {"rule", "mistakes", "title"}
    if unknown:
        raise InputError(f"unknown field {min(unknown)!r} (known: rule, title, mistakes)", path=where)
    rule = top.get("rule")
    mistakes, seen = [], set()
    for k, item in enumerate(top["mistakes"]):
        here = f"mistakes[{k}]"
        mistake = _mistake(item, rule, where, here, KINDS)
        if mistake.id in seen:
            raise InputError(f"the id {mistake.id!r} is used twice", path=where, field=f"{here}.id")
        seen.add(mistake.id)
        mistakes.append(mistake)
    return CourseFeedback(where, tuple(mistakes))


def _mistake(item, rule, where: str, here: str, kinds) -> Anticipated:
    if not isinstance(item, dict):
        raise InputError("expected a mapping (id, quantity, a slip, value or times, message, credit)",
                         path=where, field=here)
    unknown = set(item) - set(KEYS)
    if unknown:
        raise InputError(f"unknown field {min(unknown)!r} (known: {', '.join(KEYS)})", path=where, field=here)
    for key in ("id", "quantity", "message"):
        if key not in item:
            raise InputError(f"missing field {key!r}", path=where, field=here)
    ways = [w for w in WAYS if w in item]
    if len(ways) != 1:
        raise InputError("expected exactly one of slip, value or times (how to know the mistake)",
                         path=where, field=here)
    messages = item["message"] if isinstance(item["message"], dict) else {"en": item["message"]}
    if not messages or any(lang not in LANGS or not isinstance(text, str) or not text.strip()
                           for lang, text in messages.items()):
        raise InputError(f"expected a message, or one per language ({', '.join(LANGS)}: text)",
                         path=where, field=f"{here}.message")
    credit = item.get("credit", 0.0)
    if isinstance(credit, bool) or not isinstance(credit, (int, float)) or not 0 <= credit <= 1:
        raise InputError(f"expected a credit from 0 to 1, got {credit!r}", path=where, field=f"{here}.credit")
    rule = str(item.get("rule") or rule or "") or None
    slip, times, value, formula = item.get("slip"), item.get("times"), item.get("value"), None
    if slip is not None and slip not in kinds:
        raise InputError(f"expected one of {', '.join(kinds)}, got {slip!r}", path=where, field=f"{here}.slip")
    if times is not None and (isinstance(times, bool) or not isinstance(times, (int, float)) or times in (0, 1)
                              or not np.isfinite(times)):
        raise InputError(f"expected a number other than 0 and 1, got {times!r}", path=where, field=f"{here}.times")
    if value is not None:
        formula = _read_formula(value, rule, where, f"{here}.value")
    return Anticipated(str(item["id"]), str(item["quantity"]), rule,
                       {str(k): str(v) for k, v in messages.items()}, float(credit), slip,
                       float(times) if times is not None else None, value, formula)


def _read_formula(text, rule: str | None, where: str, here: str):
    """The formula as ``derive equiv`` reads one: in the rule's names, with its free indices."""
    from derive import registry
    from derive.check.compare import Form, free_indices
    from derive.check.equiv import read_formula

    if not isinstance(text, str):
        raise InputError("expected a LaTeX formula (quoted)", path=where, field=here)
    if rule is None:
        raise InputError("a formula is in a rule's names: give the rule (rule: at the top, or in the mistake)",
                         path=where, field=here)
    sympy_rule = registry.get_rule(rule, path=where, field="rule")
    try:
        expr = read_formula(sympy_rule, text, f"{where}: {here}")
    except DeriveError as error:
        raise InputError(str(error).removeprefix(f"{where}: {here}: "), path=where, field=here) from None
    return Form(expr, free_indices(sympy_rule, expr))


# -- matching --------------------------------------------------------------------------------------
def apply_feedback(feedback: CourseFeedback, reports: list) -> None:
    """Set ``report.feedback`` (quantity -> the anticipated mistake that fits) on every worked report."""
    for report in reports:
        if report.kind != "worked" or report.error is not None:
            continue
        wrong = [s for s in report.steps if s.status == "wrong" and feedback.for_answer(report.rule, s.name)]
        if not wrong:
            continue
        values = _values(report) if any(m.value for s in wrong for m in feedback.for_answer(report.rule, s.name)) \
            else {}
        for step in wrong:
            fits = next((m for m in feedback.for_answer(report.rule, step.name) if _fits(m, step, report, values)),
                        None)
            if fits is not None:
                report.feedback[step.name] = fits


def _values(report) -> dict:
    """The file's inputs and the rule's exact quantities, by name."""
    from derive.check.worked import read_top, worked_head

    head = worked_head(*read_top(report.path))
    with np.errstate(all="ignore"):
        exact = head.rule.evaluate(head.inputs)
    return {**{n: np.asarray(v, dtype=float) for n, v in head.inputs.items()}, **exact}


def _fits(mistake: Anticipated, step, report, values: dict) -> bool:
    given, allowed = np.asarray(step.given, dtype=float), np.asarray(step.tolerance, dtype=float)
    if mistake.slip is not None:
        finding = report.findings.get(step.name)
        return finding is not None and finding.slip is not None and finding.slip.kind == mistake.slip
    if mistake.times is not None:
        target = mistake.times * np.asarray(step.expected, dtype=float)
    else:
        try:
            target = formula_value(mistake.rule, mistake.formula, values, np.shape(given))
        except FormulaError:
            return False
    target = np.broadcast_to(target, np.shape(given)) if np.ndim(target) <= np.ndim(given) else None
    if target is None:
        return False
    return bool(np.all(np.isfinite(target)) and np.all(np.abs(given - target) <= allowed + 1e-12))


class FormulaError(Exception):
    """A feedback formula that cannot take the answer's shape or names what the file has not."""


def formula_value(rule: str, form, values: dict, shape: tuple) -> np.ndarray:
    """The formula's value at ``values`` (the file's inputs and quantities, by name), in the answer's
    ``shape``: realized at the file's sizes and evaluated as ``derive equiv`` evaluates a formula,
    the quantities it names held at their values (a free index runs over the answer's axes)."""
    import sympy as sp

    from derive import registry
    from derive.check.compare import ShapeMismatch, quantities_used, realize
    from derive.engine.equality import Unevaluable, float_values
    from derive.engine.realize import Realizer

    sympy_rule = registry.get_rule(rule)
    leaves = quantities_used(sympy_rule, form.expr)
    sizes = {dim: np.shape(values[name])[axis] for name, item in sympy_rule.inputs.items() if name in values
             for axis, dim in enumerate(item.shape) if isinstance(dim, sp.Symbol)}  # read off the inputs
    try:
        components = realize(sympy_rule, form, sizes, shape, leaves=leaves)
    except ShapeMismatch as mismatch:
        raise FormulaError(str(mismatch)) from None
    data = {}
    for name, symbols in Realizer(sympy_rule, sizes, leaves=leaves).free_components().items():
        if name in values:
            value = np.asarray(values[name], dtype=float)
            data.update({symbols[i]: np.array([value[i]]) for i in np.ndindex(symbols.shape)})
    try:
        numbers = float_values(list(np.ravel(components)), data, 1)
    except Unevaluable as missing:
        raise FormulaError(str(missing)) from None
    return numbers[:, 0].reshape(shape)


__all__ = ["Anticipated", "CourseFeedback", "FormulaError", "apply_feedback", "formula_value", "read_feedback"]
