r"""Say what is wrong with a number: the kind of slip, the numbers that are off, the accepted range.

How it works
------------
After :func:`derive.check.judge.judge` has given each answer its status,
:func:`explain` looks again at every ``wrong`` (and ``carried``) answer:

* **which numbers are off**: those further from the exact value than their
  tolerance (the judge's own test);
* **the accepted range** of the scalar, or of the first number that is off;
* **the kind of slip**, for a ``wrong`` answer: each detector of :data:`DETECTORS`
  builds what one known slip would have produced and says whether the answer is
  that, every number within its tolerance; the first that fits wins. A detector
  tries two references: the exact value, then the value recomputed from the
  student's own earlier answers (so a slip on top of a carried error is named too).
  The detectors that recompute (a transposed matrix, the wrong activation's
  derivative, a missing term) run the rule's generated ``FROM_DEPENDENCIES``
  function of the quantity, or a copy of its source with one term changed.

Example (sigmoid_bce, s = 0.5, y = 1): L written 0.206, exact 0.4741 ± 0.0005. Not
truncated, not rounded to too few digits, not −0.4741; 0.4741 / ln 10 = 0.2059 is
within 0.0005 of 0.206: "log base 10 where the natural log belongs".

Every sentence a student reads is a template of :data:`derive.check.messages.MESSAGES`, kept as a
:class:`~derive.check.messages.Text` (key and fields) until it is printed, in English or Korean.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import math
import re
import textwrap
from dataclasses import dataclass

import numpy as np

from derive import naming
from derive.check.conventions import convention_text
from derive.check.messages import Text, message

#: The kinds of slip, as ``slip.kind`` in the JSON report and in an ``expect: slips:`` block.
KINDS = ("truncated", "too_few_digits", "convention", "sign", "log_base", "factor", "transposed", "swapped",
         "activation", "missing_slope", "missing_term", "term_sign", "term_factor", "wrong_value", "window")

#: At most this many positions are listed in "components ... are off".
MAX_LISTED = 6
#: At most this many additive terms of a quantity's formula are tried one by one.
MAX_TERMS = 24


@dataclass(frozen=True)
class Slip:
    """A named slip: its kind (one of :data:`KINDS`) and the sentence that says it, in any language."""

    kind: str
    text: Text

    @property
    def message(self) -> str:
        """The sentence in English (the JSON report's ``message``)."""
        return self.text.say("en")

    def say(self, lang: str = "en") -> str:
        return self.text.say(lang)

    def to_json(self) -> dict:
        return {"kind": self.kind, "message": self.message}


@dataclass
class Finding:
    """What is wrong with one answer: the slip, the numbers off, the accepted range, where it came from."""

    slip: Slip | None
    shape: tuple
    off: list  # index tuples of the numbers off the exact value, in order
    accepted: dict | None  # the scalar's or the first off number's range
    carried_from: list  # the student's answers, not correct, that this one follows from
    accepted_text: Text | None = None  # the range, to be said in any language (``accepted["text"]`` in English)

    def to_json(self) -> dict:
        return {"slip": self.slip.to_json() if self.slip else None,
                "off_components": [list(i) for i in self.off] if self.shape else None,
                "accepted": self.accepted}

    def lines(self, lang: str = "en") -> list[str]:
        """The sentences for the readable report, most telling first."""
        out = [self.slip.say(lang)] if self.slip else []
        if self.carried_from:
            verb = Text("verb_one" if len(self.carried_from) == 1 else "verb_many")
            out.append(message("carried_from", lang, names=", ".join(self.carried_from), verb=verb))
        if self.shape and self.off:
            out.append(_off_text(self.off, self.shape).say(lang))
        if self.accepted is not None:
            out.append(self.accepted_text.say(lang) if self.accepted_text is not None else self.accepted["text"])
        return out


def explain(worked, steps) -> dict:
    """A :class:`Finding` for every answer that is not ``correct``, by name."""
    status = {s.name: s.status for s in steps}
    found = {}
    shared: dict = {}  # what the answers of one file have in common (its constant factors)
    # a candidate may overflow or leave a function's domain: it then fits nothing, silently
    with np.errstate(all="ignore"):
        for step in steps:
            if step.status == "correct":
                continue
            context = _Context(worked, step, shared)
            slip = _first_slip(context) if step.status == "wrong" else None
            carried = [u for u in step.uses if status.get(u, "correct") != "correct"] \
                if step.status == "carried" else []
            accepted = _accepted(context)
            found[step.name] = Finding(slip, tuple(np.shape(step.given)), context.off, accepted, carried,
                                       accepted.pop("_text") if accepted is not None else None)
    return found


def _first_slip(context) -> Slip | None:
    """The first detector's slip that fits. Naming a slip is a courtesy: a detector that cannot
    evaluate a candidate (an unusual shape, an overflow) names none, and the verdict stands."""
    for detect in DETECTORS:
        try:
            found = detect(context)
        except (ArithmeticError, ValueError, TypeError, IndexError, KeyError):
            continue
        if found is not None:
            return found
    return None


# -- the numbers off and the accepted range ----------------------------------------

class _Context:
    """One answer, its references and the rule around it, as the detectors see them."""

    def __init__(self, worked, step, shared: dict | None = None):
        self.worked, self.step, self.name = worked, step, step.name
        self.shared = {} if shared is None else shared
        self.given = np.asarray(step.given, dtype=float)
        self.exact = np.asarray(step.expected, dtype=float)
        self.tolerance = np.asarray(step.tolerance, dtype=float)
        bad = ~(np.abs(self.given - self.exact) <= self.tolerance)
        self.off = [tuple(int(i) for i in index) for index in np.argwhere(bad)] if bad.ndim else []
        self.off_mask = bad
        self.references = [self.exact]
        if step.recomputed is not None:
            recomputed = np.asarray(step.recomputed, dtype=float)
            if np.isfinite(recomputed).all() and not (np.abs(recomputed - self.exact)
                                                       <= 1e-12 * np.abs(self.exact)).all():
                self.references.append(recomputed)
        self.function, self.arguments = worked.rule.from_dependencies.get(self.name, (None, ()))

    def fits(self, candidate) -> bool:
        """Every number of the answer within its tolerance of ``candidate``."""
        candidate = np.asarray(candidate, dtype=float)
        if candidate.shape != self.given.shape:
            return False
        return bool((np.abs(self.given - candidate) <= self.tolerance).all())

    def first_fit(self, candidates) -> int | None:
        """The position of the first of ``candidates`` (each of the answer's shape) that fits, or None:
        :meth:`fits` of each in turn, in one pass."""
        if len(candidates) == 0:
            return None
        stacked = np.asarray(candidates, dtype=float)
        if stacked.shape[1:] != self.given.shape:
            return next((k for k, c in enumerate(candidates) if self.fits(c)), None)
        close = (np.abs(self.given - stacked) <= self.tolerance).reshape(len(candidates), -1).all(axis=1)
        hits = np.flatnonzero(close)
        return int(hits[0]) if hits.size else None

    def argument_sets(self) -> list[dict]:
        """The quantity's arguments at the exact values, then with the student's answers where given."""
        worked = self.worked
        exact, own = {}, {}
        for argument in self.arguments:
            if argument in worked.inputs:
                exact[argument] = own[argument] = worked.inputs[argument]
            elif argument in worked.exact:
                exact[argument] = worked.exact[argument]
                answer = worked.answers.get(argument)
                own[argument] = answer.values if answer is not None and argument != self.name \
                    else worked.exact[argument]
            else:
                return []
        sets = [exact]
        if any(not np.array_equal(own[a], exact[a]) for a in self.arguments):
            sets.append(own)
        return sets

    def evaluate(self, function, values: dict, **extra):
        """A FROM_DEPENDENCIES-style function at one point; None where it cannot be evaluated."""
        try:
            out = np.asarray(function(**{_python(k): np.asarray(v, dtype=float)[None] for k, v in values.items()},
                                      **extra), dtype=float)
            shape = (1,) + self.given.shape
            return (out if out.shape == shape else np.broadcast_to(out, shape))[0]
        except (ArithmeticError, ValueError, TypeError, IndexError, KeyError, NameError, AttributeError):
            return None


def _off_text(off: list, shape: tuple) -> Text:
    count = int(np.prod(shape))
    if len(off) == count and count > 1:
        return Text("off_both") if count == 2 else Text("off_all", count=count)
    listed = off[:MAX_LISTED]
    more = len(off) - len(listed)
    if len(shape) == 1:
        positions = "[" + ", ".join(str(i[0]) for i in listed) + "]"
        if more:
            return Text("off_some_more", positions=positions, more=more, count=count)
        return Text("off_one" if len(off) == 1 else "off_some", positions=positions, count=count)
    positions = ", ".join("(" + ", ".join(map(str, i)) + ")" for i in listed)
    size = "x".join(map(str, shape))
    if more:
        return Text("off_matrix_more", positions=positions, more=more, shape=size)
    return Text("off_matrix_one" if len(off) == 1 else "off_matrix", positions=positions, shape=size)


def _accepted(context: _Context) -> dict | None:
    """The range accepted for the scalar, or for the first number off."""
    if context.given.ndim and not context.off:
        return None
    index = context.off[0] if context.given.ndim else ()
    expected = float(context.exact[index])
    tolerance = float(context.tolerance[index])
    given = str(np.asarray(context.step.texts, dtype=object)[index])
    shown = given if _plain(given) else f"{given} = {number_text(float(context.given[index]), 6)}"
    if tolerance <= 1e-8 * max(1.0, abs(expected), abs(float(context.given[index]))):  # exact but for round-off
        rest = Text("accepted_exact", expected=number_text(expected, 6), given=shown)
    else:
        decimals = _decimals_for(tolerance)
        rest = Text("accepted", expected=_fixed(expected, decimals), tolerance=_tolerance_text(tolerance),
                    given=shown)
    text = rest if not index else Text("accepted_at", where="[" + ", ".join(map(str, index)) + "]", rest=rest)
    return {"index": list(index), "expected": expected, "tolerance": tolerance,
            "low": expected - tolerance, "high": expected + tolerance, "given": given, "text": text.say("en"),
            "_text": text}


def _decimals_for(tolerance: float) -> int:
    """Decimals that show a tolerance's first digit: 0.0005 -> 4."""
    return min(12, max(0, -math.floor(math.log10(tolerance)))) if tolerance > 0 else 6


def _tolerance_text(tolerance: float) -> str:
    """0.0005 -> '0.0005', 0.0015 -> '0.0015': two digits at most, never in e-notation."""
    text = f"{tolerance:.{_decimals_for(tolerance) + 1}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fixed(value: float, decimals: int) -> str:
    return no_negative_zero(f"{value:.{decimals}f}")


def number_text(value: float, digits: int = 6) -> str:
    """A number for reading: ``digits`` significant digits, never ``-0``."""
    return no_negative_zero(f"{value:.{digits}g}") if np.isfinite(value) else message("undefined")


_NEGATIVE_ZERO = re.compile(r"^-(0(?:\.0*)?(?:e[+-]?\d+)?)$", re.IGNORECASE)


def no_negative_zero(text: str) -> str:
    """``-0.000000`` -> ``0.000000``: a number that prints as zero has no sign."""
    match = _NEGATIVE_ZERO.match(text)
    return match[1] if match else text


# -- numbers as written: their last digit ------------------------------------------

_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _plain(text: str) -> bool:
    return bool(_PLAIN_NUMBER.match(text.strip()))


def _unit(text: str) -> float | None:
    """One unit of the last digit written (0.34 -> 0.01, 2e-3 -> 0.001, 7 -> 1); None for LaTeX."""
    text = text.strip()
    if not _plain(text):
        return None
    mantissa, _, exponent = text.lower().partition("e")
    power = int(exponent) if exponent else 0
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (power - decimals)


def _round(value, unit):
    """Round half away from zero to a multiple of ``unit`` (how students round)."""
    return np.sign(value) * np.floor(np.abs(value) / unit + 0.5 + 1e-9) * unit


def _truncate(value, unit):
    return np.sign(value) * np.floor(np.abs(value) / unit + 1e-9) * unit


def _same(a: float, b: float, unit: float) -> bool:
    return abs(a - b) <= 1e-6 * unit


def _written_digits(context: _Context):
    """(index, text, unit, given) of every number off; None when one is not a plain number."""
    texts = np.asarray(context.step.texts, dtype=object)
    rows = []
    for index in (context.off if context.given.ndim else [()]):
        unit = _unit(str(texts[index]))
        if unit is None:
            return None
        rows.append((index, str(texts[index]), unit, float(context.given[index])))
    return rows


def _digits_shown(value: float, unit: float) -> str:
    """``value`` with two more digits than ``unit`` has (four decimals at least)."""
    decimals = max(4, -math.floor(math.log10(unit) + 1e-9) + 2)
    return no_negative_zero(f"{value:.{decimals}f}")


# -- the detectors, in the order they are tried ----------------------------------

def truncated(context: _Context) -> Slip | None:
    """Every number off is its value cut off after the last digit written, where rounding differs."""
    rows = _written_digits(context)
    if not rows:
        return None
    for reference in context.references:
        if all(_same(float(_truncate(reference[i], u)), g, u) and not _same(float(_round(reference[i], u)), g, u)
               for i, _, u, g in rows):
            index, text, unit, _ = rows[0]
            value = float(reference[index])
            return Slip("truncated", Text("truncated", value=_digits_shown(value, unit),
                                             rounded=_like(float(_round(value, unit)), text), given=text))
    return None


def too_few_digits(context: _Context) -> Slip | None:
    """Every number off is its value rounded right, but to fewer digits than the tolerance asks for."""
    rows = _written_digits(context)
    if not rows:
        return None
    for reference in context.references:
        if all(_same(float(_round(reference[i], u)), g, u) for i, _, u, g in rows):
            index, text, unit, _ = rows[0]
            value = float(reference[index])
            tolerance = float(context.tolerance[index])
            if context.worked.tolerance is None and "." not in text and "e" not in text.lower():
                return Slip("too_few_digits", Text("too_few_digits_whole", value=_digits_shown(value, unit),
                                                      given=text, suggest=_suggest(value, 0.5e-4)))
            suggest = _suggest(value, tolerance)
            return Slip("too_few_digits", Text(
                "too_few_digits", value=_digits_shown(value, unit), given=text,
                tolerance=_tolerance_text(tolerance), suggest=suggest))
    return None


def _like(value: float, text: str) -> str:
    """``value`` written with the digits of ``text``: 0.690 like 0.689, 6.9e-3 like 6.8e-3."""
    mantissa, scientific, _ = text.lower().partition("e")
    places = len(mantissa.partition(".")[2])
    return no_negative_zero(f"{value:.{places}e}" if scientific else f"{value:.{places}f}")


def _suggest(value: float, tolerance: float) -> str:
    """``value`` with enough decimals that half a unit of the last is within ``tolerance``."""
    decimals = max(1, math.ceil(-math.log10(2 * tolerance))) if tolerance > 1e-12 else 4
    return no_negative_zero(f"{value:.{min(decimals, 12)}f}")


def convention(context: _Context) -> Slip | None:
    """Right in a convention the file does not declare (½ in the squared error, λ/2, log₂, a mean,
    the notes' δ = r − y): said with the declaration to add (:mod:`derive.check.conventions`)."""
    text = convention_text(context.worked, context.name, context.fits)
    return Slip("convention", text) if text is not None else None


def sign(context: _Context) -> Slip | None:
    """The value with its sign flipped: all of it, or just the numbers that are off."""
    for reference in context.references:
        if context.fits(-reference):
            return Slip("sign", Text("sign"))
    if context.given.ndim:
        for reference in context.references:
            if context.fits(np.where(context.off_mask, -reference, reference)):
                return Slip("sign", Text("sign_part"))
    return None


LN10, LN2 = math.log(10.0), math.log(2.0)
#: (ratio given / right value, message key): a logarithm in the wrong base.
_LOG_RATIOS = ((1 / LN10, "log_base_10"), (1 / LN2, "log_base_2"), (LN2, "log_natural"),
               (LN10, "log_natural_10"))


def log_base(context: _Context) -> Slip | None:
    """The value of a logarithm taken in another base: a ratio ln 10 or ln 2."""
    for reference in context.references:
        hit = context.first_fit([ratio * reference for ratio, _ in _LOG_RATIOS])
        if hit is not None:
            return Slip("log_base", Text(_LOG_RATIOS[hit][1]))
    return None


def _factors(context: _Context) -> list:
    """(value, how to say it) for the constant factors of slips: 2, ½, the rule's scalars, the sizes
    (the same for every answer of a file: found once)."""
    if "factors" not in context.shared:
        context.shared["factors"] = _file_factors(context)
    return context.shared["factors"]


_SIZE = re.compile(r"[A-Za-z_]\w*")


#: The domains whose inputs are rates, whose complements 1 − v are factors of their rules (dropout's
#: 1 − p, momentum's 1 − β); not a weight or a target that happens to lie in (0, 1).
_RATE_KINDS = ("rate",)


def _file_factors(context: _Context) -> list:
    found = [(2.0, "2"), (0.5, "½"), (4.0, "4"), (0.25, "¼")]
    complements = []
    worked = context.worked
    for name, value in worked.inputs.items():
        if np.ndim(value) == 0 and float(value) not in (0.0, 1.0, -1.0):
            v = float(value)
            found += [(v, f"{name} (= {number_text(v, 4)})"), (1 / v, f"1/{name} (= {number_text(1 / v, 4)})")]
            if getattr(getattr(worked.rule, "domains", {}).get(name), "kind", None) in _RATE_KINDS and 0 < v < 1:
                complements.append((name, v))
    sizes = {}
    for name, dims in worked.rule.inputs.items():
        for axis, dim in enumerate(dims):
            if _SIZE.fullmatch(dim) and np.ndim(worked.inputs[name]) > axis:
                sizes.setdefault(dim, worked.inputs[name].shape[axis])
    for dim, size in sizes.items():
        if size > 1:
            found += [(float(size), f"{dim} (= {size})"), (1 / size, f"1/{dim} (= 1/{size})")]
    for name, v in complements:  # after the sizes: a size says more where both fit
        found += [(1 - v, f"1 − {name} (= {number_text(1 - v, 4)})"),
                  (1 / (1 - v), f"1/(1 − {name}) (= {number_text(1 / (1 - v), 4)})")]
    unique, seen = [], set()
    for value, text in found:
        if abs(value - 1) < 0.01:  # 1 − ε, 1/(1 − β₂): no factor a slip can be told apart by
            continue
        if round(value, 12) not in seen:
            seen.add(round(value, 12))
            unique.append((value, text))
    return unique


def factor(context: _Context) -> Slip | None:
    """A constant factor too many or too few: 2, ½, η, λ, N, 1/N..., with or without the sign."""
    factors = _factors(context)
    for reference in context.references:
        for sign, key in ((1.0, "factor"), (-1.0, "factor_sign")):
            hit = context.first_fit([(value if sign > 0 else -value) * reference for value, _ in factors])
            if hit is not None:
                return Slip("factor", Text(key, factor=factors[hit][1]))
    return None


def swapped(context: _Context) -> Slip | None:
    """Two numbers, two rows or two columns exchanged; or a vector in reverse order."""
    shape = context.given.shape
    if not shape or context.given.size < 2:
        return None
    for reference in context.references:
        if len(context.off) == 2:
            first, second = context.off
            candidate = reference.copy()
            candidate[first], candidate[second] = reference[second], reference[first]
            if context.fits(candidate):
                return Slip("swapped", Text("swapped", first=list(first), second=list(second)))
        if len(shape) == 1 and shape[0] > 2 and context.fits(reference[::-1]):
            return Slip("swapped", Text("reversed"))
        if len(shape) == 2:
            for axis, key in ((0, "swapped_rows"), (1, "swapped_columns")):
                lines = sorted({i[axis] for i in context.off})
                if len(lines) == 2:
                    a, b = lines
                    candidate = reference.copy()
                    if axis == 0:
                        candidate[[a, b]] = reference[[b, a]]
                    else:
                        candidate[:, [a, b]] = reference[:, [b, a]]
                    if context.fits(candidate):
                        return Slip("swapped", Text(key, first=a, second=b))
    return None


def transposed(context: _Context) -> Slip | None:
    """The transpose of a square matrix answer, or a square matrix used transposed in the formula."""
    if context.given.ndim == 2 and context.given.shape[0] == context.given.shape[1]:
        for reference in context.references:
            if context.fits(reference.T):
                return Slip("transposed", Text("transposed", name=context.name))
    if context.function is None:
        return None
    source = _source(context.function) or ""
    for values in context.argument_sets():
        for argument, value in values.items():
            value = np.asarray(value)
            if value.ndim != 2 or value.shape[0] != value.shape[1] or value.shape[0] < 2:
                continue
            candidate = context.evaluate(context.function, {**values, argument: value.T})
            if candidate is not None and context.fits(candidate):
                python = re.escape(naming.python_name(argument))
                key = "transposed_use" if re.search(rf"matvec_t\({python}\b", source) else "transposed_use_t"
                return Slip("transposed", Text(key, matrix=argument))
    return None


_WINDOW_CALL = re.compile(r"_k\.(max_pool_back|avg_pool_back)\(([^()]*)\)"
                          r"|_k\.(correlate)\((\w+), _k\.flipped\((\w+)\), 1\)")


def window(context: _Context) -> Slip | None:
    """The slips of the window operations: a pooling gradient sent to every cell of its window (or,
    for max pooling, spread evenly as average pooling does), a convolution's input gradient with
    the kernel unflipped. The window and stride are read from the generated call."""
    from derive.numpy import _kernels as k

    found = _WINDOW_CALL.search(_source(context.function) or "") if context.function is not None else None
    if found is None:
        return None
    if found.group(3):  # the full correlation with the flipped kernel: its two arrays
        kernel, arguments = "correlate_flipped", [found.group(4), found.group(5)]
    else:
        kernel, arguments = found.group(1), [a.strip() for a in found.group(2).split(",")]
    for values in context.argument_sets():
        named = {naming.python_name(n): np.asarray(v, dtype=float) for n, v in values.items()}
        for key, candidate in _window_candidates(k, kernel, arguments, named, context.given.shape):
            if context.fits(candidate):
                return Slip("window", Text(key, cells=_candidate_cells(kernel, arguments)))
    return None


def _candidate_cells(kernel: str, arguments: list) -> str:
    """K² of a pooling call's window, as a number for the message."""
    return str(int(arguments[1]) ** 2) if kernel == "avg_pool_back" else ""


def _window_candidates(k, kernel: str, arguments: list, named: dict, shape: tuple):
    """(message key, the answer that slip gives) for the window call ``kernel(arguments)``."""
    rows, cols = shape[-2:]
    if kernel == "max_pool_back":
        size, stride = int(arguments[2]), int(arguments[3])
        spread = k.avg_pool_back(named[arguments[1]], size, stride, rows, cols)
        yield "pool_every_cell", spread * size * size
        yield "pool_spread", spread
    elif kernel == "avg_pool_back":
        size, stride = int(arguments[1]), int(arguments[2])
        yield "pool_no_share", k.avg_pool_back(named[arguments[0]], size, stride, rows, cols) * size * size
    else:  # the spread gradient against the kernels, their channels swapped but unflipped
        unflipped = np.swapaxes(named[arguments[1]], -4, -3)
        yield "kernel_not_flipped", k.correlate(named[arguments[0]], unflipped, 1)


def _sigmoid(s):
    return 1 / (1 + np.exp(-s))


def _sigmoid_slope(a):
    return a * (1 - a)


def _sigmoid_slope_at(s):
    return _sigmoid(s) * (1 - _sigmoid(s))


def _tanh_slope(a):
    return 1 - a ** 2


def _tanh_slope_at(s):
    return 1 - np.tanh(s) ** 2


def _relu_slope(a):
    return (a > 0).astype(float)


def _leaky_relu_slope(a):
    return np.where(a > 0, 1.0, 0.01)


@dataclass(frozen=True)
class _Activation:
    """An activation as generated code applies it and as a student differentiates it."""

    name: str  # σ, tanh, ReLU
    code: str  # a regex of its generated code, its input as group 1: _k.sigmoid(s_o)
    slope_code: str  # a regex of its derivative from its output {a} in generated code: o*(1 - o)
    slope_text: str  # that derivative for reading: o(1−o)
    slope: object  # the derivative from the output a
    slope_at: object  # the derivative from the input s


_ACTIVATIONS = (
    _Activation("σ", r"_k\.sigmoid\((\w+)\)", r"\b{a}\*\(1 - {a}\)|\(1 - {a}\)\*{a}\b", "{a}(1−{a})",
                _sigmoid_slope, _sigmoid_slope_at),
    _Activation("tanh", r"numpy\.tanh\((\w+)\)", r"\(1 - {a}\*\*2\)", "1−{a}²", _tanh_slope, _tanh_slope_at),
    _Activation("ReLU", r"numpy\.maximum\((\w+), 0\.0\)", r"numpy\.heaviside\(", "[{a} > 0]", _relu_slope,
                _relu_slope),
    _Activation("LeakyReLU", r"_k\.leaky_relu\((\w+)\)", r"numpy\.heaviside\(", "(1 if {a} > 0 else 0.01)",
                _leaky_relu_slope, _leaky_relu_slope),
)


def activation(context: _Context) -> Slip | None:
    """A gate's or layer's local derivative taken from another activation (σ′, tanh′, ReLU′).

    The quantity's formula holds the derivative of an activation as a factor (``o*(1 - o)``
    for o = σ(s_o)); the candidate is the value with that factor replaced by another
    activation's derivative, from the output (1 − o²) or from the input (tanh′(s_o)).
    """
    if context.function is None:
        return None
    source = _source(context.function)
    if source is None:
        return None
    worked = context.worked
    for output in context.arguments:
        found = _activation_of(worked.rule, output)
        if found is None or np.shape(worked.exact[output]) != context.given.shape:
            continue
        right, pre = found
        if not re.search(right.slope_code.format(a=re.escape(naming.python_name(output))), source):
            continue
        for values, reference in _paired(context):
            a = np.asarray(values[output], dtype=float)
            with np.errstate(all="ignore"):
                slope = right.slope(a)
                # first: no slope at all, the chain rule stopped at the activation's output (ReLU′ = 1 above 0)
                candidate = np.where(slope != 0, reference / np.where(slope != 0, slope, 1), np.nan)
                if right.name != "ReLU" and context.fits(candidate):
                    return Slip("missing_slope", Text("missing_slope", output=output, activation=right.name, pre=pre,
                                                      right=right.slope_text.format(a=output)))
                for other in _ACTIVATIONS:
                    if other is right:
                        continue
                    tries = [(other.slope(a), other.slope_text.format(a=output)),
                             (other.slope_at(worked.exact[pre]), f"{other.name}′({pre})")]
                    for used, text in tries:
                        candidate = np.where(slope != 0, reference * used / np.where(slope != 0, slope, 1), np.nan)
                        if context.fits(candidate):
                            return Slip("activation", Text(
                                "activation", used=text, alternative=other.name, output=output,
                                activation=right.name, pre=pre, right=right.slope_text.format(a=output)))
    return None


def _paired(context: _Context):
    """(argument values, the matching reference): exact with exact, the student's with recomputed."""
    sets = context.argument_sets()
    pairs = [(sets[0], context.exact)] if sets else []
    if len(sets) > 1 and len(context.references) > 1:
        pairs.append((sets[1], context.references[1]))
    return pairs


def _activation_of(rule, name: str):
    """(activation, the name of its input) when ``name`` is an activation of one quantity, else None."""
    if name not in rule.from_dependencies:
        return None
    function, arguments = rule.from_dependencies[name]
    if len(arguments) != 1:
        return None
    body = _return_text(function) or ""
    for kind in _ACTIVATIONS:
        match = re.fullmatch(kind.code, body)
        if match and match[1] == naming.python_name(arguments[0]) and arguments[0] in rule.quantities:
            return kind, arguments[0]
    return None


def missing_term(context: _Context) -> Slip | None:
    """One additive term of the quantity's formula missing, with its sign flipped, or off by a factor."""
    if context.function is None:
        return None
    parsed = _parsed(context.function)
    if parsed is None:
        return None
    definition, terms = parsed
    factors = [(0.0, None), (-1.0, None)] + _factors(context)
    pairs = _paired(context)
    names = {naming.python_name(a): a for a in context.arguments}
    for position, negative in terms[:MAX_TERMS]:
        function = _with_term_scaled(context.function, definition, position)
        if function is None:
            continue
        for values, _reference in pairs:
            hit = _first_scaled_fit(context, function, values, [value for value, _ in factors])
            if hit is None:
                continue
            value, text = factors[hit]
            term = ("−" if negative else "") + _term_text(definition, position, names)
            if value == 0.0:
                return Slip("missing_term", Text("missing_term", term=term))
            if value == -1.0:
                return Slip("term_sign", Text("term_sign", term=term))
            return Slip("term_factor", Text("term_factor", term=term, factor=text))
    return None


def _first_scaled_fit(context: _Context, function, values: dict, scales: list) -> int | None:
    """The first of ``scales`` whose scaled formula fits: every scale a row of one batched call
    (:func:`_slip_scaled`), or, where the term cannot carry a batch of scales, one call each."""
    batched = np.asarray(scales, dtype=float)
    try:
        out = np.asarray(function(**{_python(k): np.asarray(v, dtype=float)[None] for k, v in values.items()},
                                  _slip_scale=batched), dtype=float)
    except (_NotBatched, ArithmeticError, ValueError, TypeError, IndexError, KeyError, NameError, AttributeError):
        out = None
    if out is not None and out.shape == (len(scales),) + context.given.shape:
        return context.first_fit(out)
    for position, scale in enumerate(scales):
        candidate = context.evaluate(function, values, _slip_scale=scale)
        if candidate is not None and context.fits(candidate):
            return position
    return None


class _NotBatched(Exception):
    """A term that is not an array of one example (a constant): scaled one scale at a time."""


def _slip_scaled(scale, term):
    """``scale * term``; a vector of scales makes a batch of them, one per row of ``term``'s batch axis."""
    if np.ndim(scale) == 0:
        return scale * term
    if np.ndim(term) == 0 or np.shape(term)[0] != 1:
        raise _NotBatched
    return np.reshape(scale, (-1,) + (1,) * (np.ndim(term) - 1)) * term


def wrong_value(context: _Context) -> Slip | None:
    """The value of another quantity (another time step's first) or of an input; or computed from one.

    "Computed from one": the quantity's formula with one of its arguments replaced by
    the same quantity at another time step (h_2 where h_1 belongs).
    """
    worked = context.worked
    name = context.name
    stem, step = _time_step(name)
    order = [q for q in worked.rule.quantities if q != name]
    if step is not None:
        order.sort(key=lambda q: _time_step(q)[0] != stem)  # the same quantity at another time step first
    if context.function is not None:
        for values in context.argument_sets():
            for argument in context.arguments:
                argument_stem, argument_step = _time_step(argument)
                if argument_step is None:
                    continue
                for other in worked.rule.quantities + tuple(worked.inputs):
                    other_stem, other_step = _time_step(other)
                    if other_stem != argument_stem or other_step in (None, argument_step):
                        continue
                    value = worked.inputs[other] if other in worked.inputs else worked.exact.get(other)
                    if value is None or np.shape(value) != np.shape(values[argument]):
                        continue
                    candidate = context.evaluate(context.function, {**values, argument: value})
                    if candidate is not None and context.fits(candidate):
                        return Slip("wrong_value", Text("wrong_argument", other=other, argument=argument))
    shape = context.given.shape
    candidates = [(other, value) for other in order
                  for value in (worked.exact.get(other), getattr(worked.answers.get(other), "values", None))
                  if value is not None and np.shape(value) == shape]
    inputs = [(other, value) for other, value in worked.inputs.items() if np.shape(value) == shape]
    hit = _first_nonzero_fit(context, [v for _, v in candidates + inputs])
    if hit is None:
        return None
    other = (candidates + inputs)[hit][0]
    if hit >= len(candidates):
        return Slip("wrong_value", Text("wrong_input", other=other, name=name))
    other_stem, other_step = _time_step(other)
    if step is not None and other_stem == stem and other_step is not None:
        key = "wrong_step_earlier" if other_step < step else "wrong_step_later"
        return Slip("wrong_value", Text(key, other=other))
    return Slip("wrong_value", Text("wrong_value", other=other, name=name))


def _first_nonzero_fit(context: _Context, values: list) -> int | None:
    """The first of ``values`` that is not zero within the tolerance and fits (:meth:`_Context.first_fit`)."""
    if not values:
        return None
    stacked = np.asarray(values, dtype=float)
    rows = (len(values), -1)
    zero = (np.abs(stacked) <= context.tolerance).reshape(rows).all(axis=1)
    close = (np.abs(context.given - stacked) <= context.tolerance).reshape(rows).all(axis=1)
    hits = np.flatnonzero(close & ~zero)
    return int(hits[0]) if hits.size else None


@functools.lru_cache(maxsize=4096)
def _time_step(name: str):
    """('h_', 2) for h_2 and dL/dh_2; (name, None) without a trailing step number."""
    match = re.fullmatch(r"(.*_)(\d+)", name)
    return (match[1], int(match[2])) if match else (name, None)


#: The detectors in the order they are tried: the first that fits names the slip.
DETECTORS = (truncated, too_few_digits, convention, sign, log_base, factor, transposed, swapped, activation,
             window, missing_term, wrong_value)


# -- reading a generated function's formula ----------------------------------------

_python = functools.lru_cache(maxsize=4096)(naming.python_name)


@functools.lru_cache(maxsize=512)
def _source(function) -> str | None:
    try:
        return textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None


def _return_text(function) -> str | None:
    parsed = _parsed(function)
    return ast.unparse(parsed[0].body[-1].value) if parsed else None


@functools.lru_cache(maxsize=512)
def _parsed(function):
    """(the function's definition, its additive terms as (position in ``ast.walk`` order, subtracted)), or None."""
    source = _source(function)
    if source is None:
        return None
    try:
        definition = ast.parse(source).body[0]
    except SyntaxError:
        return None
    if not isinstance(definition, ast.FunctionDef) or not isinstance(definition.body[-1], ast.Return):
        return None
    expression = definition.body[-1].value
    leaves: list = []
    _collect_terms(expression, leaves)
    nodes = list(ast.walk(expression))
    terms = [(nodes.index(n), negative) for n, negative in leaves
             if not (isinstance(n, ast.Constant) and n.value == 0)]
    return definition, tuple(terms)


def _is_sum(node) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))


