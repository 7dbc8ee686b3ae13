r"""Reading worked-example and derivation files without losing what was written.

How it works
------------
PyYAML's loaders turn ``0.60`` into the float 0.6, and the precision the student
wrote is gone. So a file is only *composed* (YAML's node graph, which keeps every
scalar's source text), never constructed: :func:`read_yaml` walks the nodes
itself and returns dicts, lists and :class:`Scalar` objects holding the text.
The walk is also the safety net: a node met twice is an alias (``*name``, the
root of "billion laughs" bombs) and is refused before anything is expanded; any
tag other than the plain ones (``!!python/object``...) is refused; so are
duplicate keys, nesting deeper than a worked example needs, files over 1 MB and
text that is not UTF-8.

Example: ``answers: {L: 0.60}`` gives ``Scalar(text="0.60")``; :func:`written_number`
reads it as the value 0.6 with the uncertainty 0.005 (half a unit of its last digit).

A worked file is then checked against the *numeric* view of its rule, the
generated module ``derive.numpy.<rule>`` that :func:`derive.registry.numeric`
gives for a registered rule (its batched function, ``INPUTS``, ``DOMAINS``,
``QUANTITIES`` and ``FROM_DEPENDENCIES``), so that a file of plain numbers is
checked without importing SymPy. Each input must lie in its domain (a one-hot
target, a probability in [0, 1]...; :mod:`derive.engine.domains`): a value outside
is refused with the field named, never judged. Quoted answers are LaTeX and bring in the
LaTeX adapter (and SymPy) the first time one is met; so does a ``conventions:`` block, whose
rule is built in that convention (:mod:`derive.check.conventions`).

Precision policy
----------------
* ``0.60``, ``-1.25``, ``.5``, ``3.``: half a unit of the last written decimal
  (0.005, 0.005, 0.05, 0.5).
* ``1.5e-3``, ``2e-3``: half a unit of the mantissa's last digit, scaled
  (0.5e-4, 0.5e-3): scientific notation always signals a rounded number.
* ``1``, ``0``, ``-2``: a whole number without a decimal point is exact (a
  student who rounds writes ``1.0``).
* a quoted LaTeX answer is exact, except for the decimal numbers written inside
  it, whose rounding is propagated: ``-\log 0.54`` carries ± 0.005 / 0.54.
* ``tolerance: {abs: a, rel: r}`` replaces all of this with a + r·|value|.
Every comparison also allows 1e-9 relative (float64 round-off).
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import operator
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import yaml

from derive import naming, registry
from derive.check.conventions import declaration, declared_module
from derive.check.slips import KINDS
from derive.engine.domains import Real, by_kind
from derive.errors import InputError, TooComplex

MAX_BYTES = 1_000_000
MAX_DEPTH = 8
MAX_NUMBERS = 10_000
MAX_LINES = 50
LATEX_SECONDS = 10.0
MAX_LITERALS = 20

STATUSES = ("correct", "carried", "wrong")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null")}
#: Tags YAML gives plain scalars by itself (2001-12-14, <<, =); they are read as text.
_IMPLICIT_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("timestamp", "merge", "value", "yaml")}
_KNOWN_TAGS = _PLAIN_TAGS | _IMPLICIT_TAGS
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# -- the YAML layer ----------------------------------------------------------------

@dataclass(frozen=True)
class Scalar:
    """One scalar as written in the file."""

    text: str
    quoted: bool
    tag: str

    @property
    def is_null(self) -> bool:
        return not self.quoted and bool(_NULL.match(self.text))


def read_yaml(path: Path):
    """The file's content as dicts, lists and :class:`Scalar`; InputError for anything unsafe."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"the file is too large ({size} bytes, at most {MAX_BYTES})", path=where)
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror})", path=where) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
                         path=where) from None
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise InputError("the file is binary, not YAML text (it contains NUL bytes)", path=where)
    if not text.strip():
        raise InputError("the file is empty; expected a worked example (rule, inputs, answers) "
                         "or a derivation (lines)", path=where)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        raise InputError(f"not valid YAML: {_yaml_problem(error)}", path=where) from None
    except RecursionError:
        raise InputError("not valid YAML: nested too deeply", path=where) from None
    if node is None:
        raise InputError("the file is empty (only comments); expected a mapping of fields", path=where)
    return _Walk(where).value(node, "", 0)


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    mark = getattr(error, "problem_mark", None)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else problem


