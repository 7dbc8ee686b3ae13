"""``derive grad LATEX --wrt V``: the gradient of any scalar forward expression, step by step.

Each step applies one rule (sum, product, chain through σ...) and is proven equal
to the one before; the result is proven equal to SymPy's own derivative. With
``--at`` the gradients are evaluated at a point; with ``--emit-numpy FILE`` they
are written as NumPy functions.
"""

from __future__ import annotations

import argparse
import json
import keyword
import math
import os
import re
from pathlib import Path

import numpy as np
import sympy as sp

from derive import naming
from derive.autodiff import gradient_steps, prove_gradient_steps
from derive.engine.equality import float64_function
from derive.errors import InputError, LatexError
from derive.latex.adapter import parse_latex
from derive.paths import user_path
from derive.printing.errors_ko import translate
from derive.printing.i18n import LANGUAGES, grad_line, method, reason
from derive.printing.latex import latex
from derive.printing.text import display_text, text
from derive.symbolic.arrays import ArrayOp

#: The forward expression's name in gradient names (df/dx) and in emitted code.
FORWARD = "f"

#: Notation that only the matrix reader (--shape) understands: a hint to use it.
_MATRIX_NOTATION = re.compile(r"\\\||\\[lr]Vert|\\Vert|\\operatorname\{(?:tr|Tr|trace|softmax|LSE|logsumexp)\}"
                              r"|\\mathrm\{(?:tr|softmax)\}|\\det|\\mathbf\{1\}|\^\{-1\}")

#: Other spellings of plain names accepted by --wrt and --at.
ALIASES = {"lambda": "lam", "eta": "lr", "eps": "epsilon", "varepsilon": "epsilon"}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "grad", help="derive the gradient of a scalar expression, step by step",
        description="Derive the gradient of a scalar forward expression written in LaTeX, "
                    "one rule per step, each step proven.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  derive grad '-y\\log\\sigma(s) - (1-y)\\log(1-\\sigma(s))' --wrt s --at 's=0.8,y=1'\n"
               "  derive grad '\\|Wx - y\\|^2' --wrt W --shape W=2x3 --shape x=3 --shape y=2 \\\n"
               "      --at 'W=[[1,0,2],[0,1,1]],x=[1,2,3],y=[1,0]'\n"
               "  derive grad 'x^\\top A x' --wrt x --shape x=3 --shape A=3x3\n"
               "  derive grad '\\sigma(Wx)' --jacobian --wrt x --shape W=2x3 --shape x=3\n"
               "matrix calculus: docs/matrix-calculus.md")
    parser.add_argument("latex", metavar="LATEX", help=r"the forward expression, e.g. '\log(1 + e^{x})'")
    parser.add_argument("--wrt", action="append", required=True, metavar="V",
                        help="a variable to differentiate by, by its plain name (mu, y_hat, W_f); repeatable")
    parser.add_argument("--at", metavar="POINT", help='values of every variable, e.g. "a=0.3,b=1"')
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--lang", choices=LANGUAGES, default="en",
                        help="language of the step reasons and the result lines (the JSON keeps English)")
    parser.add_argument("--emit-numpy", metavar="FILE", help="write the gradients as NumPy functions to FILE")
    parser.add_argument("--shape", action="append", metavar="NAME=N|NAME=RxC",
                        help="declare a vector (x=3) or a matrix (W=2x3); repeatable. The gradient is then "
                             "derived in matrix form; --at takes nested lists (x=[1,2,3])")
    parser.add_argument("--onehot", action="append", metavar="NAME",
                        help="a vector whose components sum to 1 (a one-hot target): 1ᵀy = 1 is used in "
                             "the result (with --shape); repeatable")
    parser.add_argument("--jacobian", action="store_true",
                        help="the Jacobian of a vector expression (with --shape)")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.emit_numpy is not None:
        args.emit_numpy = user_path(args.emit_numpy, "--emit-numpy")
        _check_writable(args.emit_numpy)
    if args.shape or args.jacobian or args.onehot:
        from derive.cli import grad_matrix
        return grad_matrix.run(args)
    try:
        forward = parse_latex(args.latex, where="LATEX")
    except LatexError as error:
        if _MATRIX_NOTATION.search(args.latex):
            raise InputError(f"{error}; vectors and matrices need their shapes: declare them with --shape "
                             f"(x=3 for a vector, W=2x3 for a matrix)") from None
        raise
    _require_scalar(forward)
    variables = [_resolve(name, forward, "--wrt") for name in args.wrt]
    point = _parse_point(args.at, forward) if args.at is not None else None
    report = {"forward": {"latex": latex(forward), "value": _value(forward, point, FORWARD)},
              "gradients": {}, "steps": []}
    proven = True
    results = {}
    # the reasons and proofs in --lang, beside the report's English, and the formulas as a reader's text
    said = {"steps": [], "results": {}, "forward": display_text(forward), "formulas": {}}
    for name, variable in zip(args.wrt, variables):
        steps = gradient_steps(forward, variable)
        proofs = prove_gradient_steps(steps, variable)
        proven &= all(proofs)
        result = steps[-1].rhs
        results[variable] = result
        gradient = naming.gradient_name(FORWARD, variable.name)
        report["gradients"][name] = {"latex": latex(result), "value": _value(result, point, gradient),
                                     "proof": _proof_text(proofs[-1])}
        said["results"][name] = _proof_text(proofs[-1], args.lang)
        said["formulas"][name] = display_text(result)
        for number, (step, proof) in enumerate(zip(steps, proofs)):
            left = latex(step.lhs) + " " if number == 0 else ""
            report["steps"].append({"wrt": name, "latex": f"{left}= {latex(step.rhs)}", "why": step.why,
                                    "proof": _proof_text(proof)})
            left = display_text(step.lhs) + " " if number == 0 else ""
            said["steps"].append({"why": reason(step, args.lang), "proof": _proof_text(proof, args.lang),
                                  "text": f"{left}= {display_text(step.rhs)}"})
    if args.emit_numpy is not None:
        _emit(args.emit_numpy, forward, results)
    if args.json and args.lang != "en":  # the contract's fields stay English; the student's language beside them
        for step, words in zip(report["steps"], said["steps"]):
            step["message"] = words["why"]
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json
          else _human(report, args.at, args.lang, said))
    return 0 if proven else 1


