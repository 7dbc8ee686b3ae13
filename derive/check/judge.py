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

Many files at once
------------------
:func:`judge_group` judges files of one rule with the same input shapes and the same
answered quantities together: every array above gains a leading axis of files, each
generated function is called once for the whole group (each move of each file one row
of the batch), and the statuses are arrays of files. :func:`judge` is a group of one,
so that a file judged alone and a file judged among thousands go through the same
arithmetic: the rows of a generated function do not depend on one another, and the
moves of a file add up in their own order (one after the other, a move without
uncertainty adding nothing), whatever the files beside it. :func:`judge_many` groups
any list of files and judges each group.

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
#: The most numbers one propagation through a chain of unwritten quantities may compute per file
#: (rows x sizes); above it the chain is followed step by step (cheaper, and an upper bound of the
#: whole-chain spread).
CHAIN_WORK = 4_000_000
#: The most numbers one batched call of a generated function holds (rows x numbers per row).
BATCH_NUMBERS = 1_000_000
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
    """Numbers for JSON, nested as the array: a number that is not finite is null."""
    array = np.asarray(array, dtype=float)
    if np.isfinite(array).all():
        return array.tolist()
    if array.ndim == 0:
        return None
    return [_json(a) for a in array]


def judge(worked: WorkedFile) -> list[StepResult]:
    """The steps of one worked file, in dependency order."""
    return judge_group([worked])[0]


def group_key(worked: WorkedFile) -> tuple:
    """Files with the same key are judged together: one rule, the same input shapes, the same answers."""
    return id(worked.rule), tuple((n, a.shape) for n, a in worked.inputs.items()), tuple(worked.answers)


def judge_many(files: list[WorkedFile]) -> list[list[StepResult]]:
    """The steps of each file, the files grouped by :func:`group_key` and each group judged at once."""
    groups: dict[tuple, list[int]] = {}
    for position, worked in enumerate(files):
        groups.setdefault(group_key(worked), []).append(position)
    out: list = [None] * len(files)
    for positions in groups.values():
        for position, steps in zip(positions, judge_group([files[p] for p in positions])):
            out[position] = steps
    return out


def judge_group(files: list[WorkedFile]) -> list[list[StepResult]]:
    """The steps of files that share a :func:`group_key`, judged together (the module's docstring)."""
    return _Group(files).judge()


def first_error(steps: list[StepResult]) -> str | None:
    return next((s.name for s in steps if s.status == "wrong"), None)


def _stack(arrays) -> np.ndarray:
    return np.stack([np.asarray(a, dtype=float) for a in arrays])


def _per_file(vector: np.ndarray, ndim: int) -> np.ndarray:
    """A value per file, shaped to broadcast against arrays of files with ``ndim`` axes of their own."""
    return vector.reshape(vector.shape + (1,) * ndim)


@dataclass
class _Slot:
    """One number that moves, in every file of a propagation: by + and − its amount in each file."""

    argument: str
    index: tuple
    amount: np.ndarray  # (files,)
    strict: bool