class _Walk:
    def __init__(self, where: str):
        self.where = where
        self.seen: set[int] = set()

    def fail(self, field_name: str, message: str):
        raise InputError(message, path=self.where, field=field_name or None)

    def value(self, node, field_name: str, depth: int):
        if id(node) in self.seen:
            self.fail(field_name, "YAML aliases (*name) are not allowed; write the value out")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.fail(field_name, f"nested too deeply (more than {MAX_DEPTH} levels)")
        if node.tag not in _KNOWN_TAGS:
            self.fail(field_name, f"YAML tags ({node.tag}) are not allowed")
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(field_name, "expected plain names as keys")
                key = key_node.value
                here = f"{field_name}.{key}" if field_name else key
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(here, "merge keys (<<) are not allowed")
                if key in out:
                    self.fail(here, "the key is given twice")
                out[key] = self.value(value_node, here, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, f"{field_name}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        return Scalar(node.value, node.style in ("'", '"', "|", ">"), node.tag)


def plain(item):
    """YAML as :func:`read_yaml` reads it (scalars keep their text) as plain Python values, each
    scalar by the type YAML resolves for it: 0.5 a float, 2 an int, true a bool, ~ None, a
    quoted or other text a str (the instructors' files: a scheme, a course's feedback)."""
    if isinstance(item, dict):
        return {str(k): plain(v) for k, v in item.items()}
    if isinstance(item, list):
        return [plain(v) for v in item]
    if not isinstance(item, Scalar):
        return item
    kind = item.tag.rpartition(":")[2]
    if kind in ("int", "float"):
        return yaml.safe_load(item.text)
    if kind == "bool":
        return item.text.lower() in ("true", "yes", "on")
    return None if kind == "null" else item.text


# -- numbers as written ------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    """One number of an answer: its value and the uncertainty its writing implies."""

    value: float
    uncertainty: float
    text: str


def describe(item) -> str:
    if isinstance(item, Scalar):
        return "nothing" if item.is_null else repr(item.text)
    if isinstance(item, dict):
        return "a mapping"
    if isinstance(item, list):
        return f"a list of {len(item)}"
    return type(item).__name__


def written_number(item, where: str, field_name: str, *, latex: bool = True) -> Written:
    """A number as the student wrote it (plain, or a quoted LaTeX formula when ``latex``)."""
    def fail(message):
        raise InputError(message, path=where, field=field_name)
    if not isinstance(item, Scalar):
        fail(f"expected a number, got {describe(item)}")
    text = item.text.strip()
    if not item.quoted:
        if item.is_null:
            fail("expected a number, got nothing")
        if item.tag == "tag:yaml.org,2002:bool":
            fail(f"expected a number, got the boolean {text!r}")
        if text.lower().lstrip("+-.") in ("nan", "inf", "infinity"):
            fail(f"expected a finite number, got {text!r}")
        if _NUMBER.match(text):
            return _plain_number(text, fail)
        # YAML reads 0o17, 2024-01-01 or 1_000 as something else than the student meant:
        # a formula must be quoted, so an unquoted non-number is refused, never guessed.
        fail(f"expected a number written in decimal (like 0.25, -3 or 1.5e-3) or a LaTeX formula "
             f"in quotes, got {text!r}")
    if _NUMBER.match(text):  # "0.60" quoted: a LaTeX number that is just a number (no parser needed)
        return _plain_number(text, fail)
    if not latex:
        fail(f"expected a number (like 0.25, -3 or 1.5e-3), got {text!r}")
    return latex_number(text, where, field_name)


def _plain_number(text: str, fail) -> Written:
    if len(text) > 100:
        fail("the number is written with too many digits (at most 100 characters)")
    mantissa, _, exponent = text.lower().partition("e")
    power = int(exponent) if exponent else 0
    if abs(power) > 300:
        fail(f"the number {text} is out of range")
    value = float(text)
    if not math.isfinite(value):
        fail(f"the number {text} is out of range")
    if "." in mantissa:
        decimals = len(mantissa.partition(".")[2])
        uncertainty = 0.5 * 10.0 ** (power - decimals)
    else:
        uncertainty = 0.5 * 10.0 ** power if exponent else 0.0
    return Written(value, uncertainty, text)


_DECIMAL_LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+)(?:e([+-]?\d+))?(?![\w.])")


