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


class Beside(ArrayOp):
    """[A B]: two matrices of as many rows side by side (the heads' outputs concatenated)."""

    nargs = 2

    @classmethod
    def result_shape(cls, a, b):
        return tuple(a[:-1]) + (a[-1] + b[-1],)

    @classmethod
    def on_components(cls, a, b):
        return np.concatenate([a, b], axis=-1)


class Part(ArrayOp):
    """v[start:stop] (0-based, stop exclusive) along the last axis: one block of a vector, or of each
    row of a matrix (one head's columns)."""

    nargs = 3

    @classmethod
    def result_shape(cls, a, start, stop):
        return tuple(a[:-1]) + (stop - start,)

    @classmethod
    def on_components(cls, a, start, stop):
        return a[..., int(start):int(stop)]

    @classmethod
    def shape_args(cls, args):
        """Shapes of the array arguments and the block bounds themselves."""
        return (shape_of(args[0]), args[1], args[2])


class Softmax(ArrayOp):
    """softmax(o)_i = e^{o_i} / Σ_k e^{o_k}, over the last axis (each row of a matrix of scores)."""

    nargs = 1

    @classmethod
    def result_shape(cls, o):
        return o

    @classmethod
    def on_components(cls, o):
        return _by_rows(o, _softmax_row)


def _softmax_row(o: np.ndarray) -> np.ndarray:
    e = np.array([sp.exp(c) for c in o], dtype=object)
    return e / sp.Add(*e)


def _by_rows(a: np.ndarray, row_function) -> np.ndarray:
    """``row_function`` applied to every vector along the last axis of ``a``."""
    if a.ndim <= 1:
        return row_function(a)
    out = np.empty(a.shape, dtype=object)
    for index in np.ndindex(*a.shape[:-1]):
        out[index] = row_function(a[index])
    return out


class CausalSoftmax(ArrayOp):
    """The softmax of each row i of a square matrix of scores over its first i entries only: a
    decoder's position i attends to positions 1..i. The entries after i are 0, as a mask of −∞
    added before the softmax makes them (e^{−∞} = 0)."""

    nargs = 1

    @classmethod
    def result_shape(cls, s):
        return s

    @classmethod
    def on_components(cls, s):
        out = np.full(s.shape, sp.S.Zero, dtype=object)
        for index in np.ndindex(*s.shape[:-1]):
            seen = index[-1] + 1  # row i (0-based) sees entries 0..i
            out[index][:seen] = _softmax_row(s[index][:seen])
        return out


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


# -- windows: convolution and pooling over the last two axes ------------------------------
#
# Images are (channels, rows, columns), a kernel (out channels, in channels, K, K). Indices
# inside these operations are 0-based, as in NumPy; a rule's steps index components 1-based.

def out_size(size, window, stride=1):
    """⌊(size − window)/stride⌋ + 1: how many windows fit along an axis (padding already added)."""
    return sp.floor((sp.sympify(size) - window) / stride) + 1


class Windowed(ArrayOp):
    """An operation whose first ``arrays`` arguments are arrays and the rest integers (a stride,
    a padding, a size): the realizer passes those as Python ints."""

    arrays = 1

    @classmethod
    def shape_args(cls, args):
        return tuple(shape_of(a) for a in args[: cls.arrays]) + tuple(args[cls.arrays:])


class ZeroPad(Windowed):
    """x with P zeros added on every side of its last two axes."""

    nargs = 2

    @classmethod
    def result_shape(cls, x, P):
        return x[:-2] + (x[-2] + 2 * P, x[-1] + 2 * P)

    @classmethod
    def on_components(cls, x, P):
        out = np.full(x.shape[:-2] + (x.shape[-2] + 2 * P, x.shape[-1] + 2 * P), sp.S.Zero, dtype=object)
        out[..., P:P + x.shape[-2], P:P + x.shape[-1]] = x
        return out


