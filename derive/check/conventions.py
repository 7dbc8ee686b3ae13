r"""Conventions in checking: a worked file's ``conventions:``, and answers right in one not declared.

How it works
------------
**Declared.** A worked file may declare ``conventions: {squared_error: half}``
(the keys of :mod:`derive.engine.conventions`). :func:`declared_module` checks the
declaration against the rule (a key that does not apply, or an unknown value, is an
:class:`~derive.errors.InputError` naming the key and the rule), builds the rule in
that convention from its SymPy module, generates its NumPy module with the same
generator as ``derive.numpy`` (:func:`derive.codegen.generate.module_source`) and
loads it from memory, once per process (cached). The file is then judged as any
other: exact values, ``FROM_DEPENDENCIES`` and the slips all come from that module.
Files without ``conventions:`` never come here and never import SymPy.

**Not declared.** :func:`convention_slip` is asked about a ``wrong`` answer: is it
right in another convention? Two families are tried, before the generic sign and
factor slips (which would only say "2 times" or "sign flipped"):

* another convention of the rule (:data:`OWN` lists the rules that have any): the
  rule in each other combination of its keys' values, evaluated at the file's
  inputs; the answer fits one (every number within its tolerance) -> "equal to
  dL/dw with the squared error halved, ½Σ(ŷ − y)²; add `conventions: {squared_error:
  half}`". The fewest keys changed win. This imports SymPy, only for a wrong answer of
  a rule listed in :data:`OWN`.
* the notes' signs (δ = r − y, Δw = +η δ x): in a rule that has the quantities of
  that tradition (``delta``, ``delta_3``, ``dw``, ``dW_1``, ``db_2``...), a gradient answered
  with the value of one of them, or with its sign flipped, and the other way round,
  is named with the quantity to answer instead. Plain numbers: no SymPy.

Example (linear_mse, whose own loss is ½(ŷ − y)²): x = [1, 2], w = [0.5, −0.3],
b = 0.1, y = 1; the student writes dL/dw = [−2, −4] (from L = (ŷ − y)²). Not the
exact [−1, −2]; the rule built with ``squared_error: full`` gives [−2, −4]:
"equal to dL/dw with the squared error without ½, Σ(ŷ − y)²; add `conventions:
{squared_error: full}`".
"""

from __future__ import annotations

import functools
import linecache
import re
import types

import numpy as np

from derive import naming, registry
from derive.check.messages import MESSAGES as CATALOG
from derive.check.messages import Text
from derive.check.messages import message as catalog_message
from derive.errors import InputError

#: The rules with conventions, and their own choices (what ``derive show RULE`` states).
#: A test keeps this equal to the registry; it lets a file without ``conventions:`` be
#: checked without SymPy when its rule has none.
OWN: dict[str, dict[str, str]] = {
    "linear_mse": {"squared_error": "half"},
    "l1_linreg": {"squared_error": "full", "reduce": "mean"},
    "l2_linreg": {"squared_error": "full", "reduce": "mean", "l2": "full"},
    "mlp_backprop_regression": {"squared_error": "half", "reduce": "sum"},
    "softmax_ce": {"log_base": "e"},
    "sigmoid_bce": {"log_base": "e"},
    "bernoulli_entropy": {"log_base": "e"},
    "cross_entropy_kl": {"log_base": "e"},
    "jsd": {"log_base": "e"},
    "conv2d": {"stride": "1", "padding": "0"},
    "max_pool2d": {"window": "2", "stride": "2"},
    "avg_pool2d": {"window": "2", "stride": "2"},
    "scaled_dot_product_attention": {"mask": "none"},
    "self_attention": {"mask": "none"},
    "multihead_attention": {"mask": "none"},
    "gcn": {"reduce": "sum"},
}

#: The quantities of the notes' tradition: δ = r − y = −∂L/∂s, Δw = +η δ x = −η ∂L/∂w.
TRADITION = re.compile(r"^(?:delta|dw|dW|db)(?:_\d+)?$")

#: The sentences of this module (they live in :data:`derive.check.messages.MESSAGES`, with every other).
KEYS = ("convention", "verb_add", "verb_declare", "tradition_value", "tradition_sign", "gradient_value",
        "delta", "update")
MESSAGES = {lang: {key: templates[key] for key in KEYS} for lang, templates in CATALOG.items()}


def message(key: str, lang: str = "en", **fields) -> str:
    return catalog_message(key, lang, **fields)


# -- a declared convention ----------------------------------------------------------

def declaration(raw, where: str) -> dict[str, str]:
    """A file's ``conventions:`` node (a mapping of YAML scalars) as {key: value text}; checked
    against the rule by :func:`derive.engine.conventions.check_declaration`."""
    if not isinstance(raw, dict):
        raise InputError("expected a mapping such as {squared_error: half}", path=where, field="conventions")
    texts = {}
    for key, item in raw.items():
        text = getattr(item, "text", None)
        if not isinstance(text, str) or getattr(item, "is_null", True):
            raise InputError("expected a value such as half or 2", path=where, field=f"conventions.{key}")
        texts[key] = text.strip()
    return texts


