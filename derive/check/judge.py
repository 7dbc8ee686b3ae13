"""Judge each answer of a worked example: ``correct``, ``carried`` or ``wrong``.

How it works
------------
For each answered quantity, in the rule's dependency order:

1. **exact**: the answer is compared with the exact value (the rule's NumPy
   function at the file's inputs), each number within its own written
   uncertainty (see :mod:`derive.check.worked`). All numbers close: ``correct``.
2. **recomputed**: the quantity is recomputed from the student's own numbers with
   the generated ``FROM_DEPENDENCIES[q]``, through the whole graph: a dependency the
   student did not write is itself recomputed from *its* dependencies, and so on up
   to the student's written answers and the inputs (the exact value stands in only
   for a quantity none of whose ancestors was written). The student's numbers are
   rounded, so the comparison allows, besides this answer's own uncertainty, the
   *propagated* rounding: each written number used is moved by ± its uncertainty (a
   correct one only by its distance to the exact value: what the student carried
   lies between the two), and each number of an unwritten quantity on the way by ±
   the rounding the student may have given it (as coarse as this answer is written,
   or the declared tolerance); the chain is evaluated at all these moves in batched
   calls, and the changes of the recomputed value add up (linear, worst-case
   propagation; a very large chain is followed step by step instead, an upper bound
   of the same). Every number close to the exact or to the recomputed value:
   ``correct`` when the answers used are all ``correct`` (rounded values carried
   forward are not mistakes), else ``carried`` (one of them is wrong, or itself
   carried: the error came from there).
3. otherwise ``wrong``. ``first_error`` is the earliest ``wrong`` step.

Example (softmax_ce, o = [2, 1, 0.1], y = [1, 0, 0]): the student writes
ŷ = [0.66, 0.24, 0.10] (correct: exact 0.659, 0.242, 0.0900 within ±0.005) and
L = 0.416 (exact 0.4170, ±0.0005: no; recomputed −log 0.66 = 0.4155 ±(0.0005 +
0.005/0.66): yes, from correct answers: ``correct``).

Example (lstm_step, through unwritten steps): the student writes o, dL/do and
dL/dW_o to four decimals, but not dL/ds_o. dL/dW_o is recomputed as dL/ds_o z^T with
dL/ds_o = dL/do ⊙ o ⊙ (1 − o) from the student's own o and dL/do; the moves of o and
dL/do and of dL/ds_o (± 0.00005, the student may have rounded it too) all reach dL/dW_o
through the chain. Had o been a slip carried consistently, dL/dW_o would be ``carried``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from derive import naming
from derive.check.worked import WorkedFile

SLACK_REL = 1e-9
SLACK_ABS = 1e-12
CHUNK = 256
#: The most numbers one propagation through a chain of unwritten quantities may compute (rows x sizes);
#: above it the chain is followed step by step (cheaper, and an upper bound of the whole-chain spread).
CHAIN_WORK = 4_000_000
#: What a generated function raises when it cannot recompute a quantity (a codegen defect).
_DEFECTS = (NameError, ValueError, TypeError, IndexError, KeyError)


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
    allowed: np.ndarray | None = None  # allowed distance from the recomputed value, per number

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
    graph = _StudentGraph(worked)
    for name, answer in worked.answers.items():
        given, expected = answer.values, worked.exact[name]
        own = _uncertainty(worked, name)
        slack = SLACK_ABS + SLACK_REL * np.maximum(np.abs(given), np.abs(expected))
        close_exact = np.abs(given - expected) <= own + slack
        recomputed, propagated, uses = graph.recompute(name, status, own)
        allowed = None
        if recomputed is not None:
            allowed = own + propagated + slack + SLACK_REL * np.abs(recomputed)
            with np.errstate(invalid="ignore"):
                close_own = np.abs(given - recomputed) <= allowed
        else:
            close_own = np.zeros_like(close_exact)
        if close_exact.all():
            verdict = "correct"
        elif (close_exact | close_own).all():
            verdict = "correct" if all(status[u] == "correct" for u in uses) else "carried"
        else:
            verdict = "wrong"
        status[name] = verdict
        results.append(StepResult(name, verdict, given, expected, recomputed, own + slack, answer.texts, uses,
                                  allowed))
    return results


def first_error(steps: list[StepResult]) -> str | None:
    return next((s.name for s in steps if s.status == "wrong"), None)


def _uncertainty(worked: WorkedFile, name: str) -> np.ndarray:
    """How far each written number of ``name`` may be from the value it stands for."""
    answer = worked.answers[name]
    if worked.tolerance is not None:
        return worked.tolerance.of(answer.values)
    return answer.uncertainty


class _StudentGraph:
    """The student's own numbers through the whole graph of a rule.

    Every input is as given, every answer as written, and every quantity the student did
    not write is recomputed from those (``FROM_DEPENDENCIES``, in dependency order). A
    quantity none of whose ancestors was written is the exact value (nothing of the
    student's stands in its way); one that cannot be recomputed (a codegen defect) too.
    """

    def __init__(self, worked: WorkedFile):
        self.worked = worked
        self.rule = worked.rule
        self.values = dict(worked.inputs)
        self.fixed: set[str] = set()  # unwritten quantities that are leaves at their exact value
        self._above: dict[str, tuple] = {}  # unwritten quantity -> (answers, unwritten quantities) it comes from
        for name in self.rule.quantities:
            if name in worked.answers:
                self.values[name] = worked.answers[name].values
                continue
            value = self._evaluate(name)
            if value is None:  # it cannot be recomputed: the exact value, fixed
                self.fixed.add(name)
                self.values[name] = worked.exact[name]
                continue
            uses, hidden = self.sources(name)
            self.values[name] = value if uses else worked.exact[name]
            self._above[name] = (uses, hidden | {name})

    def arguments(self, name: str) -> tuple:
        return self.rule.from_dependencies[name][1]

    def sources(self, name: str) -> tuple[set, set]:
        """The answers the recomputation of ``name`` uses, and the unwritten quantities on the way."""
        uses, hidden = set(), set()
        for argument in self.arguments(name):
            if argument == name or argument in self.worked.inputs:
                continue
            if argument in self.worked.answers:
                uses.add(argument)
            elif argument in self._above and argument not in self.fixed:
                more_uses, more_hidden = self._above[argument]
                uses |= more_uses
                hidden |= more_hidden
        return uses, hidden

    def _evaluate(self, name: str):
        function, arguments = self.rule.from_dependencies[name]
        if any(self.values.get(a) is None for a in arguments):
            return None
        try:
            return _call(function, {a: self.values[a][None] for a in arguments}, 1,
                         self.worked.exact[name].shape)[0]
        except _DEFECTS:
            return None

    def recompute(self, name: str, status: dict, own: np.ndarray):
        """``name`` from the student's numbers, its propagated uncertainty, and the answers used.

        A correct answer used was rounded from (about) the exact value, so whatever the
        student carried forward lies between the written and the exact number: it moves by
        at most that distance. A wrong one may have been carried with more digits than
        written: it moves by its whole uncertainty. Each unwritten quantity on the way
        may have been rounded by the student as coarsely as this answer is written
        (its largest uncertainty), or by the declared tolerance.
        """
        if name not in self.rule.from_dependencies or any(a not in self.values for a in self.arguments(name)):
            return None, None, []
        base = self._evaluate(name)
        if base is None:
            return None, None, []
        uses, hidden = self.sources(name)
        uses = [q for q in self.rule.quantities if q in uses]
        hidden = [q for q in self.rule.quantities if q in hidden]
        spread = {}
        for answer in uses:
            u = _uncertainty(self.worked, answer)
            if status[answer] == "correct":
                u = np.minimum(u, np.abs(self.worked.answers[answer].values - self.worked.exact[answer]))
            spread[answer] = u
        rounding = {h: self._rounding(h, own) for h in hidden}
        rows = 2 * sum(int(np.count_nonzero(u)) for u in (*spread.values(), *rounding.values()))
        work = rows * sum(self.values[q].size for q in (*hidden, name))
        if work <= CHAIN_WORK:  # the whole chain at once: every path from a number to the answer
            moves = _moves(spread, strict=True) + _moves(rounding, strict=False)
            propagated = self._propagate(name, hidden, moves, base)
        else:  # step by step: each unwritten quantity's own uncertainty (an upper bound of the above)
            for h in hidden:
                moves = _moves({a: spread[a] for a in self.arguments(h) if a in spread}, strict=True)
                value = self.values[h]
                spread[h] = self._propagate(h, [], moves, value) + rounding[h]
            moves = _moves({a: spread[a] for a in self.arguments(name) if a in spread}, strict=True)
            propagated = self._propagate(name, [], moves, base)
        return base, propagated, uses

    def _rounding(self, name: str, own: np.ndarray) -> np.ndarray:
        value = self.values[name]
        if self.worked.tolerance is not None:
            return self.worked.tolerance.of(value)
        return np.full(value.shape, float(np.max(own)) if own.size else 0.0)

    def _propagate(self, name: str, hidden: list, moves: list, base: np.ndarray) -> np.ndarray:
        """How far ``name`` moves when each number of ``moves`` moves by ± its amount.

        The quantities in ``hidden`` are recomputed on the way (a move of one of them is
        added to its recomputed value); the rest are fixed at ``self.values``. The larger of
        the two moves of each number add up: linear, worst-case propagation. A recomputation
        that is not finite makes a strict move unbounded; a rounding move that leaves the
        domain of a function (the student could not have taken that value) is left out.
        """
        order = hidden + [name]
        reach = {}  # quantity -> the names whose move changes it
        for q in order:
            reach[q] = {q}.union(*({a} | reach.get(a, set()) for a in self.arguments(q)))
        propagated = np.zeros_like(base)
        for start in range(0, len(moves), CHUNK):  # CHUNK is even: a chunk holds whole ± pairs
            chunk = moves[start:start + CHUNK]
            with np.errstate(invalid="ignore"):
                moved = np.abs(self._moved(name, order, reach, chunk, base) - base)
                moved = moved.reshape((len(chunk) // 2, 2) + base.shape)
                strict = np.array([m[3] for m in chunk[::2]]).reshape((-1,) + (1,) * base.ndim)
                worst = np.where(np.isfinite(moved), moved, np.nan)
                pairs = np.where(strict, np.where(np.isfinite(moved).all(axis=1), moved.max(axis=1), np.inf),
                                 np.nan_to_num(np.fmax(worst[:, 0], worst[:, 1]), nan=0.0))
                propagated = propagated + pairs.sum(axis=0)
        return propagated

    def _moved(self, name: str, order: list, reach: dict, chunk: list, base: np.ndarray) -> np.ndarray:
        """``name`` at each move of ``chunk`` (one row each), recomputing ``order`` on the way."""
        size = len(chunk)
        rows: dict[str, list] = {}  # moved name -> its rows in the chunk
        for row, move in enumerate(chunk):
            rows.setdefault(move[0], []).append(row)
        batch = {}

        def rows_of(argument):
            if argument not in batch:
                batch[argument] = np.repeat(np.asarray(self.values[argument], dtype=float)[None], size, axis=0)
            return batch[argument]

        def shift(array, argument):
            for row in rows.get(argument, ()):
                array[(row,) + chunk[row][1]] += chunk[row][2]

        for argument in rows:
            if argument not in order:
                shift(rows_of(argument), argument)
        for q in order:  # each recomputed only in the rows that move something above it
            function, arguments = self.rule.from_dependencies[q]
            out = np.repeat((base if q == name else self.values[q])[None], size, axis=0)
            touched = sorted(r for a in reach[q] for r in rows.get(a, ()))
            if touched:
                out[touched] = _call(function, {a: rows_of(a)[touched] for a in arguments}, len(touched),
                                     out.shape[1:])
            shift(out, q)
            batch[q] = out
        return batch[name]


def _moves(spread: dict, *, strict: bool) -> list:
    """(name, index, ± amount, strict) for each number with an uncertainty, the two signs side by side."""
    moves = []
    for argument, u in spread.items():
        for index in (i for i in np.ndindex(u.shape) if u[i] > 0):
            for sign in (1.0, -1.0):
                moves.append((argument, index, sign * u[index], strict))
    return moves


def _call(function, values: dict, batch: int, shape) -> np.ndarray:
    """A FROM_DEPENDENCIES function on a batch; the result is (batch,) + the quantity's shape."""
    with np.errstate(all="ignore"):
        out = function(**{naming.python_name(k): np.asarray(v, dtype=float) for k, v in values.items()})
    return np.broadcast_to(np.asarray(out, dtype=float), (batch,) + tuple(shape))
