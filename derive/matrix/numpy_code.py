r"""Pure-NumPy modules from matrix expressions: the source ``derive grad`` writes.

How it works
------------
A generated function evaluates one tree in matrix form (see :mod:`derive.matrix.numeric`). Its
arguments, in the user's shapes with any leading batch axes, become matrix-form views
(``x[..., :, None]``) and one broadcast batch shape; :class:`NumPyCodePrinter` then prints the
tree bottom-up, one ``_print_<Class>`` method per node type, each giving code and its precedence
so that parentheses appear only where Python needs them. A subtree that occurs more than once is
assigned once, where it is first needed, to a temporary ``_t1 = ...``, and so is an operand whose
code would make a line too long. Temporaries are numbered in the order printed, which follows
the tree, so the same trees always give the same source byte for byte. Example, with W (2, 3)
and x, y vectors::

    >>> r = sub(matmul(W, x), y)
    >>> source, helpers = function_source("df_dW", scale(number(2), matmul(r, transpose(x))),
    ...                                   "df/dW = 2(Wx − y)xᵀ", {"W": (2, 3), "x": (3, 1), "y": (2, 1)})
    >>> print(source)
    def df_dW(W, x, y):
        # (the docstring: the comment, and the shape returned)
        W, x, y, _batch = _matrix_form(ARGUMENTS, W, x, y)
        return _user_form(2.0 * ((W @ x - y) @ np.swapaxes(x, -1, -2)), _batch, (2, 3))

Rewrites for speed
------------------
The printer never materializes a matrix that an element-wise product replaces: ``diag(s) G``
prints as ``s * G`` and ``G diag(s)`` as ``G * sᵀ``; ``1ᵀ A`` and ``A 1`` as sums along an axis;
``tr(A B)`` (when A B is needed nowhere else) as ``Σ A ⊙ Bᵀ``, without the product. A vector's
squared norm is the one matrix product ``xᵀx``. Everything else is one NumPy operation per node,
broadcast over the batch: no Python loop over examples or components.

The helpers a module needs are copied into it from their one definition (the stable primitives
from :mod:`derive.matrix.numeric`, the argument handling from here), so the module imports NumPy
alone and computes exactly what :func:`~derive.matrix.numeric.evaluate` does.
"""

from __future__ import annotations

import inspect
import keyword
import sys
import textwrap

import numpy as np
import sympy as sp

from derive.errors import InputError
from derive.matrix import expr as E
from derive.matrix import numeric
from derive.matrix.expr import (
    Add,
    Identity,
    MatMul,
    Node,
    Number,
    Ones,
    Reduce,
    Scale,
    Transpose,
    Var,
    Zero,
    variables,
)
from derive.matrix.numeric import user_shape

#: Precedences of printed code, tightest first (``-a ** 2`` is ``-(a ** 2)``). Python ranks ``*``
#: and ``@`` alike; ranking ``*`` higher puts a matrix product inside an element-wise one in
#: parentheses, ``(A @ X) * W``, for the reader.
ATOM, POWER, UNARY, TIMES, MATMUL, SUM, ANY = 6, 5, 4, 3.5, 3, 2, 0

#: Longest code kept inline; a longer expression's operands become temporaries.
LINE = 64

#: Names a generated module defines itself, which arguments and functions must not take.
RESERVED = {"np", "ARGUMENTS"}


# -- the helpers copied into every module ------------------------------------------------------------
def _matrix_form(shapes, *values):
    """The arguments in matrix form (a vector x as the column x[..., :, None], a scalar as a 1×1),
    then the batch shape they share; a ValueError names an argument of the wrong shape."""
    arrays, batch = [], ()
    for (name, shape), value in zip(shapes.items(), values):
        value = np.asarray(value, dtype=np.float64)
        cut = value.ndim - len(shape)
        if cut < 0 or value.shape[cut:] != shape:
            raise ValueError(f"{name} has shape {value.shape}; expected {shape} after any batch axes")
        try:
            batch = np.broadcast_shapes(batch, value.shape[:cut])
        except ValueError:
            raise ValueError(f"the batch axes {value.shape[:cut]} of {name} do not broadcast "
                             f"with those of the arguments before it, {batch}") from None
        if len(shape) == 0:
            value = value[..., None, None]
        elif len(shape) == 1:
            value = value[..., :, None]
        arrays.append(value)
    return (*arrays, batch)


