"""Proof records: every rule proven once, its checks and its pages kept, read without SymPy.

Proving a rule takes seconds to a minute; what the proof finds depends only on derive's
own sources, since every proof method is decided within CPU-time budgets generous enough
that SymPy, not the machine or its load, decides (:data:`derive.engine.prove.SYMBOLIC_SECONDS`).
So ``python -m derive.records`` proves every rule once and writes ``derive/records/RULE.json``,
committed beside this module, and the verbs that only report proofs read it back:
``derive list``, ``derive show RULE``, ``derive run``, ``derive docs`` and :func:`derive.show`.
With a current record, ``derive show RULE`` imports neither SymPy nor a rule module.

How it works
------------
A record holds what ``derive list --json`` says of the rule, every check of
:func:`~derive.engine.verify.verify_rule` (kind, target, step number, sizes, proof method, ok,
and where a check failed, why), and the pages ``derive show RULE`` prints in the rule's own
convention, proven: ``text``, ``latex`` and ``markdown``, each in ``en`` and ``ko``, as lists
of lines so that a change reads as a diff. It is JSON with sorted keys and no timestamps,
sizes of the machine or times, so the same sources always write the same bytes. In part,
``derive/records/sigmoid_bce.json`` reads::

    {
      "checks": [
        {"kind": "step", "method": "symbolic", "ok": true, "position": 1, "sizes": [], "subject": "dL/ds"},
        ...
        {"kind": "stable", "method": "numeric (float64, 30 points)", "ok": true, ...},
      ],
      "count": 28,
      "fingerprint": "055ce7ac...",
      "format": 1,
      "inputs": [["s", []], ["y", []]],
      "name": "sigmoid_bce",
      "pages": {"latex": {"en": ["% sigmoid_bce: Sigmoid + binary cross-entropy", ...], "ko": [...]}, ...},
      "position": 23,
      "quantities": ["y_hat", "L", "dL/ds"],
      "title": "Sigmoid + binary cross-entropy",
      "title_ko": "시그모이드 + 이진 교차 엔트로피"
    }

``position`` and ``count`` keep the order of the rules, so that ``derive list`` reads the
records alone.

Each record carries the :func:`fingerprint` of the sources it was made from. A record is
*current* when that fingerprint is the sources' fingerprint now; a verb uses only current
records, and proves the rule itself (saying on standard error that the records are stale)
otherwise. The fingerprint is a SHA-256 of the path and bytes of every file of
:data:`SOURCES` (line endings as ``\\n``), computed in a few milliseconds without importing
them. :data:`SOURCES` is every module that proving a rule or printing its pages runs:

- ``derive/rules/``: the rules themselves;
- ``derive/engine/``: the rule vocabulary, realization at proof sizes, the prover and its budgets,
  conventions;
- ``derive/symbolic/``: the array symbols and functions the rules are written in;
- ``derive/printing/``: the text, LaTeX and Markdown printers and the Korean words;
- ``derive/naming.py``, ``derive/registry.py``, ``derive/errors.py``, and ``derive/model/``'s
  ``__init__.py``, ``spec.py`` and ``build.py`` (the layers some rules are built from);
- ``derive/records/``: this package, which decides what a record holds and how it is read.

``tests/test_records.py`` checks that this list covers every derive module that proving and
printing imports, that every committed record is current, and that proving a small rule again
writes the same bytes. Any change to these sources makes every record stale; the currency test
then fails, naming the command that rewrites them: ``python -m derive.records``.

The versions of SymPy and NumPy are not part of the fingerprint: a record proven under one
version is still a proof, and an installed derive keeps its fast ``show`` under another.

Model files (``derive show FILE``, the ``(model)`` rows of ``derive run``) are proven each time:
a recurrent model's steps get one CPU second of SymPy each
(:data:`derive.model.recurrent.RECURRENT_SYMBOLIC_SECONDS`), too little for the proof methods to
be the same on every machine, so their proofs could not be recorded reproducibly. The steps of the
shipped models are proven by the polynomial stage of the prover (:mod:`derive.engine.polynomial`)
in milliseconds each, far inside that second: the five model files of ``worked_examples/`` take
about 10 s of CPU in all.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from derive.registry import get_rule

#: The folder of the records (and of this module).
FOLDER = Path(__file__).resolve().parent
#: The derive package, whose sources are fingerprinted.
PACKAGE = FOLDER.parent
#: Folders (every ``*.py`` below them) and files of the package that a record depends on.
SOURCES = ("rules", "engine", "symbolic", "printing", "naming.py", "registry.py", "errors.py",
           "model/__init__.py", "model/spec.py", "model/build.py", "records")
#: The layout of a record; a record of another layout is not current.
FORMAT = 1
#: The page formats and languages a record holds (those of ``derive show``).
FORMATS = ("latex", "markdown", "text")
LANGUAGES = ("en", "ko")
#: The command that rewrites the records.
COMMAND = "python -m derive.records"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def source_files() -> list[Path]:
    """Every file of :data:`SOURCES`, in a fixed order (by path inside the package)."""
    found = []
    for entry in SOURCES:
        path = PACKAGE / entry
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return sorted(found, key=lambda p: p.relative_to(PACKAGE).as_posix())


@functools.cache
def fingerprint() -> str:
    """SHA-256 of the path and bytes of every source file a record depends on."""
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Check:
    """One check of a recorded proof, as :class:`derive.engine.verify.Check` describes it."""

    kind: str
    subject: str
    position: int | None
    sizes: tuple  # ((size name, value), ...) in the rule's order
    method: str
    ok: bool
    detail: str = ""

    def describe(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.sizes)
        what = f"{self.subject} step {self.position}" if self.position else self.subject
        return f"{self.kind}: {what}" + (f" at {where}" if where else "")


@dataclass(frozen=True)
class Record:
    """A rule's proof record, read from ``derive/records/RULE.json``."""

    data: dict

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def current(self) -> bool:
        """Made from the sources as they are now (in this layout)."""
        return self.data.get("format") == FORMAT and self.data.get("fingerprint") == fingerprint()

    @property
    def checks(self) -> list[Check]:
        return [Check(c["kind"], c["subject"], c["position"], tuple(map(tuple, c["sizes"])), c["method"],
                      c["ok"], c.get("detail", "")) for c in self.data["checks"]]

    @property
    def ok(self) -> bool:
        return all(c["ok"] for c in self.data["checks"])

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def title(self, lang: str = "en") -> str:
        return self.data["title_ko"] if lang == "ko" else self.data["title"]

    def listing(self) -> dict:
        """The rule as ``derive list --json`` lists it."""
        return {"name": self.name, "title": self.data["title"], "inputs": dict(self.data["inputs"]),
                "quantities": list(self.data["quantities"])}

    def page(self, fmt: str = "text", lang: str = "en") -> str:
        """The page ``derive show RULE --format fmt --lang lang`` prints."""
        return "\n".join(self.data["pages"][fmt][lang])


