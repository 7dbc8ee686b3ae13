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

#: Verb name -> module in derive.cli that implements it.
VERBS = {
    "list": "derive.cli.list_rules",
    "show": "derive.cli.show",
    "grad": "derive.cli.grad",
    "check": "derive.cli.check",
    "equiv": "derive.cli.equiv",
    "run": "derive.cli.run",
    "docs": "derive.cli.docs",
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and one line (it already does; keep the usage short)."""

    def error(self, message):
        self.exit(2, f"derive: {message}\n(see 'derive --help')\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every verb, or of the verb ``only`` alone (a fast start: no other verb's imports)."""
    parser = _Parser(prog="derive", description=(
        "Derive the backpropagation rules of deep learning symbolically, check hand "
        "calculations against them, and generate pure-NumPy gradient functions."))
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for verb, module_name in VERBS.items():
        if only is not None and verb != only:
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
    parser = build_parser(argv[0] if argv and argv[0] in VERBS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        print(f"derive: expected a verb: {', '.join(VERBS)} (see 'derive --help')", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except DeriveError as error:
        print(f"derive {args.verb}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
