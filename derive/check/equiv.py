r"""Is a hand-derived formula equal to a rule's quantity? If not, which usual mistake is it?

How it works
------------
1. **Read.** The LaTeX adapter parses the formula; the student's names are then
   mapped onto the rule's by their plain names: ``\hat{y}`` is the rule's ``y_hat``,
   ``\hat{y}_j`` its component j, ``\frac{\partial L}{\partial h}`` the quantity
   ``dL/dh``; in ``vae_kl``, ``\sigma`` is exp(logvar / 2) (so ``\log\sigma^2`` is
   logvar); a size of the rule (``N`` samples, ``K`` classes...) that is not also one of
   its names is that size, a number. ``\delta_{kj}`` is the Kronecker delta;
   ``\frac{\partial \hat{y}}{\partial s}``, not itself a quantity, is the derivative of
   the rule's scalar by its input. Sums have at most 200 terms.

   Matrix notation is settled here, bottom up, once every name has its shape (the
   adapter reads it with ``arrays=True`` and leaves :class:`~derive.latex.adapter.InOrder`
   products, norms and ``\mathbf{1}`` for this). Vectors are columns; a product is
   read in its written order when a row vector (``x^\top``, ``(a - b)^\top``), a
   ``\mathbf{1}`` or two matrices are in it: a row times a column is the inner product
   (a number), a column times a row the outer product, ``W v`` and ``v^\top W`` are
   matrix-vector products, ``A B`` a matrix product, two vectors side by side or joined
   by ``\odot`` multiply component-wise (juxtaposition binds tighter: ``z \odot W v`` is
   z ⊙ (W v)); ``\mathbf{1}`` takes the length its
   neighbour needs (``\mathbf{1}^\top v`` is Σ v), and beside a vector in a sum is 1.
   Any other product (``W^\top \delta \odot z``) is read as before: the vectors whose
   length is the matrix's column count go inside the matrix-vector product, the others
   multiply the result element-wise, and ``a b^\top`` is an outer product.
   ``\|v\|`` is sqrt(Σ v²) (of every entry of a matrix: ``\|M\|_F``), ``\|v\|_1`` is
   Σ |v|, a norm of a number its absolute value; ``\operatorname{tr}`` needs a square
   matrix. Shapes that do not fit (x^\top y of two lengths, a column times a matrix,
   ``\|M\|_2``, ``\operatorname{tr}`` of a non-square matrix) are unusable input, a
   one-line :class:`~derive.errors.LatexError` naming the product and both shapes.
2. **Decide.** :func:`derive.check.compare.compare` realizes both sides at small
   concrete sizes (every size 2, then every size 3), component by component (a
   formula with a free index, ``\hat{y}_j - y_j``, once per value of the index),
   and decides: symbolically first, then numerically at random points of the
   inputs' domains, which yields a counterexample when they differ. A formula
   that is undefined at a point where the quantity is defined differs there.
3. **Diagnose.** When they differ, the formula is first tried as the quantity in each other
   convention of the rule (½ in the squared error, λ/2, log₂, a mean: the diagnosis names it
   and the declaration to add) and as the notes' δ = r − y quantities; then the usual
   mistakes are tried in turn, each as
   a rewrite of the correct formula G (its definition or any step of its
   derivation in the rule) or of the student's F, compared numerically at the
   same random points: F = −G (sign), F = c·G (a constant factor), log base 10,
   a transposed matrix (or outer product, or a b^T where a^T b belongs), the derivative
   of the wrong activation (σ' = a(1 − a), tanh' = 1 − a², ReLU' = H(x) swapped), a term
   of a sum missing, extra, sign-flipped or off by a factor. A formula of the wrong shape, or undefined
   where the quantity is defined, is said so.

Example: for ``softmax_ce``, ``dL/do`` and ``y_j - \hat{y}_j``, the realized
difference at K = 2 is not 0; F/G = −1 at every point: "the sign is flipped".

Everything runs under one budget of CPU time (:func:`derive.engine.budget.time_budget`,
on any thread: :func:`derive.engine.budget.bounded`); a formula that cannot be decided
within it raises :class:`derive.errors.TooComplex` (``derive equiv``: exit 2, one line),
so the verdict is always ``equivalent`` or ``not_equivalent``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from derive.check.compare import (
    Deadline, Evaluator, Form, ShapeMismatch, compare, concrete_sizes, free_indices, quantities_used, realize,
    same_values,
)
from derive.check.conventions import TRADITION
from derive.check.messages import Text
from derive.engine.budget import bounded, time_budget
from derive.engine.conventions import alternatives, declaration_text, in_convention, meaning
from derive.engine.realize import Realizer
from derive.errors import InputError, LatexError, TooComplex
from derive.latex.adapter import InOrder, Norm, Ones, parse_latex
from derive.naming import gradient_parts, is_gradient
from derive.printing.errors_ko import translate
from derive.printing.latex import latex
from derive.symbolic.arrays import ArrayOp, ArraySymbol, MatProduct, MatVec, Outer, Total, Trace, Transpose, shape_of
from derive.symbolic.functions import sigmoid

#: CPU seconds, sized for the slowest ordinary formula (under 2 s, the LaTeX parser's first load
#: included) many times over: whether a formula is decided must not depend on the machine's load.
EQUIV_SECONDS = 20.0
DIAGNOSIS_SECONDS = 8.0
SIZES = (2, 3)
MAX_SUM_TERMS = 200
DIAGNOSIS_POINTS = 40
MAX_CANDIDATES = 120
#: \delta_{kj} (read as the name delta_kj): the Kronecker delta of two index letters.
_KRONECKER = re.compile(r"delta_([a-z])_?([a-z])")
LOG_BASE = Text("eq_log_base")


@dataclass
class Equivalence:
    verdict: str  # "equivalent" | "not_equivalent"
    diagnosis: str  # in English (the JSON report's); built from a Text, said in any language by say()
    counterexample: dict | None = None
    #: convention, sign, factor, log_base, transpose, activation, missing_term, extra_term, term_sign,
    #: term_factor, shape, undefined; None when equivalent or not recognized
    mistake: str | None = None
    method: str = ""

    def __post_init__(self):
        self.text = self.diagnosis if isinstance(self.diagnosis, Text) else None
        self.diagnosis = str(self.diagnosis)

    def say(self, lang: str = "en") -> str:
        """The diagnosis in ``lang`` (en or ko)."""
        return self.text.say(lang) if self.text is not None else translate(self.diagnosis, lang)

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "diagnosis": self.diagnosis, "counterexample": self.counterexample,
                "mistake": self.mistake, "method": self.method}


# -- reading a formula in a rule's names ---------------------------------------------

def rule_names(rule) -> list[str]:
    return list(rule.inputs) + [q for q in rule.quantities if not q.startswith("_")]


def index_sizes(rule) -> dict:
    """Unbounded sums run over the rule's only size when it has one (Z in vae_kl, N in linreg)."""
    dims = sorted(d.name for d in rule.size_symbols())
    return {letter: dims[0] for letter in "ijknt"} if len(dims) == 1 else {}


