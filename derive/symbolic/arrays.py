"""Arrays inside SymPy: NumPy's semantics, SymPy's algebra.

How it works
------------
A vector or matrix quantity is an :class:`ArraySymbol`, a SymPy ``Symbol`` that
carries a shape such as ``(K,)`` or ``(H, H + D)``. Ordinary SymPy arithmetic and
functions on it are *element-wise*, exactly as in NumPy: ``y * log(y_hat)`` is
y ⊙ log ŷ. The few operations that are not element-wise (a matrix-vector
product, an outer product, a sum over components, softmax, concatenation, and for
formulas read by ``derive equiv`` a matrix product and a trace) are the small
:class:`ArrayOp` functions below.

One expression then serves three readers:

* the LaTeX printer shows it as the lecture writes it (``W^\\top \\delta``, ``⊙``);
* the NumPy printer turns it into batched array code, one statement a quantity;
* :func:`derive.engine.realize.realize` expands it, at concrete sizes, into an
  object array of scalar SymPy expressions, one per component, which is what the
  prover compares and what SymPy's own ``diff`` differentiates.

Example: with ``o = vector("o", K)``, ``Softmax(o)`` at ``K = 2`` realizes to
``[exp(o[1])/(exp(o[1]) + exp(o[2])), exp(o[2])/(exp(o[1]) + exp(o[2]))]``.

Mixed ranks broadcast on the *leading* axes (a scalar times a vector scales it,
a vector times a matrix scales its rows), so the batched code pads the trailing
axes of the lower-rank operand.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.printing.precedence import PRECEDENCE

Shape = tuple


class ArraySymbol(sp.Symbol):
    """A named array of real numbers with a (symbolic) shape."""

    def __new__(cls, name: str, shape: Shape = (), **assumptions):
        obj = sp.Symbol.__xnew__(cls, name, real=True, **assumptions)
        obj._shape = tuple(sp.sympify(d) for d in shape)
        return obj

    def _hashable_content(self):
        # The shape is part of the identity: a scalar y and a vector y are different
        # symbols, or SymPy's cache would hand one rule's y to another.
        return super()._hashable_content() + self._shape

    def __getnewargs_ex__(self):
        return ((self.name, self._shape), {})

    @property
    def shape(self) -> Shape:
        return self._shape

    __iter__ = None  # o[j] is a component, not iteration: keep SymPy from treating o as a sequence

    def __getitem__(self, index) -> sp.Indexed:
        """Component in the lecture's 1-based index notation: ``o[j]`` is o_j."""
        base = sp.IndexedBase(self.name, real=True)
        return base[index] if isinstance(index, tuple) else base[(index,)]


def dim(name: str) -> sp.Symbol:
    """A size such as K, H or D."""
    return sp.Symbol(name, integer=True, positive=True)


def scalar(name: str) -> ArraySymbol:
    return ArraySymbol(name, ())


def vector(name: str, size) -> ArraySymbol:
    return ArraySymbol(name, (size,))


def matrix(name: str, rows, cols) -> ArraySymbol:
    return ArraySymbol(name, (rows, cols))


