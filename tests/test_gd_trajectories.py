"""Gradient descent over several steps: the trajectories agree where they must and differ where
the lecture says they do."""

import numpy as np

from derive.numpy import gd_trajectories


def test_every_trajectory_takes_the_same_steps_when_the_samples_are_alike():
    """Ten copies of one point: every batch's mean gradient is that point's, whatever the batch."""
    out = gd_trajectories(x=np.full(10, 1.5), y=np.full(10, 4.0), w_0=0.2, b_0=0.1, lr=0.1)
    for t in (1, 2):
        for q in ("w", "b"):
            values = [out[f"{q}_{tag}{t}"] for tag in ("", "sgd_", "mb2_", "mb5_")]
            np.testing.assert_allclose(values, values[0], rtol=1e-15)


def test_the_first_full_step_moves_against_the_derived_gradient():
    x = np.array([1, 2, 3, 4, 5, 0, 1, 2, 3, 4.0])
    out = gd_trajectories(x=x, y=2 * x + 1, w_0=0.0, b_0=0.0, lr=0.05)
    assert out["dL_0/dw"] == -39.0 and out["dL_0/db"] == -12.0
    np.testing.assert_allclose((out["w_1"], out["b_1"]), (1.95, 0.6), rtol=1e-15)
    assert out["L_0"] == 45.0 and out["L_end"] < 0.03  # three full steps close in on the line


def test_sgd_follows_single_samples_and_a_batch_of_a_batch():
    """Batched over N = 2 different datasets at once: each row is its own trajectory."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2, 10)), rng.normal(size=(2, 10))
    both = gd_trajectories(x=x, y=y, w_0=np.array([0.1, -0.3]), b_0=np.array([0.0, 0.5]), lr=0.2)
    second = gd_trajectories(x=x[1], y=y[1], w_0=-0.3, b_0=0.5, lr=0.2)
    for name, value in second.items():
        np.testing.assert_allclose(both[name][1], value, rtol=1e-14, err_msg=name)
    w, b = -0.3, 0.5  # SGD by hand: sample t at step t
    for t in range(3):
        e = w * x[1, t] + b - y[1, t]
        w, b = w - 0.2 * 2 * e * x[1, t], b - 0.2 * 2 * e
    np.testing.assert_allclose((second["w_sgd_3"], second["b_sgd_3"]), (w, b), rtol=1e-14)