class _Group:
    """The student's own numbers through the whole graph of a rule, for a group of files.

    Every input is as given, every answer as written, and every quantity the students did
    not write is recomputed from those (``FROM_DEPENDENCIES``, in dependency order). A
    quantity none of whose ancestors was written is the exact value (nothing of the
    student's stands in its way); one that cannot be recomputed (a codegen defect) too.
    Every array has a leading axis of files.
    """

    def __init__(self, files: list[WorkedFile]):
        first = files[0]
        self.files = files
        self.count = len(files)
        self.rule = first.rule
        self.input_names = set(first.inputs)
        self.answered = tuple(first.answers)
        self.exact = {q: _stack(w.exact[q] for w in files) for q in self.rule.quantities if q in first.exact}
        self.given = {q: _stack(w.answers[q].values for w in files) for q in self.answered}
        self.has_tolerance = np.array([w.tolerance is not None for w in files])
        self.tolerance_abs = np.array([w.tolerance.abs if w.tolerance is not None else 0.0 for w in files],
                                      dtype=float)
        self.tolerance_rel = np.array([w.tolerance.rel if w.tolerance is not None else 0.0 for w in files],
                                      dtype=float)
        self.own = {q: self._tolerance_of(self.given[q], _stack(w.answers[q].uncertainty for w in files))
                    for q in self.answered}
        self.values = {n: _stack(w.inputs[n] for w in files) for n in first.inputs}
        self.fixed: set[str] = set()  # unwritten quantities that are leaves at their exact value
        self._above: dict[str, tuple] = {}  # unwritten quantity -> (answers, unwritten quantities) it comes from
        for name in self.rule.quantities:
            if name in self.given:
                self.values[name] = self.given[name]
                continue
            value = self._evaluate(name)
            if value is None:  # it cannot be recomputed: the exact value, fixed
                self.fixed.add(name)
                self.values[name] = self.exact[name]
                continue
            uses, hidden = self.sources(name)
            self.values[name] = value if uses else self.exact[name]
            self._above[name] = (uses, hidden | {name})

    def _tolerance_of(self, values: np.ndarray, otherwise: np.ndarray) -> np.ndarray:
        """The declared tolerance (abs + rel·|value|) in the files that declare one, ``otherwise`` elsewhere."""
        ndim = values.ndim - 1
        declared = _per_file(self.tolerance_abs, ndim) + _per_file(self.tolerance_rel, ndim) * np.abs(values)
        return np.where(_per_file(self.has_tolerance, ndim), declared, otherwise)

    def arguments(self, name: str) -> tuple:
        return self.rule.from_dependencies[name][1]

    def sources(self, name: str) -> tuple[set, set]:
        """The answers the recomputation of ``name`` uses, and the unwritten quantities on the way."""
        uses, hidden = set(), set()
        for argument in self.arguments(name):
            if argument == name or argument in self.input_names:
                continue
            if argument in self.given:
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
            return _call(function, {a: self.values[a] for a in arguments}, self.count, self.exact[name].shape[1:])
        except _DEFECTS:
            return None

    def judge(self) -> list[list[StepResult]]:
        status: dict[str, np.ndarray] = {}  # name -> the verdict of each file
        results: list[list[StepResult]] = [[] for _ in self.files]
        for name in self.answered:
            given, expected, own = self.given[name], self.exact[name], self.own[name]
            slack = SLACK_ABS + SLACK_REL * np.maximum(np.abs(given), np.abs(expected))
            close_exact = np.abs(given - expected) <= own + slack
            recomputed, propagated, uses = self.recompute(name, status, own)
            allowed = None
            if recomputed is not None:
                allowed = own + propagated + slack + SLACK_REL * np.abs(recomputed)
                with np.errstate(invalid="ignore"):
                    close_own = np.abs(given - recomputed) <= allowed
            else:
                close_own = np.zeros_like(close_exact)
            flat = (self.count, -1)
            from_correct = np.ones(self.count, dtype=bool)
            for used in uses:
                from_correct &= status[used] == "correct"
            verdict = np.where(close_exact.reshape(flat).all(axis=1), "correct",
                               np.where((close_exact | close_own).reshape(flat).all(axis=1),
                                        np.where(from_correct, "correct", "carried"), "wrong"))
            status[name] = verdict
            tolerance = own + slack
            for f, worked in enumerate(self.files):
                answer = worked.answers[name]
                results[f].append(StepResult(
                    name, str(verdict[f]), answer.values, worked.exact[name],
                    recomputed[f] if recomputed is not None else None, tolerance[f], answer.texts, list(uses),
                    allowed[f] if allowed is not None else None))
        return results

    def recompute(self, name: str, status: dict, own: np.ndarray):
        """``name`` from the students' numbers, its propagated uncertainty, and the answers used.

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
            u = self.own[answer]
            correct = _per_file(status[answer] == "correct", u.ndim - 1)
            spread[answer] = np.where(correct, np.minimum(u, np.abs(self.given[answer] - self.exact[answer])), u)
        rounding = {h: self._rounding(h, own) for h in hidden}
        # per file: the whole chain at once (every path from a number to the answer), or step by step
        rows = 2 * sum(np.count_nonzero(u.reshape(self.count, -1), axis=1)
                       for u in (*spread.values(), *rounding.values()))
        work = rows * sum(self.values[q][0].size for q in (*hidden, name))
        whole = np.asarray(work <= CHAIN_WORK) if (spread or rounding) else np.ones(self.count, dtype=bool)
        propagated = np.zeros(base.shape)
        for chosen, follow in ((whole, self._whole_chain), (~whole, self._step_by_step)):
            files = np.flatnonzero(chosen)
            if files.size:
                part = slice(None) if files.size == self.count else files
                propagated[part] = follow(part, name, hidden, spread, rounding, base)
        return base, propagated, uses

    def _whole_chain(self, files, name, hidden, spread, rounding, base) -> np.ndarray:
        slots = _slots(spread, files, strict=True) + _slots(rounding, files, strict=False)
        return self._propagate(files, name, hidden, slots, base[files])

    def _step_by_step(self, files, name, hidden, spread, rounding, base) -> np.ndarray:
        """Each unwritten quantity's own uncertainty, in order (an upper bound of the whole chain's)."""
        spread = {a: u[files] for a, u in spread.items()}
        for h in hidden:
            moves = {a: spread[a] for a in self.arguments(h) if a in spread}
            spread[h] = self._propagate(files, h, [], _slots(moves, None, strict=True), self.values[h][files]) \
                + rounding[h][files]
        moves = {a: spread[a] for a in self.arguments(name) if a in spread}
        return self._propagate(files, name, [], _slots(moves, None, strict=True), base[files])

    def _rounding(self, name: str, own: np.ndarray) -> np.ndarray:
        value = self.values[name]
        largest = own.reshape(self.count, -1).max(axis=1)
        return self._tolerance_of(value, np.broadcast_to(_per_file(largest, value.ndim - 1), value.shape))

    def _propagate(self, files, name: str, hidden: list, slots: list, base: np.ndarray) -> np.ndarray:
        """How far ``name`` moves in each file when each number of ``slots`` moves by ± its amount.

        The quantities in ``hidden`` are recomputed on the way (a move of one of them is
        added to its recomputed value); the rest are fixed at ``self.values``. The larger of
        the two moves of each number add up, one after the other: linear, worst-case
        propagation. A recomputation that is not finite makes a strict move unbounded; a
        rounding move that leaves the domain of a function (the student could not have
        taken that value) is left out; a number without uncertainty does not move.
        """
        order = hidden + [name]
        reach = {}  # quantity -> the names whose move changes it
        for q in order:
            reach[q] = {q}.union(*({a} | reach.get(a, set()) for a in self.arguments(q)))
        needed = set(order) | {a for q in order for a in self.arguments(q)}
        values = {a: self.values[a][files] for a in needed if a in self.values}
        count = base.shape[0]
        per_row = sum(v[0].size for v in values.values()) + base[0].size
        block = max(1, BATCH_NUMBERS // (2 * per_row))  # files per call, with one number moving
        propagated = np.zeros(base.shape)
        for start in range(0, count, block):
            part = slice(start, start + block)
            here = {a: v[part] for a, v in values.items()}
            total = propagated[part]
            step = max(1, BATCH_NUMBERS // (2 * per_row * here[name].shape[0]))
            for first in range(0, len(slots), step):
                chunk = slots[first:first + step]
                with np.errstate(invalid="ignore"):
                    moved = np.abs(self._moved(name, order, reach, chunk, part, here, base[part]) - base[part])
                    strict = np.array([s.strict for s in chunk]).reshape((-1,) + (1,) * (base.ndim))
                    worst = np.where(np.isfinite(moved), moved, np.nan)
                    pairs = np.where(strict, np.where(np.isfinite(moved).all(axis=1), moved.max(axis=1), np.inf),
                                     np.nan_to_num(np.fmax(worst[:, 0], worst[:, 1]), nan=0.0))
                    moving = np.stack([s.amount[part] > 0 for s in chunk])
                    pairs = np.where(_per_file(moving, base.ndim - 1), pairs, 0.0)
                    # one after the other, from the total so far: the same sum in any group
                    total = np.cumsum(np.concatenate([total[None], pairs]), axis=0)[-1]
            propagated[part] = total
        return propagated

    def _moved(self, name, order, reach, chunk, part, values, base) -> np.ndarray:
        """``name`` at each move of ``chunk``, in every file: (moves, ±, files) + its shape."""
        size = (len(chunk), 2)
        batch = {}

        def rows_of(argument):
            if argument not in batch:
                value = values[argument]
                batch[argument] = np.broadcast_to(value, size + value.shape)
            return batch[argument]

        def shift(array, argument):
            for k, slot in enumerate(chunk):
                if slot.argument == argument:
                    amount = slot.amount[part]
                    array[(k, 0, slice(None)) + slot.index] += amount
                    array[(k, 1, slice(None)) + slot.index] += -amount

        for argument in {s.argument for s in chunk}:
            if argument not in order:
                batch[argument] = rows_of(argument).copy()
                shift(batch[argument], argument)
        for q in order:  # each recomputed only for the moves of something above it
            function, arguments = self.rule.from_dependencies[q]
            own = base if q == name else values[q]
            out = np.broadcast_to(own, size + own.shape).copy()
            touched = [k for k, s in enumerate(chunk) if s.argument in reach[q]]
            if touched:
                rows = len(touched) * 2 * own.shape[0]
                inputs = {a: rows_of(a)[touched].reshape((rows,) + values[a].shape[1:]) for a in arguments}
                out[touched] = _call(function, inputs, rows, own.shape[1:]).reshape(
                    (len(touched), 2) + own.shape)
            shift(out, q)
            batch[q] = out
        return batch[name]


def _slots(spread: dict, files, *, strict: bool) -> list:
    """A :class:`_Slot` for each number of each argument of ``spread`` (in the files ``files``, or all)."""
    slots = []
    for argument, u in spread.items():
        if files is not None:
            u = u[files]
        for index in np.ndindex(u.shape[1:]):
            slots.append(_Slot(argument, index, u[(slice(None),) + index], strict))
    return slots


def _call(function, values: dict, batch: int, shape) -> np.ndarray:
    """A FROM_DEPENDENCIES function on a batch; the result is (batch,) + the quantity's shape."""
    with np.errstate(all="ignore"):
        out = function(**{naming.python_name(k): np.asarray(v, dtype=float) for k, v in values.items()})
    return np.broadcast_to(np.asarray(out, dtype=float), (batch,) + tuple(shape))
