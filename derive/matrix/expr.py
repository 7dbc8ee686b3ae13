r"""Expressions of vectors and matrices with known shapes: the matrix calculus's vocabulary.

A node is a frozen dataclass (hashable, compared by structure, so equal subexpressions
are found by ``==``) with a ``shape`` (rows, cols): a scalar is (1, 1), a vector a
column (n, 1), ``x^\top`` a row (1, n). Nodes are made by the functions at the end of
this module (:func:`matmul`, :func:`add`, ...), never by calling the classes: they
check shapes (a :class:`ShapeError` names both operands and their shapes) and apply
the simplifications every reader makes without a second thought (1·x = x, (xᵀ)ᵀ = x,
(AB)ᵀ = BᵀAᵀ, x + x = 2x, AI = A). Each such rewrite is an identity, and every
derivation built from them is proven component by component (:mod:`derive.matrix.prove`).

``\mathbf{1}`` and ``I`` take the size their product needs: made with a size of
``None``, they are given one by the first operation that fixes it (:func:`fit`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from derive.errors import InputError

Shape = tuple  # (rows, cols); an entry may be None while a \mathbf{1} or I waits for its size
SCALAR = (1, 1)

#: The element-wise functions and what each is called in messages.
ELEMENTWISE = ("sigmoid", "tanh", "exp", "log", "softplus", "relu", "sqrt", "abs", "sign", "step")


class ShapeError(InputError):
    """Two shapes that do not fit; the message names the operation, both operands and their shapes."""


# -- nodes ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    shape: Shape

    @property
    def children(self) -> tuple:
        return ()

    def with_children(self, children: tuple) -> Node:
        """The same operation on other operands, through its checking constructor."""
        return self

    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @property
    def is_vector(self) -> bool:
        return self.shape[1] == 1 and self.shape[0] != 1

    def __str__(self) -> str:
        from derive.matrix.printing import text
        return text(self)


@dataclass(frozen=True)
class Var(Node):
    name: str  # the plain name: x, W_1, y_hat, mu


@dataclass(frozen=True)
class Number(Node):
    value: sp.Rational


@dataclass(frozen=True)
class Ones(Node):
    """The all-ones vector or matrix (``\\mathbf{1}``)."""


@dataclass(frozen=True)
class Identity(Node):
    """The identity matrix ``I``."""


@dataclass(frozen=True)
class Zero(Node):
    pass


@dataclass(frozen=True)
class Add(Node):
    terms: tuple

    @property
    def children(self):
        return self.terms

    def with_children(self, children):
        return add(*children)


@dataclass(frozen=True)
class Scale(Node):
    """A scalar times an array (or a scalar)."""
    factor: Node
    body: Node

    @property
    def children(self):
        return (self.factor, self.body)

    def with_children(self, children):
        return scale(*children)


@dataclass(frozen=True)
class MatMul(Node):
    left: Node
    right: Node

    @property
    def children(self):
        return (self.left, self.right)

    def with_children(self, children):
        return matmul(*children)


@dataclass(frozen=True)
class Hadamard(Node):
    left: Node
    right: Node

    @property
    def children(self):
        return (self.left, self.right)

    def with_children(self, children):
        return hadamard(*children)


@dataclass(frozen=True)
class Quotient(Node):
    """``numerator / denominator``: the denominator a scalar, or of the numerator's shape (element-wise)."""
    numerator: Node
    denominator: Node

    @property
    def children(self):
        return (self.numerator, self.denominator)

    def with_children(self, children):
        return divide(*children)


@dataclass(frozen=True)
class Power(Node):
    """Element-wise power by a number."""
    base: Node
    exponent: sp.Rational

    @property
    def children(self):
        return (self.base,)

    def with_children(self, children):
        return power(children[0], self.exponent)


@dataclass(frozen=True)
class Transpose(Node):
    body: Node

    @property
    def children(self):
        return (self.body,)

    def with_children(self, children):
        return transpose(children[0])


@dataclass(frozen=True)
class Apply(Node):
    """An element-wise function (one of :data:`ELEMENTWISE`)."""
    function: str
    body: Node

    @property
    def children(self):
        return (self.body,)

    def with_children(self, children):
        return apply(self.function, children[0])


@dataclass(frozen=True)
class Reduce(Node):
    """A scalar or array function of a whole array: softmax, lse, norm2, norm1, sqnorm, trace,
    total, inverse, logdet, det, diag."""
    function: str
    body: Node

    @property
    def children(self):
        return (self.body,)

    def with_children(self, children):
        return REDUCERS[self.function](children[0])