def _user_form(value, batch, shape):
    """A matrix-form result as the caller's array: batch for a scalar, batch + (n,) for a column,
    batch + (r, c) for a matrix (a result that not every argument reaches is broadcast)."""
    full = batch + shape
    if np.shape(value) != full:
        value = np.array(np.broadcast_to(value, full))
    if shape == (1, 1):
        return value[..., 0, 0]
    if shape[1] == 1:
        return value[..., 0]
    return value


def _matvec(a, v):
    """A v for columns v: a matrix A shared by the batch (no batch axes) meets the whole batch in
    one matrix product, the batch's columns as rows, instead of one small product per example."""
    if a.ndim == 2 and v.ndim > 2:
        return (v[..., 0] @ a.T)[..., None]
    return a @ v


def _vecmat(r, a):
    """rᵀ A for rows r, the same way: one matrix product when A is shared by the batch."""
    if a.ndim == 2 and r.ndim > 2:
        return (r[..., 0, :] @ a)[..., None, :]
    return r @ a


#: Every helper a module may need, in the order a module defines them.
HELPERS = (_matrix_form, _user_form, _matvec, _vecmat, numeric._sigmoid, numeric._softmax,
           numeric._logsumexp, numeric._logdet)


# -- code for each node ------------------------------------------------------------------------------
ELEMENTWISE_CODE = {"sigmoid": "_sigmoid({})", "tanh": "np.tanh({})", "exp": "np.exp({})",
                    "log": "np.log({})", "softplus": "np.logaddexp(0.0, {})",
                    "relu": "np.maximum({}, 0.0)", "sqrt": "np.sqrt({})", "abs": "np.abs({})",
                    "sign": "np.sign({})", "step": "np.where({} > 0, 1.0, 0.0)"}

#: Reductions printed from a template; sqnorm, norm2, trace and diag have _print_Reduce's cases.
REDUCTION_CODE = {"softmax": "_softmax({})", "lse": "_logsumexp({})",
                  "norm1": "np.sum(np.abs({}), axis=(-2, -1), keepdims=True)",
                  "total": "np.sum({}, axis=(-2, -1), keepdims=True)",
                  "trace": "np.trace({}, axis1=-2, axis2=-1)[..., None, None]",
                  "inverse": "np.linalg.inv({})", "logdet": "_logdet({})",
                  "det": "np.linalg.det({})[..., None, None]"}


def number_code(value: sp.Rational) -> tuple[str, float]:
    """A rational as a float literal: ``2.0``, ``0.5``, ``(1 / 3)`` where no short decimal is exact."""
    if value.q == 1:
        text = f"{int(value.p)}.0"
    elif sp.Rational(float(value)) == value:
        text = repr(float(value))
    else:
        return f"({int(value.p)} / {int(value.q)})", ATOM
    return text, (UNARY if value < 0 else ATOM)


def use_counts(tree: Node) -> dict:
    """How often each distinct subtree is an operand of a distinct subtree (the root: once)."""
    counts = {tree: 1}
    seen = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child in node.children:
            counts[child] = counts.get(child, 0) + 1
            stack.append(child)
    return counts


#: Python frames the printer takes per level of a tree (operand, expression, _print, _print_X).
FRAMES_PER_LEVEL = 6


def _depth(tree: Node) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.children)
    return deepest


def _diag_vector(node: Node) -> Node | None:
    """s when ``node`` is diag(s) or its transpose, else None."""
    if isinstance(node, Transpose):
        node = node.body
    if isinstance(node, Reduce) and node.function == "diag":
        return node.body
    return None


