"""Convolution and pooling: the window operations at concrete sizes, their kernels, the sizes of
their outputs, and the worked files that hold images and kernels."""

import numpy as np
import pytest
import sympy as sp

from derive.check.worked import size_of
from derive.cli.main import main
from derive.engine.realize import component_symbol
from derive.numpy import _kernels as k
from derive.numpy import avg_pool2d, conv2d, max_pool2d
from derive.symbolic.arrays import (
    AvgPool,
    AvgPoolBack,
    Correlate,
    CorrelateBack,
    Flipped,
    KernelCorrelate,
    MaxPool,
    MaxPoolBack,
    Spread,
    ZeroPad,
    out_size,
)


def symbols_array(name, shape):
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = component_symbol(name, index)
    return out


@pytest.mark.parametrize(("size", "window", "stride", "padding", "expected"),
                         [(32, 3, 1, 0, 30), (32, 3, 1, 1, 32), (4, 2, 2, 0, 2), (4, 2, 1, 0, 3), (5, 2, 2, 1, 3),
                          (7, 3, 2, 0, 3), (28, 5, 1, 2, 28)])
def test_the_output_size_is_the_lectures_formula(size, window, stride, padding, expected):
    """⌊(W − K + 2P)/S⌋ + 1, as the layer computes it."""
    assert out_size(size + 2 * padding, window, stride) == expected
    x = np.zeros((1, 1, size, size))
    w = np.zeros((1, 1, window, window))
    assert k.correlate(k.zero_pad(x, padding), w, stride).shape[-1] == expected


def test_the_components_of_a_correlation_are_the_sums_a_student_writes():
    x, w = symbols_array("x", (1, 3, 3)), symbols_array("w", (1, 1, 2, 2))
    y = Correlate.on_components(x, w, 1)
    assert y.shape == (1, 2, 2)
    assert sp.expand(y[0, 1, 0] - (x[0, 1, 0] * w[0, 0, 0, 0] + x[0, 1, 1] * w[0, 0, 0, 1]
                                   + x[0, 2, 0] * w[0, 0, 1, 0] + x[0, 2, 1] * w[0, 0, 1, 1])) == 0
    flipped = Flipped.on_components(symbols_array("w", (2, 3, 2, 2)))
    assert flipped.shape == (3, 2, 2, 2)
    assert flipped[2, 1, 0, 1] == component_symbol("w", (1, 2, 1, 0))


def test_the_input_gradient_as_a_scatter_is_the_full_correlation_with_the_flipped_kernel():
    """Both forms of ∂L/∂x (the derivation's and the generated code's), at stride 2 and padding 1."""
    g, w = symbols_array("g", (2, 3, 3)), symbols_array("w", (2, 1, 2, 2))
    spread = Spread.on_components(g, 2, 0, 5, 5)  # K − 1 − P = 0 zeros before, H + K − 1 = 5 rows
    full = Correlate.on_components(spread, Flipped.on_components(w), 1)
    scatter = CorrelateBack.on_components(g, w, 2, 1, 4, 4)
    assert full.shape == scatter.shape == (1, 4, 4)
    assert all(sp.expand(a - b) == 0 for a, b in zip(full.ravel(), scatter.ravel()))


def test_max_pooling_backward_is_sympys_derivative_of_max():
    x, g = symbols_array("x", (1, 2, 3)), symbols_array("g", (1, 1, 2))
    y = MaxPool.on_components(x, 2, 1)
    L = sum(g.ravel() * y.ravel())
    back = MaxPoolBack.on_components(x, g, 2, 1)
    point = {s: v for s, v in zip(x.ravel(), [0.3, 2.0, -1.0, 0.1, 0.7, 0.5])}
    point.update({s: v for s, v in zip(g.ravel(), [10.0, 100.0])})
    expected = np.array([[[0, 110.0, 0], [0, 0, 0]]])  # 2.0 is the largest of both windows
    for index in np.ndindex(*x.shape):
        assert float(sp.diff(L, x[index]).subs(point)) == float(back[index].subs(point)) == expected[index]