def path_of(name: str) -> Path:
    return FOLDER / f"{name}.json"


def load(name: str) -> Record | None:
    """The record of the rule ``name`` (current or not), or None where there is none."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return None
    try:
        data = json.loads(path_of(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("name") != name:  # e.g. another case on a case-blind disk
        return None
    return Record(data)


def current(name: str) -> Record | None:
    """The record of ``name`` when it is current, else None."""
    record = load(name)
    return record if record is not None and record.current else None


def every_record() -> list[Record]:
    """Every record in the folder, in the order of the rules (that of :func:`derive.registry.rules`)."""
    found = [load(path.stem) for path in FOLDER.glob("*.json")]
    return sorted((r for r in found if r is not None), key=lambda r: r.data.get("position", -1))


def every_current() -> list[Record] | None:
    """Every rule's record, in the order of the rules, when all are current and none is missing;
    else None (then the rules themselves are read)."""
    found = every_record()
    if not found or not all(r.current for r in found):
        return None
    if [r.data["position"] for r in found] != list(range(found[0].data["count"])):
        return None
    return found


def rule_name(name: str, recorded: list[str] | None) -> str:
    """A rule named on the command line: as it is when it is one of ``recorded`` (the rules whose
    records are current), else as :func:`derive.registry.get_rule` finds it (or refuses it)."""
    return name if recorded is not None and name in recorded else get_rule(name).name


def stale_note(verb: str, what: str, lang: str = "en") -> str:
    """The line a verb prints on standard error when it proves ``what`` because its records are stale."""
    if lang == "ko":
        return (f"derive {verb}: 증명 기록(derive/records)이 현재 소스와 맞지 않아 {what}을(를) 지금 증명합니다; "
                f"`{COMMAND}`로 기록을 다시 쓰세요")
    return (f"derive {verb}: the proof records (derive/records) are stale (derive's sources changed since "
            f"they were written), so {what} is proven now; `{COMMAND}` rewrites them")


__all__ = ["COMMAND", "FORMATS", "LANGUAGES", "SOURCES", "Check", "Record", "current", "every_current",
           "every_record", "fingerprint", "load", "rule_name", "source_files", "stale_note"]
