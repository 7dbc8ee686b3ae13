"""Numerically stable NumPy primitives that generated modules call.

These are the building blocks, not gradient formulas: each computes one
function of machine learning without overflow for any finite input, batched
over leading axes. The gradients themselves are generated from the rules.
Then the evaluation of an element-wise rule in cache-sized blocks of examples
on every core (:func:`by_blocks`), and at the end the checks every generated
function makes of its arguments.

The kernels take NumPy arrays, numbers, or arrays of another library that
implements NumPy's protocols (a Dask array chunked along the batch axis):
those go through NumPy's functions unchanged, lazily; only a NumPy array is
worked on in place (``out=``), to spare temporaries.
"""

import contextvars
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def _is_duck_array(x) -> bool:
    """An array of another library that implements NumPy's function protocol (a Dask array)."""
    return hasattr(x, "__array_function__") and hasattr(x, "dtype") and hasattr(x, "shape") \
        and not isinstance(x, np.ndarray)


def _numeric(x):
    """``x`` as NumPy would compute with it: a float64 NumPy array, or a duck array (Dask) as it is."""
    if type(x) is np.ndarray and x.dtype == np.float64:
        return x
    if _is_duck_array(x):
        return x
    return np.asarray(x, dtype=np.float64)


#: e^{709} is the largest power of e below float64's limit: σ(x) = 1/(1 + e^{−x}) is computed
#: with −x cut there, so that e^{−x} never overflows.
_EXP_LIMIT = 709.0


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}), to every digit wherever σ(x) is a normal float64: e^{−x} is taken
    of min(−x, 709), so it never overflows. Below x = −709 (where σ(x) < 1.2e-308 and the plain
    formula overflows) the result is σ(−709) ≈ 1.2e-308 instead of a subnormal or 0: an error
    below the smallest normal number."""
    x = _numeric(x)
    if type(x) is not np.ndarray or x.ndim == 0:
        return 1.0 / (1.0 + np.exp(np.minimum(-x, _EXP_LIMIT)))
    out = np.negative(x)
    np.minimum(out, _EXP_LIMIT, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)  # numpy.reciprocal's float64 loop has no SIMD: twice the time
    return out


_kept = threading.local()
#: The most numbers of one array that a thread keeps for the next call (:func:`kept`,
#: :class:`KeptSteps`); a larger one is made for the call alone.
KEPT_NUMBERS = 1 << 22


def _kept_array(key: str, shape, dtype):
    """An array of ``shape`` and ``dtype`` from the calling thread's buffer kept under ``key`` (the
    buffer made anew, larger, when it is too small or of another dtype)."""
    cache = getattr(_kept, "arrays", None)
    if cache is None:
        cache = _kept.arrays = {}
    size = 1
    for d in shape:
        size *= d
    buffer = cache.get(key)
    if buffer is None or buffer.size < size or buffer.dtype != dtype:
        buffer = cache[key] = np.empty(size, dtype)
    return buffer[:size].reshape(shape)


def kept(key, like):
    """An array of ``like``'s shape, float64, that the calling thread keeps under ``key`` for its
    next call, or None (a new array then) for no key, an array that is not NumPy's or one larger
    than ``KEPT_NUMBERS``. For the work a generated function does not return (the complement
    1 − σ of a hidden pair): a new large array costs the first touch of each of its pages, on
    glibc after every call (freed memory goes back to the system), about as much as an
    exponential of each number. A later call of the same key in the same thread overwrites it."""
    if key is None or type(like) is not np.ndarray or like.size > KEPT_NUMBERS:
        return None
    return _kept_array(key, like.shape, np.float64)


def sigmoid_pair(x, out=None, keep=None, complement_out=None):
    """σ(x) and σ(−x) = 1 − σ(x), both to every digit, from one exponential: with
    e = e^{min(−x, 709)}, σ(x) = 1/(1 + e) and σ(−x) = e σ(x).

    1 − σ(x) computed by subtraction rounds to a multiple of 2⁻⁵³ (0 from x = 37 on), so that
    σ'(x) = σ(x)(1 − σ(x)) would keep five digits at x = 27; e σ(x) keeps them all, for one
    multiplication more than σ(x) alone (see :func:`sigmoid` for x below −709). ``out``, an array
    of x's shape, receives σ(x) (a block's rows of a result); σ(−x) goes into ``complement_out``
    (a loop's place for the step), or else the thread's array kept under ``keep`` (:func:`kept`)
    when one is named."""
    x = _numeric(x)
    if type(x) is not np.ndarray or x.ndim == 0 or (out is not None and type(out) is not np.ndarray):
        e = np.exp(np.minimum(-x, _EXP_LIMIT))
        up = 1.0 / (1.0 + e)
        return up, e * up
    down = np.negative(x, out=kept(keep, x) if complement_out is None else complement_out)
    if np.fmin.reduce(x, axis=None, initial=0.0) < -_EXP_LIMIT:  # a reading pass (NaNs passed over): the clamp's
        # writing pass only where it changes a number
        np.minimum(down, _EXP_LIMIT, out=down)
    np.exp(down, out=down)
    up = np.add(down, 1.0, out=out)
    np.divide(1.0, up, out=up)  # the same numbers as numpy.reciprocal, in half its time
    down *= up
    return up, down


#: Below this |x|, tanh_pair computes tanh x as x P(x²)/Q(x²), the [7/8] Padé approximant of
#: tanh (Lambert's continued fraction to 15: within an ulp of tanh x there); from it on, as
#: 2/(1 + e) − 1 with e = e^{−2|x|} <= 1/3 (e's rounding costs under an ulp, 2/(1 + e)'s two).
_TANH_SMALL = 0.55
#: P and Q, highest power of x² first.
_TANH_P = (36.0, 6930.0, 270270.0, 2027025.0)
_TANH_Q = (1.0, 630.0, 51975.0, 945945.0, 2027025.0)


def tanh_pair(x, out=None, keep=None, complement_out=None):
    """tanh(x) and 1 − tanh²(x), each to a few ulps, from one exponential e = e^{−2|x|}:
    1 − tanh² = 4e/(1 + e)², and tanh|x| = 2/(1 + e) − 1 for |x| >= 0.55, below which a Padé
    approximant x P(x²)/Q(x²) (a dozen multiply-adds) replaces it (1 − e there would cancel e's
    rounding error). numpy.tanh costs more than two exponentials (float64 has no SIMD loop of
    it on AVX2): this is the price of one, and a few passes of arithmetic, within 2.3 ulps.
    Every NumPy array takes this one way, whatever its size: a number's result does not depend on
    the array it comes in (the checker stacks many files into one call, and a block of a batch
    may be short). On a few numbers its thirty NumPy calls cost more than numpy.tanh would.

    1 − tanh² by subtraction loses every digit where |tanh x| rounds near 1 (|x| above about 19);
    the exponential form never overflows (e <= 1) and keeps them. ``out``, an array of x's shape,
    receives tanh(x); 1 − tanh²(x) goes into ``complement_out`` (a loop's place for the step), or
    else the thread's array kept under ``keep`` (:func:`kept`) when one is named."""
    x = _numeric(x)
    if type(x) is not np.ndarray or (out is not None and type(out) is not np.ndarray):  # Dask's: lazy
        e = np.exp(-2.0 * np.abs(x))
        r = 2.0 / (1.0 + e)
        return np.tanh(x), e * r * r
    if x.ndim == 0:  # a number: the same way, as an array of one
        t, e = tanh_pair(x.reshape(1))
        if out is not None:
            out[...] = t[0]
        return (t[0] if out is None else out), e[0]
    # the results' two arrays (new ones unless given: ``out``, ``keep``) and one the thread keeps (a
    # new large array costs the first touch of its pages, about as much as an exponential)
    # tanh below _TANH_SMALL: the Padé approximant, of |x| clamped there (no overflow of x² far out)
    y = np.abs(x, out=kept(keep, x) if complement_out is None else complement_out)
    small = np.less(y, _TANH_SMALL)
    np.minimum(y, _TANH_SMALL, out=y)
    y *= y
    t = np.multiply(y, _TANH_P[0], out=out)
    for c in _TANH_P[1:-1]:
        t += c
        t *= y
    t += _TANH_P[-1]
    q = np.add(y, _TANH_Q[1], out=kept("_kernels.tanh_pair.q", x))
    for c in _TANH_Q[2:]:
        q *= y
        q += c
    t /= q
    a = np.abs(x, out=y)
    np.minimum(a, _TANH_SMALL, out=a)
    t *= a
    # from e = e^{−2|x|} and r = 2/(1 + e): 1 − tanh² = e r², and tanh |x| = r − 1 (exact:
    # Sterbenz) from _TANH_SMALL on
    e = np.abs(x, out=a)
    e *= -2.0
    np.exp(e, out=e)
    r = np.add(e, 1.0, out=q)
    np.divide(2.0, r, out=r)
    e *= r
    e *= r
    r -= 1.0
    # the select without numpy.where's branches: one of the two products is 0, the sum exact
    t *= small
    np.logical_not(small, out=small)
    r *= small
    t += r
    np.copysign(t, x, out=t)
    return t, e


def softplus(x):
    """log(1 + e^{x}) = max(x, 0) + log1p(e^{-|x|})."""
    x = _numeric(x)
    return np.maximum(x, 0.0) + log1p_unit(np.exp(-np.abs(x)))


def log1p_unit(u, d=None):
    """log(1 + u) for u in [0, 1] (an e^{-|x|}), to within an ulp, three times faster than
    numpy.log1p: log d + (u − (d − 1))/d with d = 1 + u rounded. u − (d − 1) is exactly the
    rounding error of d (d − 1 is exact for d in [1, 2]), and the first-order correction
    restores what log d lost: log(1 + u) = log d + log(1 + (u − (d − 1))/d).

    ``d``, when given, must be 1 + u as float64 computes it (``u + 1``): it is then not computed
    again (nor written to)."""
    u = _numeric(u)
    if type(u) is not np.ndarray or u.ndim == 0 or type(d) not in (type(None), np.ndarray):
        d = 1.0 + u if d is None else d
        return np.log(d) + (u - (d - 1.0)) / d
    if d is None:
        d = np.add(u, 1.0)
    c = np.subtract(d, 1.0)
    np.subtract(u, c, out=c)
    c /= d
    c += np.log(d)
    return c


def power(x, n: int):
    """x**n for n from 2 to 4, by multiplications (x*x*x): numpy.power with an exponent
    other than 2 calls the C library's pow, about twenty times slower."""
    x = _numeric(x)
    if n == 2 or type(x) is not np.ndarray or x.ndim == 0:
        return x ** 2 if n == 2 else x * x ** (n - 1) if n == 3 else (x * x) * (x * x)
    out = np.multiply(x, x)
    if n == 3:
        out *= x
    else:
        out *= out
    return out


def leaky_relu(x):
    """max(x, 0.01 x): the slope 0.01 below zero."""
    x = _numeric(x)
    return np.where(x > 0, x, 0.01 * x)


def softmax(o):
    """softmax over the last axis, shifted by the largest entry."""
    z = np.exp(o - np.max(o, axis=-1, keepdims=True))
    return z / np.sum(z, axis=-1, keepdims=True)


def logsumexp_softmax(o):
    """log Σ_k e^{o_k} and softmax(o) over the last axis, from one set of exponentials e^{o − max o}."""
    if type(o) is not np.ndarray:  # a Dask array: no writing in place
        m = np.max(o, axis=-1, keepdims=True)
        z = np.exp(o - m)
        total = np.sum(z, axis=-1, keepdims=True)
        return (m + np.log(total))[..., 0], z / total
    m = o.max(axis=-1, keepdims=True)  # the methods: less Python around the loops than numpy.max's
    z = np.subtract(o, m)
    np.exp(z, out=z)
    total = z.sum(axis=-1, keepdims=True)
    z /= total
    np.log(total, out=total)
    total += m
    return total[..., 0], z


def causal_softmax(s):
    """The softmax of each row i of square score matrices over its first i entries (a mask of −inf
    after them): a decoder's position i attends to positions 1..i only."""
    s = _numeric(s)
    later = np.triu(np.ones(s.shape[-2:], dtype=bool), 1)
    return softmax(np.where(later, -np.inf, s))


def rows(v, n: int):
    """n copies of each vector v as the rows of a matrix: (..., k) → (..., n, k)."""
    v = _numeric(v)
    return np.repeat(v[..., None, :], n, axis=-2)


def matmul_total(a, b, n):
    """Σ over the batch of the matrix products a b: one matrix product of all the examples' rows
    together when both are batched (a is usually the transposed view Xᵀ of a batch X, whose rows
    then lie in memory as they are), never the (N, m, p) products; (Σ a) b or a (Σ b) when one is
    shared, n a b when neither is."""
    a, b = _numeric(a), _numeric(b)
    if a.ndim == 2 and b.ndim == 2:
        return n * (a @ b)
    if a.ndim == 2:
        return a @ np.sum(b, axis=tuple(range(b.ndim - 2)))
    if b.ndim == 2:
        return np.sum(a, axis=tuple(range(a.ndim - 2))) @ b
    m, p = a.shape[-2], b.shape[-1]
    return np.swapaxes(a, -1, -2).reshape(-1, m).T @ b.reshape(-1, p)


def logsumexp(o):
    """log Σ_k e^{o_k} over the last axis, shifted by the largest entry."""
    m = np.max(o, axis=-1)
    return m + np.log(np.sum(np.exp(o - m[..., None]), axis=-1))


def step(x, at_zero):
    """The Heaviside step H(x), with H(0) = ``at_zero`` (0 for relu's slope); NaN stays NaN. The same
    numbers as numpy.heaviside, many times faster: one comparison written as 0.0 and 1.0, and a
    reading pass for NaNs (a NaN makes the minimum NaN)."""
    if type(x) is not np.ndarray:  # Dask's, or a number
        out = np.where(x > 0, 1.0, 0.0)
        if at_zero:
            out = np.where(x == 0, at_zero, out)
        return np.where(np.isnan(x), np.nan, out)
    out = np.greater(x, 0.0, out=np.empty(x.shape), casting="unsafe") if x.ndim else np.where(x > 0, 1.0, 0.0)
    if at_zero:
        out[x == 0] = at_zero
    if np.isnan(x.min(initial=0.0)):
        out[np.isnan(x)] = np.nan
    return out


def _plus(product, plus):
    """plus + a product, added into the product's new array where it fits (no second array of the
    batch's size): the same numbers, the addition being commutative."""
    if plus is None:
        return product
    if type(product) is np.ndarray and (np.ndim(plus) < product.ndim or np.shape(plus) == product.shape):
        return np.add(plus, product, out=product)
    return plus + product


def matvec(a, v, plus=None):
    """A v for a batch (``plus`` added: b + A v): A is (..., m, n) or one shared (m, n); v is (..., n)."""
    if a.ndim == 2:
        return _plus(v @ a.T, plus)
    if type(a) is np.ndarray and type(v) is np.ndarray:  # a batch of small products: einsum's loop is faster
        return _plus(np.einsum("...ij,...j->...i", a, v), plus)
    return _plus(np.matmul(a, v[..., None])[..., 0], plus)


def matvec_t(a, v, plus=None):
    """Aᵀ v for a batch (``plus`` added): A is (..., m, n) or one shared (m, n); v is (..., m)."""
    if a.ndim == 2:
        return _plus(v @ a, plus)
    if type(a) is np.ndarray and type(v) is np.ndarray:
        return _plus(np.einsum("...ij,...i->...j", a, v), plus)
    return _plus(np.matmul(v[..., None, :], a)[..., 0, :], plus)


def stacked_rows(*weights):
    """[W_1; W_2; ...]: weights of one shape shared by the batch, stacked by rows once before a
    loop over time, so that each step computes their products in one (:func:`matvecs`,
    :func:`matvecs_t`); None when one has a batch axis or is not NumPy's (each on its own then)."""
    if all(type(w) is np.ndarray and w.ndim == 2 for w in weights) and len({w.shape for w in weights}) == 1:
        return np.concatenate(weights, axis=0)
    return None


def matvecs(stacked, weights, z, biases):
    """b_k + W_k z for every k (b_k None for none): one matrix product with the weights stacked
    (:func:`stacked_rows`), each result a view of its rows of one (..., k·m) array; each weight on
    its own where ``stacked`` is None."""
    if stacked is None or type(z) is not np.ndarray:
        return tuple(matvec(w, z, plus=b) for w, b in zip(weights, biases))
    s = z @ stacked.T
    rows = stacked.shape[0] // len(weights)
    return tuple(_plus(s[..., k * rows:(k + 1) * rows], b) for k, b in enumerate(biases))


def matvecs_t(stacked, weights, vectors, out=None):
    """Σ_k W_kᵀ v_k: one matrix product of [v_1, v_2, ...] with the weights stacked
    (:func:`stacked_rows`), into ``out`` when given; the sum of each product where ``stacked`` is None."""
    if stacked is None or any(type(v) is not np.ndarray for v in vectors) or len({v.shape for v in vectors}) != 1:
        total = None
        for w, v in zip(weights, vectors):
            total = matvec_t(w, v, plus=total)
        return total
    return np.matmul(np.concatenate(vectors, axis=-1), stacked, out=out)


def shifted_steps(values, first):
    """The state each step started from, (N, T, ...), from the states it handed on (N, T, ...) and
    the first state (shared by the batch or not): step t's is step t − 1's result."""
    if type(values) is not np.ndarray:  # Dask's
        first = np.broadcast_to(first, values[:, 0].shape)
        return np.concatenate((first[:, None], values[:, :-1]), axis=1)
    shifted = np.empty_like(values)
    shifted[:, 1:] = values[:, :-1]
    shifted[:, 0] = first
    return shifted


def dot(a, b):
    """Σ_k a_k b_k over the last axis, for a batch: a matrix-vector product when one side is a
    vector shared by the batch, else one pass without the (N, K) product a ⊙ b."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # a number standing for every component
        return np.sum(a * b, axis=-1)
    if np.ndim(b) == 1:
        return a @ b
    if np.ndim(a) == 1:
        return b @ a
    return np.einsum("...k,...k->...", a, b)


def outer(a, b):
    """a bᵀ for a batch of vectors."""
    return a[..., :, None] * b[..., None, :]


def outer_total(a, b, n):
    """Σ over the batch of a bᵀ, without forming the (N, m, k) products: one matrix product aᵀ b
    when both are batched, (Σ a) bᵀ or a (Σ b)ᵀ when one is shared, n a bᵀ when neither is."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a.T @ b
    if np.ndim(a) == 2:
        return np.multiply.outer(np.sum(a, axis=0), b)
    if np.ndim(b) == 2:
        return np.multiply.outer(a, np.sum(b, axis=0))
    return np.multiply.outer(a, b) * n


def weighted_total(c, v, rank, n):
    """Σ over the batch of c v, c one number per example, v an array of ``rank`` axes per example:
    one matrix-vector product cᵀV when both are batched, never the (N, ...) products c v; (Σ c) v
    or c (Σ v) when one is shared, n c v when neither is."""
    c_batched, v_batched = np.ndim(c) == 1, np.ndim(v) > rank
    if c_batched and v_batched:  # cᵀV, V's own axes flattened (numpy.tensordot's Python costs more than this)
        return (c @ v.reshape(v.shape[0], -1)).reshape(v.shape[1:])
    if c_batched:
        return np.sum(c) * v
    if v_batched:
        return c * np.sum(v, axis=0)
    return v * c * n


def total(value, rank, n):
    """Σ over the batch of one term of a quantity with ``rank`` axes of its own: its leading batch
    axis summed when it has one; else a value shared by the batch, which each of the n examples
    carries (a penalty 2λW of a shared W counts n times)."""
    if np.ndim(value) > rank:
        return np.sum(value, axis=0)
    return value * n


# -- windows: convolution and pooling over the last two axes ---------------------------------
# Images are (..., channels, rows, columns) with any leading batch axes, kernels (F, C, K, K)
# shared by the batch or (N, F, C, K, K) per example.

def zero_pad(x, p: int):
    """x with p zeros on every side of its last two axes (x itself when p is 0)."""
    x = _numeric(x)
    return x if p == 0 else np.pad(x, [(0, 0)] * (np.ndim(x) - 2) + [(p, p), (p, p)])


def _windows(x, k: int, s: int, rows=None, cols=None):
    """The k×k windows of x's last two axes with stride s, as a view (..., rows, cols, k, k)."""
    view = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(-2, -1))[..., ::s, ::s, :, :]
    return view if rows is None else view[..., :rows, :cols, :, :]


def _patches(x, k: int, s: int, rows: int, cols: int):
    """The k×k windows of a batch of images x (N, C, H, W) with stride s, one row each: a contiguous
    (N·rows·cols, C·k·k) matrix, copied by k² strided slices (faster than transposing a 6-axis
    window view)."""
    n, c = x.shape[:2]
    out = np.empty((n, rows, cols, c, k, k))
    for a, b in itertools.product(range(k), range(k)):
        out[..., a, b] = np.moveaxis(x[:, :, a:a + s * (rows - 1) + 1:s, b:b + s * (cols - 1) + 1:s], 1, -1)
    return out.reshape(n * rows * cols, c * k * k)


def _batched(*arrays) -> bool:
    """Images and gradients with one batch axis, as NumPy arrays: the matrix-product paths."""
    return all(type(a) is np.ndarray and a.ndim == 4 for a in arrays)


def correlate(x, w, s: int):
    """y_{f,p,q} = Σ_{c,a,b} w_{f,c,a,b} x_{c, s p + a, s q + b} (a deep-learning "convolution"):
    one matrix product over (c, a, b) when the kernels are shared by the batch."""
    x, w = _numeric(x), _numeric(w)
    k = w.shape[-1]
    rows, cols = (x.shape[-2] - k) // s + 1, (x.shape[-1] - k) // s + 1
    if _batched(x) and w.ndim == 4 and type(w) is np.ndarray:
        product = _patches(x, k, s, rows, cols) @ w.reshape(w.shape[0], -1).T
        return product.reshape(x.shape[0], rows, cols, w.shape[0]).transpose(0, 3, 1, 2)
    windows = _windows(x, k, s)  # (..., C, P, Q, k, k)
    if w.ndim == 4:
        return np.moveaxis(np.tensordot(windows, w, axes=([-5, -2, -1], [1, 2, 3])), -1, -3)
    return np.einsum("...cpqab,...fcab->...fpq", windows, w, optimize=True)


def flipped(w):
    """The kernels turned by 180° with their in and out channels swapped (a view)."""
    return np.swapaxes(_numeric(w), -4, -3)[..., ::-1, ::-1]


def spread(g, s: int, low: int, rows: int, cols: int):
    """g on a grid of zeros of (rows, cols): g_{p,q} at (low + s p, low + s q)."""
    g = _numeric(g)
    out = np.zeros(g.shape[:-2] + (rows, cols))
    out[..., low:low + s * g.shape[-2]:s, low:low + s * g.shape[-1]:s] = g
    return out


def correlate_back(g, w, s: int, p: int, rows: int, cols: int):
    """Σ_{f,a,b} g_{f,p,q} w_{f,c,a,b} added into x_{c, s p + a − p, s q + b − p} for every output cell:
    the input gradient of :func:`correlate` (padding p, input rows × cols) by scattering, one
    matrix product then k² strided additions (no correlation with a zero-filled grid)."""
    g, w = _numeric(g), _numeric(w)
    k = w.shape[-1]
    P, Q = g.shape[-2:]
    if w.ndim == 4:
        products = np.tensordot(g, w, axes=([-3], [0]))  # (..., P, Q, C, k, k)
    else:
        products = np.einsum("...fpq,...fcab->...pqcab", g, w, optimize=True)
    products = np.moveaxis(products, (-5, -4), (-2, -1))  # (..., C, k, k, P, Q)
    out = np.zeros(products.shape[:-4] + (rows + 2 * p, cols + 2 * p))
    for a, b in itertools.product(range(k), range(k)):
        out[..., a:a + s * (P - 1) + 1:s, b:b + s * (Q - 1) + 1:s] += products[..., a, b, :, :]
    return out[..., p:p + rows, p:p + cols] if p else out


def kernel_correlate(x, g, s: int, k: int):
    """Σ_{p,q} g_{f,p,q} x_{c, s p + a, s q + b} for every (f, c, a, b): a kernel's gradient, per example."""
    x, g = _numeric(x), _numeric(g)
    windows = _windows(x, k, s, *g.shape[-2:])  # (..., C, P, Q, k, k)
    return np.einsum("...fpq,...cpqab->...fcab", g, windows, optimize=True)


def kernel_correlate_total(x, g, s: int, k: int, n):
    """Σ over the batch of :func:`kernel_correlate`: one matrix product over (N, p, q) when both are
    batched, never the per-example (N, F, C, k, k) gradients."""
    x, g = _numeric(x), _numeric(g)
    if _batched(x, g):
        f, rows, cols = g.shape[1:]
        g_rows = g.transpose(0, 2, 3, 1).reshape(-1, f)
        return (g_rows.T @ _patches(x, k, s, rows, cols)).reshape(f, x.shape[1], k, k)
    return total(kernel_correlate(x, g, s, k), 4, n)


def inner(a, b, axes: int):
    """Σ a ⊙ b over the last ``axes`` axes (an image's loss Σ g ⊙ y), in one pass."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.shape == b.shape:
        letters = "ijkl"[:axes]
        return np.einsum(f"...{letters},...{letters}->...", a, b)
    out = a * b
    for _ in range(axes):
        out = out.sum(axis=-1)
    return out


def _offsets(x, k: int, s: int, rows: int, cols: int):
    """For each cell (a, b) of a k×k window, the (rows, cols) strided view of x that holds that cell
    of every window: reductions over windows become k² element-wise passes (far faster than
    reducing the small trailing axes of a window view)."""
    for a, b in itertools.product(range(k), range(k)):
        yield x[..., a:a + s * (rows - 1) + 1:s, b:b + s * (cols - 1) + 1:s]


def _pooled_size(x, k: int, s: int):
    return (x.shape[-2] - k) // s + 1, (x.shape[-1] - k) // s + 1


def flatten(image):
    """An image's last three axes (channels, rows, columns) as one, row by row."""
    image = _numeric(image)
    return image.reshape(image.shape[:-3] + (image.shape[-3] * image.shape[-2] * image.shape[-1],))


def unflatten(vector, channels: int, rows: int, cols: int):
    """A vector's last axis back to (channels, rows, columns): the gradient of :func:`flatten`."""
    vector = _numeric(vector)
    return vector.reshape(vector.shape[:-1] + (channels, rows, cols))


def max_pool(x, k: int, s: int):
    """The largest value of every k×k window with stride s."""
    x = _numeric(x)
    views = _offsets(x, k, s, *_pooled_size(x, k, s))
    out = np.array(next(views), dtype=np.float64)
    for view in views:
        np.maximum(out, view, out=out)
    return out


def avg_pool(x, k: int, s: int):
    """The mean of every k×k window with stride s."""
    x = _numeric(x)
    views = _offsets(x, k, s, *_pooled_size(x, k, s))
    out = np.array(next(views), dtype=np.float64)
    for view in views:
        out += view
    return out / (k * k)


def max_pool_back(x, g, k: int, s: int):
    """Each g_{p,q} sent to the arg-max of its window (the first largest in reading order, as
    PyTorch picks), summed where windows overlap: k² element-wise passes, one per window cell."""
    x, g = _numeric(x), _numeric(g)
    rows, cols = g.shape[-2:]
    top = max_pool(x, k, s)
    out = np.zeros(np.broadcast_shapes(x.shape[:-2], g.shape[:-2]) + x.shape[-2:])
    taken = np.zeros(np.broadcast_shapes(top.shape, g.shape), dtype=bool)
    for cell, place in zip(_offsets(x, k, s, rows, cols), _offsets(out, k, s, rows, cols)):
        first = (cell == top) & ~taken
        taken |= first
        place += np.where(first, g, 0.0)  # a view of out: added in place
    return out


def avg_pool_back(g, k: int, s: int, rows: int, cols: int):
    """Each g_{p,q} spread evenly, g/k², over its window, summed where windows overlap."""
    g = _numeric(g)
    share = g / (k * k)
    out = np.zeros(g.shape[:-2] + (rows, cols))
    for place in _offsets(out, k, s, *g.shape[-2:]):
        place += share
    return out


def constant(value, like, rank: int):
    """A result that depends on the sizes alone (He's 2/n_in), one copy per example: the batch axes
    of the input ``like`` (``rank`` axes of its own)."""
    return np.full(np.shape(like)[:np.ndim(like) - rank], float(value))


def safe_log(x):
    """log x with log 0 = -inf silently (a probability that underflowed)."""
    with np.errstate(divide="ignore"):
        return np.log(x)


def concat(a, b, out=None):
    """[a; b] over the last axis, the batch axes broadcast (a state shared by the batch beside a
    batched x); into ``out`` when given (a loop's place for the step)."""
    if a.shape[:-1] != b.shape[:-1]:
        batch = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
        a, b = np.broadcast_to(a, batch + a.shape[-1:]), np.broadcast_to(b, batch + b.shape[-1:])
    if out is not None and type(a) is np.ndarray and type(b) is np.ndarray:
        return np.concatenate((a, b), axis=-1, out=out)
    return np.concatenate((a, b), axis=-1)


# -- an element-wise rule in blocks of examples, on every core ---------------------------------------
#
# An element-wise rule (each example's quantities read that example's inputs alone, through
# element-wise functions and sums over its own axes) runs on a large batch block by block: each
# block small enough that its inputs, temporaries and results stay in a core's cache, so that
# memory sees each input read once and each result written once. The blocks are dealt out to a
# thread per core as they finish (NumPy releases the GIL inside its loops); each thread runs in a
# copy of the caller's context, so ``numpy.errstate`` holds there too.

def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


#: Threads that evaluate the blocks (the calling thread is one of them): the cores this process may use.
THREADS = _cores()
#: The numbers of all the inputs together in one block: 262,144 float64 (2 MiB), so that a
#: block's inputs, results and temporaries stay in the caches (a core's, the shared one), while
#: the Python work of a block (a few dozen NumPy calls) stays a few percent of its time (on a
#: 2-core AMD EPYC, 2 MiB blocks took 5-15% less time than 1 MiB ones for softmax_ce, linear_mse
#: and vae_reparam, and no rule more)...
BLOCK_NUMBERS = 1 << 18
#: ... and at most this many examples in one block (a rule of one number per example computes
#: many results from it: its blocks are kept as small as the others').
BLOCK_ROWS = 1 << 15
#: Inputs holding fewer numbers than this (all together) are evaluated in one piece.
MIN_NUMBERS = 1 << 17

_pools = {}
_pools_lock = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if workers not in _pools:
            _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="derive-block")
        return _pools[workers]


