r"""The gradient of a scalar expression by a vector or matrix, in matrix form, step by step.

Reverse mode, as a course derives backprop: start at f with ∂f/∂f = 1 and walk down the
expression; at each operation the gradient by the operation's result (call it G) gives the
gradient by its operands through one identity: G Bᵀ and AᵀG for a product AB, G ⊙ σ′(a) for
an element-wise σ, (diag(ŷ) − ŷŷᵀ) G for softmax, G·X⁻ᵀ for log det X. Where a whole pattern
of the textbook's identities matches (xᵀAx, aᵀXb, tr(AX), ‖x‖²), its identity is used in one
step, as a student would. A variable met more than once (x in xᵀAx written out) gets the sum of
what reaches each occurrence: the chain rule for vector functions.

Every step is a claim ``∂f/∂u = G`` about one subexpression u (at one or more places in f);
:mod:`derive.matrix.prove` proves each against component-wise differentiation. Before
differentiating, forms that overflow are rewritten to stable ones (log σ(z) = −softplus(−z),
log softmax(z) = z − LSE(z)𝟏), as the first step, proven like the others.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from derive.matrix import expr as E
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
    identity,
    inverse,
    matmul,
    multiply_scalars,
    neg,
    number,
    ones,
    power,
    scale,
    softmax,
    sub,
    total,
    transpose,
)


@dataclass(frozen=True)
class Step:
    """``∂f/∂target = gradient``, by the identity ``why``; ``paths``: where target sits in the forward tree."""
    target: Node
    paths: tuple
    gradient: Node
    why: str
    kind: str = "gradient"  # "rewrite": the forward expression in another form (target is the new form)


@dataclass(frozen=True)
class Derivation:
    forward: Node       # as the user wrote it
    stable: Node        # after the rewrites: the tree the steps' paths point into
    wrt: str
    steps: tuple
    result: Node
    sums_to_one: tuple = ()  # vectors whose components sum to 1 (one-hot targets, probabilities)


def derive_gradient(forward: Node, wrt: str, sums_to_one: tuple = ()) -> Derivation:
    """The steps and the result ∂forward/∂wrt, in the shape of ``wrt``; ``sums_to_one``: vectors
    known to sum to 1 (𝟏ᵀy = 1 is then used at the end, as a step of its own)."""
    shape = E.variables(forward)[wrt]
    stable, rewrites = stable_form(forward)
    steps = [Step(stable, ((),), stable, "; ".join(rewrites), "rewrite")] if rewrites else []
    reached = []  # (path, gradient) at each occurrence of wrt
    _walk(stable, (), E.ONE, wrt, steps, reached)
    result = _collect(reached, wrt, shape, steps)
    if sums_to_one:
        assumed = factor(_sums_replaced(result, set(sums_to_one)))
        if assumed != result:
            paths = _occurrences(stable, wrt)
            names = ", ".join(f"𝟏ᵀ{n} = 1" for n in sums_to_one)
            steps.append(Step(E.var(wrt, shape), paths, assumed, f"one-hot: {names}", "assumption"))
            result = assumed
    return Derivation(forward, stable, wrt, tuple(steps), result, tuple(sums_to_one))


def _sums_replaced(node: Node, names: set) -> Node:
    """``node`` with every 𝟏ᵀy (y in ``names``) replaced by 1."""
    if isinstance(node, Reduce) and node.function == "total" and isinstance(node.body, Var) \
            and node.body.name in names:
        return E.ONE
    if isinstance(node, MatMul) and isinstance(node.left, E.Ones) and isinstance(node.right, Var) \
            and node.right.name in names:
        return E.ONE
    children = tuple(_sums_replaced(c, names) for c in node.children)
    return node.with_children(children) if children != node.children else node


def _occurrences(node: Node, name: str, path: tuple = ()) -> tuple:
    if isinstance(node, Var):
        return (path,) if node.name == name else ()
    return tuple(p for i, c in enumerate(node.children) for p in _occurrences(c, name, path + (i,)))


def _walk(node: Node, path: tuple, gradient: Node, wrt: str, steps: list, reached: list,
          paths: tuple | None = None) -> None:
    paths = paths or (path,)
    if isinstance(node, Var):
        reached.append((paths, gradient))
        return
    for relative, child, child_gradient, why in _pass_down(node, gradient, wrt):
        child_paths = tuple(p + r for p in paths for r in relative)
        if child_gradient != gradient or isinstance(child, Var) or len(relative) > 1:
            if not isinstance(child, Var):
                steps.append(Step(child, child_paths, child_gradient, why))
            else:
                steps.append(Step(child, child_paths, child_gradient, why, "occurrence"))
        _walk(child, child_paths[0], child_gradient, wrt, steps, reached, child_paths)


def _collect(reached: list, wrt: str, shape, steps: list) -> Node:
    """The sum over the occurrences of ``wrt``, as one step when there are several."""
    target = E.var(wrt, shape)
    if not reached:
        result = E.zero(shape)
        steps.append(Step(target, (), result, f"f does not depend on {wrt}"))
        return result
    if len(reached) == 1:  # the one occurrence's step is the result's
        steps[:] = [replace(s, kind="gradient") if s.kind == "occurrence" else s for s in steps]
        return reached[0][1]
    occurrences = tuple(p for paths, _ in reached for p in paths)
    summed = add(*(g for _, g in reached))
    steps.append(Step(target, occurrences, summed,
                      f"{wrt} appears {len(occurrences)} times: the sum over its occurrences "
                      f"(chain rule for vector functions)"))
    factored = factor(summed)
    if factored != summed:
        steps.append(Step(target, occurrences, factored, "common factor taken out"))
    return factored


def factor(node: Node) -> Node:
    """A B + s C B -> (A + s C) B and A B + A C -> A (B + C), for a sum whose terms share a factor."""
    if not isinstance(node, Add):
        return node
    scaled = [_scaled(t) for t in node.terms]
    if len({core for _, core in scaled}) == 1 and not scaled[0][1].is_scalar:  # s x + t x -> (s + t) x
        return scale(add(*(s for s, _ in scaled)), scaled[0][1])
    parts = [_scaled_product(t) for t in node.terms]
    if any(p is None for p in parts):
        return node
    if len({right for _, _, right in parts}) == 1:
        return matmul(add(*(scale(s, left) for s, left, _ in parts)), parts[0][2])
    if len({left for _, left, _ in parts}) == 1:
        return matmul(parts[0][1], add(*(scale(s, right) for s, _, right in parts)))
    return node


def _scaled(term: Node) -> tuple[Node, Node]:
    """s t A -> (s t, A): the scalar factors and what they multiply."""
    factor_, core = E.ONE, term
    while isinstance(core, Scale):
        factor_, core = multiply_scalars(factor_, core.factor), core.body
    return factor_, core


def _scaled_product(term: Node):
    """s A B -> (s, A, B); None when the term is not a (scaled) matrix product."""
    factor_, core = _scaled(term)
    return (factor_, core.left, core.right) if isinstance(core, MatMul) else None


# -- one operation: the gradient by each operand ---------------------------------------------------------------
def _pass_down(node: Node, g: Node, wrt: str) -> list:
    """[(relative paths, operand, ∂f/∂operand, identity)] for the operands of ``node`` that depend on wrt."""
    if node.is_scalar:
        matched = _pattern(node, g, wrt)
        if matched is not None:
            return [matched]
    rule = _RULES[type(node)]
    return [(((index,),), child, gradient, why)
            for index, child, gradient, why in rule(node, g)
            if depends_on(child, wrt)]


def _inner(g: Node, a: Node) -> Node:
    """⟨G, A⟩ = 𝟏ᵀ(G ⊙ A)𝟏, the scalar that tr(GᵀA) is."""
    return multiply_scalars(g, a) if g.is_scalar and a.is_scalar else total(hadamard(g, a))


def _add_rule(node: Add, g):
    return [(i, term, g, "sum rule: each term gets ∂f/∂(a + b)") for i, term in enumerate(node.terms)]


def _scale_rule(node: Scale, g):
    return [(0, node.factor, _inner(g, node.body), "product rule: ∂(s a)/∂s = ⟨∂f/∂(s a), a⟩"),
            (1, node.body, scale(node.factor, g), "a scalar factor stays: ∂(s a)/∂a = s")]


def _matmul_rule(node: MatMul, g):
    a, b = node.left, node.right
    if b.is_vector and not a.is_vector and a.shape[0] != 1:
        return [(0, a, matmul(g, transpose(b)), "linear map: ∂f/∂W = δ xᵀ with δ = ∂f/∂(W x)"),
                (1, b, matmul(transpose(a), g), "linear map: ∂f/∂x = Wᵀ δ with δ = ∂f/∂(W x)")]
    return [(0, a, matmul(g, transpose(b)), "matrix product: d(AB) = dA B + A dB, so ∂f/∂A = G Bᵀ"),
            (1, b, matmul(transpose(a), g), "matrix product: d(AB) = dA B + A dB, so ∂f/∂B = Aᵀ G")]


def _hadamard_rule(node: Hadamard, g):
    return [(0, node.left, hadamard(g, node.right), "element-wise product: ∂f/∂a = G ⊙ b"),
            (1, node.right, hadamard(g, node.left), "element-wise product: ∂f/∂b = G ⊙ a")]


def _quotient_rule(node: Quotient, g):
    a, d = node.numerator, node.denominator
    if d.is_scalar:
        by_d = neg(divide(_inner(g, a), power(d, 2)))
    else:
        by_d = neg(divide(hadamard(g, a), power(d, 2)))
    return [(0, a, divide(g, d), "quotient: ∂(a/d)/∂a = 1/d"),
            (1, d, by_d, "quotient rule: ∂(a/d)/∂d = −a/d²")]


def _power_rule(node: Power, g):
    p = node.exponent
    return [(0, node.base, hadamard(g, scale(number(p), power(node.base, p - 1))),
             f"power rule: ∂a^{p}/∂a = {p} a^{p - 1} (element-wise)")]


def _transpose_rule(node: Transpose, g):
    return [(0, node.body, transpose(g), "transpose: ∂f/∂a = (∂f/∂aᵀ)ᵀ")]


def _apply_rule(node: Apply, g):
    a = node.body
    f = node.function
    derivative = {
        "sigmoid": lambda: hadamard(g, hadamard(apply("sigmoid", a), sub(ones(a.shape), apply("sigmoid", a)))),
        "tanh": lambda: hadamard(g, sub(ones(a.shape), power(apply("tanh", a), 2))),
        "exp": lambda: hadamard(g, apply("exp", a)),
        "log": lambda: divide(g, a),
        "softplus": lambda: hadamard(g, apply("sigmoid", a)),
        "relu": lambda: hadamard(g, apply("step", a)),
        "sqrt": lambda: divide(g, scale(number(2), apply("sqrt", a))),
        "abs": lambda: hadamard(g, apply("sign", a)),
        "sign": lambda: E.zero(a.shape),
        "step": lambda: E.zero(a.shape),
    }[f]()
    return [(0, a, derivative, _ELEMENTWISE_WHY[f])]


_ELEMENTWISE_WHY = {
    "sigmoid": "element-wise σ: Jacobian diag(σ′(a)), σ′ = σ(1 − σ)",
    "tanh": "element-wise tanh: Jacobian diag(1 − tanh²(a))",
    "exp": "element-wise exp: Jacobian diag(exp(a))",
    "log": "element-wise log: Jacobian diag(1/a)",
    "softplus": "element-wise softplus: Jacobian diag(σ(a))",
    "relu": "element-wise ReLU: Jacobian diag([a > 0])",
    "sqrt": "element-wise √: Jacobian diag(1/(2√a))",
    "abs": "element-wise |·|: Jacobian diag(sign(a))",
    "sign": "sign is constant where it is differentiable",
    "step": "the step is constant where it is differentiable",
}


def _reduce_rule(node: Reduce, g):
    a = node.body
    f = node.function
    if f == "softmax":
        s = softmax(a)
        return [(0, a, matmul(sub(diag(s), matmul(s, transpose(s))), g),
                 "softmax Jacobian: ∂ŷ/∂a = diag(ŷ) − ŷŷᵀ (symmetric)")]
    if f == "inverse":
        inv_t = transpose(inverse(a))
        return [(0, a, neg(matmul(matmul(inv_t, g), inv_t)), "inverse: d(X⁻¹) = −X⁻¹ dX X⁻¹, so ∂f/∂X = −X⁻ᵀ G X⁻ᵀ")]
    gradient, why = _SCALAR_REDUCERS[f](a)
    return [(0, a, scale(g, gradient), why)]


_SCALAR_REDUCERS = {
    "lse": lambda a: (softmax(a), "∂LSE(a)/∂a = softmax(a)"),
    "norm2": lambda a: (divide(a, E.norm2(a)), "∂‖a‖/∂a = a/‖a‖"),
    "norm1": lambda a: (apply("sign", a), "∂‖a‖₁/∂a = sign(a)"),
    "sqnorm": lambda a: (scale(number(2), a), "∂‖a‖²/∂a = 2a"),
    "trace": lambda a: (identity(a.shape[0]), "∂tr(X)/∂X = I"),
    "total": lambda a: (ones(a.shape), "∂(𝟏ᵀa)/∂a = 𝟏"),
    "logdet": lambda a: (transpose(inverse(a)), "∂ log det X/∂X = X⁻ᵀ"),
    "det": lambda a: (scale(E.det(a), transpose(inverse(a))), "∂ det X/∂X = det(X) X⁻ᵀ"),
}

_RULES = {Add: _add_rule, Scale: _scale_rule, MatMul: _matmul_rule, Hadamard: _hadamard_rule,
          Quotient: _quotient_rule, Power: _power_rule, Transpose: _transpose_rule, Apply: _apply_rule,
          Reduce: _reduce_rule}


# -- the textbook's identities, where a whole pattern matches --------------------------------------------------
def _pattern(node: Node, g: Node, wrt: str):
    for match in _PATTERNS:
        found = match(node, g, lambda n: depends_on(n, wrt))
        if found is not None:
            return found
    return None


def _transposed(node: Node) -> Node | None:
    return node.body if isinstance(node, Transpose) else None


def _quadratic_form(node, g, dep):
    """xᵀAx (either grouping) with A constant: (A + Aᵀ)x; xᵀx: 2x."""
    if not isinstance(node, MatMul):
        return None
    if isinstance(node.left, MatMul) and _transposed(node.left.left) is not None:
        x, a, x2, paths = _transposed(node.left.left), node.left.right, node.right, ((0, 0, 0), (1,))
    elif isinstance(node.right, MatMul) and _transposed(node.left) is not None:
        x, a, x2, paths = _transposed(node.left), node.right.left, node.right.right, ((0, 0), (1, 1))
    else:
        return None
    if x != x2 or not x.is_vector or dep(a) or not dep(x):
        return None
    return paths, x, scale(g, matmul(add(a, E.transpose_terms(a)), x)), "∂(xᵀAx)/∂x = (A + Aᵀ)x"


def _inner_product(node, g, dep):
    """xᵀx: 2x; aᵀx and xᵀa with a constant: a."""
    if not isinstance(node, MatMul):
        return None
    x = _transposed(node.left)
    if x is None or not x.is_vector:
        return None
    if x == node.right and dep(x):
        return ((0, 0), (1,)), x, scale(g, scale(number(2), x)), "∂(xᵀx)/∂x = 2x"
    if dep(node.right) and not dep(x):
        return ((1,),), node.right, scale(g, x), "∂(aᵀx)/∂x = a"
    if dep(x) and not dep(node.right):
        return ((0, 0),), x, scale(g, node.right), "∂(xᵀa)/∂x = a"
    return None


def _bilinear(node, g, dep):
    """aᵀXb with a, b constant: abᵀ."""
    if not isinstance(node, MatMul):
        return None
    if isinstance(node.left, MatMul):
        row, x, b, path = node.left.left, node.left.right, node.right, (0, 1)
    elif isinstance(node.right, MatMul):
        row, x, b, path = node.left, node.right.left, node.right.right, (1, 0)
    else:
        return None
    if row.shape[0] != 1 or not b.is_vector or x.is_vector or not dep(x) or dep(row) or dep(b):
        return None
    return (path,), x, scale(g, matmul(transpose(row), transpose(b))), "∂(aᵀXb)/∂X = abᵀ"


def _trace_of_product(node, g, dep):
    """tr(AX) and tr(XA) → Aᵀ; tr(AXᵀ) and tr(XᵀA) → A; tr(XᵀAX) → (A + Aᵀ)X; A constant."""
    if not (isinstance(node, Reduce) and node.function == "trace" and isinstance(node.body, MatMul)):
        return None
    left, right = node.body.left, node.body.right
    if isinstance(left, MatMul) and _transposed(left.left) is not None and _transposed(left.left) == right:
        x, a = right, left.right
        if dep(x) and not dep(a):
            return (((0, 0, 0, 0), (0, 1)), x, scale(g, matmul(add(a, E.transpose_terms(a)), x)),
                    "∂tr(XᵀAX)/∂X = (A + Aᵀ)X")
        return None
    if dep(right) and not dep(left):
        if _transposed(right) is not None:
            return ((0, 1, 0),), _transposed(right), scale(g, left), "∂tr(AXᵀ)/∂X = A"
        return ((0, 1),), right, scale(g, transpose(left)), "∂tr(AX)/∂X = Aᵀ"
    if dep(left) and not dep(right):
        if _transposed(left) is not None:
            return ((0, 0, 0),), _transposed(left), scale(g, right), "∂tr(XᵀA)/∂X = A"
        return ((0, 0),), left, scale(g, transpose(right)), "∂tr(XA)/∂X = Aᵀ"
    return None


_PATTERNS = (_quadratic_form, _inner_product, _bilinear, _trace_of_product)


# -- stable forms -------------------------------------------------------------------------------------------------
def stable_form(node: Node) -> tuple[Node, list[str]]:
    """``node`` with the forms that overflow in floating point rewritten, and the identities used."""
    used: list[str] = []
    rewritten = _stabilize(node, used)
    return rewritten, list(dict.fromkeys(used))


def _stabilize(node: Node, used: list) -> Node:
    children = tuple(_stabilize(c, used) for c in node.children)
    if children != node.children:
        node = node.with_children(children)
    if isinstance(node, Add):
        found = _cross_entropy_of_logits(node)
        if found is not None:
            used.append("y softplus(−z) + (1 − y) softplus(z) = softplus(z) − y z")
            return found
    if isinstance(node, Apply) and node.function == "log":
        for rewrite in _LOG_REWRITES:
            found = rewrite(node.body)
            if found is not None:
                new, why = found
                used.append(why)
                return new
    return node


def _log_softmax(a):
    if isinstance(a, Reduce) and a.function == "softmax":
        z = a.body
        return sub(z, scale(E.logsumexp(z), ones(z.shape))), "log softmax(z) = z − LSE(z)𝟏"
    return None


def _log_sigmoid(a):
    if isinstance(a, Apply) and a.function == "sigmoid":
        return neg(apply("softplus", neg(a.body))), "log σ(z) = −softplus(−z)"
    return None


def _log_one_minus_sigmoid(a):
    if isinstance(a, Add) and len(a.terms) == 2:
        one, other = a.terms
        if isinstance(one, (E.Ones, E.Number)) and one == ones(a.shape):
            negative = other.body if isinstance(other, Scale) and other.factor == E.MINUS_ONE else None
            if isinstance(negative, Apply) and negative.function == "sigmoid":
                return neg(apply("softplus", negative.body)), "log(1 − σ(z)) = −softplus(z)"
    return None


def _log_one_plus_exp(a):
    if isinstance(a, Add) and len(a.terms) == 2:
        one, other = a.terms
        if one == ones(a.shape) and isinstance(other, Apply) and other.function == "exp":
            return apply("softplus", other.body), "log(1 + eᶻ) = softplus(z)"
    return None


def _log_sum_exp(a):
    if isinstance(a, Reduce) and a.function == "total":
        summed = a.body
    elif isinstance(a, MatMul) and isinstance(a.left, E.Ones):
        summed = a.right
    else:
        return None
    if isinstance(summed, Apply) and summed.function == "exp" and summed.body.is_vector:
        return E.logsumexp(summed.body), "log 𝟏ᵀexp(z) = LSE(z)"
    return None


def _weighted_softplus(term: Node):
    """aᵀ softplus(b), 𝟏ᵀ(a ⊙ softplus(b)) or a·softplus(b) (scalars) -> (a, b); else None."""
    if isinstance(term, MatMul) and isinstance(term.left, Transpose):
        weight, body = term.left.body, term.right
    elif isinstance(term, Reduce) and term.function == "total" and isinstance(term.body, Hadamard):
        weight, body = term.body.left, term.body.right
    elif isinstance(term, Scale) and term.is_scalar:
        weight, body = term.factor, term.body
    else:
        return None
    if isinstance(body, Apply) and body.function == "softplus" and weight.shape == body.shape:
        return weight, body.body
    return None


def _cross_entropy_of_logits(node: Add) -> Node | None:
    """y softplus(−z) + (1 − y) softplus(z) (the binary cross-entropy after its logs are made stable)
    -> 𝟏ᵀsoftplus(z) − yᵀz: its gradient is then σ(z) − y, as the textbook writes it."""
    terms = list(node.terms)
    found = [(i, _weighted_softplus(t)) for i, t in enumerate(terms)]
    found = [(i, w) for i, w in found if w is not None]
    for i, (a1, minus_z) in found:
        for j, (a2, z) in found:
            if i != j and neg(z) == minus_z and add(a1, a2) == ones(z.shape):
                rest = [t for k, t in enumerate(terms) if k not in (i, j)]
                ce = sub(total(apply("softplus", z)), matmul(transpose(a1), z) if not z.is_scalar
                         else multiply_scalars(a1, z))
                return add(ce, *rest)
    return None


_LOG_REWRITES = (_log_softmax, _log_sigmoid, _log_one_minus_sigmoid, _log_one_plus_exp, _log_sum_exp)

__all__ = ["Derivation", "Step", "derive_gradient", "factor", "stable_form"]
