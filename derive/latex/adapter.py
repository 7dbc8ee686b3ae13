r"""Read a LaTeX formula into SymPy, in derive's conventions.

How it works
------------
latex2sympy2_extended (an ANTLR grammar, see docs/latex-parser.md) does the
parsing; this module prepares the text for it and converts what it returns, in
three stages.

1. **Guard.** Length, brace depth, the LaTeX commands used (a fixed list), and
   what the parser evaluates or drops silently (``|_{x=1}``, primes) are checked.
2. **Rewrite.** ``\log`` becomes ``\ln`` (natural log), unbounded sums get their
   bounds, ``\odot`` becomes a product. What the parser cannot read or reads
   wrongly is read here and replaced by a *placeholder* ``\mathit{zqphN}``, an
   atom the parser keeps as a symbol: ``\sigma(...)``, ``\operatorname{ReLU}(...)``,
   ``\max(...)`` (the argument read recursively), ``\begin{cases}`` blocks,
   ``\frac{\partial L}{\partial w}`` and transposed symbols ``W^\top``.
3. **Convert.** The parser's unevaluated tree is rebuilt node by node, with
   derive's plain names and the placeholders' contents; anything not on the list
   is refused, and powers of numbers are size-checked before SymPy computes them.
   With ``arrays=True`` norms, traces, ``\mathbf{1}`` and products in their written
   order are left as markers for a reader that knows the shapes (see "Matrix notation").

Example: in ``W^\top x \odot \sigma(s)``, ``\sigma(s)`` becomes placeholder 0 (holding
``sigmoid(s)``) and ``W^\top`` placeholder 1 (holding ``Transpose(W)``); the parser
reads ``ph1 x \cdot ph0``, and the conversion gives ``Transpose(W)*x*sigmoid(s)``.

All of a formula or nothing
---------------------------
The parser either consumes every character or the formula is refused with the place
where reading stopped: ``cannot read 'y_j . + 100': stopped at character 5 ('. + 100')``.
Its error listeners are replaced by one that raises with the position; after parsing,
the token the parser stands on must be the end of the input. A formula that parses as a
list or set (``x, y``) is refused at its first separator.

What the parser does unasked, and what is done about it: it lower-cases symbols, reads
``\log`` as base 10, ``1 \frac{1}{2}`` as a mixed fraction (even with
``interpret_as_mixed_fractions=False``), ``\gamma`` as Euler's constant, ``d x`` as a
differential, ``I`` as the imaginary unit, ``0,500`` as a decimal and decimals as
floats, and drops the subscripts of numbers and functions (``2_k``, ``\tanh_k``) and a
degree sign. Normalization is switched off and lower-casing too; ``\log``, ``\gamma``,
``d x`` and ``I_k`` are rewritten before parsing; subscripted functions and non-ASCII
text are refused by the guard; juxtaposition is always a product, numbers are exact,
and thousands separators and subscripted numbers are refused by the parser subclass
built in :func:`_parser_type`. It is imported on first use, and anything the ANTLR
runtime prints goes to standard error, never to derive's standard output. The plain part of
the notation, which most formulas keep to, is read without it into the same tree by
:mod:`derive.latex.plain` (the parser's start-up is most of a formula's reading time).

Conventions
-----------
* A subscript that is a single index letter (i, j, k, n, t), optionally shifted
  (``h_{t-1}``), makes a component: ``y_k`` -> ``IndexedBase('y')[k]``, ``\hat{y}_j``
  -> ``IndexedBase('y_hat')[j]``. So does the bound variable of an enclosing sum.
  Names passed in ``names`` (a rule's ``W_i``, ``b_i``) always stay whole symbols,
  as do ``W_f``, ``h_{\text{prev}}``, ``b_1``. Index symbols are positive integers.
* ``\sum_k`` and ``\sum_{k}`` without bounds run from 1 to the size of the
  index: ``sizes`` maps index letters to size names (default K for i, j, k; N
  for n; T for t). Sizes are positive integer symbols.
* ``X^\top``, ``X^{\top}``, ``X^T``, ``X^{T}`` (also ``\intercal``, ``\mathsf{T}``)
  on a symbol give ``Transpose(X)``; a transpose on anything else is an error (but see
  "Matrix notation").
* ``\lambda`` is ``lam``, ``\eta`` is ``lr``, ``\varepsilon`` is ``epsilon``;
  ``\mathbf{x}`` and ``\vec{x}`` are ``x``. ``y(x)`` is ``y`` times ``x`` (there are
  no user-defined functions). ``1e-3`` directly after a digit is scientific notation.

Matrix notation (``arrays=True``)
---------------------------------
What a product of arrays means depends on shapes the formula does not state, so with
``arrays=True`` (``derive equiv``, derivation files) the adapter reads the notation into
markers and :func:`derive.check.equiv.read_formula` settles them once the rule's names
have their shapes:

* a product of two or more factors that are not numbers is an :class:`InOrder`, its
  factors in the written order (``x^\top v`` is not ``v x^\top``); the parser flattens a
  product in brackets into the one around it, so the parser subclass keeps it whole
  (:class:`_Group`) and ``\mathbf{1}^\top (w \odot x)`` stays 1ᵀ(w ⊙ x); so is a product of
  juxtaposed factors, which the grammar binds tighter than ``\cdot`` (and ``\odot``, which
  becomes ``\cdot``): ``z \odot W^\top \delta`` is z ⊙ (Wᵀδ);
* ``\mathbf{1}`` (``\boldsymbol``, ``\bm``, ``\vec``; a subscript giving its length is
  dropped) is :class:`Ones`, replaced before ``\mathbf{x}`` becomes ``x``;
* ``\|v\|``, ``\lVert v \rVert``, ``\left\| v \right\|`` with an optional ``_1``, ``_2``
  or ``_F`` and a power in either order (``\|v\|_2^2``) is a :class:`Norm` placeholder of
  what the bars hold, read recursively; the bars pair up left to right within one
  bracket, and one left open is an error;
* ``\operatorname{tr}(M)`` (also ``\mathrm``, ``\text``; ``Tr``, ``trace``) is
  :class:`derive.symbolic.arrays.Trace` of its argument, read like ``\sigma(...)``;
* a transpose may follow a bracket, ``(\hat{y} - y)^\top``, or any placeholder; a
  bracket that is a function's argument takes the function with it: ``\log(y)^\top``
  is (log y)ᵀ.

Without ``arrays``, ``\|`` is refused (a norm's meaning needs the shapes), ``\mathbf{1}``
is the number 1 and a transpose is only on a symbol, as before.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import re
import sys
from collections.abc import Collection, Mapping
from contextlib import contextmanager, redirect_stdout

import mpmath
import sympy as sp

from derive import naming
from derive.engine.budget import bounded, time_budget
from derive.errors import LatexError, TooComplex
from derive.latex import plain
from derive.latex.plain import Group as _Group
from derive.symbolic.arrays import Trace, Transpose, dim
from derive.symbolic.functions import relu, sigmoid, softplus

MAX_LENGTH = 2000
MAX_DEPTH = 20  # the parser's time grows with the square of the nesting: 20 levels take about 3 s
MAX_BITS = 10_000  # largest exact number (in bits) a power of numbers may produce
PARSE_SECONDS = 10.0  # CPU seconds: a 600-character formula reads in well under one
INDEX_LETTERS = "ijknt"
DEFAULT_SIZES = {"i": "K", "j": "K", "k": "K", "n": "N", "t": "T"}

#: The parser names Greek symbols without the backslash; these have other plain names.
GREEK_PLAIN = {"lambda": "lam", "eta": "lr", "varepsilon": "epsilon"}

#: \operatorname{...} (also \mathrm, \text) names -> the function applied.
OPERATOR_NAMES = {"ReLU": relu, "relu": relu, "softplus": softplus, "sgn": sp.sign,
                  "sign": sp.sign, "sigmoid": sigmoid}
#: ... and those read only with matrix notation (``arrays=True``).
ARRAY_OPERATORS = {"tr": Trace, "Tr": Trace, "trace": Trace}


# -- what a formula in matrix notation leaves for the shapes to settle --------------------
class Ones(sp.Symbol):
    r"""``\mathbf{1}``: the all-ones vector, as long as the product it stands in needs."""

    def __new__(cls):
        return sp.Symbol.__xnew__(cls, "1", real=True)

    def __getnewargs_ex__(self):
        return ((), {})

    def _latex(self, printer):
        return r"\mathbf{1}"


class InOrder(sp.Function):
    """A product as written, left to right: with arrays, A B is not B A (``x^\\top v`` is not ``v x^\\top``)."""


class Norm(sp.Function):
    r"""``\|v\|``: the Euclidean norm (of all the entries of a matrix), |v| of a number."""

    nargs = 1
    subscript = ""


class Norm1(Norm):
    r"""``\|v\|_1``: the sum of the absolute values."""

    subscript = "1"


class Norm2(Norm):
    r"""``\|v\|_2``: the Euclidean norm of a vector (a matrix's would be its largest singular value)."""

    subscript = "2"


class NormF(Norm):
    r"""``\|M\|_F``: the Frobenius norm, the Euclidean norm of all the entries."""

    subscript = "F"


NORMS = {kind.subscript: kind for kind in (Norm, Norm1, Norm2, NormF)}


_COMMANDS = set(naming.GREEK) | {
    "varepsilon", "varphi", "vartheta", "frac", "partial", "log", "ln", "exp", "sqrt", "tanh",
    "sinh", "cosh", "sin", "cos", "tan", "operatorname", "mathrm", "text", "mathit", "hat",
    "tilde", "bar", "cdot", "times", "odot", "top", "intercal", "mathsf", "sum", "max", "min",
    "begin", "end", "le", "ge", "lt", "gt", "leq", "geq", "ne", "neq", "pi", "quad", "qquad",
    "left", "right", "lvert", "rvert", "dfrac", "tfrac", "displaystyle", "big", "Big", "bigl", "bigr",
    "Bigl", "Bigr", "widehat", "widetilde", "overline", "mathbf", "boldsymbol", "bm", "vec",
    "lVert", "rVert", "Vert",
}
_FUNCTIONS = (sp.exp, sp.log, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.tan, sp.Abs, sp.sign,
              sp.Max, sp.Min, sigmoid, softplus, relu, sp.Piecewise, Transpose, Trace, InOrder, Norm)
_RELATIONS = (sp.StrictGreaterThan, sp.StrictLessThan, sp.GreaterThan, sp.LessThan)
_PH = "zqph"
_PLACEHOLDER = re.compile(r"\\mathit\{(" + _PH + r"\d+)\}")
_PARSER_NAME = re.compile(r"(?<!\\)(hat|tilde|bar|math)\{([^{}]*)\}")  # the parser's spelling of \hat{y}, \mathit{v}
_THOUSANDS = re.compile(r"\s*-?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*")  # read as one number by the parser

_NORMALIZE = [  # (pattern, replacement), applied in order
(r"(?<!\\)\\(?:displaystyle|[,;!: ]|[bB]ig{1,2}[lr]?)(?![A-Za-z])", " "),
    (r"\\left\s*\.|\\right\s*\.", " "), (r"\\(?:left|right)(?![A-Za-z])\s*", ""),
    (r"\\[lr]vert(?![A-Za-z])", "|"), (r"\\[dt]frac(?![A-Za-z])", r"\\frac"),
    (r"\\wide(hat|tilde)(?![A-Za-z])", r"\\\1"), (r"\\overline(?![A-Za-z])", r"\\bar"),
    (r"\\(?:mathbf|boldsymbol|bm|vec)\s*\{([^{}]*)\}", r" \1"), (r"\\([lg]e)q(?![A-Za-z])", r"\\\1"),
    (r"\\odot(?![A-Za-z])", r"\\cdot"), (r"\\log(?![A-Za-z])(?!\s*_)", r"\\ln"),  # \log is natural
    (r"\\(gamma|Gamma)(?![A-Za-z])", r"\\mathit{\1}"),  # not Euler's constant, nor the Gamma function
    (r"(?<![A-Za-z\\])d(?=\s+[A-Za-z\\])", "{d}"),  # d x is d times x, not the differential dx
    (r"(?<![A-Za-z\\{])I(?=\s*_)", r"\\mathit{I}"),  # I_k: the parser drops the subscript of its imaginary unit
]
_SCIENTIFIC = re.compile(r"(?<![A-Za-z\\\d.])(\d+(?:\.\d*)?|\.\d+)e([+-]?\d+)(?![\d.])")
_TRANSPOSE_MARK = r"\^\s*(?:\{\s*(?:\\top|T|\\intercal|\\mathsf\{T\}|\\mathrm\{T\})\s*\}|\\top(?![A-Za-z])" \
                  r"|\\intercal(?![A-Za-z])|T)"
_SUBSCRIPT = r"_\s*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[A-Za-z0-9])"
_ATOM = r"(?:\\mathit\{[A-Za-z]+\d*\}|\\(?:hat|tilde|bar)\s*\{\s*\\?[A-Za-z]+\s*\}|\\[A-Za-z]+|[A-Za-z])"
_TRANSPOSED = re.compile(rf"(?P<atom>{_ATOM}(?:{_SUBSCRIPT})?)\s*(?P<mark>{_TRANSPOSE_MARK})")
_UNBOUNDED_SUM = re.compile(r"\\sum\s*_\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z]))(?:\s*\^\s*(\{[^{}]*\}|\w))?")
_FUNCTION_HEAD = re.compile(r"\\sigma(?![A-Za-z])\s*(?=\()|\\(?:max|min)(?![A-Za-z])|"
                            r"\\(?:operatorname|mathrm|text)\s*\{\s*(?:ReLU|relu|softplus|sgn|sign|sigmoid)\s*\}")
_ARRAY_FUNCTION_HEAD = re.compile(_FUNCTION_HEAD.pattern
                                  + r"|\\(?:operatorname|mathrm|text)\s*\{\s*(?:tr|Tr|trace)\s*\}")
# matrix notation: \mathbf{1} (a subscript giving its length is dropped: the product fixes it),
# norm bars, a transpose after a closing bracket, the scripts after a norm (\|v\|_2^2)
_ONES = re.compile(r"\\(?:mathbf|boldsymbol|bm|vec)\s*\{\s*1\s*\}(?:\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?")
_NORM_BAR = re.compile(r"\\\||\\[lr]?Vert(?![A-Za-z])")
_CLOSED_TRANSPOSED = re.compile(rf"[)\]]\s*(?:{_TRANSPOSE_MARK})")
_FUNCTION_BEFORE = re.compile(r"\\(?:ln|log|exp|tanh|sinh|cosh|sin|cos|tan)(?![A-Za-z])\s*"
                              r"(?:_\s*(?:\{[^{}]*\}|\w)\s*)?(?:\^\s*(?:\{[^{}]*\}|\w)\s*)?$")
_SCRIPT = re.compile(r"\s*([_^])\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|[A-Za-z0-9])")
_LEFTOVERS = {
    r"\partial": r"write a partial derivative as \frac{\partial L}{\partial w}",
    r"\operatorname": r"unknown \operatorname; known: " + ", ".join(OPERATOR_NAMES),
    r"\\": r"'\\' (a new row) is understood only inside \begin{cases}",
    "&": r"'&' is understood only inside \begin{cases}",
    r"\begin": r"only the cases environment is understood (\begin{cases} ... \end{cases})",
    r"\end": r"\end without \begin{cases}",
    r"\mathsf": r"\mathsf is understood only in a transpose, W^{\mathsf{T}}",
}
_REFUSED = [  # (pattern, message), checked outside the bounds of sums
    ("(?i)" + _PH, f"'{_PH}' is a name derive reserves for itself"),
    ("=", "expected an expression, not an equation (found '=')"),
    ("'", r"primes (f') are not understood; write \frac{\partial f}{\partial x}"),
    (r"(?<!\\)\|\s*(?:\^\s*(?:\{[^{}]*\}|\w)\s*)?_", "evaluation bars (|_{x=1}) are not understood"),
    # the parser computes 1/n of \sqrt[n]{x} eagerly, whatever n is
    (r"\\sqrt\s*\[(?!\s*\d{1,3}\s*\])", r"the index of a root must be a small whole number, as in \sqrt[3]{x}"),
    # the parser drops these subscripts (\log_2 is a base)
    (r"\\(?:exp|tanh|sinh|cosh|sin|cos|tan)\s*(?:\^\s*(?:\{[^{}]*\}|\w)\s*)?_",
     r"a subscript on a function (\tanh_k) is not understood"),
]
_INDEX = re.compile(r"^\s*([a-z])\s*(?:([+-])\s*(\d+))?\s*$")
_OTHERWISE = re.compile(r"^(?:\\text\{\s*(?:otherwise|else)\s*[.,]?\s*\}|otherwise|else)?$")


@bounded(PARSE_SECONDS)
def parse_latex(text: str, *, where: str = "formula", sizes: Mapping[str, str] | None = None,
                names: Collection[str] = (), arrays: bool = False) -> sp.Expr:
    """Read one LaTeX formula into a SymPy expression, in derive's conventions (see above).

    ``where`` names the formula in messages (a file and field); ``sizes`` maps index
    letters to the sizes of unbounded sums; ``names`` always stay whole symbols.
    ``arrays`` reads matrix notation (see "Matrix notation" above) for a reader that knows
    the shapes of the names, :func:`derive.check.equiv.read_formula`.
    Raises a one-line :class:`LatexError`, or :class:`TooComplex` when reading is too slow.
    """
    if not isinstance(text, str):
        raise LatexError(f"{where}: expected a LaTeX string, got {type(text).__name__}")
    text = _unwrap_math(text)
    _guard(text, where, arrays)
    reader = _Reader(where, {**DEFAULT_SIZES, **(sizes or {})}, set(names), arrays)
    try:
        with time_budget(PARSE_SECONDS):
            expr = reader.read(text)
    except TooComplex:
        raise TooComplex(f"{where}: reading the formula took too long (over {PARSE_SECONDS:g} s)") from None
    except RecursionError:
        raise LatexError(f"{where}: the formula is nested too deeply") from None
    expr = expr.xreplace({sp.Symbol(d.name, real=True): d for d in reader.dims})
    _post_check(expr, where)
    return expr


def _unwrap_math(text: str) -> str:
    """The formula without one pair of math delimiters around the whole of it ($...$ or $$...$$)."""
    m = re.fullmatch(r"\s*(\${1,2})(.*)\1\s*", text, re.S)
    return m[2] if m else text


def _guard(text: str, where: str, arrays: bool = False) -> None:
    """Refuse, before parsing, what is too big or what the parser would misread silently."""
    def refuse(message):
        raise LatexError(f"{where}: {message}")
    if len(text) > MAX_LENGTH:
        refuse(f"the formula is too long ({len(text)} characters, at most {MAX_LENGTH})")
    if "$" in text:
        refuse("a '$' inside the formula: write the formula alone, or wrapped whole in $...$")
    if (m := re.search(r"[^\x00-\x7f]", text)) is not None:  # the parser reads ^\u00b0 (degrees) as nothing
        refuse(f"cannot read '{m[0]}' at character {m.start() + 1}: write LaTeX in ASCII (\\alpha, not \u03b1)")
    if not text.strip():
        refuse("expected a formula, got an empty string")
    depth = deepest = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += (char in "{([") - (char in "})]")
        deepest = max(deepest, depth)
        if depth < 0:
            refuse("unbalanced brackets: a closing one without an opening one")
    if deepest > MAX_DEPTH:
        refuse(f"the formula is nested too deeply ({deepest} levels, at most {MAX_DEPTH})")
    if depth:
        refuse(f"unbalanced brackets: {depth} left open")
    if len(re.findall(r"(?<!\\)\|", text)) % 2:
        refuse("an unmatched '|': an absolute value needs two bars (evaluation bars are not understood)")
    for pattern, message in _REFUSED:
        if re.search(pattern, re.sub(r"\\sum\s*_\s*\{[^{}]*\}", "", text)):
            refuse(message)
    if not arrays and _NORM_BAR.search(text):  # only a reader that knows the shapes can say what a norm is
        refuse(r"norms (\|w\|) are not understood; for a scalar write |w| or w^2")
    for command in re.findall(r"\\(\\|[A-Za-z]+|.)", text):
        if command.isalpha() and command not in _COMMANDS:
            refuse(rf"unknown LaTeX command \{command}")
    if any(abs(int(exponent)) > 300 for _, exponent in _SCIENTIFIC.findall(text)):
        refuse("a number in scientific notation is too large")


def _brace_group(text: str, start: int, open_: str = "{", close: str = "}") -> tuple[str, int]:
    """The content of the bracket group opening at ``text[start]`` (after spaces), and the index after it."""
    start = re.compile(r"\s*").match(text, start).end()
    if start >= len(text) or text[start] != open_:
        raise ValueError(f"expected '{open_}'")
    depth = 0
    for i in range(start, len(text)):
        depth += (text[i] == open_) - (text[i] == close)
        if depth == 0:
            return text[start + 1:i], i + 1
    raise ValueError(f"no matching '{close}'")


def _split_top(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside any bracket."""
    parts, depth, last = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "{([") - (char in "})]")
        if depth == 0 and i >= last and text.startswith(separator, i):
            parts.append(text[last:i])
            last = i + len(separator)
    return parts + [text[last:]]


class _Reader:
    """One formula's reading: the placeholders and sizes it has collected."""

    def __init__(self, where: str, sizes: dict, names: set, arrays: bool = False):
        self.where, self.sizes, self.names, self.arrays = where, sizes, names, arrays
        self.placeholders: dict[str, sp.Basic] = {}
        self.dims, self.bound = set(), []  # sizes met in sums; indices of the sums being read

    def fail(self, message: str):
        raise LatexError(f"{self.where}: {message}")

    def read(self, text: str) -> sp.Basic:
        """Read a formula or a piece of one (placeholders allowed)."""
        if self.arrays:  # before \mathbf{x} becomes x below, which would make \mathbf{1} the number 1
            text = _ONES.sub(lambda m: self._hold(Ones()), text)
        for pattern, replacement in _NORMALIZE:
            text = re.sub(pattern, replacement, text)
        text = _SCIENTIFIC.sub(r"\1E\2", text)
        text = self._cases(text)
        text = self._partials(text)
        text = self._functions(text)
        if self.arrays:
            text = self._norms(text)
        text = self._transposes(text)
        text = self._sums(text)
        for construct, message in _LEFTOVERS.items():
            if construct in text:
                if construct == r"\operatorname" and self.arrays:
                    message += ", " + ", ".join(ARRAY_OPERATORS)
                self.fail(message)
        return self.convert(self._parse(text))

    def _hold(self, obj: sp.Basic) -> str:
        name = f"{_PH}{len(self.placeholders)}"
        self.placeholders[name] = obj
        return rf" \mathit{{{name}}} "

    # -- stage 2: rewrites ---------------------------------------------------
    def _cases(self, text: str) -> str:
        block = re.compile(r"\\begin\s*\{cases\}((?:(?!\\begin\s*\{cases\}).)*?)\\end\s*\{cases\}", re.S)
        while (m := block.search(text)) is not None:
            pieces = []
            for row in (r for r in _split_top(m[1], r"\\") if r.strip()):
                value, sep, condition = row.partition("&")
                if not sep:
                    self.fail(r"each row of \begin{cases} needs 'value & condition'")
                pieces.append((self.read(value.strip().rstrip(",")), self._condition(condition)))
            if not pieces:
                self.fail(r"\begin{cases} has no rows")
            text = text[:m.start()] + self._hold(sp.Piecewise(*pieces)) + text[m.end():]
        return text

    def _condition(self, text: str):
        text = re.sub(r"\\text\{\s*(?:if|for|when)\s*\}|^\s*if\s", " ", text).strip().rstrip(",.").strip()
        if _OTHERWISE.match(text):
            return sp.true
        condition = self.convert(self._parse(text), relation=True)
        if not isinstance(condition, (sp.core.relational.Relational, sp.logic.boolalg.BooleanAtom)):
            self.fail(f"cannot read the condition '{text}' (expected e.g. x > 0 or \\text{{otherwise}})")
        return condition

    def _partials(self, text: str) -> str:
        start = 0
        while (i := text.find(r"\frac", start)) >= 0:
            try:
                upper, after = _brace_group(text, i + 5)
                lower, end = _brace_group(text, after)
            except ValueError:
                self.fail(r"\frac needs two groups: \frac{a}{b}")
            top, bottom = upper.strip(), lower.strip()
            if top.startswith(r"\partial") and bottom.startswith(r"\partial"):
                of, wrt = top[len(r"\partial"):].strip(), bottom[len(r"\partial"):].strip()
                text = text[:i] + self._hold(self._gradient(of, wrt)) + text[end:]
            start = i + 1
        return text

    def _gradient(self, of: str, wrt: str) -> sp.Basic:
        if not of or not wrt:
            self.fail(r"write a partial derivative as \frac{\partial L}{\partial w}")
        target = self.convert(self._parse(wrt))
        source = self._plain(of)
        if isinstance(target, sp.Indexed):
            name = naming.gradient_name(source, str(target.base.label))
            return sp.IndexedBase(name, real=True)[target.indices]
        if not isinstance(target, sp.Symbol) or not naming.is_valid_name(source):
            self.fail(rf"cannot read the partial derivative \partial {of} / \partial {wrt}")
        return sp.Symbol(naming.gradient_name(source, target.name), real=True)

    def _functions(self, text: str) -> str:
        heads = _ARRAY_FUNCTION_HEAD if self.arrays else _FUNCTION_HEAD
        while (m := heads.search(text)) is not None:
            head = m[0]
            try:
                inner, end = _brace_group(text, m.end(), "(", ")")
            except ValueError:
                self.fail(f"write {head.strip()}(...) with its argument in parentheses")
            args = [self.read(a) for a in _split_top(inner, ",")]
            text = text[:m.start()] + self._hold(self._apply(head, args)) + text[end:]
        return text

    def _apply(self, head: str, args: list) -> sp.Basic:
        if head.startswith((r"\max", r"\min")):
            if len(args) < 2:
                self.fail(f"{head}(...) needs at least two arguments")
            if head.startswith(r"\max") and len(args) == 2 and 0 in args:
                return relu(args[1] if args[0] == 0 else args[0])
            return (sp.Max if head.startswith(r"\max") else sp.Min)(*args)
        if len(args) != 1:
            self.fail(f"{head} takes one argument, got {len(args)}")
        name = "sigmoid" if head.startswith(r"\sigma") else re.search(r"\{\s*(\w+)", head)[1]
        return {**OPERATOR_NAMES, **ARRAY_OPERATORS}[name](args[0])  # tr only matches with arrays

    def _norms(self, text: str) -> str:
        r"""``\|v\|``, ``\lVert v \rVert`` with an optional _1, _2 or _F: a :class:`Norm` of what is inside.

        The bars pair up left to right within one bracket: ``\|a\| \|b\|`` is two norms.
        """
        text = re.sub(r"\\[lr]?Vert(?![A-Za-z])", r"\\|", text)
        while (start := text.find("\\|")) >= 0:
            end = _closing_bar(text, start + 2)
            if end is None:
                self.fail(r"a norm \|...\| is never closed (its second bar is missing, or in another bracket)")
            subscript, power, after = _norm_scripts(text, end + 2)
            if subscript not in NORMS:
                self.fail(rf"unknown norm \|...\|_{{{subscript}}}: known are \|v\|, \|v\|_2, \|v\|_1 and \|M\|_F")
            norm = NORMS[subscript](self.read(text[start + 2:end]))
            text = text[:start] + self._hold(norm) + power + text[after:]
        return text

    def _transposes(self, text: str) -> str:
        if self.arrays:
            text = self._bracket_transposes(text)

        def transpose(m):
            operand = self.convert(self._parse(m["atom"]))
            if not isinstance(operand, sp.Symbol) and not self.arrays:
                self.fail(rf"a transpose is understood only on a symbol, not on {m['atom'].strip()}")
            return self._hold(Transpose(operand))
        text = _TRANSPOSED.sub(transpose, text)
        if re.search(_TRANSPOSE_MARK, text) or re.search(r"\\(?:top|intercal)(?![A-Za-z])", text):
            if self.arrays:
                self.fail(r"a transpose (^\top, ^T) is understood on a symbol or a bracket, as in W^\top x or "
                          r"(a - b)^\top x")
            self.fail(r"a transpose (^\top, ^T) is understood only on a symbol, as in W^\top x")
        return text

    def _bracket_transposes(self, text: str) -> str:
        """``(a - b)^\\top``: the transpose of what the brackets hold, innermost first."""
        while (m := _CLOSED_TRANSPOSED.search(text)) is not None:
            start = _opening_bracket(text, m.start())
            if start is None:
                self.fail("a transposed bracket is closed but never opened")
            function = _FUNCTION_BEFORE.search(text, 0, start)  # \log(y)^\top is (\log y)^\top
            if function is not None:
                inner = self.read(text[function.start():m.start() + 1])
                start = function.start()
            else:
                inner = self.read(text[start + 1:m.start()])
            text = text[:start] + self._hold(Transpose(inner)) + text[m.end():]
        return text

    def _sums(self, text: str) -> str:
        if re.search(r"\\sum(?![A-Za-z])(?!\s*_)", text):
            self.fail(r"write the index of a sum: \sum_k or \sum_{k=1}^{K}")

        def bounded(m):
            index = m[1] or m[2]
            upper = m[3] or self.sizes.get(index)
            if upper is None:
                self.fail(rf"no size is known for the sum over {index}; write \sum_{{{index}=1}}^{{N}}")
            return rf"\sum_{{{index}=1}}^{{{upper}}}"
        return _UNBOUNDED_SUM.sub(bounded, text)

    # -- parsing -------------------------------------------------------------
    def _parse(self, text: str):
        if not text.strip():
            self.fail("expected a formula, found nothing to read")
        # The plain part is read without the parser and its start-up (see plain.py); without the parser
        # installed, every formula gets the same one-line error, whichever part it is written in.
        tree = plain.read(text) if importlib.util.find_spec("latex2sympy2_extended") is not None else None
        if tree is not None:
            return tree
        try:
            parser = _parser_type()()
        except ImportError as error:
            self.fail(str(error))
        try:
            with _stdout_to_stderr():
                tree = parser.parse(text)
        except _Stopped as stop:
            self.fail(_stopped_message(stop.text, stop.index))
        except (TooComplex, RecursionError):
            raise
        except Exception as error:  # the parser raises bare Exceptions (and TypeErrors...)
            reason = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
            self.fail(f"cannot read '{_shown(text)}': {reason}")
        if not isinstance(tree, (sp.Expr, sp.logic.boolalg.Boolean)):  # x, y: a set, a tuple, an interval
            separator = re.search(r"[,;]", re.sub(r"\{[^{}]*\}", lambda m: " " * len(m[0]), text))
            if separator is None:
                self.fail(f"cannot read '{_shown(text)}': expected one expression, got a list")
            self.fail(_stopped_message(text, separator.start(), "expected one expression, not a list"))
        return tree

    # -- stage 3: conversion ---------------------------------------------------
    def convert(self, node, relation: bool = False) -> sp.Basic:
        """Rebuild the parser's unevaluated tree, evaluated, in derive's names."""
        if isinstance(node, (list, tuple)):
            self.fail("expected one expression, got a list")
        if isinstance(node, _RELATIONS) and relation:
            return type(node)(*(self.convert(a) for a in node.args))
        if isinstance(node, sp.core.relational.Relational):
            self.fail("expected an expression, not an equation or inequality")
        if isinstance(node, sp.Symbol):
            return self._symbol(node.name)
        if node is sp.I:  # the parser reads the letter I as the imaginary unit
            return self._symbol("I")
        if node in (sp.E, sp.pi) or isinstance(node, (sp.Integer, sp.Rational, sp.Float)):
            if not node.is_finite:
                self.fail("infinity and undefined numbers are not allowed")
            return node
        if isinstance(node, _Group):
            return self.convert(node.args[0])
        if isinstance(node, sp.Mul):
            return self._product([self.convert(a) for a in node.args])
        if isinstance(node, (sp.Add, sp.exp, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.tan, sp.Abs)):
            return node.func(*(self.convert(a) for a in node.args))
        if isinstance(node, sp.Pow) and isinstance(node.base, sp.core.function.AppliedUndef):
            return self._undefined_function(node.base, node.exp)  # y^2(x) is y² x
        if isinstance(node, sp.Pow):
            return self._power(*(self.convert(a) for a in node.args))
        if isinstance(node, sp.log):
            args = [self.convert(a) for a in node.args]
            return sp.log(args[0]) if len(args) == 1 or args[1] == sp.E else sp.log(*args)
        if isinstance(node, sp.Sum):
            return self._sum(node)
        if isinstance(node, sp.Derivative) and len(node.variables) == 1:
            return self._gradient(str(node.expr), str(node.variables[0]))
        if isinstance(node, sp.core.function.AppliedUndef):
            return self._undefined_function(node)
        self.fail(f"'{type(node).__name__}' is not something derive understands in a formula")

    def _product(self, factors: list) -> sp.Basic:
        """The parser keeps the written order of a product; with arrays it matters (x^\\top v, v x^\\top)."""
        if self.arrays and sum(not f.is_number for f in factors) > 1:
            return InOrder(*factors)
        return sp.Mul(*factors)

    def _symbol(self, name: str) -> sp.Basic:
        name = _PARSER_NAME.sub(lambda m: rf"\{'mathit' if m[1] == 'math' else m[1]}{{{m[2]}}}", name)
        if (m := _PLACEHOLDER.fullmatch(name)) is not None:
            return self.placeholders[m[1]]
        if _PH in name:
            self.fail(f"cannot read '{_PLACEHOLDER.sub('(...)', name)}'")
        plain_name = self._plain(name)
        if plain_name in self.names:
            return sp.Symbol(plain_name, real=True)
        m = re.fullmatch(r"(?P<base>.+?)_(?:\{(?P<braced>[^{}]*)\}|(?P<bare>[A-Za-z0-9]))", name)
        index = _INDEX.match(m["braced"] or m["bare"]) if m else None
        if index and (index[1] in INDEX_LETTERS or index[1] in self.bound):
            i = sp.Symbol(index[1], integer=True, positive=True)
            shift = int(index[3]) * (-1 if index[2] == "-" else 1) if index[3] else 0
            return sp.IndexedBase(self._plain(m["base"]), real=True)[i + shift]
        if not naming.is_valid_name(plain_name):
            self.fail(f"cannot read the name '{name}'")
        return sp.Symbol(plain_name, real=True)

    def _plain(self, latex_name: str) -> str:
        latex_name = re.sub(r"\\mathit\s*\{([^{}]*)\}", r"\1", latex_name.strip())
        head, sep, rest = latex_name.partition("_")
        head = GREEK_PLAIN.get(head.lstrip("\\"), head)
        return naming.plain_symbol_name(head + sep + rest)

    def _power(self, base: sp.Basic, exponent: sp.Basic) -> sp.Basic:
        if base.is_Number and exponent.is_Number and base != 0:
            if sp.Abs(exponent) * _magnitude_bits(base) > MAX_BITS:
                self.fail("a power of numbers in the formula is too large to compute")
        return sp.Pow(base, exponent)

    def _sum(self, node: sp.Sum) -> sp.Basic:
        # The parser merges directly nested sums into one Sum of several limits, innermost first.
        for index, _, _ in node.limits:
            if not isinstance(index, sp.Symbol) or not re.fullmatch(r"[A-Za-z]", index.name):
                self.fail("the index of a sum must be a single letter")
        self.bound.extend(index.name for index, _, _ in node.limits)
        try:
            body = self.convert(node.function)
        finally:
            del self.bound[-len(node.limits):]
        for index, low, high in node.limits:
            low, high = self.convert(low), self.convert(high)
            sizes = {s: dim(s.name) for s in high.free_symbols if isinstance(s, sp.Symbol)}
            self.dims |= set(sizes.values())
            i = sp.Symbol(index.name, integer=True, positive=True)
            body = sp.Sum(body.xreplace({sp.Symbol(index.name, real=True): i, **sizes}),
                          (i, low, high.xreplace(sizes)))
        return body

    def _undefined_function(self, node, exponent=sp.Integer(1)) -> sp.Basic:
        # The parser reads y(x) as a function y; derive has no user functions: it is y * x.
        name = type(node).__name__.strip()
        if len(node.args) != 1:
            self.fail(f"unknown function '{name}' of {len(node.args)} arguments")
        return self._product([self._power(self._symbol(name), self.convert(exponent)), self.convert(node.args[0])])


def _closing_bar(text: str, start: int) -> int | None:
    r"""Where the norm bar ``\|`` that closes one opened before ``start`` stands, in the same bracket."""
    depth = 0
    for i in range(start, len(text)):
        if depth == 0 and text.startswith("\\|", i):
            return i
        depth += (text[i] in "{([") - (text[i] in "})]")
        if depth < 0:
            return None
    return None


def _norm_scripts(text: str, at: int) -> tuple[str, str, int]:
    r"""The subscript after a norm (``2`` of ``\|v\|_2``), its power as written (``^2``), where they end."""
    subscript, power = None, ""
    for _ in range(2):  # \|v\|_2^2 or \|v\|^2_2
        m = _SCRIPT.match(text, at)
        if m is None or (m[1] == "_" and subscript is not None) or (m[1] == "^" and power):
            break
        if m[1] == "_":
            subscript = re.sub(r"\\(?:text|mathrm|mathit|operatorname)\s*|[{}\s]", "", m[2])
        else:
            power = "^" + m[2]
        at = m.end()
    return subscript or "", power, at


def _opening_bracket(text: str, close: int) -> int | None:
    """Where the bracket closed at ``text[close]`` (``)`` or ``]``) opens."""
    depth = 0
    for i in range(close, -1, -1):
        depth += (text[i] in ")]}") - (text[i] in "([{")
        if depth == 0:
            return i if text[i] == {")": "(", "]": "["}[text[close]] else None
    return None


class _Stopped(Exception):
    """The parser could not read on from ``text[index]``."""

    def __init__(self, text: str, index: int):
        super().__init__(f"stopped at character {index + 1}")
        self.text, self.index = text, index


def _shown(text: str) -> str:
    """The text for a one-line message: placeholders as (...), line breaks and tabs as spaces."""
    return _PLACEHOLDER.sub("(...)", text).translate(_ONE_LINE).strip()


_ONE_LINE = str.maketrans("\n\r\t", "   ")


def _stopped_message(text: str, index: int, why: str = "") -> str:
    """``cannot read 'x . 1': stopped at character 3 ('. 1')``, in the text as shown (see _shown)."""
    before, rest = _PLACEHOLDER.sub("(...)", text[:index]).translate(_ONE_LINE).lstrip(), _shown(text[index:])
    if not rest:
        return f"cannot read '{before.strip()}': it ends too early"
    where = f"stopped at character {len(before) + 1} ('{rest}')"
    return f"cannot read '{before}{rest}': {where}" + (f": {why}" if why else "")


@contextmanager
def _stdout_to_stderr():
    """What the ANTLR runtime prints (a version warning) goes to standard error, each line once."""
    printed = io.StringIO()
    try:
        with redirect_stdout(printed):
            yield
    finally:
        for line in printed.getvalue().splitlines():
            if line.strip() and line not in _PRINTED:
                _PRINTED.add(line)
                print(line, file=sys.stderr)


_PRINTED: set[str] = set()


@functools.cache
def _parser_type():
    """latex2sympy2_extended's converter, imported on first use and made to read all or nothing.

    Raises ImportError with a one-line message when the parser cannot be loaded (it is
    absent, or its ANTLR runtime is one it has no grammar for).
    """
    try:
        with _stdout_to_stderr():
            from antlr4 import CommonTokenStream, InputStream, Token
            from antlr4.error.ErrorListener import ErrorListener
            from latex2sympy2_extended.antlr_parser import PSLexer, PSParser
            from latex2sympy2_extended.latex2sympy2 import (
                ConversionConfig,
                _Latex2Sympy,
            )
    except Exception as error:  # ImportError, or what an old runtime raises on a new Python
        reason = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImportError(f"the LaTeX parser latex2sympy2_extended cannot be loaded ({reason}); derive needs "
                          "latex2sympy2_extended>=1.10.1 with antlr4-python3-runtime 4.9.3, 4.11 or 4.13.2") from None

    class StopListener(ErrorListener):
        """Any syntax or token error stops the reading, with its position (never printed)."""

        def __init__(self, text: str):
            super().__init__()
            self.text = text

        def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
            lines = self.text.split("\n")[:line - 1]
            raise _Stopped(self.text, sum(len(t) + 1 for t in lines) + column)

    config = ConversionConfig(interpret_as_mixed_fractions=False, interpret_simple_eq_as_assignment=False,
                              interpret_contains_as_eq=False, lowercase_symbols=False)

    class Parser(_Latex2Sympy):
        """One formula's parser: exact numbers, juxtaposition as a product, all of the text or nothing."""

        def __init__(self):
            super().__init__(config=config)
            self._parsers = []  # a stack: function arguments are parsed again, inside parse()

        def create_parser(self, text):
            lexer = PSLexer(InputStream(text))
            parser = PSParser(CommonTokenStream(lexer))
            for recognizer in (lexer, parser):
                recognizer.removeErrorListeners()  # the console listener prints
                recognizer.addErrorListener(StopListener(text))
            self._parsers.append(parser)
            return parser

        def parse(self, text):
            if _THOUSANDS.fullmatch(text):  # 1,500 is 1500 but 0,500 is 0.5 there
                raise _Stopped(text, text.index(","))
            tree = super().parse(text)
            token = self._parsers.pop().getCurrentToken()
            if token.type != Token.EOF:
                raise _Stopped(text, token.start)
            return tree

        def convert_comp(self, comp):
            value = super().convert_comp(comp)
            return _Group(value) if comp.group() is not None and getattr(value, "is_Mul", False) else value

        def convert_atom(self, atom):
            if atom.number_subexpr() is not None and atom.number_subexpr().subexpr() is not None:
                raise ValueError("a subscript on a number (2_k) is not understood")  # the library drops it
            return super().convert_atom(atom)

        def parse_number(self, text):
            return sp.Rational(text.replace(",", ""))  # 0.62 is 31/50, not a float

        def convert_postfix_list(self, arr, i=0):
            # The library's, less the mixed fractions: "2 \frac{1}{2}" is 1 and "2 3" is 6 here.
            first = self.convert_postfix(arr[i])
            if i == len(arr) - 1:
                return first
            rest = self.convert_postfix_list(arr, i + 1)
            if isinstance(first, list) and len(first) == 1:  # \frac{d}{dx} applied to what follows
                return sp.Derivative(rest, first[0])
            if not isinstance(first, sp.Expr) or not isinstance(rest, sp.Expr):
                raise ValueError("a product of things that are not expressions")
            product = self.mul_flat(first, rest)
            # juxtaposition binds tighter than \cdot (and \odot): z \odot W v is z (W v), kept so
            return _Group(product) if i == 0 else product

    return Parser


def _magnitude_bits(number: sp.Number) -> float:
    """About log2 max(|x|, 1/|x|): the bits a power of ``number`` grows by per unit of exponent."""
    if number.is_Rational:
        return max(abs(number.p), number.q).bit_length() - 1
    return float(abs(mpmath.log(abs(mpmath.mpf(number._mpf_)), 2)))


def _post_check(expr, where: str) -> None:
    """Nothing unexpected may pass silently: unknown functions, names with LaTeX left in them."""
    if not isinstance(expr, sp.Expr):
        raise LatexError(f"{where}: expected an expression")
    if expr.has(sp.I, sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise LatexError(f"{where}: only real, finite numbers are allowed")
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Symbol) and not isinstance(node, Ones) and not naming.is_valid_name(node.name):
            raise LatexError(f"{where}: cannot read the name '{node.name}'")
        if isinstance(node, sp.Function) and not isinstance(node, _FUNCTIONS):
            raise LatexError(f"{where}: unknown function '{type(node).__name__}'")