class NumPyCodePrinter:
    """Prints one tree as NumPy statements over matrix-form arrays: :attr:`statements` (the
    temporaries, in order) and the expression :meth:`doprint` returns."""

    def __init__(self, tree: Node):
        self.tree = tree
        self.uses = use_counts(tree)
        self.statements: list[str] = []
        self.helpers: set[str] = set()  # the module's helpers this code calls
        self._printed: dict = {}  # node -> (code, precedence)
        self._temporaries: dict[str, str] = {}  # code -> the temporary holding it
        self._operands: list[list] = []  # the operands each _print_ call in progress has used

    def doprint(self) -> str:
        """The tree's code (an expression, or the temporary holding it)."""
        limit = sys.getrecursionlimit()  # printing recurses a few frames per level of the tree
        sys.setrecursionlimit(max(limit, FRAMES_PER_LEVEL * _depth(self.tree) + 200))
        try:
            return self.operand(self.tree, ANY)
        finally:
            sys.setrecursionlimit(limit)

    # -- operands, temporaries ---------------------------------------------------------------------
    def operand(self, node: Node, at_least: float, avoid: float | None = None) -> str:
        """``node``'s code as an operand that needs precedence ``at_least`` (parenthesized if lower,
        or if ``avoid``)."""
        if self._operands:
            self._operands[-1].append(node)
        text, precedence = self.expression(node)
        return f"({text})" if precedence < at_least or precedence == avoid else text

    def expression(self, node: Node) -> tuple[str, float]:
        if node in self._printed:
            return self._printed[node]
        text, precedence, operands = self._print(node)
        while len(text) > LINE:  # put the longest operand on a line of its own, and print again
            inline = [each for each in operands if not self._is_name(each)]
            if not inline:
                break
            self.atom(max(inline, key=lambda each: len(self._printed[each][0])))
            text, precedence, operands = self._print(node)
        self._printed[node] = (text, precedence)
        if self.uses.get(node, 0) > 1 or len(text) > LINE:
            self.atom(node)
        return self._printed[node]

    def _print(self, node: Node) -> tuple[str, float, list]:
        self._operands.append([])
        text, precedence = getattr(self, f"_print_{type(node).__name__}")(node)
        return text, precedence, self._operands.pop()

    def _is_name(self, node: Node) -> bool:
        """Whether ``node`` prints as a variable, a temporary or a number."""
        text = self._printed[node][0]
        return isinstance(node, (Var, Number)) or text.startswith("_t") and text[2:].isdigit()

    def atom(self, node: Node) -> str:
        """``node`` as a name: a variable, or a temporary assigned here (once; two subtrees that
        print the same code, such as ‖W‖₁ and Σ|W|, share one)."""
        text, _ = self.expression(node)
        if self._is_name(node):
            return text
        name = self._temporaries.get(text)
        if name is None:
            name = self._temporaries[text] = f"_t{len(self.statements) + 1}"
            self.statements.append(f"{name} = {text}")
        self._printed[node] = (name, ATOM)
        return name

    def through(self, skipped: Node, inner: Node, at_least: float) -> str:
        """``inner``, an operand of ``skipped``, printed in place of ``skipped`` (a rewrite); when
        ``skipped`` is needed more than once, ``inner`` becomes a temporary computed once."""
        if self.uses.get(skipped, 0) > 1:
            self.atom(inner)
        return self.operand(inner, at_least)

    def _constant(self, node: Node, template: str) -> tuple[str, float]:
        if None in node.shape:
            raise InputError(f"{type(node).__name__.lower()} of open size {node.shape}: "
                             f"its size was never fixed")
        return template.format(*node.shape), ATOM

    # -- leaves ------------------------------------------------------------------------------------
    def _print_Var(self, node: Var):
        return node.name, ATOM

    def _print_Number(self, node: Number):
        return number_code(node.value)

    def _print_Ones(self, node: Ones):
        return self._constant(node, "np.ones(({}, {}))")

    def _print_Identity(self, node: Identity):
        return self._constant(node, "np.eye({})")

    def _print_Zero(self, node: Zero):
        return self._constant(node, "np.zeros(({}, {}))")

    # -- arithmetic --------------------------------------------------------------------------------
    def _times(self, coefficient: sp.Rational, body: Node) -> tuple[str, float]:
        """coefficient · body for a number coefficient."""
        if coefficient == 1:
            return self.operand(body, UNARY), UNARY
        if coefficient == -1:
            return f"-{self.operand(body, UNARY)}", UNARY
        factor, _ = number_code(coefficient)
        if isinstance(body, MatMul) and self.uses.get(body, 0) <= 1 and _diag_vector(body.left) is None \
                and _diag_vector(body.right) is None:
            # c (A B): the number on the smaller operand, not on the (often much larger) product
            left, right = body.left, body.right
            size = lambda node: node.shape[0] * node.shape[1]
            if min(size(left), size(right)) < size(body):
                if size(left) <= size(right):
                    left = Scale(left.shape, E.number(coefficient), left)
                else:
                    right = Scale(right.shape, E.number(coefficient), right)
                return self._print_MatMul(MatMul(body.shape, left, right))
        return f"{factor} * {self.operand(body, UNARY)}", TIMES

    def _print_Add(self, node: Add):
        parts = []
        for term in node.terms:
            if isinstance(term, Ones) and len(node.terms) > 1:  # 𝟏 − s: the number broadcasts, no array made
                parts.append((" + ", "1.0"))
                continue
            if isinstance(term, Number) and term.value < 0:
                parts.append((" - ", number_code(-term.value)[0]))
                continue
            if not (isinstance(term, Scale) and isinstance(term.factor, Number) and term.factor.value < 0):
                parts.append((" + ", self.operand(term, SUM)))
                continue
            magnitude, body = -term.factor.value, term.body
            if self.uses.get(term, 0) > 1:  # the term is needed elsewhere too: compute its body once
                self.atom(body)
            parts.append((" - ", self._times(magnitude, body)[0]))
        first_sign, first = parts[0]
        text = (first if first_sign == " + " else f"-{first}") + "".join(s + t for s, t in parts[1:])
        return text, SUM

    def _print_Scale(self, node: Scale):
        if isinstance(node.factor, Number):
            return self._times(node.factor.value, node.body)
        return f"{self.operand(node.factor, TIMES)} * {self.operand(node.body, UNARY)}", TIMES

    def _print_MatMul(self, node: MatMul):
        left, right = node.left, node.right
        if (s := _diag_vector(left)) is not None:  # diag(s) G = s ⊙ G, row by row
            return f"{self.through(left, s, TIMES)} * {self.operand(right, UNARY)}", TIMES
        if (s := _diag_vector(right)) is not None:  # G diag(s) = G ⊙ sᵀ, column by column
            return (f"{self.operand(left, TIMES)} * np.swapaxes({self.through(right, s, ANY)}, -1, -2)",
                    TIMES)
        if isinstance(left, Ones) and left.shape[0] == 1:  # 1ᵀ A: the column sums
            return f"np.sum({self.operand(right, ANY)}, axis=-2, keepdims=True)", ATOM
        if isinstance(right, Ones) and right.shape[1] == 1:  # A 1: the row sums
            return f"np.sum({self.operand(left, ANY)}, axis=-1, keepdims=True)", ATOM
        if right.shape[1] == 1 and left.shape[0] > 1 and left.shape[1] > 1:  # a matrix times columns
            self.helpers.add("_matvec")
            return f"_matvec({self.operand(left, ANY)}, {self.operand(right, ANY)})", ATOM
        if left.shape[0] == 1 and right.shape[0] > 1 and right.shape[1] > 1:  # rows times a matrix
            self.helpers.add("_vecmat")
            return f"_vecmat({self.operand(left, ANY)}, {self.operand(right, ANY)})", ATOM
        return f"{self.operand(left, MATMUL, avoid=TIMES)} @ {self.operand(right, UNARY)}", MATMUL

    def _print_Hadamard(self, node):
        return f"{self.operand(node.left, TIMES)} * {self.operand(node.right, UNARY)}", TIMES

    def _print_Quotient(self, node):
        return f"{self.operand(node.numerator, TIMES)} / {self.operand(node.denominator, UNARY)}", TIMES

    def _print_Power(self, node):
        exponent = node.exponent
        if exponent == sp.Rational(1, 2):
            return f"np.sqrt({self.operand(node.base, ANY)})", ATOM
        if exponent == -1:
            return f"1.0 / {self.operand(node.base, UNARY)}", TIMES
        power = str(int(exponent)) if exponent.is_integer else number_code(exponent)[0]
        return f"{self.operand(node.base, ATOM)} ** {power}", POWER

    def _print_Transpose(self, node):
        if _diag_vector(node.body) is not None:  # diag(s)ᵀ = diag(s)
            return self._print_Reduce(node.body, skipped=node)
        return f"np.swapaxes({self.operand(node.body, ANY)}, -1, -2)", ATOM

    def _times_transposed(self, a: Node, b: Node) -> str:
        """A ⊙ Bᵀ, with a transpose on either side cancelled (tr(A Bᵀ) = Σ A ⊙ B)."""
        if isinstance(b, Transpose):
            return f"{self.operand(a, TIMES)} * {self.operand(b.body, UNARY)}"
        if isinstance(a, Transpose):
            return f"{self.operand(a.body, TIMES)} * {self.operand(b, UNARY)}"
        return f"{self.operand(a, TIMES)} * np.swapaxes({self.operand(b, ANY)}, -1, -2)"

    # -- functions ---------------------------------------------------------------------------------
    def _print_Apply(self, node):
        template = ELEMENTWISE_CODE[node.function]
        if template.startswith("_"):
            self.helpers.add(template.split("(")[0])
        return template.format(self.operand(node.body, ANY)), ATOM

    def _print_Reduce(self, node, skipped: Node | None = None):
        body, function = node.body, node.function
        if function == "diag":  # diag(s) = s ⊙ I, the one place a diagonal matrix is formed
            return f"{self.through(skipped or node, body, TIMES)} * np.eye({body.shape[0]})", TIMES
        if function in ("sqnorm", "norm2"):
            if body.is_vector:  # xᵀx: one matrix product
                name = self.atom(body)
                self.operand(body, ANY)
                square = f"np.swapaxes({name}, -1, -2) @ {name}"
                return (square, MATMUL) if function == "sqnorm" else (f"np.sqrt({square})", ATOM)
            square = f"np.sum(np.square({self.operand(body, ANY)}), axis=(-2, -1), keepdims=True)"
            return (square, ATOM) if function == "sqnorm" else (f"np.sqrt({square})", ATOM)
        if function == "trace" and isinstance(body, MatMul) and self.uses.get(body, 0) == 1 \
                and body not in self._printed:  # tr(AB) = Σ A ⊙ Bᵀ, without the product
            return f"np.sum({self._times_transposed(body.left, body.right)}, axis=(-2, -1), keepdims=True)", ATOM
        template = REDUCTION_CODE[function]
        if template.startswith("_"):
            self.helpers.add(template.split("(")[0])
        return template.format(self.operand(body, ANY)), ATOM


