"""A different exercise for every student: pleasant inputs drawn per student, and the answer key.

How it works
------------
An exercise starts from a *template*: a worked file with the lecture's sizes, the rule's own
example in ``worked_examples/`` (``derive exercise softmax_ce``) or a file given (a model file:
your own network). :func:`draw` keeps the template's rule (or model), conventions, input shapes
and asked quantities, and draws new inputs from a seed made of the student's id:

* values of one decimal ("pleasant to compute by hand") in the range of the template's, each
  in its input's domain: a one-hot target stays one-hot, a distribution adds up to 1, a 0/1
  mask stays 0/1; a hyperparameter (a scalar learning rate, ε, β, a step count) stays the
  lecture's; a whole number from 0 on (a position, a shift) is a whole number up to twice the
  lecture's;
* away from kinks and ties: the answers must move little when the inputs move by 1e-4 (a
  ReLU at 0, a tie in a max pool or a |w| at 0 would make a gradient jump);
* away from the checker's tolerance edges: no exact answer within 2 % of a step of the
  4-decimal rounding boundary, where a student's correct rounding could tip either way;
* different from every other student's (the class is drawn in order; a repeat is drawn
  again, with a second decimal if one decimal runs out).

The answers come from derive's generated function of the rule (the same exact values
``derive check`` uses), written to 4 decimals; the key is a worked file, so ``derive check
key.yaml`` marks every answer correct. :mod:`derive.teach.sheet` writes the problem sheet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derive.check.worked import read_top, worked_head
from derive.engine.domains import by_kind
from derive.errors import InputError

#: Where the rules' lecture examples are, the templates of ``derive exercise RULE``.
EXAMPLES = Path(__file__).resolve().parents[2] / "worked_examples"
#: Decimals of the answers in the key.
DECIMALS = 4
#: No exact answer within this fraction of a rounding step of a rounding boundary.
EDGE = 0.02
#: How far the inputs move to look for a kink or a tie, and how much an answer may move then.
NUDGE, JUMP = 1e-4, 1e-2
#: Draws tried per student before the best one so far is taken.
ATTEMPTS = 200
#: Inputs drawn as numbers; the others (one-hot, masks, signs, counts) by their domain.
CONTINUOUS = ("real", "nonzero", "positive", "unit", "nonnegative", "rate")
#: A scalar input of these domains is a hyperparameter (lr, ε, β, t): it keeps the lecture's value.
HYPERPARAMETERS = ("positive", "nonnegative", "rate", "count")


@dataclass
class Exercise:
    """One student's exercise: the key's content, as a worked file's fields."""

    student: str
    seed: int
    template: str  # where the template came from
    top: dict  # the template's rule and title (its model and conventions are copied as written)
    inputs: dict  # name -> numbers
    answers: dict  # quantity -> exact numbers
    quantities: list  # the quantities asked, in order


def template_of(target: str) -> tuple[str, dict]:
    """The template worked file of ``target``: a YAML file, or the lecture example of a rule."""
    path = Path(target)
    if path.suffix in (".yaml", ".yml") or path.exists():
        where, top = read_top(path)
        return where, top
    from derive import registry

    registry.get_rule(target, field="RULE")  # an unknown rule: InputError listing the rules
    for candidate in sorted(EXAMPLES.glob("*.yaml")):
        where, top = read_top(candidate)
        if _text(top.get("rule")) == target and "expect" not in top:
            return where, top
    raise InputError(f"no lecture example of {target} to take the sizes from; give a worked file of it instead",
                     field="RULE")


def _text(value):
    """A scalar read from YAML (which keeps its text) as plain text."""
    return getattr(value, "text", value)