# -- shapes in words ------------------------------------------------------------------------------------
def shape_text(shape: Shape) -> str:
    """``(3, 1)`` -> ``3``, ``(2, 3)`` -> ``2×3``, ``(1, 1)`` -> ``scalar``, as --shape declares them."""
    rows, cols = shape
    if (rows, cols) == SCALAR:
        return "scalar"
    if cols == 1:
        return f"{rows if rows is not None else 'n'}"
    return f"{rows if rows is not None else 'n'}×{cols if cols is not None else 'n'}"


def _operand(node: Node) -> str:
    return f"{node} ({shape_text(node.shape)})"


def _mismatch(what: str, a: Node, b: Node, why: str = "") -> ShapeError:
    return ShapeError(f"cannot {what} {_operand(a)} and {_operand(b)}" + (f": {why}" if why else ""))


# -- sizes of \mathbf{1} and I ------------------------------------------------------------------------
def has_open_size(node: Node) -> bool:
    return None in node.shape


def fit(node: Node, shape: Shape) -> Node:
    """``node`` with its open sizes (a ``\\mathbf{1}`` or ``I`` of unknown length) set from ``shape``;
    sizes already known must agree (the caller checks)."""
    if not has_open_size(node):
        return node
    want = tuple(w if s is None else s for s, w in zip(node.shape, shape))
    if isinstance(node, Ones):
        return ones(want)
    if isinstance(node, Identity):
        size = next((s for s in want if s is not None), None)
        return identity(size)
    if isinstance(node, Transpose):
        return transpose(fit(node.body, (want[1], want[0])))
    if isinstance(node, Scale):
        return scale(node.factor, fit(node.body, want))
    if isinstance(node, (Add, Hadamard)):
        return node.with_children(tuple(fit(c, want) for c in node.children))
    return node


def _agree(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b


# -- constructors ---------------------------------------------------------------------------------------
def var(name: str, shape: Shape = SCALAR) -> Var:
    return Var(tuple(shape), name)


def number(value) -> Number:
    return Number(SCALAR, sp.Rational(value) if not isinstance(value, sp.Rational) else value)


ONE = None  # set below
MINUS_ONE = None


def ones(shape: Shape) -> Node:
    shape = tuple(shape)
    return ONE if shape == SCALAR else Ones(shape)


def identity(size: int | None) -> Node:
    return ONE if size == 1 else Identity((size, size))


def zero(shape: Shape) -> Node:
    return Zero(tuple(shape))


def _number_of(node: Node):
    return node.value if isinstance(node, Number) else None


def _split_coefficient(node: Node) -> tuple[sp.Rational, Node]:
    """``3 x`` -> (3, x); ``x`` -> (1, x); a number n -> (n, 1)."""
    if isinstance(node, Number):
        return node.value, ONE
    if isinstance(node, Scale) and isinstance(node.factor, Number):
        return node.factor.value, node.body
    return sp.Integer(1), node


def add(*terms: Node) -> Node:
    flat = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, Add) else [term])
    shape = _common_shape(flat, "add")
    flat = [fit(t, shape) for t in flat]
    coefficients: dict = {}
    for term in flat:
        if isinstance(term, Zero):
            continue
        c, body = _split_coefficient(term)
        coefficients[body] = coefficients.get(body, 0) + c
    kept = [scale(number(c), body) for body, c in coefficients.items() if c != 0]
    if not kept:
        return zero(shape)
    if len(kept) == 1:
        return kept[0]
    return Add(shape, tuple(kept))


def _common_shape(terms, what: str) -> Shape:
    shape = terms[0].shape
    for term in terms[1:]:
        if not (_agree(shape[0], term.shape[0]) and _agree(shape[1], term.shape[1])):
            raise _mismatch(what, terms[0], term, "the shapes differ")
        shape = tuple(a if a is not None else b for a, b in zip(shape, term.shape))
    return shape


def neg(node: Node) -> Node:
    return scale(MINUS_ONE, node)


def sub(a: Node, b: Node) -> Node:
    return add(a, neg(b))


def scale(factor: Node, body: Node) -> Node:
    """``factor`` (a scalar) times ``body``, with every number coefficient gathered in front: 2 (3 x) = 6 x."""
    if not factor.is_scalar:
        if not body.is_scalar:
            raise _mismatch("scale", body, factor, "the factor must be a scalar")
        factor, body = body, factor
    if isinstance(body, Zero) or isinstance(factor, Zero):
        return zero(body.shape)
    c1, f = _split_coefficient(factor)
    c2, b = _split_coefficient(body)
    c = c1 * c2
    if c == 0:
        return zero(body.shape)
    if isinstance(f, Quotient) and f.numerator == ONE and not b.is_scalar:
        core = Quotient(b.shape, b, f.denominator)  # (1/d) x = x/d
    else:
        core = b if f == ONE else (f if b == ONE else Scale(b.shape, f, b))
    if c == 1:
        return core
    if core == ONE:
        return number(c)
    return Scale(core.shape, number(c), core)


