"""Dropout's generated function: the test-time outputs are the training outputs' expectation over
every mask, and the backward pass uses the forward's mask and scale (finite differences)."""

import itertools

import numpy as np
import pytest

from derive.numpy import dropout


@pytest.mark.parametrize("p", [0.0, 0.25, 0.9])
def test_test_time_outputs_are_the_expectation_over_every_mask(p):
    x, g = np.array([0.5, -1.2, 2.0]), np.array([0.1, 0.2, -0.3])
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    weights = np.prod(np.where(masks == 1, 1 - p, p), axis=1)
    out = dropout(x=np.broadcast_to(x, masks.shape), m=masks, p=p, g=g)
    np.testing.assert_allclose(weights @ out["y"], out["y_test"][0], rtol=1e-14)
    np.testing.assert_allclose(weights @ out["y_plain"], out["y_plain_test"][0], rtol=1e-14)
    np.testing.assert_allclose(out["y_plain_test"][0], (1 - p) * x, rtol=1e-15)


def test_the_gradient_is_the_losses_by_finite_differences():
    rng = np.random.default_rng(5)
    x, g = rng.normal(size=(8, 5)), rng.normal(size=(8, 5))
    m, p = rng.integers(0, 2, size=(8, 5)).astype(float), rng.uniform(0.1, 0.7, size=8)
    out, h = dropout(x=x, m=m, p=p, g=g), 1e-6
    for j in range(5):
        step = np.zeros(5)
        step[j] = h
        up, down = dropout(x=x + step, m=m, p=p, g=g), dropout(x=x - step, m=m, p=p, g=g)
        for loss, grad in (("L", "dL/dx"), ("L_plain", "dL_plain/dx")):
            np.testing.assert_allclose((up[loss] - down[loss]) / (2 * h), out[grad][:, j], rtol=1e-6, atol=1e-9)
    assert np.all(out["dL/dx"][m == 0] == 0)  # a dropped unit passes no gradient
