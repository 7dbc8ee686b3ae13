"""Batched NumPy source from SymPy array expressions.

How it works
------------
Generated code holds every array with a leading batch axis: a scalar quantity is
(N,), a vector (N, K), a matrix (N, H, D). Element-wise SymPy arithmetic becomes
NumPy arithmetic; where a lower-rank operand meets a higher-rank one, its
trailing axes are padded (``s[..., None] * v``), matching the leading-axis
broadcasting of :mod:`derive.symbolic.arrays`. Array operations print as
``derive.numpy._kernels`` calls or NumPy reductions, and the ML functions as
their stable kernels. Example::

    >>> numpy_code((y_hat - y) * x)        # y_hat, y scalar; x a vector
    'x*(y_hat - y)[..., None]'

Sums over the batch
-------------------
A gradient by a weight that the batch shares (passed without the batch axis) is
the sum over the batch of the per-example gradients. :func:`total_code` prints
that sum term by term, never forming per-example matrices it would only add up:
the sum of an outer product δ xᵀ (times scalars, folded into δ) is one matrix
product δᵀ x; a term c v, c a number that varies with the example (λ, ŷ − y), is the
matrix-vector product cᵀV (``_k.weighted_total``: Σ_n c_n v_n, or (Σ c) v where v is shared);
the other terms, together (the sum is linear), are summed over their batch axis, or, shared by
the batch themselves (the penalty 2W), counted once for each of the ``_n`` examples. Quantities
that are already such sums (``totals``) are used as they are. Example::

    >>> total_code(Outer(delta, x) + 2*lam*W)   # delta, x vectors; lam scalar; W a matrix
    '_k.outer_total(delta, x, _n) + _k.weighted_total(2*lam, W, 2, _n)'
"""

from __future__ import annotations

import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.printing.numpy import NumPyPrinter

from derive import naming
from derive.printing.order import join_terms, positive_first
from derive.symbolic.arrays import (
    ArrayOp,
    ArraySymbol,
    KernelCorrelate,
    MatProduct,
    MatVec,
    Outer,
    shape_of,
)


class Pad(sp.Function):
    """An operand whose trailing axes are padded for broadcasting."""

    nargs = 2


#: The local variable of generated code that holds the batch size (1 when nothing is batched).
BATCH_SIZE = "_n"


class BatchTotal(sp.Function):
    """Σ over the batch of a term with ``rank`` axes of its own (printed as ``_k.total``)."""

    nargs = 2


class OuterTotal(sp.Function):
    """Σ over the batch of the outer products a bᵀ (printed as ``_k.outer_total``)."""

    nargs = 2


class WeightedTotal(sp.Function):
    """Σ over the batch of c v, c a number per example, v an array of ``rank`` axes (``_k.weighted_total``)."""

    nargs = 3


class KernelTotal(sp.Function):
    """Σ over the batch of a kernel's gradient (a :class:`KernelCorrelate`), printed as
    ``_k.kernel_correlate_total``: one matrix product, never the per-example gradients."""

    nargs = 1


class ProductTotal(sp.Function):
    """Σ over the batch of the matrix products A B (printed as ``_k.matmul_total``): with A = Xᵀ, one
    product of X's rows of every example with B's, never the per-example (N, m, p) products."""

    nargs = 2