def _require_scalar(forward: sp.Expr) -> None:
    if forward.has(sp.Indexed, sp.Sum):
        raise InputError("LATEX: components (y_k) and sums over them need the vector's length: declare "
                         "it with --shape (y=3), or write the terms out")
    if any(isinstance(node, ArrayOp) for node in sp.preorder_traversal(forward)):
        raise InputError("LATEX: transposes and other vector and matrix operations need the shapes: "
                         "declare them with --shape (x=3 for a vector, W=2x3 for a matrix)")
    if not forward.free_symbols:
        raise InputError("LATEX: the expression has no variables")


def _resolve(name: str, forward: sp.Expr, flag: str) -> sp.Symbol:
    """The symbol of ``forward`` a plain name (or an alias, or a LaTeX name) stands for."""
    by_name = {s.name: s for s in forward.free_symbols}
    wanted = name.strip()
    if "\\" in wanted or "{" in wanted:
        parsed = parse_latex(wanted, where=flag)
        wanted = parsed.name if isinstance(parsed, sp.Symbol) else wanted
    wanted = ALIASES.get(wanted, wanted)
    if wanted not in by_name:
        known = ", ".join(sorted(by_name))
        raise InputError(f"{flag} {name}: the expression has no variable named {name!r} (its variables: {known})")
    return by_name[wanted]


def _parse_point(text_value: str, forward: sp.Expr) -> dict:
    point = {}
    for part in (p.strip() for p in text_value.split(",")):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--at: expected name=value pairs separated by commas, got {part!r}")
        symbol = _resolve(name, forward, "--at")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"--at {name.strip()}: expected a number, got {value.strip()!r}") from None
        if not math.isfinite(number):
            raise InputError(f"--at {name.strip()}: expected a finite number, got {value.strip()!r}")
        if symbol in point:
            raise InputError(f"--at: {name.strip()} is given twice")
        point[symbol] = number
    missing = sorted(s.name for s in forward.free_symbols - set(point))
    if missing:
        raise InputError(f"--at: missing values for {', '.join(missing)}")
    return point


