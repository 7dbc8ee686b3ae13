r"""``derive equiv RULE QUANTITY LATEX [--json]``: is a hand-derived formula the rule's quantity?

Prints ``equivalent`` or ``not equivalent`` with a diagnosis of the usual mistake
(sign, constant factor, log base, transposed matrix, wrong activation
derivative, missing or extra term) and a counterexample. Exit status: 0 equivalent,
1 not equivalent, 2 the input is unusable or cannot be decided within the budget
(a one-line message on stderr: never a third verdict).
"""

from __future__ import annotations

import json

from derive.errors import InputError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "equiv", help="is a hand-derived LaTeX formula equal to a rule's quantity?",
        description="Decide whether a LaTeX formula equals a quantity of a rule (symbolically, then "
                    "numerically with a counterexample) and diagnose the usual mistakes.")
    parser.add_argument("rule", metavar="RULE", help="a rule name from `derive list`")
    parser.add_argument("quantity", metavar="QUANTITY", help="a quantity of the rule, e.g. dL/do")
    parser.add_argument("latex", metavar="LATEX", help=r"the formula, e.g. '\hat{y}_j - y_j'")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args) -> int:
    from derive.check.equiv import check_equivalence
    from derive.registry import get_rule

    try:
        rule = get_rule(args.rule)
    except InputError as error:
        raise InputError(str(error), field="RULE") from None
    result = check_equivalence(rule, args.quantity, args.latex)
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        head = {"equivalent": "equivalent", "not_equivalent": "not equivalent"}[result.verdict]
        print(f"{head}: {result.diagnosis}")
        if result.counterexample:
            print("counterexample: " + ", ".join(f"{k} = {v:.6g}" for k, v in result.counterexample.items()))
    return {"equivalent": 0, "not_equivalent": 1}[result.verdict]
