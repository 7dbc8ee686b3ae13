"""A class's grades as a terminal table, CSV, JSON, Markdown and Gradescope's ``results.json``.

Every sentence comes from :mod:`derive.check.messages` (English or Korean); the JSON and CSV keep
English names and the statuses as words (``correct``, ``carried``, ``wrong``, ``missing``,
``unusable``), so that programs can read them whatever the language of the report.

Gradescope: its autograder reads one ``results.json`` per submission (the documented format:
``score``, ``output``, ``tests`` with ``name``, ``score``, ``max_score``, ``status``,
``output``, ``visibility``). :func:`write_gradescope` writes one per student,
``DIR/<student>/results.json``, each quantity a test.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from derive.check.grade import STATUSES, UNUSABLE, ClassGrades, Mark, StudentGrade
from derive.check.messages import message, status_text
from derive.check.report import INDENT, _table, _wrap
from derive.printing.errors_ko import translate


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def diagnosis(mark: Mark, lang: str = "en") -> str:
    """The course's own words for a wrong answer where its feedback anticipates it, else the first
    sentence derive's check says about it (its slip, where named)."""
    if mark.feedback is not None:
        return message("course_feedback", lang, text=mark.feedback.say(lang))
    if mark.note is not None:
        return mark.note.say(lang)
    lines = mark.finding.lines(lang) if mark.finding is not None else []
    return lines[0] if lines else message("no_diagnosis", lang)


def _status(status: str, lang: str) -> str:
    return message(f"status_{status}", lang) if status in (*STATUSES, UNUSABLE) else status_text(status, lang)


def _mean(grades: ClassGrades) -> str:
    students = grades.students
    return f"{sum(s.percent for s in students) / len(students):.1f}%" if students else "-"


# -- the terminal and Markdown ----------------------------------------------------------------------
def format_grades(grades: ClassGrades, lang: str = "en") -> str:
    """The readable report: a line per quantity (counts, the most common wrong answers and their
    diagnosis), then a line per student (score, first mistake), then the unusable files."""
    files = sum(len(s.paths) for s in grades.students)
    lines = [message("grade_title", lang, students=len(grades.students), files=files, mean=_mean(grades)), "",
             message("grade_quantities", lang)]
    rows = [[message("col_rule_quantity", lang), *(_status(s, lang) for s in (*STATUSES, UNUSABLE))]]
    rows += [[q.label, *(str(q.counts[s]) for s in (*STATUSES, UNUSABLE))] for q in grades.quantities]
    table = _table(rows)
    lines += table[:1]
    for q, line in zip(grades.quantities, table[1:]):
        lines.append(line)
        for kind, count, mark in q.mistakes:  # the kinds of mistake, whatever each student's numbers
            lines += _wrap(f"{message('times', lang, count=count)} {_kind_text(kind, mark, lang)}", INDENT * 3,
                           INDENT * 4)
        for text, count, mark in _repeated(q):  # the same wrong numbers, where students share inputs
            lines += _wrap(message("grade_same_value", lang, count=message("times", lang, count=count), value=text),
                           INDENT * 3, INDENT * 4)
    lines += ["", message("grade_students", lang)]
    rows = [[message("col_student", lang), message("col_score", lang), message("col_percent", lang),
             message("col_first_mistake", lang)]]
    for s in grades.students:
        first = s.first_mistake
        rows.append([s.student, f"{_points(s.score)}/{_points(s.max_score)}", f"{s.percent:.0f}",
                     f"{first.quantity} ({_status(first.status, lang)})" if first else "-"])
    lines += _table(rows)
    errors = [e for s in grades.students for e in s.errors]
    if errors:
        lines += ["", message("grade_unusable_files", lang, count=len(errors))]
        lines += [INDENT + translate(e, lang) for e in errors]
    return "\n".join(lines)


def _kind_text(kind: str, mark: Mark, lang: str) -> str:
    """A kind of mistake in words: its diagnosis, or for the unnamed ones an example of them."""
    if kind == "other":
        return f"{message('no_diagnosis', lang)} ({diagnosis(mark, lang)}, ...)" if mark.finding is not None \
            else message("no_diagnosis", lang)
    return diagnosis(mark, lang)


def _repeated(q) -> list:
    """The wrong answers written by more than one student."""
    return [(text, n, m) for text, n, m in q.wrong_values if n > 1]


