"""``derive grad LATEX --wrt W --shape W=2x3 --shape x=3``: gradients in matrix form.

The expression is read with the declared shapes (:mod:`derive.matrix.parse`), differentiated in
matrix form one identity per step (:mod:`derive.matrix.differentiate`), every step proven
against component-wise differentiation at the declared sizes and checked with finite
differences at two other sizes (:mod:`derive.matrix.prove`). ``--at`` takes nested lists;
values come back in the variable's shape; ``--emit-numpy`` writes batched NumPy functions.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path

import numpy as np

from derive.errors import InputError
from derive.matrix import expr as E
from derive.matrix.differentiate import Derivation, derive_gradient
from derive.matrix.numeric import evaluate
from derive.matrix.parse import parse_matrix
from derive.matrix.printing import gradient_latex, gradient_text, latex, text
from derive.matrix.prove import SizesFixed, prove_at_other_sizes, prove_step
from derive.matrix.words import label, reason
from derive.matrix.words import proof as proof_words

FORWARD = "f"
ALIASES = {"lambda": "lam", "eta": "lr", "eps": "epsilon", "varepsilon": "epsilon"}
_SHAPE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\d+)\s*(?:[x×*,]\s*(\d+))?\s*$")
MAX_SIZE = 10_000  # components of one declared variable


def parse_shapes(declared: list[str]) -> dict:
    """``['x=3', 'W=2x3']`` -> ``{'x': (3, 1), 'W': (2, 3)}``."""
    shapes = {}
    for item in declared:
        m = _SHAPE.match(item)
        if m is None:
            raise InputError(f"--shape {item}: expected NAME=N for a vector or NAME=RxC for a matrix "
                             f"(x=3, W=2x3)")
        name = ALIASES.get(m[1], m[1])
        rows, cols = int(m[2]), int(m[3]) if m[3] else 1
        if rows < 1 or cols < 1 or rows * cols > MAX_SIZE:
            raise InputError(f"--shape {item}: sizes must be at least 1 and at most {MAX_SIZE} components")
        if name in shapes and shapes[name] != (rows, cols):
            raise InputError(f"--shape {name}: declared twice, as {E.shape_text(shapes[name])} "
                             f"and {E.shape_text((rows, cols))}")
        shapes[name] = (rows, cols)
    return shapes


def read_forward(source: str, shapes: dict) -> E.Node:
    forward = parse_matrix(source, shapes, where="LATEX")
    found = E.variables(forward)
    unused = sorted(set(shapes) - set(found))
    if unused:
        raise InputError(f"--shape {unused[0]}: the expression has no variable named {unused[0]!r} "
                         f"(its variables: {', '.join(found) or 'none'})")
    if not found:
        raise InputError("LATEX: the expression has no variables")
    return forward


def require_scalar(forward: E.Node, shapes: dict) -> None:
    if not forward.is_scalar:
        scalars = [n for n, s in E.variables(forward).items() if n not in shapes]
        hint = f"; names without --shape are scalars: {', '.join(scalars)}" if scalars else ""
        raise InputError(f"LATEX: {text(forward)} is a {_kind(forward.shape)}, not a scalar; derive grad "
                         f"differentiates a scalar expression (add --jacobian for the Jacobian of a vector)"
                         + hint)


def _kind(shape) -> str:
    rows, cols = shape
    if cols == 1:
        return f"vector of {rows}"
    if rows == 1:
        return f"row of {cols}"
    return f"{rows}×{cols} matrix"


def resolve(name: str, forward: E.Node, flag: str) -> str:
    found = E.variables(forward)
    wanted = ALIASES.get(name.strip(), name.strip())
    if wanted not in found:
        raise InputError(f"{flag} {name}: the expression has no variable named {name!r} "
                         f"(its variables: {', '.join(found)})")
    return wanted


# -- --at with nested lists ----------------------------------------------------------------------------------
def parse_point(source: str, forward: E.Node) -> dict:
    """``'x=[1,2,3],W=[[1,0,2],[0,1,1]],b=0.5'`` -> values in matrix form ((3, 1), (2, 3), (1, 1))."""
    shapes = E.variables(forward)
    point = {}
    for part in _top_level_split(source):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--at: expected name=value pairs separated by commas, got {part.strip()!r}")
        key = resolve(name, forward, "--at")
        if key in point:
            raise InputError(f"--at: {key} is given twice")
        point[key] = _value_of(key, value.strip(), shapes[key])
    missing = [n for n in shapes if n not in point]
    if missing:
        raise InputError(f"--at: missing values for {', '.join(missing)}")
    return point


def _top_level_split(source: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in source:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def _value_of(name: str, value: str, shape) -> np.ndarray:
    expected = _expected(name, shape)
    try:
        data = json.loads(value) if value.startswith("[") else float(value)
    except ValueError:
        raise InputError(f"--at {name}: expected {expected}, got {value!r}") from None
    if _has_bool(data):  # JSON's true and false are not numbers here
        raise InputError(f"--at {name}: expected {expected}, got {value!r}")
    try:
        array = np.array(data, dtype=float)
    except (ValueError, TypeError):
        raise InputError(f"--at {name}: expected {expected}; the lists are ragged or hold non-numbers") from None
    rows, cols = shape
    wanted = [()] if shape == E.SCALAR else ([(rows,), (rows, 1)] if cols == 1 else [(rows, cols)])
    if array.shape not in wanted:
        got = "a number" if array.shape == () else f"shape {array.shape}"
        raise InputError(f"--at {name}: expected {expected}, got {got}")
    if not np.all(np.isfinite(array)):
        raise InputError(f"--at {name}: expected finite numbers, got {value!r}")
    return array.reshape(shape)


def _has_bool(data) -> bool:
    if isinstance(data, list):
        return any(_has_bool(item) for item in data)
    return isinstance(data, bool)


def _expected(name: str, shape) -> str:
    rows, cols = shape
    if shape == E.SCALAR:
        return "a number"
    if cols == 1:
        return f"a list of {rows} numbers ({name} was declared with --shape {name}={rows})"
    return f"{rows} lists of {cols} numbers ({name} was declared with --shape {name}={rows}x{cols})"


def user_value(value: np.ndarray, shape):
    """A value in the variable's own shape: a number, a list, a list of lists."""
    value = np.asarray(value, dtype=float)
    if tuple(shape) == E.SCALAR:
        return float(value.reshape(()))
    if shape[1] == 1:
        return value.reshape(-1).tolist()
    return value.tolist()


