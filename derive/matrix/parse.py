r"""Read a LaTeX formula of vectors and matrices into :mod:`derive.matrix.expr` nodes.

How it works
------------
:func:`tokenize` turns the text into numbers, single letters, commands and symbols. It drops
spacing (``\,``, ``\displaystyle``) and size hints (``\left``, ``\big``), but remembers the
side a delimiter was marked with (``\left|``, ``\rVert``): that is what tells an opening bar
from a closing one when the writer gave the hint. :class:`_Parser` then reads by recursive
descent, lowest precedence first::

    expression := term (('+' | '-') term)*
    term       := unary ((\cdot | \times | \odot | \circ | '/' | nothing) unary)*
    unary      := '-' unary | factor
    factor     := a name, number, bracket, norm, function or sum, with its sub- and superscript

Every node is made by expr's checking constructors, so shapes are checked as they are read,
and a :class:`ShapeError` names both operands. Example: in ``\|Wx - y\|^2`` with W 2×3, x 3,
y 2, the term ``Wx`` is ``matmul(W, x)`` (2), ``- y`` makes ``sub(Wx, y)`` (2), the norm
closes at the second ``\|`` and ``^2`` squares it: ``sqnorm(Wx - y)``.

Sums over components
--------------------
Inside ``\sum_i``, ``x_i`` (x a declared vector) stands for the whole of x, tagged with the
index i: a :class:`_Val` with ``indices=('i',)``; ``W_{ij}`` is W tagged (i, j) and ``(Wx)_j``
the vector Wx tagged j. Tagged values combine component by component: a product becomes a
Hadamard product, a plain scalar is broadcast, and the sum is the ``total`` of its body.
Example: ``\sum_i (x_i - \mu)^2`` reads x tagged i, broadcasts μ to μ𝟏, squares element-wise
and gives ``total((x - μ𝟏)²)``. The body of a sum is the rest of its product, so
``\sum_i x_i^2 + c`` adds c once; consecutive sums (``\sum_i \sum_j``) are one sum over both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial

import sympy as sp

from derive import naming
from derive.errors import InputError, LatexError
from derive.matrix import expr as E
from derive.matrix.expr import Node

MAX_LENGTH = 2000
MAX_DEPTH = 50  # brackets, norms, arguments, sums and signs inside one another
MAX_POWER_BITS = 10_000  # the largest exact number a power of numbers may produce
MAX_TREE_DEPTH = 200  # a chain of 2000 factors is one tree 2000 deep: too deep to print or differentiate

NUMBER, LETTER, COMMAND, SYMBOL, END = "number", "letter", "command", "symbol", "end"


class _Stop(Exception):
    """Reading stopped: the message says what was expected and where; ``where`` is added on top."""


# -- tokens --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str       # NUMBER, LETTER, COMMAND, SYMBOL or END
    text: str       # "0.5", "x", "frac" (a command without its backslash), "+", "(", "|", "||"
    pos: int        # where it starts in the text, counted from 0 (messages count from 1: _character)
    end: int
    side: str = ""  # "left" or "right" for a delimiter written \left|, \rVert, \bigl( ...

    def is_symbol(self, *texts: str) -> bool:
        return self.kind == SYMBOL and self.text in texts

    def is_command(self, *names: str) -> bool:
        return self.kind == COMMAND and self.text in names


_LEXEME = re.compile(r"(?P<space>[\s~]+)|(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<letter>[A-Za-z])"
                     r"|(?P<command>\\(?:[A-Za-z]+|.))|(?P<symbol>[-+*/^_()\[\]{}|,=.'!<>&])", re.DOTALL)
_SPACING = {",", ";", ":", "!", ">", "quad", "qquad", "displaystyle", "textstyle", "limits", "nolimits"}
_SIZES = {"left": "left", "right": "right"} | {
    size + tail: side for size in ("big", "Big", "bigg", "Bigg")
    for tail, side in (("", ""), ("l", "left"), ("r", "right"))}
_DELIMITERS = {  # as written -> (as the parser sees it, side)
    "(": ("(", ""), ")": (")", ""), "[": ("[", ""), "]": ("]", ""), r"\lbrack": ("[", ""),
    r"\rbrack": ("]", ""), r"\{": (r"\{", ""), r"\}": (r"\}", ""), r"\lbrace": (r"\{", ""),
    r"\rbrace": (r"\}", ""), "|": ("|", ""), r"\vert": ("|", ""), r"\lvert": ("|", "left"),
    r"\rvert": ("|", "right"), r"\|": ("||", ""), r"\Vert": ("||", ""), r"\lVert": ("||", "left"),
    r"\rVert": ("||", "right"),
}
_FRACTIONS = {"frac", "tfrac", "dfrac"}


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """The tokens of ``text`` (positions shifted by ``offset``), ending with an END token."""
    tokens: list[Token] = []
    sizing: Token | None = None  # a \left or \big waiting for its delimiter
    pos = 0
    while pos < len(text):
        m = _LEXEME.match(text, pos)
        if m is None:
            raise _Stop(_unexpected_character(text[pos], pos + offset))
        kind, lexeme, start, pos = m.lastgroup, m[0], m.start() + offset, m.end()
        name = lexeme[1:]
        if kind == "space" or (kind == "command" and (name in _SPACING or name.isspace())):
            continue
        if sizing is not None:
            _attach_size(tokens, sizing, lexeme, start, pos + offset)
            sizing = None
        elif kind == "command" and name in _SIZES:
            sizing = Token(COMMAND, name, start, pos + offset)
        elif lexeme in _DELIMITERS:
            shown, side = _DELIMITERS[lexeme]
            tokens.append(Token(SYMBOL, shown, start, pos + offset, side))
        elif kind == "command" and not name.isalpha():
            raise _Stop(f"unknown command {lexeme} at {_character(start)}")
        elif lexeme.isdigit() and tokens and tokens[-1].kind == COMMAND and tokens[-1].text in _FRACTIONS:
            # \frac12 is \frac{1}{2}: an argument without braces is one character
            tokens.extend(Token(NUMBER, digit, start + k, start + k + 1) for k, digit in enumerate(lexeme))
        else:
            kinds = {"number": NUMBER, "letter": LETTER, "command": COMMAND, "symbol": SYMBOL}
            tokens.append(Token(kinds[kind], name if kind == "command" else lexeme, start, pos + offset))
    if sizing is not None:
        raise _Stop(f"expected a bracket after \\{sizing.text} at {_character(sizing.pos)}")
    tokens.append(Token(END, "", len(text) + offset, len(text) + offset))
    return tokens


def _attach_size(tokens: list[Token], sizing: Token, lexeme: str, start: int, end: int) -> None:
    """The delimiter after ``\\left`` (or ``\\big``): marked with its side; ``\\left.`` is no delimiter."""
    if lexeme == ".":
        return
    if lexeme not in _DELIMITERS:
        raise _Stop(f"expected a bracket after \\{sizing.text} at {_character(start)}")
    shown, side = _DELIMITERS[lexeme]
    tokens.append(Token(SYMBOL, shown, sizing.pos, end, _SIZES[sizing.text] or side))


def _character(pos: int) -> str:
    """Where ``pos`` (0-based, as positions are kept) is, as users read it: the first character is character 1."""
    return f"character {pos + 1}"


def _unexpected_character(char: str, pos: int) -> str:
    if not char.isascii():
        return f"unexpected character {char!r} at {_character(pos)}: write LaTeX in ASCII (\\alpha, not α)"
    return f"unexpected character {char!r} at {_character(pos)}"


# -- what names and commands mean ----------------------------------------------------------------------
_GREEK = {letter: letter for letter in naming.GREEK} | {
    "lambda": "lam", "eta": "lr", "epsilon": "epsilon", "varepsilon": "epsilon", "vartheta": "theta",
    "varphi": "phi", "varrho": "rho", "varsigma": "sigma", "varpi": "pi"}
_ACCENTS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "bar",
            "overline": "bar"}
_BOLD = {"mathbf", "boldsymbol", "bm", "vec", "mathbb", "pmb"}  # \mathbf{x} is x, \mathbf{1} the ones
_WORDS = {"text", "textrm", "mathrm", "mathit", "operatorname"}  # \operatorname{ReLU}, \text{prev}
_TAKES_ARGUMENT = _ACCENTS.keys() | _BOLD | _WORDS | {"mathsf", "sqrt"}
_PRODUCTS = {"cdot": "dot", "times": "matmul", "odot": "odot", "circ": "odot"}
_OPENING = {"(": ")", "[": "]", r"\{": r"\}", "{": "}"}
_TRANSPOSES = {r"\top", "T", r"\intercal", r"\mathsf{T}", r"\mathsfT", r"\mathrm{T}", r"\mathrmT"}
_NUMBER = re.compile(r"(-?)(\d+(?:\.\d+)?|\.\d+)")
_FRACTION = re.compile(r"(-?)\\[dt]?frac(?:\{(\d+)\}|(\d))(?:\{(\d+)\}|(\d))")


@dataclass(frozen=True)
class _Function:
    build: Callable[[Node], Node]
    elementwise: bool = True  # so it also applies to the components under a \sum
    reads_rest: bool = False  # without brackets it takes the rest of the product: \operatorname{tr} A^\top B


def _elementwise(name):
    return _Function(partial(E.apply, name))


_FUNCTIONS = {
    "sigmoid": _elementwise("sigmoid"), "tanh": _elementwise("tanh"), "exp": _elementwise("exp"),
    "log": _elementwise("log"), "ln": _elementwise("log"), "softplus": _elementwise("softplus"),
    "ReLU": _elementwise("relu"), "relu": _elementwise("relu"), "Relu": _elementwise("relu"),
    "sign": _elementwise("sign"), "sgn": _elementwise("sign"), "abs": _elementwise("abs"),
    "softmax": _Function(E.softmax, elementwise=False), "LSE": _Function(E.logsumexp, elementwise=False),
    "lse": _Function(E.logsumexp, elementwise=False), "logsumexp": _Function(E.logsumexp, elementwise=False),
    "tr": _Function(E.trace, False, True), "Tr": _Function(E.trace, False, True),
    "trace": _Function(E.trace, False, True), "det": _Function(E.det, False, True),
}
_FUNCTION_COMMANDS = {"tanh", "exp", "log", "ln", "det"}  # written \tanh; the others \operatorname{...}
_UNSUPPORTED = {  # commands a reader may try, and why they are refused
    "sin": "trigonometric functions are not understood", "cos": "trigonometric functions are not understood",
    "partial": "write the expression itself: derive grad differentiates it",
    "min": r"\min is not understood (\max(0, x) is the ReLU)", "prod": r"\prod is not understood",
    "begin": "environments (matrices, cases) are not understood",
}


def _dot(a: Node, b: Node) -> Node:
    r"""``a \cdot b``: the inner product aᵀb of two column vectors, otherwise the matrix product."""
    if _is_column(a) and _is_column(b):
        return E.matmul(E.transpose(a), b)
    return E.matmul(a, b)


def _is_column(node: Node) -> bool:
    return node.shape[1] == 1 and not node.is_scalar


_PLAIN = {"+": E.add, "-": E.sub, "matmul": E.matmul, "dot": _dot, "odot": E.hadamard, "/": E.divide}
_COMPONENTWISE = {"+": E.add, "-": E.sub, "matmul": E.hadamard, "dot": E.hadamard, "odot": E.hadamard,
                  "/": E.divide}


# -- what the parser builds ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Val:
    """A node, where it was written, and the summed indices it stands for the components over:
    () for a plain value, (i,) for a vector's components, (i, j) for a matrix's (rows i, columns j)."""
    node: Node
    start: int
    end: int
    indices: tuple = ()


@dataclass(frozen=True)
class _Subscript:
    name: str              # as in a plain name: W_{xh} -> "xh", h_{\text{prev}} -> "prev", W_{i,j} -> "i_j"
    letters: tuple | None  # the single letters when it is nothing else (W_{ij} -> ("i", "j")): maybe indices


@dataclass(frozen=True)
class _Superscript:
    meaning: tuple  # ("transpose",), ("inverse",), ("inverse transpose",), ("number", value) or ()
    first: int      # the token range of its argument, for e^{...}
    last: int
    mark: Token     # the '^'


def _meaning(tokens: list[Token]) -> tuple:
    """What a superscript's tokens say: ^\\top, ^{-1}, ^{-\\top}, ^{2}, ^{0.5}, ^{\\frac{1}{2}} ..."""
    written = "".join("\\" + t.text if t.kind == COMMAND else t.text for t in tokens)
    if written in _TRANSPOSES:
        return ("transpose",)
    if written == "-1":
        return ("inverse",)
    if written.startswith("-") and written[1:] in _TRANSPOSES:
        return ("inverse transpose",)
    if m := _NUMBER.fullmatch(written):
        return ("number", sp.Rational(m[1] + m[2]))
    if (m := _FRACTION.fullmatch(written)) and int(m[4] or m[5]):
        return ("number", sp.Rational(int(m[2] or m[3]), int(m[4] or m[5])) * (-1 if m[1] else 1))
    return ()


