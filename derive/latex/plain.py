r"""The plain part of LaTeX, read without ANTLR: the tree latex2sympy2_extended's parser would build.

Why
---
The ANTLR runtime for Python builds its prediction automaton while it parses: the first
formula of a process pays for every decision it meets (about half a second for a five-term
loss, on top of loading the grammar), and a command line reads one formula per process.
Most formulas use a small part of the grammar; this module reads that part directly.

How it works
------------
:func:`read` takes the text the adapter would hand to the parser (already rewritten:
placeholders ``\mathit{zqph0}``, ``\ln``, bounded sums) and returns what
:func:`derive.latex.adapter._parser_type`'s parser returns for it: the same unevaluated SymPy
tree, node for node, built with the same calls the library's conversion makes (``Add`` and
``Mul`` unevaluated and flattened as its ``add_flat`` and ``mul_flat`` do, ``Pow`` unevaluated,
exact numbers, the :class:`Group` of a product in brackets or of juxtaposed factors). The
adapter then converts that tree as it converts the parser's. It returns None for anything
else, and the parser reads the text, words any error and resolves what only its grammar
settles. So a formula reads the same either way; tests/test_latex_plain.py compares the two
trees on the grammar's corners, on formulas of the README and the tests, and on random formulas.

The part read here (tokens as the grammar's lexer cuts them):

* numbers (``2``, ``0.25``), letters other than ``e``, ``E``, ``I`` and a ``d`` before a letter
  (a differential), the Greek commands, ``\hat{..}``, ``\tilde{..}``, ``\bar{..}``,
  ``\text{..}``, ``\mathit{..}``, ``\mathrm{..}``, each with a subscript and a power
  (``x_i^2``, ``W_{\text{f}}``);
* ``+ - * / \cdot \times``, juxtaposition, ``^``, brackets ``( )`` and ``{ }``, ``|..|``;
* ``\frac{a}{b}``, ``\sqrt{a}``, ``e^{a}``, ``\ln \log \exp \sin \cos \tan \sinh \cosh \tanh``
  with or without brackets (``\ln x y`` is ln(xy), as the grammar has it), ``\log_2``,
  ``\sum_{k=1}^{K}``, and a name applied to one atom, ``y(x)`` (which the adapter reads as y·x).

Declined (the parser's business): commas, relations, ``\partial``, a bracket around the whole
formula (the grammar reads it as a tuple or a set), chained powers ``x^{a}^{b}``, nested or
juxtaposed bars, a letter run that holds one of the grammar's words (``tr``, ``eye``, ``norm``...).

Example: ``-y \ln \mathit{zqph0} + \frac{\lambda}{2} w^2`` (the adapter's rewriting of
``-y\log\sigma(s) + \frac{\lambda}{2} w^2``) reads as
``Add(Mul(-1, Group(Mul(y, log(math{zqph0}, E)))), Group(Mul(lambda, Pow(2, -1), Pow(w, 2))))``,
unevaluated, as the parser gives it; the adapter makes it ``lam*w**2/2 - y*log(sigmoid(s))``.
"""

from __future__ import annotations

import re

import sympy as sp


class Group(sp.Function):
    r"""A product in brackets, or of juxtaposed factors, as the parser returns it: kept whole, or it would
    merge into the product around it, and 1^T (w x) would become (1^T w) x, and ``z \odot W v`` (z W) v.
    The adapter's conversion unwraps it."""


class Declined(Exception):
    """The text is outside the part read here: the parser reads it."""


#: The grammar's Greek commands (``\gamma`` is also its Euler constant: left to the parser).
GREEK = frozenset({
    "alpha", "beta", "delta", "Delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "Theta", "vartheta",
    "iota", "kappa", "lambda", "Lambda", "mu", "nu", "xi", "Xi", "omicron", "pi", "Pi", "varpi", "rho", "varrho",
    "sigma", "Sigma", "varsigma", "tau", "upsilon", "Upsilon", "phi", "Phi", "varphi", "chi", "psi", "Psi",
    "omega", "Omega"})
