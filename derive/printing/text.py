"""Plain-text formulas, for terminals and for comments in generated code.

:func:`text` keeps SymPy's ASCII spelling (``x**2``), which the committed generated
NumPy carries in its comments; :func:`display_text` is what ``derive show`` prints
for a reader: powers as superscripts (``(y_hat - y)²``, ``x^(1/3)``) and ``max``
for SymPy's ``Max``.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.printing.order import join_terms
from derive.symbolic.arrays import is_array


class DeriveTextPrinter(StrPrinter):
    printmethod = "_derive_text"  # not SymPy's _sympystr, which Indexed uses to bypass printers

    def _print_ArraySymbol(self, expr):
        return expr.name

    def _print_Indexed(self, expr):
        return f"{expr.base.label}_{','.join(self._print(i) for i in expr.indices)}"

    def _print_KroneckerDelta(self, expr):
        return f"delta_{''.join(self._print(a) for a in expr.args)}"

    def _print_Derivative(self, expr):
        variables = ", ".join(self._print(v) for v in expr.variables)
        function = expr.expr
        if isinstance(function, (sp.Symbol, sp.Indexed)):
            return f"d{self._print(function)}/d{variables}"
        return f"d/d{variables} ({self._print(function)})"

    def _print_Sum(self, expr):
        limits = ", ".join(f"{v}={self._print(a)}..{self._print(b)}" for v, a, b in expr.limits)
        return f"sum_{{{limits}}} ({self._print(expr.function)})"

    def _print_MatVec(self, expr):
        return f"{self.parenthesize(expr.args[0], 50)} {self.parenthesize(expr.args[1], 50)}"

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.args[0], 100)}^T"

    def _print_MatProduct(self, expr):
        return f"{self.parenthesize(expr.args[0], 50)} {self.parenthesize(expr.args[1], 50)}"

    def _print_CausalSoftmax(self, expr):
        return f"softmax({self._print(expr.args[0])} + M_causal)"

    def _print_Eye(self, expr):
        return "I"

    def _print_Rows(self, expr):
        return f"1 {self.parenthesize(expr.args[0], 100)}^T"

    def _print_Outer(self, expr):
        return f"{self.parenthesize(expr.args[0], 50)} {self.parenthesize(expr.args[1], 100)}^T"

    def _print_Total(self, expr):
        return f"sum_k({self._print(expr.args[0])})"

    def _print_Concat(self, expr):
        return f"[{self._print(expr.args[0])}; {self._print(expr.args[1])}]"

    def _print_Beside(self, expr):
        return f"[{self._print(expr.args[0])}, {self._print(expr.args[1])}]"

    def _print_Part(self, expr):
        v, start, stop = expr.args
        return f"{self.parenthesize(v, 100)}[{self._print(start + 1)}..{self._print(stop)}]"

    def _window(self, name: str, expr, settings=()) -> str:
        arrays = ", ".join(self._print(a) for a in expr.args[: expr.arrays])
        below = ",".join(self._print(s) for s in settings)
        return f"{name}" + (f"_{below}" if below else "") + f"({arrays})"

    def _print_ZeroPad(self, expr):
        return self._window("pad", expr, expr.args[1:])

    def _print_Correlate(self, expr):
        return self._window("corr", expr, expr.args[2:])

    def _print_Flipped(self, expr):
        return self._window("rot180", expr)

    def _print_Spread(self, expr):
        return self._window("spread", expr, expr.args[1:2])

    def _print_CorrelateBack(self, expr):
        return self._window("corr_back", expr, expr.args[2:4])

    def _print_KernelCorrelate(self, expr):
        return self._window("corr", expr, expr.args[2:3])

    def _print_MaxPool(self, expr):
        return self._window("maxpool", expr, expr.args[1:])

    def _print_AvgPool(self, expr):
        return self._window("avgpool", expr, expr.args[1:])

    def _print_MaxPoolBack(self, expr):
        return self._window("maxpool_back", expr, expr.args[2:])

    def _print_AvgPoolBack(self, expr):
        return self._window("avgpool_back", expr, expr.args[1:3])

    def _print_Expected(self, expr):
        return f"E[{self._print(expr.args[0])}]"

    def _print_Flatten(self, expr):
        return f"vec({self._print(expr.args[0])})"

    def _print_Unflatten(self, expr):
        return self._window("unvec", expr, expr.args[1:])

    def _print_MaxOf(self, expr):
        return f"max_k({self._print(expr.args[0])})"

    def _print_Add(self, expr, order=None):
        return join_terms(expr, self._print, lambda term: self.parenthesize(term, 40))

    def _print_Softmax(self, expr):
        return f"softmax({self._print(expr.args[0])})"

    def _print_LogSumExp(self, expr):
        return f"logsumexp({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr):
        branches = [f"{self._print(e)} if {self._print(c)}" for e, c in expr.args[:-1]]
        last, condition = expr.args[-1]
        branches.append(self._print(last) if condition == True else f"{self._print(last)} if {self._print(condition)}")
        return "(" + " else ".join(branches) + ")"

    def _print_Mul(self, expr):
        text = super()._print_Mul(expr)
        if sum(1 for a in expr.args if is_array(a)) >= 2:
            return _LONE_STAR.sub(" ⊙ ", text)  # a product, not the ** of a power
        return text

    def _print_Integral(self, expr):
        if len(expr.limits) != 1 or len(expr.limits[0]) != 3:
            return super()._print_Integral(expr)
        variable, low, high = expr.limits[0]
        return f"int_{{{variable}={self._print(low)}..{self._print(high)}}} ({self._print(expr.function)}) d{variable}"


_LONE_STAR = re.compile(r"(?<!\*)\*(?!\*)")

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class DisplayTextPrinter(DeriveTextPrinter):
    """The terminal's spelling: ``x²`` for ``x**2``, ``x^(1/3)``, ``max(0, s)``.

    ``helpers`` maps hidden helper names (``_lse``) to their definitions, printed in their
    place. Printing rather than substituting keeps the expression as written: substituting
    would let SymPy fold expm1(_u) with _u = log(...) back into the unstable form.
    """

    def __init__(self, settings=None, helpers=None):
        super().__init__(settings)
        self.helpers = helpers or {}

    def _print_ArraySymbol(self, expr):
        if expr.name not in self.helpers:
            return expr.name
        definition = self.helpers[expr.name]
        printed = self._print(definition)
        return printed if precedence(definition) >= PRECEDENCE["Func"] else f"({printed})"

    def _print_Function(self, expr):
        if not any(getattr(a, "name", None) in self.helpers for a in expr.args):
            return super()._print_Function(expr)
        args = ", ".join(self._print(self.helpers.get(getattr(a, "name", None), a)) for a in expr.args)
        return f"{expr.func.__name__}({args})"

    def _print_Pow(self, expr, rational=False):
        exponent = expr.exp
        if exponent.is_Integer and exponent not in (-1, 0, 1):
            base = self.parenthesize(expr.base, precedence(expr), strict=False)
            return base + str(exponent).translate(_SUPERSCRIPT)
        text_ = super()._print_Pow(expr, rational)
        if "**" not in text_:  # sqrt(x), 1/sqrt(x), 1/x
            return text_
        base = self.parenthesize(expr.base, precedence(expr), strict=False)
        power = self._print(exponent)
        return f"{base}^{power}" if exponent.is_Symbol else f"{base}^({power})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"


_PRINTER = DeriveTextPrinter()
_DISPLAY = DisplayTextPrinter()


def text(expr) -> str:
    """ASCII text, stable for the comments of generated code."""
    return _PRINTER.doprint(expr)


def display_text(expr, helpers=None) -> str:
    """Text for a reader at the terminal (``derive show``); ``helpers``: hidden names to print as
    their definitions."""
    return (DisplayTextPrinter(helpers=helpers) if helpers else _DISPLAY).doprint(expr)
