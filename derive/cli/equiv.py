r"""``derive equiv RULE QUANTITY LATEX [--json]``: is a hand-derived formula the rule's quantity?

Prints ``equivalent`` or ``not equivalent`` with a diagnosis of the usual mistake
(sign, constant factor, log base, transposed matrix, wrong activation
derivative, missing or extra term) and a counterexample. Exit status: 0 equivalent,
1 not equivalent, 2 the input is unusable or cannot be decided within the budget
(a one-line message on stderr: never a third verdict).

The readable counterexample lists each input once, as ``name = value`` or, for a
vector or matrix, ``W = [[..], [..]]`` (a matrix a row per line when it is wide):
first the inputs the formula names, then the others in the rule's order, at most
:data:`MAX_NAMES` of them (every value is in ``--json``).
"""

from __future__ import annotations

import json
import re
import textwrap

import numpy as np

from derive import naming
from derive.check.messages import message
from derive.check.report import WIDTH, stacked
from derive.check.slips import number_text
from derive.errors import InputError
from derive.printing.i18n import LANGUAGES

#: The readable counterexample shows at most this many inputs.
MAX_NAMES = 8
_COMPONENT = re.compile(r"^(?P<name>.+?)\[(?P<index>\d+(?:,\d+)*)\]$")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "equiv", help="is a hand-derived LaTeX formula equal to a rule's quantity?",
        description="Decide whether a LaTeX formula equals a quantity of a rule (symbolically, then "
                    "numerically with a counterexample) and diagnose the usual mistakes.")
    parser.add_argument("rule", metavar="RULE", help="a rule name from `derive list`")
    parser.add_argument("quantity", metavar="QUANTITY", help="a quantity of the rule, e.g. dL/do")
    parser.add_argument("latex", metavar="LATEX", help=r"the formula, e.g. '\hat{y}_j - y_j'")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--lang", choices=LANGUAGES, default="en",
                        help="language of the verdict and the diagnosis (the JSON keeps English)")
    parser.add_argument("--convention", action="append", metavar="KEY=VALUE",
                        help="the rule in another convention: squared_error=full|half, reduce=sum|mean, "
                             "l2=full|half, log_base=e|2 (repeatable; the keys that apply to the rule)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from derive.check.equiv import check_equivalence
    from derive.registry import get_rule

    try:
        rule = get_rule(args.rule)
    except InputError as error:
        raise InputError(str(error), field="RULE") from None
    from derive.engine.conventions import in_convention, parse_flags

    rule = in_convention(rule, parse_flags(args.convention), field="--convention")
    result = check_equivalence(rule, args.quantity, args.latex)
    if args.json:
        out = result.to_json()
        if args.lang != "en":  # the contract's fields stay English; the student's language beside them
            out["message"] = message(result.verdict, args.lang, diagnosis=result.say(args.lang))
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print("\n".join(_wrap(message(result.verdict, args.lang, diagnosis=result.say(args.lang)), "", "  ")))
        if result.counterexample:
            print(message("counterexample", args.lang))
            print("\n".join(counterexample_lines(result.counterexample, list(rule.inputs), args.latex,
                                                 args.lang)))
    return {"equivalent": 0, "not_equivalent": 1}[result.verdict]


def counterexample_lines(point: dict, order: list, latex: str, lang: str = "en") -> list[str]:
    """``{"W[1,2]": 0.5, ...}`` as one ``name = value`` per input, those ``latex`` names first, capped."""
    groups: dict[str, dict] = {}
    for key, value in point.items():
        match = _COMPONENT.match(key)
        name, index = (match["name"], tuple(int(i) - 1 for i in match["index"].split(","))) if match else (key, ())
        groups.setdefault(name, {})[index] = value
    named = [n for n in groups if _mentions(latex, n)]
    named.sort(key=lambda n: _mentions(latex, n))
    rest = [n for n in order if n in groups and n not in named]
    rest += sorted(n for n in groups if n not in named and n not in rest)
    shown = (named + rest)[:MAX_NAMES]
    lines = []
    for name in shown:
        lines += _assignment(name, groups[name])
    hidden = [n for n in named + rest if n not in shown]
    if hidden:
        lines += _wrap(message("counterexample_more", lang, count=len(hidden), names=", ".join(hidden)), "  ",
                       "    ")
    return lines


def _mentions(latex: str, name: str) -> int:
    """1 + where the formula first names ``name`` (plainly or in LaTeX); 0 when it does not."""
    text = _plain_latex(latex)
    places = [m.start() for form in {name, _plain_latex(naming.latex_name(name))}
              for m in re.finditer(rf"(?<![A-Za-z\\]){re.escape(form)}(?![A-Za-z])", text)]
    return 1 + min(places) if places else 0


def _plain_latex(text: str) -> str:
    return re.sub(r"[{}]", "", re.sub(r"\\(?:text|mathrm|operatorname)\s*", "", text))


def _assignment(name: str, components: dict) -> list[str]:
    """``name = value``; a vector or matrix in brackets, stacked a row per line when it is wide."""
    if () in components:
        return [f"  {name} = {number_text(components[()], 4)}"]
    shape = tuple(max(i[axis] for i in components) + 1 for axis in range(len(next(iter(components)))))
    cells = np.full(shape, "?", dtype=object)
    for index, value in components.items():
        cells[index] = number_text(value, 4)
    prefix = f"  {name} = "
    body = stacked(cells, WIDTH - len(prefix))
    one_line = " ".join(line.strip() for line in body)
    if len(prefix) + len(one_line) <= WIDTH:
        return [prefix + one_line]
    return [(prefix if k == 0 else " " * len(prefix)) + line for k, line in enumerate(body)]


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=True,
                         break_on_hyphens=False) or [""]