def read_formula(rule, text: str, where: str, *, allow_unknown: bool = False) -> sp.Expr:
    """Parse ``text`` and map its symbols onto ``rule``'s (see the module's docstring)."""
    expr = parse_latex(text, where=where, sizes=index_sizes(rule), names=rule_names(rule), arrays=True)
    expr = _map_symbols(rule, expr, where, allow_unknown)
    _check_sums(rule, expr, where)
    return _array_products(expr, where)


def _sigma_is_std(rule) -> bool:
    return "logvar" in rule.inputs and "sigma" not in rule.inputs and "sigma" not in rule.quantities


def _map_symbols(rule, expr: sp.Expr, where: str, allow_unknown: bool) -> sp.Expr:
    names = set(rule_names(rule))
    known = ", ".join(rule_names(rule))
    replace = {}
    for node in expr.atoms(sp.Indexed):
        label, index = str(node.base.label), node.indices
        if label in names:
            rank = len(rule.symbol(label).shape)
            if rank != len(index):
                raise LatexError(f"{where}: {label} has {rank} index(es) in {rule.name}, the formula gives "
                                 f"{len(index)}")
            replace[node] = sp.IndexedBase(label, real=True)[index]
        elif label == "sigma" and _sigma_is_std(rule):
            replace[node] = sp.exp(sp.IndexedBase("logvar", real=True)[index] / 2)
        elif is_gradient(label) and _derivative_of_parts(rule, label, vector=True):
            of, wrt = gradient_parts(label)
            replace[node] = sp.Derivative(rule.symbol(of), sp.IndexedBase(wrt, real=True)[index])
        else:
            raise LatexError(f"{where}: unknown name '{label}' with an index for rule {rule.name} "
                             f"(its names: {known})")
    expr = expr.xreplace(replace)
    dims = {d.name: d for d in rule.size_symbols()}
    labels = {node.base.label for node in expr.atoms(sp.Indexed)}
    replace = {}
    for symbol in expr.free_symbols:
        if isinstance(symbol, (sp.Indexed, Ones)) or symbol in labels:
            continue
        name = symbol.name
        if symbol.is_integer:
            if name in dims:
                replace[symbol] = dims[name]
        elif name in names:
            replace[symbol] = rule.symbol(name)
        elif name == "sigma" and _sigma_is_std(rule):
            replace[symbol] = sp.exp(rule.symbol("logvar") / 2)
        elif name in dims:  # a size used as a number: the N of 1/N
            replace[symbol] = dims[name]
        elif (delta := _KRONECKER.fullmatch(name)) is not None:
            replace[symbol] = sp.KroneckerDelta(*(sp.Symbol(i, integer=True, positive=True) for i in delta.groups()))
        elif is_gradient(name) and _derivative_of_parts(rule, name, vector=False):
            of, wrt = gradient_parts(name)
            replace[symbol] = sp.Derivative(rule.symbol(of), rule.symbol(wrt))
        elif not allow_unknown:
            raise LatexError(f"{where}: unknown name '{name}' for rule {rule.name} (its names: {known})")
    return expr.xreplace(replace)


