"""Grade a class: every student's worked files checked, a score per student, a count per quantity.

How it works
------------
:func:`grade_folder` finds the students under a folder: a YAML file directly in it is one
student (named by the file's stem, ``kim.yaml`` → ``kim``); a folder in it is one student
(named by the folder) with every YAML file under it. Every file is checked as
``derive check`` checks it (:func:`derive.check.check_files`, grouped, with the same
verdicts); a derivation file (LaTeX lines) is one answer, ``dL/ds (derivation)``, right when
every line follows and the last reaches the quantity. The *exercise* of a rule is every quantity any student of the class answered
for it, in the order the files give them; a quantity a student left out is ``missing``,
and a student with no usable file for a rule has every quantity of it missing.

Each answer earns ``weight × credit[status]`` (:class:`Scheme`). The defaults are a
marker's: weight 1 for every quantity; full credit for ``correct``, and for ``carried``
too (an error carried forward from an earlier wrong answer is the method done right, the
exam markers' "follow-through" credit); none for ``wrong`` or ``missing``, unless a course's
feedback file (:mod:`derive.check.feedback`) anticipates that wrong answer with a credit of its
own. A scheme file changes them::

    weights: {dL/do: 2, "softmax_ce:L": 0.5}   # a quantity, or rule:quantity
    credit: {carried: 0.5}                      # correct, carried, wrong, missing: 0..1

Nothing here prints: :mod:`derive.check.grade_output` writes the tables and the files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from derive.check import files_under
from derive.check.batch import check_files
from derive.check.messages import Text
from derive.check.report import _inline
from derive.errors import InputError
from derive.paths import user_path
from derive.printing.errors_ko import translate

STATUSES = ("correct", "carried", "wrong", "missing")
DEFAULT_CREDIT = {"correct": 1.0, "carried": 1.0, "wrong": 0.0, "missing": 0.0}
#: The status of a student's file that could not be checked (every quantity of it earns nothing).
UNUSABLE = "unusable"
#: The most common wrong values listed per quantity.
COMMON = 3


@dataclass(frozen=True)
class Scheme:
    """How much each answer is worth: a weight per quantity and a credit per status."""

    weights: dict = field(default_factory=dict)  # quantity, or "rule:quantity" -> weight
    credit: dict = field(default_factory=lambda: dict(DEFAULT_CREDIT))

    def weight(self, rule: str | None, quantity: str) -> float:
        return float(self.weights.get(f"{rule}:{quantity}", self.weights.get(quantity, 1.0)))

    def to_json(self) -> dict:
        return {"weights": dict(self.weights), "credit": dict(self.credit)}


def read_scheme(path) -> Scheme:
    """The scheme file at ``path`` (YAML); an InputError naming the field for anything else."""
    from derive.check.worked import plain, read_yaml

    where = str(user_path(path, "--scheme"))
    top = plain(read_yaml(Path(where)))
    if not isinstance(top, dict) or set(top) - {"weights", "credit"}:
        raise InputError("expected a mapping with 'weights' and/or 'credit'", path=where)
    weights = _numbers(top.get("weights") or {}, where, "weights", upper=None)
    credit = dict(DEFAULT_CREDIT)
    given = _numbers(top.get("credit") or {}, where, "credit", upper=1.0)
    unknown = set(given) - set(STATUSES)
    if unknown:
        raise InputError(f"unknown status {min(unknown)!r}; expected one of {', '.join(STATUSES)}",
                         path=where, field="credit")
    credit.update(given)
    return Scheme(weights, credit)


def _numbers(mapping, where: str, name: str, *, upper: float | None) -> dict:
    if not isinstance(mapping, dict):
        raise InputError("expected a mapping of names to numbers", path=where, field=name)
    out = {}
    for key, value in mapping.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
                or (upper is not None and value > upper) or value == float("inf"):
            limit = f"between 0 and {upper:g}" if upper is not None else "a number at least 0"
            raise InputError(f"expected {limit}, got {value!r}", path=where, field=f"{name}.{key}")
        out[str(key)] = float(value)
    return out


@dataclass
class Mark:
    """One answer of one student: what it earned and why."""

    student: str
    path: str
    rule: str | None
    quantity: str
    status: str  # correct, carried, wrong, missing, unusable
    weight: float
    credit: float
    given: str = ""  # the numbers as written
    slip: str | None = None  # the kind of slip named (derive.check.slips.KINDS)
    finding: object = None  # the slips.Finding of an answer not correct
    feedback: object = None  # the course's anticipated mistake that fits (derive.check.feedback)
    note: object = None  # a derivation's first line that does not follow, and why (a messages.Text)

    @property
    def points(self) -> float:
        return self.weight * self.credit


@dataclass
class StudentGrade:
    student: str
    paths: list
    marks: list
    errors: list  # one-line messages of the files that could not be checked

    @property
    def score(self) -> float:
        return sum(m.points for m in self.marks)

    @property
    def max_score(self) -> float:
        return sum(m.weight for m in self.marks)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def first_mistake(self) -> Mark | None:
        return next((m for m in self.marks if m.status in ("wrong", UNUSABLE)), None)


@dataclass
class QuantityCount:
    """How the class did on one quantity: a count per status and the most common wrong values."""

    rule: str | None
    quantity: str
    counts: dict
    wrong_values: list  # (given text, count, a Mark that wrote it), most common first
    mistakes: list = field(default_factory=list)  # (kind of mistake, count, a Mark), most common first

    @property
    def label(self) -> str:
        return f"{self.rule}:{self.quantity}" if self.rule else self.quantity


@dataclass
class ClassGrades:
    folder: str
    scheme: Scheme
    students: list
    quantities: list
    exercise: dict  # rule -> its quantities, in order


def students_under(folder) -> dict:
    """Student name -> their YAML files: a file directly in ``folder`` is a student, a folder in it
    is a student with every file under it."""
    root = user_path(folder, "FOLDER")
    if not root.is_dir():
        raise InputError("expected a folder of the class's files (one file or one folder per student)",
                         path=str(root))
    students: dict = {}
    for path in files_under([root]):
        parts = path.relative_to(root).parts
        name = parts[0] if len(parts) > 1 else path.stem
        students.setdefault(name, []).append(path)
    return dict(sorted(students.items()))


def grade_folder(folder, scheme: Scheme | None = None, *, feedback=None, keys=None,
                 show_progress: bool = True) -> ClassGrades:
    """Grade every student under ``folder``; ``feedback``: a course's anticipated mistakes
    (:func:`derive.check.feedback.read_feedback`), whose credit a wrong answer they fit earns;
    ``keys``: the folder ``derive exercise`` wrote, whose ``<student>/key.yaml`` holds the inputs each
    student was given (a file on other inputs, a classmate's copied, earns nothing)."""
    scheme = scheme or Scheme()
    students = students_under(folder)
    files = [(name, path) for name, paths in students.items() for path in paths]
    reports = check_files([p for _, p in files], show_progress=show_progress and len(files) > 1, label="grade")
    if feedback is not None:
        from derive.check.feedback import apply_feedback

        apply_feedback(feedback, reports)
    by_student: dict = {name: [] for name in students}
    for (name, _), report in zip(files, reports):
        by_student[name].append(report)
    exercise = _exercise(reports)
    if keys is not None:
        for name, student_reports in by_student.items():
            _check_given_inputs(name, student_reports, keys)
    grades = [_student(name, students[name], by_student[name], exercise, scheme) for name in students]
    return ClassGrades(str(folder), scheme, grades, _counts(grades, exercise), exercise)


def mistake_kind(mark: Mark) -> str:
    """What kind of wrong answer a mark is, to count across a class whose numbers differ: the
    course's anticipated mistake, else the slip derive names, else ``other``."""
    if mark.feedback is not None:
        return f"feedback:{mark.feedback.id}"
    if mark.slip is not None:
        return f"slip:{mark.slip}"
    return "line" if mark.note is not None else "other"


def key_of(keys, student: str) -> Path | None:
    """The key ``derive exercise`` wrote for ``student`` under ``keys`` (``<student>/key.yaml``, or
    ``<student>.yaml``), or None."""
    for path in (Path(keys) / student / "key.yaml", Path(keys) / f"{student}.yaml"):
        if path.is_file():
            return path
    return None


def _check_given_inputs(student: str, reports: list, keys) -> None:
    """A worked file whose inputs are not those of the student's key is made unusable, with why."""
    import numpy as np

    from derive.check.worked import read_top, worked_head

    key = key_of(keys, student)
    if key is None:
        return
    given = worked_head(*read_top(key))
    for report in reports:
        if report.error is not None or report.kind != "worked" or report.rule != given.rule.name:
            continue
        inputs = worked_head(*read_top(report.path)).inputs
        same = set(inputs) == set(given.inputs) and all(
            np.shape(inputs[n]) == np.shape(given.inputs[n]) and np.allclose(inputs[n], given.inputs[n], rtol=0,
                                                                               atol=1e-12) for n in inputs)
        if not same:
            report.error = (f"{report.path}: the inputs are not those of {student}'s exercise ({key}); "
                            "a file on other numbers earns nothing")


def _exercise(reports) -> dict:
    """Rule -> every quantity answered for it by anyone (a derivation file: ``<quantity> (derivation)``),
    in the order of first appearance."""
    exercise: dict = {}
    for report in reports:
        if report.error is None and report.kind in ("worked", "derivation") and (report.rule or report.kind == "derivation"):
            names = exercise.setdefault(report.rule, [])
            names += [q for q in _answered(report) if q not in names]
    return exercise


def _answered(report) -> list:
    if report.kind == "derivation":
        return [derivation_label(report)]
    return [s.name for s in report.steps]


def derivation_label(report) -> str:
    """How a derivation file counts in the exercise: one answer, its target quantity's derivation."""
    return f"{report.quantity or 'L'} (derivation)"


def _student(name: str, paths: list, reports: list, exercise: dict, scheme: Scheme) -> StudentGrade:
    marks, errors, unreadable = [], [], None
    for report in reports:
        done = {(m.rule, m.quantity) for m in marks}
        if report.error is not None or report.undecided:
            errors.append(report.error or f"{report.path}: a line is too complex to decide; check it by hand")
            if report.rule in exercise:
                left = [q for q in exercise[report.rule] if (report.rule, q) not in done]
                marks += _unusable(name, report.path, report.rule, left, scheme)
            else:  # its rule unknown: it stands for the exercises left
                unreadable = unreadable or report.path
            continue
        # a second file for the same answers is checked, not graded
        mine = [m for m in _file_marks(name, report, exercise[report.rule], scheme)
                if (m.rule, m.quantity) not in done]
        marks += mine
    done = {(m.rule, m.quantity) for m in marks}
    for rule, quantities in exercise.items():
        left = [q for q in quantities if (rule, q) not in done]
        if left and unreadable:
            marks += _unusable(name, unreadable, rule, left, scheme)
        elif left:  # no answer to what the class did
            marks += [Mark(name, "", rule, q, "missing", scheme.weight(rule, q), scheme.credit["missing"])
                      for q in left]
    if unreadable and not exercise:
        marks += _unusable(name, unreadable, None, ["(file)"], scheme)
    return StudentGrade(name, [str(p) for p in paths], marks, errors)


def _unusable(name: str, path: str, rule, quantities: list, scheme: Scheme) -> list:
    return [Mark(name, path, rule, q, UNUSABLE, scheme.weight(rule, q), 0.0) for q in quantities]


def _file_marks(name: str, report, quantities: list, scheme: Scheme) -> list:
    if report.kind == "derivation":
        return [_derivation_mark(name, report, scheme)]
    answered = set(_answered(report))
    return _marks(name, report, [q for q in quantities if q in answered], scheme)


def _derivation_mark(name: str, report, scheme: Scheme) -> Mark:
    """A derivation file is one answer: correct when every line follows and the last reaches the
    quantity; else wrong, at its first line that does not follow (or at its end)."""
    label = derivation_label(report)
    status = "correct" if report.ok else "wrong"
    first = next((s for s in report.steps if s.number == report.first_error), None)
    given = first.latex if first is not None else (report.steps[-1].latex if report.steps else "")
    note = None
    if first is not None:
        said = first.describe()
        note = Text("grade_line", number=first.number, text=lambda lang: translate(said, lang))
    elif report.reaches is False:
        note = Text("grade_not_reaching", quantity=report.quantity)
    return Mark(name, report.path, report.rule, label, status, scheme.weight(report.rule, label),
                scheme.credit[status], given=given, note=note)


def _marks(name: str, report, quantities: list, scheme: Scheme) -> list:
    steps = {s.name: s for s in report.steps}
    out = []
    for q in quantities:
        weight = scheme.weight(report.rule, q)
        step = steps.get(q)
        if step is None:
            out.append(Mark(name, report.path, report.rule, q, "missing", weight, scheme.credit["missing"]))
            continue
        finding, course = report.findings.get(q), report.feedback.get(q)
        slip = finding.slip.kind if finding is not None and finding.slip is not None else None
        credit = course.credit if course is not None and step.status == "wrong" else scheme.credit[step.status]
        out.append(Mark(name, report.path, report.rule, q, step.status, weight, credit,
                        given=_inline(step.texts), slip=slip, finding=finding, feedback=course))
    return out


def _counts(grades: list, exercise: dict) -> list:
    out = []
    for rule, quantities in exercise.items():
        for q in quantities:
            marks = [m for g in grades for m in g.marks if m.rule == rule and m.quantity == q]
            counts = Counter(m.status for m in marks)
            wrong = Counter(m.given for m in marks if m.status == "wrong")
            first = {}
            for m in marks:
                if m.status == "wrong":
                    first.setdefault(m.given, m)
            common = sorted(wrong.items(), key=lambda item: (-item[1], item[0]))[:COMMON]
            kinds, example = Counter(), {}
            for m in marks:
                if m.status == "wrong":
                    kinds[mistake_kind(m)] += 1
                    example.setdefault(mistake_kind(m), m)
            frequent = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))[:COMMON]
            out.append(QuantityCount(rule, q, {s: counts.get(s, 0) for s in (*STATUSES, UNUSABLE)},
                                     [(text, n, first[text]) for text, n in common],
                                     [(kind, n, example[kind]) for kind, n in frequent]))
    return out


__all__ = ["COMMON", "DEFAULT_CREDIT", "STATUSES", "UNUSABLE", "ClassGrades", "Mark", "QuantityCount", "Scheme",
           "StudentGrade", "grade_folder", "mistake_kind", "read_scheme", "students_under"]
