"""The ``derive`` command line: one module per verb, each with ``add_parser`` and ``run``.

Exit codes: 0 success, 1 a mistake found (or a formula not equivalent), 2 unusable
input (a one-line message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from derive import __version__
from derive.errors import DeriveError
from derive.printing.errors_ko import translate

#: Verb name -> module in derive.cli that implements it.
VERBS = {
    "list": "derive.cli.list_rules",
    "show": "derive.cli.show",
    "grad": "derive.cli.grad",
    "check": "derive.cli.check",
    "grade": "derive.cli.grade",
    "exercise": "derive.cli.exercise",
    "equiv": "derive.cli.equiv",
    "run": "derive.cli.run",
    "docs": "derive.cli.docs",
    "emit": "derive.cli.emit",
}


USAGE_HINT = "(see 'derive --help')"


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and one line (it already does; keep the usage short)."""

    #: The language of the command line being parsed (``--lang``), read before argparse has it.
    lang = "en"

    def error(self, message):
        if self.lang == "ko":  # one line: the hint joins the message
            self.exit(2, f"derive: {translate(message, 'ko')} {translate(USAGE_HINT, 'ko')}\n")
        self.exit(2, f"derive: {message}\n{USAGE_HINT}\n")


def _lang(argv: list[str]) -> str:
    """The ``--lang`` of a command line, for the messages printed before (or without) parsing it."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return "en"


#: Each verb's line in ``derive --help``, the ``help`` its module's ``add_parser`` gives (a test
#: keeps them equal): the top-level help lists the verbs without importing them.
SUMMARIES = {
    "list": "list the rules",
    "show": "show a rule's derivation step by step",
    "grad": "derive the gradient of a scalar expression, step by step",
    "check": "check worked-example files (a folder means every YAML file in it)",
    "grade": "mark a class's worked files: a score per student, a count per quantity",
    "exercise": "write a different exercise and answer key for every student",
    "equiv": "is a hand-derived LaTeX formula equal to a rule's quantity?",
    "run": "derive and prove every rule, check every worked example",
    "docs": "write the derivation pages and figures",
    "emit": "write a rule or a model file as a NumPy module that needs NumPy alone",
}


def build_parser(only: str | None = None, *, summaries: bool = False) -> argparse.ArgumentParser:
    """The parser of every verb, or of the verb ``only`` alone (a fast start: no other verb's imports);
    with ``summaries``, each verb as its line of :data:`SUMMARIES` alone (for ``derive --help``)."""
    parser = _Parser(prog="derive", description=(
        "Derive the backpropagation rules of deep learning symbolically, check hand "
        "calculations against them, and generate pure-NumPy gradient functions."))
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for verb, module_name in VERBS.items():
        if only is not None and verb != only:
            continue
        if summaries:
            sub.add_parser(verb, help=SUMMARIES[verb])
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            continue  # a verb still being built
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:  # without importing any verb
        print(f"derive {__version__}")
        return 0
    # Import only the verb asked for: the others' imports (SymPy, the LaTeX parser) would
    # otherwise be most of the start-up time of `derive check` on a file of plain numbers.
    _Parser.lang = _lang(argv)
    verb = argv[0] if argv and argv[0] in VERBS else None
    # without a verb on the line (derive --help, a typo), no verb's module is needed
    parser = build_parser(verb, summaries=verb is None and not set(argv) & set(VERBS))
    args = parser.parse_args(argv)
    lang = getattr(args, "lang", _Parser.lang)
    if not getattr(args, "verb", None):
        print("derive: " + translate(f"expected a verb: {', '.join(VERBS)} (see 'derive --help')", lang),
              file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except DeriveError as error:
        print(f"derive {args.verb}: {translate(str(error), lang)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("derive: " + translate("interrupted", lang), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
