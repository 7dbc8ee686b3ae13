r"""Values of matrix expressions: a tree evaluated on NumPy arrays, random points, finite differences.

Every array here is in *matrix form*: a leading batch shape (possibly empty), then the node's
(rows, cols), so a vector x of length 3 is ``(..., 3, 1)`` and a scalar ``(..., 1, 1)``. Then
every node is one NumPy operation that broadcasts over the batch: ``Wx`` is ``W @ x`` whether W
is shared (2, 3) and x batched (5, 3, 1) or both batched, a scalar factor (..., 1, 1) scales an
array by plain broadcasting, and the reductions (softmax, log-sum-exp) run along the vector
axis −2. :func:`as_matrix` and :func:`from_matrix` convert from and to the shapes a user writes
((3,) for a vector, () for a scalar).

The stable primitives (:func:`_sigmoid`, :func:`_softmax`, :func:`_logsumexp`, :func:`_logdet`)
are written once, here: :mod:`derive.matrix.numpy_code` copies their source into the modules
it generates, so generated code and :func:`evaluate` compute the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from derive.errors import InputError
from derive.matrix.expr import (
    Add,
    Apply,
    Hadamard,
    Identity,
    MatMul,
    Node,
    Number,
    Ones,
    Power,
    Quotient,
    Reduce,
    Scale,
    Transpose,
    Var,
    Zero,
    variables,
)


# -- shapes: the user's and the matrix form -----------------------------------------------------------
def user_shape(shape: tuple) -> tuple:
    """The shape a user writes for a matrix-form shape: (1, 1) -> (), (3, 1) -> (3,), (2, 3) -> (2, 3)."""
    rows, cols = shape
    if (rows, cols) == (1, 1):
        return ()
    if cols == 1:
        return (rows,)
    return (rows, cols)


def _named(name_shape) -> tuple[str | None, tuple]:
    """``(name, shape)`` or a bare matrix-form ``shape`` -> (name or None, shape)."""
    if len(name_shape) == 2 and isinstance(name_shape[0], str):
        return name_shape[0], tuple(name_shape[1])
    return None, tuple(name_shape)


def as_matrix(name_shape, array) -> np.ndarray:
    """``array`` (a batch, then the user's shape: (3,) for a vector, () for a scalar) in matrix form.

    ``name_shape`` is the variable's matrix-form shape, e.g. ``(3, 1)``, or a ``(name, shape)``
    pair so that an error names the variable. The result is a view: ``x[..., :, None]``.
    """
    name, shape = _named(name_shape)
    array = np.asarray(array, dtype=np.float64)
    want = user_shape(shape)
    if array.ndim < len(want) or array.shape[array.ndim - len(want):] != want:
        what = f"{name} has" if name else "an array of"
        raise InputError(f"{what} shape {array.shape}; expected {want} after any batch axes")
    if len(want) == 0:
        return array[..., None, None]
    if len(want) == 1:
        return array[..., :, None]
    return array


def from_matrix(shape: tuple, array) -> np.ndarray:
    """A matrix-form ``array`` (a batch, then ``shape``) in the user's shape: batch for a scalar,
    batch + (n,) for a vector, batch + (r, c) for a matrix."""
    array = np.asarray(array)
    shape = tuple(shape)
    if array.shape[array.ndim - 2:] != shape:
        raise InputError(f"an array of shape {array.shape} does not end in the matrix shape {shape}")
    if shape == (1, 1):
        return array[..., 0, 0]
    if shape[1] == 1:
        return array[..., 0]
    return array


# -- the stable primitives (copied verbatim into generated modules) -----------------------------------
def _sigmoid(a):
    """σ(a) = 1 / (1 + e^{−a}) from e^{−|a|}, which never overflows."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


def _softmax(a):
    """softmax of the columns (axis −2), shifted by each column's largest entry."""
    z = np.exp(a - np.max(a, axis=-2, keepdims=True))
    return z / np.sum(z, axis=-2, keepdims=True)


def _logsumexp(a):
    """log Σ_k e^{a_k} of the columns (axis −2) as a (..., 1, 1) scalar, shifted by the largest entry."""
    m = np.max(a, axis=-2, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # a column of ±inf: shift by nothing
    return m + np.log(np.sum(np.exp(a - m), axis=-2, keepdims=True))


def _logdet(a):
    """log det a from the LU factors (never the overflowing det itself); nan where det a ≤ 0."""
    sign, value = np.linalg.slogdet(a)
    return np.where(sign > 0, value, np.nan)[..., None, None]


# -- one NumPy function per element-wise function and reduction -------------------------------------
def _softplus(a):
    return np.logaddexp(0.0, a)


def _relu(a):
    return np.maximum(a, 0.0)


def _step(a):
    """The ReLU's slope: 1 where a > 0, else 0 (0 at 0, and for nan)."""
    return np.where(a > 0, 1.0, 0.0)


ELEMENTWISE = {"sigmoid": _sigmoid, "tanh": np.tanh, "exp": np.exp, "log": np.log,
               "softplus": _softplus, "relu": _relu, "sqrt": np.sqrt, "abs": np.abs,
               "sign": np.sign, "step": _step}

_BOTH_AXES = {"axis": (-2, -1), "keepdims": True}


def _sqnorm(a):
    return np.sum(a * a, **_BOTH_AXES)


def _norm2(a):
    return np.sqrt(_sqnorm(a))


def _norm1(a):
    return np.sum(np.abs(a), **_BOTH_AXES)


def _total(a):
    return np.sum(a, **_BOTH_AXES)


def _trace(a):
    return np.trace(a, axis1=-2, axis2=-1)[..., None, None]


def _det(a):
    return np.linalg.det(a)[..., None, None]


def _diag(a):
    """diag of a column (..., n, 1): the (..., n, n) matrix with it on the diagonal."""
    return a * np.eye(a.shape[-2])


REDUCTIONS = {"softmax": _softmax, "lse": _logsumexp, "norm2": _norm2, "norm1": _norm1,
              "sqnorm": _sqnorm, "trace": _trace, "total": _total, "inverse": np.linalg.inv,
              "logdet": _logdet, "det": _det, "diag": _diag}


def power(a, exponent: sp.Rational):
    """a ** exponent, element-wise; ½ as a square root and −1 as a reciprocal (as generated code)."""
    if exponent == sp.Rational(1, 2):
        return np.sqrt(a)
    if exponent == -1:
        return 1.0 / a
    if exponent.is_integer:
        return a ** int(exponent)
    return a ** float(exponent)


# -- evaluation --------------------------------------------------------------------------------------
def evaluate(node: Node, values: Mapping[str, np.ndarray], *, memo: dict | None = None) -> np.ndarray:
    """``node`` at ``values`` (variable name -> float64 array in matrix form, with any leading batch
    shapes that broadcast together). Returns ``batch + node.shape``, batch being the broadcast of the
    batches of the node's variables. Equal subtrees are computed once; pass the same ``memo`` dict to
    share them between calls on the same ``values``."""
    shapes = variables(node)
    arrays = {name: _value_of(name, shape, values) for name, shape in shapes.items()}
    batch = _common_batch(arrays)
    memo = {} if memo is None else memo
    with np.errstate(all="ignore"):  # nan and inf are answers here (log det of an indefinite matrix)
        result = _evaluate(node, arrays, memo)
    shape = batch + tuple(node.shape)
    if result.shape != shape:
        result = np.array(np.broadcast_to(result, shape))
    return result


def _value_of(name: str, shape: tuple, values: Mapping) -> np.ndarray:
    if None in shape:
        raise InputError(f"{name} has an open size {shape}; give every dimension a number")
    if name not in values:
        raise InputError(f"no value for {name} (matrix shape {shape})")
    array = np.asarray(values[name], dtype=np.float64)
    if array.ndim < 2 or array.shape[-2:] != tuple(shape):
        raise InputError(f"{name} has shape {array.shape}; expected the matrix form {tuple(shape)} "
                         f"after any batch axes")
    return array


def _common_batch(arrays: Mapping[str, np.ndarray]) -> tuple:
    batch: tuple = ()
    for name, array in arrays.items():
        try:
            batch = np.broadcast_shapes(batch, array.shape[:-2])
        except ValueError:
            raise InputError(f"the batch axes of {name} {array.shape[:-2]} do not broadcast "
                             f"with those before it {batch}") from None
    return tuple(batch)


def _evaluate(node: Node, arrays: dict, memo: dict) -> np.ndarray:
    if node in memo:
        return memo[node]
    args = [_evaluate(child, arrays, memo) for child in node.children]
    if isinstance(node, Var):
        value = arrays[node.name]
    elif isinstance(node, Number):
        value = np.full((1, 1), float(node.value))
    elif isinstance(node, Ones):
        value = np.ones(node.shape)
    elif isinstance(node, Identity):
        value = np.eye(node.shape[0])
    elif isinstance(node, Zero):
        value = np.zeros(node.shape)
    elif isinstance(node, Add):
        value = args[0]
        for term in args[1:]:
            value = value + term
    elif isinstance(node, (Scale, Hadamard)):
        value = args[0] * args[1]
    elif isinstance(node, MatMul):
        value = args[0] @ args[1]
    elif isinstance(node, Quotient):
        value = args[0] / args[1]
    elif isinstance(node, Power):
        value = power(args[0], node.exponent)
    elif isinstance(node, Transpose):
        value = np.swapaxes(args[0], -1, -2)
    elif isinstance(node, Apply):
        value = ELEMENTWISE[node.function](args[0])
    elif isinstance(node, Reduce):
        value = REDUCTIONS[node.function](args[0])
    else:
        raise TypeError(f"cannot evaluate a {type(node).__name__}")
    memo[node] = value
    return value


# -- points and finite differences --------------------------------------------------------------------
#: Rounds of (normal, uniform, uniform + n·I) draws before random_point gives up.
TRIES = 4


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _uniform(rng, shape):
    return rng.uniform(0.2, 1.2, shape)


def _dominant(rng, shape):
    """uniform(0.2, 1.2) entries plus n·I on a square n×n: diagonally dominant, so det > 0."""
    value = _uniform(rng, shape)
    rows, cols = shape[-2:]
    if rows == cols and rows > 1:
        value = value + rows * np.eye(rows)
    return value


def random_point(tree: Node, rng: np.random.Generator, *, batch=()) -> dict[str, np.ndarray]:
    """Values (matrix form, with the leading ``batch``) for every variable of ``tree`` at which
    ``evaluate(tree)`` is finite: standard normal entries; where that fails, uniform(0.2, 1.2) ones
    (logs and square roots defined); then those plus n·I on every square matrix (inverses and log
    determinants defined); a few rounds. The same ``rng`` state gives the same point."""
    shapes = variables(tree)
    batch = tuple(batch)
    for _ in range(TRIES):
        for draw in (_normal, _uniform, _dominant):
            values = {name: draw(rng, batch + tuple(shape)) for name, shape in shapes.items()}
            if _finite(tree, values):
                return values
    raise InputError(f"found no point where {tree} is finite in {TRIES} rounds of random draws")


def _finite(tree: Node, values: dict) -> bool:
    try:
        value = evaluate(tree, values)
    except np.linalg.LinAlgError:  # a singular matrix to invert
        return False
    return bool(np.all(np.isfinite(value)))


def finite_difference_gradient(tree: Node, values: Mapping[str, np.ndarray], name: str, *,
                               h: float = 1e-6) -> np.ndarray:
    """Central differences (f(v + h e_k) − f(v − h e_k)) / 2h of the scalar ``tree`` by every component
    of the variable ``name``, at unbatched ``values``: an array of the variable's matrix-form shape.

    All 2·size perturbed copies go through one batched :func:`evaluate`."""
    if not tree.is_scalar:
        raise InputError(f"a finite-difference gradient needs a scalar; {tree} has shape {tree.shape}")
    if name not in values:
        raise InputError(f"no value for {name}")
    shapes = variables(tree)
    for other, shape in shapes.items():
        if np.shape(values[other]) != tuple(shape):
            raise InputError(f"{other} has shape {np.shape(values[other])}; finite differences take "
                             f"unbatched values of the matrix form {tuple(shape)}")
    point = np.asarray(values[name], dtype=np.float64)
    if name not in shapes:  # f does not depend on it
        return np.zeros(point.shape)
    size = point.size
    steps = np.eye(size).reshape((size,) + point.shape) * h
    shifted = dict(values)
    shifted[name] = np.concatenate([point + steps, point - steps])
    f = evaluate(tree, shifted)[:, 0, 0]
    return ((f[:size] - f[size:]) / (2 * h)).reshape(point.shape)