def test_average_pooling_and_its_backward_share_a_window_evenly():
    x = symbols_array("x", (1, 4, 4))
    y = AvgPool.on_components(x, 2, 2)
    assert sp.expand(y[0, 1, 1] - (x[0, 2, 2] + x[0, 2, 3] + x[0, 3, 2] + x[0, 3, 3]) / 4) == 0
    back = AvgPoolBack.on_components(np.array([[[sp.Integer(8)]]], dtype=object), 2, 2, 2, 3)
    assert back.tolist() == [[[2, 2, 0], [2, 2, 0]]]  # the third column is in no window


def test_zero_pad_and_kernel_correlate_at_concrete_sizes():
    x = symbols_array("x", (1, 2, 2))
    padded = ZeroPad.on_components(x, 1)
    assert padded.shape == (1, 4, 4) and padded[0, 0, 0] == 0 and padded[0, 1, 1] == x[0, 0, 0]
    g = symbols_array("g", (1, 3, 3))
    dw = KernelCorrelate.on_components(padded, g, 1, 2)
    assert dw.shape == (1, 1, 2, 2)
    assert sp.expand(dw[0, 0, 1, 1] - sum(g[0, p, q] * padded[0, p + 1, q + 1] for p in range(3) for q in range(3))) == 0


@pytest.mark.parametrize("per_example", [False, True])
def test_conv2d_matches_finite_differences_with_kernels_shared_or_per_example(per_example):
    rng = np.random.default_rng(11)
    n = 3
    x = rng.normal(size=(n, 2, 5, 4))
    w = rng.normal(size=((n,) if per_example else ()) + (3, 2, 3, 3))
    b = rng.normal(size=((n,) if per_example else ()) + (3,))
    g = rng.normal(size=(n, 3, 3, 2))
    out = conv2d(x=x, w=w, b=b, g=g)

    def total_loss(**changed):
        return conv2d(**{"x": x, "w": w, "b": b, "g": g, **changed})["L"].sum()

    for name, value in (("x", x), ("w", w), ("b", b)):
        numeric = np.zeros_like(value)
        for index in np.ndindex(*value.shape):
            step = np.zeros_like(value)
            step[index] = 1e-6
            numeric[index] = (total_loss(**{name: value + step}) - total_loss(**{name: value - step})) / 2e-6
        np.testing.assert_allclose(out[f"dL/d{name}"], numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_pooling_runs_on_a_batch_and_on_one_image():
    rng = np.random.default_rng(2)
    x, g = rng.normal(size=(4, 3, 6, 6)), rng.normal(size=(4, 3, 3, 3))
    for function in (max_pool2d, avg_pool2d):
        batch = function(x=x, g=g)
        one = function(x=x[1], g=g[1])
        np.testing.assert_allclose(one["dL/dx"], batch["dL/dx"][1], rtol=1e-15)
        assert batch["dL/dx"].shape == x.shape


@pytest.mark.parametrize(("text", "expected"), [("floor(H/2)", 3), ("H - K + 1", 5), ("-K + W + 1", 6),
                                                  ("floor(H/2 - K/2) + 2", 4), ("2*H", 14), ("H + D", None)])
def test_sizes_of_shapes_are_read_as_arithmetic(text, expected):
    assert size_of(text, {"H": 7, "W": 8, "K": 3}) == expected


@pytest.mark.parametrize("text", ["__import__('os')", "H.real", "max(H, 2)", "H ** 2", "H[0]"])
def test_a_size_is_never_evaluated_as_python(text):
    assert size_of(text, {"H": 7}) is None


def test_a_worked_file_refuses_inputs_nested_five_deep(tmp_path, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text("rule: max_pool2d\ninputs:\n  x: [[[[[1, 2], [3, 4]]]]]\n  g: [[[1]]]\nanswers:\n  y: [[[4]]]\n",
                    encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "inputs.x[0][0][0][0]" in err and "four deep" in err


def test_a_worked_file_with_the_wrong_pooled_size_names_the_sizes(tmp_path, capsys):
    path = tmp_path / "size.yaml"
    path.write_text("rule: max_pool2d\ninputs:\n  x: [[[1, 2, 3, 4], [5, 6, 7, 8]]]\n  g: [[[1, 2, 3]]]\n"
                    "answers:\n  y: [[[6, 8]]]\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "inputs.g" in err and "floor(W/2)" in err