def _defined(value: np.ndarray, label: str, expression: E.Node, at: str) -> np.ndarray:
    if not np.all(np.isfinite(value)):
        raise InputError(f"--at {at}: {label} = {text(expression)} is not defined at this point "
                         f"(it has no finite real value there)")
    return value


# -- the verb -------------------------------------------------------------------------------------------------
def run(args) -> int:
    shapes = parse_shapes(args.shape or [])
    forward = read_forward(args.latex, shapes)
    if not args.jacobian:
        require_scalar(forward, shapes)
    names = [resolve(n, forward, "--wrt") for n in args.wrt]
    point = parse_point(args.at, forward) if args.at is not None else None
    forward_value = None
    if point is not None:
        with np.errstate(all="ignore"):
            forward_value = user_value(_defined(evaluate(forward, point), FORWARD, forward, args.at), forward.shape)
    report = {"forward": {"latex": latex(forward), "text": text(forward), "value": forward_value,
                          "shapes": {n: list(_user_shape(s)) for n, s in E.variables(forward).items()}},
              "gradients": {}, "steps": []}
    if args.jacobian:
        return _run_jacobian(args, forward, names, point, report)
    proven = True
    derivations = {}
    one_hot = tuple(_one_hot(n, forward) for n in (getattr(args, "onehot", None) or []))
    for given, name in zip(args.wrt, names):
        derivation = derive_gradient(forward, name, one_hot)
        derivations[name] = derivation
        proofs = [prove_step(derivation, step) for step in derivation.steps]
        others = _at_other_sizes(
            derivation, lambda s, name=name: derive_gradient(read_forward(args.latex, s), name, one_hot), forward)
        proven &= all(proofs) and not others
        value = None
        if point is not None:
            with np.errstate(all="ignore"):
                value = user_value(_defined(evaluate(derivation.result, point), f"d{FORWARD}/d{name}",
                                            derivation.result, args.at), derivation.result.shape)
        report["gradients"][given] = {
            "latex": latex(derivation.result), "text": text(derivation.result), "value": value,
            "shape": list(_user_shape(derivation.result.shape)),
            "proof": _proof_text(proofs[-1] if proofs else None, others, final=True),
        }
        report["steps"] += [_step_report(given, derivation, number, step, proof)
                            for number, (step, proof) in enumerate(zip(derivation.steps, proofs), 1)]
    if args.emit_numpy is not None:
        emit(args.emit_numpy, forward, derivations)
    print(_said(report, args))
    return 0 if proven else 1


