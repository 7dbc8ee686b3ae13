r"""Checking worked files one at a time, and many at once: grouped by rule and shapes, judged in one pass.

How it works
------------
:func:`check_file` checks one file under its CPU budget (:data:`FILE_SECONDS`).
:func:`check_files` checks a list of files in blocks of :data:`BLOCK`; in each block:

1. each file is read (YAML, then its rule and inputs, in Python: the messages of an
   unusable file are those :func:`check_file` gives);
2. a file that needs SymPy (a derivation, a model file, a declared convention, a LaTeX
   answer: :func:`derive.check.worked.plain_numbers` says) goes to :func:`check_file`;
3. the others are grouped by rule and input shapes, and each group's exact values come
   from one call of the rule's generated function on the stacked inputs (:func:`evaluate`);
4. each file's answers are read against its exact values (per file);
5. the files are grouped by rule, shapes and answered quantities, and each group is judged
   at once, the recomputation from the students' own numbers included
   (:func:`derive.check.judge.judge_many`);
6. each answer that is not correct is explained per file (:func:`derive.check.slips.explain`).

A file is judged the same alone or among thousands (:mod:`derive.check.judge` says why), so
the reports are those of :func:`check_file`, number for number.

Example: 10,000 files of softmax_ce (K from 2 to 5), sigmoid_bce and vae_kl (Z from 1 to
3) in blocks of 2,000 make eight groups a block; a generated function is called a few times
per group instead of a few times per file.

Budgets: a file of plain numbers is checked without a CPU budget of its own. Its work is
bounded by what a file may hold (``MAX_BYTES``, ``MAX_NUMBERS`` of
:mod:`derive.check.worked`, ``CHAIN_WORK`` of the judge), and the one piece of symbolic
work it can reach is derive's own rule in another convention, built once per process to
name a convention slip: nothing a file can make unbounded. The budget exists for SymPy
reading what a student wrote, and every file that does keeps its own.
"""

from __future__ import annotations

import numpy as np

from derive import naming
from derive.check.judge import first_error, judge, judge_many
from derive.check.report import FileReport
from derive.check.slips import explain
from derive.check.worked import (
    DerivationFile,
    NumericRule,
    load_file,
    numeric_rule,
    plain_numbers,
    read_top,
    worked_head,
    worked_tail,
)
from derive.engine.budget import bounded
from derive.errors import InputError, TooComplex
from derive.progress import progress

#: CPU seconds for one file, on any thread: a file that needs more is reported unusable (too complex).
FILE_SECONDS = 120.0
#: Files read and judged together (the progress line moves a block at a time).
BLOCK = 2000
#: The most input numbers one call of a generated function gets from :func:`evaluate`.
EVALUATE_NUMBERS = 1_000_000


def check_file(path) -> FileReport:
    """Check one file; an unusable one (or one too complex to check) gives a report whose ``error`` says why."""
    try:
        return _check(path)
    except (InputError, TooComplex) as error:
        return _unusable(path, error)


@bounded(FILE_SECONDS)
def _check(path) -> FileReport:
    loaded = load_file(path)
    if isinstance(loaded, DerivationFile):
        from derive.check.derivation_file import check_derivation  # needs SymPy
        return check_derivation(loaded)
    steps = judge(loaded)
    return FileReport(str(path), "worked", loaded.rule.name, loaded.title, steps, first_error(steps), loaded.expect,
                      findings=explain(loaded, steps))


def _unusable(path, error: Exception) -> FileReport:
    message = str(error)
    if not message.startswith(str(path)):
        message = f"{path}: {message}"
    return FileReport(str(path), "unusable", error=message)


def check_files(files, *, show_progress: bool = False, label: str = "check") -> list[FileReport]:
    """Check every file of ``files`` (worked or derivation), the worked files of plain numbers in
    groups; the reports in the order of ``files``, the same as :func:`check_file` gives."""
    files = list(files)
    found = _reports(files)
    if show_progress:
        found = progress(found, total=len(files), label=label)
    reports: list = [None] * len(files)
    for position, report in found:
        reports[position] = report
    return reports


def _reports(files: list):
    """(position, report) for every file, block by block, each report as soon as it is made."""
    for start in range(0, len(files), BLOCK):
        for position, report in _block(files[start:start + BLOCK]):
            yield start + position, report


def _block(files: list):
    heads, alone = [], []
    for position, path in enumerate(files):
        try:
            where, top = read_top(path)
            if plain_numbers(top):
                heads.append((position, path, worked_head(where, top)))
            else:
                alone.append(position)
        except (InputError, TooComplex) as error:
            yield position, _unusable(path, error)
    for position in alone:  # SymPy reads what the student wrote: one at a time, each under its budget
        yield position, check_file(files[position])
    loaded = []
    exacts = _exact_values([head for _, _, head in heads])
    for (position, path, head), exact in zip(heads, exacts):
        try:
            loaded.append((position, path, worked_tail(head, exact)))
        except InputError as error:
            yield position, _unusable(path, error)
    for (position, path, worked), steps in zip(loaded, judge_many([w for _, _, w in loaded])):
        yield position, FileReport(str(path), "worked", worked.rule.name, worked.title, steps, first_error(steps),
                                   worked.expect, findings=explain(worked, steps))


def _exact_values(heads: list) -> list[dict]:
    """The exact values of each head, one :func:`evaluate` per rule."""
    by_rule: dict[int, list[int]] = {}
    for position, head in enumerate(heads):
        by_rule.setdefault(id(head.rule), []).append(position)
    out: list = [None] * len(heads)
    for positions in by_rule.values():
        values = evaluate(heads[positions[0]].rule, [heads[p].inputs for p in positions])
        for position, exact in zip(positions, values):
            out[position] = exact
    return out


def evaluate(rule: NumericRule | str, points: list[dict]) -> list[dict]:
    """Every quantity of ``rule`` at each of ``points`` (each a dict of the rule's inputs, as arrays
    without the batch axis): the points of the same shapes are stacked along the batch axis and
    evaluated in one call of the rule's generated function. A row of the result is the same, bit
    for bit, as the point evaluated alone (:meth:`NumericRule.evaluate`).

    >>> evaluate("sigmoid_bce", [{"s": 0.0, "y": 1.0}, {"s": 2.0, "y": 0.0}])[1]["dL/ds"]  # doctest: +SKIP
    0.8807970779778823
    """
    if isinstance(rule, str):
        rule = numeric_rule(rule, "derive.check.batch.evaluate")
    points = [{name: np.asarray(value, dtype=float) for name, value in point.items()} for point in points]
    groups: dict[tuple, list[int]] = {}
    for position, point in enumerate(points):
        groups.setdefault(tuple((name, value.shape) for name, value in point.items()), []).append(position)
    out: list = [None] * len(points)
    for key, members in groups.items():
        numbers = max(1, sum(int(np.prod(shape)) for _, shape in key))
        step = max(1, EVALUATE_NUMBERS // numbers)
        for start in range(0, len(members), step):
            part = members[start:start + step]
            stacked = {naming.python_name(name): np.stack([points[p][name] for p in part]) for name, _ in key}
            with np.errstate(all="ignore"):
                result = {q: np.asarray(v, dtype=float) for q, v in rule.function(**stacked).items()}
            for row, position in enumerate(part):
                out[position] = {q: v[row] for q, v in result.items()}
    return out


__all__ = ["BLOCK", "FILE_SECONDS", "check_file", "check_files", "evaluate"]