class BatchedNumPyPrinter(NumPyPrinter):
    def __init__(self, batch_size: str = BATCH_SIZE):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})
        self.batch_size = batch_size  #: the variable holding the number of examples summed over

    def _print_ArraySymbol(self, expr):
        return naming.python_name(expr.name)

    def _print_Symbol(self, expr):
        return naming.python_name(expr.name) if naming.is_valid_name(expr.name) else super()._print_Symbol(expr)

    def _print_Pad(self, expr):
        inner, count = expr.args
        return f"({self._print(inner)})[..., {', '.join(['None'] * int(count))}]"

    # -- array operations --------------------------------------------------
    def _print_MatVec(self, expr, plus=None):
        a, v = expr.args
        added = "" if plus is None else f", plus={self._print(plus)}"
        if isinstance(a, sp.Function) and type(a).__name__ == "Transpose":
            return f"_k.matvec_t({self._print(a.args[0])}, {self._print(v)}{added})"
        return f"_k.matvec({self._print(a)}, {self._print(v)}{added})"

    def _print_Transpose(self, expr):
        return f"numpy.swapaxes({self._print(expr.args[0])}, -1, -2)"

    def _print_MatProduct(self, expr):
        return f"numpy.matmul({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_ProductTotal(self, expr):
        return f"_k.matmul_total({self._print(expr.args[0])}, {self._print(expr.args[1])}, {self.batch_size})"

    def _print_CausalSoftmax(self, expr):
        return f"_k.causal_softmax({self._print(expr.args[0])})"

    def _print_Eye(self, expr):
        return f"numpy.eye({self._print(expr.args[0])})"

    def _print_Rows(self, expr):
        return self._window_call("rows", expr)

    def _print_Outer(self, expr):
        return f"_k.outer({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Total(self, expr):
        vectors = _two_vectors(expr.args[0])
        if vectors is not None:  # Σ_k a_k b_k: a matrix-vector product where one is shared, no (N, K) product
            return f"_k.dot({self._print(vectors[0])}, {self._print(vectors[1])})"
        coefficient, rest = expr.args[0].as_coeff_Mul()
        vectors = _two_vectors(rest) if coefficient in (-1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2)) else None
        if vectors is not None:  # Σ_k c a_k b_k with c ±1, ±2, ±1/2 (exact scalings): c Σ_k a_k b_k
            dot = f"_k.dot({self._print(vectors[0])}, {self._print(vectors[1])})"
            return f"-{dot}" if coefficient == -1 else f"{self._print(coefficient)}*{dot}"
        return _reduced(self._print(expr.args[0]), "sum")

    def _print_BatchTotal(self, expr):
        term, rank = expr.args
        return f"_k.total({self._print(term)}, {int(rank)}, {self.batch_size})"

    def _print_OuterTotal(self, expr):
        return f"_k.outer_total({self._print(expr.args[0])}, {self._print(expr.args[1])}, {self.batch_size})"

    def _print_WeightedTotal(self, expr):
        c, v, rank = expr.args
        return f"_k.weighted_total({self._print(c)}, {self._print(v)}, {int(rank)}, {self.batch_size})"

    def _print_Concat(self, expr):
        return f"_k.concat({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Beside(self, expr):
        return f"_k.concat({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Part(self, expr):
        v, start, stop = expr.args
        return f"{self._print(v)}[..., {self._print(start)}:{self._print(stop)}]"

    # -- windows (convolution, pooling): the kernel of the same name, its settings as ints --------
    def _window_call(self, kernel: str, expr) -> str:
        return f"_k.{kernel}({', '.join(self._print(a) for a in expr.args)})"

    def _print_ZeroPad(self, expr):
        return self._window_call("zero_pad", expr)

    def _print_Correlate(self, expr):
        return self._window_call("correlate", expr)

    def _print_Flipped(self, expr):
        return self._window_call("flipped", expr)

    def _print_Spread(self, expr):
        return self._window_call("spread", expr)

    def _print_CorrelateBack(self, expr):
        return self._window_call("correlate_back", expr)

    def _print_KernelCorrelate(self, expr):
        return self._window_call("kernel_correlate", expr)

    def _print_KernelTotal(self, expr):
        return f"_k.kernel_correlate_total({', '.join(self._print(a) for a in expr.args[0].args)}, {self.batch_size})"

    def _print_MaxPool(self, expr):
        return self._window_call("max_pool", expr)

    def _print_AvgPool(self, expr):
        return self._window_call("avg_pool", expr)

    def _print_MaxPoolBack(self, expr):
        return self._window_call("max_pool_back", expr)

    def _print_AvgPoolBack(self, expr):
        return self._window_call("avg_pool_back", expr)

    def _print_Flatten(self, expr):
        return f"_k.flatten({self._print(expr.args[0])})"

    def _print_Unflatten(self, expr):
        return self._window_call("unflatten", expr)

    def _print_floor(self, expr):
        """⌊a/b⌋ of sizes (a window count) as Python's integer division a // b."""
        numerator, denominator = sp.fraction(sp.together(expr.args[0]))
        if denominator == 1:
            return self._print(numerator)
        return f"(({self._print(numerator)})//{self._print(denominator)})"

    def _print_Softmax(self, expr):
        return f"_k.softmax({self._print(expr.args[0])})"

    def _print_LogSumExp(self, expr):
        return f"_k.logsumexp({self._print(expr.args[0])})"

    def _print_MaxOf(self, expr):
        return _reduced(self._print(expr.args[0]), "max")

    # -- functions ---------------------------------------------------------
    def _print_sigmoid(self, expr):
        return f"_k.sigmoid({self._print(expr.args[0])})"

    def _print_Log1pUnit(self, expr):
        return f"_k.log1p_unit({', '.join(self._print(a) for a in expr.args)})"

    def _print_UnitSelect(self, expr):
        return f"numpy.maximum({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_softplus(self, expr):
        return f"_k.softplus({self._print(expr.args[0])})"

    def _print_relu(self, expr):
        return f"numpy.maximum({self._print(expr.args[0])}, 0.0)"

    def _print_leaky_relu(self, expr):
        return f"_k.leaky_relu({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        value = expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2)
        return f"_k.step({self._print(expr.args[0])}, {float(value)!r})"

    def _print_Piecewise(self, expr):
        if len(expr.args) == 2 and expr.args[1].cond == sp.true:
            (then, condition), (otherwise, _) = expr.args
            return f"numpy.where({self._print(condition)}, {self._print(then)}, {self._print(otherwise)})"
        return super()._print_Piecewise(expr)

    def _print_Add(self, expr, order=None):
        products = [t for t in expr.args if isinstance(t, MatVec)]
        if len(expr.args) == 2 and products:  # b + W x: the bias added into the product's new array
            product = products[0]
            other = expr.args[1] if expr.args[0] is product else expr.args[0]
            return self._print_MatVec(product, plus=other)
        return join_terms(expr, self._print, lambda term: self.parenthesize(term, 40))

    def _print_Max(self, expr):
        return self._fold("numpy.maximum", expr.args)

    def _print_Min(self, expr):
        return self._fold("numpy.minimum", expr.args)

    def _fold(self, function: str, args) -> str:
        """max(a, b, c) as numpy.maximum(numpy.maximum(a, b), c)."""
        first, *rest = args
        out = self._print(first)
        for arg in rest:
            out = f"{function}({out}, {self._print(arg)})"
        return out

    def _print_Pow(self, expr, rational=False):
        """A power by multiplications where the exponent is a small integer (b*b*b, 1.0/(b*b)), by
        ``numpy.sqrt`` for ±1/2: numpy.power with any other exponent than 2 and −1 calls the C
        library's pow, about twenty times slower than a multiplication."""
        if expr.exp == -1:
            return f"1.0/{self.parenthesize(expr.base, 60)}"
        exponent = expr.exp
        if exponent.is_Integer and 3 <= abs(int(exponent)) <= 4 or exponent == -2:
            power = self._integer_power(expr.base, abs(int(exponent)))
            return power if exponent > 0 else f"1.0/{power}"
        if exponent == sp.Rational(1, 2):
            return f"numpy.sqrt({self._print(expr.base)})"
        if exponent == -sp.Rational(1, 2):
            return f"1.0/numpy.sqrt({self._print(expr.base)})"
        return super()._print_Pow(expr, rational)

    def _integer_power(self, base, n: int) -> str:
        """base**n (n from 2 to 4) by multiplications: written out for a name, else ``_k.power``
        (so that the base is computed once)."""
        if isinstance(base, (sp.Symbol, ArraySymbol)):
            name = self._print(base)
            return "(" + "*".join([name] * n) + ")"
        return f"_k.power({self._print(base)}, {n})"

    def _print_Relational(self, expr):
        return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Half(self, expr):
        return "0.5"