def _derivative_of_parts(rule, name: str, *, vector: bool) -> bool:
    """dA/dB that is not a quantity: A a scalar of the rule, B an input (a vector one when indexed)."""
    of, wrt = gradient_parts(name)
    if of not in rule_names(rule) or wrt not in rule.inputs or rule.symbol(of).shape:
        return False
    return bool(rule.inputs[wrt].shape) == vector


def _check_sums(rule, expr: sp.Expr, where: str) -> None:
    dims = {d.name for d in rule.size_symbols()}
    for node in expr.atoms(sp.Sum):
        for _, low, high in node.limits:
            span = high - low
            if span.is_number:
                if span + 1 > MAX_SUM_TERMS:
                    raise TooComplex(f"{where}: a sum of {span + 1} terms (at most {MAX_SUM_TERMS})")
                continue
            unknown = sorted(s.name for s in span.free_symbols if s.name not in dims)
            if unknown:
                sizes = ", ".join(sorted(dims)) or "none"
                raise LatexError(f"{where}: the sum runs to {', '.join(unknown)}, which is not a size of "
                                 f"{rule.name} (its sizes: {sizes})")


ONES = Ones()


def _array_products(expr: sp.Expr, where: str) -> sp.Expr:
    """Products, transposes, norms and traces read with the shapes of the rule's names."""
    expr = _resolve(expr, where)
    # a \mathbf{1} that no product gave a length is beside a vector (1 - y) or a number: the number 1
    return expr.xreplace({Transpose(ONES): sp.Integer(1), ONES: sp.Integer(1)})


def _resolve(expr: sp.Basic, where: str) -> sp.Basic:
    """Bottom up, so that every operand's shape is known when its parent is read."""
    if not expr.args or isinstance(expr, (sp.Indexed, ArraySymbol)):
        return expr
    args = [_resolve(a, where) if isinstance(a, sp.Basic) else a for a in expr.args]
    if isinstance(expr, (InOrder, sp.Mul)):
        return _product(args, where, ordered=isinstance(expr, InOrder))
    if isinstance(expr, Norm):
        return _norm(type(expr).subscript, args[0], where)
    if isinstance(expr, Trace):
        return _trace(args[0], where)
    if isinstance(expr, Transpose):
        return _transpose(args[0])
    return expr.func(*args) if args != list(expr.args) else expr


def _rank(expr) -> int:
    try:
        return len(shape_of(expr))
    except ValueError:
        return 0


def _is_row(expr) -> bool:
    """A transposed vector, or element-wise made of one (log y^T): what a column multiplies as a^T b."""
    if _rank(expr) != 1:
        return False
    if isinstance(expr, Transpose):
        return not _is_row(expr.args[0])
    if isinstance(expr, ArrayOp) or not expr.args:
        return False
    return any(_is_row(a) for a in expr.args if isinstance(a, sp.Basic))


def _transpose(operand):
    if operand == ONES:
        return Transpose(ONES)  # a row of ones: its length is for the product to fix
    if isinstance(operand, Transpose):
        return operand.args[0]
    return operand if _rank(operand) == 0 else Transpose(operand)


def _product(factors: list, where: str, ordered: bool = False) -> sp.Expr:
    """A product: in its written order where that matters (a row vector, ones, two matrices)."""
    operands = [_orient(f) for f in factors]
    kinds = [kind for kind, _ in operands]
    if ordered and ("row" in kinds or kinds.count("matrix") > 1 or any(v is None for _, v in operands)):
        return _in_order(operands, where)
    if len(kinds) - kinds.count("scalar") <= 1:
        return sp.Mul(*factors)
    return _commuting_product(factors, where)


def _orient(factor) -> tuple:
    """(kind, value): kind is scalar, col, row or matrix; the value of a \\mathbf{1} is None (no length yet)."""
    if factor == ONES:
        return "col", None
    if factor == Transpose(ONES):
        return "row", None
    rank = _rank(factor)
    if rank >= 2:
        return "matrix", factor
    if rank == 1:
        return ("row" if _is_row(factor) else "col"), factor
    return "scalar", factor


def _in_order(operands: list, where: str) -> sp.Expr:
    """Left to right: x^T v is a number, v x^T a matrix, W v a vector; numbers commute with everything."""
    numbers, result = [], None
    for operand in operands:
        if operand[0] == "scalar":
            numbers.append(operand[1])
        elif result is None:
            result = operand
        else:
            result = _times(result, operand, where)
            if result[0] == "scalar":
                numbers.append(result[1])
                result = None
    return sp.Mul(*numbers) * _settled(result)