def multiply_scalars(a: Node, b: Node) -> Node:
    if isinstance(a, Number) and isinstance(b, Number):
        return number(a.value * b.value)
    if isinstance(b, Number):
        a, b = b, a
    return scale(a, b)


def matmul(left: Node, right: Node) -> Node:
    if left.is_scalar or right.is_scalar:
        return scale(left, right) if left.is_scalar else scale(right, left)
    if not _agree(left.shape[1], right.shape[0]):
        raise ShapeError(f"cannot multiply {_operand(left)} by {_operand(right)}: "
                         f"{left.shape[1]} columns against {right.shape[0]} rows")
    inner = left.shape[1] if left.shape[1] is not None else right.shape[0]
    left = fit(left, (left.shape[0], inner))
    right = fit(right, (inner, right.shape[1]))
    if isinstance(left, Zero) or isinstance(right, Zero):
        return zero((left.shape[0], right.shape[1]))
    if isinstance(left, Identity):
        return right
    if isinstance(right, Identity):
        return left
    if isinstance(left, Scale):
        return scale(left.factor, matmul(left.body, right))
    if isinstance(right, Scale):
        return scale(right.factor, matmul(left, right.body))
    if left.is_scalar or right.is_scalar:  # fitting made one of them 1×1
        return matmul(left, right)
    return MatMul((left.shape[0], right.shape[1]), left, right)


def hadamard(left: Node, right: Node) -> Node:
    if left.is_scalar or right.is_scalar:
        return scale(left, right) if left.is_scalar else scale(right, left)
    shape = _common_shape([left, right], "multiply element-wise")
    left, right = fit(left, shape), fit(right, shape)
    if isinstance(left, Ones):
        return right
    if isinstance(right, Ones):
        return left
    if isinstance(left, Zero) or isinstance(right, Zero):
        return zero(shape)
    if isinstance(left, Scale):
        return scale(left.factor, hadamard(left.body, right))
    if isinstance(right, Scale):
        return scale(right.factor, hadamard(left, right.body))
    return Hadamard(shape, left, right)


def divide(numerator: Node, denominator: Node) -> Node:
    if isinstance(denominator, Number):
        if denominator.value == 0:
            raise InputError(f"division by zero: {numerator} / 0")
        return scale(number(1 / denominator.value), numerator)
    if not denominator.is_scalar:
        if numerator.is_scalar:
            numerator = scale(numerator, ones(denominator.shape))
        shape = _common_shape([numerator, denominator], "divide element-wise")
        numerator, denominator = fit(numerator, shape), fit(denominator, shape)
    if isinstance(numerator, Zero):
        return numerator
    if isinstance(numerator, Scale) and isinstance(numerator.factor, Number):
        return scale(numerator.factor, divide(numerator.body, denominator))
    if isinstance(denominator, Scale) and isinstance(denominator.factor, Number):  # a / (c d) = (1/c) a/d
        return scale(number(1 / denominator.factor.value), divide(numerator, denominator.body))
    return Quotient(numerator.shape, numerator, denominator)


def power(base: Node, exponent) -> Node:
    exponent = sp.Rational(exponent)
    if exponent == 1:
        return base
    if exponent == 0:
        return ones(base.shape)
    if isinstance(base, Number):
        value = base.value ** exponent
        if value.is_Rational:
            return number(value)
    if isinstance(base, Reduce) and base.function == "norm2" and exponent == 2:
        return sqnorm(base.body)
    if isinstance(base, Power):
        return power(base.base, base.exponent * exponent)
    return Power(base.shape, base, exponent)


def transpose(body: Node) -> Node:
    if body.is_scalar:
        return body
    if isinstance(body, Transpose):
        return body.body
    if isinstance(body, (Identity, Zero, Ones)):
        return type(body)((body.shape[1], body.shape[0]))
    if isinstance(body, Scale):
        return scale(body.factor, transpose(body.body))
    if isinstance(body, MatMul):  # (AB)ᵀ = BᵀAᵀ
        return matmul(transpose(body.right), transpose(body.left))
    return Transpose((body.shape[1], body.shape[0]), body)


def transpose_terms(node: Node) -> Node:
    """Nodeᵀ with the transpose taken into a sum: (A + Aᵀ)ᵀ = Aᵀ + A (which :func:`add` then orders)."""
    if isinstance(node, Add):
        return add(*(transpose(t) for t in node.terms))
    return transpose(node)


def apply(function: str, body: Node) -> Node:
    if function not in ELEMENTWISE:
        raise InputError(f"unknown element-wise function {function!r}")
    return Apply(body.shape, function, body)