def _reduced(code: str, method: str) -> str:
    """``code`` reduced over its last axis by the array method ``method`` (``x.sum(axis=-1)``):
    NumPy's arrays and Dask's both have it, and it costs half of ``numpy.sum``'s dispatch on the
    lecture's small arrays."""
    operand = code if code.isidentifier() else f"({code})"
    return f"{operand}.{method}(axis=-1)"


def _two_vectors(term: sp.Expr):
    """(a, b) when ``term`` is the product of two vectors a ⊙ b, as a sum over components reads it; else None."""
    if not isinstance(term, sp.Mul) or len(term.args) != 2:
        return None
    a, b = term.args
    if len(shape_of(a)) == 1 and len(shape_of(b)) == 1 and not isinstance(a, Pad) and not isinstance(b, Pad):
        return a, b
    return None


def pad_ranks(expr: sp.Basic) -> sp.Basic:
    """Wrap each lower-rank operand of an element-wise node in :class:`Pad`."""
    if not expr.args or isinstance(expr, (ArraySymbol, sp.Indexed)):
        return expr
    args = [pad_ranks(a) for a in expr.args]
    if isinstance(expr, (ArrayOp, sp.Piecewise, ExprCondPair)):
        return expr.func(*args)
    rank = len(shape_of(expr))
    padded = []
    for original, new in zip(expr.args, args):
        missing = rank - len(shape_of(original))
        if not (missing and is_batched(original)):
            padded.append(new)
        elif isinstance(new, sp.Pow) and new.exp == -1:  # keep a / b readable: pad b
            padded.append(sp.Pow(Pad(new.base, missing), -1, evaluate=False))
        else:
            padded.append(Pad(new, missing))
    return expr.func(*padded, evaluate=False) if isinstance(expr, (sp.Add, sp.Mul)) else expr.func(*padded)


