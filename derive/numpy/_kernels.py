"""Numerically stable NumPy primitives that generated modules call.

These are the building blocks, not gradient formulas: each computes one
function of machine learning without overflow for any finite input, batched
over leading axes. The gradients themselves are generated from the rules.
At the end, the checks every generated function makes of its arguments.
"""

import os

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


def leaky_relu(x):
    """max(x, 0.01 x): the slope 0.01 below zero."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x)


def softmax(o):
    """softmax over the last axis, shifted by the largest entry."""
    z = np.exp(o - np.max(o, axis=-1, keepdims=True))
    return z / np.sum(z, axis=-1, keepdims=True)


def logsumexp(o):
    """log Σ_k e^{o_k} over the last axis, shifted by the largest entry."""
    m = np.max(o, axis=-1)
    return m + np.log(np.sum(np.exp(o - m[..., None]), axis=-1))


def step(x, at_zero):
    """The Heaviside step H(x), with H(0) = ``at_zero`` (0 for relu's slope); NaN stays NaN. The same
    numbers as numpy.heaviside, about twenty times faster (two comparisons instead of its branches)."""
    out = np.where(x > 0, 1.0, 0.0)
    if at_zero:
        out[x == 0] = at_zero
    unknown = np.isnan(x)
    if unknown.any():
        out[unknown] = np.nan
    return out


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


def total(value, rank, n):
    """Σ over the batch of one term of a quantity with ``rank`` axes of its own: its leading batch
    axis summed when it has one; else a value shared by the batch, which each of the n examples
    carries (a penalty 2λW of a shared W counts n times)."""
    if np.ndim(value) > rank:
        return np.sum(value, axis=0)
    return value * n


def safe_log(x):
    """log x with log 0 = -inf silently (a probability that underflowed)."""
    with np.errstate(divide="ignore"):
        return np.log(x)


def concat(a, b):
    """[a; b] over the last axis, the batch axes broadcast (a state shared by the batch beside a batched x)."""
    if a.shape[:-1] != b.shape[:-1]:
        batch = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
        a, b = np.broadcast_to(a, batch + a.shape[-1:]), np.broadcast_to(b, batch + b.shape[-1:])
    return np.concatenate((a, b), axis=-1)


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