def student_seed(target: str, student: str, salt: str = "") -> int:
    """A seed made of the exercise and the student's id: the same numbers on every machine."""
    digest = hashlib.sha256(f"{target}\x00{student}\x00{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def draw(target: str, students, *, salt: str = "") -> list[Exercise]:
    """An exercise for every student of ``students`` (ids, in order), no two alike."""
    where, top = template_of(target)
    head = worked_head(where, top)
    quantities = [str(q) for q in (top.get("answers") or {}) if q in head.rule.quantities] \
        or [q for q in head.rule.quantities if not q.startswith("_")]
    fixed = {k: _text(v) for k, v in top.items() if k in ("rule", "title")}
    given = {str(k) for k in (top.get("inputs") or {})}  # inputs with a default stay unwritten
    seen: set = set()
    out = []
    for student in students:
        seed = student_seed(target, str(student), salt)
        inputs, exact = _best_draw(head, given, quantities, seed, seen)
        seen.add(_signature(inputs))
        out.append(Exercise(str(student), seed, where, fixed, inputs, {q: exact[q] for q in quantities}, quantities))
    return out


def _best_draw(head, given: set, quantities: list, seed: int, seen: set) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    best, best_edges = None, None
    for attempt in range(ATTEMPTS):
        decimals = 1 + attempt // 50  # one decimal first; a second when one runs out of fresh draws
        inputs = {n: _pleasant(head.inputs[n], _domain(head, n), rng, decimals) for n in head.inputs if n in given}
        if _signature(inputs) in seen:
            continue
        exact = _exact(head, inputs)
        if exact is None or _jumps(head, inputs, exact, quantities, rng):
            continue
        edges = _edges([exact[q] for q in quantities])
        if edges == 0:
            return inputs, exact
        if best_edges is None or edges < best_edges:
            best, best_edges = (inputs, exact), edges
    if best is None:
        raise InputError("could not draw inputs away from kinks, ties and repeats for this exercise "
                         f"in {ATTEMPTS} tries", path=head.path)
    return best


def _domain(head, name: str):
    """The input's domain; a target ``y`` whose lecture values lie in [0, 1] (a sigmoid's, in a model
    file whose squared error takes any number) is drawn in [0, 1] too."""
    domain = head.rule.domains.get(name)
    template = np.asarray(head.inputs[name], dtype=float)
    if name == "y" and getattr(domain, "kind", "real") == "real" and template.size \
            and np.all((template >= 0) & (template <= 1)):
        return by_kind("unit")
    return domain


def _pleasant(template, domain, rng, decimals: int) -> np.ndarray:
    """A value of the template's shape in its domain, of ``decimals`` decimals where it is a number."""
    template = np.asarray(template, dtype=float)
    kind = getattr(domain, "kind", "real")
    shape = template.shape
    if kind == "one_hot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])] if shape else template
    if kind == "simplex":
        return _distribution(rng, shape, decimals)
    if kind in ("sign", "binary"):
        return domain.sample(rng, shape)
    distinct = set(np.unique(template))
    if distinct <= {0.0, 1.0} and (distinct == {0.0, 1.0} or kind == "unit"):  # a graph, an image, a 0/1 target
        return rng.integers(0, 2, shape).astype(float)
    if not shape and kind == "nonnegative" and template == np.round(template):  # a position, a shift
        return np.float64(rng.integers(0, 2 * max(int(template), 1) + 1))
    if kind == "count" or (not shape and kind in HYPERPARAMETERS):
        return template
    scale = 10 ** decimals
    high = max(1.0, float(np.ceil(np.max(np.abs(template))))) if template.size else 1.0
    if kind in ("unit", "rate"):
        values = rng.integers(1, scale, size=shape) / scale  # inside (0, 1)
    elif kind in ("positive", "nonnegative"):
        values = rng.integers(1, int(high * scale) + 1, size=shape) / scale
    else:
        values = rng.integers(-int(high * scale), int(high * scale) + 1, size=shape) / scale
        if kind == "nonzero":
            values = np.where(values == 0, 1.0 / scale, values)
    return values


def _distribution(rng, shape, decimals: int) -> np.ndarray:
    """Distributions of ``decimals`` decimals, every component positive, each adding up to 1."""
    scale, k = 10 ** decimals, shape[-1]
    units = max(scale, k)
    rows = []
    for _ in range(int(np.prod(shape[:-1], dtype=int))):
        cuts = np.sort(rng.choice(np.arange(1, units), size=k - 1, replace=False))
        rows.append(np.diff(np.concatenate([[0], cuts, [units]])) / units)
    return np.array(rows).reshape(shape)


def _exact(head, inputs: dict) -> dict | None:
    values = dict(head.inputs, **inputs)
    with np.errstate(all="ignore"):
        exact = head.rule.evaluate(values)
    if not all(np.all(np.isfinite(v)) for v in exact.values()):
        return None
    return exact


def _jumps(head, inputs: dict, exact: dict, quantities: list, rng) -> bool:
    """Whether an answer jumps when the continuous inputs move by NUDGE: a kink or a tie nearby."""
    moving = [n for n in inputs if getattr(head.rule.domains.get(n), "kind", "real") in CONTINUOUS
              and np.ndim(inputs[n])]
    moving += [n for n in inputs if getattr(head.rule.domains.get(n), "kind", "real") in ("real", "nonzero")
               and not np.ndim(inputs[n])]
    direction = {n: rng.uniform(0.5, 1.0, size=np.shape(inputs[n])) for n in moving}
    for sign in (1.0, -1.0):  # one direction both ways: a tie broken one way, then the other
        nudged = {n: inputs[n] + sign * NUDGE * direction[n] for n in moving}
        other = _exact(head, dict(inputs, **nudged))
        if other is None:
            return True
        for q in quantities:
            if np.any(np.abs(other[q] - exact[q]) > JUMP * np.maximum(1.0, np.abs(exact[q]))):
                return True
    return False


def _edges(values: list) -> int:
    """How many exact answers lie within EDGE of a step of their rounding boundary."""
    count = 0
    for value in values:
        for v in np.ravel(value):
            step = _step(v)
            fraction = (abs(v) / step) % 1.0
            count += abs(fraction - 0.5) < EDGE
    return count


def _step(v: float) -> float:
    """The rounding step of ``v`` as the key writes it (:func:`written`)."""
    if v == 0 or abs(v) >= 10.0 ** -(DECIMALS - 1):
        return 10.0 ** -DECIMALS
    exponent = int(np.floor(np.log10(abs(v))))
    return 10.0 ** (exponent - (DECIMALS - 1))


def written(v: float) -> str:
    """A number of the key: 4 decimals, or 4 significant digits for a small one (0.00123 → 1.230e-03)."""
    v = float(v)
    if v == 0 or abs(v) >= 10.0 ** -(DECIMALS - 1):
        text = f"{v:.{DECIMALS}f}"
        return "0.0000" if text == "-0.0000" else text
    return f"{v:.{DECIMALS - 1}e}"


def _signature(inputs: dict) -> tuple:
    return tuple((n, np.asarray(v, dtype=float).round(8).tobytes()) for n, v in sorted(inputs.items()))


__all__ = ["DECIMALS", "EXAMPLES", "Exercise", "draw", "student_seed", "template_of", "written"]
