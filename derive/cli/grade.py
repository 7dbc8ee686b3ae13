"""``derive grade FOLDER [--scheme FILE] [--feedback FILE] [--csv FILE] [--json FILE] [--markdown FILE] [--gradescope DIR]``:
mark a class's worked files.

One YAML file per student directly in FOLDER, or one folder per student (every YAML file under
it). Every file is checked as ``derive check`` checks it; the report counts, per quantity, the
students correct, carried, wrong or missing, with the most common wrong answers and their
diagnosis, and gives every student a score (:mod:`derive.check.grade`: weight 1 per quantity,
full credit for correct and for carried, changed by ``--scheme``). The table is printed; the
files asked for are written (CSV, JSON, Markdown, and Gradescope's ``results.json`` per student).
Exit status 0 once the class is graded (wrong answers are marks, not failures), 2 for unusable
arguments (a missing folder, an unwritable output, a bad scheme).
"""

from __future__ import annotations

import json
import sys
import tempfile

from derive.check.feedback import read_feedback
from derive.check.grade import grade_folder, read_scheme, students_under
from derive.check.grade_output import (
    format_grades,
    gradescope_results,
    to_csv,
    to_json,
    to_markdown,
    write_gradescope,
)
from derive.errors import InputError
from derive.paths import user_path
from derive.printing.i18n import LANGUAGES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade", help="mark a class's worked files: a score per student, a count per quantity",
        description="Check every worked file of a class (one file or one folder per student) and report, per "
                    "quantity, how many students were correct, carried or wrong with the most common wrong "
                    "answers, and a score per student.")
    parser.add_argument("folder", metavar="FOLDER", help="one YAML file or one folder per student")
    parser.add_argument("--scheme", metavar="FILE",
                        help="YAML: weights per quantity ({dL/do: 2} or {\"rule:quantity\": 2}) and credit per "
                             "status ({carried: 0.5}); default weight 1, full credit for correct and carried")
    parser.add_argument("--feedback", metavar="FILE",
                        help="a course's anticipated mistakes: their messages replace derive's diagnosis and "
                             "their credit is given (see derive.check.feedback)")
    parser.add_argument("--keys", metavar="DIR",
                        help="the folder derive exercise wrote: each student's file must be on the inputs of "
                             "their own DIR/<student>/key.yaml (a classmate's numbers earn nothing)")
    parser.add_argument("--csv", metavar="FILE", help="write a row per student")
    parser.add_argument("--json", metavar="FILE", help="write the whole report as JSON ('-': standard output)")
    parser.add_argument("--markdown", metavar="FILE", help="write the report as Markdown")
    parser.add_argument("--gradescope", metavar="DIR_OR_FILE",
                        help="write DIR/<student>/results.json for Gradescope; a path ending in .json (one "
                             "student's submission, as in an autograder): that file")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report and diagnoses")
    parser.set_defaults(run=run)


def _writable_file(raw, what: str):
    path = user_path(raw, what)
    if path.is_dir():
        raise InputError(f"{what} {path}: is a folder; expected a file to write")
    _writable_folder(path.parent if str(path.parent) else user_path(".", what), what, create=False)
    return path


def _writable_folder(path, what: str, *, create: bool = True):
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise InputError(f"{what} {path}: cannot write there ({error.strerror})") from None
    return path


def run(args) -> int:
    scheme = read_scheme(args.scheme) if args.scheme else None
    feedback = read_feedback(args.feedback) if args.feedback else None
    outputs = {"--csv": args.csv, "--markdown": args.markdown,
               "--json": args.json if args.json != "-" else None}  # checked before the grading
    paths = {flag: _writable_file(raw, flag) for flag, raw in outputs.items() if raw}
    gradescope = None
    if args.gradescope and str(args.gradescope).endswith(".json"):
        gradescope = _writable_file(args.gradescope, "--gradescope")
    elif args.gradescope:
        gradescope = _writable_folder(user_path(args.gradescope, "--gradescope"), "--gradescope")
    keys = user_path(args.keys, "--keys") if args.keys else None
    if keys is not None and not keys.is_dir():
        raise InputError(f"--keys {keys}: expected the folder derive exercise wrote (one key per student)")
    if gradescope is not None and gradescope.suffix == ".json" and len(students_under(args.folder)) != 1:
        raise InputError(f"--gradescope {gradescope}: one results.json holds one student; the folder has "
                         f"{len(students_under(args.folder))} (give a folder to write one per student)")
    grades = grade_folder(args.folder, scheme, feedback=feedback, keys=keys)
    if args.json == "-":
        print(json.dumps(to_json(grades, args.lang), indent=2, ensure_ascii=False))
    else:
        print(format_grades(grades, args.lang))
    if "--csv" in paths:
        paths["--csv"].write_text(to_csv(grades), encoding="utf-8")
    if "--markdown" in paths:
        paths["--markdown"].write_text(to_markdown(grades, args.lang), encoding="utf-8")
    if "--json" in paths:
        paths["--json"].write_text(json.dumps(to_json(grades, args.lang), indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    if gradescope is not None and gradescope.suffix == ".json":
        gradescope.write_text(json.dumps(gradescope_results(grades.students[0], args.lang), indent=2,
                                         ensure_ascii=False) + "\n", encoding="utf-8")
    elif gradescope is not None:
        written = write_gradescope(grades, gradescope, args.lang)
        print(f"wrote {len(written)} results.json files under {gradescope}/", file=sys.stderr)
    return 0
