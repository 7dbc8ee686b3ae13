r"""Matrix expressions as LaTeX (``2 (W x - y) x^\top``) and as text (``2 (W x − y) xᵀ``).

One printer, two spellings: :class:`_Style` holds how each operation is written. Each node
prints with a precedence (sum < product < unary minus < power < atom) so that brackets
appear exactly where the reading would otherwise change.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive import naming
from derive.matrix import expr as E

SUM, PRODUCT, UNARY, POWER, ATOM = range(5)


@dataclass(frozen=True)
class _Style:
    minus: str
    times_hadamard: str
    transpose: str
    inverse: str
    inverse_transpose: str
    ones: str
    latex: bool

    def name(self, plain: str) -> str:
        return naming.latex_name(plain) if self.latex else _text_name(plain)

    def group(self, body: str) -> str:
        return rf"\left({body}\right)" if self.latex else f"({body})"

    def call(self, function: str, body: str) -> str:
        return f"{function}{self.group(body)}"


_GREEK = dict(zip(
    ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"],
    "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ"))
_TEXT_SPECIAL = {"lam": "λ", "lr": "η", "eps": "ε"}
_COMBINING = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}


def _text_name(plain: str) -> str:
    """``lam`` -> λ, ``mu`` -> μ, ``y_hat`` -> ŷ, ``W_1`` -> W_1: the name as the notes write it."""
    head, _, rest = plain.partition("_")
    head = _TEXT_SPECIAL.get(head, _GREEK.get(head, head))
    accent, _, more = rest.partition("_")
    if accent in _COMBINING and len(head) == 1:
        return head + _COMBINING[accent] + (f"_{more}" if more else "")
    return f"{head}_{rest}" if rest else head


LATEX = _Style(minus="-", times_hadamard=r" \odot ", transpose=r"^\top", inverse="^{-1}",
               inverse_transpose=r"^{-\top}", ones=r"\mathbf{1}", latex=True)
TEXT = _Style(minus="−", times_hadamard=" ⊙ ", transpose="ᵀ", inverse="⁻¹", inverse_transpose="⁻ᵀ",
              ones="𝟏", latex=False)

_FUNCTIONS = {  # element-wise: (LaTeX, text)
    "sigmoid": (r"\sigma", "σ"), "tanh": (r"\tanh", "tanh"), "exp": (r"\exp", "exp"), "log": (r"\log", "log"),
    "softplus": (r"\operatorname{softplus}", "softplus"), "relu": (r"\operatorname{ReLU}", "ReLU"),
    "sign": (r"\operatorname{sign}", "sign"),
}
_REDUCERS = {  # applied to a bracket: (LaTeX, text)
    "softmax": (r"\operatorname{softmax}", "softmax"), "lse": (r"\operatorname{LSE}", "LSE"),
    "trace": (r"\operatorname{tr}", "tr"), "logdet": (r"\log\det", "log det"), "det": (r"\det", "det"),
    "diag": (r"\operatorname{diag}", "diag"),
}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def latex(node: E.Node) -> str:
    return _print(node, LATEX)[0]


def text(node: E.Node) -> str:
    return _print(node, TEXT)[0]


def _print(node: E.Node, style: _Style) -> tuple[str, int]:
    printer = _PRINTERS.get(type(node))
    return printer(node, style)


def _at_least(node: E.Node, style: _Style, level: int) -> str:
    body, precedence = _print(node, style)
    return style.group(body) if precedence < level else body


# -- leaves ------------------------------------------------------------------------------------------------
def _var(node: E.Var, style):
    return style.name(node.name), ATOM


def _number(node: E.Number, style):
    value = node.value
    if value < 0:
        return style.minus + _number(E.number(-value), style)[0], UNARY
    if value.q == 1:
        return str(value.p), ATOM
    if style.latex:
        return rf"\frac{{{value.p}}}{{{value.q}}}", ATOM
    return f"{value.p}/{value.q}", PRODUCT


def _ones(node: E.Ones, style):
    if node.shape[1] == 1:
        return style.ones, ATOM
    if node.shape[0] == 1:
        return style.ones + style.transpose, POWER
    return style.ones + (" " if style.latex else "") + style.ones + style.transpose, PRODUCT


def _identity(node, style):
    return "I", ATOM


def _zero(node, style):
    return ("0" if node.is_scalar else (r"\mathbf{0}" if style.latex else "𝟎")), ATOM


# -- sums and products --------------------------------------------------------------------------------------
def _negative(node: E.Node) -> E.Node | None:
    """``node`` without its leading minus sign, if it has one (−2x → 2x, −x → x)."""
    if isinstance(node, E.Number) and node.value < 0:
        return E.number(-node.value)
    if isinstance(node, E.Scale) and isinstance(node.factor, E.Number) and node.factor.value < 0:
        return E.scale(E.number(-node.factor.value), node.body)
    return None


def _add(node: E.Add, style):
    parts = []
    terms = list(node.terms)
    positive = [t for t in terms if _negative(t) is None]
    if positive and _negative(terms[0]) is not None:  # −y + s ŷ reads better as s ŷ − y
        terms.remove(positive[0])
        terms.insert(0, positive[0])
    for number, term in enumerate(terms):
        positive = _negative(term)
        if positive is not None:
            body = _at_least(positive, style, PRODUCT)
            parts.append(f"{style.minus} {body}" if number else f"{style.minus}{body}")
        else:
            body = _at_least(term, style, PRODUCT)
            parts.append(f"+ {body}" if number else body)
    return " ".join(parts), SUM


def _scale(node: E.Scale, style):
    positive = _negative(node)
    if positive is not None:
        return style.minus + _at_least(positive, style, PRODUCT), UNARY
    factor = _at_least(node.factor, style, ATOM if not isinstance(node.factor, E.Number) else PRODUCT)
    body = _at_least(node.body, style, POWER if isinstance(node.body, E.Number) else PRODUCT)
    if _leads_with_minus(body, style):
        body = style.group(body)
    return f"{factor} {body}", PRODUCT


def _leads_with_minus(printed: str, style) -> bool:
    return printed.startswith(style.minus)


def _product(left: E.Node, right: E.Node, style, joiner: str):
    # ⊙ and the matrix product share a level but not a meaning: one inside the other gets brackets
    other = (E.Hadamard,) if joiner == " " else (E.MatMul, E.Scale)
    a = style.group(_print(left, style)[0]) if isinstance(left, other) else _at_least(left, style, PRODUCT)
    # A (B C) = (A B) C: a matrix product on the right needs no brackets either
    b = _print(right, style)[0] if joiner == " " and isinstance(right, E.MatMul) else _at_least(right, style, POWER)
    if _leads_with_minus(a, style) and not isinstance(left, E.Number):
        a = style.group(a)
    return f"{a}{joiner}{b}", PRODUCT


def _matmul(node: E.MatMul, style):
    return _product(node.left, node.right, style, " ")


def _hadamard(node: E.Hadamard, style):
    return _product(node.left, node.right, style, style.times_hadamard)


def _quotient(node: E.Quotient, style):
    if style.latex:
        return rf"\frac{{{_print(node.numerator, style)[0]}}}{{{_print(node.denominator, style)[0]}}}", ATOM
    a = _at_least(node.numerator, style, PRODUCT)
    b = _at_least(node.denominator, style, POWER)
    return f"{a} / {b}", PRODUCT


# -- powers, transposes, functions ---------------------------------------------------------------------------
def _power(node: E.Power, style):
    base = _at_least(node.base, style, ATOM)
    p = node.exponent
    if style.latex:
        exponent = str(p) if p.q == 1 else f"{p.p}/{p.q}"
        return f"{base}^{{{exponent}}}", POWER
    if p.q == 1:
        return base + str(p).translate(_SUPERSCRIPT), POWER
    return f"{base}^({p.p}/{p.q})", POWER


def _transpose(node: E.Transpose, style):
    if isinstance(node.body, E.Reduce) and node.body.function == "inverse":
        return _at_least(node.body.body, style, ATOM) + style.inverse_transpose, POWER
    return _at_least(node.body, style, ATOM) + style.transpose, POWER


def _apply(node: E.Apply, style):
    body = _print(node.body, style)[0]
    if node.function == "sqrt":
        return (rf"\sqrt{{{body}}}" if style.latex else f"√{style.group(body)}"), ATOM
    if node.function == "abs":
        return (rf"\left|{body}\right|" if style.latex else f"|{body}|"), ATOM
    if node.function == "step":
        return (rf"\mathbb{{1}}\left[{body} > 0\right]" if style.latex else f"[{body} > 0]"), ATOM
    name = _FUNCTIONS[node.function][0 if style.latex else 1]
    return style.call(name, body), ATOM


def _reduce(node: E.Reduce, style):
    body_node = node.body
    body = _print(body_node, style)[0]
    function = node.function
    if function == "inverse":
        return _at_least(body_node, style, ATOM) + style.inverse, POWER
    if function in ("norm2", "norm1", "sqnorm"):
        return _norm(function, body_node, body, style), ATOM
    if function == "total":
        return _total(body_node, style), PRODUCT
    name = _REDUCERS[function][0 if style.latex else 1]
    return style.call(name, body), ATOM


def _norm(function: str, body_node: E.Node, body: str, style) -> str:
    matrix = body_node.shape[0] != 1 and body_node.shape[1] != 1
    bars = (r"\left\|", r"\right\|") if style.latex else ("‖", "‖")
    text_ = f"{bars[0]}{body}{bars[1]}"
    subscript = {"norm1": "1", "norm2": "F" if matrix else "", "sqnorm": "F" if matrix else ""}[function]
    if subscript:
        text_ += f"_{{{subscript}}}" if style.latex else ("₁" if subscript == "1" else "_F")
    if function == "sqnorm":
        text_ += "^{2}" if style.latex else "²"
    return text_


def _total(body_node: E.Node, style) -> str:
    ones_t = style.ones + style.transpose
    body = _at_least(body_node, style, POWER)
    rows, cols = body_node.shape
    if cols == 1:
        return f"{ones_t} {body}"
    if rows == 1:
        return f"{body} {style.ones}"
    return f"{ones_t} {body} {style.ones}"


_PRINTERS = {
    E.Var: _var, E.Number: _number, E.Ones: _ones, E.Identity: _identity, E.Zero: _zero, E.Add: _add,
    E.Scale: _scale, E.MatMul: _matmul, E.Hadamard: _hadamard, E.Quotient: _quotient, E.Power: _power,
    E.Transpose: _transpose, E.Apply: _apply, E.Reduce: _reduce,
}


def gradient_latex(of: str, wrt: E.Node) -> str:
    r"""``\frac{\partial f}{\partial W}``, or of a subexpression ``\frac{\partial f}{\partial (W x - y)}``."""
    body, precedence = _print(wrt, LATEX)
    if precedence < ATOM:
        body = rf"\left({body}\right)"
    return rf"\frac{{\partial {of}}}{{\partial {body}}}"


def gradient_text(of: str, wrt: E.Node) -> str:
    body, precedence = _print(wrt, TEXT)
    if precedence < ATOM:
        body = f"({body})"
    return f"∂{of}/∂{body}"


__all__ = ["gradient_latex", "gradient_text", "latex", "text"]