def _value(expr: sp.Expr, point: dict | None, label: str) -> float | None:
    """``expr`` at ``point``; InputError where it is undefined (1/0, log of a negative, (-1)^0.5)."""
    if point is None:
        return None
    symbols = sorted(point, key=str)
    function = float64_function(symbols, expr)
    # NumPy scalars, not Python floats: 1/0 and (-1)**0.5 then give inf and nan, not exceptions.
    arguments = [np.float64(point[s]) for s in symbols]
    try:
        with np.errstate(all="ignore"):
            value = complex(np.asarray(function(*arguments)).item())
    except (ArithmeticError, ValueError, TypeError):
        value = complex(math.nan)
    if value.imag != 0 or not math.isfinite(value.real):
        at = ", ".join(f"{s}={point[s]:g}" for s in symbols)
        raise InputError(f"--at {at}: {label} = {text(expr)} is not defined at this point "
                         f"(it has no finite real value there)")
    return value.real


def _proof_text(proof, lang: str = "en") -> str:
    if proof.ok:
        return method(proof.method, lang)
    return grad_line("failed", lang, detail=translate(str(proof.detail), lang))


def _check_writable(path: Path) -> None:
    """Refuse an --emit-numpy target that cannot be written, before any deriving."""
    folder = path.parent
    if path.is_dir():
        raise InputError(f"--emit-numpy {path}: is a folder; expected a file name such as grad.py")
    if not folder.is_dir():
        raise InputError(f"--emit-numpy {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"--emit-numpy {path}: cannot write in the folder {folder} (permission denied)")


def _emit(path: Path, forward: sp.Expr, results: dict) -> None:
    """Write a NumPy module: the forward function and one function per gradient."""
    from derive.codegen.generate import scalar_function_source, standalone  # only for --emit-numpy

    arguments = sorted(s.name for s in forward.free_symbols)
    for argument in arguments:
        if keyword.iskeyword(naming.python_name(argument)) or argument in {"numpy", "_k"}:
            raise InputError(f"--emit-numpy: the variable {argument!r} cannot be a Python argument name")
    functions = [(FORWARD, forward)] + [(naming.gradient_name(FORWARD, v.name), g) for v, g in results.items()]
    parts = []
    for number, (name, expr) in enumerate(functions):
        source = scalar_function_source(naming.python_name(name), expr, arguments,
                                        comment=f"{name} = {text(expr)}")
        parts.append(source if number == 0 else source[source.index("\ndef ") + 1:])
    source = standalone("\n\n".join(parts))  # the kernels copied in: the file needs NumPy alone
    try:
        path.write_text(source)
    except OSError as error:
        raise InputError(f"--emit-numpy {path}: cannot write the file ({error.strerror})") from None


def _human(report: dict, at: str | None, lang: str = "en", said: dict | None = None) -> str:
    """The readable report; ``said``: the steps' reasons and proofs, the results' proofs in ``lang`` and
    the formulas as text (without it, the report's English and LaTeX)."""
    said = said or {"steps": report["steps"], "results": {k: g["proof"] for k, g in report["gradients"].items()}}
    formulas = said.get("formulas", {})
    lines = [grad_line("forward", lang, name=FORWARD, latex=said.get("forward", report["forward"]["latex"]))]
    if at is not None:
        lines.append(grad_line("at", lang, at=at, name=FORWARD, value=f"{report['forward']['value']:.10g}"))
    for name, gradient in report["gradients"].items():
        lines += ["", grad_line("gradient_by", lang, name=name)]
        steps = [(s, w) for s, w in zip(report["steps"], said["steps"]) if s["wrt"] == name]
        for number, (step, words) in enumerate(steps, 1):
            lines += [f"  {number}. {words.get('text', step['latex'])}",
                      grad_line("why", lang, why=words["why"], proof=words["proof"])]
        lines.append(grad_line("result", lang, name=f"d{FORWARD}/d{name}", latex=formulas.get(name, gradient["latex"]),
                               proof=said["results"][name]))
        if gradient["value"] is not None:
            lines.append(grad_line("at", lang, at=at, name=f"d{FORWARD}/d{name}", value=f"{gradient['value']:.10g}"))
    return "\n".join(lines)
