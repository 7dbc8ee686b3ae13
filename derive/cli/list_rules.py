"""``derive list``: the rules, their inputs and quantities.

Read from the proof records (:mod:`derive.records`) when every one is current, without
SymPy; from the rules themselves otherwise (saying on standard error that the records are
stale). Either way the output is the same.
"""

from __future__ import annotations

import json
import sys

from derive import records
from derive.registry import HEADLINE_RULES


def add_parser(sub):
    parser = sub.add_parser("list", help="list the rules", description="List the rules.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def describe(rule) -> dict:
    return {
        "name": rule.name,
        "title": rule.title,
        "inputs": {i.name: [str(d) for d in i.shape] for i in rule.inputs.values()},
        "quantities": rule.quantity_names,
    }


def listing() -> list[dict]:
    """:func:`describe` of every rule, in the order of the rules: from the records when all are current."""
    found = records.every_current()
    if found is not None:
        return [record.listing() for record in found]
    if records.every_record():
        print(records.stale_note("list", "every rule"), file=sys.stderr)
    from derive.registry import rules

    return [describe(rule) for rule in rules().values()]


def run(args) -> int:
    found = listing()
    if args.json:
        print(json.dumps({"rules": found}, ensure_ascii=False))
        return 0
    width = max(len(r["name"]) for r in found)
    for rule in found:
        print(f"{rule['name']:<{width}}  {rule['title']}")
        print(f"{'':<{width}}  inputs: {', '.join(rule['inputs'])}")
        print(f"{'':<{width}}  quantities: {', '.join(rule['quantities'])}")
    missing = [name for name in HEADLINE_RULES if name not in {r["name"] for r in found}]
    if missing:
        print(f"\nheadline rules not yet available: {', '.join(missing)}")
    return 0