class Correlate(Windowed):
    """y_{f,p,q} = Σ_{c,a,b} w_{f,c,a,b} x_{c, S p + a, S q + b}: the kernels w (F, C, K, K) slid over
    the image x (C, H, W) with stride S (what deep-learning libraries call a convolution)."""

    arrays = 2
    nargs = 3

    @classmethod
    def result_shape(cls, x, w, S):
        return (w[0], out_size(x[-2], w[-2], S), out_size(x[-1], w[-1], S))

    @classmethod
    def on_components(cls, x, w, S):
        F, _, K, L = w.shape
        rows, cols = (x.shape[-2] - K) // S + 1, (x.shape[-1] - L) // S + 1
        out = np.empty((F, rows, cols), dtype=object)
        for f, p, q in np.ndindex(F, rows, cols):
            window = x[:, S * p:S * p + K, S * q:S * q + L]
            out[f, p, q] = sp.Add(*(window * w[f]).ravel())
        return out


class Flipped(Windowed):
    """The kernels turned by 180° with their channels swapped: Flipped(w)_{c,f,a,b} = w_{f,c,K−1−a,K−1−b}."""

    nargs = 1

    @classmethod
    def result_shape(cls, w):
        return (w[1], w[0], w[2], w[3])

    @classmethod
    def on_components(cls, w):
        return np.swapaxes(w, 0, 1)[:, :, ::-1, ::-1]


class Spread(Windowed):
    """g (F, P, Q) spread out on a (F, rows, cols) grid of zeros: g_{f,p,q} placed at
    (low + S p, low + S q), with S − 1 zeros between neighbours and ``low`` zeros before them."""

    nargs = 5

    @classmethod
    def result_shape(cls, g, S, low, rows, cols):
        return g[:-2] + (rows, cols)

    @classmethod
    def on_components(cls, g, S, low, rows, cols):
        out = np.full(g.shape[:-2] + (rows, cols), sp.S.Zero, dtype=object)
        out[..., low:low + S * g.shape[-2]:S, low:low + S * g.shape[-1]:S] = g
        return out


class KernelCorrelate(Windowed):
    """Σ_{p,q} g_{f,p,q} x_{c, S p + a, S q + b} for every (f, c, a, b): the image x (C, H, W) correlated
    with the output-sized g (F, P, Q), giving a (F, C, K, K) array (a kernel's gradient)."""

    arrays = 2
    nargs = 4

    @classmethod
    def result_shape(cls, x, g, S, K):
        return (g[0], x[0], K, K)

    @classmethod
    def on_components(cls, x, g, S, K):
        F, P, Q = g.shape
        C = x.shape[0]
        out = np.empty((F, C, K, K), dtype=object)
        for f, c, a, b in np.ndindex(F, C, K, K):
            window = x[c, a:a + S * (P - 1) + 1:S, b:b + S * (Q - 1) + 1:S]
            out[f, c, a, b] = sp.Add(*(window * g[f]).ravel())
        return out


class WindowMax(sp.Max):
    """SymPy's Max of a window's cells, kept unevaluated, whose derivative is SymPy's own,
    Heaviside(cell − max of the others), with that max unevaluated too: SymPy would compare every
    pair of the others symbolically first (seconds per derivative when the cells are long sums)."""

    def __new__(cls, *args, **options):
        if options.pop("evaluate", sp.core.parameters.global_parameters.evaluate):
            return sp.Max(*args, **options)  # evaluated (substituted numbers): SymPy's Max itself
        return super().__new__(cls, *args, evaluate=False, **options)

    def fdiff(self, argindex=1):
        n = len(self.args)
        if n <= 2 or not 0 < argindex <= n:
            return super().fdiff(argindex)
        others = self.args[:argindex - 1] + self.args[argindex:]
        return sp.Heaviside(self.args[argindex - 1] - WindowMax(*others, evaluate=False))