def latex_number(text: str, where: str, field_name: str) -> Written:
    r"""A quoted answer: a LaTeX formula without variables (``\frac{1}{2}``, ``-\log 0.7``, ``e^{-1}``).

    Imports the LaTeX adapter (and SymPy) on first use. The decimal numbers written
    in the formula carry their rounding, propagated through the formula: each one is
    read as a placeholder symbol, moved by ± half a unit of its last digit, and the
    moves of the value add up (``-\log(1 - 0.27)`` = 0.3147 ± 0.005/0.73).
    """
    import sympy as sp

    from derive.engine.budget import time_budget
    from derive.latex.adapter import parse_latex

    label = f"{where}: field '{field_name}'"
    expr = parse_latex(text, where=label)
    # Read from the text too: SymPy drops a variable multiplied by zero (0 o 17 is 0).
    commands = re.sub(r"\\(?:operatorname|text|mathrm)\s*\{[^{}]*\}|\\[A-Za-z]+", "", text)
    written = set(re.findall(r"[A-DF-Za-df-z]", commands))
    free = sorted({str(s) for s in expr.free_symbols} | written)
    if free:
        raise InputError(f"expected a number, but the formula has the variables {', '.join(free)}",
                         path=where, field=field_name)
    literals = list(_DECIMAL_LITERAL.finditer(text))[:MAX_LITERALS]
    try:
        with time_budget(LATEX_SECONDS):
            value = _float(expr)
            uncertainty = 0.0
            if literals:
                # The same formula with each decimal as a symbol Q_i (the text has no symbols of its own).
                marked, values, halves, last = [], {}, {}, 0
                for number, m in enumerate(literals, start=1):
                    symbol = sp.Symbol(f"Q_{number}", real=True)
                    marked += [text[last:m.start()], f" Q_{{{number}}} "]
                    last = m.end()
                    mantissa, power = m[1], int(m[2] or 0)
                    values[symbol] = sp.Rational(mantissa) * sp.Rational(10) ** power
                    halves[symbol] = sp.Rational(5, 10 ** (len(mantissa.partition(".")[2]) + 1)) \
                        * sp.Rational(10) ** power
                marked.append(text[last:])
                symbolic = parse_latex("".join(marked), where=label)
                for symbol, half in halves.items():
                    uncertainty += max(abs(_float(symbolic.xreplace({**values, symbol: values[symbol] + shift}))
                                           - value) for shift in (half, -half))
    except TooComplex:
        raise TooComplex(f"{label}: evaluating the formula took too long (over {LATEX_SECONDS:g} s)") from None
    except (OverflowError, ValueError, TypeError, ZeroDivisionError, RecursionError, MemoryError):
        raise InputError("the formula has no finite real value", path=where, field=field_name) from None
    if not math.isfinite(value) or not math.isfinite(uncertainty):
        raise InputError("the formula has no finite real value", path=where, field=field_name)
    return Written(value, uncertainty, text)


def _float(expr) -> float:
    value = expr.evalf(30)
    if not value.is_real or not value.is_finite:
        raise ValueError("not a finite real number")
    return float(value)


# -- the numeric view of a rule ----------------------------------------------------

@dataclass
class NumericRule:
    """A rule as its generated NumPy module sees it: no SymPy needed."""

    name: str
    function: object
    inputs: dict  # name -> tuple of size expressions ('K',), ('H', 'H + D')
    defaults: dict  # input name -> default value
    quantities: tuple  # in dependency order
    from_dependencies: dict  # quantity -> (function, argument names)
    domains: dict = field(default_factory=dict)  # input name -> domain (derive.engine.domains)

    def evaluate(self, inputs: dict) -> dict:
        """Every quantity at one point (no batch axis)."""
        batched = {naming.python_name(k): np.asarray(v, dtype=float)[None] for k, v in inputs.items()}
        with np.errstate(all="ignore"):
            out = self.function(**batched)
        return {k: np.asarray(v, dtype=float)[0] for k, v in out.items()}


