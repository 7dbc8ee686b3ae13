"""Prove two realized expressions equal, and say how.

The prover's use of the one equality engine (:mod:`derive.engine.equality`):
symbolic first, within ``symbolic_seconds`` of CPU time, with the inputs'
constraints substituted (y_K = 1 − Σ_{k<K} y_k for a one-hot y); where that does
not succeed, numerically at :data:`POINTS` random points that the caller's
sampler draws from the inputs' domains (an integral over the real line by
quadrature). A proof records the method that succeeded; a failure records a
counterexample, with both sides' values there.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.engine.equality import NUMPY_FUNCTIONS, SYMBOLIC, Equality, equal_numerically, equal_symbolically

POINTS = 30
#: CPU seconds for the symbolic attempt. Measured over every proof of ``derive run``: the slowest
#: attempt that succeeds takes 3.6 s (lstm_step's dL/dz against SymPy's diff), the slowest that
#: fails gives up by itself after 4.5 s. With 15 s no attempt is cut short, so whether a step is
#: proven symbolically depends on SymPy alone, not on the machine or its load.
SYMBOLIC_SECONDS = 15.0

#: A proof is an :class:`~derive.engine.equality.Equality`; ``ok`` when proven.
Proof = Equality


def prove_equal(lhs: np.ndarray, rhs: np.ndarray, *, sample, constraints=None,
                symbolic_seconds: float = SYMBOLIC_SECONDS, points: int = POINTS, seed: int = 0) -> Proof:
    """Prove every component of ``lhs`` equal to the same component of ``rhs``.

    ``sample(rng, symbols, n)`` returns a value array of length n for each symbol.
    """
    lhs, rhs = np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object)
    if lhs.shape != rhs.shape:
        return Proof(False, "shape", f"shapes differ: {lhs.shape} and {rhs.shape}")
    lefts, rights = [sp.sympify(e) for e in lhs.ravel()], [sp.sympify(e) for e in rhs.ravel()]
    if equal_symbolically(zip(lefts, rights), constraints=constraints, seconds=symbolic_seconds):
        return Proof(True, SYMBOLIC)
    symbols = sorted(set().union(*(e.free_symbols for e in lefts + rights)), key=str)
    values = sample(np.random.default_rng(seed), symbols, points)
    return equal_numerically(lefts, rights, {s: np.asarray(values[s], dtype=float) for s in symbols},
                             points, quadrature=True)


__all__ = ["NUMPY_FUNCTIONS", "POINTS", "Proof", "prove_equal"]
