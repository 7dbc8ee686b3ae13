"""Judge each answer of a worked example: ``correct``, ``carried`` or ``wrong``.

How it works
------------
For each answered quantity, in the rule's dependency order:

1. **exact**: the answer is compared with the exact value (the rule's NumPy
   function at the file's inputs), each number within its own written
   uncertainty (see :mod:`derive.check.worked`). All numbers close: ``correct``.
2. **recomputed**: the quantity is recomputed from the student's own earlier
   answers with the generated ``FROM_DEPENDENCIES[q]`` (the exact value stands in
   for a dependency the student did not answer). The student's earlier numbers
   are rounded, so the comparison allows, besides this answer's own uncertainty,
   the *propagated* rounding of those numbers: each one is moved by ± its
   uncertainty (a correct one only by its distance to the exact value: what the
   student carried lies between the two), all moves in one batched call, and
   the changes of the recomputed value add up (linear, worst-case propagation). Every number close
   to the exact or to the recomputed value: ``correct`` when the answers used are
   all ``correct`` (rounded values carried forward are not mistakes), else
   ``carried`` (one of them is wrong, or itself carried: the error came from there).
3. otherwise ``wrong``. ``first_error`` is the earliest ``wrong`` step.

Example (softmax_ce, o = [2, 1, 0.1], y = [1, 0, 0]): the student writes
ŷ = [0.66, 0.24, 0.10] (correct: exact 0.659, 0.242, 0.0900 within ±0.005) and
L = 0.416 (exact 0.4170, ±0.0005: no; recomputed −log 0.66 = 0.4155 ±(0.0005 +
0.005/0.66): yes, from correct answers: ``correct``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from derive import naming
from derive.check.worked import WorkedFile

SLACK_REL = 1e-9
SLACK_ABS = 1e-12
CHUNK = 256


@dataclass
class StepResult:
    """The verdict on one answered quantity."""

    name: str
    status: str
    given: np.ndarray
    expected: np.ndarray
    recomputed: np.ndarray | None
    tolerance: np.ndarray  # allowed distance from the exact value, per number
    texts: np.ndarray
    uses: list = field(default_factory=list)  # the student's answers the recomputation used

    def to_json(self) -> dict:
        return {"name": self.name, "status": self.status, "given": _json(self.given),
                "expected": _json(self.expected),
                "recomputed": _json(self.recomputed) if self.recomputed is not None else None,
                "uses": list(self.uses)}


def _json(array):
    array = np.asarray(array, dtype=float)
    if array.ndim == 0:
        value = float(array)
        return value if np.isfinite(value) else None
    return [_json(a) for a in array]


def judge(worked: WorkedFile) -> list[StepResult]:
    """The steps of one worked file, in dependency order."""
    status: dict[str, str] = {}
    results = []
    for name, answer in worked.answers.items():
        given, expected = answer.values, worked.exact[name]
        own = _uncertainty(worked, name)
        slack = SLACK_ABS + SLACK_REL * np.maximum(np.abs(given), np.abs(expected))
        close_exact = np.abs(given - expected) <= own + slack
        recomputed, propagated, uses = _recompute(worked, name, status)
        if recomputed is not None:
            with np.errstate(invalid="ignore"):
                close_own = np.abs(given - recomputed) <= own + propagated + slack + SLACK_REL * np.abs(recomputed)
        else:
            close_own = np.zeros_like(close_exact)
        if close_exact.all():
            verdict = "correct"
        elif (close_exact | close_own).all():
            verdict = "correct" if all(status[u] == "correct" for u in uses) else "carried"
        else:
            verdict = "wrong"
        status[name] = verdict
        results.append(StepResult(name, verdict, given, expected, recomputed, own + slack, answer.texts, uses))
    return results


def first_error(steps: list[StepResult]) -> str | None:
    return next((s.name for s in steps if s.status == "wrong"), None)


def _uncertainty(worked: WorkedFile, name: str) -> np.ndarray:
    """How far each written number of ``name`` may be from the value it stands for."""
    answer = worked.answers[name]
    if worked.tolerance is not None:
        return worked.tolerance.of(answer.values)
    return answer.uncertainty


def _recompute(worked: WorkedFile, name: str, status: dict):
    """The quantity from the student's own earlier answers, its propagated uncertainty, the answers used.

    A correct earlier answer was rounded from (about) the exact value, so whatever the
    student carried forward lies between the written and the exact number: it moves by
    at most that distance. A wrong one may have been carried with more digits than
    written: it moves by its whole uncertainty.
    """
    function, arguments = worked.rule.from_dependencies[name]
    values, uses = {}, []
    for argument in arguments:
        if argument in worked.inputs:
            values[argument] = worked.inputs[argument]
        elif argument in worked.answers and argument != name:
            values[argument] = worked.answers[argument].values
            uses.append(argument)
        elif argument in worked.exact:
            values[argument] = worked.exact[argument]
        else:
            return None, None, []
    shape = worked.exact[name].shape
    try:
        base = _call(function, {k: v[None] for k, v in values.items()}, 1, shape)[0]
    except (NameError, ValueError, TypeError, IndexError, KeyError):
        return None, None, []  # a generated function that cannot recompute this quantity (a codegen defect)
    # Move each number of each answer used by ± its uncertainty, in batches of CHUNK points.
    moves = []
    for argument in uses:
        u = _uncertainty(worked, argument)
        if status[argument] == "correct":
            u = np.minimum(u, np.abs(worked.answers[argument].values - worked.exact[argument]))
        for index in (i for i in np.ndindex(u.shape) if u[i] > 0):
            for sign in (1.0, -1.0):
                moves.append((argument, index, sign * u[index]))
    propagated = np.zeros_like(base)
    for start in range(0, len(moves), CHUNK):  # CHUNK is even: a chunk holds whole ± pairs
        chunk = moves[start:start + CHUNK]
        batch = {k: np.repeat(v[None], len(chunk), axis=0) for k, v in values.items()}
        for row, (argument, index, shift) in enumerate(chunk):
            batch[argument][(row,) + index] += shift
        moved = np.abs(_call(function, batch, len(chunk), shape) - base)
        pairs = moved.reshape((len(chunk) // 2, 2) + base.shape).max(axis=1)
        with np.errstate(invalid="ignore"):
            propagated = propagated + np.where(np.isfinite(pairs), pairs, np.inf).sum(axis=0)
    return base, propagated, uses


def _call(function, values: dict, batch: int, shape) -> np.ndarray:
    """A FROM_DEPENDENCIES function on a batch; the result is (batch,) + the quantity's shape."""
    with np.errstate(all="ignore"):
        out = function(**{naming.python_name(k): np.asarray(v, dtype=float) for k, v in values.items()})
    return np.broadcast_to(np.asarray(out, dtype=float), (batch,) + tuple(shape))