def _at_other_sizes(derivation, rebuild, forward) -> list[str] | None:
    """The problems found at two other sizes; None where the formula fixes its own sizes."""
    try:
        return prove_at_other_sizes(derivation, rebuild, E.variables(forward))
    except SizesFixed:
        return None


def _run_jacobian(args, forward: E.Node, names: list, point, report: dict) -> int:
    from derive.matrix.jacobian import (
        check_at_other_sizes,
        derive_jacobian,
        prove_jacobian_step,
    )
    if args.emit_numpy is not None:
        raise InputError("--emit-numpy: not available with --jacobian yet; emit the gradients of a scalar")
    proven = True
    for given, name in zip(args.wrt, names):
        derivation = derive_jacobian(forward, name)
        proofs = [prove_jacobian_step(derivation, step) for step in derivation.steps]
        others = check_at_other_sizes(lambda s, name=name: derive_jacobian(read_forward(args.latex, s), name),
                                      E.variables(forward), name)
        proven &= all(proofs) and not others
        value = None
        if point is not None:
            with np.errstate(all="ignore"):
                value = _defined(evaluate(derivation.result, point), f"d{FORWARD}/d{name}", derivation.result,
                                 args.at).reshape(derivation.result.shape).tolist()
        report["gradients"][given] = {
            "latex": latex(derivation.result), "text": text(derivation.result), "value": value,
            "shape": list(derivation.result.shape), "kind": "jacobian",
            "proof": _proof_text(proofs[-1] if proofs else None, others, final=True),
        }
        for step, proof in zip(derivation.steps, proofs):
            left = rf"\frac{{\partial {_atom_latex(step.target)}}}{{\partial {latex(E.var(name))}}}"
            report["steps"].append({"wrt": given, "latex": f"{left} = {latex(step.jacobian)}",
                                    "text": f"∂({text(step.target)})/∂{name} = {text(step.jacobian)}",
                                    "why": step.why, "proof": _proof_text(proof, [])})
    print(_said(report, args))
    return 0 if proven else 1


def _atom_latex(node: E.Node) -> str:
    body = latex(node)
    return body if isinstance(node, E.Var) else rf"\left({body}\right)"


def _one_hot(name: str, forward: E.Node) -> str:
    key = resolve(name, forward, "--onehot")
    if not E.variables(forward)[key][1] == 1 or E.variables(forward)[key] == E.SCALAR:
        raise InputError(f"--onehot {name}: expected a vector (declared with --shape {key}=N)")
    return key


def _user_shape(shape) -> tuple:
    if tuple(shape) == E.SCALAR:
        return ()
    return (shape[0],) if shape[1] == 1 else tuple(shape)


