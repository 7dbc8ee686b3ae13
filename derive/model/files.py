"""Model files: a worked file with ``model:`` in place of ``rule:``.

How it works
------------
The ``model:`` node is read by :func:`derive.model.spec.read_model`, the rule is
built by :func:`derive.model.build.build_rule` (SymPy), its NumPy module is
generated with the same generator as ``derive.numpy``
(:func:`derive.codegen.generate.module_source`) and loaded from memory, once per
model (cached). From there a model file is checked exactly like a file of a
built-in rule: the exact values, the recomputation from the student's own
numbers (``FROM_DEPENDENCIES``) and the slips all come from that module.

The rule's name is the file's stem as an identifier (``classic_222.yaml`` ->
``classic_222``): the function name of ``derive emit``.
"""

from __future__ import annotations

import functools
import hashlib
import keyword
import linecache
import re
import types
from pathlib import Path

from derive.errors import InputError
from derive.model.spec import Model, _describe, read_model

#: The convention keys a model file may declare: the L2 penalty's ½ (the loss says its own ½ and mean).
MODEL_CONVENTIONS = {"l2": ("full", "half")}


def rule_name(path) -> str:
    """The file's stem as a Python identifier: the name of the model's rule and generated function."""
    stem = re.sub(r"\W+", "_", Path(str(path)).stem, flags=re.ASCII).strip("_").lower()
    if not stem:
        return "model"
    return f"model_{stem}" if stem[0].isdigit() or keyword.iskeyword(stem) else stem


def model_of(top: dict, where: str) -> Model:
    if "rule" in top:
        raise InputError("give either 'rule' (a built-in rule) or 'model' (your own network), not both",
                         path=where, field="rule")
    return read_model(top["model"], path=where)


def conventions_of(top: dict, model: Model, where: str) -> dict:
    """The file's declared conventions that apply to a model: only ``l2``, and only with an L2 penalty."""
    if "conventions" not in top:
        return {}
    from derive.check.conventions import declaration

    declared = declaration(top["conventions"], where)
    for key, value in declared.items():
        field = f"conventions.{key}"
        if key not in MODEL_CONVENTIONS:
            hint = {"squared_error": "write the loss as {kind: squared_error, half: true}",
                    "reduce": "write the loss as {kind: squared_error, reduce: mean}"}.get(
                key, "a model file declares only l2 (with penalty: {l2: λ})")
            raise InputError(f"the key {key} does not apply to the model {rule_name(where)}: {hint}",
                             path=where, field=field)
        if value not in MODEL_CONVENTIONS[key]:
            raise InputError(f"unknown value {value!r}; expected one of: {', '.join(MODEL_CONVENTIONS[key])}",
                             path=where, field=field)
        if model.penalty is None or model.penalty.kind != "l2":
            raise InputError("l2 applies only to a model with penalty: {l2: λ}", path=where, field=field)
    return declared


def input_size(top: dict, model: Model, where: str) -> int:
    """The width D of x, from the file's inputs (a list of numbers; T rows of D for a recurrent model)."""
    inputs = top.get("inputs")
    x = inputs.get("x") if isinstance(inputs, dict) else None
    if x is None:
        raise InputError("missing x, the network's input (a list of numbers)", path=where, field="inputs.x")
    recurrent = model.recurrent is not None
    if recurrent:
        if not isinstance(x, list) or not x or not all(isinstance(row, list) and row for row in x):
            raise InputError(f"expected {model.recurrent.steps} rows of input numbers, one x_t per time step "
                             "(such as [[1, 0], [0, 1], ...])", path=where, field="inputs.x")
        return len(x[0])
    if not isinstance(x, list) or not x or any(isinstance(v, (list, dict)) for v in x):
        got = "a matrix" if isinstance(x, list) and x and isinstance(x[0], list) else _describe(x)
        raise InputError(f"expected the input vector, a list of numbers, got {got}", path=where, field="inputs.x")
    return len(x)