def _needs_vector(name: str, body: Node) -> None:
    if body.shape[1] != 1 or body.is_scalar:
        raise ShapeError(f"{name} needs a vector, got {_operand(body)}")


def _needs_square(name: str, body: Node) -> None:
    rows, cols = body.shape
    if not _agree(rows, cols):
        raise ShapeError(f"{name} needs a square matrix, got {_operand(body)}")


def softmax(body: Node) -> Node:
    _needs_vector("softmax", body)
    return Reduce(body.shape, "softmax", body)


def logsumexp(body: Node) -> Node:
    _needs_vector("log-sum-exp", body)
    return Reduce(SCALAR, "lse", body)


def norm(body: Node, kind: str = "2") -> Node:
    """``kind``: '2' (Euclidean, vectors), '1' (sum of absolute values), 'F' (Frobenius)."""
    if body.is_scalar:
        return apply("abs", body)
    if kind == "2" and not body.is_vector and body.shape[0] != 1:
        raise ShapeError(f"the Euclidean norm \\|·\\| is for vectors; {_operand(body)} is a matrix "
                         f"(write \\|·\\|_F for the Frobenius norm)")
    return Reduce(SCALAR, {"2": "norm2", "F": "norm2", "1": "norm1"}[kind], body)


def sqnorm(body: Node) -> Node:
    """‖a‖² (Euclidean or Frobenius)."""
    if body.is_scalar:
        return power(body, 2)
    return Reduce(SCALAR, "sqnorm", body)


def norm1(body: Node) -> Node:
    return norm(body, "1")


def norm2(body: Node) -> Node:
    return norm(body, "F")


def trace(body: Node) -> Node:
    _needs_square("the trace", body)
    if body.is_scalar:
        return body
    return Reduce(SCALAR, "trace", body)


def total(body: Node) -> Node:
    """The sum of all components."""
    if body.is_scalar:
        return body
    if isinstance(body, Scale):
        return scale(body.factor, total(body.body))
    return Reduce(SCALAR, "total", body)


def inverse(body: Node) -> Node:
    _needs_square("the inverse", body)
    if body.is_scalar:
        return power(body, -1)
    if isinstance(body, Identity):
        return body
    return Reduce(body.shape, "inverse", body)


def logdet(body: Node) -> Node:
    _needs_square("the log-determinant", body)
    if body.is_scalar:
        return apply("log", body)
    return Reduce(SCALAR, "logdet", body)


def det(body: Node) -> Node:
    _needs_square("the determinant", body)
    if body.is_scalar:
        return body
    return Reduce(SCALAR, "det", body)


def diag(body: Node) -> Node:
    _needs_vector("diag", body)
    return Reduce((body.shape[0], body.shape[0]), "diag", body)


REDUCERS = {"softmax": softmax, "lse": logsumexp, "norm2": norm2, "norm1": norm1, "sqnorm": sqnorm,
            "trace": trace, "total": total, "inverse": inverse, "logdet": logdet, "det": det, "diag": diag}

ONE = Number(SCALAR, sp.Integer(1))
MINUS_ONE = Number(SCALAR, sp.Integer(-1))


# -- walking ------------------------------------------------------------------------------------------
def variables(node: Node) -> dict[str, Shape]:
    """The named variables in ``node`` with their shapes, in order of first appearance."""
    found: dict[str, Shape] = {}

    def walk(n):
        if isinstance(n, Var):
            found.setdefault(n.name, n.shape)
        for child in n.children:
            walk(child)
    walk(node)
    return found


def depends_on(node: Node, name: str) -> bool:
    if isinstance(node, Var):
        return node.name == name
    return any(depends_on(child, name) for child in node.children)


def at_path(node: Node, path: tuple) -> Node:
    for index in path:
        node = node.children[index]
    return node


def replace_paths(node: Node, paths, new: Node) -> Node:
    """``node`` with the subexpressions at ``paths`` replaced by ``new``, rebuilt without simplifying
    (the shapes are unchanged, so the result is well formed)."""
    if () in paths:
        return new
    if not paths:
        return node
    children = list(node.children)
    for index in {p[0] for p in paths}:
        children[index] = replace_paths(children[index], [p[1:] for p in paths if p[0] == index], new)
    return _raw_rebuild(node, tuple(children))


def _raw_rebuild(node: Node, children: tuple) -> Node:
    fields = {Add: ("terms",), Scale: ("factor", "body"), MatMul: ("left", "right"),
              Hadamard: ("left", "right"), Quotient: ("numerator", "denominator"), Power: ("base",),
              Transpose: ("body",), Apply: ("body",), Reduce: ("body",)}[type(node)]
    if fields == ("terms",):
        return replace(node, terms=children)
    return replace(node, **dict(zip(fields, children)))
