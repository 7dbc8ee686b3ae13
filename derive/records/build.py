"""Make a rule's proof record: prove every check, render every page, write deterministic JSON.

:func:`record_text` is the whole record of one rule as the bytes ``derive/records/RULE.json``
holds: JSON with sorted keys, one key or list item a line (:func:`dumps`), UTF-8 text (Korean
as written), ending in a newline. Mappings whose order matters (a rule's inputs, a check's sizes) are lists
of pairs, so that sorting the keys keeps them in the rule's order. See :mod:`derive.records`.
"""

from __future__ import annotations

import json
import time

from derive.engine.verify import verify_rule
from derive.printing.derivation import render
from derive.printing.i18n import rule_text
from derive.records import FORMAT, FORMATS, LANGUAGES, fingerprint
from derive.registry import rules


def checks(report) -> list[dict]:
    """Every check of a :class:`~derive.engine.verify.RuleReport` as plain data."""
    out = []
    for c in report.checks:
        check = {"kind": c.kind, "subject": c.subject, "position": c.position,
                 "sizes": [[str(k), int(v)] for k, v in c.sizes.items()],
                 "method": c.proof.method, "ok": c.proof.ok}
        if not c.proof.ok:
            check["detail"] = c.proof.detail
        out.append(check)
    return out


def record(rule, report, position: int, count: int) -> dict:
    """The record of ``rule`` proven as ``report``: the ``position``-th of ``count`` rules."""
    return {
        "format": FORMAT,
        "fingerprint": fingerprint(),
        "name": rule.name,
        "position": position,
        "count": count,
        "title": rule.title,
        "title_ko": rule_text(rule, "title", "ko"),
        "inputs": [[i.name, [str(d) for d in i.shape]] for i in rule.inputs.values()],
        "quantities": rule.quantity_names,
        "checks": checks(report),
        "pages": {fmt: {lang: render(rule, fmt, report, lang).split("\n") for lang in LANGUAGES}
                  for fmt in FORMATS},
    }


def dumps(data: dict) -> str:
    """The record as JSON text: a mapping one key a line, a list one item a line, an item of a
    list on its line (a check, an input and its shape, a line of a page)."""
    return _dump(data, 0) + "\n"


def _dump(value, depth: int) -> str:
    pad, end = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict) and value:
        items = [f"{pad}{_inline(key)}: {_dump(value[key], depth + 1)}" for key in sorted(value)]
        return "{\n" + ",\n".join(items) + f"\n{end}}}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(pad + _inline(item) for item in value) + f"\n{end}]"
    return _inline(value)


def _inline(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def record_text(name: str) -> str:
    """Prove the rule ``name`` and return its record's text."""
    every = list(rules())
    rule = rules()[name]
    return dumps(record(rule, verify_rule(rule), every.index(name), len(every)))


def prove(name: str) -> tuple[str, str, float]:
    """Worker of ``python -m derive.records``: (name, record text, seconds it took)."""
    started = time.perf_counter()
    text = record_text(name)
    return name, text, time.perf_counter() - started
