"""``derive list``: the rules, their inputs and quantities."""

from __future__ import annotations

import json

from derive.registry import missing_headline_rules, rules


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


def run(args) -> int:
    found = rules()
    if args.json:
        print(json.dumps({"rules": [describe(r) for r in found.values()]}, ensure_ascii=False))
        return 0
    width = max(len(n) for n in found)
    for rule in found.values():
        print(f"{rule.name:<{width}}  {rule.title}")
        print(f"{'':<{width}}  inputs: {', '.join(rule.inputs)}")
        print(f"{'':<{width}}  quantities: {', '.join(rule.quantity_names)}")
    missing = missing_headline_rules()
    if missing:
        print(f"\nheadline rules not yet available: {', '.join(missing)}")
    return 0
