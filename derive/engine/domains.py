"""Where a rule's inputs live: random samples for numeric proofs and tests,
and the algebraic constraints (Σ_k y_k = 1) that symbolic proofs may use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Real:
    """Any real number; samples are normal with the given scale."""

    scale: float = 1.0

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        return rng.normal(0.0, self.scale, size=shape)

    def constraints(self, components: np.ndarray) -> dict:
        return {}


@dataclass(frozen=True)
class Positive:
    """A positive number (a learning rate, a penalty weight)."""

    low: float = 0.05
    high: float = 1.0

    def sample(self, rng, shape):
        return rng.uniform(self.low, self.high, size=shape)

    def constraints(self, components):
        return {}


@dataclass(frozen=True)
class Unit:
    """A number in (0, 1), such as a probability or a 0/1 target relaxed to [0, 1]."""

    def sample(self, rng, shape):
        return rng.uniform(0.05, 0.95, size=shape)

    def constraints(self, components):
        return {}


@dataclass(frozen=True)
class OneHot:
    """A one-hot target. Identities proven for it hold on the whole simplex Σ_k y_k = 1,
    so proofs sample the simplex and substitute y_K = 1 − Σ_{k<K} y_k."""

    def sample(self, rng, shape):
        return rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]) if shape else np.ones(shape)

    def sample_one_hot(self, rng, shape):
        classes = rng.integers(0, shape[-1], size=shape[:-1])
        return np.eye(shape[-1])[classes]

    def constraints(self, components):
        flat = list(np.ravel(components))
        return {flat[-1]: 1 - sp.Add(*flat[:-1])}


@dataclass(frozen=True)
class NonZero:
    """A real number away from 0, for inputs of |w| or sign(w) (kinks at 0)."""

    low: float = 0.1
    high: float = 1.5

    def sample(self, rng, shape):
        magnitude = rng.uniform(self.low, self.high, size=shape)
        return magnitude * rng.choice([-1.0, 1.0], size=shape)

    def constraints(self, components):
        return {}
