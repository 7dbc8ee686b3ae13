"""``derive show RULE``: the step-by-step derivation, every step proven.

``--convention squared_error=half`` (repeatable, or ``a=b,c=d``) shows the rule in another
convention (:mod:`derive.engine.conventions`): where the ½, the λ/2, the 1/N or the log 2
goes, every step proven again. Without it the rule is shown as it is defined.
"""

from __future__ import annotations

import os

from derive.engine.conventions import in_convention, parse_flags
from derive.engine.verify import verify_rule
from derive.printing.derivation import RENDERERS, render
from derive.printing.i18n import LANGUAGES
from derive.registry import get_rule


def rule_or_model(argument: str):
    """The rule named ``argument``, or the rule of the model file at that path."""
    if is_model_path(argument):
        from derive.model.files import rule_from_file

        return rule_from_file(argument)
    return get_rule(argument)


def is_model_path(argument: str) -> bool:
    return argument.endswith((".yaml", ".yml")) or "/" in argument or os.path.isfile(argument)


def add_parser(sub):
    parser = sub.add_parser("show", help="show a rule's derivation step by step",
                            description="Print a rule's derivation; every step is proven first.")
    parser.add_argument("rule", help="a rule name from 'derive list', or a model file (a worked file with model:)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text",
                        help="text (default), latex (align* blocks) or markdown ($$ blocks for KaTeX)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the reasons")
    parser.add_argument("--no-proof", action="store_true",
                        help="print without proving the steps (faster; no proof methods shown)")
    parser.add_argument("--convention", action="append", metavar="KEY=VALUE",
                        help="derive in another convention: squared_error=full|half, reduce=sum|mean, "
                             "l2=full|half, log_base=e|2 (repeatable; the keys that apply to the rule)")
    parser.set_defaults(run=run)


def run(args) -> int:
    rule = in_convention(rule_or_model(args.rule), parse_flags(args.convention), field="--convention")
    report = None if args.no_proof else verify_rule(rule, show_progress=True)
    print(render(rule, args.format, report, args.lang), end="")
    return 0 if report is None or report.ok else 1
