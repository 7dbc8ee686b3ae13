"""Every name a quantity goes by, in one place.

A quantity has three spellings:

* the user's, on the command line and in YAML (``dL/dC_tilde``, ``y_hat``, ``lam``);
* Python's, in generated code (``dL_dC_tilde``, ``y_hat``, ``lam``);
* LaTeX's, in printed derivations (``\\frac{\\partial L}{\\partial \\tilde{C}}``,
  ``\\hat{y}``, ``\\lambda``).

The user's spelling is the canonical one; the other two are computed from it.
"""

from __future__ import annotations

import re

#: Plain names of Greek letters and other symbols as the lectures write them.
GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
    "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
    "Sigma", "Phi", "Psi", "Omega",
}

#: Names whose LaTeX is not derived from their spelling.
SPECIAL_LATEX = {
    "lam": r"\lambda",
    "lr": r"\eta",
    "logvar": r"\text{logvar}",
    "eps": r"\epsilon",
}

#: Suffixes that become accents: y_hat -> \hat{y}, C_tilde -> \tilde{C}.
ACCENTS = {"hat": r"\hat", "tilde": r"\tilde", "bar": r"\bar"}

#: Subscripts written as words: h_prev -> h_{\text{prev}}.
WORD_SUBSCRIPTS = {"prev", "next", "enc", "dec", "new", "old", "real", "fake", "in", "out"}

_GRADIENT = re.compile(r"^d(?P<of>[A-Za-z][A-Za-z0-9_]*)/d(?P<wrt>[A-Za-z_][A-Za-z0-9_]*)$")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_gradient(name: str) -> bool:
    return _GRADIENT.match(name) is not None


def gradient_parts(name: str) -> tuple[str, str]:
    """``'dL/dW_f'`` -> ``('L', 'W_f')``."""
    m = _GRADIENT.match(name)
    if m is None:
        raise ValueError(f"{name!r} is not a gradient name of the form dA/dB")
    return m["of"], m["wrt"]


def gradient_name(of: str, wrt: str) -> str:
    return f"d{of}/d{wrt}"


def is_valid_name(name: str) -> bool:
    return bool(_PLAIN.match(name) or _GRADIENT.match(name))


def python_name(name: str) -> str:
    """The identifier used in generated code: ``dL/dC_tilde`` -> ``dL_dC_tilde``."""
    if is_gradient(name):
        of, wrt = gradient_parts(name)
        return f"d{of}_d{wrt}"
    if not _PLAIN.match(name):
        raise ValueError(f"{name!r} is not a valid quantity name")
    return name


def latex_name(name: str) -> str:
    """The LaTeX of a quantity's name."""
    if is_gradient(name):
        of, wrt = gradient_parts(name)
        return rf"\frac{{\partial {latex_name(of)}}}{{\partial {latex_name(wrt)}}}"
    if name in SPECIAL_LATEX:
        return SPECIAL_LATEX[name]
    name = name.lstrip("_")
    head, _, rest = name.partition("_")
    base = _latex_atom(head)
    if not rest:
        return base
    first, _, more = rest.partition("_")
    if first in ACCENTS:
        return _accented(base, first, more)
    return f"{base}_{{{_latex_subscript(rest)}}}"


def _accented(base: str, accent: str, more: str) -> str:
    body = f"{ACCENTS[accent]}{{{base}}}"
    return f"{body}_{{{_latex_subscript(more)}}}" if more else body


def _latex_atom(word: str) -> str:
    if word in GREEK:
        return "\\" + word
    if word in SPECIAL_LATEX:
        return SPECIAL_LATEX[word]
    if len(word) > 1 and not word[1:].isdigit():
        return rf"\text{{{word}}}"
    return word


def _latex_subscript(sub: str) -> str:
    parts = sub.split("_")
    rendered = [rf"\text{{{p}}}" if p in WORD_SUBSCRIPTS else _latex_atom(p) for p in parts]
    return ",".join(rendered)


def plain_symbol_name(latex_symbol: str) -> str:
    """The plain name of a LaTeX symbol as parsed: ``\\hat{y}`` -> ``y_hat``,
    ``\\mu`` -> ``mu``, ``h_{\\text{prev}}`` -> ``h_prev``, ``\\tilde{C}`` -> ``C_tilde``."""
    s = latex_symbol.strip()
    s = re.sub(r"\\(?:text|mathrm|operatorname)\{([^{}]*)\}", r"\1", s)
    for plain, latex in SPECIAL_LATEX.items():
        if s == latex:
            return plain
    m = re.fullmatch(r"\\(hat|tilde|bar)\{\s*\\?([A-Za-z]+)\s*\}(?:_\{?([^{}]*)\}?)?", s)
    if m:
        base = f"{m[2]}_{m[1]}"
        return f"{base}_{m[3].replace(',', '_')}" if m[3] else base
    s = s.replace("\\", "").replace("{", "").replace("}", "").replace(" ", "")
    return s.replace(",", "_")
