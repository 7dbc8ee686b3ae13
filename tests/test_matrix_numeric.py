"""Matrix expressions in numbers: ``evaluate`` against hand-written NumPy for every node type, the
generated modules against ``evaluate``, and the finite-difference gradient."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from derive.errors import InputError
from derive.matrix.expr import (
    add,
    apply,
    det,
    diag,
    divide,
    hadamard,
    identity,
    inverse,
    logdet,
    logsumexp,
    matmul,
    neg,
    norm1,
    norm2,
    number,
    ones,
    power,
    scale,
    softmax,
    sqnorm,
    sub,
    total,
    trace,
    transpose,
    var,
    zero,
)
from derive.matrix.numeric import (
    as_matrix,
    evaluate,
    finite_difference_gradient,
    from_matrix,
    random_point,
    user_shape,
)
from derive.matrix.numpy_code import module_source

W, x, y = var("W", (2, 3)), var("x", (3, 1)), var("y", (2, 1))
A, X, B = var("A", (2, 3)), var("X", (3, 4)), var("B", (4, 2))
S, s, c = var("S", (3, 3)), var("s", (1, 1)), var("c", (2, 1))


def T(a):
    return np.swapaxes(a, -1, -2)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# -- evaluate against hand NumPy -------------------------------------------------------------------
#: (case, tree, the same by hand from the matrix-form values v, and the values' domain)
NODES = [
    ("var", x, lambda v: v["x"]),
    ("number", add(s, number(3)), lambda v: v["s"] + 3),
    ("ones", add(x, ones((3, 1))), lambda v: v["x"] + 1),
    ("identity", add(S, identity(3)), lambda v: v["S"] + np.eye(3)),
    ("zero", add(x, zero((3, 1))), lambda v: v["x"]),
    ("add", sub(matmul(W, x), y), lambda v: np.einsum("...ij,...jk->...ik", v["W"], v["x"]) - v["y"]),
    ("scale by a number", scale(number(-3), W), lambda v: -3 * v["W"]),
    ("scale by a scalar", scale(s, W), lambda v: v["s"] * v["W"]),
    ("matmul", matmul(A, X), lambda v: np.einsum("...ij,...jk->...ik", v["A"], v["X"])),
    ("hadamard", hadamard(y, c), lambda v: v["y"] * v["c"]),
    ("quotient by a scalar", divide(W, s), lambda v: v["W"] / v["s"]),
    ("quotient element-wise", divide(y, c), lambda v: v["y"] / v["c"]),
    ("square", power(x, 2), lambda v: v["x"] ** 2),
    ("cube", power(x, 3), lambda v: v["x"] ** 3),
    ("square root", power(c, "1/2"), lambda v: np.sqrt(v["c"])),
    ("reciprocal", power(c, -1), lambda v: 1 / v["c"]),
    ("power 3/2", power(c, "3/2"), lambda v: v["c"] ** 1.5),
    ("transpose", transpose(W), lambda v: np.moveaxis(v["W"], -1, -2)),
    ("sigmoid", apply("sigmoid", x), lambda v: sigmoid(v["x"])),
    ("tanh", apply("tanh", x), lambda v: np.tanh(v["x"])),
    ("exp", apply("exp", x), lambda v: np.exp(v["x"])),
    ("log", apply("log", c), lambda v: np.log(v["c"])),
    ("softplus", apply("softplus", x), lambda v: np.log(1 + np.exp(v["x"]))),
    ("relu", apply("relu", x), lambda v: np.where(v["x"] > 0, v["x"], 0)),
    ("sqrt", apply("sqrt", c), lambda v: v["c"] ** 0.5),
    ("abs", apply("abs", x), lambda v: np.abs(v["x"])),
    ("sign", apply("sign", x), lambda v: np.sign(v["x"])),
    ("step", apply("step", x), lambda v: (v["x"] > 0).astype(float)),
    ("softmax", softmax(x), lambda v: np.exp(v["x"]) / np.exp(v["x"]).sum(axis=-2, keepdims=True)),
    ("lse", logsumexp(x), lambda v: np.log(np.exp(v["x"]).sum(axis=(-2, -1), keepdims=True))),
    ("norm2 of a vector", norm2(x), lambda v: np.linalg.norm(v["x"], axis=(-2, -1), keepdims=True)),
    ("norm2 (Frobenius)", norm2(W), lambda v: np.linalg.norm(v["W"], axis=(-2, -1), keepdims=True)),
    ("norm1", norm1(W), lambda v: np.abs(v["W"]).sum(axis=(-2, -1), keepdims=True)),
    ("sqnorm", sqnorm(W), lambda v: (v["W"] ** 2).sum(axis=(-2, -1), keepdims=True)),
    ("trace", trace(S), lambda v: np.einsum("...ii->...", v["S"])[..., None, None]),
    ("total", total(W), lambda v: v["W"].sum(axis=(-2, -1), keepdims=True)),
    ("inverse", inverse(S), lambda v: np.linalg.inv(v["S"])),
    ("logdet", logdet(S), lambda v: np.log(np.linalg.det(v["S"]))[..., None, None]),
    ("det", det(S), lambda v: np.linalg.det(v["S"])[..., None, None]),
    ("diag", diag(x), lambda v: np.einsum("...i,ij->...ij", v["x"][..., 0], np.eye(3))),
]

NAMES = {"W": (2, 3), "x": (3, 1), "y": (2, 1), "A": (2, 3), "X": (3, 4), "B": (4, 2), "S": (3, 3),
         "s": (1, 1), "c": (2, 1)}


def _values(rng, batch_of):
    """Values for every variable: batch_of(name) gives its batch; c, s positive, S well conditioned."""
    values = {}
    for name, shape in NAMES.items():
        batch = batch_of(name)
        if name in ("c", "s"):
            values[name] = rng.uniform(0.5, 2.0, batch + shape)
        elif name == "S":
            values[name] = rng.uniform(0.2, 1.2, batch + shape) + 3 * np.eye(3)
        else:
            values[name] = rng.standard_normal(batch + shape)
    return values


@pytest.mark.parametrize("case, tree, by_hand", NODES, ids=[n[0] for n in NODES])
@pytest.mark.parametrize("batching", ["unbatched", "batched", "broadcast"])
def test_evaluate_matches_hand_numpy(case, tree, by_hand, batching):
    rng = np.random.default_rng(7)
    batch_of = {"unbatched": lambda name: (),
                "batched": lambda name: (5,),
                # every other variable shared, one of them with a batch of two axes
                "broadcast": lambda name: {"W": (), "x": (4, 5), "A": (), "X": (5,), "B": (),
                                           "S": (4, 5), "s": (), "c": (5,), "y": ()}[name]}[batching]
    values = _values(rng, batch_of)
    got = evaluate(tree, values)
    want = np.asarray(by_hand(values), dtype=float)
    want = np.broadcast_to(want, np.broadcast_shapes(want.shape, got.shape[:-2] + tree.shape))
    assert got.shape == want.shape, f"{case}: shape {got.shape}, expected {want.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=case)


def test_evaluate_broadcasts_a_batched_and_a_shared_operand():
    rng = np.random.default_rng(1)
    w, xs = rng.standard_normal((2, 3)), rng.standard_normal((5, 3, 1))
    got = evaluate(matmul(W, x), {"W": w, "x": xs})
    assert got.shape == (5, 2, 1)
    np.testing.assert_allclose(got[3], w @ xs[3])


def test_evaluate_result_takes_the_batch_of_every_variable():
    # ‖x‖² + 0·y would not mention y; 1ᵀy + ‖x‖² does, and y's batch reaches the result
    tree = add(sqnorm(x), matmul(ones((1, 2)), y))
    got = evaluate(tree, {"x": np.ones((3, 1)), "y": np.ones((4, 2, 1))})
    assert got.shape == (4, 1, 1)
    np.testing.assert_allclose(got, 5.0)


def test_evaluate_memoizes_equal_subtrees():
    r = sub(matmul(W, x), y)
    tree = add(sqnorm(r), total(r))
    values = {"W": np.ones((2, 3)), "x": np.ones((3, 1)), "y": np.zeros((2, 1))}
    memo = {}
    evaluate(tree, values, memo=memo)
    rebuilt = sub(matmul(var("W", (2, 3)), var("x", (3, 1))), var("y", (2, 1)))  # new, equal objects
    assert rebuilt in memo
    np.testing.assert_allclose(memo[rebuilt], [[3.0], [3.0]])


def test_logdet_is_nan_where_the_determinant_is_not_positive():
    got = evaluate(logdet(S), {"S": np.stack([np.eye(3), -np.eye(3), 2 * np.eye(3)])})
    np.testing.assert_allclose(got[:, 0, 0], [0.0, np.nan, 3 * np.log(2)])


def test_stable_functions_at_extremes():
    big = np.array([[800.0], [-800.0], [0.0]])
    values = {"x": big}
    np.testing.assert_allclose(evaluate(apply("sigmoid", x), values)[:, 0], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(evaluate(apply("softplus", x), values)[:, 0], [800.0, 0.0, np.log(2)])
    np.testing.assert_allclose(evaluate(softmax(x), values)[:, 0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(evaluate(logsumexp(x), values), [[800.0]])


def test_evaluate_names_a_variable_of_the_wrong_shape():
    with pytest.raises(InputError, match=r"x has shape \(3,\).*\(3, 1\)"):
        evaluate(sqnorm(x), {"x": np.ones(3)})
    with pytest.raises(InputError, match="no value for x"):
        evaluate(sqnorm(x), {})


# -- shapes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, user", [((1, 1), ()), ((3, 1), (3,)), ((2, 3), (2, 3)), ((1, 3), (1, 3))])
def test_user_and_matrix_forms_round_trip(shape, user):
    assert user_shape(shape) == user
    array = np.arange(5 * int(np.prod(shape)), dtype=float).reshape((5,) + user)
    matrix = as_matrix(shape, array)
    assert matrix.shape == (5,) + shape
    np.testing.assert_array_equal(from_matrix(shape, matrix), array)
    np.testing.assert_array_equal(as_matrix(("v", shape), array[0]), matrix[0])


def test_as_matrix_names_the_variable():
    with pytest.raises(InputError, match=r"x has shape \(5, 4\); expected \(3,\)"):
        as_matrix(("x", (3, 1)), np.ones((5, 4)))


# -- random points and finite differences ----------------------------------------------------------
@pytest.mark.parametrize("tree", [logdet(S), sqnorm(apply("sqrt", x)), matmul(transpose(x), matmul(inverse(S), x)),
                                  add(logdet(S), total(apply("log", y)))])
def test_random_point_is_finite_and_deterministic(tree):
    first = random_point(tree, np.random.default_rng(3), batch=(4,))
    again = random_point(tree, np.random.default_rng(3), batch=(4,))
    assert first.keys() == again.keys()
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
        assert first[name].shape[0] == 4
    assert np.all(np.isfinite(evaluate(tree, first)))


def test_finite_difference_gradient_of_a_squared_norm_is_2x():
    point = np.random.default_rng(0).standard_normal((3, 1))
    gradient = finite_difference_gradient(sqnorm(x), {"x": point}, "x")
    assert gradient.shape == (3, 1)
    np.testing.assert_allclose(gradient, 2 * point, atol=1e-6)


def test_finite_difference_gradient_by_a_matrix():
    values = random_point(sqnorm(sub(matmul(W, x), y)), np.random.default_rng(2))
    gradient = finite_difference_gradient(sqnorm(sub(matmul(W, x), y)), values, "W")
    want = 2 * (values["W"] @ values["x"] - values["y"]) @ values["x"].T
    np.testing.assert_allclose(gradient, want, atol=1e-6)


# -- generated modules ----------------------------------------------------------------------------
def _residual():
    return sub(matmul(var("W", (2, 3)), var("x", (3, 1))), var("y", (2, 1)))


def _functions():
    """(name, tree, comment) of every generated function, built afresh on each call."""
    W, x, y = var("W", (2, 3)), var("x", (3, 1)), var("y", (2, 1))
    Xs, A, B, s = var("X", (3, 3)), var("A", (2, 3)), var("B", (3, 2)), var("s", (1, 1))
    return [
        ("loss", sqnorm(_residual()), "f = ‖Wx − y‖²"),
        ("df_dW", scale(number(2), matmul(_residual(), transpose(x))), "df/dW = 2(Wx − y)xᵀ"),
        ("df_dx", scale(number(2), matmul(transpose(W), _residual())), "df/dx = 2Wᵀ(Wx − y)"),
        ("quadratic", matmul(transpose(x), matmul(Xs, x)), "xᵀXx"),
        ("log_det", logdet(Xs), r"\log\det X"),
        ("dlogdet", transpose(inverse(Xs)), "X⁻ᵀ"),
        ("trace_axb", trace(matmul(matmul(A, Xs), B)), "tr(AXB)"),
        ("trace_axwt", trace(matmul(matmul(A, Xs), transpose(W))), "tr(AXWᵀ)"),
        ("probabilities", softmax(matmul(W, x)), "softmax(Wx)"),
        ("cross_entropy", neg(matmul(transpose(y), apply("log", softmax(matmul(W, x))))),
         "−yᵀ log softmax(Wx)"),
        ("gate", matmul(diag(apply("sigmoid", matmul(W, x))), y), "diag(σ(Wx)) y"),
        ("row_gate", matmul(transpose(y), diag(apply("step", matmul(W, x)))), "yᵀ diag(H(Wx))"),
        ("sums", add(matmul(ones((1, 2)), matmul(W, ones((3, 1)))), logsumexp(x)), "1ᵀW1 + lse(x)"),
        ("mixed", add(scale(s, divide(apply("softplus", x), add(norm2(x), number(1)))),
                      power(apply("tanh", x), 3), neg(apply("relu", x))), "s softplus(x)/(‖x‖+1) + tanh³x − relu x"),
        ("solve", matmul(inverse(Xs), x), "X⁻¹x"),
        ("determinant", add(det(Xs), norm1(W), total(apply("abs", W))), "det X + ‖W‖₁ + Σ|W|"),
        ("constant", number(2), "2"),
        ("just_x", x, "x"),
    ]


FUNCTIONS = _functions()
ARGUMENTS = {"W": (2, 3), "x": (3, 1), "y": (2, 1), "X": (3, 3), "A": (2, 3), "B": (3, 2), "s": (1, 1)}


def _import(tmp_path, source, name="generated_module"):
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    source = module_source(FUNCTIONS, ARGUMENTS, title=r"f = \|Wx - y\|^2")
    return source, _import(tmp_path_factory.mktemp("generated"), source)


def _point(batch, rng, shared=()):
    """Matrix-form values of every argument (X well conditioned, det > 0); names in ``shared`` unbatched."""
    values = {}
    for name, shape in ARGUMENTS.items():
        b = () if name in shared else batch
        values[name] = rng.uniform(0.2, 1.2, b + shape) + 3 * np.eye(3) if name == "X" \
            else rng.standard_normal(b + shape)
    return values


@pytest.mark.parametrize("name, tree, comment", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
@pytest.mark.parametrize("batch, shared", [((5,), ()), ((), ()), ((5,), ("W", "X", "A")), ((2, 5), ("y",))],
                         ids=["batched", "unbatched", "shared weights", "two batch axes"])
def test_generated_function_matches_evaluate(generated, name, tree, comment, batch, shared):
    _, module = generated
    values = _point(batch, np.random.default_rng(11), shared)
    user = [from_matrix(shape, values[arg]) for arg, shape in ARGUMENTS.items()]
    got = getattr(module, name)(*user)
    want = np.broadcast_to(evaluate(tree, values), batch + tree.shape)
    assert got.shape == batch + user_shape(tree.shape), name
    np.testing.assert_allclose(got, from_matrix(tree.shape, want), rtol=1e-10, atol=1e-12, err_msg=name)
    by_keyword = getattr(module, name)(**{arg: value for arg, value in zip(ARGUMENTS, user)})
    np.testing.assert_array_equal(by_keyword, got)


def test_generated_gradient_matches_finite_differences(generated):
    _, module = generated
    values = _point((), np.random.default_rng(5))
    user = [from_matrix(shape, values[arg]) for arg, shape in ARGUMENTS.items()]
    np.testing.assert_allclose(module.df_dW(*user), finite_difference_gradient(FUNCTIONS[0][1], values, "W"),
                               atol=1e-6)
    np.testing.assert_allclose(module.df_dx(*user), finite_difference_gradient(FUNCTIONS[0][1], values, "x")[:, 0],
                               atol=1e-6)


def test_generated_code_takes_the_fast_forms(generated):
    source, _ = generated
    bodies = {f.name: ast.get_source_segment(source, f) for f in ast.parse(source).body
              if isinstance(f, ast.FunctionDef)}
    assert "np.eye" not in bodies["gate"] and "np.eye" not in bodies["row_gate"]  # diag(s) G = s ⊙ G
    for name in ("trace_axb", "trace_axwt"):  # tr(PQ) = Σ P ⊙ Qᵀ: one matrix product, not two
        assert "np.trace" not in bodies[name] and bodies[name].count("@") == 1
    assert "swapaxes" not in bodies["trace_axwt"]  # tr(P Wᵀ) = Σ P ⊙ W
    assert "np.ones" not in bodies["sums"]
    assert bodies["loss"].count("_matvec(W, x)") == 1  # the residual computed once
    assert "for " not in "".join(b for n, b in bodies.items() if not n.startswith("_"))


def test_generated_functions_share_the_batch_of_every_argument(generated):
    _, module = generated
    user = [from_matrix(shape, v) for shape, v in
            ((shape, value) for shape, value in zip(ARGUMENTS.values(), _point((), np.random.default_rng(0)).values()))]
    user[2] = np.stack([user[2]] * 4)  # y batched: constant results take its batch too
    assert module.constant(*user).shape == (4,)
    np.testing.assert_array_equal(module.constant(*user), 2.0)
    assert module.dlogdet(*user).shape == (4, 3, 3)
    result = module.just_x(*user)
    result[...] = 0  # a copy, never the caller's array
    assert np.all(user[1] != 0)


def test_generated_arguments_are_checked(generated):
    _, module = generated
    user = [from_matrix(shape, v) for shape, v in zip(ARGUMENTS.values(), _point((5,), np.random.default_rng(0)).values())]
    user[1] = np.ones((5, 4))
    with pytest.raises(ValueError, match=r"x has shape \(5, 4\); expected \(3,\)"):
        module.loss(*user)
    user[1] = np.ones((6, 3))
    with pytest.raises(ValueError, match=r"batch axes \(6,\) of x"):
        module.loss(*user)


def test_generated_functions_are_stable_at_extremes(tmp_path):
    functions = [("sig", apply("sigmoid", x), "σ(x)"), ("soft", apply("softplus", x), "softplus(x)"),
                 ("smax", softmax(x), "softmax(x)"), ("lse", logsumexp(x), "lse(x)")]
    module = _import(tmp_path, module_source(functions, {"x": (3, 1)}, title="σ(x)"), "extremes")
    big = np.array([[800.0, -800.0, 0.0], [-800.0, -800.0, -800.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        np.testing.assert_allclose(module.sig(big), [[1.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
        np.testing.assert_allclose(module.soft(big), [[800.0, 0.0, np.log(2)], [0.0, 0.0, 0.0]], atol=1e-300)
        np.testing.assert_allclose(module.smax(big), [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
        np.testing.assert_allclose(module.lse(big), [800.0, -800.0 + np.log(3)])


def test_generation_is_byte_identical():
    first = module_source(FUNCTIONS, ARGUMENTS, title="f")
    assert module_source(_functions(), dict(ARGUMENTS), title="f") == first  # new, equal trees
    assert first.startswith('r"""Generated by `derive grad` from f.')  # raw: a comment holds \\log
    compile(first, "generated", "exec")