def _settled(operand) -> sp.Expr:
    if operand is None or operand[1] is None:
        return sp.Integer(1)  # \mathbf{1} multiplying only numbers: 1 broadcast
    kind, value = operand
    return Transpose(value) if kind == "row" and not _is_row(value) else value


def _times(left: tuple, right: tuple, where: str) -> tuple:
    """The product of two arrays in this order, as (kind, value)."""
    pair = (left[0], right[0])
    if pair in (("col", "col"), ("row", "row")):  # ⊙ and juxtaposition are one product: component-wise
        return left[0], _componentwise(left, right, where)
    products = {("row", "col"): ("scalar", _inner), ("col", "row"): ("matrix", _outer),
                ("matrix", "col"): ("col", _matvec), ("row", "matrix"): ("row", _vecmat),
                ("matrix", "matrix"): ("matrix", _matmat)}
    if pair not in products:
        _mismatch(left, right, where)
    kind, multiply = products[pair]
    return kind, multiply(left, right, where)


def _length(operand, axis: int = 0):
    return None if operand[1] is None else shape_of(operand[1])[axis]


def _fits(m, n) -> bool:
    return m is None or n is None or sp.expand(sp.sympify(m) - n) == 0


def _componentwise(left, right, where):
    if not _fits(_length(left), _length(right)):
        _mismatch(left, right, where)
    (_, a), (_, b) = left, right
    return b if a is None else a if b is None else a * b


def _inner(left, right, where):
    (_, a), (_, b) = left, right
    if a is None and b is None:
        _unsized(where, r"\mathbf{1}^\top \mathbf{1}")
    if not _fits(_length(left), _length(right)):
        _mismatch(left, right, where)
    return Total(b if a is None else _column(a) if b is None else _column(a) * b)


def _outer(left, right, where):
    (_, a), (_, b) = left, right
    if a is None or b is None:
        _unsized(where, _display(left) + " " + _display(right))
    return Outer(a, _column(b))


def _matvec(left, right, where):
    (_, m), (_, v) = left, right
    if v is None:
        return Total(m)  # W 1: the sums of the rows
    rows, columns = shape_of(m)
    if not _fits(columns, _length(right)) and not _fits(rows, _length(right)):
        _mismatch(left, right, where)
    # v as long as W's rows: a transposition slip, still W v, which the diagnosis names
    return MatVec(m, v)


def _vecmat(left, right, where):
    (_, r), (_, m) = left, right
    if r is None:
        return Total(Transpose(m))  # 1^T W: the sums of the columns
    rows, columns = shape_of(m)
    if _fits(rows, _length(left)):
        return MatVec(Transpose(m), _column(r))
    if not _fits(columns, _length(left)):
        _mismatch(left, right, where)
    return MatVec(m, _column(r))  # the transposition slip again


def _matmat(left, right, where):
    if not _fits(_length(left, 1), _length(right, 0)):
        _mismatch(left, right, where)
    return MatProduct(left[1], right[1])


def _column(row):
    """The column whose transpose ``row`` is, where that is plain (x of x^T); else ``row``, equal in value."""
    return row.args[0] if isinstance(row, Transpose) and _rank(row.args[0]) == 1 else row


def _display(operand) -> str:
    kind, value = operand
    if value is None:
        return r"\mathbf{1}" + (r"^\top" if kind == "row" else "")
    if kind == "row" and not _is_row(value):
        value = Transpose(value)
    return latex(value)


def _shape_text(operand) -> str:
    kind, value = operand
    if kind == "matrix":
        return "(" + ", ".join(str(d) for d in shape_of(value)) + ")"
    n = "?" if value is None else str(shape_of(value)[0])
    return f"(1, {n})" if kind == "row" else f"({n}, 1)" if kind == "col" else "()"


def _mismatch(left, right, where):
    a, b = _display(left), _display(right)
    raise LatexError(f"{where}: the shapes in the product {a} {b} do not match: {a} has shape "
                     f"{_shape_text(left)} and {b} has shape {_shape_text(right)}")


def _unsized(where, product):
    raise LatexError(rf"{where}: the length of \mathbf{{1}} in {product} is not fixed by the product; "
                     r"write the sum or the vector itself")


def _norm(subscript: str, operand, where: str) -> sp.Expr:
    """|w| of a number; sqrt(Σ v²) of a vector or (all the entries of) a matrix; Σ |v| for _1."""
    rank = _rank(operand)
    if rank == 0:
        return sp.Abs(operand)
    if rank >= 2 and subscript in ("1", "2"):
        raise LatexError(rf"{where}: \|M\|_{subscript} of the matrix {latex(operand)} is not understood "
                         rf"(an operator norm); write \|M\|_F for the Frobenius norm")
    if subscript == "1":
        return Total(sp.Abs(operand))
    squares = operand ** 2
    for _ in range(rank):
        squares = Total(squares)
    return sp.sqrt(squares)