class _Parser:
    """One formula's reading: the cursor, the open brackets and the indices of the sums being read."""

    def __init__(self, text: str, tokens: list[Token], shapes: Mapping[str, tuple]):
        self.text, self.tokens, self.shapes = text, tokens, shapes
        self.i, self.limit, self.last_end = 0, len(tokens) - 1, 0
        self.depth = 0
        self.open: list[str] = []   # open brackets and bars, innermost last: is the next '|' a closing one?
        self.bound: list[str] = []  # indices of the sums being read
        self.ended: set[str] = set()  # indices of sums already read (for a hint)

    # -- the cursor --
    def peek(self, ahead: int = 0) -> Token:
        k = self.i + ahead
        if k >= self.limit:  # the end of the formula, or of the superscript being read
            stop = self.tokens[self.limit]
            return stop if stop.kind == END else Token(END, "", stop.pos, stop.pos)
        return self.tokens[k]

    def take(self) -> Token:
        token = self.peek()
        if token.kind != END:
            self.i += 1
            self.last_end = token.end
        return token

    def source(self, start: int, end: int | None = None) -> str:
        """The text from ``start`` as written, on one line and at most 60 characters."""
        written = " ".join(self.text[start:self.last_end if end is None else end].split())
        return written if len(written) <= 60 else written[:57] + "..."

    def at(self, place: Token | int) -> str:
        if isinstance(place, int):
            return f"at {_character(place)}"
        return "at the end of the formula" if place is self.tokens[-1] else f"at {_character(place.pos)}"

    def stop(self, message: str, place: Token | int | None = None, hint: str = ""):
        """Refuse: 'message at character N: hint' (the hint says what to write instead)."""
        raise _Stop((message if place is None else f"{message} {self.at(place)}") + (f": {hint}" if hint else ""))

    @contextmanager
    def nested(self, token: Token, delimiter: str | None = None):
        """One level deeper (refused past MAX_DEPTH); ``delimiter`` is the innermost open one meanwhile."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.stop(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)", token)
        if delimiter is not None:
            self.open.append(delimiter)
        try:
            yield
        finally:
            if delimiter is not None:
                self.open.pop()
            self.depth -= 1

    def build(self, token: Token, constructor: Callable, *operands) -> Node:
        """A constructor's node; its ShapeError learns where in the text it happened."""
        try:
            return constructor(*operands)
        except InputError as error:
            if getattr(error, "pos", None) is None:
                error.pos = token.pos
            raise

    # -- the grammar --
    def read(self) -> Node:
        value = self.expression()
        if self.peek().kind != END:
            self.unexpected(self.peek())
        return value.node

    def expression(self) -> _Val:
        left = self.term()
        while self.peek().is_symbol("+", "-"):
            sign = self.take()
            left = self.combine(sign.text, left, self.term(), sign)
        return left

    def term(self) -> _Val:
        left = self.unary()
        while True:
            token = self.peek()
            if token.kind == COMMAND and token.text in _PRODUCTS or token.is_symbol("*", "/"):
                self.take()
                operation = _PRODUCTS.get(token.text, "matmul" if token.text == "*" else "/")
                right = self.unary()
            elif self.starts_factor(token):
                if token.kind == NUMBER:
                    self.stop("a number after a factor", token,
                              "write the number first (2x), or braces for a subscript (x_{12})")
                operation, right = "matmul", self.factor()
            else:
                return left
            left = self.combine(operation, left, right, token)

    def unary(self) -> _Val:
        token = self.peek()
        if not token.is_symbol("-", "+"):
            return self.factor()
        self.take()
        with self.nested(token):
            operand = self.unary()
        if token.text == "+":
            return replace(operand, start=token.pos)
        return _Val(self.build(token, E.neg, operand.node), token.pos, operand.end, operand.indices)

    def starts_factor(self, token: Token) -> bool:
        if token.kind in (NUMBER, LETTER):
            return True
        if token.kind == COMMAND:
            return token.text not in _PRODUCTS
        if token.is_symbol("|", "||"):
            return self.opens(token)
        return token.is_symbol(*_OPENING)

    def opens(self, bar: Token) -> bool:
        """Whether a bar opens (rather than closes) a group: as marked, else unless one is open."""
        if bar.side:
            return bar.side == "left"
        return not (self.open and self.open[-1] == bar.text)

    def factor(self) -> _Val:
        token = self.peek()
        if token.kind == NUMBER:
            self.take()
            return self.finish(_Val(E.number(sp.Rational(token.text)), token.pos, token.end))
        if token.kind == LETTER:
            return self.name()
        if token.kind == COMMAND:
            return self.command(token)
        if token.is_symbol(*_OPENING):
            return self.finish(self.group())
        if token.is_symbol("|") and self.opens(token):
            return self.bars()
        if token.is_symbol("||") and self.opens(token):
            return self.norm()
        if token is self.tokens[-1]:
            self.stop("the formula ends too early: expected an operand")
        self.unexpected(token, "expected an operand")

    def unexpected(self, token: Token, expected: str = ""):
        """Refuse ``token``: 'expected X, found Y at character N', or 'unexpected Y at character N'."""
        if token.kind == END:
            self.stop(expected or "unexpected end", token)
        shown = {COMMAND: "\\" + token.text, SYMBOL: f"'{token.text}'" if token.text != "||" else r"'\|'"}
        hints = {"=": "write an expression, not an equation", "'": "primes are not understood",
                 "^": "a second superscript needs braces", "_": "a second subscript needs braces"}
        found = shown.get(token.kind, f"'{token.text}'")
        said = f"{expected}, found {found}" if expected else f"unexpected {found}"
        self.stop(said, token, hints.get(token.text, ""))

    def command(self, token: Token) -> _Val:
        name = token.text
        if name == "sum":
            return self.summation()
        if name in _FRACTIONS:
            return self.finish(self.fraction())
        if name == "sqrt":
            return self.square_root()
        if name == "max":
            return self.maximum()
        if name == "sigma" and self.peek(1).is_symbol("("):  # \sigma(...) is the sigmoid; \sigma alone a name
            self.take()
            return self.function("sigmoid", token)
        if name in _FUNCTION_COMMANDS:
            self.take()
            return self.function(name, token)
        if name in _WORDS:
            word, after = self.word_at(self.i + 1)
            if word in _FUNCTIONS:
                self.i, self.last_end = after, self.tokens[after - 1].end
                return self.function(word, token)
            if name == "operatorname":
                self.stop(f"unknown function \\operatorname{{{word}}}" if word else
                          r"expected a name in braces after \operatorname", token)
        if name in _GREEK or name in _ACCENTS or name in _BOLD or name in _WORDS:
            return self.name()
        if name in _PRODUCTS:
            self.stop(f"expected an operand before \\{name}", token)
        if name in _UNSUPPORTED:
            self.stop(f"\\{name}: {_UNSUPPORTED[name]}", token)
        self.stop(f"unknown command \\{name}", token)

    # -- names --
    def name(self) -> _Val:
        start = self.peek()
        base = self.symbol()
        if base == "1":
            return self.ones(start)
        subscript, superscript = self.scripts()
        if base == "e" and subscript is None and "e" not in self.shapes:  # Euler's number: e^{z} = exp(z)
            exponent = self.exponent(superscript) if superscript else _Val(E.ONE, start.pos, start.end)
            node = self.build(start, E.apply, "exp", exponent.node)
            return _Val(node, start.pos, self.last_end, exponent.indices)
        value = self.resolve(base, subscript, start)
        return self.superscript(value, superscript) if superscript else value

    def symbol(self) -> str:
        """The plain name of one symbol: x, mu, lam, y_hat; "1" for \\mathbf{1}."""
        token = self.take()
        if token.kind == LETTER:
            return token.text
        if token.kind == COMMAND and token.text in _GREEK:
            return _GREEK[token.text]
        if token.kind == COMMAND and token.text in _ACCENTS:
            inner = self.symbol_argument(token)
            if inner == "1":
                self.stop(f"\\{token.text}{{1}} is not understood", token)
            return f"{inner}_{_ACCENTS[token.text]}"
        if token.kind == COMMAND and token.text in _BOLD:
            return self.symbol_argument(token)
        if token.kind == COMMAND and token.text in _WORDS:
            word, after = self.word_at(self.i)
            if not word or not naming.is_valid_name(word):
                self.stop(f"expected a name in \\{token.text}{{...}}", token)
            self.i, self.last_end = after, self.tokens[after - 1].end
            return word
        self.unexpected(token, "expected a name")

    def symbol_argument(self, command: Token) -> str:
        braced = self.peek().is_symbol("{")
        if braced:
            self.take()
        if self.peek().kind == NUMBER:
            digit = self.take()
            if digit.text != "1":
                self.stop(f"\\{command.text}{{{digit.text}}}: only \\{command.text}{{1}} "
                          f"(the all-ones vector) is understood", digit)
            inner = "1"
        else:
            with self.nested(command):
                inner = self.symbol()
        if braced and not self.take().is_symbol("}"):
            self.stop(f"expected one symbol in \\{command.text}{{...}}", command)
        return inner

    def word_at(self, k: int) -> tuple[str | None, int]:
        """The word of ``\\text{word}`` whose '{' is token k, and the index after its '}'."""
        if not (k < self.limit and self.tokens[k].is_symbol("{")):
            return None, k
        word, k = "", k + 1
        while k < self.limit and self.tokens[k].kind in (LETTER, NUMBER):
            word, k = word + self.tokens[k].text, k + 1
        if not (k < self.limit and self.tokens[k].is_symbol("}")):
            return None, k
        return word, k + 1

    def ones(self, start: Token) -> _Val:
        r"""``\mathbf{1}``: the all-ones vector of the length its use needs (``\mathbf{1}_3`` says it)."""
        subscript, superscript = self.scripts()
        length = None
        if subscript is not None and subscript.name.isdigit():
            length = int(subscript.name)
        elif subscript is not None and not (subscript.letters and len(subscript.letters) == 1):
            self.stop(r"the length of \mathbf{1} must be a number or a letter", start)
        value = _Val(E.ones((length, 1)), start.pos, self.last_end)
        return self.superscript(value, superscript) if superscript else value

    def resolve(self, base: str, subscript: _Subscript | None, start: Token) -> _Val:
        """A name with its subscript: a declared name, the identity, a component under a \\sum, a scalar."""
        written = self.source(start.pos)
        if subscript is None:
            if base in self.bound and base not in self.shapes:
                self.stop(f"the index {base} alone is not understood", start,
                          f"use it as a subscript, as in x_{base}")
            full = base
        else:
            full = f"{base}_{subscript.name}"
        if full in self.shapes:
            return _Val(E.var(full, self.shapes[full]), start.pos, self.last_end)
        if base == "I" and "I" not in self.shapes:  # the identity, I_n or I_{3}
            size = int(subscript.name) if subscript and subscript.name.isdigit() else None
            return _Val(E.identity(size), start.pos, self.last_end)
        shape = self.shapes.get(base, E.SCALAR)
        letters = subscript.letters if subscript else None
        if subscript is not None and tuple(shape) != E.SCALAR:
            if letters and all(letter in self.bound for letter in letters):
                return self.component(E.var(base, shape), letters, start.pos)
            if not letters:  # W_1 with W declared: not a component, and no shape of its own
                self.stop(f"{written}: {base} has a --shape but {full} has none", start,
                          rf"declare {full} with --shape too (components of {base} are read only under \sum)")
            self.unbound(written, subscript, start.pos, f"declare {full} with --shape if it is a name of its own")
        if letters and any(letter in self.bound for letter in letters):
            self.stop(f"{written}: {base} is a scalar, so it has no components", start,
                      f"declare its shape, e.g. --shape {base}=3")
        if not naming.is_valid_name(full):
            self.stop(f"cannot read the name {written}", start)
        return _Val(E.var(full), start.pos, self.last_end)

    def unbound(self, written: str, subscript: _Subscript, start: int, hint: str = ""):
        """Refuse a subscript that is not the index of a \\sum being read."""
        index = next((i for i in subscript.letters or () if i not in self.bound), subscript.name)
        if index in self.ended:
            hint = r"the body of a \sum ends at the first + or -; put it in brackets"
        self.stop(rf"{written}: {index} is not the index of an enclosing \sum", start, hint)

    def component(self, node: Node, letters: tuple, start: int) -> _Val:
        """``node`` tagged with the summed indices: x_i over i, W_{ij} over (i, j)."""
        written, (rows, cols) = self.source(start), node.shape
        if len(letters) == 1 and (rows == 1 or cols == 1):
            node = node if cols == 1 else E.transpose(node)
            return _Val(node, start, self.last_end, tuple(letters))
        if len(letters) == 1:
            self.stop(f"{written}: a matrix ({E.shape_text(node.shape)}) has components with two indices", start)
        if len(letters) == 2 and (rows == 1 or cols == 1):
            self.stop(f"{written}: a vector ({E.shape_text(node.shape)}) has components with one index", start)
        if len(letters) != 2 or letters[0] == letters[1]:
            self.stop(f"{written}: expected two different indices of a matrix, as in W_{{ij}}", start)
        if self.bound.index(letters[0]) > self.bound.index(letters[1]):  # W_{ji} under \sum_{i,j}: Wᵀ, (i, j)
            node, letters = E.transpose(node), letters[::-1]
        return _Val(node, start, self.last_end, tuple(letters))

    # -- scripts --
    def scripts(self) -> tuple[_Subscript | None, _Superscript | None]:
        """An optional subscript and superscript, in either order."""
        subscript = superscript = None
        while True:
            if self.peek().is_symbol("_") and subscript is None:
                subscript = self.subscript()
            elif self.peek().is_symbol("^") and superscript is None:
                superscript = self.superscript_script()
            else:
                return subscript, superscript

    def argument(self, mark: Token) -> tuple[int, int]:
        """The token range of a TeX argument: a braced group's inside, or one token (with its own argument)."""
        token = self.peek()
        if token.is_symbol("{"):
            opening, last = self.i, self.closing_brace(self.i)
            self.i, self.last_end = last + 1, self.tokens[last].end
            return opening + 1, last
        if token.kind in (END, SYMBOL):
            self.unexpected(token, f"expected the argument of '{mark.text}'")
        first = self.i
        self.take()
        if token.kind == NUMBER and len(token.text) > 1:
            self.stop("a script of more than one character needs braces", token, f"{mark.text}{{{token.text}}}")
        if token.kind == COMMAND and token.text in _TAKES_ARGUMENT:
            self.argument(token)
        return first, self.i

    def closing_brace(self, k: int) -> int:
        depth = 0
        for j in range(k, self.limit):
            depth += self.tokens[j].is_symbol("{") - self.tokens[j].is_symbol("}")
            if depth == 0:
                return j
        self.stop(f"cannot read '{self.source(0, len(self.text))}': the '{{' opened at "
                  f"{_character(self.tokens[k].pos)} is never closed")

    def subscript(self) -> _Subscript:
        mark = self.take()
        first, last = self.argument(mark)
        groups, run, letters, k = [], "", [], first
        while k < last:
            token = self.tokens[k]
            if token.kind in (LETTER, NUMBER):
                run += token.text
                letters.append(token.text if token.kind == LETTER else None)
            elif token.is_symbol(","):
                groups, run = groups + [run], ""
            elif token.kind == COMMAND and token.text in _GREEK:
                groups, run = groups + [run, _GREEK[token.text]], ""
                letters.append(None)
            elif token.kind == COMMAND and token.text in _WORDS:
                word, k = self.word_at(k + 1)
                if not word:
                    self.stop(f"cannot read the subscript {self.source(mark.pos)}", token)
                groups, run = groups + [run, word], ""
                letters.append(None)
                continue
            else:
                self.stop(f"cannot read the subscript {self.source(mark.pos)}", token,
                          r"expected letters, digits or \text{...}")
            k += 1
        name = "_".join(g for g in groups + [run] if g)
        if not name:
            self.stop("an empty subscript", mark)
        return _Subscript(name, tuple(letters) if all(letters) else None)

    def superscript_script(self) -> _Superscript:
        mark = self.take()
        first, last = self.argument(mark)
        return _Superscript(_meaning(self.tokens[first:last]), first, last, mark)

    def exponent(self, superscript: _Superscript) -> _Val:
        """The expression in e^{...}, read from the superscript's tokens."""
        saved = self.i, self.limit, self.last_end
        self.i, self.limit = superscript.first, superscript.last
        try:
            with self.nested(superscript.mark, "{"):  # a barrier: a '|' inside opens a new bar
                value = self.expression()
            if self.peek().kind != END:
                self.unexpected(self.peek())
        finally:
            self.i, self.limit, self.last_end = saved
        return value

    def superscript(self, value: _Val, superscript: _Superscript) -> _Val:
        """``value`` transposed, inverted or raised to a number; components are numbers (xᵢᵀ = xᵢ)."""
        mark, written = superscript.mark, self.source(value.start)
        kind = superscript.meaning[0] if superscript.meaning else None
        if kind is None:
            self.stop(f"{written}: a superscript must be a number, \\top, -1 or -\\top", mark,
                      "only e^{...} takes an expression")
        if value.indices:
            if kind == "transpose":
                return replace(value, end=self.last_end)
            exponent = superscript.meaning[1] if kind == "number" else -1
            return self.power(value, exponent, mark, written)
        if kind == "transpose":
            node = self.build(mark, E.transpose, value.node)
        elif kind == "inverse":
            node = self.build(mark, E.inverse, value.node)
        elif kind == "inverse transpose":
            node = self.build(mark, E.transpose, self.build(mark, E.inverse, value.node))
        else:
            return self.power(value, superscript.meaning[1], mark, written)
        return _Val(node, value.start, self.last_end)

    def power(self, value: _Val, exponent: sp.Rational, mark: Token, written: str) -> _Val:
        rows, cols = value.node.shape
        if not value.indices and rows != 1 and cols != 1:
            self.stop(f"{written}: a power of a matrix is not understood", mark,
                      r"write the product (A A), the element-wise product (A \odot A) or ^{-1} for the inverse")
        if isinstance(value.node, E.Number) and abs(value.node.value) not in (0, 1):
            bits = max(abs(value.node.value.p).bit_length(), value.node.value.q.bit_length())
            if abs(exponent) * bits > MAX_POWER_BITS:
                self.stop(f"{written}: the power of a number is too large to compute", mark)
        node = self.build(mark, E.power, value.node, exponent)
        return _Val(node, value.start, self.last_end, value.indices)

    def finish(self, value: _Val) -> _Val:
        """Scripts after a bracket, number or function: (Wx)_j is a component, (.)^2 a power."""
        subscript, superscript = self.scripts()
        if subscript is not None:
            value = self.components_of(value, subscript)
        return self.superscript(value, superscript) if superscript else value

    def components_of(self, value: _Val, subscript: _Subscript) -> _Val:
        start, written = value.start, self.source(value.start)
        letters = subscript.letters
        if not letters or any(letter not in self.bound for letter in letters):
            self.unbound(written, subscript, start)
        if value.indices:
            self.stop(f"{written}: these are components already", start)
        if value.node.is_scalar:
            self.stop(f"{written}: a scalar has no components", start)
        return self.component(value.node, letters, start)

    # -- brackets, bars and norms --
    def group(self) -> _Val:
        opening = self.take()
        with self.nested(opening, opening.text):
            inner = self.expression()
        self.close(opening, _OPENING[opening.text], "bracket")
        return _Val(inner.node, opening.pos, self.last_end, inner.indices)

    def close(self, opening: Token, closing: str, what: str) -> None:
        token = self.peek()
        if token.is_symbol(closing) and (closing not in ("|", "||") or token.side != "left"):
            self.take()
            return
        shown = {"||": r"\|", r"\}": r"\}"}.get(closing, closing)
        if token is self.tokens[-1]:
            opened = {"bracket": f"the '{opening.text}'"}.get(what, f"the {what}")
            self.stop(f"cannot read '{self.source(0, len(self.text))}': {opened} opened at "
                      f"{_character(opening.pos)} is never closed")
        self.stop(f"expected '{shown}' {self.at(token)} (to close the {what} opened at "
                  f"{_character(opening.pos)})")

    def bars(self) -> _Val:
        r"""``|s|`` of a scalar or a component is its absolute value; ``|X|`` of a square matrix its det."""
        opening = self.take()
        with self.nested(opening, "|"):
            inner = self.expression()
        self.close(opening, "|", "bar '|'")
        node, (rows, cols) = inner.node, inner.node.shape
        if inner.indices or node.is_scalar:
            node = self.build(opening, E.apply, "abs", node)
        elif rows == 1 or cols == 1:
            self.stop(f"{self.source(opening.pos)}: |.| of a vector is not understood", opening,
                      r"write \|.\| for its norm")
        else:
            node = self.build(opening, E.det, node)
        return self.finish(_Val(node, opening.pos, self.last_end, inner.indices))

    def norm(self) -> _Val:
        r"""``\|v\|`` (Euclidean), ``\|v\|_1``, ``\|A\|_F``; squared, ``\|v\|^2`` is sqnorm."""
        opening = self.take()
        with self.nested(opening, "||"):
            inner = self.expression()
        self.close(opening, "||", "norm")
        subscript, superscript = self.scripts()
        kind = subscript.name if subscript is not None else "2"
        if kind not in ("1", "2", "F"):
            self.stop(f"{self.source(opening.pos)}: only the norms _1, _2 and _F are understood", opening)
        if inner.indices:  # the norm of a number is its absolute value
            node = self.build(opening, E.apply, "abs", inner.node)
        else:
            node = self.build(opening, E.norm, inner.node, kind)
        value = _Val(node, opening.pos, self.last_end, inner.indices)
        return self.superscript(value, superscript) if superscript else value

    # -- fractions and functions --
    def fraction(self) -> _Val:
        head = self.take()
        numerator = self.tex_argument(head)
        denominator = self.tex_argument(head)
        return replace(self.combine("/", numerator, denominator, head), start=head.pos)

    def tex_argument(self, head: Token) -> _Val:
        r"""A braced group, or one digit or symbol (``\frac12``, ``\sqrt x``)."""
        token = self.peek()
        if token.is_symbol("{"):
            return self.group()
        if token.kind == NUMBER and len(token.text) == 1:
            self.take()
            return _Val(E.number(int(token.text)), token.pos, token.end)
        if token.kind == LETTER or token.is_command(*_GREEK):
            start = self.peek()
            return self.resolve(self.symbol(), None, start)
        self.unexpected(token, f"expected '{{' after \\{head.text}")

    def square_root(self) -> _Val:
        head = self.take()
        if self.peek().is_symbol("["):
            self.stop(r"\sqrt[n]: only the square root is understood", self.peek())
        argument = self.tex_argument(head)
        node = self.build(head, E.apply, "sqrt", argument.node)
        return self.finish(_Val(node, head.pos, self.last_end, argument.indices))

    def maximum(self) -> _Val:
        r"""``\max(0, x)`` (either order) is the ReLU; no other maximum is understood."""
        head, opening = self.take(), self.peek()
        if not opening.is_symbol("(", "[", r"\{"):
            self.unexpected(opening, r"expected '(' after \max")
        self.take()
        with self.nested(opening, opening.text):
            first = self.expression()
            if not self.peek().is_symbol(","):
                self.stop(r"expected ','", self.peek(), r"\max is understood only as \max(0, x), the ReLU")
            self.take()
            second = self.expression()
        self.close(opening, _OPENING[opening.text], "bracket")
        zeros = [v for v in (first, second) if isinstance(v.node, E.Number) and v.node.value == 0]
        if not zeros:
            self.stop(r"\max is understood only as \max(0, x), the ReLU", head)
        argument = second if zeros[0] is first else first
        node = self.build(head, E.apply, "relu", argument.node)
        return self.finish(_Val(node, head.pos, self.last_end, argument.indices))

    def function(self, name: str, head: Token) -> _Val:
        spec = _FUNCTIONS[name]
        if self.peek().is_symbol("_"):
            self.stop(r"a subscript on a function is not understood (\log is the natural logarithm)", self.peek())
        power = self.superscript_script() if self.peek().is_symbol("^") else None  # \tanh^2(x) = tanh(x)^2
        if power is not None and (not power.meaning or power.meaning[0] != "number"):
            self.stop(r"the power of a function must be a number, as in \tanh^2(x)", power.mark)
        with self.nested(head):
            argument, bracketed = self.function_argument(name, spec)
        written = self.source(head.pos)
        node = argument.node
        if name in ("log", "ln") and isinstance(node, E.Reduce) and node.function == "det":
            node = self.build(head, E.logdet, node.body)  # \log\det X, \log|X|
        elif argument.indices and not spec.elementwise:
            self.stop(f"{written}: {name} of components is not understood", head,
                      rf"apply it to the whole vector, as in \operatorname{{{name}}}(z)_i")
        else:
            node = self.build(head, spec.build, node)
        value = _Val(node, head.pos, self.last_end, argument.indices)
        if power is not None:
            value = self.superscript(value, power)
        return self.finish(value) if bracketed else value

    def function_argument(self, name: str, spec: _Function) -> tuple[_Val, bool]:
        """The argument in brackets; else the rest of the product (tr, det) or one factor (\\log x_i)."""
        token = self.peek()
        if token.is_symbol(*_OPENING):
            return self.group(), True
        if not self.starts_factor(token):
            self.unexpected(token, f"expected the argument of {name}")
        if token.is_command("sum"):
            return self.summation(), False
        if spec.reads_rest:
            return self.term(), False
        argument = self.factor()
        if E.has_open_size(argument.node) and self.starts_factor(self.peek()):
            # \log \mathbf{1}^\top e^{x}: without brackets \log takes one factor, here a lone 1ᵀ
            self.stop(f"\\{name} without brackets applies to one factor, "
                      f"'{self.source(argument.start, argument.end)}'", token,
                      f"put its argument in brackets: \\{name}({self.source(argument.start, len(self.text))})")
        return argument, False

    # -- sums --
    def summation(self) -> _Val:
        start = self.peek()
        limits = []
        while self.peek().is_command("sum"):  # \sum_i \sum_j is one sum over i and j
            limits += self.sum_limits()
        indices = tuple(index for index, _, _ in limits)
        for k, index in enumerate(indices):
            if index in self.bound or index in indices[:k]:
                self.stop(f"the index {index} is already the index of a \\sum", start)
            if index in self.shapes:
                self.stop(f"{index} is declared with --shape: it cannot be the index of a \\sum", start)
        self.bound.extend(indices)
        try:
            with self.nested(start):
                body = self.term()
        finally:
            del self.bound[len(self.bound) - len(indices):]
        self.ended.update(indices)
        return _Val(self.total(body, limits, start), start.pos, self.last_end)

    def sum_limits(self) -> list[tuple]:
        r"""The indices and bounds of one \sum: _i, _{i,j}, _{ij}, _{i=1}^{n}: [(index, lower, upper)]."""
        head = self.take()
        lower, upper = 1, None  # \sum_i^{3} counts from 1
        indices: list[str] = []
        for _ in range(2):
            mark = self.peek()
            if mark.is_symbol("_") and not indices:
                self.take()
                indices, lower = self.sum_indices(mark, *self.argument(mark))
            elif mark.is_symbol("^") and upper is None:
                self.take()
                first, last = self.argument(mark)
                upper = self.bound_value(self.tokens[first:last], mark)
        if not indices:
            self.stop(r"\sum needs an index, as in \sum_i", head)
        return [(index, lower, upper) for index in indices]

    def sum_indices(self, mark: Token, first: int, last: int) -> tuple[list[str], object]:
        tokens = self.tokens[first:last]
        equals = next((k for k, t in enumerate(tokens) if t.is_symbol("=")), None)
        named, lower = (tokens, 1) if equals is None else (tokens[:equals], tokens[equals + 1:])
        if equals is not None:
            if len(named) != 1:
                self.stop(r"a \sum with a lower bound has one index, as in \sum_{i=1}^{n}", mark)
            lower = self.bound_value(lower, mark)
        letters = [t.text for t in named if not t.is_symbol(",")]
        if not letters or any(t.kind != LETTER for t in named if not t.is_symbol(",")):
            self.stop(r"the index of a \sum must be a single letter, as in \sum_i", mark)
        return letters, lower

    def bound_value(self, tokens: list[Token], mark: Token):
        """A bound: a number (returned), or a letter such as n, N, n-1 (not checked: None)."""
        spelled = "".join(t.text if t.kind != COMMAND else "\\" for t in tokens)
        if re.fullmatch(r"\d+", spelled):
            return int(spelled)
        if re.fullmatch(r"[A-Za-z](?:[-+]\d+)?", spelled):
            return None
        written = self.source(tokens[0].pos, tokens[-1].end) if tokens else ""
        self.stop(rf"the bound '{written}' of a \sum must be a number or a single letter", mark)

    def total(self, body: _Val, limits: list[tuple], start: Token) -> Node:
        """The sum of the body's components over the indices; a body without them is repeated."""
        indices = tuple(index for index, _, _ in limits)
        written = self.source(start.pos)
        if not body.indices:
            counts = [hi - lo + 1 if isinstance(lo, int) and isinstance(hi, int) else None for _, lo, hi in limits]
            if None in counts:
                self.stop(f"{written}: the body does not depend on {', '.join(indices)}", start,
                          r"give number bounds, as in \sum_{i=1}^{3}, to repeat it")
            if any(c <= 0 for c in counts):
                self.stop(f"{written}: an empty sum", start)
            return self.build(start, E.scale, E.number(sp.prod(counts)), body.node)
        missing = [index for index in indices if index not in body.indices]
        if missing:
            self.stop(f"{written}: the body does not depend on {missing[0]}", start)
        for index, lower, upper in limits:  # number bounds must cover the components, all of them
            length = body.node.shape[list(body.indices).index(index)]
            first = lower if isinstance(lower, int) else 1  # from 0 (to n − 1) or from 1 (to n)
            if first not in (0, 1) or (isinstance(upper, int) and upper != length - 1 + first):
                shown = f"{lower if lower is not None else '?'} to {upper if upper is not None else '?'}"
                self.stop(f"{written}: {index} runs from {shown}, but the vector has {length} components",
                          start, "a sum runs over all the components; write a part out term by term")
        free = [index for index in body.indices if index not in indices]
        if free:
            self.stop(f"{written}: a sum over {', '.join(indices)} with {free[0]} still free is not understood",
                      start, r"sum over all the indices at once, as in \sum_{i,j}")
        return self.build(start, E.total, body.node)

    # -- combining two values --
    def combine(self, operation: str, a: _Val, b: _Val, token: Token) -> _Val:
        """``a`` and ``b`` joined by an operation; components combine component by component."""
        if not a.indices and not b.indices:
            return _Val(self.build(token, _PLAIN[operation], a.node, b.node), a.start, b.end)
        if a.indices and b.indices:
            if set(a.indices) != set(b.indices):
                self.stop(f"cannot combine {self.source(a.start, a.end)} (components over "
                          f"{', '.join(a.indices)}) with {self.source(b.start, b.end)} (components over "
                          f"{', '.join(b.indices)})", token)
            node = self.build(token, _COMPONENTWISE[operation], a.node, b.node)
            return _Val(node, a.start, b.end, a.indices)
        part, plain = (a, b) if a.indices else (b, a)
        if not plain.node.is_scalar:
            self.stop(f"{self.source(plain.start, plain.end)} ({E.shape_text(plain.node.shape)}) cannot be "
                      f"combined with the components {self.source(part.start, part.end)}", token,
                      r"under a \sum only scalars and components mix")
        if operation in ("+", "-"):  # a scalar added to components is added to each: μ becomes μ𝟏
            spread = self.build(token, E.scale, plain.node, E.ones(part.node.shape))
            plain = replace(plain, node=spread)
        left, right = (a, plain) if a is part else (plain, b)
        node = self.build(token, _COMPONENTWISE[operation], left.node, right.node)
        return _Val(node, a.start, b.end, part.indices)