def is_batched(expr: sp.Basic) -> bool:
    """Whether generated code holds ``expr`` with a batch axis: it uses an input or quantity.
    A size such as D is a plain Python int there and needs no padding."""
    return any(isinstance(s, ArraySymbol) for s in expr.free_symbols)


_PRINTER = BatchedNumPyPrinter()


def numpy_code(expr: sp.Basic) -> str:
    """Batched NumPy source of one expression."""
    return _PRINTER.doprint(pad_ranks(sp.sympify(expr, strict=True)))


#: Functions whose code is one NumPy ufunc of their one argument, which can write into ``out=``.
_UFUNCS = {sp.exp: "numpy.exp", sp.log: "numpy.log", sp.tanh: "numpy.tanh", sp.Abs: "numpy.absolute"}


def numpy_code_into(expr: sp.Basic, out: str) -> str | None:
    """Batched NumPy source of ``expr`` whose last operation writes into the array ``out`` (the
    code of an expression: ``numpy.subtract(y_hat, y, out=OUT)``), or None when its last operation
    is no ufunc (a ``numpy.where``, a kernel): the caller then copies. ``out`` may evaluate to None,
    and the ufunc allocates its result as usual."""
    expr = pad_ranks(sp.sympify(expr, strict=True))
    show = _PRINTER.doprint
    if isinstance(expr, sp.Add):
        *rest, last = positive_first(expr)
        if not rest or rest[0].could_extract_minus_sign():
            return None
        first = sp.Add(*rest, evaluate=False) if len(rest) > 1 else rest[0]
        if last.could_extract_minus_sign():
            return f"numpy.subtract({show(first)}, {show(-last)}, out={out})"
        return f"numpy.add({show(first)}, {show(last)}, out={out})"
    if isinstance(expr, sp.Mul):
        factors = list(expr.args)
        if factors[0] == sp.S.NegativeOne:
            rest = sp.Mul(*factors[1:], evaluate=False) if len(factors) > 2 else factors[1]
            return f"numpy.negative({show(rest)}, out={out})"
        inverses = [f for f in factors if isinstance(f, sp.Pow) and f.exp == -1]
        last = inverses[0] if len(inverses) == 1 else factors[-1]
        others = [f for f in factors if f is not last]
        rest = sp.Mul(*others, evaluate=False) if len(others) > 1 else others[0]
        if last in inverses:
            return f"numpy.divide({show(rest)}, {show(last.base)}, out={out})"
        return f"numpy.multiply({show(rest)}, {show(last)}, out={out})"
    if isinstance(expr, sp.Pow) and expr.exp == 2:
        return f"numpy.square({show(expr.base)}, out={out})"
    if isinstance(expr, sp.Max) and len(expr.args) == 2:
        return f"numpy.maximum({show(expr.args[0])}, {show(expr.args[1])}, out={out})"
    if type(expr) in _UFUNCS:
        return f"{_UFUNCS[type(expr)]}({show(expr.args[0])}, out={out})"
    return None