def to_markdown(grades: ClassGrades, lang: str = "en") -> str:
    files = sum(len(s.paths) for s in grades.students)
    statuses = (*STATUSES, UNUSABLE)
    out = [f"# {message('grade_title', lang, students=len(grades.students), files=files, mean=_mean(grades))}", "",
           f"## {message('grade_quantities', lang)}", "",
           "| " + " | ".join([message("col_rule_quantity", lang), *(_status(s, lang) for s in statuses),
                             message("col_common_wrong", lang)]) + " |",
           "|" + "---|" * (len(statuses) + 2)]
    for q in grades.quantities:
        common = "<br>".join([f"{message('times', lang, count=n)} {_cell(_kind_text(k, m, lang))}" for k, n, m in q.mistakes]
                             + [f"{message('times', lang, count=n)} `{text}`" for text, n, _ in _repeated(q)])
        out.append("| " + " | ".join([f"`{q.label}`", *(str(q.counts[s]) for s in statuses), common]) + " |")
    out += ["", f"## {message('grade_students', lang)}", "",
            "| " + " | ".join(message(k, lang) for k in ("col_student", "col_score", "col_percent",
                                                          "col_first_mistake")) + " |",
            "|---|---|---|---|"]
    for s in grades.students:
        first = s.first_mistake
        out.append(f"| {_cell(s.student)} | {_points(s.score)}/{_points(s.max_score)} | {s.percent:.0f} | "
                   + (f"`{first.quantity}` ({_status(first.status, lang)})" if first else "-") + " |")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- CSV and JSON ------------------------------------------------------------------------------------
def to_csv(grades: ClassGrades) -> str:
    """A row per student: score, max_score, percent, then each quantity's status and points."""
    labels = [q.label for q in grades.quantities]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", "percent"]
                    + [f"{label} {part}" for label in labels for part in ("status", "points")])
    for s in grades.students:
        by_label = {(f"{m.rule}:{m.quantity}" if m.rule else m.quantity): m for m in s.marks}
        row = [s.student, _points(s.score), _points(s.max_score), f"{s.percent:.2f}"]
        for label in labels:
            m = by_label.get(label)
            row += [m.status, _points(m.points)] if m else ["", ""]
        writer.writerow(row)
    return buffer.getvalue()


def to_json(grades: ClassGrades, lang: str = "en") -> dict:
    return {
        "folder": grades.folder,
        "scheme": grades.scheme.to_json(),
        "exercise": grades.exercise,
        "quantities": [{"rule": q.rule, "quantity": q.quantity, "counts": q.counts,
                        "common_mistakes": [{"kind": kind, "count": n, "diagnosis": _kind_text(kind, m, lang)}
                                            for kind, n, m in q.mistakes],
                        "common_wrong": [{"given": text, "count": n, "slip": m.slip, "diagnosis": diagnosis(m, lang)}
                                         for text, n, m in q.wrong_values]}
                       for q in grades.quantities],
        "students": [_student_json(s, lang) for s in grades.students],
    }


def _student_json(s: StudentGrade, lang: str) -> dict:
    return {"student": s.student, "files": s.paths, "score": s.score, "max_score": s.max_score,
            "percent": s.percent, "errors": s.errors,
            "answers": [{"rule": m.rule, "quantity": m.quantity, "status": m.status, "given": m.given,
                         "weight": m.weight, "points": m.points, "slip": m.slip,
                         "feedback": m.feedback.id if m.feedback is not None else None,
                         "diagnosis": diagnosis(m, lang) if m.status == "wrong" else None} for m in s.marks]}


# -- Gradescope --------------------------------------------------------------------------------------
def gradescope_results(student: StudentGrade, lang: str = "en") -> dict:
    """One student's ``results.json`` for Gradescope's autograder: each quantity a test."""
    tests = []
    for number, m in enumerate(student.marks, 1):
        output = _status(m.status, lang)
        if m.status == "wrong":
            output += f": {m.given}: {diagnosis(m, lang)}"
        tests.append({"name": f"{m.rule}: {m.quantity}" if m.rule else m.quantity, "number": str(number),
                      "score": m.points, "max_score": m.weight,
                      "status": "passed" if m.status in ("correct", "carried") else "failed",
                      "output": output, "visibility": "visible"})
    summary = "\n".join(translate(e, lang) for e in student.errors)
    return {"score": student.score, "output": summary, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def write_gradescope(grades: ClassGrades, folder, lang: str = "en") -> list:
    """``folder/<student>/results.json`` for every student; the paths written."""
    written = []
    for s in grades.students:
        path = Path(folder) / s.student / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(s, lang), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


__all__ = ["diagnosis", "format_grades", "gradescope_results", "to_csv", "to_json", "to_markdown",
           "write_gradescope"]