def _given_outputs(out, rule: str, shapes: dict, arrays: dict) -> dict:
    """The arrays of ``out`` (a dict by result name, or None), checked: each names a result of
    ``shapes`` (result name -> its shape) and is a writable float64 NumPy array of that shape,
    sharing no memory with an input of ``arrays``."""
    if out is None:
        return {}
    if not isinstance(out, dict):
        raise TypeError(f"{rule}: out must be a dict of arrays by result name, got {type(out).__name__}")
    given = {}
    for name, array in out.items():
        if name not in shapes:
            raise ValueError(f"{rule}: out[{name!r}]: {rule} has no result {name!r} (its results: "
                             f"{', '.join(shapes)})")
        if type(array) is not np.ndarray or array.dtype != np.float64 or not array.flags.writeable:
            kind = type(array).__name__ + (f" of {array.dtype}" if hasattr(array, "dtype") else "")
            raise TypeError(f"{rule}: out[{name!r}] must be a writable float64 NumPy array, got {kind}")
        if array.shape != shapes[name]:
            raise ValueError(f"{rule}: out[{name!r}] has shape {_shape_text(array.shape)}, expected "
                             f"{_shape_text(shapes[name])}")
        for input_name, value in arrays.items():
            if type(value) is np.ndarray and np.may_share_memory(array, value):
                raise ValueError(f"{rule}: out[{name!r}] shares memory with the input {input_name}")
        given[name] = array
    return given


