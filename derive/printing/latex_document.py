r"""LaTeX that pdflatex compiles: the reasons' text, and one document of every derivation.

:func:`latex_text` turns a reason, title or heading (plain text with Unicode math such as
``∂α_k/∂e_j = α_k(δ_kj − α_j)``, in English or Korean) into LaTeX *text*: the words stay
text, the formulas become inline math, ``softmax Jacobian: $\partial\alpha_{k}/\partial
e_{j} = \alpha_{k}(\delta_{kj} - \alpha_{j})$``. It goes inside ``\text{...}`` (LaTeX and
KaTeX both take ``$...$`` there) or a heading. Every Unicode character it knows becomes a
math command (:data:`MATH`, :data:`SUPERSCRIPTS`, :data:`SUBSCRIPTS`, :data:`PRIMES`,
:data:`ACCENTS`); the plain-text notation of the reasons (``x_i``, ``W_dec``, ``e^{−a}``,
``δ^(3)``) becomes sub- and superscripts, never a double one;
what is left as text is ASCII, escaped, and Hangul (which kotex sets). A character it
does not know is left as it is: pdflatex then stops on it, or logs it as a "Missing
character", and the tests, which read every rule's texts, fail on it.

:func:`latex_document` puts the per-rule fragments of ``derive docs`` (``docs/latex/*.tex``,
written by :func:`derive.printing.derivation.render_latex`) into one document,
``docs/derive.tex`` in English and ``docs/ko/derive.tex`` in Korean (pdflatex with kotex).
"""

from __future__ import annotations

import re
import unicodedata

# -- the tables ------------------------------------------------------------------------------

#: Unicode characters -> LaTeX math (letters, operators, relations, arrows).
MATH = {
    # Greek (ε is \epsilon as the formulas write eps)
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon", "ϵ": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "µ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "ο": "o", "π": r"\pi",
    "ρ": r"\rho", "ς": r"\varsigma", "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi",
    "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega",
    "Α": "A", "Β": "B", "Γ": r"\Gamma", "Δ": r"\Delta", "Ε": "E", "Ζ": "Z", "Η": "H", "Θ": r"\Theta",
    "Ι": "I", "Κ": "K", "Λ": r"\Lambda", "Μ": "M", "Ν": "N", "Ξ": r"\Xi", "Ο": "O", "Π": r"\Pi",
    "Ρ": "P", "Σ": r"\sum", "Τ": "T", "Υ": r"\Upsilon", "Φ": r"\Phi", "Χ": "X", "Ψ": r"\Psi",
    "Ω": r"\Omega",
    # calculus and big operators (Σ above is always a sum in the reasons)
    "∂": r"\partial", "∇": r"\nabla", "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "∞": r"\infty",
    "√": r"\surd",  # √(...) becomes \sqrt{...}, see _math
    # letters of a special kind
    "𝟏": r"{\mathbf{1}}", "𝟎": r"{\mathbf{0}}", "ℝ": r"{\mathbb{R}}", "ℕ": r"{\mathbb{N}}", "ℤ": r"{\mathbb{Z}}",
    "ℓ": r"\ell", "½": r"\frac{1}{2}", "¼": r"\frac{1}{4}", "¾": r"\frac{3}{4}", "⅓": r"\frac{1}{3}",
    "⊤": r"\top",
    # operators
    "−": "-", "±": r"\pm", "∓": r"\mp", "·": r"\cdot", "⋅": r"\cdot", "×": r"\times",
    "÷": r"\div", "⊙": r"\odot", "⊗": r"\otimes", "⊕": r"\oplus", "∘": r"\circ", "∗": "*",
    "…": r"\ldots", "⋯": r"\cdots", "‖": r"\|", "∣": r"\mid", "∪": r"\cup", "∩": r"\cap",
    "¬": r"\neg", "∧": r"\wedge", "∨": r"\vee",
    # relations and arrows
    "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv", "∝": r"\propto",
    "∼": r"\sim", "≪": r"\ll", "≫": r"\gg", "∈": r"\in", "∉": r"\notin", "⊂": r"\subset",
    "⊆": r"\subseteq", "∀": r"\forall", "∃": r"\exists", "←": r"\leftarrow", "→": r"\rightarrow",
    "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow",
    "↦": r"\mapsto", "≔": ":=", "⟨": r"\langle", "⟩": r"\rangle", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⌈": r"\lceil", "⌉": r"\rceil", "°": r"^{\circ}",
}

