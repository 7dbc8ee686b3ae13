"""Weight initialization: the variance argument against samples, and the expectations it is
proven with."""

import numpy as np
import sympy as sp

from derive.engine.realize import component_symbol
from derive.numpy import weight_init
from derive.symbolic.arrays import Expected, _object_array


def test_expectations_of_independent_normals_use_sympys_moments():
    w = np.array([component_symbol("w", (k,)) for k in range(2)], dtype=object)
    v = sp.Symbol("v", positive=True)
    e4 = Expected.on_components(_object_array(w[0] ** 4), w, _object_array(v))[()]
    assert sp.simplify(e4 - 3 * v ** 2) == 0  # E[z⁴] = 3σ⁴
    cross = Expected.on_components(_object_array(w[0] * w[1] + w[0] ** 2 * w[1] ** 2 + 5), w, _object_array(v))[()]
    assert sp.simplify(cross - (v ** 2 + 5)) == 0  # E[w₁w₂] = 0, E[w₁²w₂²] = σ⁴


def test_the_variance_of_a_pre_activation_matches_a_large_sample():
    """n_in = 64: Var(Σ w_i x_i) over 200,000 draws within 1 % of n_in Var(w) Var(x)."""
    rng = np.random.default_rng(0)
    n_in, var_w, var_x = 64, 0.02, 3.0
    w = rng.normal(0, np.sqrt(var_w), size=(200_000, n_in))
    x = rng.normal(0, np.sqrt(var_x), size=(200_000, n_in))
    out = weight_init(w=w, x=x, var_w=var_w, var_x=var_x, n_out=32.0)
    np.testing.assert_allclose(out["var_s"], n_in * var_w * var_x)
    np.testing.assert_allclose(np.var(out["s"]), out["var_s"], rtol=0.01)
    relu = np.maximum(out["s"], 0.0)
    np.testing.assert_allclose(np.mean(relu ** 2), out["m2_relu"], rtol=0.01)


def test_he_keeps_the_second_moment_through_ten_relu_layers_and_xavier_does_not():
    rng = np.random.default_rng(1)
    width, depth = 256, 10
    scales = weight_init(w=np.zeros(width), x=np.zeros(width), var_w=1.0, var_x=1.0, n_out=float(width))
    kept = {}
    for name, std in (("he", scales["std_he"]), ("xavier", np.sqrt(scales["var_xavier"]))):
        h = rng.normal(size=(2000, width))
        for _ in range(depth):
            h = np.maximum(h @ rng.normal(0, std, size=(width, width)), 0.0)
        kept[name] = np.mean(h ** 2)
    assert 0.5 < kept["he"] < 2.0  # about 1 (the input's second moment, kept)
    assert kept["xavier"] < 0.01  # halved at every layer: about 2⁻¹⁰


def test_the_xavier_uniform_limit_has_the_xavier_variance():
    out = weight_init(w=np.zeros(3), x=np.zeros(3), var_w=1.0, var_x=1.0, n_out=2.0)
    np.testing.assert_allclose(out["limit_xavier"] ** 2 / 3, out["var_xavier"])  # Var(U(−a, a)) = a²/3
