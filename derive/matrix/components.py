"""A matrix expression written out component by component, as SymPy matrices of scalars.

This is the ground truth the matrix-form steps are proven against: ``x`` (3) becomes the
column (x_1, x_2, x_3), ``W`` (2×3) the matrix of W_1_1 … W_2_3, and every operation its
definition on components (a matrix product as sums of products, softmax as exp(a_i)/Σ exp(a_j),
log det as the log of the determinant's expansion). Differentiating these by one component
at a time is differentiation as a student does it by hand.
"""

from __future__ import annotations

import sympy as sp

from derive.matrix import expr as E
from derive.symbolic.functions import relu, sigmoid, softplus


def component_symbols(name: str, shape) -> sp.Matrix:
    rows, cols = shape
    if (rows, cols) == E.SCALAR:
        return sp.Matrix([[sp.Symbol(name, real=True)]])
    if cols == 1:
        return sp.Matrix(rows, 1, [sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(rows)])
    return sp.Matrix(rows, cols, [sp.Symbol(f"{name}_{i + 1}_{j + 1}", real=True)
                                  for i in range(rows) for j in range(cols)])


def explicit(node: E.Node, memo: dict | None = None) -> sp.Matrix:
    """``node`` as a SymPy matrix of its components (a scalar is 1×1)."""
    memo = {} if memo is None else memo
    if node not in memo:
        memo[node] = _EXPLICIT[type(node)](node, memo)
    return memo[node]


_FUNCTIONS = {"sigmoid": sigmoid, "tanh": sp.tanh, "exp": sp.exp, "log": sp.log, "softplus": softplus,
              "relu": relu, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign,
              "step": lambda x: sp.Heaviside(x, 0)}


def _reduce(node: E.Reduce, memo) -> sp.Matrix:
    a = explicit(node.body, memo)
    f = node.function
    if f == "softmax":
        exps = [sp.exp(v) for v in a]
        return sp.Matrix(len(exps), 1, [e / sp.Add(*exps) for e in exps])
    if f == "inverse":
        return a.inv()
    if f == "diag":
        return sp.diag(*list(a))
    value = {
        "lse": lambda: sp.log(sp.Add(*[sp.exp(v) for v in a])),
        "norm2": lambda: sp.sqrt(sp.Add(*[v ** 2 for v in a])),
        "norm1": lambda: sp.Add(*[sp.Abs(v) for v in a]),
        "sqnorm": lambda: sp.Add(*[v ** 2 for v in a]),
        "trace": lambda: a.trace(),
        "total": lambda: sp.Add(*list(a)),
        "logdet": lambda: sp.log(a.det()),
        "det": lambda: a.det(),
    }[f]()
    return sp.Matrix([[value]])


def _scalar(m: sp.Matrix):
    return m[0, 0]


_EXPLICIT = {
    E.Var: lambda n, m: component_symbols(n.name, n.shape),
    E.Number: lambda n, m: sp.Matrix([[n.value]]),
    E.Ones: lambda n, m: sp.ones(*n.shape),
    E.Identity: lambda n, m: sp.eye(n.shape[0]),
    E.Zero: lambda n, m: sp.zeros(*n.shape),
    E.Add: lambda n, m: sum((explicit(t, m) for t in n.terms[1:]), explicit(n.terms[0], m)),
    E.Scale: lambda n, m: _scalar(explicit(n.factor, m)) * explicit(n.body, m),
    E.MatMul: lambda n, m: explicit(n.left, m) * explicit(n.right, m),
    E.Hadamard: lambda n, m: explicit(n.left, m).multiply_elementwise(explicit(n.right, m)),
    E.Quotient: lambda n, m: _quotient(explicit(n.numerator, m), explicit(n.denominator, m)),
    E.Power: lambda n, m: explicit(n.base, m).applyfunc(lambda v: v ** n.exponent),
    E.Transpose: lambda n, m: explicit(n.body, m).T,
    E.Apply: lambda n, m: explicit(n.body, m).applyfunc(_FUNCTIONS[n.function]),
    E.Reduce: _reduce,
}


def _quotient(a: sp.Matrix, d: sp.Matrix) -> sp.Matrix:
    if d.shape == (1, 1):
        return a / d[0, 0]
    return sp.Matrix(a.shape[0], a.shape[1], [x / y for x, y in zip(a, d)])


def gradient_by_components(forward: E.Node, paths, shape) -> tuple[sp.Matrix, sp.Matrix]:
    """∂forward/∂u by each component of u, u the subexpression at ``paths`` (replaced there by a
    fresh matrix U, differentiated by U's components, then U set back to u); and u's components."""
    stand_in = E.var("U__", shape)
    with_u = E.replace_paths(forward, list(paths), stand_in)
    f = _scalar(explicit(with_u))
    u_symbols = component_symbols("U__", shape)
    u_value = explicit(E.at_path(forward, paths[0]))
    back = dict(zip(list(u_symbols), list(u_value)))
    gradient = sp.Matrix(shape[0], shape[1], [sp.diff(f, s).subs(back) for s in u_symbols])
    return gradient, u_value