def numeric_rule(name: str, where: str, field_name: str = "rule") -> NumericRule:
    """The numeric view of the registered rule ``name``; an unknown name is an InputError."""
    return numeric_view(name, registry.numeric(name, path=where, field=field_name))


@functools.cache
def numeric_view(name: str, module) -> NumericRule:
    """The numeric view of a generated module of the rule ``name`` (the registered one, or a
    convention's variant: :mod:`derive.check.conventions`). Built once per module: every file of
    the rule shares it (reading a signature costs more than checking a small file), and the
    batch path (:mod:`derive.check.batch`) groups files by it."""
    function = getattr(module, name)
    defaults = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.default is not inspect.Parameter.empty:
            defaults[parameter.name] = parameter.default
    defaults = {n: defaults[naming.python_name(n)] for n in module.INPUTS if naming.python_name(n) in defaults}
    domains = {n: by_kind(kind) for n, kind in module.DOMAINS.items()}
    return NumericRule(name, function, dict(module.INPUTS), defaults, tuple(module.QUANTITIES),
                       dict(module.FROM_DEPENDENCIES), domains)


# -- worked-example files ----------------------------------------------------------

@dataclass
class Answer:
    name: str
    values: np.ndarray
    uncertainty: np.ndarray
    texts: np.ndarray  # object array of the texts as written


@dataclass
class Tolerance:
    abs: float = 0.0
    rel: float = 0.0


@dataclass
class WorkedFile:
    path: str
    rule: NumericRule
    title: str
    inputs: dict  # name -> float array (every input, defaults filled in)
    answers: dict  # quantity -> Answer, in the rule's order
    exact: dict  # quantity -> float array
    tolerance: Tolerance | None = None
    expect: dict | None = None
    conventions: dict = field(default_factory=dict)  # the file's declared conventions, {key: value}


@dataclass
class Line:
    latex: str
    why: str
    field: str


@dataclass
class DerivationFile:
    path: str
    rule: str | None
    quantity: str | None
    title: str
    lines: list = field(default_factory=list)
    expect: dict | None = None
    conventions: dict = field(default_factory=dict)  # the file's declared conventions, {key: value}


def load_file(path) -> WorkedFile | DerivationFile:
    """Read and validate one file; every problem is an InputError naming the file and the field."""
    where, top = read_top(path)
    if "lines" in top:
        return _derivation(where, top)
    return _worked(where, top)


def read_top(path) -> tuple[str, dict]:
    """The file's name as reports give it, and its fields (an InputError unless a mapping)."""
    path = Path(path)
    top = read_yaml(path)
    where = str(path)
    if not isinstance(top, dict):
        raise InputError(f"expected a mapping of fields (rule, inputs, answers for a worked example; "
                         f"lines for a derivation), got {describe(top)}", path=where)
    return where, top


def plain_numbers(top: dict) -> bool:
    """Whether checking the file needs NumPy alone: a worked file of a registered rule, without
    ``conventions:``, whose answers are plain numbers (a quoted one that is just a number counts).
    A derivation, a model file, a declared convention or a LaTeX answer brings in SymPy."""
    if "lines" in top or "model" in top or "conventions" in top:
        return False
    answers = top.get("answers")
    if not isinstance(answers, dict):
        return True  # unusable, and said so without SymPy
    pending = list(answers.values())
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending += item
        elif isinstance(item, Scalar) and item.quoted and not _NUMBER.match(item.text.strip()):
            return False
    return True


def _text(item, where, field_name, *, required=True) -> str | None:
    if item is None and not required:
        return None
    if not isinstance(item, Scalar) or item.is_null:
        if not required and isinstance(item, Scalar):
            return None
        raise InputError(f"expected a text, got {describe(item)}", path=where, field=field_name)
    return item.text


def _mapping(top, key, where, *, required=True) -> dict | None:
    if key not in top:
        if required:
            raise InputError(f"missing field '{key}'", path=where)
        return None
    value = top[key]
    if not isinstance(value, dict):
        raise InputError(f"expected a mapping, got {describe(value)}", path=where, field=key)
    return value


def _worked(where: str, top: dict) -> WorkedFile:
    head = worked_head(where, top)
    with np.errstate(all="ignore"):
        exact = head.rule.evaluate(head.inputs)
    return worked_tail(head, exact)


