r"""The Jacobian ∂f/∂x of a vector expression f by a vector (or scalar) x, in matrix form.

Forward mode, inside out: ∂x/∂x = I; ∂(Wu)/∂x = W ∂u/∂x for a constant W; an element-wise
σ(u) gives diag(σ′(u)) ∂u/∂x; softmax(u) gives (diag(ŷ) − ŷŷᵀ) ∂u/∂x; a scalar s(u) the row
s′(u)ᵀ ∂u/∂x. Each step ``∂u/∂x = J`` is proven like the gradient's steps: against SymPy's
Jacobian of u's components at the declared sizes, and finite differences at other sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.engine.prove import SYMBOLIC_SECONDS, prove_equal
from derive.errors import InputError
from derive.matrix import expr as E
from derive.matrix.components import explicit
from derive.matrix.expr import (
    Add,
    Apply,
    Hadamard,
    MatMul,
    Node,
    Power,
    Quotient,
    Reduce,
    Scale,
    Transpose,
    Var,
    add,
    apply,
    depends_on,
    diag,
    divide,
    hadamard,
    matmul,
    neg,
    number,
    ones,
    power,
    scale,
    softmax,
    sub,
    transpose,
)
from derive.matrix.numeric import evaluate, random_point
from derive.matrix.printing import text
from derive.matrix.prove import FD_RTOL, SYMBOLIC_OPS, StepProof, _sampler, other_sizes


@dataclass(frozen=True)
class JacobianStep:
    target: Node
    jacobian: Node
    why: str


@dataclass(frozen=True)
class JacobianDerivation:
    forward: Node
    wrt: str
    steps: tuple
    result: Node


def derive_jacobian(forward: Node, wrt: str) -> JacobianDerivation:
    shape = E.variables(forward)[wrt]
    if shape[1] != 1:
        raise InputError(f"--jacobian: {wrt} is a {E.shape_text(shape)} matrix; the Jacobian is taken by a "
                         f"vector or a scalar (the Jacobian by a matrix has three indices)")
    if forward.shape[1] != 1:
        raise InputError(f"--jacobian: {text(forward)} is a {E.shape_text(forward.shape)} matrix; the "
                         f"Jacobian is of a vector or a scalar")
    steps: list = []
    result = _jacobian(forward, wrt, shape[0], steps, {})
    return JacobianDerivation(forward, wrt, tuple(steps), result)


def _jacobian(node: Node, wrt: str, n: int, steps: list, memo: dict) -> Node:
    if node in memo:
        return memo[node]
    if not depends_on(node, wrt):
        result = E.zero((node.shape[0], n))
    elif isinstance(node, Var):
        result = E.identity(n) if n > 1 else E.ONE
    else:
        result, why = _rule(node, wrt, n, lambda child: _jacobian(child, wrt, n, steps, memo))
        steps.append(JacobianStep(node, result, why))
    memo[node] = result
    return result


def _rule(node: Node, wrt: str, n: int, jac) -> tuple[Node, str]:
    dep = lambda child: depends_on(child, wrt)
    if isinstance(node, Add):
        return add(*(jac(t) for t in node.terms if dep(t))), "sum rule"
    if isinstance(node, Scale):
        parts = []
        if dep(node.body):
            parts.append(scale(node.factor, jac(node.body)))
        if dep(node.factor):
            parts.append(matmul(node.body, jac(node.factor)))
        return add(*parts), "product rule: ∂(s a) = s ∂a + a ∂s"
    if isinstance(node, MatMul):
        return _matmul(node, dep, jac)
    if isinstance(node, Hadamard):
        parts = [matmul(diag(other), jac(part)) for part, other in ((node.left, node.right), (node.right, node.left))
                 if dep(part)]
        return add(*parts), "element-wise product: ∂(a ⊙ b) = diag(b) ∂a + diag(a) ∂b"
    if isinstance(node, Apply):
        return _elementwise(node, jac)
    if isinstance(node, Power):
        slope = scale(number(node.exponent), power(node.base, node.exponent - 1))
        return _times_diag(slope, jac(node.base)), f"power rule: diag({node.exponent} a^{node.exponent - 1})"
    if isinstance(node, Quotient):
        return _quotient(node, dep, jac)
    if isinstance(node, Reduce):
        return _reduce(node, jac)
    raise InputError(f"--jacobian: the Jacobian through {text(node)} is not supported")


def _times_diag(vector: Node, jacobian: Node) -> Node:
    if vector.is_scalar:
        return scale(vector, jacobian)
    return matmul(diag(vector), jacobian)


def _matmul(node: MatMul, dep, jac):
    a, b = node.left, node.right
    if not dep(a):
        return matmul(a, jac(b)), "linear map: ∂(W u) = W ∂u"
    inner = a.body if isinstance(a, Transpose) else None
    if inner is None or not inner.is_vector:
        raise InputError(f"--jacobian: {text(a)} depends on the variable and is not a transposed vector; "
                         f"its Jacobian has three indices")
    parts = [matmul(transpose(b), jac(inner))]  # ∂(uᵀb) = bᵀ ∂u + uᵀ ∂b
    if dep(b):
        parts.append(matmul(a, jac(b)))
    return add(*parts), "product rule: ∂(uᵀv) = vᵀ ∂u + uᵀ ∂v"


_SLOPES = {
    "sigmoid": (lambda a: hadamard(apply("sigmoid", a), sub(ones(a.shape), apply("sigmoid", a))),
                "element-wise σ: diag(σ(a) ⊙ (1 − σ(a)))"),
    "tanh": (lambda a: sub(ones(a.shape), power(apply("tanh", a), 2)), "element-wise tanh: diag(1 − tanh²(a))"),
    "exp": (lambda a: apply("exp", a), "element-wise exp: diag(exp(a))"),
    "log": (lambda a: divide(ones(a.shape), a), "element-wise log: diag(1/a)"),
    "softplus": (lambda a: apply("sigmoid", a), "element-wise softplus: diag(σ(a))"),
    "relu": (lambda a: apply("step", a), "element-wise ReLU: diag([a > 0])"),
    "sqrt": (lambda a: divide(ones(a.shape), scale(number(2), apply("sqrt", a))), "element-wise √: diag(1/(2√a))"),
    "abs": (lambda a: apply("sign", a), "element-wise |·|: diag(sign(a))"),
}


def _elementwise(node: Apply, jac):
    if node.function not in _SLOPES:
        return E.zero((node.shape[0], jac(node.body).shape[1])), f"{node.function} is locally constant"
    slope, why = _SLOPES[node.function]
    return _times_diag(slope(node.body), jac(node.body)), why


def _quotient(node: Quotient, dep, jac):
    a, d = node.numerator, node.denominator
    parts = []
    if dep(a):
        parts.append(divide(jac(a), d) if d.is_scalar else matmul(diag(divide(ones(d.shape), d)), jac(a)))
    if dep(d):
        over = divide(a, power(d, 2))
        parts.append(neg(matmul(over, jac(d)) if d.is_scalar else matmul(diag(over), jac(d))))
    return add(*parts), "quotient rule: ∂(a/d) = ∂a/d − a ∂d/d²"


def _reduce(node: Reduce, jac):
    a = node.body
    f = node.function
    if f == "softmax":
        s = softmax(a)
        return matmul(sub(diag(s), matmul(s, transpose(s))), jac(a)), "softmax Jacobian: diag(ŷ) − ŷŷᵀ"
    rows = {"lse": (lambda: softmax(a), "∂LSE(a) = softmax(a)ᵀ ∂a"),
            "sqnorm": (lambda: scale(number(2), a), "∂‖a‖² = 2aᵀ ∂a"),
            "norm2": (lambda: divide(a, E.norm2(a)), "∂‖a‖ = (a/‖a‖)ᵀ ∂a"),
            "norm1": (lambda: apply("sign", a), "∂‖a‖₁ = sign(a)ᵀ ∂a"),
            "total": (lambda: ones(a.shape), "∂(𝟏ᵀa) = 𝟏ᵀ ∂a")}
    if f not in rows or not a.is_vector:
        raise InputError(f"--jacobian: the Jacobian through {text(node)} is not supported")
    gradient, why = rows[f]
    return matmul(transpose(gradient()), jac(a)), why


# -- proofs ------------------------------------------------------------------------------------------------
def prove_jacobian_step(derivation: JacobianDerivation, step: JacobianStep) -> StepProof:
    x = explicit(E.var(derivation.wrt, E.variables(derivation.forward)[derivation.wrt]))
    lhs = explicit(step.target).jacobian(x)
    rhs = explicit(step.jacobian)
    lefts, rights = np.array(list(lhs), dtype=object), np.array(list(rhs), dtype=object)
    if lhs.shape != rhs.shape:
        return StepProof(False, "shape", f"shapes differ: {lhs.shape} and {rhs.shape}")
    ops = sum(sp.count_ops(e) for e in list(lefts) + list(rights))
    proof = prove_equal(lefts, rights, sample=_sampler(derivation.forward),
                        symbolic_seconds=SYMBOLIC_SECONDS if ops <= SYMBOLIC_OPS else 0.0)
    return StepProof(proof.ok, proof.method, "" if proof.ok else proof.detail)


def finite_difference_jacobian(tree: Node, values: dict, name: str, h: float = 1e-6) -> np.ndarray:
    base = np.asarray(values[name], dtype=float)
    columns = []
    for k in range(base.size):
        step = np.zeros(base.size)
        step[k] = h * max(1.0, abs(base.flat[k]))
        up = evaluate(tree, dict(values, **{name: base + step.reshape(base.shape)}))
        down = evaluate(tree, dict(values, **{name: base - step.reshape(base.shape)}))
        columns.append(((up - down) / (2 * step[k])).reshape(-1))
    return np.stack(columns, axis=1)


def check_at_other_sizes(rebuild, shapes: dict, wrt: str, seed: int = 0) -> list[str] | None:
    problems = []
    for shift in (1, 2):
        resized = other_sizes(shapes, seed=shift)
        try:
            derivation = rebuild(resized)
        except InputError:
            return None  # the formula fixes its own sizes
        rng = np.random.default_rng(seed + shift)
        for _ in range(3):
            values = random_point(derivation.forward, rng)
            mine = evaluate(derivation.result, values).reshape(derivation.result.shape)
            expected = finite_difference_jacobian(derivation.forward, values, wrt)
            if not np.allclose(mine, expected, rtol=FD_RTOL, atol=FD_RTOL * (1 + np.abs(expected).max())):
                problems.append(f"at other sizes ({resized}): differs from finite differences")
                break
    return problems