def written(results: dict, out, rule: str, arrays: dict) -> dict:
    """``results`` with those named in ``out`` (:func:`_given_outputs`) copied into its arrays."""
    if out is None:
        return results
    given = _given_outputs(out, rule, {name: np.shape(v) for name, v in results.items()}, arrays)
    for name, array in given.items():
        array[...] = results[name]
    return {name: given.get(name, value) for name, value in results.items()}


def by_blocks(function, n: int, arrays: dict, out=None, rule: str = "") -> dict:
    """``function(**arrays, _n=n, _out={})``, a rule's body on the whole batch, computed block by
    block of examples when the batch is large: the same numbers, in the same arrays' shapes.

    Every array of ``arrays`` must have the batch axis first (n examples); a batch that is small,
    or arrays that are not NumPy's (Dask's: they chunk and schedule themselves), give one call.
    ``out`` (a dict of arrays by result name, or None) receives the results it names. Otherwise the first block runs here, which gives the results' shapes and types;
    the outputs are allocated once, and each later block gets in ``_out`` its rows of them, into
    which the body's last operation for each result writes (what it does not write is copied)."""
    whole = {**arrays, "_n": n, "_out": {}}
    if n < 2 or THREADS < 1 or any(type(a) is not np.ndarray for a in arrays.values()):
        return written(function(**whole), out, rule, arrays)
    if sum(a.size for a in arrays.values()) < MIN_NUMBERS:
        return written(function(**whole), out, rule, arrays)
    width = sum(a.size // n for a in arrays.values())
    rows = max(1, min(BLOCK_NUMBERS // max(width, 1), BLOCK_ROWS))
    starts = range(0, n, rows)
    if len(starts) < 2:
        return written(function(**whole), out, rule, arrays)

    first_inputs = {k: a[:rows] for k, a in arrays.items()}
    first = function(**first_inputs, _n=min(rows, n), _out={})
    stop = min(rows, n)
    shapes = {name: (n,) + np.shape(v)[1:] if np.ndim(v) and np.shape(v)[0] == stop else np.shape(v)
              for name, v in first.items()}
    given = _given_outputs(out, rule, shapes, arrays)
    out, same = {}, {}
    for name, value in first.items():
        source = next((k for k, view in first_inputs.items() if value is view), None)
        if source is not None and name not in given:  # a result that is an input (dKL/dmu = mu): the input
            same[name] = arrays[source]
        elif np.ndim(value) and np.shape(value)[0] == stop:
            out[name] = given[name] if name in given else np.empty((n,) + np.shape(value)[1:], np.result_type(value))
            out[name][:stop] = value
        elif name in given:  # the same for every example, written into the array given
            given[name][...] = value
            same[name] = given[name]
        else:  # the same for every example (no input reaches it)
            same[name] = value
    counter = itertools.count(1)

    def work():
        while True:
            i = next(counter)  # atomic under the GIL: each block goes to one thread
            if i >= len(starts):
                return
            start = starts[i]
            stop = min(start + rows, n)
            views = {name: target[start:stop] for name, target in out.items()}
            values = function(**{k: a[start:stop] for k, a in arrays.items()}, _n=stop - start, _out=views)
            for name, view in views.items():
                if values[name] is not view:
                    view[...] = values[name]

    threads = min(THREADS, len(starts) - 1)
    futures = [_pool(THREADS - 1).submit(contextvars.copy_context().run, work) for _ in range(threads - 1)]
    error = None
    try:
        work()
    except BaseException as raised:  # noqa: BLE001 - the others finish their blocks, then it is raised
        error = raised
    for future in futures:
        try:
            future.result()
        except BaseException as raised:  # noqa: BLE001 - raised below, after every thread is done
            error = error or raised
    if error is not None:
        raise error
    return {name: out[name] if name in out else same[name] for name in first}


# -- a loop over time in parts of the batch, on every core -----------------------------------------
#
# A loop over time cannot be cut into blocks of steps (each step reads the one before), but the
# examples of a batch are independent: each part of the batch runs the whole loop on a thread of
# its own (NumPy releases the GIL inside its loops, and the steps' small matrix products are
# mostly that), and the parts' results are put together: the gradients by a weight shared by the
# batch summed, the others concatenated along the batch axis.

_in_part = threading.local()
#: Examples at least in each part of a loop's batch (fewer: the parts' Python work outweighs them).
MIN_PART_ROWS = 16
#: A loop whose inputs with the batch axis hold fewer numbers than this per step runs in one piece.
MIN_PART_NUMBERS = 1 << 15


def in_parts(n: int, steps: int, arrays: dict, shapes: dict) -> bool:
    """Whether a loop over time on this batch (``n`` examples, ``steps`` steps) is worth running in
    parts of the batch (:func:`by_parts`): several cores, NumPy's arrays, and steps that each read
    many numbers (the inputs with the batch axis, per step): on small steps the Python work of the
    steps, which holds the GIL, would keep the parts from running at the same time. Never inside a part."""
    if getattr(_in_part, "on", False) or THREADS < 2 or n < 2 * MIN_PART_ROWS:
        return False
    if any(type(a) is not np.ndarray and np.ndim(a) for a in arrays.values()):  # Dask's: one piece
        return False
    numbers = sum(np.size(a) for k, a in arrays.items() if np.ndim(a) > len(shapes[k]))
    return numbers >= MIN_PART_NUMBERS * max(steps, 1)


def by_parts(function, n: int, arrays: dict, shapes: dict, summed: dict) -> dict:
    """``function(**arrays)``, a loop over time, computed in parts of the batch, one per core: the
    same results up to the order of the sums. An array of ``arrays`` with the batch axis (more
    axes than its entry of ``shapes``) is cut into the parts' rows; the others are passed whole.
    A result of ``summed`` whose input is shared (no batch axis) is the sum of the parts'; the
    others are concatenated along the batch axis."""
    parts = min(THREADS, n // MIN_PART_ROWS)
    bounds = [(i * n // parts, (i + 1) * n // parts) for i in range(parts)]
    batched = {k: np.ndim(a) > len(shapes[k]) for k, a in arrays.items()}

    def part(i):
        start, stop = bounds[i]
        _in_part.on = True
        try:
            return function(**{k: a[start:stop] if batched[k] else a for k, a in arrays.items()})
        finally:
            _in_part.on = False

    futures = [_pool(THREADS - 1).submit(contextvars.copy_context().run, part, i) for i in range(1, parts)]
    error, results = None, [None] * parts
    try:
        results[0] = part(0)
    except BaseException as raised:  # noqa: BLE001 - the others finish, then it is raised
        error = raised
    for i, future in enumerate(futures, 1):
        try:
            results[i] = future.result()
        except BaseException as raised:  # noqa: BLE001 - raised below, after every part is done
            error = error or raised
    if error is not None:
        raise error
    whole = {}
    for name in results[0]:
        values = [r[name] for r in results]
        if name in summed and not batched[summed[name]]:
            whole[name] = sum(values[1:], values[0])
        else:
            whole[name] = np.concatenate(values, axis=0)
    return whole


# -- what a loop over time keeps from step to step ------------------------------------------------
#
# A loop's forward pass keeps, for its backward pass, a dozen arrays per step. Kept as separate
# arrays, every call makes them anew: on a glibc machine the memory freed at the end of the last
# call has mostly gone back to the system, and the first touch of each page of the new arrays
# costs about as much as an exponential of each number (the generated lstm_bptt_loop spent a
# sixth of its time there, N = 64, T = 32, H = 64). ``KeptSteps`` holds every step in one
# (T, N, ...) array kept by the thread from call to call; ``StackedSteps`` holds them in the
# (N, T, ...) result, which is returned. The generated code computes each step's value straight
# into its place (``slot``), or it is copied there. Either gives all the steps as one (N, T, ...)
# array (``stacked``), which the work done after the loop, for every step at once, reads.

class StackedSteps:
    """The values of one quantity at every step, stacked along axis 1: (N, T, ...). Each step's
    value is written into its place as it comes (appended, or set at its step), or computed there
    (``slot``), so that the step's own array can be freed at once. Values that are not NumPy
    arrays of one shape (Dask's; a state shared by the batch at the first step) are kept as they
    are and stacked at the end."""

    __slots__ = ("_array", "_count", "_in_array", "_items", "_key", "_ndim", "_slot", "_steps")
    #: The steps along the first axis of the array, each step's place one contiguous block
    #: (``KeptSteps``), or along the second, as the result is returned (N, T, ...).
    time_major = False

    def __init__(self, steps: int, key: str | None = None, rank: int | None = None):
        self._steps, self._key, self._array, self._items = steps, key, None, [None] * steps
        self._count, self._in_array, self._slot = 0, set(), None
        # a step's value has the batch axis and ``rank`` of its own: one shared by the batch (the
        # first state) goes into the list, and the array is made from the first batched value
        self._ndim = None if rank is None else rank + 1

    def _storage(self, value):
        shape = (self._steps,) + value.shape if self.time_major else value.shape[:1] + (self._steps,) + value.shape[1:]
        if self._key is None or self._steps * value.size > KEPT_NUMBERS:
            return np.empty(shape, value.dtype)
        return _kept_array(self._key, shape, value.dtype)

    def _place(self, t: int):
        return self._array[t] if self.time_major else self._array[:, t]

    def append(self, value) -> None:
        self[self._count] = value
        self._count += 1

    def slot(self, t: int | None = None):
        """The place of step ``t`` (the next step's when None) to compute its value into, so that
        keeping it copies nothing; None until the first value has made the array."""
        if self._array is None:
            return None
        self._slot = self._place(self._count if t is None else t)
        return self._slot

    def __setitem__(self, t: int, value) -> None:
        if value is self._slot and value is not None:  # computed in its place (``slot``)
            self._items[t], self._slot = value, None
            self._in_array.add(t)
            return
        if self._array is None and type(value) is np.ndarray and value.ndim and not self._in_array \
                and (self._ndim is None or value.ndim == self._ndim):
            self._array = self._storage(value)
        place = self._place(t) if self._array is not None and type(value) is np.ndarray else None
        if place is not None and value.shape == place.shape:
            place[...] = value
            self._items[t] = place
            self._in_array.add(t)
        else:
            self._items[t] = value
            self._in_array.discard(t)

    def __getitem__(self, t: int):
        return self._items[t]

    def stacked(self):
        """Every step's value, (N, T, ...): the array written step by step (a view of it, steps on
        the second axis), or the values stacked (a shared first state broadcast to the batch)."""
        if self._array is not None and len(self._in_array) == self._steps:
            return np.swapaxes(self._array, 0, 1) if self.time_major else self._array
        items = self._items
        if any(np.shape(v) != np.shape(items[-1]) for v in items):
            items = np.broadcast_arrays(*items)
        return np.stack(items, axis=1)


class KeptSteps(StackedSteps):
    """The values of one quantity at every step that no result holds (read back by the backward
    pass, or by the work after the loop): in a (T, N, ...) array kept by the thread for the next
    call of ``key``, never returned (a later call overwrites it); each step's place is one
    contiguous block, which a kernel of many passes computes in as fast as in an array of its own."""

    __slots__ = ()
    time_major = True

    def __init__(self, key: str, steps: int, rank: int | None = None):
        super().__init__(steps, key, rank)


def owned(value):
    """``value`` in memory of its own: a copy when it is a view (of a loop's kept steps, which
    the next call overwrites)."""
    if type(value) is np.ndarray and value.base is not None:
        return value.copy()
    return value


def each_step(value, rank: int):
    """An input given once for all steps (a weight, with ``rank`` axes of its own), as the work
    done for every step at once reads it beside (N, T, ...) arrays: with a batch axis, a step axis
    after it (broadcast, no copy); shared by the batch, as it is."""
    return value[:, None] if np.ndim(value) > rank else value


def flat_steps(value, rank: int, steps: int):
    """A value of a loop as one batch of N·T examples (a sum over the batch and the steps is then
    a sum over that batch): (N, T, ...) reshaped to (N·T, ...); an input with a batch axis alone,
    (N, ...), repeated for each step; a value shared by the batch as it is."""
    axes = np.ndim(value) - rank
    if axes == 2:
        return value.reshape((-1,) + value.shape[2:])
    if axes == 1:
        return np.repeat(value, steps, axis=0)
    return value


# -- checking the arguments of a generated function ------------------------------------------------
#
# Every generated function starts by reading each argument with ``real`` (a float64 array with
# the input's number of axes, with or without the batch axis) and then checks the sizes with
# ``check_shapes``: O(1) work per argument, no copy of a float64 array. The errors name the
# function, the argument and the shape it should have.

def _default_result_limit() -> int:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # not POSIX
        memory = 16 * 2**30
    return memory // 2


#: The most bytes the results of one call may take; a call that would need more fails at once
#: with a MemoryError naming the sizes, instead of driving the machine into swap. Half the
#: machine's memory by default; assign a larger number to lift the guard.
MAX_RESULT_BYTES = _default_result_limit()


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _batch_label(shapes: dict) -> str:
    """N for the batch axis, unless the rule has a size of that name (the samples of l1_linreg)."""
    return "batch" if any("N" in str(d).split() for shape in shapes.values() for d in shape) else "N"


def _expected(shape, batched: bool, number: bool, n: str) -> str:
    text = f"({n}, {', '.join(shape)})" if shape else f"({n},)"
    if batched:
        return f"shape {text}"
    alone = f"shape {_shape_text(shape)}" if shape else "a number"
    return f"shape {text}, or {alone} shared by the batch" + (", or a number" if number and shape else "")


def real(rule: str, shapes: dict, name: str, value, *, number: bool = False, batched: bool = False):
    """The argument ``name`` as a float64 array (no copy when it is one) with the axes ``shapes[name]``
    after the batch axis, which may be left out unless ``batched``; with ``number`` (an input with a
    default), also a plain number. Booleans are read as 0 and 1; text, complex numbers, objects that
    are not numbers and ragged nested lists raise a TypeError or ValueError naming the argument."""
    if type(value) is np.ndarray and value.dtype == np.float64:
        array = value
    elif _is_duck_array(value) and value.dtype.kind in "fiub":  # a Dask array: kept lazy
        array = value if value.dtype == np.float64 else value.astype(np.float64)
    else:
        array = _as_float(rule, name, value)
    shape = shapes[name]
    ranks = (len(shape) + 1,) if batched else (len(shape), len(shape) + 1)
    if array.ndim not in ranks and not (number and array.ndim == 0):
        raise ValueError(f"{rule}: {name} has shape {_shape_text(array.shape)}; expected "
                         f"{_expected(shape, batched, number, _batch_label(shapes))}")
    return array


def _as_float(rule: str, name: str, value):
    where = f"{rule}: {name}"
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(f"{where} is not a rectangular array: its nested lists have different lengths") from None
    kind = array.dtype.kind
    if kind in "fiub":
        return array.astype(np.float64, copy=False)
    if kind == "c":
        raise TypeError(f"{where} holds complex numbers; expected real numbers")
    if kind in "USa":
        raise TypeError(f"{where} holds text ({array.dtype}); expected real numbers")
    if kind == "O":
        bad = next((v for v in array.flat if isinstance(v, (str, bytes, complex)) or v is None), _NONE)
        if bad is _NONE:
            try:
                return array.astype(np.float64)
            except OverflowError:
                raise ValueError(f"{where} holds a number too large for float64") from None
            except (TypeError, ValueError) as error:
                if "sequence" in str(error):  # a ragged list that NumPy kept as objects
                    raise ValueError(f"{where} is not a rectangular array: its nested lists have "
                                     "different lengths") from None
                bad = next((v for v in array.flat if not _is_real(v)), array.flat[0] if array.size else array)
        raise TypeError(f"{where} holds {_short(bad)} ({type(bad).__name__}); expected real numbers")
    raise TypeError(f"{where} has dtype {array.dtype}; expected real numbers")


_NONE = object()


def _is_real(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError, OverflowError):
        return False
    return not isinstance(v, (str, bytes))


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def check_shapes(rule: str, shapes: dict, arguments: dict, per_example: int, summed=None) -> int:
    """Each argument's shape against the sizes read from the arguments before it; the batch size
    N (1 when no argument has the batch axis).

    ``arguments`` maps a name to (array, expected shape after the batch axis, as integers);
    ``shapes`` gives the expected shapes as the rule writes them (for the messages). Every size
    must be at least 1, the batched arguments must agree on the batch size N (N = 0 is an empty
    batch), and the results must fit in ``MAX_RESULT_BYTES``: ``per_example`` numbers for each
    example, and ``summed[name]`` numbers for each example when the argument ``name`` has the
    batch axis, once when it is shared (its gradients are then summed over the batch)."""
    batch, first = None, None
    batched = set()
    for name, (array, expected) in arguments.items():
        shape = array.shape
        if len(shape) > len(expected):  # with the batch axis (ranks were checked by ``real``)
            shape = shape[1:]
            if shape == expected and batch is not None and array.shape[0] != batch:
                raise ValueError(f"{rule}: {name} has a batch of {_examples(array.shape[0])}, "
                                 f"but {first} has {_examples(batch)}")
            if batch is None:
                batch, first = array.shape[0], name
            batched.add(name)
        elif not shape and expected:  # a plain number standing for every component
            continue
        if shape != expected or 0 in expected:
            raise ValueError(_shape_error(rule, shapes, name, array.shape, expected))
    n = 1 if batch is None else batch
    most = (max(n, 1) + 1) * (per_example + (sum(summed.values()) if summed else 0)) * 8
    if most <= MAX_RESULT_BYTES:  # the usual case, without sorting out which gradients are summed
        return n
    once = sum(count for name, count in (summed or {}).items() if name not in batched)
    each = per_example + sum(count for name, count in (summed or {}).items() if name in batched)
    needed = (max(n, 1) * each + once) * 8
    if needed > MAX_RESULT_BYTES:
        shared = f" and {once} summed over the batch" if once else ""
        raise MemoryError(f"{rule}: the results would take {_bytes(needed)} ({each} numbers for each of "
                          f"{_examples(max(n, 1))}{shared}), more than {__name__}.MAX_RESULT_BYTES = "
                          f"{_bytes(MAX_RESULT_BYTES)}; pass fewer or smaller examples")
    return n


def _shape_error(rule: str, shapes: dict, name: str, shape, expected) -> str:
    text, n = shapes[name], _batch_label(shapes)
    for size, written in zip(expected, text):
        if size < 1:
            return (f"{rule}: {name} has shape {_shape_text(shape)}, an empty axis: {written} = {size}; "
                    "every size must be at least 1")
    if len(shape) > len(expected):
        return (f"{rule}: {name} has shape {_shape_text(shape)}; expected ({n}, {', '.join(text)}) = "
                f"{_shape_text((shape[0],) + tuple(expected))}")
    return (f"{rule}: {name} has shape {_shape_text(shape)}; expected {_shape_text(text)} = "
            f"{_shape_text(expected)}, or ({n}, {', '.join(text)}) with a batch axis")


def _examples(n: int) -> str:
    return "1 example" if n == 1 else f"{n} examples"


def _bytes(n: float) -> str:
    units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    power = 0
    while n >= 1024 and power < len(units) - 1:
        n /= 1024
        power += 1
    return f"{n:.0f} bytes" if power == 0 else f"{n:.1f} {units[power]}"
