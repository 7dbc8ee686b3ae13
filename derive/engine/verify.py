"""Verify a rule: every step, every stable form, every gradient against SymPy's diff.

The checks, at each of the rule's proof sizes:

1. **steps**: each step's right-hand side equals its left-hand side (the
   previous right-hand side when the step continues a chain);
2. **result**: a derivation's last right-hand side equals the quantity it derives;
3. **diff**: each gradient quantity ``dA/dB`` equals SymPy's ``diff`` of A by the
   components of B (with B held as an independent variable when it is itself a
   quantity);
4. **stable**: each numerically stable form equals its definition.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.engine.domains import Unit
from derive.engine.prove import SYMBOLIC_SECONDS, Proof, prove_equal
from derive.engine.realize import Realizer
from derive.progress import progress
from derive.symbolic.arrays import _object_array

LEAF_DOMAIN = Unit()


@dataclass
class Check:
    kind: str  # "step", "result", "diff", "stable"
    subject: str  # the quantity, or the derivation's target
    position: int | None  # step number (1-based) for steps
    sizes: dict
    proof: Proof

    def describe(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        what = f"{self.subject} step {self.position}" if self.position else self.subject
        return f"{self.kind}: {what}" + (f" at {where}" if where else "")


@dataclass
class RuleReport:
    rule: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.proof.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.proof.ok]

    def step_methods(self, target: str) -> dict[int, set[str]]:
        """For each step of a derivation, the methods that proved it across sizes."""
        methods: dict[int, set[str]] = {}
        for c in self.checks:
            if c.kind == "step" and c.subject == target:
                methods.setdefault(c.position, set()).add(c.proof.method if c.proof.ok else "FAILED")
        return methods


def sampler_for(rule, realizer: Realizer):
    """Random values for every component symbol, drawn from its input's domain."""
    components = realizer.free_components()
    owner = {}
    for name, array in components.items():
        domain = rule.inputs[name].domain if name in rule.inputs else LEAF_DOMAIN
        for index in np.ndindex(array.shape):
            owner[array[index]] = (name, index, domain)

    def sample(rng, symbols, n):
        drawn = {name: (rule.inputs[name].domain if name in rule.inputs else LEAF_DOMAIN)
                 .sample(rng, (n,) + array.shape) for name, array in components.items()}
        values = {}
        for s in symbols:
            if s in owner:
                name, index, _ = owner[s]
                values[s] = drawn[name][(slice(None),) + index]
            else:
                values[s] = rng.normal(size=n)
        return values

    return sample


def constraints_for(rule, realizer: Realizer) -> dict:
    subs = {}
    for name, array in realizer.free_components().items():
        if name in rule.inputs:
            subs.update(rule.inputs[name].domain.constraints(array))
    return subs


def _prove(rule, realizer, lhs, rhs, seconds) -> Proof:
    return prove_equal(lhs, rhs, sample=sampler_for(rule, realizer),
                       constraints=constraints_for(rule, realizer), symbolic_seconds=seconds)


def verify_rule(rule, sizes_list=None, *, symbolic_seconds: float = SYMBOLIC_SECONDS,
                show_progress: bool = False) -> RuleReport:
    """Prove every step, stable form and gradient of ``rule`` at each of its proof sizes;
    ``show_progress``: count the derivations proven on a terminal's standard error."""
    # a rule may ask for less: where SymPy cannot decide its steps anyway (an LSTM unrolled in time),
    # the numeric proof comes at once instead of after the full budget each time
    if rule.symbolic_seconds is not None:
        symbolic_seconds = min(symbolic_seconds, rule.symbolic_seconds)
    report = RuleReport(rule.name)
    work = [(sizes, derivation) for sizes in sizes_list or rule.proof_sizes
            for derivation in [*rule.derivations, None]]  # None: the stable forms and gradients
    for sizes, derivation in (progress(work, label=f"proving {rule.name}") if show_progress else work):
        if derivation is not None:
            report.checks += _verify_derivation(rule, derivation, sizes, symbolic_seconds)
        else:
            report.checks += _verify_stable_forms(rule, sizes, symbolic_seconds)
            report.checks += _verify_gradients(rule, sizes, symbolic_seconds)
    return report


def _index_assignments(rule, derivation, sizes):
    """(free index values, the target's component) for every value of the derivation's indices.

    An index that is a symbol runs over its axis; an integer fixes the component.
    """
    if not derivation.index:
        return [({}, None)]
    realizer = Realizer(rule, sizes)
    shape = realizer.concrete_shape(rule.quantities[derivation.target].shape)
    ranges = [range(1, n + 1) if isinstance(i, sp.Symbol) else [int(i)]
              for i, n in zip(derivation.index, shape)]
    out = []
    for values in itertools.product(*ranges):
        free = {i: v for i, v in zip(derivation.index, values) if isinstance(i, sp.Symbol)}
        out.append((free, tuple(v - 1 for v in values)))
    return out


def _verify_derivation(rule, derivation, sizes, seconds) -> list[Check]:
    checks: list[Check] = []
    proofs: dict[int, list[Proof]] = {}
    result_proofs: list[Proof] = []
    for indices, component in _index_assignments(rule, derivation, sizes):
        realizer = Realizer(rule, sizes, indices=indices, leaves=derivation.hold)
        previous = None
        for number, step in enumerate(derivation.steps, start=1):
            lhs = realizer(step.lhs) if step.lhs is not None else previous
            rhs = realizer(step.rhs)
            proofs.setdefault(number, []).append(_prove(rule, realizer, lhs, rhs, seconds))
            previous = rhs
        target = realizer(rule.quantities[derivation.target].symbol)
        if component is not None:
            target = _object_array(target[component])
        result_proofs.append(_prove(rule, realizer, previous, target, seconds))
    for number, found in proofs.items():
        checks.append(Check("step", derivation.target, number, sizes, _combine(found)))
    checks.append(Check("result", derivation.target, None, sizes, _combine(result_proofs)))
    return checks


def _combine(proofs: list[Proof]) -> Proof:
    for p in proofs:
        if not p.ok:
            return p
    methods = sorted({p.method for p in proofs}, key=lambda m: (m != "symbolic", m))
    return Proof(True, methods[-1] if len(methods) > 1 else methods[0])


def _verify_stable_forms(rule, sizes, seconds) -> list[Check]:
    checks = []
    realizer = Realizer(rule, sizes)
    for q in rule.quantities.values():
        if q.stable is not None:
            proof = _prove(rule, realizer, realizer(q.stable), realizer(q.definition), seconds)
            checks.append(Check("stable", q.name, None, sizes, proof))
    return checks


def _verify_gradients(rule, sizes, seconds) -> list[Check]:
    checks = []
    for q, of, wrt in rule.gradient_quantities():
        leaves = {wrt} if wrt in rule.quantities else set()
        realizer = Realizer(rule, sizes, leaves=leaves)
        function = realizer(rule.quantities[of].symbol)
        if function.shape != ():
            continue  # only scalar functions have a gradient of the variable's shape
        variable = realizer(rule.symbol(wrt))
        by_sympy = np.frompyfunc(lambda v: sp.diff(function[()], v), 1, 1)(variable)
        by_sympy = by_sympy if isinstance(by_sympy, np.ndarray) else _object_array(by_sympy)
        checks.append(Check("diff", q.name, None, sizes,
                            _prove(rule, realizer, realizer(q.symbol), by_sympy, seconds)))
    return checks