def declared_module(name: str, declared: dict, where: str) -> types.ModuleType:
    """The generated module of the rule ``name`` in the convention ``declared`` (a file's
    :func:`declaration`); an InputError names a key that does not apply or an unknown value."""
    from derive.engine.conventions import (
        check_declaration,  # SymPy: only for files that declare
    )

    declared = check_declaration(name, tuple(OWN.get(name, {})), declared, path=where)
    return variant_module(name, tuple(sorted(declared.items())))


@functools.cache
def variant_module(name: str, declared: tuple) -> types.ModuleType:
    """The generated NumPy module of the rule ``name`` in the convention ``declared`` ((key, value)
    pairs): the committed one for the rule's own, else built from the SymPy rule and loaded from
    memory, once."""
    if all(OWN.get(name, {}).get(key) == value for key, value in declared):
        return registry.numeric(name)
    from derive.codegen.generate import module_source
    from derive.engine.conventions import in_convention

    rule = in_convention(registry.get_rule(name), dict(declared))
    label = ",".join(f"{k}={v}" for k, v in declared)
    module = types.ModuleType(f"derive.numpy.{name}[{label}]")
    source = module_source(rule)
    filename = f"<derive.numpy.{name} with conventions {label}>"
    # inspect.getsource (the slips read a generated function's formula) finds the text here.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - our own generated code
    return module


# -- answers right in a convention not declared -----------------------------------------

def convention_slip(worked, name: str, fits, lang: str = "en") -> str | None:
    """The sentence for a wrong answer of ``name`` that is right in another convention, or None.

    ``fits(value)`` says whether every number of the answer is within its tolerance of
    ``value`` (the slips' own test).
    """
    found = convention_text(worked, name, fits)
    return None if found is None else found.say(lang)


def convention_text(worked, name: str, fits) -> Text | None:
    """:func:`convention_slip` as a :class:`~derive.check.messages.Text`, to be said in any language."""
    return _other_convention(worked, name, fits) or _tradition(worked, name, fits)


def _other_convention(worked, name, fits):
    if worked.rule.name not in OWN:
        return None
    # SymPy: only for a wrong answer of a rule with conventions
    from derive.engine.conventions import (
        alternatives,
        declaration_text,
        in_convention,
        meaning,
    )

    declared = dict(getattr(worked, "conventions", {}) or {})
    rule = in_convention(registry.get_rule(worked.rule.name), declared)
    keys, own = rule.convention_keys, rule.default_convention
    for other in alternatives(rule):
        variant = variant_module(rule.name, tuple(sorted(other.only(keys).items())))
        value = _evaluate(rule.name, variant, worked.inputs).get(name)
        if value is None or not fits(value):
            continue
        # what the file should then say: the keys it declares, and those off the rule's own
        wanted = {k: getattr(other, k) for k in keys if k in declared or getattr(other, k) != getattr(own, k)}
        differences = other.differences(rule.convention, keys)
        return Text("convention", name=name, meaning=lambda lang, differences=differences: meaning(differences, lang),
                    declaration=declaration_text(wanted), verb=Text("verb_declare" if declared else "verb_add"))
    return None


def _evaluate(name: str, module, inputs: dict) -> dict:
    """Every quantity of a generated module at one point (no batch axis); {} where it fails."""
    batched = {naming.python_name(k): np.asarray(v, dtype=float)[None] for k, v in inputs.items()}
    try:
        with np.errstate(all="ignore"):
            out = getattr(module, name)(**batched)
    except (ArithmeticError, ValueError, TypeError):
        return {}
    return {k: np.asarray(v, dtype=float)[0] for k, v in out.items()}


def _tradition(worked, name, fits):
    """The notes' δ = r − y and Δw = +η δ x, answered under a gradient's name, or the other way round."""
    quantities = worked.rule.quantities
    ours = [q for q in quantities if TRADITION.match(q)]
    if not ours:
        return None
    exact = worked.exact
    shape = np.shape(exact[name])
    if naming.is_gradient(name):
        for other in ours:
            if np.shape(exact[other]) == shape and fits(exact[other]):
                return Text("tradition_value", other=other, name=name, what=_what(other))
        if fits(-exact[name]):
            return Text("tradition_sign", name=name, others=", ".join(f"`{q}`" for q in ours))
    elif TRADITION.match(name):
        for other in quantities:
            if naming.is_gradient(other) and np.shape(exact[other]) == shape and fits(exact[other]):
                return Text("gradient_value", other=other, name=name, what=_what(name))
    return None


def _what(quantity: str) -> Text:
    return Text("delta" if quantity.startswith("delta") else "update")


__all__ = ["MESSAGES", "OWN", "TRADITION", "convention_slip", "convention_text", "declaration", "declared_module",
           "variant_module"]