def _trace(operand, where: str) -> sp.Expr:
    rank = _rank(operand)
    if rank == 0:
        return operand  # the trace of a number (a 1 x 1 matrix, x^T A x) is the number
    shape = _orient(operand)
    if rank == 2 and _fits(*shape_of(operand)):
        return Trace(operand)
    raise LatexError(rf"{where}: \operatorname{{tr}} needs a square matrix; {_display(shape)} has shape "
                     f"{_shape_text(shape)}")


def _commuting_product(factors: list, where: str) -> sp.Expr:
    """A product whose written order is not at hand (a product of a product): a matrix takes the vectors
    as long as its columns, the others multiply the result component-wise; a b^T is an outer product."""
    rows = [f for f in factors if isinstance(f, Transpose) and _rank(f.args[0]) == 1]
    matrices = [f for f in factors if _rank(f) == 2]
    if not rows and not matrices:
        return sp.Mul(*factors)
    if len(rows) + len(matrices) > 1:
        raise LatexError(rf"{where}: products of two matrices (or with a row vector) are not understood; "
                         r"write matrix-vector products (W^\top v) and outer products (a b^\top)")
    vectors = [f for f in factors if _rank(f) == 1 and f not in rows]
    scalars = [f for f in factors if _rank(f) == 0 and f not in rows]
    if rows:
        if not vectors:
            raise LatexError(rf"{where}: a transposed vector needs a column vector before it, as in a b^\top")
        return sp.Mul(*scalars) * Outer(sp.Mul(*vectors), rows[0].args[0])
    matrix = matrices[0]
    columns = shape_of(matrix)[1]
    inside = [v for v in vectors if shape_of(v)[0] == columns]
    if not inside:  # W v with v as long as W's rows: a transposition slip, still a matrix-vector product
        inside = [v for v in vectors if shape_of(v)[0] == shape_of(matrix)[0]]
    outside = [v for v in vectors if v not in inside]
    if not inside:
        return sp.Mul(*factors)
    return sp.Mul(*scalars, *outside) * MatVec(matrix, sp.Mul(*inside))


# -- the verdict -----------------------------------------------------------------------

@bounded(EQUIV_SECONDS)
def check_equivalence(rule, quantity: str, text: str, *, seconds: float = EQUIV_SECONDS) -> Equivalence:
    """Is the LaTeX ``text`` equal to ``quantity`` of ``rule`` (a name or a Rule)?

    A formula that is right or wrong gives a verdict; one that cannot be read (or
    names what the rule does not have) raises InputError, one that cannot be
    decided within ``seconds`` of CPU time (at most :data:`EQUIV_SECONDS`) TooComplex.
    """
    if isinstance(rule, str):
        from derive.registry import get_rule
        rule = get_rule(rule)
    public = [q for q in rule.quantities if not q.startswith("_")]
    if quantity not in public:
        raise InputError(f"{rule.name} has no quantity {quantity!r} (its quantities: {', '.join(public)})",
                         field="QUANTITY")
    images = [name for name, item in rule.inputs.items() if len(item.shape) > 2]
    if images:  # LaTeX has no notation for these operations that a formula could be read from
        raise InputError(f"formulas are read for numbers, vectors and matrices; {rule.name}'s "
                         f"{', '.join(images)} have 3 or 4 axes (images, kernels): check its numbers with a "
                         "worked file (`derive check`) instead", field="RULE")
    deadline = Deadline(seconds)
    try:
        with time_budget(seconds):
            return _decide(rule, quantity, text, deadline)
    except (TooComplex, RecursionError, MemoryError) as error:
        reason = str(error)
        if not isinstance(error, TooComplex) or not reason or "time budget" in reason:
            reason = f"the check ran out of its time budget ({seconds:g} s of CPU time)"
        raise TooComplex(f"too complex to decide: {reason}") from None