def total_code(expr: sp.Basic, totals=frozenset(), batch_size: str = BATCH_SIZE) -> str:
    """Batched NumPy source of the sum over the batch of ``expr`` (see "Sums over the batch").

    ``totals`` are the quantities (their symbols) that already hold a sum over the batch; a term
    may use one only alone, times numbers (``dE/dw + 2λw``): a ValueError names any other use.
    ``batch_size`` names the variable holding the number of examples (a value shared by the batch
    counts that many times)."""
    expr, totals = sp.sympify(expr, strict=True), frozenset(totals)
    rank = len(shape_of(expr))
    kept, outers, rest = [], [], []
    for term in sp.Add.make_args(expr):
        arrays = {s for s in term.free_symbols if isinstance(s, ArraySymbol)}
        if arrays & totals:
            if len(arrays) > 1 or any(f not in totals and f.free_symbols & arrays for f in sp.Mul.make_args(term)):
                used = ", ".join(sorted(s.name for s in arrays & totals))
                raise ValueError(f"{sp.sstr(term)}: a sum over the batch ({used}) may only be added, times a "
                                 "number; this term would mix it with per-example values")
            kept.append(pad_ranks(term))  # already a sum over the batch
        elif isinstance(term, KernelCorrelate):
            outers.append(KernelTotal(pad_ranks(term)))
        elif isinstance(term, MatProduct):
            outers.append(ProductTotal(*(pad_ranks(a) for a in term.args)))
        elif _outer_product(term) is not None:
            outers.append(_outer_total(term))
        elif _weighted(term, rank) is not None:
            weights, array = _weighted(term, rank)
            outers.append(WeightedTotal(weights, pad_ranks(array), rank))
        else:
            rest.append(term)
    if rest:  # the sum is linear: the other terms are summed together, in one pass
        others = sp.Add(*rest)
        total = BatchTotal(pad_ranks(others), len(shape_of(others)))
        missing = rank - len(shape_of(others))
        kept.append(Pad(total, missing) if missing and is_batched(others) else total)
    printer = _PRINTER if batch_size == BATCH_SIZE else BatchedNumPyPrinter(batch_size)
    return printer.doprint(sp.Add(*kept, *outers, evaluate=False))


def _weighted(term: sp.Expr, rank: int):
    """(c, v) when ``term`` is one array v of the sum's rank times scalar factors c that vary with the
    example (Σ_n c_n v_n is then one matrix-vector product); else None."""
    factors = sp.Mul.make_args(term)
    arrays = [f for f in factors if shape_of(f) != ()]
    scalars = [f for f in factors if shape_of(f) == ()]
    if len(arrays) != 1 or len(shape_of(arrays[0])) != rank or not any(is_batched(s) for s in scalars):
        return None
    return sp.Mul(*scalars), arrays[0]


def _outer_product(term: sp.Expr):
    """The outer product a bᵀ of a term that is one, times scalars; else None."""
    factors = sp.Mul.make_args(term)
    outers = [f for f in factors if isinstance(f, Outer)]
    if len(outers) == 1 and all(not shape_of(f) for f in factors if f is not outers[0]):
        return outers[0]
    return None


def _outer_total(term: sp.Expr) -> sp.Expr:
    """Σ_n of c a bᵀ (c the scalar factors) as Σ_n (c a) bᵀ: one matrix product, never (N, m, k) arrays."""
    outer = _outer_product(term)
    a, b = outer.args
    scale = [f for f in sp.Mul.make_args(term) if f is not outer]
    if scale == [sp.S.NegativeOne]:  # − a bᵀ
        return -OuterTotal(pad_ranks(a), pad_ranks(b))
    return OuterTotal(pad_ranks(sp.Mul(*scale, a)), pad_ranks(b))