#: Superscript characters -> what they raise (σ⁻² -> \sigma^{-2}, zᵀ -> z^{\top}).
SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
    "⁺": "+", "⁻": "-", "⁼": "=", "⁽": "(", "⁾": ")", "ⁱ": "i", "ⁿ": "n", "ᵏ": "k", "ʲ": "j",
    "ᵗ": "t", "ᵐ": "m", "ˣ": "x", "ᵀ": r"\top",
}

#: Subscript characters -> what they lower (μ₁ -> \mu_{1}).
SUBSCRIPTS = {
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9",
    "₊": "+", "₋": "-", "₌": "=", "₍": "(", "₎": ")", "ₐ": "a", "ₑ": "e", "ₒ": "o", "ₓ": "x",
    "ₕ": "h", "ᵢ": "i", "ⱼ": "j", "ₖ": "k", "ₗ": "l", "ₘ": "m", "ₙ": "n", "ₚ": "p", "ₛ": "s", "ₜ": "t",
}

#: Primes -> how many (σ′ -> \sigma').
PRIMES = {"'": 1, "′": 1, "″": 2, "‴": 3}

#: Combining accents -> the math accent over the letter before (ŷ = y + U+0302 -> \hat{y}).
ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0305": r"\bar",
           "\u0307": r"\dot", "\u0308": r"\ddot", "\u0306": r"\breve", "\u030c": r"\check",
           "\u20d7": r"\vec"}

#: Typography that stays text (quotes, dashes, spaces).
TEXT = {"‘": "`", "’": "'", "“": "``", "”": "''", "–": "--", "—": "---", "\u00a0": "~", "\u2009": r"\,",
        "\u202f": r"\,"}

#: ASCII characters that mean something to TeX, as text.
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\textasciicircum{}",
                 "~": r"\textasciitilde{}", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$"}
#: ... and in math.
_MATH_ESCAPES = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\wedge ",
                 "~": r"\sim ", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$"}

#: Function names written upright in math (log p -> \log p).
FUNCTIONS = {"log", "ln", "exp", "tanh", "sinh", "cosh", "sin", "cos", "tan", "max", "min", "det",
             "sup", "inf", "lim", "arg"}
OPERATOR_NAMES = {"softplus", "softmax", "sign", "sgn", "logsumexp", "diag", "tr", "argmax", "argmin"}
#: Names of distributions and their moments, upright (KL(Bern(θ) ‖ Bern(½))).
DISTRIBUTIONS = {"Bern", "Ber", "Cat", "Beta", "Var", "Cov", "Pr"}
#: Quantities' names of more than two letters (naming.SPECIAL_LATEX writes logvar upright).
NAMES = {"logvar"}
#: Short words that are English, never a variable standing next to a formula.
STOPWORDS = {"am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my",
             "no", "of", "on", "or", "so", "to", "up", "us", "we", "vs", "eg", "ie", "ch"}
#: Subscripts written as words: h_prev -> h_{\text{prev}}; hat/tilde/bar become accents.
WORD_ACCENTS = {"hat": r"\hat", "tilde": r"\tilde", "bar": r"\bar"}


def is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def _letterlike(ch: str) -> bool:
    """Unicode that is part of a word of math: σ, ŷ's accent, ₖ, ², ½, ∂."""
    return (ch in MATH and (ch.isalpha() or ch in "∂∇𝟏𝟎½¼¾⅓")) or ch in SUPERSCRIPTS \
        or ch in SUBSCRIPTS or ch in ACCENTS or ch in PRIMES


# -- tokens --------------------------------------------------------------------------------------

_GROUP = r"(?:\{(?:[^{}]|\{[^{}]*\})*\}|\((?:[^()]|\([^()]*\))*\))"
_GREEK = "".join(c for c in MATH if c.isalpha() and "\u0370" <= c <= "\u03ff")
_ATTACH = rf"_(?:{_GROUP}|[A-Za-z0-9*{_GREEK}]+(?:[,_][A-Za-z0-9*{_GREEK}]+)*)|\^(?:{_GROUP}|[A-Za-z0-9*])"
_ATTACH_RE = re.compile(_ATTACH)
_LETTERS_RE = re.compile(r"[A-Za-z]+")
_DIGITS_RE = re.compile(r"[0-9]+")
_STEM_RE = re.compile(r"[A-Za-z0-9]*")
_LETTERLIKE = "".join(sorted({re.escape(c) for c in [*MATH, *SUPERSCRIPTS, *SUBSCRIPTS, *ACCENTS, *PRIMES]
                              if _letterlike(c)}))