def _decide(rule, quantity: str, text: str, deadline: Deadline) -> Equivalence:
    student = read_formula(rule, text, "LATEX")
    if quantity in quantities_used(rule, student):
        raise InputError(f"the formula uses {quantity} itself; write it with the inputs and other quantities",
                         field="LATEX")
    target = rule.quantities[quantity]
    form = Form(student, free_indices(rule, student))
    if len(form.indices) > len(target.shape):
        raise InputError(f"the formula has the free index(es) {', '.join(form.indices)} but {quantity} has "
                         f"{len(target.shape)} axes", field="LATEX")
    correct = Form(target.symbol)
    leaves = quantities_used(rule, student)
    methods = []
    for n in (SIZES if rule.size_symbols() else (1,)):
        sizes = concrete_sizes(rule, n)
        shape = Realizer(rule, sizes).concrete_shape(target.shape)
        try:
            result, evaluator, yours, right = compare(rule, form, correct, sizes, shape, deadline, leaves=leaves)
        except ShapeMismatch as mismatch:
            return _shape_verdict(rule, quantity, form, sizes, shape, str(mismatch), deadline)
        if result.equal is None:
            raise TooComplex(f"could not decide: {result.reason}")
        if not result.equal:
            mistake, diagnosis = _diagnose(rule, quantity, form, evaluator, yours, right, sizes, shape, deadline)
            if result.left is None:
                mistake = mistake or "undefined"
                diagnosis = Text("eq_undefined", quantity=quantity) if mistake == "undefined" else diagnosis
            elif result.right is None:
                diagnosis = Text("eq_at_undefined", diagnosis=diagnosis, quantity=quantity,
                                 yours=f"{result.left:.6g}")
            else:
                diagnosis = Text("eq_at", diagnosis=diagnosis, yours=f"{result.left:.6g}",
                                 correct=f"{result.right:.6g}")
            return Equivalence("not_equivalent", diagnosis, result.counterexample, mistake, result.method)
        methods.append(result.method)
    method = "symbolic" if all(m == "symbolic" for m in methods) else methods[-1]
    said = Text(f"eq_method_{method}") if method in ("symbolic", "numeric") else method
    return Equivalence("equivalent", Text("eq_equal", quantity=quantity, rule=rule.name, method=said), None, None,
                       method)


def _shape_verdict(rule, quantity, form, sizes, shape, reason, deadline) -> Equivalence:
    """The student's formula cannot take the quantity's shape: perhaps a transposed matrix."""
    evaluator = Evaluator(rule, sizes, n=DIAGNOSIS_POINTS)
    right = evaluator.values(realize(rule, Form(rule.quantities[quantity].symbol), sizes, shape))
    for kind, message, candidate in _student_rewrites(rule, form):
        deadline.check()
        try:
            values = evaluator.values(realize(rule, candidate, sizes, shape))
        except ShapeMismatch:
            continue
        if same_values(values, right):
            return Equivalence("not_equivalent", message, None, kind, "shape")
    return Equivalence("not_equivalent", Text("eq_shape", quantity=quantity,
                                              reason=lambda lang: translate(reason, lang)), None, "shape", "shape")


# -- diagnosis -------------------------------------------------------------------------

def _diagnose(rule, quantity, form, evaluator, mine, right, sizes, shape, deadline):
    """(mistake, message): the first usual mistake that explains the difference."""
    if mine is None:  # decided without numbers: evaluate now
        mine = evaluator.values(realize(rule, form, sizes, shape))
        right = evaluator.values(realize(rule, Form(rule.quantities[quantity].symbol), sizes, shape))
    try:  # right in another convention: said so, with the declaration, before "2 times" or "sign flipped"
        with time_budget(max(0.1, min(DIAGNOSIS_SECONDS, deadline.left() - 0.2))):
            found = _convention(rule, quantity, form, evaluator, mine, right, sizes, shape)
        if found is not None:
            return "convention", found
    except (TooComplex, RecursionError):
        pass
    factor = _constant_ratio(mine, right)
    if factor is not None:
        if abs(factor + 1) < 1e-9:
            return "sign", Text("eq_sign")
        for base_factor in (1 / math.log(10), math.log(10)):
            if abs(factor - base_factor) < 1e-9 * base_factor:
                return "log_base", LOG_BASE
        return "factor", Text("eq_factor", factor=_number_text(factor))
    try:
        with time_budget(max(0.1, min(DIAGNOSIS_SECONDS, deadline.left() - 0.2))):
            for kind, message, candidate, side in _candidates(rule, quantity, form):
                try:
                    values = evaluator.values(realize(rule, candidate, sizes, shape))
                except ShapeMismatch:
                    continue
                if kind == "term":  # the correct formula without one term: how does the student's differ?
                    found = _term_mistake(mine, right, values, message)
                    if found is not None:
                        return found
                elif same_values(mine, values) if side == "correct" else same_values(values, right):
                    return kind, message
    except (TooComplex, RecursionError):
        return None, Text("eq_no_time")
    return None, Text("eq_unknown")


