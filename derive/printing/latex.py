"""LaTeX from SymPy objects, in the lectures' notation.

:class:`DeriveLatexPrinter` is SymPy's ``LatexPrinter`` with a ``_print_<Class>``
method for each thing derive adds: quantity names (ŷ, C̃, ∂L/∂W_f), the ML
functions (σ, softplus, ReLU), the array operations (W^⊤ v, a b^⊤, Σ_k,
softmax), element-wise products as ⊙, and sums written with the positive terms
first (ŷ_j − y_j rather than −y_j + ŷ_j).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from derive import naming
from derive.printing.order import join_terms
from derive.symbolic.arrays import ArraySymbol, Total, is_array


class DeriveLatexPrinter(LatexPrinter):
    def __init__(self, settings=None):
        super().__init__({"mul_symbol": None, **(settings or {})})

    # -- names -------------------------------------------------------------
    def _print_ArraySymbol(self, expr):
        return naming.latex_name(expr.name)

    def _print_Symbol(self, expr, style="plain"):
        if "[" in expr.name:  # a realized component such as o[2] or W_f[1,3]
            base, _, index = expr.name.partition("[")
            return subscripted(naming.latex_name(base), index.rstrip("]"))
        if naming.is_valid_name(expr.name):
            return naming.latex_name(expr.name)
        return super()._print_Symbol(expr)

    def _print_Indexed(self, expr):
        base = naming.latex_name(str(expr.base.label))
        return subscripted(base, ",".join(self._print(i) for i in expr.indices))

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        return rf"\delta_{{{i}{j}}}"

    # -- calculus ----------------------------------------------------------
    def _print_Derivative(self, expr):
        (variable, count), = expr.variable_count if len(expr.variable_count) == 1 else [(None, 0)]
        if variable is None:
            return super()._print_Derivative(expr)
        order = f"^{{{count}}}" if count > 1 else ""
        wrt = self._print(variable) + (f"^{{{count}}}" if count > 1 else "")
        function = expr.expr
        if isinstance(function, (sp.Symbol, sp.Indexed)):
            return rf"\frac{{\partial{order} {self._print(function)}}}{{\partial {wrt}}}"
        return rf"\frac{{\partial{order}}}{{\partial {wrt}}}\left({self._print(function)}\right)"

    # -- the ML functions --------------------------------------------------
    def _print_sigmoid(self, expr, exp=None):
        return self._function(r"\sigma", expr, exp)

    def _print_softplus(self, expr, exp=None):
        return self._function(r"\operatorname{softplus}", expr, exp)

    def _print_relu(self, expr, exp=None):
        return self._function(r"\operatorname{ReLU}", expr, exp)

    def _print_leaky_relu(self, expr, exp=None):
        return self._function(r"\operatorname{LeakyReLU}", expr, exp)

    def _print_log1p(self, expr, exp=None):
        return self._print(sp.log(1 + expr.args[0], evaluate=False))

    def _print_Heaviside(self, expr, exp=None):
        return self._function(r"H", sp.Function("H")(expr.args[0]), exp)

    def _print_sign(self, expr, exp=None):
        return self._function(r"\operatorname{sign}", expr, exp)

    def _function(self, name, expr, exp):
        head = f"{name}^{{{exp}}}" if exp else name
        return rf"{head}\left({self._print(expr.args[0])}\right)"

    # -- array operations --------------------------------------------------
    def _print_MatVec(self, expr):
        a, v = expr.args
        return f"{self._operand(a)} {self._operand(v)}"

    def _print_Transpose(self, expr):
        return self._transposed(expr.args[0])

    def _print_Outer(self, expr):
        a, b = expr.args
        return f"{self._operand(a)} {self._transposed(b)}"

    def _transposed(self, expr) -> str:
        r"""``expr^{\top}``, in parentheses where ``expr`` prints as a fraction (a gradient
        \frac{\partial L}{\partial u}): a superscript there would hang from the fraction."""
        printed = self._operand(expr)
        if printed.startswith(r"\frac"):
            printed = rf"\left({printed}\right)"
        return f"{printed}^{{\\top}}"

    def _print_Total(self, expr, exp=None):
        if exp is not None:  # (Σ_k w_k x_k)^2
            return rf"\left({self._print_Total(expr)}\right)^{{{exp}}}"
        body, depth = expr.args[0], 1
        while isinstance(body, Total):  # Σ over the last axes of an image: one sum over k_1, k_2, ...
            body, depth = body.args[0], depth + 1
        arrays = {s for s in body.free_symbols if isinstance(s, ArraySymbol) and s.shape}
        names = ["k"] if depth == 1 else [f"k_{n}" for n in range(1, depth + 1)]
        summed = [sp.Symbol(n) for n in names]

        def component(s):  # the leading axes not summed over stay free: g_{\cdot,k_1,k_2}
            return s[tuple([sp.Symbol(r"{\cdot}")] * (len(s.shape) - depth) + summed[-len(s.shape):])]

        indexed = body.xreplace({s: component(s) for s in arrays})
        return rf"\sum_{{{','.join(names)}}} {self._operand(indexed, PRECEDENCE['Mul'])}"

    def _print_Concat(self, expr):
        a, b = expr.args
        return rf"\begin{{bmatrix}} {self._print(a)} \\ {self._print(b)} \end{{bmatrix}}"

    def _print_Beside(self, expr):
        a, b = expr.args
        return rf"\begin{{bmatrix}} {self._print(a)} & {self._print(b)} \end{{bmatrix}}"

    def _print_Part(self, expr):
        v, start, stop = expr.args
        return rf"\left[{self._print(v)}\right]_{{{self._print(start + 1)}:{self._print(stop)}}}"

    # -- windows: an operator name, its settings as a subscript ------------------------------
    def _window(self, name: str, expr, settings=()) -> str:
        arrays = ", ".join(self._print(a) for a in expr.args[: expr.arrays])
        below = ",".join(self._print(s) for s in settings)
        name, _, above = name.partition("^")  # "corr^{\\top}": the operator, then its superscript
        return (rf"\operatorname{{{name}}}" + (f"^{above}" if above else "") + (f"_{{{below}}}" if below else "")
                + rf"\left({arrays}\right)")

    def _print_ZeroPad(self, expr):
        return self._window("pad", expr, expr.args[1:])

    def _print_Correlate(self, expr):
        return self._window("corr", expr, expr.args[2:])

    def _print_Flipped(self, expr):
        return self._window("rot180", expr)

    def _print_Spread(self, expr):
        return self._window("spread", expr, expr.args[1:2])

    def _print_CorrelateBack(self, expr):
        return self._window("corr^{\\top}", expr, expr.args[2:4])

    def _print_KernelCorrelate(self, expr):
        return self._window("corr", expr, expr.args[2:3])

    def _print_MaxPool(self, expr):
        return self._window("maxpool", expr, expr.args[1:])

    def _print_AvgPool(self, expr):
        return self._window("avgpool", expr, expr.args[1:])

    def _print_MaxPoolBack(self, expr):
        return self._window("maxpool^{\\top}", expr, expr.args[2:])

    def _print_AvgPoolBack(self, expr):
        return self._window("avgpool^{\\top}", expr, expr.args[1:3])

    def _print_Flatten(self, expr):
        return self._window("vec", expr)

    def _print_Unflatten(self, expr):
        return self._window("unvec", expr, expr.args[1:])

    def _print_Softmax(self, expr):
        return rf"\operatorname{{softmax}}\left({self._print(expr.args[0])}\right)"

    def _print_CausalSoftmax(self, expr):
        return rf"\operatorname{{softmax}}\left({self._print(expr.args[0])} + M_{{\text{{causal}}}}\right)"

    def _print_Eye(self, expr):
        return "I"

    def _print_Rows(self, expr):
        return rf"\mathbf{{1}} {self._transposed(expr.args[0])}"

    def _print_LogSumExp(self, expr):
        return rf"\log \sum_{{k}} e^{{{self._component(expr.args[0])}}}"

    def _print_MaxOf(self, expr):
        return rf"\max_{{k}} {self._component(expr.args[0])}"

    def _component(self, vector) -> str:
        r"""The k-th component: ``o_{k}``; ``\left(s_{3}\right)_{k}`` where the name has a subscript
        of its own (``s_{3}_{k}`` is a double subscript, an error in LaTeX and KaTeX)."""
        printed = self._print(vector)
        if re.fullmatch(r"\\?[A-Za-z]+", printed):
            return f"{printed}_{{k}}"
        return rf"\left({printed}\right)_{{k}}"

    def _operand(self, expr, level=None):
        level = PRECEDENCE["Mul"] if level is None else level
        return self.parenthesize(expr, level, strict=False) if precedence(expr) < level else self._print(expr)

    # -- products and sums -------------------------------------------------
    def _print_Mul(self, expr):
        arrays = [a for a in expr.args if is_array(a)]
        if len(arrays) < 2:
            return super()._print_Mul(expr)
        scalars = [a for a in expr.args if not is_array(a)]
        coefficient = sp.Mul(*scalars)
        body = r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in arrays)
        if coefficient == 1:
            return body
        if coefficient == -1:
            return "- " + body
        return f"{self._operand(coefficient)} \\left({body}\\right)"

    def _print_Add(self, expr, order=None):
        text = join_terms(expr, self._print, self._subtrahend)
        return text

    def _subtrahend(self, term):
        text = self._print(term)
        return f"\\left({text}\\right)" if isinstance(term, sp.Add) else text


def subscripted(base: str, index: str) -> str:
    r"""``base`` with the subscript ``index``: ``o_{k}``, ``\hat{y}_{k}``; in parentheses where
    the base has a subscript of its own (``s_{3}_{k}`` is a double subscript, an error in LaTeX
    and KaTeX) or is a fraction (``\frac{\partial L}{\partial g}_{k}`` hangs the index on the
    fraction): ``\left(s_{3}\right)_{k}``, ``\left(\frac{\partial L}{\partial g}\right)_{k}``."""
    if "_" in base or "^" in base or base.startswith("\\frac"):
        return rf"\left({base}\right)_{{{index}}}"
    return f"{base}_{{{index}}}"


_PRINTER = DeriveLatexPrinter()


def latex(expr) -> str:
    """LaTeX of a SymPy expression in derive's notation."""
    return _PRINTER.doprint(expr)