def _collect_terms(node, out: list, negative: bool = False) -> None:
    """(term, subtracted) for the operands of every sum, however deep (not in slices, not keywords)."""
    if _is_sum(node):
        for side, flip in ((node.left, False), (node.right, isinstance(node.op, ast.Sub))):
            if _is_sum(side):
                _collect_terms(side, out, negative != flip)
            else:
                out.append((side, negative != flip))
                _collect_terms(side, out)
        return
    if isinstance(node, ast.Subscript):
        _collect_terms(node.value, out)
        return
    if isinstance(node, ast.Call):
        for argument in node.args:
            _collect_terms(argument, out)
        return
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.keyword):
            _collect_terms(child, out)


@functools.lru_cache(maxsize=2048)
def _with_term_scaled(function, definition, position: int):
    """A copy of ``function`` whose term at ``position`` is multiplied by its new argument ``_slip_scale``
    (a number, or a vector of them for a batch: :func:`_slip_scaled`)."""
    copied = copy.deepcopy(definition)
    expression = copied.body[-1].value
    target = list(ast.walk(expression))[position]
    scaled = ast.Call(func=ast.Name("_slip_scaled", ast.Load()), args=[ast.Name("_slip_scale", ast.Load()), target],
                      keywords=[])
    if expression is target:
        copied.body[-1].value = scaled
    else:
        for parent in ast.walk(expression):
            for field_name, value in ast.iter_fields(parent):
                if value is target:
                    setattr(parent, field_name, scaled)
                elif isinstance(value, list) and any(v is target for v in value):
                    setattr(parent, field_name, [scaled if v is target else v for v in value])
    copied.decorator_list = []
    copied.args.kwonlyargs.append(ast.arg("_slip_scale"))
    copied.args.kw_defaults.append(ast.Constant(1.0))
    module = ast.fix_missing_locations(ast.Module(body=[copied], type_ignores=[]))
    namespace = {**function.__globals__, "_slip_scaled": _slip_scaled}
    try:
        exec(compile(module, "<derive.check.slips>", "exec"), namespace)  # noqa: S102 - derive's own generated source
    except (SyntaxError, ValueError, TypeError):
        return None
    return namespace[copied.name]


def _term_text(definition, position: int, names: dict) -> str:
    """A term as a student reads it: ``2*lam*w`` -> ``2·lam·w``; ``dL_dh`` -> ``dL/dh``."""
    node = list(ast.walk(definition.body[-1].value))[position]
    text = ast.unparse(node)
    text = re.sub(r"\[\.\.\.(?:, None)+\]", "", text)
    text = re.sub(r"\b(?:numpy|_k)\.", "", text)
    text = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: names.get(m[0], m[0]), text)
    text = re.sub(r"\s*\*\*\s*", "^", text)
    return re.sub(r"\s*\*\s*", "·", text)


__all__ = ["DETECTORS", "KINDS", "Finding", "Slip", "explain", "no_negative_zero", "number_text"]