@dataclass
class WorkedHead:
    """A worked file read up to its inputs: what the exact values need. The batch path
    (:mod:`derive.check.batch`) evaluates the exact values of many heads in one call, then
    finishes each with :func:`worked_tail`, so that every message stays the same."""

    path: str
    top: dict
    rule: NumericRule
    title: str
    inputs: dict
    conventions: dict


def worked_head(where: str, top: dict) -> WorkedHead:
    """The rule, the title and the inputs of a worked file (InputError naming the field)."""
    if "model" in top:  # your own network: its rule is built from the model (SymPy)
        from derive.model.files import model_of, numeric_module, rule_name

        rule = numeric_view(rule_name(where), numeric_module(top, where))
        conventions = {}
        if "conventions" in top:
            conventions = declaration(top["conventions"], where)
        model_of(top, where)
    else:
        if "rule" not in top:
            raise InputError("missing field 'rule' (a name from `derive list`) or 'model' (your own network)",
                             path=where)
        rule = numeric_rule(_text(top["rule"], where, "rule"), where)
        conventions = declaration(top["conventions"], where) if "conventions" in top else {}
        if conventions:  # the rule in another convention: built from the SymPy rule
            rule = numeric_view(rule.name, declared_module(rule.name, conventions, where))
    title = _text(top.get("title"), where, "title", required=False) or ""
    inputs = _inputs(rule, _mapping(top, "inputs", where), where)
    return WorkedHead(where, top, rule, title, inputs, conventions)


def worked_tail(head: WorkedHead, exact: dict) -> WorkedFile:
    """The worked file, its answers read against the exact values (their shapes, their finiteness)."""
    where, top, rule, inputs = head.path, head.top, head.rule, head.inputs
    raw_answers = _mapping(top, "answers", where)
    if not raw_answers:
        raise InputError("expected at least one answer", path=where, field="answers")
    answers = {}
    counted = sum(v.size for v in inputs.values())
    for name, value in raw_answers.items():
        here = f"answers.{name}"
        if name not in rule.quantities:
            if name in rule.inputs:
                raise InputError(f"{name!r} is an input of {rule.name}, not a quantity to answer",
                                 path=where, field=here)
            raise InputError(f"{rule.name} has no quantity {name!r} (its quantities: "
                             f"{', '.join(rule.quantities)})", path=where, field=here)
        shape = exact[name].shape
        answer = _answer(name, value, shape, where, here)
        counted += answer.values.size
        if counted > MAX_NUMBERS:
            raise InputError(f"too many numbers (at most {MAX_NUMBERS} in a worked example)", path=where, field=here)
        if not np.all(np.isfinite(exact[name])):
            raise InputError(f"{name} is not finite at these inputs; check the inputs", path=where, field="inputs")
        answers[name] = answer
    answers = {q: answers[q] for q in rule.quantities if q in answers}
    return WorkedFile(where, rule, head.title, inputs, answers, exact,
                      _tolerance(top, where), _worked_expectation(top, answers, where), head.conventions)


def _inputs(rule: NumericRule, raw: dict, where: str) -> dict:
    for name in raw:
        if name not in rule.inputs:
            raise InputError(f"{name!r} is not an input of {rule.name} (its inputs: {', '.join(rule.inputs)})",
                             path=where, field=f"inputs.{name}")
    missing = [n for n in rule.inputs if n not in raw and n not in rule.defaults]
    if missing:
        shapes = ", ".join(f"{n} ({_shape_words(rule.inputs[n])})" for n in missing)
        raise InputError(f"missing {shapes}", path=where, field="inputs")
    arrays = {}
    for name, value in raw.items():
        arrays[name] = _input_array(rule, name, value, where)
    if sum(a.size for a in arrays.values()) > MAX_NUMBERS:
        raise InputError(f"too many numbers (at most {MAX_NUMBERS} in a worked example)", path=where, field="inputs")
    sizes = _bind_sizes(rule, arrays, where)
    for name, dims in rule.inputs.items():
        if name not in arrays:  # an optional input: its default, in its full shape
            shape = tuple(size_of(d, sizes) for d in dims)
            if any(n is None for n in shape):
                raise InputError(f"cannot tell the size of the default {name} from the inputs given",
                                 path=where, field="inputs")
            arrays[name] = np.full(shape, rule.defaults[name], dtype=float)
    return {n: arrays[n] for n in rule.inputs}


