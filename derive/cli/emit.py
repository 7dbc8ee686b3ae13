"""``derive emit RULE_OR_MODEL_FILE --out FILE.py``: one rule as a NumPy module that needs NumPy alone.

The module is the one ``derive.numpy`` holds for the rule (the same function, signature and
results, the ``INPUTS``, ``QUANTITIES`` and ``FROM_DEPENDENCIES`` tables), with the kernels it
calls copied in (:func:`derive.codegen.generate.standalone`), so that it imports without derive.
The argument is a rule name (``derive list``) or a model file (``model:``, the contract's format);
the function is named after the rule. The output has no date in it: the same input gives the same
bytes. ``--out -`` prints the module instead of writing it.
"""

from __future__ import annotations

import keyword
import os
import sys
from pathlib import Path

from derive.codegen.generate import standalone_module_source
from derive.errors import InputError
from derive.model.files import rule_from_file
from derive.paths import user_path
from derive.registry import get_rule


def add_parser(sub):
    parser = sub.add_parser("emit", help="write a rule or a model file as a NumPy module that needs NumPy alone",
                            description="Write a pure-NumPy module for a rule or a model file, with the "
                                        "signature of the modules of derive.numpy, importable without derive.")
    parser.add_argument("rule", metavar="RULE_OR_MODEL_FILE",
                        help="a rule name from 'derive list', or a YAML model file")
    parser.add_argument("--out", metavar="FILE.py", help="the file to write; '-' prints the module")
    parser.add_argument("--only", action="append", metavar="Q1,Q2",
                        help="compute only these quantities and what they need (e.g. L,dL/dW_h,dL/db_h for a "
                             "training step without dL/dx); repeatable")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.out is None:
        raise InputError("--out: expected the file to write, such as --out model.py (or --out - to print it)")
    out = None if args.out == "-" else user_path(args.out, "--out")
    if out is not None:
        _check_writable(out)
    rule, origin = _load(args.rule)
    if args.only:
        rule = _only(rule, [n.strip() for item in args.only for n in item.split(",") if n.strip()])
    if not rule.name.isidentifier() or keyword.iskeyword(rule.name):
        raise InputError(f"{args.rule}: the rule name {rule.name!r} cannot be a Python function name")
    try:
        source = standalone_module_source(rule, origin)
    except ValueError as error:  # a rule the generator refuses (a name clash, a sum that would mix shapes)
        raise InputError(f"{args.rule}: cannot write NumPy for it: {error}") from None
    if out is None:
        sys.stdout.write(source)
        return 0
    try:
        out.write_text(source)
    except OSError as error:
        raise InputError(f"--out {out}: cannot write the file ({error.strerror})") from None
    print(f"wrote {out}: {rule.name}(*, {', '.join(rule.inputs)}) -> {len(rule.quantity_names)} quantities",
          file=sys.stderr)
    return 0


def _load(argument: str):
    """The rule a name or a model file stands for, and the words the module's header says it came from."""
    path = Path(argument)
    if argument.endswith((".yaml", ".yml")) or path.exists():
        if not path.is_file():
            raise InputError(f"{argument}: no such model file")
        rule = rule_from_file(argument)
        return rule, f"the model file ``{path.name}`` (its rule ``{rule.name}``)"
    rule = get_rule(argument, field="RULE_OR_MODEL_FILE")
    return rule, f"the rule ``{rule.name}`` (its derivation: ``derive show {rule.name}``)"


def _only(rule, names: list[str]):
    """The rule restricted to ``names`` and what they are computed from; an unknown name is an InputError."""
    from derive.codegen.generate import restricted

    try:
        return restricted(rule, names)
    except KeyError as missing:
        raise InputError(f"{rule.name} has no quantity {missing.args[0]!r} (its quantities: "
                         f"{', '.join(rule.quantity_names)})", field="--only") from None


def _check_writable(path: Path) -> None:
    """Refuse an --out that cannot be written, before any deriving."""
    if path.is_dir():
        raise InputError(f"--out {path}: is a folder; expected a file name such as model.py")
    if not path.parent.is_dir():
        raise InputError(f"--out {path}: the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"--out {path}: cannot write there (permission denied)")