# -- the entry point -------------------------------------------------------------------------------------
def parse_matrix(text: str, shapes: Mapping[str, tuple[int, int]], *, where: str = "LATEX") -> Node:
    r"""The expression ``text`` as a :mod:`derive.matrix.expr` tree.

    ``shapes`` maps plain names to (rows, cols): a vector of 3 is (3, 1); a name not in it is a
    scalar. ``where`` starts every message. Raises a one-line :class:`LatexError` when the text
    cannot be read, and :class:`ShapeError` when shapes do not fit.
    """
    if not isinstance(text, str):
        raise LatexError(f"{where}: expected a LaTeX string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise LatexError(f"{where}: the formula is too long ({len(text)} characters, at most {MAX_LENGTH})")
    shapes = _checked_shapes(shapes, where)
    m = re.fullmatch(r"\s*(\${1,2})(.*)\1\s*", text, re.DOTALL)  # one pair of $...$ around the whole
    body, offset = (m[2], m.start(2)) if m else (text, 0)
    if not body.strip():
        raise LatexError(f"{where}: expected a formula, got an empty string")
    try:
        tree = _Parser(text, tokenize(body, offset), shapes).read()
    except _Stop as stopped:
        raise LatexError(f"{where}: {stopped}") from None
    except RecursionError:
        raise LatexError(f"{where}: the formula is nested too deeply") from None
    except InputError as error:  # from the constructors: shapes that do not fit, division by zero
        place = f" (at {_character(error.pos)})" if getattr(error, "pos", None) is not None else ""
        raise type(error)(f"{where}: {error}{place}") from None
    if (depth := _tree_depth(tree)) > MAX_TREE_DEPTH:
        raise LatexError(f"{where}: the formula chains too many operations (its tree is {depth} levels deep, "
                         f"at most {MAX_TREE_DEPTH})")
    if _has_open_size(tree):
        shown = " ".join(text.split())
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise LatexError(rf"{where}: the length of a \mathbf{{1}} or the size of an I cannot be told from "
                         rf"'{shown}': use it in a product or sum with a declared vector or matrix")
    return tree


def _checked_shapes(shapes: Mapping, where: str) -> dict[str, tuple[int, int]]:
    checked = {}
    for name, shape in shapes.items():
        shape = tuple(shape) if isinstance(shape, (tuple, list)) else shape
        if not (isinstance(shape, tuple) and len(shape) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
            raise InputError(f"{where}: the shape of {name} must be (rows, cols), two positive whole numbers; "
                             f"got {shape!r}")
        checked[name] = shape
    return checked


def _tree_depth(tree: Node) -> int:
    deepest, todo = 0, [(tree, 1)]
    while todo:  # without recursion: the tree may be deeper than Python's stack
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in node.children)
    return deepest


def _has_open_size(node: Node) -> bool:
    return E.has_open_size(node) or any(_has_open_size(child) for child in node.children)
