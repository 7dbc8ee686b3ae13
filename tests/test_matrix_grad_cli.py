r"""``derive grad --shape``: what the command line refuses, and what it writes.

- Unusable input ends with exit 2, nothing on stdout and exactly one line on stderr starting
  ``derive grad:`` that names what is wrong (the shapes that do not fit, the flag, the name);
  never a traceback.
- The JSON ``value`` of a gradient is a nested list in its variable's shape (matrix, vector,
  number); ``--jacobian`` of a vector expression gives the m×n Jacobian, checked here against
  finite differences.
- ``--emit-numpy`` writes a module whose functions run on a batch (leading axis N = 7): the same
  as a loop over the examples, the same as the JSON values, and importable by a bare
  ``python -I`` with only its own folder added to ``sys.path`` (no derive).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from derive.cli.main import main


def run_grad(args, capsys):
    code = main(["grad", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


# -- unusable input ------------------------------------------------------------------------------------------
def case(key, latex, args, *fragments):
    return pytest.param([latex, *args], fragments, id=key)


VEC = ["--shape", "x=3", "--shape", "a=3"]

MALFORMED = [
    # shapes
    case("undeclared_vector_used_as_vector", r"x^\top A x", ["--wrt", "x", "--shape", "A=3x3"],
         "not a scalar", "without --shape", "x"),
    case("matvec_inconsistent", r"W x", ["--wrt", "x", "--shape", "W=2x3", "--shape", "x=2"],
         "W (2×3)", "x (2)", "3 columns against 2 rows"),
    case("matvec_inconsistent_in_norm", r"\|W x - y\|^2",
         ["--wrt", "x", "--shape", "W=2x3", "--shape", "x=2", "--shape", "y=2"], "W (2×3)", "x (2)"),
    case("inner_product_lengths", r"x^\top y", ["--wrt", "x", "--shape", "x=3", "--shape", "y=4"],
         "(1×3)", "y (4)"),
    case("sum_of_different_lengths", r"\|x + y\|^2", ["--wrt", "x", "--shape", "x=3", "--shape", "y=4"],
         "cannot add", "x (3)", "y (4)"),
    case("hadamard_of_different_lengths", r"\mathbf{1}^\top (x \odot y)",
         ["--wrt", "x", "--shape", "x=3", "--shape", "y=4"], "element-wise", "x (3)", "y (4)"),
    case("matmul_inconsistent_in_trace", r"\operatorname{tr}(A B)",
         ["--wrt", "A", "--shape", "A=2x3", "--shape", "B=2x3"], "A (2×3)", "B (2×3)"),
    case("not_a_scalar", r"W x", ["--wrt", "x", "--shape", "W=2x3", "--shape", "x=3"],
         "vector of 2", "not a scalar", "--jacobian"),
    case("not_a_scalar_outer_product", r"x x^\top", ["--wrt", "x", "--shape", "x=3"], "3×3 matrix", "not a scalar"),
    case("not_a_scalar_softmax", r"\operatorname{softmax}(x)", ["--wrt", "x", "--shape", "x=3"],
         "vector of 3", "not a scalar"),
    case("trace_of_non_square", r"\operatorname{tr}(X)", ["--wrt", "X", "--shape", "X=2x3"],
         "trace", "square", "X (2×3)"),
    case("inverse_of_non_square", r"a^\top X^{-1} b",
         ["--wrt", "X", "--shape", "X=2x3", "--shape", "a=2", "--shape", "b=3"], "inverse", "square", "X (2×3)"),
    case("logdet_of_non_square", r"\log\det X", ["--wrt", "X", "--shape", "X=3x2"],
         "determinant", "square", "X (3×2)"),
    case("softmax_of_a_matrix", r"\mathbf{1}^\top \operatorname{softmax}(W)", ["--wrt", "W", "--shape", "W=2x3"],
         "softmax", "vector", "W (2×3)"),
    case("lse_of_a_matrix", r"\operatorname{LSE}(W)", ["--wrt", "W", "--shape", "W=2x3"], "log-sum-exp", "W (2×3)"),
    case("ones_of_unknown_length", r"\mathbf{1}^\top \mathbf{1}", ["--wrt", "x", "--shape", "x=3"],
         r"\mathbf{1}", "cannot be told"),
    # the formula
    case("unclosed_norm", r"\|x - a", ["--wrt", "x", *VEC], "norm", "never closed", "character 1"),
    case("unknown_norm", r"\|x\|_3", ["--wrt", "x", "--shape", "x=3"], "_1, _2 and _F"),
    case("matrix_power", r"\operatorname{tr}(X^2)", ["--wrt", "X", "--shape", "X=3x3"], "power of a matrix"),
    case("component_outside_a_sum", r"W_{ij}", ["--wrt", "W", "--shape", "W=2x3"], "W_{ij}", r"\sum"),
    case("free_index", r"\sum_i W_{ij}", ["--wrt", "W", "--shape", "W=2x3"], "j", r"\sum"),
    case("vector_component_outside_a_sum", r"(W x)_j", ["--wrt", "x", "--shape", "W=2x3", "--shape", "x=3"],
         "(W x)_j", r"\sum"),
    case("empty_formula", "", ["--wrt", "x", "--shape", "x=3"], "empty"),
    # --shape
    case("shape_by_word", r"x^\top x", ["--wrt", "x", "--shape", "x=3", "--shape", "W=2by3"],
         "--shape W=2by3", "NAME=RxC"),
    case("shape_zero", r"x^\top x", ["--wrt", "x", "--shape", "x=0"], "--shape x=0", "at least 1"),
    case("shape_zero_columns", r"x^\top x", ["--wrt", "x", "--shape", "x=3x0"], "--shape x=3x0", "at least 1"),
    case("shape_negative", r"x^\top x", ["--wrt", "x", "--shape", "x=-3"], "--shape x=-3"),
    case("shape_without_size", r"x^\top x", ["--wrt", "x", "--shape", "x"], "--shape x", "NAME=N"),
    case("shape_too_large", r"x^\top x", ["--wrt", "x", "--shape", "x=100x101"], "--shape x=100x101", "at most"),
    case("shape_twice_inconsistent", r"x^\top x", ["--wrt", "x", "--shape", "x=3", "--shape", "x=4"],
         "--shape x", "twice", "3", "4"),
    case("shape_of_an_absent_name", r"x^\top x", ["--wrt", "x", "--shape", "x=3", "--shape", "W=2x3"],
         "--shape W", "no variable named 'W'"),
    # --wrt
    case("wrt_unknown", r"x^\top x", ["--wrt", "y", "--shape", "x=3"], "--wrt y", "no variable named 'y'", "x"),
    # --at
    case("at_missing_a_variable", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,3]"], "--at", "missing", "a"),
    case("at_wrong_length", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2],a=[1,2,3]"],
         "--at x", "3 numbers", "shape (2,)"),
    case("at_matrix_for_vector", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[[1,2,3]],a=[1,2,3]"],
         "--at x", "shape (1, 3)"),
    case("at_number_for_vector", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=3,a=[1,2,3]"], "--at x", "a number"),
    case("at_vector_for_matrix", r"x^\top A x", ["--wrt", "x", "--shape", "x=3", "--shape", "A=3x3",
                                                  "--at", "x=[1,2,3],A=[1,2,3]"], "--at A", "3 lists of 3"),
    case("at_list_for_scalar", r"c x^\top x", ["--wrt", "x", "--shape", "x=3", "--at", "x=[1,2,3],c=[1,2]"],
         "--at c", "a number"),
    case("at_ragged", r"\|W\|_F^2", ["--wrt", "W", "--shape", "W=2x3", "--at", "W=[[1,2,3],[1,2]]"],
         "--at W", "ragged"),
    case("at_string_in_list", r"a^\top x", ["--wrt", "x", *VEC, "--at", 'x=[1,2,"a"],a=[1,2,3]'],
         "--at x", "non-numbers"),
    case("at_word_in_list", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,abc],a=[1,2,3]"],
         "--at x", "[1,2,abc]"),
    case("at_unclosed_list", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,3],a=[1,2,3"], "--at a"),
    case("at_nan_in_list", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,NaN],a=[1,2,3]"], "--at x", "finite"),
    case("at_nan_scalar", r"a^\top x + c", ["--wrt", "x", *VEC, "--at", "x=[1,2,3],a=[1,2,3],c=nan"],
         "--at c", "finite"),
    case("at_overflow", r"x^\top x", ["--wrt", "x", "--shape", "x=3", "--at", "x=[1e400,1,1]"], "--at x", "finite"),
    case("at_given_twice", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,3],a=[1,2,3],x=[1,1,1]"],
         "--at", "x", "twice"),
    case("at_unknown_name", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,3],a=[1,2,3],b=1"],
         "--at b", "no variable named 'b'"),
    case("at_boolean", r"a^\top x", ["--wrt", "x", *VEC, "--at", "x=[1,2,3],a=true"], "--at a"),
    case("at_logdet_singular", r"\log\det X", ["--wrt", "X", "--shape", "X=2x2", "--at", "X=[[1,2],[2,4]]"],
         "--at", "log det(X)", "not defined"),
    case("at_logdet_negative_determinant", r"\log\det X",
         ["--wrt", "X", "--shape", "X=2x2", "--at", "X=[[0,1],[1,0]]"], "log det(X)", "not defined"),
    case("at_log_of_negative", r"\mathbf{1}^\top \log(x)", ["--wrt", "x", "--shape", "x=3", "--at", "x=[-1,2,3]"],
         "log(x)", "not defined"),
    case("at_gradient_undefined", r"\|x\|", ["--wrt", "x", "--shape", "x=3", "--at", "x=[0,0,0]"],
         "df/dx", "not defined"),
    # --jacobian and --emit-numpy
    case("jacobian_by_a_matrix", r"\sigma(W x)", ["--wrt", "W", "--shape", "W=2x3", "--shape", "x=3", "--jacobian"],
         "--jacobian", "W", "matrix"),
    case("jacobian_with_emit", r"\sigma(W x)", ["--wrt", "x", "--shape", "W=2x3", "--shape", "x=3", "--jacobian",
                                               "--emit-numpy", "unused.py"], "--emit-numpy", "--jacobian"),
    case("emit_into_missing_folder", r"x^\top x", ["--wrt", "x", "--shape", "x=3",
                                                   "--emit-numpy", "/nonexistent/folder/f.py"],
         "--emit-numpy", "/nonexistent/folder", "does not exist"),
]


def assert_refused(code, out, err, fragments):
    assert code == 2, f"exit {code}, stdout {out[:300]!r}, stderr {err!r}"
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert lines[0].startswith("derive grad: "), lines[0]
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} is not named in {lines[0]!r}"


@pytest.mark.parametrize("args, fragments", MALFORMED)
def test_unusable_input_exits_2_with_one_line_naming_the_problem(args, fragments, capsys):
    code, out, err = run_grad([*args, "--json"], capsys)
    assert_refused(code, out, err, fragments)


def test_at_refuses_booleans_inside_a_list(capsys):
    code, out, err = run_grad([r"a^\top x", "--wrt", "x", *VEC, "--at", "x=[1,2,3],a=[true,1,2]", "--json"], capsys)
    assert_refused(code, out, err, ["--at a"])


def test_jacobian_of_a_scalar_quadratic_form(capsys):
    code, out, err = run_grad([r"x^\top x", "--wrt", "x", "--shape", "x=3", "--at", "x=[1,2,3]",
                               "--jacobian", "--json"], capsys)
    assert code == 0, err
    value = np.array(json.loads(out)["gradients"]["x"]["value"])
    np.testing.assert_allclose(value.reshape(-1), [2.0, 4.0, 6.0])


def test_log_of_an_unbracketed_product(capsys):
    code, out, err = run_grad([r"\log \mathbf{1}^\top \exp(x)", "--wrt", "x", "--shape", "x=3",
                               "--at", "x=[0.1,-0.2,0.3]", "--json"], capsys)
    if code == 0:  # read as log(1ᵀ exp(x)) = LSE(x)
        x = np.array([0.1, -0.2, 0.3])
        np.testing.assert_allclose(json.loads(out)["gradients"]["x"]["value"], softmax(x), rtol=1e-9)
    else:  # or refused, saying where the bracket goes
        assert code == 2 and len(err.splitlines()) == 1
        assert r"\log(" in err or "bracket" in err, err


def test_sum_bound_beyond_the_length_is_refused(capsys):
    code, out, err = run_grad([r"\sum_{i=1}^{5} x_i^2", "--wrt", "x", "--shape", "x=4", "--json"], capsys)
    assert_refused(code, out, err, ["5", "4"])


def test_partial_sum_bounds_are_honoured_or_refused(capsys):
    code, out, err = run_grad([r"\sum_{i=2}^{4} x_i", "--wrt", "x", "--shape", "x=4", "--at", "x=[1,2,3,4]",
                               "--json"], capsys)
    if code == 0:
        report = json.loads(out)
        assert report["forward"]["value"] == pytest.approx(9.0)
        assert report["gradients"]["x"]["value"] == pytest.approx([0.0, 1.0, 1.0, 1.0])
    else:
        assert_refused(code, out, err, ["2", "4"])


def test_refusals_have_no_traceback_in_a_subprocess():
    for args in ([r"\log\det X", "--wrt", "X", "--shape", "X=2x2", "--at", "X=[[1,2],[2,4]]"],):
        done = subprocess.run([sys.executable, "-m", "derive", "grad", *args], check=False, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("derive grad: "), done.stderr


# -- the JSON values in the variables' shapes -------------------------------------------------------------
def test_json_values_are_nested_lists_in_each_variables_shape(capsys):
    W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    x, y, c = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0]), 0.5
    at = f"W={json.dumps(W.tolist())},x={json.dumps(x.tolist())},y={json.dumps(y.tolist())},c={c}"
    args = [r"c \|W x - y\|^2", "--wrt", "W", "--wrt", "x", "--wrt", "c",
            "--shape", "W=2x3", "--shape", "x=3", "--shape", "y=2", "--at", at, "--json"]
    code, out, err = run_grad(args, capsys)
    assert code == 0, err
    report = json.loads(out)
    r = W @ x - y
    assert report["forward"]["value"] == pytest.approx(c * r @ r)
    assert report["forward"]["shapes"] == {"W": [2, 3], "x": [3], "y": [2], "c": []}
    gradients = report["gradients"]
    matrix, vector, number = gradients["W"]["value"], gradients["x"]["value"], gradients["c"]["value"]
    assert isinstance(matrix, list) and len(matrix) == 2 and all(isinstance(row, list) and len(row) == 3
                                                                 for row in matrix)
    assert all(isinstance(v, float) for row in matrix for v in row)
    assert isinstance(vector, list) and len(vector) == 3 and all(isinstance(v, float) for v in vector)
    assert isinstance(number, float)
    assert [gradients[n]["shape"] for n in ("W", "x", "c")] == [[2, 3], [3], []]
    np.testing.assert_allclose(matrix, 2 * c * np.outer(r, x))
    np.testing.assert_allclose(vector, 2 * c * W.T @ r)
    assert number == pytest.approx(r @ r)


def test_json_without_a_point_has_null_values(capsys):
    code, out, err = run_grad([r"x^\top A x", "--wrt", "x", "--wrt", "A", "--shape", "x=3", "--shape", "A=3x3",
                               "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["forward"]["value"] is None
    assert [report["gradients"][n]["value"] for n in ("x", "A")] == [None, None]
    assert report["gradients"]["A"]["shape"] == [3, 3]


def test_human_output_names_shapes_steps_and_values(capsys):
    code, out, err = run_grad([r"\|W x - y\|^2", "--wrt", "W", "--shape", "W=2x3", "--shape", "x=3",
                               "--shape", "y=2", "--at", "W=[[1,0,2],[0,1,1]],x=[1,2,3],y=[1,0]"], capsys)
    assert code == 0, err
    assert "W: 2×3" in out and "x: 3" in out
    assert "2 (W x − y) xᵀ" in out
    assert "[[12, 24, 36], [10, 20, 30]]" in out
    assert "FAILED" not in out


# -- --jacobian -----------------------------------------------------------------------------------------------
def jacobian_by_differences(f, value):
    columns = []
    for k in range(value.size):
        h = 1e-6 * max(1.0, abs(value[k]))
        plus, minus = value.copy(), value.copy()
        plus[k] += h
        minus[k] -= h
        columns.append((f(plus) - f(minus)) / (2 * h))
    return np.stack(columns, axis=-1)


def test_jacobian_of_sigmoid_of_wx_by_x(capsys):
    rng = np.random.default_rng(11)
    W, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    args = [r"\sigma(W x)", "--wrt", "x", "--shape", "W=2x3", "--shape", "x=3", "--jacobian",
            "--at", f"W={json.dumps(W.tolist())},x={json.dumps(x.tolist())}", "--json"]
    code, out, err = run_grad(args, capsys)
    assert code == 0, err
    report = json.loads(out)
    gradient = report["gradients"]["x"]
    assert gradient["shape"] == [2, 3]
    value = np.array(gradient["value"])
    assert value.shape == (2, 3)
    assert all(not step["proof"].startswith("FAILED") for step in report["steps"])
    assert "diag" in gradient["text"] and "_{" not in gradient["latex"]
    np.testing.assert_allclose(report["forward"]["value"], sigmoid(W @ x), rtol=1e-12)
    expected = jacobian_by_differences(lambda v: sigmoid(W @ v), x)
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-9)


def test_jacobian_of_a_tanh_layer_by_bias_and_input(capsys):
    rng = np.random.default_rng(12)
    W, x, b = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    at = ",".join(f"{n}={json.dumps(v.tolist())}" for n, v in {"W": W, "x": x, "b": b}.items())
    args = [r"\tanh(W x + b)", "--wrt", "b", "--wrt", "x", "--shape", "W=4x3", "--shape", "x=3", "--shape", "b=4",
            "--jacobian", "--at", at, "--json"]
    code, out, err = run_grad(args, capsys)
    assert code == 0, err
    gradients = json.loads(out)["gradients"]
    assert gradients["b"]["shape"] == [4, 4] and gradients["x"]["shape"] == [4, 3]
    np.testing.assert_allclose(gradients["b"]["value"], jacobian_by_differences(lambda v: np.tanh(W @ x + v), b),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gradients["x"]["value"], jacobian_by_differences(lambda v: np.tanh(W @ v + b), x),
                               rtol=1e-6, atol=1e-9)


# -- --emit-numpy ----------------------------------------------------------------------------------------------
def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TWO_LAYER = r"\|W_2 \tanh(W_1 x + b) - y\|^2 + \lambda \|W_1\|_F^2"
TWO_LAYER_SHAPES = {"W_1": (3, 2), "W_2": (2, 3), "x": (2,), "b": (3,), "y": (2,), "lambda": ()}


def two_layer(v):
    r = v["W_2"] @ np.tanh(v["W_1"] @ v["x"] + v["b"]) - v["y"]
    return r @ r + v["lambda"] * np.sum(v["W_1"] ** 2)


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    """The module for the two-layer loss by W_1, x, b and λ, and the JSON of the same run at one point."""
    folder = tmp_path_factory.mktemp("emitted")
    target = folder / "two_layer_grad.py"
    rng = np.random.default_rng(5)
    point = {n: rng.normal(size=s) if s else 0.3 for n, s in TWO_LAYER_SHAPES.items()}
    at = ",".join(f"{n}={json.dumps(np.asarray(v).tolist())}" for n, v in point.items())
    args = ["grad", TWO_LAYER, "--wrt", "W_1", "--wrt", "x", "--wrt", "b", "--wrt", "lambda",
            *(a for n, s in TWO_LAYER_SHAPES.items() if s for a in ("--shape", f"{n}=" + "x".join(map(str, s)))),
            "--at", at, "--json", "--emit-numpy", str(target)]
    from contextlib import redirect_stdout
    from io import StringIO
    buffer = StringIO()
    with redirect_stdout(buffer):
        code = main(args)
    assert code == 0
    return target, point, json.loads(buffer.getvalue())


ARGUMENT = {"lambda": "lam"}  # the Python argument names of the emitted functions
FUNCTIONS = {"W_1": "df_dW_1", "x": "df_dx", "b": "df_db", "lambda": "df_dlam"}


def test_emitted_module_agrees_with_the_json_values(emitted):
    target, point, report = emitted
    module = load(target, "two_layer_grad_json")
    kwargs = {ARGUMENT.get(n, n): v for n, v in point.items()}
    assert float(module.f(**kwargs)) == pytest.approx(report["forward"]["value"], rel=1e-12)
    assert float(module.f(**kwargs)) == pytest.approx(two_layer(point), rel=1e-12)
    for name, function in FUNCTIONS.items():
        value = getattr(module, function)(**kwargs)
        assert np.shape(value) == TWO_LAYER_SHAPES[name]
        np.testing.assert_allclose(value, report["gradients"][name]["value"], rtol=1e-12, atol=1e-14)


def test_emitted_module_runs_on_a_batch_like_a_loop(emitted):
    target, _, _ = emitted
    module = load(target, "two_layer_grad_batch")
    rng = np.random.default_rng(6)
    n = 7
    batch = {n_: rng.normal(size=(n, *s)) for n_, s in TWO_LAYER_SHAPES.items()}
    kwargs = {ARGUMENT.get(k, k): v for k, v in batch.items()}
    for function in ["f", *FUNCTIONS.values()]:
        batched = getattr(module, function)(**kwargs)
        looped = np.stack([getattr(module, function)(**{k: v[i] for k, v in kwargs.items()}) for i in range(n)])
        assert batched.shape == looped.shape
        assert batched.shape[0] == n
        np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-12)
    forward = module.f(**kwargs)
    np.testing.assert_allclose(forward, [two_layer({k: v[i] for k, v in batch.items()}) for i in range(n)],
                               rtol=1e-12)
    # weights shared by the batch (no leading axis), examples batched
    shared = {**kwargs, "W_1": batch["W_1"][0], "W_2": batch["W_2"][0], "lam": 0.3}
    batched = module.df_dW_1(**shared)
    looped = np.stack([module.df_dW_1(**{k: (v[i] if k in ("x", "b", "y") else v) for k, v in shared.items()})
                       for i in range(n)])
    assert batched.shape == (n, 3, 2)
    np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-12)


def test_emitted_module_imports_without_derive(emitted):
    target, point, report = emitted
    values = {ARGUMENT.get(n, n): np.asarray(v).tolist() for n, v in point.items()}
    script = textwrap.dedent(f"""
        import json, sys
        sys.modules["derive"] = None  # importing derive from the module would fail
        sys.path.insert(0, {str(target.parent)!r})
        import two_layer_grad as m
        import numpy as np
        values = {{k: np.asarray(v) for k, v in json.loads({json.dumps(json.dumps(values))}).items()}}
        print(json.dumps({{"f": float(m.f(**values)), "x": m.df_dx(**values).tolist(),
                           "batch": list(m.df_dW_1(**{{k: np.stack([v] * 7) for k, v in values.items()}}).shape)}}))
    """)
    done = subprocess.run([sys.executable, "-I", "-c", script], check=False, capture_output=True, text=True, timeout=60,
                          cwd=target.parent.parent)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["f"] == pytest.approx(report["forward"]["value"], rel=1e-12)
    np.testing.assert_allclose(result["x"], report["gradients"]["x"]["value"], rtol=1e-12)
    assert result["batch"] == [7, 3, 2]


def _lse(z):
    return np.max(z) + np.log(np.sum(np.exp(z - np.max(z))))


EMITTED = {  # more forms: softmax along the right axis, inverses and determinants of a batch of matrices
    "softmax_ce": (r"\operatorname{LSE}(W x) - y^\top W x + \|W\|_F^2", ["W", "x"], {"W": (4, 3), "x": (3,), "y": (4,)},
                   lambda v: _lse(v["W"] @ v["x"]) - v["y"] @ v["W"] @ v["x"] + np.sum(v["W"] ** 2)),
    "logdet_inverse": (r"\log\det X - a^\top X^{-1} a + \operatorname{tr}(A X)", ["X", "a"],
                       {"X": (2, 2), "a": (2,), "A": (2, 2)},
                       lambda v: np.linalg.slogdet(v["X"])[1] - v["a"] @ np.linalg.solve(v["X"], v["a"])
                       + np.trace(v["A"] @ v["X"])),
}


@pytest.mark.parametrize("key", list(EMITTED))
def test_more_emitted_modules_run_on_a_batch_like_a_loop(key, tmp_path, capsys):
    latex, wrt, shapes, oracle = EMITTED[key]
    target = tmp_path / f"{key}.py"
    args = [latex, *(a for w in wrt for a in ("--wrt", w)),
            *(a for n, s in shapes.items() for a in ("--shape", f"{n}=" + "x".join(map(str, s)))),
            "--emit-numpy", str(target)]
    code, _, err = run_grad(args, capsys)
    assert code == 0, err
    module = load(target, key)
    rng = np.random.default_rng(7)
    batch = {n: rng.normal(size=(7, *s)) for n, s in shapes.items()}
    if "X" in batch:
        batch["X"] = 0.3 * batch["X"] + 2 * np.eye(2)
    for function in ["f", *(f"df_d{w}" for w in wrt)]:
        batched = getattr(module, function)(**batch)
        looped = np.stack([getattr(module, function)(**{k: v[i] for k, v in batch.items()}) for i in range(7)])
        assert batched.shape == looped.shape and batched.shape[0] == 7
        np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-12)
    # and, for each example, the forward is the oracle's and the gradients its finite differences
    one = {k: v[0] for k, v in batch.items()}
    np.testing.assert_allclose(module.f(**batch), [oracle({k: v[i] for k, v in batch.items()}) for i in range(7)],
                               rtol=1e-10)
    for w in wrt:
        expected = np.zeros(shapes[w])
        for index in np.ndindex(shapes[w]):
            h = 1e-6
            plus, minus = one[w].copy(), one[w].copy()
            plus[index] += h
            minus[index] -= h
            expected[index] = (oracle({**one, w: plus}) - oracle({**one, w: minus})) / (2 * h)
        np.testing.assert_allclose(getattr(module, f"df_d{w}")(**one), expected, rtol=1e-6, atol=1e-7)