class ArrayOp(sp.Function):
    """A non-element-wise array operation.

    Subclasses say what shape they produce (``result_shape``) and how their
    components are formed from their arguments' components (``on_components``).
    """

    @classmethod
    def result_shape(cls, *arg_shapes: Shape) -> Shape:
        raise NotImplementedError

    @classmethod
    def on_components(cls, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class MatVec(ArrayOp):
    """A v: a matrix (m, n) times a vector (n,)."""

    nargs = 2

    @classmethod
    def result_shape(cls, a, v):
        return a[:1]

    @classmethod
    def on_components(cls, a, v):
        return a.dot(v)


class Transpose(ArrayOp):
    """Aᵀ."""

    nargs = 1

    @property
    def arg(self):
        """The matrix transposed (SymPy's printers expect ``.arg``)."""
        return self.args[0]

    @classmethod
    def result_shape(cls, a):
        return a[::-1]

    @classmethod
    def on_components(cls, a):
        return a.T


class Outer(ArrayOp):
    """a bᵀ: the outer product of two vectors."""

    nargs = 2

    @classmethod
    def result_shape(cls, a, b):
        return a + b

    @classmethod
    def on_components(cls, a, b):
        return np.multiply.outer(a, b)


class MatProduct(ArrayOp):
    """A B: a matrix (m, n) times a matrix (n, p) (read from a formula such as W^\\top W)."""

    nargs = 2

    @classmethod
    def result_shape(cls, a, b):
        return (a[0], b[1])

    @classmethod
    def on_components(cls, a, b):
        return a.dot(b)

    def _latex(self, printer):
        return " ".join(printer.parenthesize(a, PRECEDENCE["Mul"], strict=False) for a in self.args)


class Trace(ArrayOp):
    """tr A: the sum of the diagonal of a square matrix."""

    nargs = 1

    @classmethod
    def result_shape(cls, a):
        return ()

    @classmethod
    def on_components(cls, a):
        if a.ndim == 0:  # the trace of a number (a 1 x 1 matrix) is the number
            return a
        return _object_array(sp.Add(*np.diagonal(a)))

    def _latex(self, printer):
        return rf"\operatorname{{tr}}\left({printer._print(self.args[0])}\right)"


class Total(ArrayOp):
    """Σ_k v_k: the sum of the components along the last axis."""

    nargs = 1

    @classmethod
    def result_shape(cls, a):
        return a[:-1]

    @classmethod
    def on_components(cls, a):
        out = np.sum(a, axis=-1)  # a matrix's rows summed stay an array; a vector's sum is one number
        return out if isinstance(out, np.ndarray) else _object_array(out)


class Concat(ArrayOp):
    """[a; b]: two vectors stacked into one."""

    nargs = 2

    @classmethod
    def result_shape(cls, a, b):
        return (a[0] + b[0],)

    @classmethod
    def on_components(cls, a, b):
        return np.concatenate([a, b])


class Part(ArrayOp):
    """v[start:stop] (0-based, stop exclusive): the components of one block of a vector."""

    nargs = 3

    @classmethod
    def result_shape(cls, a, start, stop):
        return (stop - start,)

    @classmethod
    def on_components(cls, a, start, stop):
        return a[int(start):int(stop)]

    @classmethod
    def shape_args(cls, args):
        """Shapes of the array arguments and the block bounds themselves."""
        return (shape_of(args[0]), args[1], args[2])


class Softmax(ArrayOp):
    """softmax(o)_i = e^{o_i} / Σ_k e^{o_k}."""

    nargs = 1

    @classmethod
    def result_shape(cls, o):
        return o

    @classmethod
    def on_components(cls, o):
        e = np.array([sp.exp(c) for c in o], dtype=object)
        return e / sp.Add(*e)


class LogSumExp(ArrayOp):
    """log Σ_k e^{o_k}."""

    nargs = 1

    @classmethod
    def result_shape(cls, o):
        return ()

    @classmethod
    def on_components(cls, o):
        return _object_array(sp.log(sp.Add(*[sp.exp(c) for c in o])))


class MaxOf(ArrayOp):
    """max_k o_k, used only as a shift that keeps exponentials from overflowing."""

    nargs = 1

    @classmethod
    def result_shape(cls, o):
        return ()

    @classmethod
    def on_components(cls, o):
        return _object_array(sp.Max(*o))


def _object_array(value) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def shape_of(expr: sp.Basic) -> Shape:
    """The shape of an array expression (``()`` for a scalar)."""
    if isinstance(expr, ArraySymbol):
        return expr.shape
    if isinstance(expr, ArrayOp):
        if hasattr(expr, "shape_args"):
            return expr.result_shape(*expr.shape_args(expr.args))
        return expr.result_shape(*(shape_of(a) for a in expr.args))
    if isinstance(expr, (sp.Indexed, sp.Sum, sp.Derivative)) or not expr.args:
        return ()
    if isinstance(expr, sp.Piecewise):
        return _broadcast([shape_of(e) for e, _ in expr.args])
    return _broadcast([shape_of(a) for a in expr.args])


def _broadcast(shapes) -> Shape:
    """Leading-axis broadcasting: the longest shape wins; the others must prefix it."""
    longest = max(shapes, key=len, default=())
    for s in shapes:
        if tuple(longest[: len(s)]) != tuple(s):
            raise ValueError(f"shapes {s} and {longest} do not broadcast")
    return longest


def is_array(expr: sp.Basic) -> bool:
    return len(shape_of(expr)) > 0
