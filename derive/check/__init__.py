r"""Check hand calculations: worked-example files and multi-step derivation files.

Public API (what ``derive check`` and ``derive run`` call)
----------------------------------------------------------
* ``check_paths(paths) -> list[FileReport]``: every file named, and every
  ``*.yaml`` / ``*.yml`` under a folder named (recursively, sorted). A file whose
  content is unusable gives a report with ``.error`` (a one-line message naming
  the file and the field); a path that does not exist raises
  :class:`derive.errors.InputError`. The worked files of plain numbers are checked in
  groups, by rule and shapes (:mod:`derive.check.batch`); ``check_file(path)`` checks
  one alone, with the same report.
* ``check_paths_dask(paths, scheduler=None)``: the same over partitions of the files on
  Dask (:mod:`derive.check.on_dask`; the optional extra ``derive[dask]``).
* ``evaluate(rule, points)``: every quantity of a rule at many points, stacked into one
  call of its generated function per shape (:func:`derive.check.batch.evaluate`).
* :class:`FileReport`: ``.path``, ``.rule``, ``.kind`` ("worked", "derivation" or
  "unusable"), ``.ok`` (no mistake found), ``.first_error``, ``.steps``,
  ``.expect`` (the file's ``expect:`` block), ``.expected_failure`` (the file
  declares deliberate mistakes), ``.as_expected`` (the findings match the
  declaration; without one: the file is ok), ``.mismatches``, ``.error``,
  ``.to_json()``.
* ``format_table(reports) -> str``: the readable report with a summary line.
* ``derive.check.equiv.check_equivalence(rule, quantity, latex)`` (``derive equiv``;
  it needs SymPy, so it is imported from its module).

Files
-----
A **worked example** is the contract's format (``rule``, ``title``, ``inputs``,
``answers``, ``tolerance: {abs, rel}``). Its rule is found by :mod:`derive.registry`,
and each input must lie in the domain the rule declares for it (a one-hot target,
a number in [0, 1], a distribution that adds up to 1, a positive rate; see
:mod:`derive.engine.domains`): a value outside, NaN or an infinity is unusable
input, never judged. A **derivation** has ``lines`` instead::

    rule: sigmoid_bce        # optional; without it every name is a free variable
    quantity: dL/ds          # optional: what the last line must reach
    lines:                   # each claimed equal to the one before
      - latex: '-\left(\frac{y}{\hat{y}} - \frac{1-y}{1-\hat{y}}\right)\hat{y}(1-\hat{y})'
        why: the sigmoid's derivative      # optional, the student's reason
      - '\hat{y} - y'                     # a bare string is a line without a reason

Either may declare its deliberate mistakes (an extension of the contract's
format), so that ``derive run`` reports them as expected findings::

    expect:
      first_error: dL/do     # worked: the earliest wrong step; derivation: a line number; null: none
      statuses: {L: carried} # worked: any subset of the answered quantities
      reaches: false         # derivation: whether the last line is the quantity
      ok: false              # optional, both
      slips: {dL/do: sign}   # worked: the kind of slip the report names (derive.check.slips.KINDS)
      mistake: sign flipped  # free text

Each answer that is not ``correct`` also gets a :class:`derive.check.slips.Finding`
(``FileReport.findings``): the kind of slip, the numbers off and the accepted range.

Precision: a number is judged by the digits written (``0.60``: ± 0.005; ``1.5e-3``:
± 0.5e-4; a whole number ``1`` is exact; the decimals inside a quoted LaTeX answer
are propagated through it); see :mod:`derive.check.worked` and, for the statuses
``correct`` / ``carried`` / ``wrong``, :mod:`derive.check.judge`.

Checking a file of plain numbers needs NumPy and PyYAML only; SymPy and the
LaTeX adapter are imported the first time a file needs them (a quoted LaTeX
answer, a derivation file), so that ``derive check`` starts fast; Dask is imported
only when asked for. Those are the reasons for the deferred imports here and in
:mod:`derive.check.worked`.
"""

from __future__ import annotations

import os
from pathlib import Path

from derive.check.batch import FILE_SECONDS, check_file, check_files, evaluate
from derive.check.report import FileReport, format_report, format_table
from derive.errors import InputError
from derive.paths import user_path
from derive.progress import progress

SUFFIXES = (".yaml", ".yml")


def files_under(paths) -> list[Path]:
    """The files to check: each file named, and the YAML files under each folder named."""
    found: list[Path] = []
    for raw in paths:
        path = user_path(raw, "PATH")
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                raise InputError("cannot read the folder (permission denied)", path=str(path))
            inside = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not inside:
                raise InputError("the folder has no YAML files (*.yaml, *.yml)", path=str(path))
            found += inside
        elif path.is_file():
            found.append(path)
        elif path.exists():
            raise InputError("not a regular file or folder (expected a YAML file or a folder of them)",
                             path=str(path))
        else:
            raise InputError("no such file or folder", path=str(path))
    return found


def check_paths(paths, *, batch: bool = True) -> list[FileReport]:
    """Check every file named and every YAML file under every folder named.

    The worked files of plain numbers are checked in groups (:func:`derive.check.batch.check_files`);
    ``batch=False`` checks every file alone (:func:`check_file`): the reports are the same.
    """
    files = files_under(paths)
    if batch:
        return check_files(files, show_progress=len(files) > 1)
    return [check_file(p) for p in (progress(files, label="check") if len(files) > 1 else files)]


def check_paths_dask(paths, scheduler: str | None = None, **options) -> list[FileReport]:
    """:func:`check_paths` over partitions of the files on Dask (``pip install derive[dask]``): local
    processes by default, the cluster at ``scheduler`` (an address) when given; see
    :mod:`derive.check.on_dask`."""
    from derive.check.on_dask import check_paths_dask as on_dask  # Dask only when asked

    return on_dask(paths, scheduler, **options)


__all__ = ["FILE_SECONDS", "FileReport", "check_file", "check_files", "check_paths", "check_paths_dask", "evaluate",
           "files_under", "format_report", "format_table"]