def _windows(rows, cols, K, S):
    """The (p, q, cells) of every K×K window with stride S: ``cells`` its (i, j), row by row."""
    for p in range((rows - K) // S + 1):
        for q in range((cols - K) // S + 1):
            yield p, q, [(S * p + a, S * q + b) for a in range(K) for b in range(K)]


def _pooled(x, K, S, combine):
    """Each channel's K×K windows with stride S, each window's cells (row by row) combined into one
    component: (C, H, W) → (C, P, Q)."""
    rows, cols = (x.shape[-2] - K) // S + 1, (x.shape[-1] - K) // S + 1
    out = np.empty(x.shape[:-2] + (rows, cols), dtype=object)
    for c in np.ndindex(*x.shape[:-2]):
        for p, q, cells in _windows(x.shape[-2], x.shape[-1], K, S):
            out[c + (p, q)] = combine([x[c + cell] for cell in cells])
    return out


class MaxPool(Windowed):
    """The largest of every K×K window with stride S, channel by channel: (C, H, W) → (C, P, Q)."""

    nargs = 3

    @classmethod
    def result_shape(cls, x, K, S):
        return x[:-2] + (out_size(x[-2], K, S), out_size(x[-1], K, S))

    @classmethod
    def on_components(cls, x, K, S):
        return _pooled(x, K, S, lambda cells: WindowMax(*cells, evaluate=False))


class AvgPool(Windowed):
    """The mean of every K×K window with stride S, channel by channel: (C, H, W) → (C, P, Q)."""

    nargs = 3

    @classmethod
    def result_shape(cls, x, K, S):
        return MaxPool.result_shape(x, K, S)

    @classmethod
    def on_components(cls, x, K, S):
        return _pooled(x, K, S, lambda cells: sp.Add(*cells) / K**2)


class MaxPoolBack(Windowed):
    """The gradient g (C, P, Q) of max pooling sent back to x (C, H, W): each g_{c,p,q} goes to the
    arg-max of its window (the cell whose value is the window's largest), summed where windows
    overlap. The indicator is SymPy's own derivative of Max: Heaviside(x_ij − max of the others)."""

    arrays = 2
    nargs = 4

    @classmethod
    def result_shape(cls, x, g, K, S):
        return x

    @classmethod
    def on_components(cls, x, g, K, S):
        out = np.full(x.shape, sp.S.Zero, dtype=object)
        for c in np.ndindex(*x.shape[:-2]):
            for p, q, cells in _windows(x.shape[-2], x.shape[-1], K, S):
                for cell in cells:
                    others = [x[c + other] for other in cells if other != cell]
                    rest = others[0] if len(others) == 1 else WindowMax(*others, evaluate=False)
                    out[c + cell] += g[c + (p, q)] * sp.Heaviside(x[c + cell] - rest)
        return out


class AvgPoolBack(Windowed):
    """The gradient g (C, P, Q) of average pooling sent back to x's shape (C, H, W): each g_{c,p,q}
    spread evenly, g/K², over its window, summed where windows overlap."""

    nargs = 5

    @classmethod
    def result_shape(cls, g, K, S, rows, cols):
        return g[:-2] + (rows, cols)

    @classmethod
    def on_components(cls, g, K, S, rows, cols):
        out = np.full(g.shape[:-2] + (rows, cols), sp.S.Zero, dtype=object)
        for c in np.ndindex(*g.shape[:-2]):
            for p, q, cells in _windows(rows, cols, K, S):
                for cell in cells:
                    out[c + cell] += g[c + (p, q)] / K**2
        return out


#: The window operations, for the layers that treat them alike (realizing, code, printing).
WINDOWED = (ZeroPad, Correlate, Flipped, Spread, KernelCorrelate, MaxPool, AvgPool, MaxPoolBack, AvgPoolBack)


class CorrelateBack(Windowed):
    """Σ g_{f,p,q} w_{f,c,a,b} over the output cells (p, q) and kernel cells (a, b) that meet
    x_{c,i,j} (S p + a − P = i, S q + b − P = j): the input gradient of a correlation with stride S and
    padding P, for an input of rows × cols, written as a scatter (the generated code's form)."""

    arrays = 2
    nargs = 6

    @classmethod
    def result_shape(cls, g, w, S, P, rows, cols):
        return (w[1], rows, cols)

    @classmethod
    def on_components(cls, g, w, S, P, rows, cols):
        F, C, K, _ = w.shape
        out = np.full((C, rows + 2 * P, cols + 2 * P), sp.S.Zero, dtype=object)
        for f, p, q, c, a, b in np.ndindex(F, g.shape[1], g.shape[2], C, K, K):
            out[c, S * p + a, S * q + b] += g[f, p, q] * w[f, c, a, b]
        return out[:, P:P + rows, P:P + cols]


WINDOWED = WINDOWED + (CorrelateBack,)


# -- expectations over random initial weights and inputs ------------------------------------

class Expected(ArrayOp):
    """E[expr] where the components of the given arrays are independent, zero-mean normal random
    variables: ``Expected(expr, w, var_w, x, var_x)``, each array followed by its components'
    variance. Realized for a polynomial expr monomial by monomial: E factors over independent
    variables, and E[zᵏ] is SymPy's own integral of zᵏ against the normal density."""

    @classmethod
    def result_shape(cls, expr, *pairs):
        return ()

    @classmethod
    def on_components(cls, expr, *pairs):
        from derive.rules._gaussian import _m, _s, moment

        variance = {}
        for components, var in zip(pairs[::2], pairs[1::2]):
            for component in np.ravel(components):
                variance[component] = var[()]
        polynomial = sp.Poly(sp.expand(expr[()]), *variance)
        total = sp.S.Zero
        for powers, coefficient in polynomial.terms():
            term = coefficient
            for variable, power in zip(polynomial.gens, powers):
                term *= moment(power).subs({_m: 0, _s: sp.sqrt(variance[variable])})
            total += term
        return _object_array(sp.expand(total))

    def _latex(self, printer, exp=None):
        inner = rf"\mathbb{{E}}\left[{printer._print(self.args[0])}\right]"
        return inner if exp is None else rf"{inner}^{{{exp}}}"


class Flatten(Windowed):
    """An image (F, P, Q) as one vector of F·P·Q numbers, row by row (what a dense layer after a
    convolution reads)."""

    nargs = 1

    @classmethod
    def result_shape(cls, a):
        return a[:-3] + (a[-3] * a[-2] * a[-1],)

    @classmethod
    def on_components(cls, a):
        return a.reshape(a.shape[:-3] + (-1,))


class Unflatten(Windowed):
    """A vector of F·P·Q numbers back to the image shape (F, P, Q): the gradient of :class:`Flatten`."""

    nargs = 4

    @classmethod
    def result_shape(cls, v, F, P, Q):
        return v[:-1] + (F, P, Q)

    @classmethod
    def on_components(cls, v, F, P, Q):
        return v.reshape(v.shape[:-1] + (F, P, Q))


WINDOWED = WINDOWED + (Flatten, Unflatten)


class Eye(Windowed):
    """I: the n × n identity matrix (Ã = A + I adds a self-loop to every node of a graph)."""

    nargs = 1
    arrays = 0

    @classmethod
    def result_shape(cls, n):
        return (n, n)

    @classmethod
    def on_components(cls, n):
        out = np.full((n, n), sp.S.Zero, dtype=object)
        for i in range(n):
            out[i, i] = sp.S.One
        return out


class Rows(Windowed):
    """n copies of the vector v as the rows of an (n, len v) matrix: 1 vᵀ (what a mean over the
    rows hands back to every row)."""

    nargs = 2

    @classmethod
    def result_shape(cls, v, n):
        return (n,) + tuple(v)

    @classmethod
    def on_components(cls, v, n):
        out = np.empty((n,) + v.shape, dtype=object)
        for i in range(n):
            out[i] = v
        return out


class LogSumExp(ArrayOp):
    """log Σ_k e^{o_k}, over the last axis (one number for each row of a matrix)."""

    nargs = 1

    @classmethod
    def result_shape(cls, o):
        return o[:-1]

    @classmethod
    def on_components(cls, o):
        if o.ndim > 1:
            return np.array([cls.on_components(row)[()] for row in o], dtype=object)
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


WINDOWED = WINDOWED + (Eye, Rows)
