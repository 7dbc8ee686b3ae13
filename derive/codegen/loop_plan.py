"""Which quantities of a loop's cell run step by step, and which after the loop.

A loop over time (:mod:`derive.codegen.recurrence`) needs step by step only what the next step
reads: going forward, the state and what it takes; going backward, the gradient handed back and
what it takes. :class:`Plan` splits the cell's quantities so; the rest (the output layer, the
loss, the weight gradients) runs once after each loop, on the arrays of every step.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from derive.codegen.stable import complements, generated_form, softmax_pairs


def depends_on(cell, names: set) -> set:
    """The quantities of the cell that depend, directly or not, on any of ``names``."""
    reached = set()
    for q in cell.quantities:
        if set(cell.dependencies(q)) & (names | reached):
            reached.add(q)
    return reached


def used_names(expr) -> set:
    """The names of the symbols ``expr`` reads."""
    return {s.name for s in sp.sympify(expr).free_symbols if isinstance(s, sp.Symbol)}


def shared_sums(rule, params) -> dict:
    """The quantities of ``rule`` (the cell or the head) summed over the batch when a weight of the
    loop (one of ``params``) is shared: quantity -> that weight."""
    return {q: with_ for q, with_ in rule.summed_quantities().items() if with_ in params}


def loop_params(loop) -> list[str]:
    """The cell's inputs given once for all steps: its weights and biases."""
    cell = loop.cell
    return [n for n in cell.inputs if n not in loop.sequences and n not in loop.state and n not in loop.carry]


def statement_owners(cell) -> dict:
    """The quantity whose statement computes each quantity: a hidden complement (1 − σ) comes
    from its parent's kernel, ŷ from the log-sum-exp's; any other quantity from its own."""
    owner = {name: name for name in cell.quantities}
    for parent, complement in complements(cell).items():
        owner[complement.name] = parent
    for lse, y_hat in softmax_pairs(cell).items():
        owner[y_hat] = lse
    return owner


def statement_reads(cell, name: str, owner: dict) -> set:
    """The names that the statement computing ``name`` reads (its partners' reads included)."""
    members = {m for m in cell.quantities if owner[m] == owner[name]}
    return set().union(*(used_names(generated_form(cell, cell.quantities[m])) for m in members)) - members


def needed_for(cell, targets, within: list, owner: dict) -> list:
    """The quantities of ``within`` that computing ``targets`` takes, ``targets`` included: what
    must run step by step because the next step reads it (the state, or the gradient handed back)."""
    needed, todo = set(), [t for t in targets if t in within]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed |= {m for m in within if owner[m] == owner[name]}
        todo += [r for r in statement_reads(cell, name, owner) if r in within and r not in needed]
    return [q for q in within if q in needed]


@dataclasses.dataclass
class Plan:
    """Which quantities a loop computes step by step and which after it, for every step at once.

    Only what the next step reads runs in the loop (the state, the gradient handed back, and
    what they take); the rest (the output layer, the loss, the weight gradients) waits for the
    loop's end and runs once on the (N, T, ...) arrays of every step: one matrix product over N·T
    rows where the loop would make T small ones, and T times fewer NumPy calls."""
    forward_steps: list
    forward_after: list
    backward_steps: list
    backward_after: list
    owner: dict

    @classmethod
    def of(cls, loop, forward: list, backward: list) -> Plan:
        cell, owner = loop.cell, statement_owners(loop.cell)
        forward_steps = needed_for(cell, [q for q, _ in loop.state.values()], forward, owner)
        backward_steps = needed_for(cell, list(loop.carry.values()), backward, owner)
        plan = cls(forward_steps, [q for q in forward if q not in forward_steps],
                   backward_steps, [q for q in backward if q not in backward_steps], owner)
        plan.check(loop)
        return plan

    def reads(self, cell, names) -> set:
        return set().union(*(statement_reads(cell, n, self.owner) for n in names)) if names else set()

    def check(self, loop):
        """What runs after the loop must have a value per example and step (it reads a sequence,
        a state or a handed-back gradient), and no other quantity reads a sum over the batch."""
        cell = loop.cell
        per_step = set(loop.sequences) | set(loop.state) | set(loop.carry)
        varying = set(per_step)
        for q in cell.quantities:
            if statement_reads(cell, q, self.owner) & varying:
                varying.add(q)
        for q in self.forward_after + self.backward_after:
            if q not in varying:
                raise ValueError(f"{loop.name}: {q} is the same at every step; the loop computes it after the steps")
        sums = shared_sums(cell, loop_params(loop))
        if self.reads(cell, self.forward_after + self.backward_after) & set(sums):
            raise ValueError(f"{loop.name}: a quantity after the loop reads a sum over the batch")