def _convention(rule, quantity, form, evaluator, mine, right, sizes, shape) -> Text | None:
    """The formula is the quantity in another convention of the rule (:mod:`derive.engine.conventions`),
    or one of the notes' δ = r − y quantities (or the gradient where one of those belongs)."""
    own = rule.default_convention
    for other in alternatives(rule):
        variant = in_convention(rule, other.only(rule.convention_keys))
        try:
            yours = evaluator.values(realize(variant, form, sizes, shape))
            theirs = evaluator.values(realize(variant, Form(variant.quantities[quantity].symbol), sizes, shape))
        except ShapeMismatch:
            continue
        if same_values(yours, theirs):
            # the declaration that gives this convention: each key off the rule's own, or declared already
            wanted = {k: getattr(other, k) for k in rule.convention_keys
                      if getattr(other, k) != getattr(own, k) or getattr(rule.convention, k) != getattr(own, k)}
            flags = ",".join(f"{k}={v}" for k, v in wanted.items())
            differences = other.differences(rule.convention, rule.convention_keys)
            sentence = Text("convention", name=quantity, verb=Text("verb_add"),
                            meaning=lambda lang, differences=differences: meaning(differences, lang),
                            declaration=declaration_text(wanted))
            return Text("eq_convention_flags", sentence=sentence, flags=flags)
    ours = [q for q in rule.quantities if TRADITION.match(q)]
    if not ours or not (is_gradient(quantity) or TRADITION.match(quantity)):
        return None
    others = ours if is_gradient(quantity) else [q for q in rule.quantities if is_gradient(q)]
    for other in others:
        try:
            values = evaluator.values(realize(rule, Form(rule.quantities[other].symbol), sizes, shape))
        except ShapeMismatch:
            continue
        if same_values(mine, values):
            tradition = other if is_gradient(quantity) else quantity
            what = Text("delta" if tradition.startswith("delta") else "update")
            key = "tradition_value" if is_gradient(quantity) else "gradient_value"
            return Text(key, other=other, name=quantity, what=what)
    if is_gradient(quantity) and same_values(mine, -right):
        return Text("tradition_sign", name=quantity, others=", ".join(f"`{q}`" for q in ours))
    return None


def _term_mistake(mine, right, rest, term: str):
    """With G = rest + t: the student's F = rest (t missing), rest − t (its sign flipped) or rest + c·t."""
    if same_values(mine, rest):
        return "missing_term", Text("eq_missing_term", term=term)
    with np.errstate(invalid="ignore"):
        factor = _constant_ratio(mine - rest, right - rest)
    if factor is None or abs(factor - 1) < 1e-9:
        return None
    if abs(factor + 1) < 1e-9:
        return "term_sign", Text("eq_term_sign", term=term)
    return "term_factor", Text("eq_term_factor", term=term, factor=_number_text(factor))


def _constant_ratio(a: np.ndarray, b: np.ndarray) -> float | None:
    usable = np.isfinite(a) & np.isfinite(b) & (np.abs(b) > 1e-8)
    if usable.sum() < 5:
        return None
    ratio = a[usable] / b[usable]
    c = float(np.median(ratio))
    if c == 0 or not np.all(np.abs(ratio - c) <= 1e-7 * abs(c)):
        return None
    finite = np.isfinite(a) & np.isfinite(b)
    if not np.all(np.abs(a - c * b)[finite] <= 1e-7 * (1 + np.abs(a[finite]))):
        return None
    return c


def _number_text(c: float) -> str:
    fraction = Fraction(c).limit_denominator(1000)
    if abs(float(fraction) - c) <= 1e-9 * (1 + abs(c)):
        return str(fraction)
    return f"{c:.6g}"


def correct_forms(rule, quantity: str) -> list[Form]:
    """The quantity's definition and every step of its derivations in the rule (all proven equal)."""
    forms = [Form(rule.quantities[quantity].definition)]
    for derivation in rule.derivations:
        if derivation.target != quantity:
            continue
        index = tuple(str(i) for i in derivation.index)
        for step in derivation.steps:
            for side in (step.lhs, step.rhs):
                if side is not None and Form(side, index) not in forms:
                    forms.append(Form(side, index))
    return forms


def _candidates(rule, quantity, form):
    """(kind, message, form, side): side "correct" forms are mistaken versions of the correct formula
    (the student's must equal one); side "student" forms are corrected versions of the student's."""
    count = 0
    forms = correct_forms(rule, quantity)
    generators = [
        [(k, m, f, "correct") for g in forms for k, m, f in _log_base(g)],
        [(k, m, f, "student") for k, m, f in _student_rewrites(rule, form)],
        [(k, m, f, "correct") for g in forms for k, m, f in _transposes(g, student=False)],
        [(k, m, f, "correct") for g in forms for k, m, f in _activations(rule, g, student=False)],
        [(k, m, f, "correct") for g in forms for k, m, f in _terms(g, student=False)],
        [(k, m, f, "student") for k, m, f in _terms(form, student=True)],
    ]
    for group in generators:
        for candidate in group:
            count += 1
            if count > MAX_CANDIDATES:
                return
            yield candidate


def _student_rewrites(rule, form: Form):
    """Corrections of the student's formula: natural log for log base 10, transposes, activations."""
    if form.expr.has(sp.log(10)):
        yield "log_base", LOG_BASE, Form(form.expr.xreplace({sp.log(10): sp.Integer(1)}), form.indices)
    yield from _transposes(form, student=True)
    yield from _activations(rule, form, student=True)


def _log_base(form: Form):
    if form.expr.has(sp.log):
        swapped = form.expr.replace(lambda e: isinstance(e, sp.log), lambda e: sp.log(e.args[0]) / sp.log(10))
        yield "log_base", LOG_BASE, Form(swapped, form.indices)


