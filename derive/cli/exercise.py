"""``derive exercise RULE_OR_FILE [--students FILE] [--student ID ...] [--out DIR] [--lang en|ko]``: a
different exercise for every student.

The template is the rule's lecture example (``worked_examples/``) or a worked file given (a model
file: your own network). Every student gets inputs of their own, drawn from a seed made of the
exercise and their id (:mod:`derive.teach.exercise`), and in ``DIR/<id>/``: ``sheet.md``
(Markdown with KaTeX math), ``sheet.tex``, ``answers.yaml`` (the worked file to fill in and hand
in) and ``key.yaml`` (the answers, a worked file that ``derive check`` marks all correct).
The class list has one id per line (a CSV's first column; ``#`` starts a comment).
"""

from __future__ import annotations

import re
import sys

from derive.errors import InputError
from derive.paths import user_path
from derive.printing.i18n import LANGUAGES

#: A student id becomes a folder name: letters, digits, '.', '_' and '-' (not starting with '.').
STUDENT_ID = re.compile(r"^[\w-][\w.-]{0,99}$")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "exercise", help="write a different exercise and answer key for every student",
        description="Draw inputs for every student (seeded by their id; pleasant numbers, away from kinks, ties "
                    "and rounding edges, never two alike) and write each a problem sheet and an answer key.")
    parser.add_argument("target", metavar="RULE_OR_FILE", help="a rule (`derive list`) or a worked/model file")
    parser.add_argument("--students", metavar="FILE", help="the class list: one student id per line")
    parser.add_argument("--student", action="append", metavar="ID", help="a student id (may be repeated)")
    parser.add_argument("--out", default="exercises", metavar="DIR", help="where to write (default: exercises/)")
    parser.add_argument("--salt", default="", metavar="TEXT",
                        help="changes every student's numbers (a new term, a retake), reproducibly")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the sheets")
    parser.set_defaults(run=run)


def read_class_list(raw) -> list:
    path = user_path(raw, "--students")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read the class list ({error.strerror})", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("the class list is not UTF-8 text", path=str(path)) from None
    students = []
    for number, line in enumerate(text.splitlines(), 1):
        student = line.split("#", 1)[0].split(",", 1)[0].strip()
        if student:
            students.append(_checked(student, str(path), f"line {number}"))
    if not students:
        raise InputError("the class list has no student ids (one per line)", path=str(path))
    return students


def _checked(student: str, path: str | None, field: str) -> str:
    if not STUDENT_ID.match(student) or student in (".", ".."):
        raise InputError(f"expected a student id of letters, digits, '.', '_' or '-' (it names a folder), "
                         f"got {student!r}", path=path, field=field)
    return student


def run(args) -> int:
    from derive.teach.exercise import draw
    from derive.teach.sheet import write_exercise

    students = read_class_list(args.students) if args.students else []
    students += [_checked(s, None, "--student") for s in args.student or []]
    students = list(dict.fromkeys(students)) or ["student"]
    out = user_path(args.out, "--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--out {out}: cannot create the folder ({error.strerror})") from None
    exercises = draw(args.target, students, salt=args.salt)
    for exercise in exercises:
        write_exercise(exercise, out / exercise.student, args.lang)
    print(f"wrote {len(exercises)} exercise(s) to {out}/ (sheet.md, sheet.tex, answers.yaml, key.yaml each)",
          file=sys.stderr)
    return 0