def _step_report(given: str, derivation: Derivation, number: int, step, proof) -> dict:
    if step.kind == "rewrite":
        left, right, plain = FORWARD, latex(step.gradient), f"{FORWARD} = {text(step.gradient)}"
    else:
        left = gradient_latex(FORWARD, step.target)
        right = latex(step.gradient)
        if step.kind == "occurrence":
            left = rf"\left.{left}\right|_{{\text{{one occurrence}}}}"
        plain = f"{gradient_text(FORWARD, step.target)} = {text(step.gradient)}"
        if step.kind == "occurrence":
            plain = f"{gradient_text(FORWARD, step.target)} (one occurrence) = {text(step.gradient)}"
    return {"wrt": given, "latex": f"{left} = {right}", "text": plain, "why": step.why,
            "proof": _proof_text(proof, [])}


def _proof_text(proof, others: list, final: bool = False) -> str:
    if proof is None:
        return "nothing to prove"
    if not proof.ok:
        return f"FAILED: {proof.detail}"
    if others:
        return f"FAILED at other sizes: {others[0]}"
    words = proof.method if proof.method.startswith("finite") else f"{proof.method}, component by component"
    if not final:
        return words
    return words + ("; finite differences at two other sizes" if others is not None
                    else "; the formula fixes its sizes (number bounds), so at these sizes only")


def human(report: dict, at: str | None, what: str = "gradient", lang: str = "en") -> str:
    lines = [f"{FORWARD} = {text_of(report['forward'])}"]
    shapes = ", ".join(f"{n}: {'×'.join(map(str, s)) or label('scalar', lang)}"
                       for n, s in report["forward"]["shapes"].items())
    lines.append(f"  {label('shapes', lang)}: {shapes}")
    if at is not None:
        lines.append(f"  {label('at', lang, at=at)}: {FORWARD} = {_value_text(report['forward']['value'])}")
    for name, gradient in report["gradients"].items():
        lines += ["", label(what, lang, name=name)]
        steps = [s for s in report["steps"] if s["wrt"] == name]
        for number, step in enumerate(steps, 1):
            lines += [f"  {number}. {step['text']}",
                      f"       [{reason(step['why'], lang)}]  ({label('proof', lang)}: {proof_words(step['proof'], lang)})"]
        lines.append(f"{label('result', lang)}: ∂{FORWARD}/∂{name} = {gradient['text']}   "
                     f"({label('proof', lang)}: {proof_words(gradient['proof'], lang)})")
        if gradient["value"] is not None:
            lines.append(f"  {label('at', lang, at=at)}: ∂{FORWARD}/∂{name} = {_value_text(gradient['value'])}")
    return "\n".join(lines)


def _said(report: dict, args) -> str:
    """The report as printed: JSON (with each reason in --lang beside the English), or text."""
    if args.json:
        if args.lang != "en":
            for step in report["steps"]:
                step["message"] = reason(step["why"], args.lang)
        return json.dumps(report, indent=2, ensure_ascii=False)
    return human(report, args.at, "jacobian" if args.jacobian else "gradient", args.lang)


def text_of(forward: dict) -> str:
    return forward.get("text") or forward["latex"]


def _value_text(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return f"{value:.10g}"


def emit(path: Path, forward: E.Node, derivations: dict) -> None:
    from derive.matrix.numpy_code import module_source
    arguments = E.variables(forward)
    for argument in arguments:
        if keyword.iskeyword(argument) or argument in {"np", "numpy"}:
            raise InputError(f"--emit-numpy: the variable {argument!r} cannot be a Python argument name")
    functions = [(FORWARD, forward, f"{FORWARD} = {text(forward)}")]
    functions += [(f"d{FORWARD}_d{name}", d.result, f"d{FORWARD}/d{name} = {text(d.result)}")
                  for name, d in derivations.items()]
    source = module_source(functions, arguments, title=f"{FORWARD} = {text(forward)}")
    try:
        path.write_text(source)
    except OSError as error:
        raise InputError(f"--emit-numpy {path}: cannot write the file ({error.strerror})") from None


__all__ = ["parse_point", "parse_shapes", "run"]