#: Accents whose whole ``\cmd{...}`` is one token of the grammar's lexer.
ACCENTS = frozenset({"hat", "tilde", "bar", "text", "mathit", "mathrm"})
FUNCTIONS = {"ln": sp.log, "log": sp.log, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
             "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh}
_INVERTIBLE = {"sin", "cos", "tan", "sinh", "cosh", "tanh"}  # f^{-1} is the inverse function there
#: Words the grammar's lexer cuts out of a run of letters (``xtr`` is x and the token ``tr``).
_WORDS = re.compile(
    "arsinh|arcsinh|arcosh|arccosh|artanh|arctanh|gcd|lcm|floor|ceil|eye|zeros|ones|cols|rows|diag|norm|rank|"
    "trace|tr|rref|hstack|vstack|orth|nullspace|eig|svd|SVD|matrix|array")
#: What the lexer reads after '^' as one token of its own (a transpose, degrees).
_CARET_TOKENS = ("^T", "^{T}", "^{\\top}", "^\\circ", "^\\degree", "^\\circle", "^{\\circ}", "^{\\degree}",
                 "^{\\circle}")
_SINGLE = {"+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV", "(": "LP", ")": "RP", "{": "LB", "}": "RB",
           "|": "BAR", "^": "CARET", "_": "UNDER", "=": "EQ"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_SPACE = re.compile(r"[ \t\r\n]+")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LETTERS = re.compile(r"[A-Za-z]+")
_DIFFERENTIAL = re.compile(r"d[ \t\r\n]*[A-Za-z\\]")
_ACCENT = re.compile(r"\\(?:hat|tilde|bar|text|mathit|mathrm)[ \t\r\n]?\{([^{}\\]|\\[A-Za-z]+ ?)*?\}")


def read(text: str):
    """The parser's tree for ``text``, or None when ``text`` is outside the part read here."""
    try:
        tokens = _tokens(text)
        if _one_bracket(tokens):
            return None  # (x) and {x} alone are a tuple and a set to the grammar
        reader = _Parser(tokens)
        tree = reader.expr()
        if reader.peek() is not None:
            return None
        return tree
    except (Declined, RecursionError):
        return None


# -- tokens ------------------------------------------------------------------------------------

def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs, the text as the grammar's lexer cuts it (a Greek command keeps one space after it)."""
    out, i, n = [], 0, len(text)
    while i < n:
        char = text[i]
        if (m := _SPACE.match(text, i)) is not None:
            i = m.end()
        elif char in _SINGLE:
            if char == "^" and text.startswith(_CARET_TOKENS, i):
                raise Declined
            out.append((_SINGLE[char], char))
            i += 1
        elif char in "0123456789.":
            m = _NUMBER.match(text, i)
            if m is None or text.startswith(".", m.end()):
                raise Declined  # 1. or 1.5.2
            out.append(("NUM", m[0]))
            i = m.end()
        elif char.isascii() and char.isalpha():
            if _WORDS.search(_LETTERS.match(text, i)[0]):
                raise Declined
            if char in "EI" or (char == "d" and _DIFFERENTIAL.match(text, i)):
                raise Declined  # E notation, the imaginary unit, a differential
            out.append(("E" if char == "e" else "LETTER", char))
            i += 1
        elif char == "\\":
            i = _command(text, i, out)
        else:
            raise Declined
    return out


def _command(text: str, i: int, out: list) -> int:
    m = _COMMAND.match(text, i)
    if m is None:
        raise Declined
    name = m[1]
    if name in ACCENTS:
        accent = _ACCENT.match(text, i)
        if accent is None:
            raise Declined
        out.append(("ACCENT", accent[0]))
        return accent.end()
    if name in GREEK:
        end = m.end() + (text.startswith(" ", m.end()))
        out.append(("GREEK", text[i:end]))
        return end
    kind = {"cdot": "MUL", "times": "MUL", "frac": "FRAC", "sqrt": "SQRT", "sum": "SUM"}.get(name)
    if kind is None and name in FUNCTIONS:
        kind = "FUNC"
    if kind is None:
        raise Declined
    out.append((kind, m[0]))
    return m.end()


def _one_bracket(tokens: list) -> bool:
    """Whether one pair of brackets holds the whole formula."""
    if not tokens or tokens[0][0] not in ("LP", "LB"):
        return False
    depth = 0
    for position, (kind, _) in enumerate(tokens):
        depth += (kind in ("LP", "LB")) - (kind in ("RP", "RB"))
        if depth == 0:
            return position == len(tokens) - 1
    return False


# -- the library's conversions, made here the same way ------------------------------------

def _add_flat(lh, rh):
    args = (list(lh.args) if lh.is_Add else [lh]) + (list(rh.args) if rh.is_Add else [rh])
    return sp.Add(*args, evaluate=False)


def _mul_flat(lh, rh):
    args = (list(lh.args) if getattr(lh, "is_Mul", False) else [lh]) \
        + (list(rh.args) if getattr(rh, "is_Mul", False) else [rh])
    return sp.Mul(*args, evaluate=False)


def _negated(x):
    """A unary minus: a number negated, anything else -1 times it."""
    if x.func.is_Number or x.is_Number:
        return -x
    return _mul_flat(sp.Integer(-1), x)


def _symbol(text: str):
    """A name as the library's ``get_symbol`` makes it (π is a number there)."""
    name = text.strip().removeprefix("\\")
    return sp.pi if name == "pi" else sp.Symbol(name, real=None)


def _accent_text(token: str) -> str:
    """The library's name for ``\\hat{y}`` (``hat{y}``), ``\\text{prev}`` (``prev``), ``\\mathit{v}`` (``math{v}``)."""
    start = token.index("{")
    accent, inner = token[1:start], token[start + 1:-1].replace(" ", "")
    if "text" in accent:
        return inner.replace("(", "").replace(")", "")
    return f"{'math' if 'math' in accent else accent}{{{inner}}}"


# -- the grammar's part ------------------------------------------------------------------------

_NAMES = ("LETTER", "GREEK", "ACCENT")
_FUNCTION_STARTS = ("FUNC", "SQRT", "SUM", "E")
_STARTS = ("LP", "LB", "BAR", "NUM", "FRAC") + _NAMES + _FUNCTION_STARTS


class _Parser:
    """Recursive descent over the tokens, one method per rule of the grammar (expr, mp, unary...)."""

    def __init__(self, tokens: list):
        self.tokens, self.at, self.bars = tokens, 0, 0

    def peek(self, ahead: int = 0):
        position = self.at + ahead
        return self.tokens[position][0] if position < len(self.tokens) else None

    def take(self, kind: str | None = None) -> str:
        if self.peek() is None or (kind is not None and self.peek() != kind):
            raise Declined
        self.at += 1
        return self.tokens[self.at - 1][1]

    def text(self, start: int, end: int) -> str:
        """``getText()`` of the tokens from ``start`` to ``end``: their texts, without the spaces between."""
        return "".join(text for _, text in self.tokens[start:end])

    # expr: additive (+ and - left to right)
    def expr(self):
        left = self.mp()
        while self.peek() in ("ADD", "SUB"):
            sign = self.take()
            right = self.mp()
            if sign == "-":
                right = -right if right.func.is_Number else _mul_flat(sp.Integer(-1), right)
            left = _add_flat(left, right)
        return left

    # mp: products and quotients written with an operator, left to right
    def mp(self, nofunc: bool = False):
        left = self.unary(nofunc)
        while self.peek() in ("MUL", "DIV"):
            kind = self.peek()
            self.take()
            right = self.unary(nofunc)
            if kind == "MUL":
                left = _mul_flat(left, right)
            elif left.is_Integer and right.is_Integer:
                left = sp.Rational(left, right)
            else:
                left = sp.Mul(left, sp.Pow(right, -1, evaluate=False), evaluate=False)
        return left

    # unary: a sign, or juxtaposed factors (without functions after the first, in a function's argument)
    def unary(self, nofunc: bool = False):
        if self.peek() == "ADD":
            self.take()
            return self.unary(nofunc)
        if self.peek() == "SUB":
            self.take()
            return _negated(self.unary(nofunc))
        factors = [self.exp(functions=True)]
        while self._factor_follows(nofunc):
            factors.append(self.exp(functions=not nofunc))
        product = factors[-1]
        for factor in reversed(factors[:-1]):
            product = _mul_flat(factor, product)
        return Group(product) if len(factors) > 1 else product

    def _factor_follows(self, nofunc: bool) -> bool:
        kind = self.peek()
        if kind not in _STARTS or (nofunc and kind in _FUNCTION_STARTS):
            return False
        if kind == "BAR":
            if self.bars:
                return False  # it closes the bars being read
            raise Declined  # |a| b |c|: which bars pair up is the grammar's choice
        return True

    # exp: a component and its powers
    def exp(self, functions: bool):
        base = self.comp(functions)
        if self.peek() == "CARET":
            self.take()
            base = sp.Pow(base, self.script(), evaluate=False)
            if self.peek() in ("CARET", "UNDER"):
                raise Declined  # chained powers; a subscript after a power (the grammar drops it)
        return base

    def script(self):
        """What follows ^: one atom, or an expression in braces."""
        if self.peek() == "LB":
            self.take()
            value = self.expr()
            self.take("RB")
            return value
        kind = self.peek()
        if kind == "NUM":
            return sp.Rational(self.take())
        if kind in _NAMES:
            start = self.at
            self.take()
            return self._name_symbol(start, "")
        raise Declined

    def comp(self, functions: bool):
        kind = self.peek()
        if kind in ("LP", "LB"):
            self.take()
            value = self.expr()
            self.take("RP" if kind == "LP" else "RB")
            return Group(value) if getattr(value, "is_Mul", False) else value
        if kind == "BAR":
            if self.bars:
                raise Declined  # bars inside bars
            self.take()
            self.bars += 1
            value = self.expr()
            self.take("BAR")
            self.bars -= 1
            return sp.Abs(value, evaluate=False)
        if kind == "NUM":
            number = sp.Rational(self.take())
            if self.peek() == "UNDER":
                raise Declined  # the adapter's parser refuses a subscript on a number, with its words
            return number
        if kind == "FRAC":
            self.take()
            return self.fraction()
        if kind in _NAMES:
            return self.name(functions)
        if kind in _FUNCTION_STARTS and functions:
            return {"FUNC": self.function, "SQRT": self.square_root, "SUM": self.sum, "E": self.exponential}[kind]()
        raise Declined

    def fraction(self):
        self.take("LB")
        upper = self.expr()
        self.take("RB")
        self.take("LB")
        lower = self.expr()
        self.take("RB")
        if upper.is_Integer and lower.is_Integer:
            return sp.Rational(upper, lower)
        return sp.Mul(upper, sp.Pow(lower, -1, evaluate=False), evaluate=False)

    # a name with its scripts (x_i^2), or applied to one atom (y(x))
    def name(self, functions: bool):
        start = self.at
        self.take()
        subscript = self.subscript() if self.peek() == "UNDER" else ""
        named = self.at  # the function's name ends here: y_i of y_i^2(x)
        power, call_allowed = None, functions
        if self.peek() == "CARET":
            self.take()
            power = self.script()
            if not subscript and self.peek() == "UNDER":
                subscript = self.subscript()  # x^2_i is (x_i)^2
                if self.peek() == "LP":
                    raise Declined  # x^2_i(y): the grammar reads 2_i there
                call_allowed = False
        if self.peek() in ("CARET", "UNDER"):
            raise Declined
        if call_allowed and self.peek() == "LP" and self._lone_atom_in_brackets():
            if subscript and power is not None:
                raise Declined  # x_i^2(y): the grammar names the function x_i^2
            return self.applied(start, named, power)
        symbol = self._name_symbol(start, subscript)
        return symbol if power is None else sp.Pow(symbol, power, evaluate=False)

    def _name_symbol(self, start: int, subscript: str):
        kind, token = self.tokens[start]
        if kind == "ACCENT":
            token = _accent_text(token)
        return _symbol(token.strip() + subscript)

    def subscript(self) -> str:
        """The subscript's text as the library writes it into the name: _k, _{t-1}, _{\\text{prev}}."""
        self.take("UNDER")
        if self.peek() == "LB":
            self.take()
            start = self.at
            self.expr()
            inner = self.text(start, self.at).strip()
            self.take("RB")
        elif self.peek() in ("NUM", "LETTER", "GREEK", "ACCENT"):
            inner = self.take().strip()
        else:
            raise Declined
        if self.peek() == "UNDER":
            raise Declined
        return f"_{{{inner}}}" if len(inner) > 1 else f"_{inner}"

    def _lone_atom_in_brackets(self) -> bool:
        """Whether ( atom ) follows: the grammar's function call y(x) (anything more in the brackets is a factor)."""
        if self.peek(2) == "RP" and self.peek(1) in ("NUM", "LETTER", "GREEK", "ACCENT"):
            return True
        if self.peek(1) in ("LETTER", "GREEK", "ACCENT") and self.peek(2) in ("UNDER", "CARET"):
            raise Declined  # y(x_i): an atom with scripts, or a factor; left to the grammar
        return False

    def applied(self, start: int, named: int, power):
        """y(x): the library makes y a function of x (reading x's text again); the adapter reads y·x."""
        function = sp.Function(self.text(start, named))
        self.take("LP")
        argument = read(self.take())
        self.take("RP")
        if argument is None:
            raise Declined
        value = function(argument)
        return value if power is None else sp.Pow(value, power, evaluate=False)

    # functions: \ln x, \tanh^2(C), \log_2 x, \sqrt{x}, \sum_{k=1}^{K} x_k, e^{x}
    def function(self):
        name = self.take()[1:]
        base = power = None
        for _ in range(2):
            if self.peek() == "UNDER" and base is None:
                if name not in ("ln", "log"):
                    raise Declined
                self.take()
                base = self.script()
            elif self.peek() == "CARET" and power is None:
                self.take()
                power = self.script()
        if base is not None and power is not None:
            raise Declined  # \log_b^2: b^2 may be the base
        if self.peek() == "LP":
            self.take()
            argument = self.expr()
            self.take("RP")
        else:
            argument = self.mp(nofunc=True)
        if name in ("ln", "log"):
            base = base if base is not None else (sp.E if name == "ln" else 10)
            value = sp.log(argument, base, evaluate=False)
        else:
            if power == -1 and name in _INVERTIBLE:
                raise Declined  # the inverse function
            value = FUNCTIONS[name](argument, evaluate=False)
        return sp.Pow(value, power, evaluate=False) if power else value

    def square_root(self):
        self.take()
        self.take("LB")
        value = self.expr()
        self.take("RB")
        return sp.Pow(value, sp.S.Half, evaluate=False)

    def sum(self):
        self.take()
        index = start = end = None
        for _ in range(2):
            if self.peek() == "UNDER" and index is None:
                self.take()
                self.take("LB")
                index = self.expr()
                self.take("EQ")
                start = self.expr()
                self.take("RB")
            elif self.peek() == "CARET" and end is None:
                self.take()
                end = self.script()
            else:
                raise Declined
        body = self.mp()
        return sp.Sum(body, (index, start, end))

    def exponential(self):
        self.take()
        argument = 1
        if self.peek() == "CARET":
            self.take()
            argument = self.script()
        if self.peek() in ("CARET", "UNDER"):
            raise Declined  # e^x^y, e_k: the grammar's choice
        return sp.exp(argument)