def check_shapes(top: dict, rule, where: str) -> None:
    """Each given input's shape against the model's: the weight and both shapes named."""
    inputs = top.get("inputs") if isinstance(top.get("inputs"), dict) else {}
    sizes = {str(d): n for d, n in rule.test_sizes.items()}  # the model's own sizes
    for name, value in inputs.items():
        if name not in rule.inputs:
            continue
        given = _shape(value)
        if given is None:
            continue  # ragged or not numbers: the worked-file reader names it
        dims = rule.inputs[name].shape
        expected = tuple(int(_size(d, sizes)) for d in dims)
        if given != expected:
            steps = [int(d) for d in dims if getattr(d, "is_Integer", False)]
            why = _why(rule, name)
            if steps:  # a recurrent model's x: one row per time step, the number of steps fixed by the model
                why = (" (" + " × ".join("time steps" if getattr(d, "is_Integer", False) else _size_words(str(d))
                                         for d in dims) + f"): one row x_t per step, model.recurrent.steps = {steps[0]}")
            raise InputError(f"{name} has shape {_text(given)}, but the model needs {_text(expected)}{why}",
                             path=where, field=f"inputs.{name}")


def _size(d, sizes):
    import sympy as sp

    return sp.sympify(d).subs({sp.Symbol(k, integer=True, positive=True): v for k, v in sizes.items()})


def _why(rule, name) -> str:
    words = rule.inputs[name].shape
    if not words:
        return ""
    return " (" + " × ".join(_size_words(str(d)) for d in words) + ")"


def _size_words(d: str) -> str:
    if d == "D":
        return "the width of x"
    if d.startswith("n_"):
        return f"units of {d[2:]}"
    if d == "T":
        return "time steps"
    return d


def _shape(value):
    if isinstance(value, list):
        if not value:
            return None
        inner = {_shape(v) for v in value}
        if len(inner) != 1 or None in inner:
            return None
        return (len(value),) + inner.pop()
    if isinstance(value, dict):
        return None
    return ()


def _text(shape) -> str:
    if not shape:
        return "() (a number)"
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def model_rule(top: dict, where: str):
    """The SymPy rule of a model file's ``model:`` (built once per model and sizes)."""
    return _built(*_key(top, where))


def _key(top: dict, where: str) -> tuple:
    model = model_of(top, where)
    declared = conventions_of(top, model, where)
    title = getattr(top.get("title"), "text", None) or ""
    return model, rule_name(where), title, input_size(top, model, where), declared.get("l2") == "half"


@functools.cache
def _built(model: Model, name: str, title: str, size: int, l2_half: bool):
    from derive.model.build import build_rule

    return build_rule(model, name=name, title=title, input_size=size, l2_half=l2_half)


def rule_from_file(path):
    """The rule of a model file (``derive emit``, ``derive show``); an InputError for anything else."""
    from derive.check.worked import read_yaml

    where = str(path)
    top = read_yaml(Path(path))
    if not isinstance(top, dict) or "model" not in top:
        raise InputError("expected a model file: a mapping with 'model' (layers, loss) and 'inputs'", path=where)
    rule = model_rule(top, where)
    check_shapes(top, rule, where)
    return rule


def numeric_module(top: dict, where: str) -> types.ModuleType:
    """The generated NumPy module of a model file's rule, loaded from memory (checked shapes first)."""
    key = _key(top, where)
    check_shapes(top, _built(*key), where)
    return _module(key)


@functools.cache
def _module(key: tuple) -> types.ModuleType:
    from derive.codegen.generate import module_source

    rule = _built(*key)
    source = module_source(rule)
    module = types.ModuleType(f"derive.model.{rule.name}")
    # the text's own hash in the name: two models of the same name (files in two folders) stay apart
    filename = f"<derive model {rule.name} {hashlib.sha1(source.encode()).hexdigest()[:12]}>"
    # inspect.getsource (the slips read a generated function's formula) finds the text here.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - our own generated code
    return module