def _shape_words(shape) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]} numbers"
    return f"{shape[0]} rows of {shape[1]} numbers" if len(shape) == 2 else f"an array of shape {shape}"


#: The most axes an input or answer has: a convolution's kernels (out channels, in channels, K, K).
MAX_RANK = 4


def _nested(value, where, field_name, depth=0):
    """Nested lists of Scalars -> (flat list of (Scalar, field), shape)."""
    if isinstance(value, list):
        if not value:
            raise InputError("expected numbers, got an empty list", path=where, field=field_name)
        if depth >= MAX_RANK:
            raise InputError("expected a number or lists nested at most four deep (a kernel's four axes)",
                             path=where, field=field_name)
        parts = [_nested(v, where, f"{field_name}[{i}]", depth + 1) for i, v in enumerate(value)]
        shapes = {p[1] for p in parts}
        if len(shapes) > 1:
            raise InputError("the rows have different lengths (or mix numbers and lists)", path=where,
                             field=field_name)
        return [item for p in parts for item in p[0]], (len(value),) + parts[0][1]
    if isinstance(value, dict):
        raise InputError("expected a number or a list of numbers, got a mapping", path=where, field=field_name)
    return [(value, field_name)], ()


def _input_array(rule: NumericRule, name: str, value, where: str) -> np.ndarray:
    """The input ``name`` as numbers, refused (naming the number or the vector) outside its domain."""
    field_name = f"inputs.{name}"
    items, shape = _nested(value, where, field_name)
    if len(items) > MAX_NUMBERS:
        raise InputError(f"too many numbers (at most {MAX_NUMBERS})", path=where, field=field_name)
    numbers = [written_number(s, where, f, latex=False) for s, f in items]
    values = np.asarray([n.value for n in numbers], dtype=float).reshape(shape)
    slack = np.asarray([n.uncertainty for n in numbers], dtype=float).reshape(shape)
    domain = rule.domains.get(name, Real())
    holds = np.asarray(domain.holds(values, slack))
    if not holds.all():
        index = tuple(int(i) for i in np.argwhere(~holds)[0])
        texts = np.asarray([n.text for n in numbers], dtype=object).reshape(shape)
        raise InputError(f"expected {domain.expected}, got {_written(texts[index])}", path=where,
                         field=field_name + "".join(f"[{i}]" for i in index))
    return values


def _written(texts) -> str:
    """Numbers as the file wrote them: 0.5, or [1, 1, 0]."""
    if isinstance(texts, np.ndarray):
        return "[" + ", ".join(_written(t) for t in texts) + "]"
    return str(texts)


def size_of(expression: str, sizes: dict) -> int | None:
    """Evaluate a size such as 'K', 'H + D', '2*H' or 'floor(H/2 - K/2) + 2' (a window count) at the
    bound sizes (None if one is unknown). The text is a rule's own shape, read as arithmetic on
    sizes (never evaluated as Python)."""
    try:
        value = _size_value(ast.parse(expression, mode="eval").body, sizes)
    except (SyntaxError, ValueError):
        return None
    return None if value is None or value.denominator != 1 else int(value)


