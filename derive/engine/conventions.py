r"""Conventions: the same mathematics written with another constant (½, λ/2, 1/N, log₂).

The lecture notes write the squared error with ½ in front, the L2 penalty as
(λ/2)‖w‖², the entropy in bits, a loss averaged rather than summed; derive's own
rules each fix one choice. A worked file (or ``derive show``/``derive equiv`` with
``--convention``) may declare another, and the rule is then derived, proven,
checked and generated in that convention. The keys and their values are the
contract's (``../shared/CONTRACT.md``, "Conventions"):

========================  ==========================================================
``squared_error``         ``full``: Σ(ŷ − y)²; ``half``: ½Σ(ŷ − y)²
``reduce``                ``sum`` or ``mean`` over the samples (over the outputs, for one example)
``l2``                    ``full``: λ‖w‖²; ``half``: (λ/2)‖w‖²
``log_base``              ``e`` (nats) or ``2`` (bits), for losses and entropies
``stride``                ``1`` or ``2``: how far a convolution's or pooling's window moves
``padding``               ``0`` or ``1``: rings of zeros around a convolution's input
``window``                ``2`` or ``3``: a pooling window's side
``mask``                  ``none`` or ``causal``: attention to every position, or to the earlier ones
========================  ==========================================================

How it works
------------
A rule whose definition depends on a convention is written once, as a *builder*
``build(c) -> Rule`` decorated with :func:`conventional`, which names the keys
that apply to the rule and the rule's own choice for each. The builder writes its
forward definitions, results and steps with the factors of the
:class:`Convention` ``c`` it is given (``c.half``, ``c.mean(total, N)``,
``c.l2_half``, ``c.log(t)``) and the matching words (``c.half_text``...), so one
module holds every variant. Calling the decorated builder without an argument
builds the rule's own definition (the one registered, printed by ``derive show``,
generated into ``derive.numpy``); :func:`in_convention` builds (once, cached)
the variant for a declaration, after checking it: an unknown key, a key that does
not apply to the rule, or an unknown value is an :class:`~derive.errors.InputError`.
A variant is an ordinary rule: :func:`derive.engine.verify.verify_rule` proves its
steps, :func:`derive.codegen.generate.module_source` writes its NumPy code.

Example: ``linear_mse`` declares ``@conventional(squared_error="half")`` and writes
``L = c.half * (ŷ − y)²`` and ``∂L/∂w = c.slope * (ŷ − y) x``. Its own rule has
½ and slope 1; ``in_convention(rule, {"squared_error": "full"})`` builds the
rule with L = (ŷ − y)² and ∂L/∂w = 2(ŷ − y) x, every step proven again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import sympy as sp

from derive.errors import InputError
from derive.printing import glossary
from derive.printing.rules_ko import korean
from derive.symbolic.arrays import CausalSoftmax, Softmax

#: Every key, with its values; the first value is the default of a rule that does not say.
KEYS: dict[str, tuple[str, ...]] = {
    "squared_error": ("full", "half"),
    "reduce": ("sum", "mean"),
    "l2": ("full", "half"),
    "log_base": ("e", "2"),
    "stride": ("1", "2"),
    "padding": ("0", "1"),
    "window": ("2", "3"),
    "mask": ("none", "causal"),
}

#: What each choice means, in the words a diagnosis uses (English, Korean).
MEANING = {
    ("squared_error", "full"): ("the squared error without ½, Σ(ŷ − y)²", "½ 없는 제곱 오차 Σ(ŷ − y)²"),
    ("squared_error", "half"): ("the squared error halved, ½Σ(ŷ − y)²", "½을 곱한 제곱 오차 ½Σ(ŷ − y)²"),
    ("reduce", "sum"): ("the loss summed, Σ (not the mean)", "평균이 아니라 합한 손실 Σ"),
    ("reduce", "mean"): ("the loss averaged, (1/N)Σ (not the sum)", "합이 아니라 평균한 손실 (1/N)Σ"),
    ("l2", "full"): ("the L2 penalty λ‖w‖²", "L2 페널티 λ‖w‖²"),
    ("l2", "half"): ("the L2 penalty halved, (λ/2)‖w‖²", "½을 곱한 L2 페널티 (λ/2)‖w‖²"),
    ("log_base", "e"): ("natural logarithms (nats)", "자연로그 (내트)"),
    ("log_base", "2"): ("base-2 logarithms (bits)", "밑이 2인 로그 (비트)"),
    ("stride", "1"): ("the window moved by one cell (stride 1)", "한 칸씩 움직이는 창 (스트라이드 1)"),
    ("stride", "2"): ("the window moved by two cells (stride 2)", "두 칸씩 움직이는 창 (스트라이드 2)"),
    ("padding", "0"): ("no zeros around the input (padding 0)", "입력 둘레에 0 없음 (패딩 0)"),
    ("padding", "1"): ("one ring of zeros around the input (padding 1)", "입력 둘레에 0 한 겹 (패딩 1)"),
    ("window", "2"): ("2×2 pooling windows", "2×2 풀링 창"),
    ("window", "3"): ("3×3 pooling windows", "3×3 풀링 창"),
    ("mask", "none"): ("attention to every position (no mask)", "모든 위치에 주의 (마스크 없음)"),
    ("mask", "causal"): ("a causal mask: each position attends to itself and the earlier ones",
                         "인과 마스크: 각 위치는 자기와 앞의 위치에만 주의"),
}


@dataclass(frozen=True)
class Convention:
    """One choice for every key; a rule reads only the keys that apply to it."""

    squared_error: str = "full"
    reduce: str = "sum"
    l2: str = "full"
    log_base: str = "e"
    stride: str = "1"
    padding: str = "0"
    window: str = "2"
    mask: str = "none"

    def __post_init__(self):
        for key, values in KEYS.items():
            if getattr(self, key) not in values:
                raise ValueError(f"convention {key}={getattr(self, key)!r}: expected one of {values}")

    # -- the factors a rule's definitions use ---------------------------------------
    @property
    def half(self) -> sp.Expr:
        """The factor in front of the squared error: ½ or 1."""
        return sp.Rational(1, 2) if self.squared_error == "half" else sp.Integer(1)

    @property
    def slope(self) -> sp.Expr:
        """d/du of c.half·u² is c.slope·u: 1 for ½u², 2 for u²."""
        return 2 * self.half

    def mean(self, total, count):
        """``total`` averaged over ``count`` (reduce: mean) or left as the sum."""
        return total / count if self.reduce == "mean" else total

    @property
    def l2_half(self) -> sp.Expr:
        """The factor in front of λ‖w‖²: ½ or 1."""
        return sp.Rational(1, 2) if self.l2 == "half" else sp.Integer(1)

    @property
    def l2_slope(self) -> sp.Expr:
        return 2 * self.l2_half

    @property
    def nat(self) -> sp.Expr:
        """log_b t = log t / c.nat: 1 in nats, log 2 in bits."""
        return sp.log(2) if self.log_base == "2" else sp.Integer(1)

    def log(self, t):
        """The logarithm of the convention: log t, or log₂ t = log t / log 2."""
        return sp.log(t) / self.nat

    # -- the same, in words (for the steps' reasons) ---------------------------------
    @property
    def half_text(self) -> str:
        return "½" if self.squared_error == "half" else ""

    @property
    def slope_text(self) -> str:
        return "" if self.squared_error == "half" else "2"

    def slope_times(self, term: str) -> str:
        """``term`` times the slope, in words: ŷ − y, or 2(ŷ − y)."""
        return term if self.squared_error == "half" else f"2({term})"

    def mean_text(self, count: str) -> str:
        return f"(1/{count})" if self.reduce == "mean" else ""

    @property
    def l2_text(self) -> str:
        return "(λ/2)" if self.l2 == "half" else "λ"

    @property
    def l2_slope_text(self) -> str:
        return "λ" if self.l2 == "half" else "2λ"

    @property
    def log_text(self) -> str:
        return "log₂" if self.log_base == "2" else "log"

    def attend(self, scores):
        """The attention weights of ``scores``: the softmax of each row, or with a causal mask."""
        return CausalSoftmax(scores) if self.mask == "causal" else Softmax(scores)

    @property
    def unit(self) -> str:
        return "bits" if self.log_base == "2" else "nats"

    @property
    def unit_ko(self) -> str:
        return "비트" if self.log_base == "2" else "내트"

    # -- reading and writing declarations ------------------------------------------
    def only(self, keys) -> dict[str, str]:
        """The choices for ``keys``, as a declaration."""
        return {key: getattr(self, key) for key in keys}

    def differences(self, other: Convention, keys) -> dict[str, str]:
        """The choices of ``self`` that differ from ``other`` on ``keys``."""
        return {key: getattr(self, key) for key in keys if getattr(self, key) != getattr(other, key)}


def declaration_text(declared: dict[str, str]) -> str:
    """``{squared_error: half, l2: half}``: a declaration as a worked file writes it."""
    return "{" + ", ".join(f"{key}: {value}" for key, value in declared.items()) + "}"


def meaning(declared: dict[str, str], lang: str = "en") -> str:
    """What a declaration means, in words: "the squared error halved, ½Σ(ŷ − y)²"."""
    index = 1 if lang == "ko" else 0
    return ", ".join(MEANING[(key, value)][index] for key, value in declared.items())


# -- rules with conventions ---------------------------------------------------------

def conventional(**own: str):
    """Decorate a rule builder ``build(c: Convention) -> Rule``.

    ``own`` names the keys that apply to the rule and the rule's own choice for each
    (``@conventional(squared_error="half")``). The decorated builder, called without
    an argument, builds the rule's own definition; with a :class:`Convention`, that
    variant. Each rule it builds records ``convention``, ``convention_keys`` and
    ``builder`` (itself), which :func:`in_convention` uses.
    """
    default = Convention(**own)

    def decorate(build):
        @functools.wraps(build)
        def builder(c: Convention | None = None):
            rule = build(c or default)
            if c is not None and c != default:
                declared = declaration_text(c.only(own))
                # the Korean title keeps the variant's declaration too (표기 관례 {...})
                rule.title_ko = f"{korean(rule.title, rule.title_ko) or rule.title}, {glossary.CONVENTION} {declared}"
                rule.title = f"{rule.title}, conventions {declared}"
            rule.convention = c or default
            rule.default_convention = default
            rule.convention_keys = tuple(own)
            rule.builder = builder
            return rule
        return builder
    return decorate


def check_declaration(rule_name: str, keys, declared, *, path: str | None = None,
                      field: str = "conventions") -> dict[str, str]:
    """A declaration read as {key: value}; InputError (naming the key and the rule) for a key that is
    unknown or does not apply to the rule, or a value that is not one of the key's."""
    if not isinstance(declared, dict):
        raise InputError(f"expected a mapping such as {{squared_error: half}}, got {declared!r}",
                         path=path, field=field)
    out = {}
    for key, value in declared.items():
        here = field if field.startswith("-") else f"{field}.{key}"  # a flag, or the file's field
        if key not in KEYS:
            raise InputError(f"unknown convention {key!r} (the conventions: {', '.join(KEYS)})",
                             path=path, field=here)
        if key not in keys:
            which = f"its conventions: {', '.join(keys)}" if keys else "it has no conventions"
            raise InputError(f"the convention {key!r} does not apply to the rule {rule_name} ({which})",
                             path=path, field=here)
        value = str(value)
        if value not in KEYS[key]:
            raise InputError(f"expected {' or '.join(KEYS[key])} for the convention {key}, got {value!r}",
                             path=path, field=here)
        out[key] = value
    return out


