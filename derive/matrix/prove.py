r"""Every step of a matrix-form derivation, proven against component-wise differentiation.

A step claims ``∂f/∂u = G`` for a subexpression u of f. At the declared sizes, f is written
out by components (:mod:`derive.matrix.components`), u replaced by a matrix U of fresh symbols,
and SymPy differentiates f by each component of U: that matrix must equal G's components,
symbolically where the expressions are small enough to simplify (a fixed size limit, so the
method never depends on the machine's speed), else numerically at random points through the one
equality engine (:mod:`derive.engine.prove`). The same derivation is then made again at other
random sizes (:func:`other_sizes`) and must consist of the same steps, each
checked there against central finite differences in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.engine.budget import time_budget
from derive.engine.prove import SYMBOLIC_SECONDS, prove_equal
from derive.errors import InputError, TooComplex
from derive.matrix import expr as E
from derive.matrix.components import component_symbols, explicit, gradient_by_components
from derive.matrix.differentiate import Derivation, Step
from derive.matrix.numeric import evaluate, finite_difference_gradient, random_point
from derive.matrix.printing import latex

#: Largest total operation count (both sides, every component) tried symbolically. A property of
#: the expressions alone, so whether a step is proven "symbolic" or "numeric" never depends on load.
SYMBOLIC_OPS = 400
#: At most this many components (all variables together) are written out for SymPy, and matrices
#: inverted or under a determinant at most 3×3; larger derivations are proven by finite differences.
MAX_COMPONENTS = 48
EXPLICIT_SECONDS = 30.0
#: Relative tolerance of the finite-difference checks (central differences, float64).
FD_RTOL = 1e-6
FD_POINTS = 3
OTHER_SIZES = (1, 2)  # the seeds of the two other sets of sizes


class SizesFixed(Exception):
    """The formula holds its sizes in itself (a sum's number bounds): there are no other sizes."""


@dataclass(frozen=True)
class StepProof:
    ok: bool
    method: str          # at the declared sizes: "symbolic" or "numeric (...)"
    detail: str = ""     # why not, where it failed

    def __bool__(self) -> bool:
        return self.ok


def prove_step(derivation: Derivation, step: Step) -> StepProof:
    """The step at the declared sizes: by SymPy on the components where they are few enough to write
    out, else by central finite differences."""
    if not step.paths:
        return _numeric_zero(derivation)
    if _writable(derivation.forward):
        try:
            with time_budget(EXPLICIT_SECONDS):
                return _by_components(derivation, step)
        except TooComplex:
            pass  # a safety net only: _writable keeps every case measured well inside the budget
    problem = _finite_differences(derivation, step, np.random.default_rng(0))
    return StepProof(not problem, f"finite differences (float64, {FD_POINTS} points)", problem)


def _writable(tree: E.Node) -> bool:
    """Whether the components are few enough for SymPy: a fixed rule on the sizes, never on time."""
    components = sum(rows * cols for rows, cols in E.variables(tree).values())
    return components <= MAX_COMPONENTS and all(_small(node) for node in _nodes(tree))


def _small(node: E.Node) -> bool:
    """An inverse or a determinant written out stays small: of a 2×2 anything, of a 3×3 only a
    matrix as given (det(A X B) of 3×3s expands to thousands of terms)."""
    if isinstance(node, E.Reduce) and node.function in ("inverse", "det", "logdet"):
        body = node.body.body if isinstance(node.body, E.Transpose) else node.body
        return node.body.shape[0] <= 2 or (node.body.shape[0] == 3 and isinstance(body, E.Var))
    return True


def _nodes(tree: E.Node):
    yield tree
    for child in tree.children:
        yield from _nodes(child)


def _by_components(derivation: Derivation, step: Step) -> StepProof:
    if step.kind == "rewrite":
        lhs, rhs = explicit(derivation.forward), explicit(derivation.stable)
    else:
        lhs, _ = gradient_by_components(derivation.stable, step.paths, step.target.shape)
        rhs = explicit(step.gradient)
    lefts, rights = np.array(list(lhs), dtype=object), np.array(list(rhs), dtype=object)
    ops = sum(sp.count_ops(e) for e in list(lefts) + list(rights))
    seconds = SYMBOLIC_SECONDS if ops <= SYMBOLIC_OPS else 0.0
    shapes = E.variables(derivation.stable)
    constraints = {}
    for name in derivation.sums_to_one:  # y_n = 1 − (y_1 + … + y_{n−1})
        parts = list(component_symbols(name, shapes[name]))
        constraints[parts[-1]] = 1 - sp.Add(*parts[:-1])
    proof = prove_equal(lefts, rights, sample=_sampler(derivation.stable, derivation.sums_to_one),
                        symbolic_seconds=seconds, constraints=constraints or None)
    return StepProof(proof.ok, proof.method, "" if proof.ok else proof.detail)


def _numeric_zero(derivation: Derivation) -> StepProof:
    return StepProof(True, "f does not contain the variable")


def summing_to_one(point: dict, names) -> dict:
    """``point`` with the vectors ``names`` made positive and summing to 1 (over their own axis)."""
    point = dict(point)
    for name in names:
        magnitude = np.abs(np.asarray(point[name], dtype=float)) + 0.05
        point[name] = magnitude / magnitude.sum(axis=-2, keepdims=True)
    return point


def _sampler(tree: E.Node, sums_to_one=()):
    """Random values of the components, where f is defined (positive where a log needs it...)."""
    shapes = E.variables(tree)

    def sample(rng, symbols, n):
        point = summing_to_one(random_point(tree, rng, batch=(n,)), sums_to_one)
        values = {}
        for name, shape in shapes.items():
            array = np.asarray(point[name], dtype=float).reshape((n,) + tuple(shape))
            for (i, j), symbol in np.ndenumerate(np.array(component_symbols(name, shape), dtype=object)):
                values[symbol] = array[:, i, j]
        return {s: values.get(s, rng.uniform(0.2, 1.2, n)) for s in symbols}
    return sample


def prove_at_other_sizes(derivation: Derivation, rebuild: Callable[[dict], Derivation],
                         shapes: dict, seed: int = 0) -> list[str]:
    r"""Derive again at other sizes; [] when the same steps come out and each agrees with finite
    differences there, else what went wrong (one line per problem). A formula that fixes its own
    sizes (number bounds, \sum_{i=1}^{3}) cannot be read at others: :class:`SizesFixed`."""
    problems = []
    for shift in OTHER_SIZES:
        resized = other_sizes(shapes, seed=shift)
        try:
            other = rebuild(resized)
        except InputError as error:
            raise SizesFixed(str(error)) from None
        except Exception as error:  # noqa: BLE001 - reported, not raised: the declared sizes worked
            problems.append(f"at {_sizes_text(resized)}: {error}")
            continue
        if _outline(other) != _outline(derivation):
            problems.append(f"at {_sizes_text(resized)}: the derivation takes other steps")
            continue
        problems += [f"at {_sizes_text(resized)}, step {number}: {why}"
                     for number, step in enumerate(other.steps, 1)
                     for why in [_finite_differences(other, step, np.random.default_rng(seed + shift))]
                     if why]
    return problems


def other_sizes(shapes: dict, seed: int) -> dict:
    """``shapes`` with every size above 1 replaced by a random size from 2 to 6 (sizes that were equal
    stay equal, sizes that differed differ), drawn from ``seed``: the same every run."""
    sizes = sorted({n for shape in shapes.values() for n in shape if n > 1})
    rng = np.random.default_rng(seed)
    pool = list(range(2, 7 + len(sizes)))
    while True:
        chosen = [int(v) for v in rng.choice(pool, size=len(sizes), replace=False)]
        if chosen != sizes or not sizes:
            break
    new = dict(zip(sizes, chosen))
    return {name: tuple(new.get(n, n) for n in shape) for name, shape in shapes.items()}


def _sizes_text(shapes: dict) -> str:
    return ", ".join(f"{name}={E.shape_text(shape)}" for name, shape in shapes.items()
                     if tuple(shape) != E.SCALAR)


def _outline(derivation: Derivation) -> list:
    return [(latex(s.target), latex(s.gradient), s.why, s.kind) for s in derivation.steps]


def _finite_differences(derivation: Derivation, step: Step, rng) -> str:
    """'' when ∂f/∂u = G agrees with central differences at FD_POINTS random points."""
    for _ in range(FD_POINTS):
        values = summing_to_one(random_point(derivation.stable, rng), derivation.sums_to_one)
        if step.kind == "rewrite":
            mine, expected = evaluate(derivation.stable, values), evaluate(derivation.forward, values)
        elif not step.paths:
            continue
        else:
            stand_in = E.var("U__", step.target.shape)
            with_u = E.replace_paths(derivation.stable, list(step.paths), stand_in)
            at = dict(values, U__=evaluate(step.target, values))
            expected = finite_difference_gradient(with_u, at, "U__")
            mine = evaluate(step.gradient, values)
        if not np.allclose(mine, expected, rtol=FD_RTOL, atol=FD_RTOL * (1 + np.abs(expected).max())):
            gap = float(np.abs(np.asarray(mine) - np.asarray(expected)).max())
            return f"differs from finite differences by {gap:.3g}"
    return ""