# -- functions and modules ---------------------------------------------------------------------------
def _docstring(text: str, indent: str = "") -> str:
    """``text`` as a docstring literal: raw where it holds a backslash (LaTeX), escaped otherwise."""
    body = "\n".join((indent + line if line else line) for line in text.split("\n"))[len(indent):]
    if "\\" in text and '"""' not in text and not text.endswith("\\"):
        return f'r"""{body}\n{indent}"""' if "\n" in text else f'r"""{body}"""'
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{body}\n{indent}"""' if "\n" in text else f'"""{body}"""'


def _check_name(name: str, what: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or name in RESERVED:
        raise InputError(f"{what} {name!r} cannot be a Python name in a generated module "
                         f"(a name not starting with _, not a keyword, not {sorted(RESERVED)})")


def _check_arguments(arguments: dict) -> dict[str, tuple]:
    shapes = {}
    for name, shape in arguments.items():
        _check_name(name, "the argument")
        shape = tuple(shape)
        if len(shape) != 2 or not all(isinstance(n, int) and n > 0 for n in shape):
            raise InputError(f"the argument {name} has shape {shape}; expected the matrix form "
                             f"(rows, cols) of positive sizes")
        shapes[name] = shape
    return shapes


def _check_tree(function: str, tree: Node, shapes: dict) -> None:
    for name, shape in variables(tree).items():
        if name not in shapes:
            raise InputError(f"{function} uses {name}, which is not among the arguments {list(shapes)}")
        if tuple(shape) != shapes[name]:
            raise InputError(f"{function} uses {name} of shape {tuple(shape)}, declared {shapes[name]}")
    if None in tree.shape:
        raise InputError(f"{function} has an open size {tree.shape}")


def function_source(name: str, tree: Node, comment: str, arguments: dict) -> tuple[str, set]:
    """The source of one function computing ``tree`` from ``arguments`` (name -> matrix-form shape),
    and the names of the module's helpers it calls."""
    shapes = _check_arguments(arguments)
    _check_name(name, "the function")
    _check_tree(name, tree, shapes)
    printer = NumPyCodePrinter(tree)
    result = printer.doprint()
    if isinstance(tree, Var) or _is_view(tree):
        result = f"np.copy({result})"  # never hand back the caller's own array
    elif len(result) > LINE - 20:  # keep the return line short
        result = printer.atom(tree)
    names = ", ".join(shapes)
    shape = user_shape(tree.shape)
    returns = "batch" + (f" + {shape}" if shape else "")
    doc = f"{' '.join(comment.split())}\n\nReturns an array of shape {returns}, batch being the arguments' batch axes."
    lines = [f"def {name}({names}):",
             f"    {_docstring(doc, '    ')}",
             f"    {names}, _batch = _matrix_form(ARGUMENTS, {names})"]
    lines += [f"    {statement}" for statement in printer.statements]
    lines.append(f"    return _user_form({result}, _batch, {tuple(tree.shape)})")
    return "\n".join(lines) + "\n", printer.helpers | {"_matrix_form", "_user_form"}