def _transposes(form: Form, *, student: bool):
    expr = form.expr
    for node in sp.preorder_traversal(expr):
        if isinstance(node, Transpose) and isinstance(node.args[0], ArraySymbol):
            m = latex(node.args[0])
            wrote, belongs = (rf"{m}^\top", m) if student else (m, rf"{m}^\top")
            yield "transpose", Text("eq_transposed", wrote=wrote, belongs=belongs), \
                Form(expr.xreplace({node: node.args[0]}), form.indices)
        elif isinstance(node, MatVec) and isinstance(node.args[0], ArraySymbol):
            m = latex(node.args[0])
            wrote, belongs = (m, rf"{m}^\top") if student else (rf"{m}^\top", m)
            yield "transpose", Text("eq_transposed", wrote=wrote, belongs=belongs), \
                Form(expr.xreplace({node: MatVec(Transpose(node.args[0]), node.args[1])}), form.indices)
        elif isinstance(node, Outer):
            a, b = (_operand_latex(v) for v in node.args)
            here, swapped = rf"{a} {b}^\top", rf"{b} {a}^\top"
            wrote, belongs = (here, swapped) if student else (swapped, here)
            yield "transpose", Text("eq_transposed_outer", wrote=wrote, belongs=belongs), \
                Form(expr.xreplace({node: Outer(*node.args[::-1])}), form.indices)
            if student:  # a b^T (a matrix) where the number a^T b belongs
                inner = rf"{a}^\top {b}"
                yield "transpose", Text("eq_transposed_outer", wrote=here, belongs=inner), \
                    Form(expr.xreplace({node: Total(sp.Mul(*node.args))}), form.indices)


def _operand_latex(expr) -> str:
    """An operand of a product, bracketed when it is a sum: (\\hat{y} - y) x^\\top."""
    return f"({latex(expr)})" if isinstance(expr, sp.Add) else latex(expr)


_DERIVATIVES = {
    "sigmoid": lambda a: a * (1 - a),
    "tanh": lambda a: 1 - a ** 2,
}
_NAMES = {"sigmoid": Text("eq_act_sigmoid"), "tanh": Text("eq_act_tanh"), "relu": Text("eq_act_relu")}


def _activations(rule, form: Form, *, student: bool):
    """Swap the derivative of one activation for another's, wherever one appears."""
    expr = form.expr
    for node in sp.preorder_traversal(expr):
        for kind, a, pre, rest in _activation_derivatives(rule, node):
            for other in ("sigmoid", "tanh", "relu"):
                if other == kind or (other == "relu" and pre is None) or (a is None and pre is None):
                    continue
                if other == "relu":
                    replacement = sp.Heaviside(pre, 0)
                else:
                    replacement = _DERIVATIVES[other](a if a is not None else _activation(other, pre))
                new = expr.xreplace({node: sp.Mul(*rest, replacement)})
                used, belongs = (kind, other) if student else (other, kind)
                yield "activation", Text("eq_activation", used=_NAMES[used], belongs=_NAMES[belongs]), \
                    Form(new, form.indices)


def _activation(kind, pre):
    return sigmoid(pre) if kind == "sigmoid" else sp.tanh(pre)


def _activation_derivatives(rule, node) -> list:
    """(kind, a, pre-activation or None, other factors) for each way ``node`` is a(1 − a), 1 − a² or H(x)."""
    if isinstance(node, sp.Heaviside):
        return [("relu", None, node.args[0], [])]
    found = []
    if isinstance(node, sp.Mul):
        factors = list(node.args)
        for a in factors:
            for b in factors:
                if a is not b and not a.is_number and not b.is_number and sp.expand(a + b) == 1:
                    rest = list(factors)
                    rest.remove(a)
                    rest.remove(b)
                    found.append(("sigmoid", a, _pre_activation(rule, a, sigmoid), rest))
    if isinstance(node, sp.Add) and len(node.args) == 2 and sp.S.One in node.args:
        square = -(node.args[0] if node.args[1] == 1 else node.args[1])
        if isinstance(square, sp.Pow) and square.exp == 2:
            found.append(("tanh", square.base, _pre_activation(rule, square.base, sp.tanh), []))
    return found


def _pre_activation(rule, a, function):
    if isinstance(a, function):
        return a.args[0]
    if isinstance(a, ArraySymbol) and a.name in rule.quantities:
        definition = rule.quantities[a.name].definition
        if isinstance(definition, function):
            return definition.args[0]
    return None


def _terms(form: Form, *, student: bool):
    """One term of a sum dropped: in the correct formula (kind "term": the student's is then checked for
    a missing term, its sign flipped or a wrong factor on it) or in the student's (an extra term)."""
    expr = form.expr
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Add) or len(node.args) > 12:
            continue
        for position, term in enumerate(node.args):
            rest = Form(expr.xreplace({node: sp.Add(*(node.args[:position] + node.args[position + 1:]))}),
                        form.indices)
            if student:
                yield "extra_term", Text("eq_extra_term", term=latex(term)), rest
            else:
                yield "term", latex(term), rest