_TOKEN = re.compile(rf"""
    (?P<space>\s+)
  | (?P<hangul>[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+)
  | (?P<number>\d+\.\d+)
  | (?P<word>(?:[A-Za-z0-9{_LETTERLIKE}]|(?<=[)\]])(?:{_ATTACH}))(?:[A-Za-z0-9{_LETTERLIKE}]|{_ATTACH})*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_FILL_CHARS = set("=+-*/()[],!")
_START_CHARS = set("<>|")
_LEAD = {"", ",", ";"}  # text, not the start of a formula (after .strip())
_TRAIL = {"", ",", ";"}  # text, not the end of a formula


def _decompose(text: str) -> str:
    """Letters apart: ŷ -> y + combining circumflex (not Hangul, 한 stays 한, nor ≠)."""
    return "".join(unicodedata.normalize("NFD", ch) if ch.isalpha() and not is_hangul(ch) else ch
                   for ch in text)


def _tokens(text: str) -> list[tuple[str, str]]:
    text = _decompose(text)
    for ascii_, unicode_ in (("<=", "≤"), (">=", "≥"), ("||", "‖"), ("!=", "≠")):
        text = text.replace(ascii_, unicode_)
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]


def _identifier(word: str) -> bool:
    """A variable's name: x, dL, W_dec, z_2_m, KL (not a word like 'the' or 'is')."""
    stem = _STEM_RE.match(word).group()
    if not stem or not stem[0].isalpha() or stem.lower() in STOPWORDS:
        return False
    return len(stem) <= 2 or (stem.isupper() and len(stem) <= 5) or stem in NAMES


def _kind(kind: str, value: str, depth: int) -> str:
    """'start' (math), 'fill' (math between two formulas) or 'text'."""
    if kind == "space":
        return "fill"
    if kind == "number":
        return "fill"
    if kind == "word":
        if any(ord(c) > 127 for c in value) or "^" in value or value[0] == "_":
            return "start"
        if "_" in value:
            return "start" if _identifier(value) else "text"
        if value.isdigit() or _identifier(value) or value in FUNCTIONS or value in OPERATOR_NAMES \
                or value in DISTRIBUTIONS:
            return "fill"
        return "text"
    if kind == "other":
        if value in MATH or value in _START_CHARS:
            return "start"
        if value in _FILL_CHARS or (value == ";" and depth > 0):
            return "fill"
    return "text"


# -- text ------------------------------------------------------------------------------------

def latex_text(text: str) -> str:
    r"""LaTeX text of a reason, title or heading: words as text, formulas as ``$...$``.

    >>> latex_text("softmax Jacobian: ∂α_k/∂e_j = α_k(δ_kj − α_j)")
    'softmax Jacobian: $\\partial\\alpha_{k}/\\partial e_{j} = \\alpha_{k}(\\delta_{kj} - \\alpha_{j})$'
    """
    tokens = _tokens(text)
    depth, kinds = 0, []
    for kind, value in tokens:
        kinds.append(_kind(kind, value, depth))
        depth += value.count("(") + value.count("[") - value.count(")") - value.count("]") \
            if kind == "other" else 0
        depth = max(depth, 0)
    out = []
    i = 0
    while i < len(tokens):
        if kinds[i] == "text":
            out.append(_text(tokens[i][1]))
            i += 1
            continue
        j = i
        while j < len(tokens) and kinds[j] != "text":
            j += 1
        out += _formulas(tokens[i:j], kinds[i:j])
        i = j
    return unicodedata.normalize("NFC", "".join(out))


def _text(value: str) -> str:
    out = []
    for ch in value:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch in TEXT:
            out.append(TEXT[ch])
        elif ch in MATH or ch in SUPERSCRIPTS or ch in SUBSCRIPTS or ch in ACCENTS:
            out.append("$" + _math([("other", ch)]) + "$")
        else:
            out.append(ch)  # ASCII, Hangul; anything else is left for the tests and pdflatex to catch
    return "".join(out)


def _formulas(tokens, kinds) -> list[str]:
    """A stretch of tokens that are formulas or could be: its formulas in $...$, the rest text."""
    if "start" not in kinds:
        return [_text(value) for _, value in tokens]
    # the edges: spaces, commas, semicolons stay text
    lo, hi = 0, len(tokens)
    while lo < hi and kinds[lo] != "start" and tokens[lo][1].strip() in _LEAD:
        lo += 1
    while hi > lo and kinds[hi - 1] != "start" and tokens[hi - 1][1].strip() in _TRAIL:
        hi -= 1
    # brackets that do not close inside the formula stay text, and split it
    stack, unmatched = [], set()
    for n in range(lo, hi):
        value = tokens[n][1] if tokens[n][0] == "other" else ""
        if value in "([" and value:
            stack.append(n)
        elif value in ")]" and value:
            if stack and "([".index(tokens[stack[-1]][1]) == ")]".index(value):
                stack.pop()
            else:
                unmatched.add(n)
    unmatched |= set(stack)
    if unmatched:
        out, start = [_text(v) for _, v in tokens[:lo]], lo
        for n in sorted(unmatched) + [hi]:
            out += _formulas(tokens[start:n], kinds[start:n])
            if n < hi:
                out.append(_text(tokens[n][1]))
            start = n + 1
        return out + [_text(v) for _, v in tokens[hi:]]
    return [*(_text(v) for _, v in tokens[:lo]), f"${_math(tokens[lo:hi])}$",
            *(_text(v) for _, v in tokens[hi:])]


# -- math ------------------------------------------------------------------------------------

def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and part and re.search(r"\\[A-Za-z]+$", out) and (part[0].isalpha()):
            out += " "
        out += part
    return out


def math_text(text: str) -> str:
    """All of ``text`` as LaTeX math (the inside of a sub- or superscript group)."""
    return _math(_tokens(text))


def _math(tokens) -> str:
    parts = []
    n = 0
    while n < len(tokens):
        kind, value = tokens[n]
        if kind == "space":
            parts.append(" ")
        elif kind == "word":
            word = _word(value)
            if word[:1] in ("_", "^", "'") and _ends_with_script("".join(parts)):
                word = "{}" + word  # x^{2} _{m}: not a double script
            parts.append(word)
        elif kind == "number":
            parts.append(value)
        elif value == "√" and n + 1 < len(tokens) and tokens[n + 1][1] == "(":
            depth, end = 0, n + 1
            for end in range(n + 1, len(tokens)):
                depth += tokens[end][1] == "("
                depth -= tokens[end][1] == ")"
                if depth == 0:
                    break
            if depth == 0:
                parts.append(rf"\sqrt{{{_math(tokens[n + 2:end])}}}")
                n = end + 1
                continue
            parts.append(MATH[value])
        elif value in MATH:
            parts.append(MATH[value])
        elif value in _MATH_ESCAPES:
            parts.append(_MATH_ESCAPES[value])
        else:
            parts.append(value)
        n += 1
    return _join(parts).strip()


def _ends_with_script(tex: str) -> bool:
    """Whether ``tex`` ends with a sub- or superscript or a prime (one more would be a double
    script: ``x^{2}^{3}`` is an error, ``x^{2}{}^{3}`` is not)."""
    tex = tex.rstrip()
    if tex.endswith("'"):
        return True
    if tex.endswith("}"):
        depth = 0
        for n in range(len(tex) - 1, -1, -1):
            depth += {"}": 1, "{": -1}.get(tex[n], 0)
            if depth == 0:
                return n > 0 and tex[n - 1] in "_^"
        return False
    return len(tex) > 1 and tex[-2] in "_^"


class _Atom:
    """A base with at most one subscript, one superscript and its primes."""

    def __init__(self, base: str, scripted: bool = False):
        self.base, self.sub, self.sup, self.primes = base, None, None, 0
        self.scripted = scripted  # the base has scripts of its own (x^{2}): {} before more

    def attach(self, where: str, what: str) -> _Atom:
        """This atom with a sub- or superscript; where that one is taken, a new atom after it:
        ``e^{a}{}^{2}`` (amsmath's accents fail on ``{\\hat{x}^{a}}^{2}``)."""
        atom = self
        if getattr(self, where) is not None:
            atom = _Atom(self.render(), scripted=True)
        setattr(atom, where, what)
        return atom

    def render(self) -> str:
        sup = self.sup
        if self.primes and sup is not None:  # x'^{2} is a double superscript
            sup = r"\prime" * self.primes + " " + sup
        scripts = ("'" * self.primes if self.primes and self.sup is None else "") \
            + (f"_{{{self.sub}}}" if self.sub is not None else "") \
            + (f"^{{{sup}}}" if sup is not None else "")
        base = self.base
        if scripts and self.scripted:
            base += "{}"
        elif scripts and re.match(r"\\(frac|sqrt)", base):
            base = "{" + base + "}"
        return base + scripts


def _letters(run: str) -> list[str]:
    """Bases for a run of ASCII letters inside a formula: log -> \\log, logvar -> \\text{logvar}."""
    if run in FUNCTIONS:
        return ["\\" + run]
    if run in OPERATOR_NAMES or run in DISTRIBUTIONS:
        return [rf"\operatorname{{{run}}}"]
    if len(run) > 1 and run.isupper():
        return [rf"\mathrm{{{run}}}"]
    if len(run) > 2:
        return [rf"\text{{{run}}}"]
    return list(run)


def _subscript_parts(text: str) -> list[str]:
    out = []
    for part in re.split(r"[,_]", text):
        if part.isascii() and len(part) > 2 and not part.isdigit():
            out.append(rf"\text{{{part}}}")
        else:
            out.append(_word(part) if part and part != "*" else part)
    return out


def _word(word: str) -> str:
    """One word of a formula: ∂α_k, x̂_i, W_decᵀ, σ₁², e^{−a}, C_tilde_j."""
    atoms: list[_Atom] = []
    i = 0
    while i < len(word):
        ch = word[i]
        if ch == "_" or ch == "^":
            m = _ATTACH_RE.match(word, i)
            group = m.group()[1:]
            i = m.end()
            if ch == "^":
                if group.startswith("("):
                    content = f"({math_text(group[1:-1])})"
                else:
                    content = math_text(group[1:-1] if group.startswith("{") else group)
                atoms.append(_attach(atoms, "sup", content))
                continue
            if group[0] in "({":
                atoms.append(_attach(atoms, "sub", math_text(group[1:-1])))
                continue
            parts = re.split(r"[,_]", group)
            if parts[0] in WORD_ACCENTS and atoms:
                atoms[-1] = _Atom(_accent(WORD_ACCENTS[parts[0]], atoms[-1].render()))
                parts = parts[1:]
                group = ",".join(parts)
            if parts:
                atoms.append(_attach(atoms, "sub", ",".join(_subscript_parts(group))))
            continue
        if ch.isascii() and ch.isalpha():
            run = _LETTERS_RE.match(word, i).group()
            i += len(run)
            if i < len(word) and word[i] in ACCENTS and len(run) > 1:  # the accent is the last letter's
                atoms += [_Atom(base) for base in _letters(run[:-1])]
                run = run[-1]
            atoms += [_Atom(base) for base in _letters(run)]
            continue
        if ch in "0123456789":
            m = _DIGITS_RE.match(word, i)
            i = m.end()
            atoms.append(_Atom(m.group()))
            continue
        i += 1
        if ch in ACCENTS:
            atoms.append(_Atom(_accent(ACCENTS[ch], (atoms.pop() if atoms else _Atom("")).render())))
        elif ch in SUPERSCRIPTS or ch in SUBSCRIPTS:  # a run of them: σ⁻² -> \sigma^{-2}
            table = SUPERSCRIPTS if ch in SUPERSCRIPTS else SUBSCRIPTS
            run = [table[ch]]
            while i < len(word) and word[i] in table:
                run.append(table[word[i]])
                i += 1
            atoms.append(_attach(atoms, "sup" if table is SUPERSCRIPTS else "sub", _join(run)))
        elif ch in PRIMES:
            atom = atoms.pop() if atoms else _Atom("")
            atom.primes += PRIMES[ch]
            atoms.append(atom)
        elif ch in MATH:
            atoms.append(_Atom(MATH[ch]))
        else:
            atoms.append(_Atom(ch))
    return _join([atom.render() for atom in atoms])


def _accent(accent: str, inner: str) -> str:
    """``\\hat{y}``; ``\\hat{{x_{i}}}`` (amsmath's nested accents pull scripts out unless braced)."""
    return f"{accent}{{{{{inner}}}}}" if any(c in inner for c in "_^'") else f"{accent}{{{inner}}}"


def _attach(atoms: list[_Atom], where: str, what: str) -> _Atom:
    """The last atom, taken off the list, with ``what`` as its sub- or superscript (an empty
    base where there is none: a superscript after a bracket, ``(a + b)²``)."""
    previous = atoms.pop() if atoms else _Atom("")
    return previous.attach(where, what)


# -- the document ------------------------------------------------------------------------------

#: The document's title, by language.
TITLES = {"en": "derive: the derivations", "ko": "derive: 규칙의 유도"}

#: Width of the column of reasons in the document (the page is A4 landscape).
REASON_WIDTH = "8.5cm"


def preamble(lang: str = "en") -> str:
    r"""What the fragments use, and nothing more: amsmath (align*, \text, \operatorname,
    bmatrix), amssymb (\mathbb), kotex for Hangul; ``\tracinglostchars`` so that a character
    no font has is an error (TeX Live 2021 and later) or at least a "Missing character" line
    in the log; a ``\reason`` column that wraps."""
    lines = [
        r"\documentclass[10pt]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[a4paper,landscape,margin=1.8cm]{geometry}",
        r"\usepackage{amsmath}",
        r"\usepackage{amssymb}",
    ]
    if lang == "ko":
        lines.append(r"\usepackage{kotex}")
    lines += [
        r"\tracinglostchars=3 % a character no font has: an error, or a line in the log",
        r"\allowdisplaybreaks % long derivations go on over the page",
        r"\setlength{\parindent}{0pt}",
        rf"\newcommand{{\reason}}[1]{{\parbox[t]{{{REASON_WIDTH}}}{{\raggedright\small #1}}}}",
    ]
    return "\n".join(lines) + "\n"


_ROW = re.compile(r"^(?P<row>.*?) && \\text\{(?P<note>.*)\}(?P<end> \\\\)?$")


def latex_section(name: str, fragment: str, lang: str = "en") -> str:
    """One rule's section from its fragment (what :func:`render_latex` writes): its title and
    source from the comments at the top, a heading for each ``align*`` block (the forward
    quantities, then each derivation, headed by the comment above it), and the reasons in a
    column that wraps."""
    from derive.printing.i18n import word

    lines = fragment.splitlines()
    comments = []
    while lines and lines[0].startswith("%"):
        comments.append(lines.pop(0)[1:].strip())
    first = comments.pop(0) if comments else name
    title = first[len(name) + 1:].strip() if first.startswith(f"{name}:") else first
    code = _text(name)
    out = [rf"\section[\texttt{{{code}}}]{{\texttt{{{code}}}: {latex_text(title)}}}"]
    out += [rf"\textit{{{latex_text(comment)}}}\par" for comment in comments]
    heading = word("forward", lang)
    for line in lines:
        if line.startswith("%"):
            heading = line[1:].strip()
            continue
        if line.startswith(r"\begin{align*}") and heading is not None:
            out.append(rf"\subsection*{{{latex_text(heading)}}}")
            heading = None
        row = _ROW.match(line)
        out.append(f"{row['row']} && \\reason{{{row['note']}}}{row['end'] or ''}" if row else line)
    return "\n".join(out) + "\n"


def latex_document(pages: dict[str, str], lang: str = "en") -> str:
    """One LaTeX document (pdflatex; kotex for Korean) of the rules' fragments, in the order
    given: ``{rule name: fragment}``. The same pages give the same bytes (no date)."""
    out = ["% Every derivation of derive, written by `derive docs` from the fragments in latex/.",
           "% Compile with pdflatex" + (" (kotex, from TeX Live's langkorean)" if lang == "ko" else "")
           + "; see docs/latex.md.",
           preamble(lang).rstrip("\n"),
           r"\begin{document}",
           rf"\begin{{center}}\LARGE {latex_text(TITLES.get(lang, TITLES['en']))}\end{{center}}",
           r"\tableofcontents",
           ""]
    for name, fragment in pages.items():
        out += [latex_section(name, fragment, lang), r"\clearpage", ""]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