def test_generated_module_needs_numpy_alone(tmp_path):
    source = module_source(FUNCTIONS, ARGUMENTS, title="f = ‖Wx − y‖²")
    (tmp_path / "alone.py").write_text(source, encoding="utf-8")
    imports = [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [alias.name for node in imports for alias in node.names] == ["numpy"]
    script = ("import sys; sys.modules['derive'] = None; sys.path.insert(0, sys.argv[1]); import alone, numpy; "
              "r = alone.loss(numpy.ones((5, 2, 3)), numpy.ones(3), numpy.zeros(2), numpy.eye(3), "
              "numpy.ones((2, 3)), numpy.ones((3, 2)), 1.0); assert r.shape == (5,) and numpy.allclose(r, 18.0), r; "
              "assert not any(m == 'derive' or m.startswith('derive.') for m in sys.modules if sys.modules[m]); "
              "print('ok')")
    done = subprocess.run([sys.executable, "-I", "-c", script, str(tmp_path)], check=False, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize("functions, arguments, message", [
    ([("f", sqnorm(x), "")], {"_x": (3, 1)}, "argument '_x'"),
    ([("f", sqnorm(x), "")], {"x": (3,)}, r"x has shape \(3,\)"),
    ([("f", sqnorm(x), "")], {"y": (2, 1)}, "uses x, which is not among"),
    ([("f", sqnorm(x), "")], {"x": (4, 1)}, r"x of shape \(3, 1\), declared \(4, 1\)"),
    ([("class", sqnorm(x), "")], {"x": (3, 1)}, "function 'class'"),
    ([("f", sqnorm(x), ""), ("f", x, "")], {"x": (3, 1)}, "two functions named f"),
])
def test_module_source_rejects_bad_declarations(functions, arguments, message):
    with pytest.raises(InputError, match=message):
        module_source(functions, arguments, title="f")


def test_a_shared_diagonal_is_rewritten_and_its_vector_computed_once(tmp_path):
    gate = diag(apply("sigmoid", matmul(W, x)))
    tree = add(matmul(gate, y), matmul(transpose(gate), c))  # diag(s) y + diag(s)ᵀ c
    source = module_source([("f", tree, "diag(σ(Wx))(y + c)")], {"W": (2, 3), "x": (3, 1), "y": (2, 1), "c": (2, 1)},
                           title="f")
    assert source.count("_sigmoid(_matvec(W, x))") == 1 and "np.eye" not in source
    module = _import(tmp_path, source, "shared_diagonal")
    values = random_point(tree, np.random.default_rng(4), batch=(5,))
    user = [from_matrix(NAMES[name], values[name]) for name in ("W", "x", "y", "c")]
    np.testing.assert_allclose(module.f(*user), evaluate(tree, values)[..., 0], rtol=1e-12)


def test_a_deep_chain_generates_and_evaluates(tmp_path):
    h = x
    square = var("S", (3, 3))
    for _ in range(150):
        h = apply("tanh", matmul(square, h))
    tree = sqnorm(h)
    module = _import(tmp_path, module_source([("f", tree, "‖tanh(S ⋯ tanh(Sx))‖²")], {"S": (3, 3), "x": (3, 1)},
                                             title="f"), "deep")
    values = random_point(tree, np.random.default_rng(0), batch=(5,))
    np.testing.assert_allclose(module.f(from_matrix((3, 3), values["S"]), from_matrix((3, 1), values["x"])),
                               evaluate(tree, values)[:, 0, 0], rtol=1e-12)