def _is_view(tree: Node) -> bool:
    """Whether the result would be a view of an argument (xᵀ)."""
    return isinstance(tree, Transpose) and isinstance(tree.body, Var)


def module_source(functions: list[tuple[str, Node, str]], arguments: dict[str, tuple], *,
                  title: str) -> str:
    """A module of NumPy functions, one per (python name, tree, one-line comment) in ``functions``,
    each taking ``arguments`` (ordered names -> matrix-form shapes) in the user's shapes with any
    leading batch axes. ``title`` is the forward expression, as the module's docstring names it.
    The module imports NumPy alone; the same input gives the same source byte for byte."""
    if not functions:
        raise InputError("a generated module needs at least one function")
    shapes = _check_arguments(arguments)
    seen = set()
    bodies, helpers = [], set()
    for name, tree, comment in functions:
        if name in seen:
            raise InputError(f"two functions named {name}")
        seen.add(name)
        source, needs = function_source(name, tree, comment, shapes)
        bodies.append(source)
        helpers |= needs
    width = max(len(f"{name}({', '.join(shapes)})") for name, _, _ in functions)
    listing = "\n".join(f"    {name + '(' + ', '.join(shapes) + ')':<{width}}  {' '.join(comment.split())}"
                        for name, _, comment in functions)
    declared = ", ".join(f"{name} {user_shape(shape)}" for name, shape in shapes.items())
    about = textwrap.fill(f"Arguments: {declared}, each with any leading batch axes (given without "
                          f"them, an argument is shared by the batch). Needs NumPy alone. Do not edit: "
                          f"run `derive grad` again.", width=96, break_on_hyphens=False)
    doc = f"Generated by `derive grad` from {' '.join(title.split())}.\n\n{listing}\n\n{about}"
    argument_table = ", ".join(f'"{name}": {user_shape(shape)}' for name, shape in shapes.items())
    lines = [_docstring(doc), "", "import numpy as np", "",
             "#: Each argument's shape after any leading batch axes.", f"ARGUMENTS = {{{argument_table}}}"]
    blocks = bodies + [inspect.getsource(helper) for helper in HELPERS if helper.__name__ in helpers]
    for block in blocks:
        lines += ["", "", block.rstrip("\n")]
    return "\n".join(lines) + "\n"
