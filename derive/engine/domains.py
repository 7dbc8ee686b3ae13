"""Where a rule's inputs live: random samples for numeric proofs and tests, the
algebraic constraints (Σ_k y_k = 1) that symbolic proofs may use, and the test
that a given value lies there (a worked file's ``y: [1, 1, 0]`` is refused, not judged).

A domain is declared once per rule input (``rule.input("y", (K,), OneHot())``);
the generated NumPy module records its ``kind`` (``DOMAINS = {"y": "one_hot"}``)
and :func:`by_kind` turns that back into the domain object, so the worked-file
checker tests values without importing SymPy. ``holds(values, slack)`` answers
per number for an element-wise domain and per vector (the last axis) for
:class:`Simplex` and :class:`OneHot`; ``expected`` says in words what it wants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class _Free:
    """A domain whose components are free of one another: no constraint for the proofs."""

    def constraints(self, components) -> dict:
        return {}


@dataclass(frozen=True)
class Real(_Free):
    """Any real number; samples are normal with the given scale."""

    scale: float = 1.0
    kind = "real"
    elementwise = True
    expected = "a finite number"

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        return rng.normal(0.0, self.scale, size=shape)

    def holds(self, values: np.ndarray, slack: np.ndarray | None = None) -> np.ndarray:
        return np.isfinite(values)


@dataclass(frozen=True)
class Positive(_Free):
    """A positive number (a learning rate, a penalty weight)."""

    low: float = 0.05
    high: float = 1.0
    kind = "positive"
    elementwise = True
    expected = "a positive number"

    def sample(self, rng, shape):
        return rng.uniform(self.low, self.high, size=shape)

    def holds(self, values, slack=None):
        return np.isfinite(values) & (values > 0)


@dataclass(frozen=True)
class Unit(_Free):
    """A number in [0, 1], such as a probability or a 0/1 target relaxed to [0, 1];
    samples stay inside (0, 1), away from log 0."""

    kind = "unit"
    elementwise = True
    expected = "a number from 0 to 1 (a probability, or a 0/1 target)"

    def sample(self, rng, shape):
        return rng.uniform(0.05, 0.95, size=shape)

    def holds(self, values, slack=None):
        return np.isfinite(values) & (values >= 0) & (values <= 1)


#: The most by which a written distribution's sum may miss 1 through rounding.
ROUNDED_SUM = 0.01


@dataclass(frozen=True)
class Simplex:
    """A probability distribution over K outcomes: p_k >= 0 and Σ_k p_k = 1. Proofs
    sample the simplex and substitute p_K = 1 − Σ_{k<K} p_k. A given distribution may
    miss 1 by the rounding of its written digits (``slack``: 0.33 is 0.33 ± 0.005), by
    at most ``ROUNDED_SUM``: [0.33, 0.33, 0.33] is a distribution, [0.5, 0.6] a slip."""

    kind = "simplex"
    elementwise = False
    expected = "a probability distribution (numbers from 0 to 1 that add up to 1)"

    def sample(self, rng, shape):
        return rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]) if shape else np.ones(shape)

    def constraints(self, components):
        """Each distribution's last component is 1 minus the others (each row's, for a matrix of them)."""
        components = np.asarray(components, dtype=object)
        rows = components.reshape(-1, components.shape[-1]) if components.ndim else components.reshape(1, 1)
        return {row[-1]: 1 - sum(row[:-1]) for row in rows}

    def holds(self, values, slack=None):
        values = np.atleast_1d(values)
        slack = np.zeros_like(values) if slack is None else np.broadcast_to(slack, values.shape)
        inside = np.all(np.isfinite(values) & (values >= -slack) & (values <= 1 + slack), axis=-1)
        tolerance = np.minimum(slack.sum(axis=-1), ROUNDED_SUM) + 1e-9
        return inside & (np.abs(values.sum(axis=-1) - 1) <= tolerance)


@dataclass(frozen=True)
class OneHot(Simplex):
    """A one-hot target: one 1, the rest 0. Identities proven for it hold on the whole
    simplex Σ_k y_k = 1, so proofs sample the simplex (and the checker of hand-derived
    formulas also its corners, :meth:`sample_one_hot`); a given target must be one-hot."""

    kind = "one_hot"
    expected = "a one-hot vector (one 1, the rest 0)"

    def sample_one_hot(self, rng, shape):
        classes = rng.integers(0, shape[-1], size=shape[:-1])
        return np.eye(shape[-1])[classes]

    def holds(self, values, slack=None):
        values = np.atleast_1d(values)
        return np.all((values == 0) | (values == 1), axis=-1) & (np.sum(values == 1, axis=-1) == 1)


@dataclass(frozen=True)
class NonZero(_Free):
    """A real number away from 0, for inputs of |w| or sign(w) (kinks at 0)."""

    low: float = 0.1
    high: float = 1.5
    kind = "nonzero"
    elementwise = True
    expected = "a number other than 0 (the rule has a kink at 0, where its derivative is undefined)"

    def sample(self, rng, shape):
        magnitude = rng.uniform(self.low, self.high, size=shape)
        return magnitude * rng.choice([-1.0, 1.0], size=shape)

    def holds(self, values, slack=None):
        return np.isfinite(values) & (values != 0)


@dataclass(frozen=True)
class Sign(_Free):
    """A label of the Rosenblatt perceptron: +1 or −1 (the notes' "출력값: 1 또는 -1")."""

    kind = "sign"
    elementwise = True
    expected = "+1 or -1 (a label of the perceptron)"

    def sample(self, rng, shape):
        return rng.choice([-1.0, 1.0], size=shape)

    def holds(self, values, slack=None):
        return (values == 1) | (values == -1)


@dataclass(frozen=True)
class Binary(_Free):
    """A mask of 0s and 1s (dropout's: 1 keeps a unit, 0 drops it)."""

    kind = "binary"
    elementwise = True
    expected = "0 or 1 (a mask: 1 keeps a unit, 0 drops it)"

    def sample(self, rng, shape):
        return rng.integers(0, 2, size=shape).astype(float)

    def holds(self, values, slack=None):
        return (values == 0) | (values == 1)


@dataclass(frozen=True)
class Rate(_Free):
    """A rate from 0 up to, but not including, 1 (dropout's p: 1 would drop every unit and
    divide by 0); samples stay inside (0.05, 0.8)."""

    kind = "rate"
    elementwise = True
    expected = "a number from 0 up to, but not including, 1 (a rate)"

    def sample(self, rng, shape):
        return rng.uniform(0.05, 0.8, size=shape)

    def holds(self, values, slack=None):
        return np.isfinite(values) & (values >= 0) & (values < 1)


@dataclass(frozen=True)
class NonNegative(_Free):
    """A number from 0 on (a running average of squares, 0 before the first step)."""

    kind = "nonnegative"
    elementwise = True
    expected = "a number from 0 on"

    def sample(self, rng, shape):
        return rng.uniform(0.0, 1.0, size=shape)

    def holds(self, values, slack=None):
        return np.isfinite(values) & (values >= 0)


@dataclass(frozen=True)
class Count(_Free):
    """A whole number from 1 on (an optimizer's step t)."""

    kind = "count"
    elementwise = True
    expected = "a whole number from 1 on (a step count)"

    def sample(self, rng, shape):
        return rng.integers(1, 10, size=shape).astype(float)

    def holds(self, values, slack=None):
        return np.isfinite(values) & (values >= 1) & (values == np.round(values))


DOMAINS = (Real, Positive, Unit, Simplex, OneHot, NonZero, Sign, Binary, Rate, NonNegative, Count)


def by_kind(kind: str):
    """The domain object of a recorded ``kind`` (the generated modules' ``DOMAINS``)."""
    for domain in DOMAINS:
        if domain.kind == kind:
            return domain()
    raise ValueError(f"unknown domain kind {kind!r}")
