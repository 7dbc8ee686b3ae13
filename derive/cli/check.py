"""``derive check PATH... [--json] [--expect] [--feedback FILE] [--dask [--scheduler ADDRESS]]``: check
worked-example and derivation files.

A folder means every ``*.yaml`` / ``*.yml`` file under it. Exit status: 2 when a
file is unusable or a line too complex to decide (one message per file on
stderr), else 1 when a mistake was found, else 0. With ``--expect`` a file that
declares its deliberate mistakes (``expect:``) counts as passing when exactly
those are found. Checking plain numbers does not import SymPy (fast start-up);
worked files of plain numbers are checked in groups of the same rule and shapes
(:mod:`derive.check.batch`). With ``--dask`` the files are checked in partitions on
Dask (local processes, or the cluster at ``--scheduler``; ``pip install 'derive[dask]'``),
with the same reports.
"""

from __future__ import annotations

import argparse
import json
import sys

from derive.check import check_paths, check_paths_dask, format_table
from derive.check.feedback import apply_feedback, read_feedback
from derive.check.on_dask import PARTITION
from derive.printing.errors_ko import translate
from derive.printing.i18n import LANGUAGES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="check worked-example files (a folder means every YAML file in it)",
        description="Check hand-computed worked examples against a rule (each answer correct, carried "
                    "or wrong) and multi-step derivation files (each line follows from the one before).")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a YAML file or a folder of them")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--lang", choices=LANGUAGES, default="en",
                        help="language of the readable report and the messages (the JSON keeps English)")
    parser.add_argument("--expect", action="store_true",
                        help="a file with an 'expect:' block passes when the checker finds exactly the "
                             "mistakes it declares")
    parser.add_argument("--feedback", metavar="FILE",
                        help="a course's anticipated mistakes (messages, credit), matched before derive's own "
                             "diagnosis; see derive.check.feedback")
    parser.add_argument("--dask", action="store_true",
                        help="check partitions of the files on Dask: local processes, or the cluster at "
                             "--scheduler (pip install 'derive[dask]')")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --dask: the address of a Dask distributed scheduler (tcp://host:8786), or "
                             "processes (the default), threads or synchronous")
    parser.add_argument("--partition-size", type=_positive, default=PARTITION, metavar="N",
                        help=f"with --dask: files per partition (default {PARTITION})")
    parser.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of files, at least 1, got {text!r}")
    return value


def run(args) -> int:
    feedback = read_feedback(args.feedback) if args.feedback else None  # before any file is checked
    if args.dask or args.scheduler is not None:
        reports = check_paths_dask(args.paths, args.scheduler, partition_size=args.partition_size)
    else:
        reports = check_paths(args.paths)
    if feedback is not None:
        apply_feedback(feedback, reports)
    for report in reports:
        if report.error is not None:
            print(f"derive check: {translate(report.error, args.lang)}", file=sys.stderr)
    if args.json:
        print(json.dumps({"reports": [r.to_json() for r in reports]}, indent=2, ensure_ascii=False))
    else:
        print(format_table(reports, args.lang))
    if any(r.error is not None or r.undecided for r in reports):
        return 2
    if args.expect:
        return 0 if all(r.as_expected for r in reports) else 1
    return 0 if all(r.ok for r in reports) else 1
