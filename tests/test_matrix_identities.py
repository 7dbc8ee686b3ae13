r"""``derive grad`` with ``--shape``: matrix-calculus identities and deep-learning losses.

Two tables. IDENTITIES holds the derivative identities of a matrix-calculus chapter and of the
Matrix Cookbook (Petersen & Pedersen, sections 2.4-2.8: linear forms, quadratic forms, traces,
norms, inverses, determinants, element-wise functions); MODELS holds the losses of deep-learning
courses (least squares, ridge, logistic and softmax regression, two-layer networks, an
autoencoder, attention-like scores).

Every case is run through the command line in-process (``derive grad ... --json --at``) at a
deterministic random point, and each gradient's ``value`` is compared with central finite
differences of the forward written *independently* here as a NumPy function (the oracle does not
use derive's evaluator). Also checked: exit 0, every step proven, the forward's value, the
gradient printed in matrix form (no component subscripts) with the shape of its variable, and,
where the identity has a known textbook form, that form.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from derive.cli.main import main

# -- the oracle's helpers -----------------------------------------------------------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.logaddexp(0.0, z)


def relu(z):
    return np.maximum(z, 0.0)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def lse(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def sq(v):
    return float(np.sum(np.asarray(v) ** 2))


inv = np.linalg.inv


def logdet(m):
    sign, value = np.linalg.slogdet(m)
    assert sign > 0, "the oracle's point must have a positive determinant"
    return value


# -- a case ---------------------------------------------------------------------------------------------------
@dataclass
class Case:
    latex: str
    wrt: list
    shapes: dict                       # name as on the command line -> (n,) or (r, c); () or absent: scalar
    f: Callable[[dict], float]         # the forward, by hand, from {name: ndarray}
    domains: dict = field(default_factory=dict)  # name -> see draw(); default "normal"
    forms: dict = field(default_factory=dict)    # wrt -> the expected `text` of the gradient
    scalars: tuple = ()                # names without --shape (scalars) that still need a value


def draw(rng: np.random.Generator, shape: tuple, domain: str) -> np.ndarray:
    """One variable's value: normal; positive; away from 0 (kinks of |x|, ReLU); a probability;
    a one-hot vector; a well-conditioned square matrix (random + n·I, det > 0)."""
    if domain == "normal":
        return rng.normal(size=shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if domain == "away":
        return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 1.5, size=shape)
    if domain == "probability":
        return rng.uniform(0.1, 0.9, size=shape)
    if domain == "onehot":
        value = np.zeros(shape)
        value[rng.integers(shape[0])] = 1.0
        return value
    if domain == "wellconditioned":
        n = shape[0]
        value = 0.5 * rng.normal(size=shape) + n * np.eye(n)
        assert np.linalg.det(value) > 0
        return value
    if domain == "spd":
        n = shape[0]
        a = rng.normal(size=shape)
        return a @ a.T + n * np.eye(n)
    raise ValueError(domain)


def point_of(case: Case, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    names = list(case.shapes) + [s for s in case.scalars if s not in case.shapes]
    return {name: draw(rng, tuple(case.shapes.get(name, ())), case.domains.get(name, "normal")) for name in names}


def at_text(point: dict) -> str:
    return ",".join(f"{name}={json.dumps(value.tolist())}" for name, value in point.items())


def shape_args(case: Case) -> list:
    args = []
    for name, shape in case.shapes.items():
        if shape:
            args += ["--shape", f"{name}=" + "x".join(map(str, shape))]
    return args


def central_difference(f: Callable, point: dict, name: str) -> np.ndarray:
    """∂f/∂name by central differences, h = 1e-6·max(1, |v|) per component, float64."""
    base = point[name]
    gradient = np.zeros(base.shape)
    for index in np.ndindex(base.shape):
        h = 1e-6 * max(1.0, abs(float(base[index])))
        plus, minus = base.copy(), base.copy()
        plus[index] += h
        minus[index] -= h
        gradient[index] = (f({**point, name: plus}) - f({**point, name: minus})) / (2 * h)
    return gradient


def run_grad(args, capsys):
    code = main(["grad", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


#: a component subscript in the printed gradient: x_1, x_{1}, W_{ij}, x_i, (Wx)_j
_COMPONENT = re.compile(r"_\{?[0-9ijkn]")


_NORM_INDEX = re.compile(r"\\\|_\{?[12F]\}?")
_GROUP = re.compile(r"(^|(?<= ))\(([^()+−⊙/]*)\)")


def canonical(shown: str) -> str:
    """The printed form up to brackets around a plain product (products associate): ``−X⁻ᵀ (a bᵀ) X⁻ᵀ``
    and ``−X⁻ᵀ a bᵀ X⁻ᵀ`` are the same form; the brackets of a function call or a sum stay."""
    shown = " ".join(shown.split())
    while True:
        simpler = _GROUP.sub(lambda m: m[1] + m[2], shown)
        if simpler == shown:
            return shown
        shown = simpler


def assert_matrix_form(gradient: dict, case: Case, key: str, variable: str) -> None:
    shown = _NORM_INDEX.sub("", gradient["latex"])  # \|x\|_{1}, \|X\|_{F}: which norm, not a component
    for name in case.shapes:  # declared names such as W_1 and b_2 are names, not components
        if "_" in name:
            base, sub = name.split("_", 1)
            shown = shown.replace(f"{base}_{{{sub}}}", base).replace(name, base)
    assert not _COMPONENT.search(shown), f"{key}: ∂/∂{variable} is not in matrix form: {gradient['latex']}"
    assert r"\sum" not in shown, f"{key}: ∂/∂{variable} is written with a sum: {gradient['latex']}"
    assert "∑" not in gradient["text"], f"{key}: ∂/∂{variable} is written with a sum: {gradient['text']}"


def check_case(key: str, case: Case, capsys) -> None:
    point = point_of(case, seed=zlib.crc32(key.encode()))
    args = [case.latex, *(a for v in case.wrt for a in ("--wrt", v)), *shape_args(case),
            "--at", at_text(point), "--json"]
    code, out, err = run_grad(args, capsys)
    assert code == 0, f"{key}: exit {code}: {err.strip()} {out[-400:]}"
    assert err == ""
    report = json.loads(out)
    for step in report["steps"]:
        assert not step["proof"].startswith("FAILED"), f"{key}: step not proven: {step}"
    expected_forward = case.f(point)
    assert report["forward"]["value"] == pytest.approx(expected_forward, rel=1e-9, abs=1e-12), key
    scale = max(1.0, abs(expected_forward))
    for variable in case.wrt:
        gradient = report["gradients"][variable]
        assert not gradient["proof"].startswith("FAILED"), f"{key}: ∂/∂{variable}: {gradient['proof']}"
        declared = tuple(case.shapes.get(variable, ()))
        value = np.array(gradient["value"], dtype=float)
        assert value.shape == declared, f"{key}: ∂/∂{variable} has shape {value.shape}, {variable} is {declared}"
        assert tuple(gradient["shape"]) == declared
        assert_matrix_form(gradient, case, key, variable)
        if variable in case.forms:
            assert canonical(gradient["text"]) == canonical(case.forms[variable]), \
                f"{key}: ∂/∂{variable} = {gradient['text']}, expected {case.forms[variable]}"
        expected = central_difference(case.f, point, variable)
        atol = 1e-7 * max(scale, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=atol,
                                   err_msg=f"{key}: ∂/∂{variable} = {gradient['text']} vs finite differences")


# -- the Matrix Cookbook and a matrix-calculus chapter --------------------------------------------------------
T = np.transpose
ONE = np.ones

IDENTITIES = {
    # linear forms (Cookbook 2.4.1)
    "a'x": Case(r"a^\top x", ["x"], {"a": (3,), "x": (3,)}, lambda v: v["a"] @ v["x"], forms={"x": "a"}),
    "x'a": Case(r"x^\top a", ["x"], {"a": (3,), "x": (3,)}, lambda v: v["x"] @ v["a"], forms={"x": "a"}),
    "a'Xb": Case(r"a^\top X b", ["X"], {"a": (2,), "X": (2, 3), "b": (3,)},
                 lambda v: v["a"] @ v["X"] @ v["b"], forms={"X": "a bᵀ"}),
    "a'X'b": Case(r"a^\top X^\top b", ["X"], {"a": (3,), "X": (2, 3), "b": (2,)},
                  lambda v: v["a"] @ v["X"].T @ v["b"], forms={"X": "b aᵀ"}),
    "a'Xa": Case(r"a^\top X a", ["X"], {"a": (3,), "X": (3, 3)}, lambda v: v["a"] @ v["X"] @ v["a"],
                 forms={"X": "a aᵀ"}),
    "sum_j(Wx)_j": Case(r"\sum_j (W x)_j", ["W", "x"], {"W": (2, 3), "x": (3,)}, lambda v: np.sum(v["W"] @ v["x"]),
                        forms={"W": "𝟏 xᵀ", "x": "Wᵀ 𝟏"}),
    "a'(x.y)": Case(r"a^\top (x \odot y)", ["x", "y"], {"a": (3,), "x": (3,), "y": (3,)},
                    lambda v: v["a"] @ (v["x"] * v["y"]), forms={"x": "a ⊙ y"}),
    # quadratic forms (2.4.2)
    "x'Ax": Case(r"x^\top A x", ["x", "A"], {"x": (3,), "A": (3, 3)}, lambda v: v["x"] @ v["A"] @ v["x"],
                 forms={"x": "(A + Aᵀ) x", "A": "x xᵀ"}),
    "x'x": Case(r"x^\top x", ["x"], {"x": (3,)}, lambda v: v["x"] @ v["x"], forms={"x": "2 x"}),
    "x'(A+A')x": Case(r"x^\top (A + A^\top) x", ["x", "A"], {"x": (3,), "A": (3, 3)},
                      lambda v: v["x"] @ (v["A"] + v["A"].T) @ v["x"]),
    "x'A'Ax": Case(r"x^\top A^\top A x", ["x", "A"], {"x": (3,), "A": (2, 3)},
                   lambda v: sq(v["A"] @ v["x"])),
    "(Ax+b)'C(Dx+e)": Case(r"(A x + b)^\top C (D x + e)", ["x"],
                           {"A": (3, 2), "x": (2,), "b": (3,), "C": (3, 4), "D": (4, 2), "e": (4,)},
                           lambda v: (v["A"] @ v["x"] + v["b"]) @ v["C"] @ (v["D"] @ v["x"] + v["e"])),
    "(Ax+b)'(Ax+b)": Case(r"(A x + b)^\top (A x + b)", ["x", "b"], {"A": (3, 2), "x": (2,), "b": (3,)},
                          lambda v: sq(v["A"] @ v["x"] + v["b"])),
    "b'X'Xc": Case(r"b^\top X^\top X c", ["X"], {"b": (3,), "X": (2, 3), "c": (3,)},
                   lambda v: v["b"] @ v["X"].T @ v["X"] @ v["c"], forms={"X": "X c bᵀ + X b cᵀ"}),
    "a'XX'b": Case(r"a^\top X X^\top b", ["X"], {"a": (2,), "X": (2, 3), "b": (2,)},
                   lambda v: v["a"] @ v["X"] @ v["X"].T @ v["b"]),
    "|Ax-b|^2": Case(r"\|A x - b\|^2", ["x", "A", "b"], {"A": (2, 3), "x": (3,), "b": (2,)},
                     lambda v: sq(v["A"] @ v["x"] - v["b"]),
                     forms={"x": "2 Aᵀ (A x − b)", "A": "2 (A x − b) xᵀ"}),
    "|Xa-b|^2": Case(r"\|X a - b\|^2", ["X"], {"X": (2, 3), "a": (3,), "b": (2,)},
                     lambda v: sq(v["X"] @ v["a"] - v["b"]), forms={"X": "2 (X a − b) aᵀ"}),
    "(a'x)^2": Case(r"(a^\top x)^2", ["x"], {"a": (3,), "x": (3,)}, lambda v: (v["a"] @ v["x"]) ** 2,
                    forms={"x": "2 (aᵀ x) a"}),
    "x'Ax+b'x+c": Case(r"x^\top A x + b^\top x + c", ["x", "b", "c"], {"x": (3,), "A": (3, 3), "b": (3,)},
                       lambda v: v["x"] @ v["A"] @ v["x"] + v["b"] @ v["x"] + v["c"], scalars=("c",),
                       forms={"x": "(A + Aᵀ) x + b", "b": "x", "c": "1"}),
    "rayleigh": Case(r"\frac{x^\top A x}{x^\top x}", ["x"], {"x": (3,), "A": (3, 3)},
                     lambda v: (v["x"] @ v["A"] @ v["x"]) / (v["x"] @ v["x"])),
    # norms (2.6 and 3.5)
    "|x|": Case(r"\|x\|", ["x"], {"x": (3,)}, lambda v: np.linalg.norm(v["x"]), forms={"x": "x / ‖x‖"}),
    "|x|_2": Case(r"\|x\|_2", ["x"], {"x": (3,)}, lambda v: np.linalg.norm(v["x"]), forms={"x": "x / ‖x‖"}),
    "|x-a|": Case(r"\|x - a\|", ["x", "a"], {"x": (3,), "a": (3,)}, lambda v: np.linalg.norm(v["x"] - v["a"]),
                  forms={"x": "(x − a) / ‖x − a‖"}),
    "sqrt(x'x)": Case(r"\sqrt{x^\top x}", ["x"], {"x": (3,)}, lambda v: np.sqrt(v["x"] @ v["x"])),
    "|x|^4": Case(r"\|x\|^4", ["x"], {"x": (3,)}, lambda v: sq(v["x"]) ** 2),
    "|x|_1": Case(r"\|x\|_1", ["x"], {"x": (4,)}, lambda v: np.sum(np.abs(v["x"])), {"x": "away"},
                  forms={"x": "sign(x)"}),
    "|X|_F^2": Case(r"\|X\|_F^2", ["X"], {"X": (2, 3)}, lambda v: sq(v["X"]), forms={"X": "2 X"}),
    "|X|_F": Case(r"\|X\|_F", ["X"], {"X": (2, 3)}, lambda v: np.sqrt(sq(v["X"])), forms={"X": "X / ‖X‖_F"}),
    "sum_ij W_ij^2": Case(r"\sum_{i,j} W_{ij}^2", ["W"], {"W": (2, 3)}, lambda v: sq(v["W"]), forms={"W": "2 W"}),
    "|X-UV'|_F^2": Case(r"\|X - U V^\top\|_F^2", ["U", "V"], {"X": (3, 2), "U": (3, 2), "V": (2, 2)},
                        lambda v: sq(v["X"] - v["U"] @ v["V"].T),
                        forms={"U": "−2 (X − U Vᵀ) V", "V": "−2 (X − U Vᵀ)ᵀ U"}),
    # traces (2.5)
    "tr(X)": Case(r"\operatorname{tr}(X)", ["X"], {"X": (3, 3)}, lambda v: np.trace(v["X"]), forms={"X": "I"}),
    "tr(X')": Case(r"\operatorname{tr}(X^\top)", ["X"], {"X": (3, 3)}, lambda v: np.trace(v["X"]), forms={"X": "I"}),
    "tr(AX)": Case(r"\operatorname{tr}(A X)", ["X"], {"A": (3, 2), "X": (2, 3)},
                   lambda v: np.trace(v["A"] @ v["X"]), forms={"X": "Aᵀ"}),
    "tr(XA)": Case(r"\operatorname{tr}(X A)", ["X"], {"A": (3, 2), "X": (2, 3)},
                   lambda v: np.trace(v["X"] @ v["A"]), forms={"X": "Aᵀ"}),
    "tr(X'A)": Case(r"\operatorname{tr}(X^\top A)", ["X"], {"A": (2, 3), "X": (2, 3)},
                    lambda v: np.trace(v["X"].T @ v["A"]), forms={"X": "A"}),
    "tr(AX')": Case(r"\operatorname{tr}(A X^\top)", ["X"], {"A": (2, 3), "X": (2, 3)},
                    lambda v: np.trace(v["A"] @ v["X"].T), forms={"X": "A"}),
    "tr(A'X)": Case(r"\operatorname{tr}(A^\top X)", ["X"], {"A": (2, 3), "X": (2, 3)},
                    lambda v: np.trace(v["A"].T @ v["X"]), forms={"X": "A"}),
    "tr(X'X)": Case(r"\operatorname{tr}(X^\top X)", ["X"], {"X": (2, 3)},
                    lambda v: np.trace(v["X"].T @ v["X"]), forms={"X": "2 X"}),
    "tr(X'AX)": Case(r"\operatorname{tr}(X^\top A X)", ["X"], {"A": (2, 2), "X": (2, 3)},
                     lambda v: np.trace(v["X"].T @ v["A"] @ v["X"]), forms={"X": "(A + Aᵀ) X"}),
    "tr(XAX')": Case(r"\operatorname{tr}(X A X^\top)", ["X"], {"A": (3, 3), "X": (2, 3)},
                     lambda v: np.trace(v["X"] @ v["A"] @ v["X"].T)),
    "tr(X'XA)": Case(r"\operatorname{tr}(X^\top X A)", ["X"], {"A": (3, 3), "X": (2, 3)},
                     lambda v: np.trace(v["X"].T @ v["X"] @ v["A"])),
    "tr(AXB)": Case(r"\operatorname{tr}(A X B)", ["X"], {"A": (2, 3), "X": (3, 4), "B": (4, 2)},
                    lambda v: np.trace(v["A"] @ v["X"] @ v["B"]), forms={"X": "Aᵀ Bᵀ"}),
    "tr(XX)": Case(r"\operatorname{tr}(X X)", ["X"], {"X": (3, 3)}, lambda v: np.trace(v["X"] @ v["X"]),
                   forms={"X": "2 Xᵀ"}),
    # inverses (2.2 and 2.5)
    "tr(X^-1)": Case(r"\operatorname{tr}(X^{-1})", ["X"], {"X": (3, 3)}, lambda v: np.trace(inv(v["X"])),
                     {"X": "wellconditioned"}, forms={"X": "−X⁻ᵀ X⁻ᵀ"}),
    "tr(AX^-1B)": Case(r"\operatorname{tr}(A X^{-1} B)", ["X"], {"A": (3, 2), "X": (2, 2), "B": (2, 3)},
                       lambda v: np.trace(v["A"] @ inv(v["X"]) @ v["B"]), {"X": "wellconditioned"}),
    "a'X^-1b": Case(r"a^\top X^{-1} b", ["X"], {"a": (3,), "X": (3, 3), "b": (3,)},
                    lambda v: v["a"] @ inv(v["X"]) @ v["b"], {"X": "wellconditioned"},
                    forms={"X": "−X⁻ᵀ (a bᵀ) X⁻ᵀ"}),
    "x'X^-1x": Case(r"x^\top X^{-1} x", ["X", "x"], {"x": (2,), "X": (2, 2)},
                    lambda v: v["x"] @ inv(v["X"]) @ v["x"], {"X": "wellconditioned"}),
    # determinants (2.1)
    "logdet X": Case(r"\log\det X", ["X"], {"X": (3, 3)}, lambda v: logdet(v["X"]), {"X": "wellconditioned"},
                     forms={"X": "X⁻ᵀ"}),
    "log|X|": Case(r"\log|X|", ["X"], {"X": (3, 3)}, lambda v: logdet(v["X"]), {"X": "wellconditioned"},
                   forms={"X": "X⁻ᵀ"}),
    "det X": Case(r"\det X", ["X"], {"X": (3, 3)}, lambda v: np.linalg.det(v["X"]), {"X": "wellconditioned"},
                  forms={"X": "det(X) X⁻ᵀ"}),
    "logdet(X'X)": Case(r"\log\det(X^\top X)", ["X"], {"X": (3, 2)}, lambda v: logdet(v["X"].T @ v["X"])),
    # element-wise functions and the softmax family
    "1'sigma(x)": Case(r"\mathbf{1}^\top \sigma(x)", ["x"], {"x": (3,)}, lambda v: np.sum(sigmoid(v["x"])),
                       forms={"x": "σ(x) ⊙ (𝟏 − σ(x))"}),
    "1'exp(x)": Case(r"\mathbf{1}^\top \exp(x)", ["x"], {"x": (3,)}, lambda v: np.sum(np.exp(v["x"])),
                     forms={"x": "exp(x)"}),
    "1'log(x)": Case(r"\mathbf{1}^\top \log(x)", ["x"], {"x": (3,)}, lambda v: np.sum(np.log(v["x"])),
                     {"x": "positive"}, forms={"x": "𝟏 / x"}),
    "1'tanh(Wx)": Case(r"\mathbf{1}^\top \tanh(W x)", ["W", "x"], {"W": (2, 3), "x": (3,)},
                       lambda v: np.sum(np.tanh(v["W"] @ v["x"])),
                       forms={"W": "(𝟏 − tanh(W x)²) xᵀ", "x": "Wᵀ (𝟏 − tanh(W x)²)"}),
    "a'softplus(x)": Case(r"a^\top \operatorname{softplus}(x)", ["x", "a"], {"a": (3,), "x": (3,)},
                          lambda v: v["a"] @ softplus(v["x"]), forms={"x": "a ⊙ σ(x)", "a": "softplus(x)"}),
    "a'ReLU(x)": Case(r"a^\top \operatorname{ReLU}(x)", ["x"], {"a": (4,), "x": (4,)},
                      lambda v: v["a"] @ relu(v["x"]), {"x": "away"}),
    "a'softmax(x)": Case(r"a^\top \operatorname{softmax}(x)", ["x", "a"], {"a": (3,), "x": (3,)},
                         lambda v: v["a"] @ softmax(v["x"]), forms={"a": "softmax(x)"}),
    "LSE(x)": Case(r"\operatorname{LSE}(x)", ["x"], {"x": (3,)}, lambda v: lse(v["x"]), forms={"x": "softmax(x)"}),
    "log(1'exp(x))": Case(r"\log(\mathbf{1}^\top \exp(x))", ["x"], {"x": (3,)}, lambda v: lse(v["x"])),
    "sum_i x_i^2": Case(r"\sum_i x_i^2", ["x"], {"x": (3,)}, lambda v: sq(v["x"]), forms={"x": "2 x"}),
    "sum_i (x_i-mu)^2": Case(r"\sum_i (x_i - \mu)^2", ["x", "mu"], {"x": (4,)},
                             lambda v: sq(v["x"] - v["mu"]), scalars=("mu",), forms={"x": "2 (x − μ 𝟏)"}),
    "sum_j sigma((Wx)_j)": Case(r"\sum_j \sigma((W x)_j)", ["W", "x"], {"W": (2, 3), "x": (3,)},
                                lambda v: np.sum(sigmoid(v["W"] @ v["x"]))),
    "softmax(x)'log softmax(x)": Case(r"\operatorname{softmax}(x)^\top \log \operatorname{softmax}(x)", ["x"],
                                      {"x": (3,)},
                                      lambda v: softmax(v["x"]) @ np.log(softmax(v["x"]))),
    "a'softmax(x/T)": Case(r"a^\top \operatorname{softmax}(x / T)", ["x", "T"], {"x": (3,), "a": (3,)},
                           lambda v: v["a"] @ softmax(v["x"] / v["T"]), {"T": "positive"}, scalars=("T",)),
    "p'log(p/q)": Case(r"p^\top \log(p / q)", ["p", "q"], {"p": (3,), "q": (3,)},
                       lambda v: v["p"] @ np.log(v["p"] / v["q"]), {"p": "positive", "q": "positive"}),
    "cosine": Case(r"\frac{x^\top y}{\|x\| \|y\|}", ["x", "y"], {"x": (3,), "y": (3,)},
                   lambda v: v["x"] @ v["y"] / np.linalg.norm(v["x"]) / np.linalg.norm(v["y"])),
    "|x|_1^2": Case(r"\|x\|_1^2", ["x"], {"x": (3,)}, lambda v: np.sum(np.abs(v["x"])) ** 2, {"x": "away"}),
    "sum_ij A_ij X_ij": Case(r"\sum_{i,j} A_{ij} X_{ij}", ["X"], {"A": (2, 3), "X": (2, 3)},
                             lambda v: np.sum(v["A"] * v["X"]), forms={"X": "A"}),
    "tr(X'AXB)": Case(r"\operatorname{tr}(X^\top A X B)", ["X"], {"X": (2, 3), "A": (2, 2), "B": (3, 3)},
                      lambda v: np.trace(v["X"].T @ v["A"] @ v["X"] @ v["B"])),
    "exp(-|x-mu|^2/2s)": Case(r"\exp(-\|x - \mu\|^2 / (2 s))", ["x", "mu", "s"], {"x": (3,), "mu": (3,)},
                              lambda v: np.exp(-sq(v["x"] - v["mu"]) / (2 * v["s"])), {"s": "positive"},
                              scalars=("s",)),
    "|x.y-z|^2": Case(r"\|x \odot y - z\|^2", ["x"], {"x": (3,), "y": (3,), "z": (3,)},
                      lambda v: sq(v["x"] * v["y"] - v["z"])),
    "1'(x.x)": Case(r"\mathbf{1}^\top (x \odot x)", ["x"], {"x": (3,)}, lambda v: sq(v["x"]), forms={"x": "2 x"}),
}


# -- deep-learning losses -------------------------------------------------------------------------------------
def bce(p, y):
    return float(-(y @ np.log(p)) - (1 - y) @ np.log(1 - p))


MODELS = {
    "least_squares": Case(r"\|X w - y\|^2", ["w", "y"], {"X": (4, 2), "w": (2,), "y": (4,)},
                          lambda v: sq(v["X"] @ v["w"] - v["y"]), forms={"w": "2 Xᵀ (X w − y)"}),
    "least_squares_by_data": Case(r"\|X w - y\|^2", ["X"], {"X": (4, 2), "w": (2,), "y": (4,)},
                                  lambda v: sq(v["X"] @ v["w"] - v["y"]), forms={"X": "2 (X w − y) wᵀ"}),
    "ridge": Case(r"\|X w - y\|^2 + \lambda \|w\|^2", ["w", "lambda"], {"X": (4, 2), "w": (2,), "y": (4,)},
                  lambda v: sq(v["X"] @ v["w"] - v["y"]) + v["lambda"] * sq(v["w"]), {"lambda": "positive"},
                  scalars=("lambda",), forms={"w": "2 Xᵀ (X w − y) + 2 λ w", "lambda": "‖w‖²"}),
    "ridge_half": Case(r"\frac{1}{2}\|X w - y\|^2 + \frac{\lambda}{2} w^\top w", ["w"],
                       {"X": (4, 2), "w": (2,), "y": (4,)},
                       lambda v: 0.5 * sq(v["X"] @ v["w"] - v["y"]) + 0.5 * v["lambda"] * sq(v["w"]),
                       {"lambda": "positive"}, scalars=("lambda",), forms={"w": "Xᵀ (X w − y) + λ w"}),
    "mse": Case(r"\frac{1}{N}\|X w - y\|^2", ["w", "N"], {"X": (4, 2), "w": (2,), "y": (4,)},
                lambda v: sq(v["X"] @ v["w"] - v["y"]) / v["N"], {"N": "positive"}, scalars=("N",)),
    "mse_5": Case(r"\frac{1}{5}\|X w - y\|^2", ["w"], {"X": (4, 2), "w": (2,), "y": (4,)},
                  lambda v: sq(v["X"] @ v["w"] - v["y"]) / 5, forms={"w": "2/5 Xᵀ (X w − y)"}),
    "lasso": Case(r"\|X w - y\|^2 + \lambda \|w\|_1", ["w"], {"X": (4, 2), "w": (2,), "y": (4,)},
                  lambda v: sq(v["X"] @ v["w"] - v["y"]) + v["lambda"] * np.sum(np.abs(v["w"])),
                  {"w": "away", "lambda": "positive"}, scalars=("lambda",),
                  forms={"w": "2 Xᵀ (X w − y) + λ sign(w)"}),
    "logistic_regression": Case(
        r"-y^\top \log \sigma(X w) - (\mathbf{1} - y)^\top \log(\mathbf{1} - \sigma(X w))", ["w"],
        {"X": (4, 2), "w": (2,), "y": (4,)}, lambda v: bce(sigmoid(v["X"] @ v["w"]), v["y"]),
        {"y": "probability"}, forms={"w": "Xᵀ (σ(X w) − y)"}),
    "logistic_regression_softplus": Case(
        r"\mathbf{1}^\top \operatorname{softplus}(X w) - y^\top X w", ["w"], {"X": (4, 2), "w": (2,), "y": (4,)},
        lambda v: np.sum(softplus(v["X"] @ v["w"])) - v["y"] @ v["X"] @ v["w"], {"y": "probability"},
        forms={"w": "Xᵀ (σ(X w) − y)"}),
    "logistic_margins": Case(
        r"\mathbf{1}^\top \log(\mathbf{1} + \exp(-y \odot (X w)))", ["w"], {"X": (4, 2), "w": (2,), "y": (4,)},
        lambda v: np.sum(np.log1p(np.exp(-v["y"] * (v["X"] @ v["w"])))), {"y": "away"}),
    "softmax_regression": Case(
        r"-y^\top \log \operatorname{softmax}(W x)", ["W", "x"], {"W": (3, 2), "x": (2,), "y": (3,)},
        lambda v: -v["y"] @ np.log(softmax(v["W"] @ v["x"])), {"y": "onehot"}),
    "softmax_regression_sum": Case(
        r"-\sum_j y_j \log \operatorname{softmax}(W x)_j", ["W"], {"W": (3, 2), "x": (2,), "y": (3,)},
        lambda v: -v["y"] @ np.log(softmax(v["W"] @ v["x"])), {"y": "onehot"}),
    "softmax_ce_bias": Case(
        r"-y^\top \log(\operatorname{softmax}(W x + b))", ["b", "W"], {"W": (3, 2), "x": (2,), "y": (3,), "b": (3,)},
        lambda v: -v["y"] @ np.log(softmax(v["W"] @ v["x"] + v["b"])), {"y": "probability"}),
    "lse_minus_logit": Case(r"\operatorname{LSE}(W x) - y^\top W x", ["W", "x"], {"W": (3, 2), "x": (2,), "y": (3,)},
                            lambda v: lse(v["W"] @ v["x"]) - v["y"] @ v["W"] @ v["x"], {"y": "onehot"},
                            forms={"W": "(softmax(W x) − y) xᵀ", "x": "Wᵀ (softmax(W x) − y)"}),
    "two_layer_sigmoid": Case(
        r"\|W_2 \sigma(W_1 x) - y\|^2", ["W_1", "W_2"], {"W_1": (3, 2), "W_2": (2, 3), "x": (2,), "y": (2,)},
        lambda v: sq(v["W_2"] @ sigmoid(v["W_1"] @ v["x"]) - v["y"]),
        forms={"W_2": "2 (W_2 σ(W_1 x) − y) σ(W_1 x)ᵀ"}),
    "two_layer_tanh": Case(
        r"\|W_2 \tanh(W_1 x) - y\|^2", ["W_1", "W_2", "x"], {"W_1": (3, 2), "W_2": (2, 3), "x": (2,), "y": (2,)},
        lambda v: sq(v["W_2"] @ np.tanh(v["W_1"] @ v["x"]) - v["y"])),
    "two_layer_relu": Case(
        r"\|W_2 \operatorname{ReLU}(W_1 x) - y\|^2", ["W_1", "W_2"],
        {"W_1": (3, 2), "W_2": (2, 3), "x": (2,), "y": (2,)},
        lambda v: sq(v["W_2"] @ relu(v["W_1"] @ v["x"]) - v["y"])),
    "two_layer_biases": Case(
        r"\|W_2 \tanh(W_1 x + b_1) + b_2 - y\|^2", ["b_1", "b_2", "W_1"],
        {"W_1": (3, 2), "W_2": (2, 3), "x": (2,), "y": (2,), "b_1": (3,), "b_2": (2,)},
        lambda v: sq(v["W_2"] @ np.tanh(v["W_1"] @ v["x"] + v["b_1"]) + v["b_2"] - v["y"]),
        forms={"b_2": "2 (W_2 tanh(W_1 x + b_1) + b_2 − y)"}),
    "two_layer_softmax_ce": Case(
        r"\operatorname{LSE}(W_2 \tanh(W_1 x)) - y^\top W_2 \tanh(W_1 x)", ["W_1", "W_2"],
        {"W_1": (3, 2), "W_2": (2, 3), "x": (2,), "y": (2,)},
        lambda v: lse(v["W_2"] @ np.tanh(v["W_1"] @ v["x"])) - v["y"] @ v["W_2"] @ np.tanh(v["W_1"] @ v["x"]),
        {"y": "onehot"}),
    "sigmoid_layer_mse": Case(
        r"\|\sigma(W x + b) - y\|^2", ["W", "b"], {"W": (2, 3), "x": (3,), "b": (2,), "y": (2,)},
        lambda v: sq(sigmoid(v["W"] @ v["x"] + v["b"]) - v["y"])),
    "margin_softplus": Case(r"\operatorname{softplus}(-y w^\top x)", ["w", "y"], {"w": (3,), "x": (3,)},
                            lambda v: softplus(-v["y"] * (v["w"] @ v["x"])), scalars=("y",)),
    "margin_log_sigmoid": Case(r"-\log \sigma(y w^\top x)", ["w"], {"w": (3,), "x": (3,)},
                               lambda v: -np.log(sigmoid(v["y"] * (v["w"] @ v["x"]))), scalars=("y",)),
    "autoencoder_tied": Case(r"\|W^\top W x - x\|^2", ["W"], {"W": (2, 3), "x": (3,)},
                             lambda v: sq(v["W"].T @ v["W"] @ v["x"] - v["x"])),
    "attention_value": Case(r"v^\top \operatorname{softmax}(K q)", ["q", "K", "v"], {"q": (2,), "K": (3, 2), "v": (3,)},
                            lambda v: v["v"] @ softmax(v["K"] @ v["q"])),
    "attention_self_score": Case(r"q^\top K^\top \operatorname{softmax}(K q)", ["q"], {"q": (2,), "K": (3, 2)},
                                 lambda v: v["q"] @ v["K"].T @ softmax(v["K"] @ v["q"])),
    "matrix_factorization": Case(r"\|X W\|_F^2", ["W"], {"X": (4, 3), "W": (3, 2)}, lambda v: sq(v["X"] @ v["W"]),
                                 forms={"W": "2 Xᵀ X W"}),
    "gaussian_nll": Case(
        r"\frac{1}{2}\log\det S + \frac{1}{2}(x - \mu)^\top S^{-1} (x - \mu)", ["mu", "S"],
        {"x": (2,), "mu": (2,), "S": (2, 2)},
        lambda v: 0.5 * logdet(v["S"]) + 0.5 * (v["x"] - v["mu"]) @ inv(v["S"]) @ (v["x"] - v["mu"]),
        {"S": "spd"}),
    "batch_variance": Case(r"\frac{1}{2} \sum_i (x_i - \mu)^2 / s", ["x", "mu", "s"], {"x": (4,)},
                           lambda v: 0.5 * sq(v["x"] - v["mu"]) / v["s"], {"s": "positive"}, scalars=("mu", "s")),
}


@pytest.mark.parametrize("key", list(IDENTITIES))
def test_cookbook_identity(key, capsys):
    check_case(key, IDENTITIES[key], capsys)


@pytest.mark.parametrize("key", list(MODELS))
def test_deep_learning_loss(key, capsys):
    check_case(key, MODELS[key], capsys)


def test_tables_are_large_enough():
    assert len(IDENTITIES) >= 40
    assert len(MODELS) >= 15
