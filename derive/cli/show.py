"""``derive show RULE``: the step-by-step derivation, every step proven.

A rule's proof and pages come from its proof record (:mod:`derive.records`) when that is
current: then ``show`` prints at once, without SymPy. Otherwise, and with ``--prove``, every
step is proven now (with a progress line on a terminal); a stale record is said so on
standard error. ``--no-proof`` prints without proving.

``--convention squared_error=half`` (repeatable, or ``a=b,c=d``) shows the rule in another
convention (:mod:`derive.engine.conventions`): where the ½, the λ/2, the 1/N or the log 2
goes, every step proven again. Without it the rule is shown as it is defined. A model file
(a worked file with ``model:``) is derived and proven as well.
"""

from __future__ import annotations

import os
import sys

from derive import records
from derive.printing.i18n import LANGUAGES


def rule_or_model(argument: str):
    """The rule named ``argument``, or the rule of the model file at that path."""
    if is_model_path(argument):
        from derive.model.files import rule_from_file

        return rule_from_file(argument)
    from derive.registry import get_rule

    return get_rule(argument)


def is_model_path(argument: str) -> bool:
    return argument.endswith((".yaml", ".yml")) or "/" in argument or os.path.isfile(argument)


def add_parser(sub):
    parser = sub.add_parser("show", help="show a rule's derivation step by step",
                            description="Print a rule's derivation; every step is proven first "
                                        "(or read from its current proof record).")
    parser.add_argument("rule", help="a rule name from 'derive list', or a model file (a worked file with model:)")
    parser.add_argument("--format", choices=records.FORMATS, default="text",
                        help="text (default), latex (align* blocks) or markdown ($$ blocks for KaTeX)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the reasons")
    proof = parser.add_mutually_exclusive_group()
    proof.add_argument("--prove", action="store_true",
                       help="prove every step now, not from the rule's proof record")
    proof.add_argument("--no-proof", action="store_true",
                       help="print without proving the steps (no proof methods shown)")
    parser.add_argument("--convention", action="append", metavar="KEY=VALUE",
                        help="derive in another convention: squared_error=full|half, reduce=sum|mean, "
                             "l2=full|half, log_base=e|2 (repeatable; the keys that apply to the rule)")
    parser.set_defaults(run=run)


def recorded(argument: str, *, lang: str = "en", verb: str = "show"):
    """The current proof record of the rule named ``argument``, or None (then the rule is proven
    now; a stale record is said so on standard error)."""
    if is_model_path(argument):
        return None
    record = records.load(argument)
    if record is not None and not record.current:
        print(records.stale_note(verb, argument, lang), file=sys.stderr)
        return None
    return record


def run(args) -> int:
    if not (args.prove or args.no_proof or args.convention):
        record = recorded(args.rule, lang=args.lang)
        if record is not None:
            print(record.page(args.format, args.lang), end="")
            return 0 if record.ok else 1
    return prove_and_print(args)


def prove_and_print(args) -> int:
    """The live path: find the rule (in its convention), prove it unless ``--no-proof``, print."""
    from derive.engine.conventions import in_convention, parse_flags
    from derive.engine.verify import verify_rule
    from derive.printing.derivation import render

    rule = in_convention(rule_or_model(args.rule), parse_flags(args.convention), field="--convention")
    report = None if args.no_proof else verify_rule(rule, show_progress=True)
    print(render(rule, args.format, report, args.lang), end="")
    return 0 if report is None or report.ok else 1