def in_convention(rule, declared, *, path: str | None = None, field: str = "conventions"):
    """The rule in the declared convention (the rule itself when that is its own); see the module doc."""
    keys = getattr(rule, "convention_keys", ())
    declared = check_declaration(rule.name, keys, declared, path=path, field=field)
    if not declared:
        return rule
    convention = replace(rule.default_convention, **declared)
    if convention == rule.convention:
        return rule
    return _variant(rule.builder, convention)


@functools.cache
def _variant(builder, convention: Convention):
    return builder(convention)


def alternatives(rule) -> list[Convention]:
    """Every other convention of the rule (each combination of its keys' values but the one it is
    built in), the fewest keys changed first."""
    keys = getattr(rule, "convention_keys", ())
    found = [rule.convention]
    for key in keys:
        found += [replace(c, **{key: value}) for c in found for value in KEYS[key]]
    others = [c for c in dict.fromkeys(found) if c != rule.convention]
    return sorted(others, key=lambda c: len(c.differences(rule.convention, keys)))


def parse_flags(values) -> dict[str, str]:
    """``--convention squared_error=half --convention l2=half`` (or ``a=b,c=d``) as a declaration."""
    declared: dict[str, str] = {}
    for value in values or ():
        for part in str(value).split(","):
            key, sep, choice = part.strip().partition("=")
            if not sep or not key.strip() or not choice.strip():
                raise InputError(f"expected KEY=VALUE (e.g. squared_error=half), got {part.strip()!r}",
                                 field="--convention")
            if key.strip() in declared:
                raise InputError(f"the convention {key.strip()!r} is given twice", field="--convention")
            declared[key.strip()] = choice.strip()
    return declared


__all__ = ["KEYS", "MEANING", "Convention", "alternatives", "check_declaration", "conventional",
           "declaration_text", "in_convention", "meaning", "parse_flags"]