_SIZE_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _size_value(node, sizes: dict) -> Fraction | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return Fraction(node.value)
    if isinstance(node, ast.Name):
        return Fraction(sizes[node.id]) if node.id in sizes else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _size_value(node.operand, sizes)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp) and type(node.op) in _SIZE_OPERATORS:
        left, right = _size_value(node.left, sizes), _size_value(node.right, sizes)
        return None if left is None or right is None else _SIZE_OPERATORS[type(node.op)](Fraction(left), right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "floor" \
            and len(node.args) == 1 and not node.keywords:
        inner = _size_value(node.args[0], sizes)
        return None if inner is None else Fraction(math.floor(inner))
    raise ValueError(f"not a size: {ast.dump(node)}")


def _bind_sizes(rule: NumericRule, arrays: dict, where: str) -> dict:
    sizes: dict[str, int] = {}
    source: dict[str, str] = {}
    for name, array in arrays.items():
        expected = rule.inputs[name]
        if array.ndim != len(expected):
            raise InputError(f"expected {_shape_words(expected)}, got {_shape_words(array.shape)}",
                             path=where, field=f"inputs.{name}")
        for axis, dim in enumerate(expected):
            if re.fullmatch(r"[A-Za-z_]\w*", dim) and dim not in sizes:
                sizes[dim], source[dim] = array.shape[axis], name
    for name, array in arrays.items():
        for axis, dim in enumerate(rule.inputs[name]):
            want = size_of(dim, sizes)
            if want is None:
                raise InputError(f"cannot tell the size {dim} from the inputs given", path=where,
                                 field=f"inputs.{name}")
            if want != array.shape[axis]:
                known = ", ".join(f"{d} = {sizes[d]} (from inputs.{source[d]})" for d in sizes if d in dim)
                raise InputError(f"expected {_shape_words(tuple(size_of(d, sizes) for d in rule.inputs[name]))} "
                                 f"({' x '.join(rule.inputs[name])}, with {known}), got "
                                 f"{_shape_words(array.shape)}", path=where, field=f"inputs.{name}")
    return sizes


def _answer(name, value, shape, where, field_name) -> Answer:
    items, given = _nested(value, where, field_name)
    if given != shape:
        raise InputError(f"expected {_shape_words(shape)} for {name}, got {_shape_words(given)}",
                         path=where, field=field_name)
    numbers = [written_number(s, where, f) for s, f in items]
    texts = np.empty(len(numbers), dtype=object)
    texts[:] = [n.text for n in numbers]
    return Answer(name, np.array([n.value for n in numbers], dtype=float).reshape(shape),
                  np.array([n.uncertainty for n in numbers], dtype=float).reshape(shape), texts.reshape(shape))


def _tolerance(top, where) -> Tolerance | None:
    raw = _mapping(top, "tolerance", where, required=False)
    if raw is None:
        return None
    if not raw or set(raw) - {"abs", "rel"}:
        raise InputError("expected {abs: number} and/or {rel: number}", path=where, field="tolerance")
    values = {}
    for key, item in raw.items():
        number = written_number(item, where, f"tolerance.{key}", latex=False).value
        if number < 0:
            raise InputError("expected a number >= 0", path=where, field=f"tolerance.{key}")
        values[key] = number
    return Tolerance(**values)


def _worked_expectation(top, answers, where) -> dict | None:
    raw = _mapping(top, "expect", where, required=False)
    if raw is None:
        return None
    expect = {}
    for key, item in raw.items():
        here = f"expect.{key}"
        if key == "first_error":
            name = _text(item, where, here, required=False)
            if name is not None and name not in answers:
                raise InputError(f"expected the name of an answered quantity or null, got {name!r}",
                                 path=where, field=here)
            expect[key] = name
        elif key == "statuses":
            if not isinstance(item, dict):
                raise InputError("expected a mapping quantity: status", path=where, field=here)
            statuses = {}
            for name, status in item.items():
                status_text = _text(status, where, f"{here}.{name}")
                if name not in answers:
                    raise InputError(f"{name!r} is not answered in this file", path=where, field=f"{here}.{name}")
                if status_text not in STATUSES:
                    raise InputError(f"expected one of {', '.join(STATUSES)}, got {status_text!r}",
                                     path=where, field=f"{here}.{name}")
                statuses[name] = status_text
            expect[key] = statuses
        elif key == "ok":
            expect[key] = _boolean(item, where, here)
        elif key in ("mistake", "note"):
            expect[key] = _text(item, where, here)
        elif key == "slips":
            expect[key] = _expected_slips(item, answers, where, here)
        elif key == "feedback":
            expect[key] = _expected_feedback(item, answers, where, here)
        else:
            raise InputError(f"unknown expectation {key!r} (known: first_error, statuses, ok, mistake, slips, "
                             "feedback)", path=where, field=here)
    return expect


def _expected_slips(item, answers, where, here) -> dict:
    """``slips: {dL/do: sign}``: the kind of slip the report must name for each answer listed."""
    if not isinstance(item, dict):
        raise InputError("expected a mapping quantity: kind of slip", path=where, field=here)
    slips = {}
    for name, kind in item.items():
        if name not in answers:
            raise InputError(f"{name!r} is not answered in this file", path=where, field=f"{here}.{name}")
        text = _text(kind, where, f"{here}.{name}", required=False)
        if text is not None and text not in KINDS:
            raise InputError(f"expected one of {', '.join(KINDS)} or null, got {text!r}", path=where,
                             field=f"{here}.{name}")
        slips[name] = text
    return slips


def _expected_feedback(item, answers, where, here) -> dict:
    """``feedback: {dL/do: gradient_backwards}``: the course's anticipated mistake (its id, or null)
    that must fit each answer listed, under ``derive check --feedback FILE``."""
    if not isinstance(item, dict):
        raise InputError("expected a mapping quantity: the id of a course's anticipated mistake", path=where,
                         field=here)
    expected = {}
    for name, value in item.items():
        if name not in answers:
            raise InputError(f"{name!r} is not answered in this file", path=where, field=f"{here}.{name}")
        expected[name] = _text(value, where, f"{here}.{name}", required=False)
    return expected


def _boolean(item, where, field_name) -> bool:
    if isinstance(item, Scalar) and not item.quoted and item.text.lower() in ("true", "false"):
        return item.text.lower() == "true"
    raise InputError(f"expected true or false, got {describe(item)}", path=where, field=field_name)


# -- derivation files --------------------------------------------------------------

def _derivation(where: str, top: dict) -> DerivationFile:
    rule = _text(top.get("rule"), where, "rule", required=False)
    if rule is not None and not _RULE_NAME.match(rule):
        raise InputError(f"expected a rule name from `derive list`, got {rule!r}", path=where, field="rule")
    quantity = _text(top.get("quantity"), where, "quantity", required=False)
    if quantity is not None and rule is None:
        raise InputError("a quantity to reach needs the rule it belongs to (field 'rule')", path=where,
                         field="quantity")
    title = _text(top.get("title"), where, "title", required=False) or ""
    raw = top["lines"]
    if not isinstance(raw, list) or not raw:
        raise InputError(f"expected a list of LaTeX lines, got {describe(raw)}", path=where, field="lines")
    if len(raw) > MAX_LINES:
        raise InputError(f"too many lines ({len(raw)}, at most {MAX_LINES})", path=where, field="lines")
    lines = []
    for number, item in enumerate(raw, start=1):
        here = f"lines[{number}]"
        why = ""
        if isinstance(item, dict):
            unknown = set(item) - {"latex", "why"}
            if unknown or "latex" not in item:
                raise InputError("expected a LaTeX string or {latex: ..., why: ...}", path=where, field=here)
            why = _text(item.get("why"), where, f"{here}.why", required=False) or ""
            item = item["latex"]
        if not isinstance(item, Scalar) or item.is_null:
            raise InputError(f"expected a LaTeX string, got {describe(item)}", path=where, field=here)
        lines.append(Line(item.text, why, here))
    expect = None
    raw_expect = _mapping(top, "expect", where, required=False)
    if raw_expect is not None:
        expect = {}
        for key, item in raw_expect.items():
            here = f"expect.{key}"
            if key == "first_error":
                text = _text(item, where, here, required=False)
                if text is not None and (not text.isdigit() or not 2 <= int(text) <= len(lines)):
                    raise InputError(f"expected a line number from 2 to {len(lines)} or null, got {text!r}",
                                     path=where, field=here)
                expect[key] = int(text) if text is not None else None
            elif key in ("reaches", "ok"):
                expect[key] = _boolean(item, where, here)
            elif key in ("mistake", "note"):
                expect[key] = _text(item, where, here)
            else:
                raise InputError(f"unknown expectation {key!r} (known: first_error, reaches, ok, mistake)",
                                 path=where, field=here)
    conventions = declaration(top["conventions"], where) if "conventions" in top else {}
    if conventions and rule is None:
        raise InputError("conventions belong to a rule (field 'rule')", path=where, field="conventions")
    return DerivationFile(where, rule, quantity, title, lines, expect, conventions)


__all__ = ["DerivationFile", "Line", "NumericRule", "Scalar", "Tolerance", "WorkedFile", "WorkedHead", "Written",
           "latex_number", "load_file", "numeric_rule", "plain_numbers", "read_top", "read_yaml", "worked_head",
           "worked_tail", "written_number"]
