"""Rules of the curriculum's second part against PyTorch, in float64 (skipped without torch)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from derive.numpy import dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_equals_torch_dropout_with_its_own_mask(p):
    """torch's dropout draws its mask; read it off its output (x has no zeros) and give it to derive."""
    rng = np.random.default_rng(3)
    x_np, g_np = rng.normal(size=(32, 17)), rng.normal(size=(32, 17))
    torch.manual_seed(0)
    x = torch.tensor(x_np, requires_grad=True)
    y = torch.nn.functional.dropout(x, p=p, training=True)
    y.backward(torch.tensor(g_np))
    mask = (y.detach().numpy() != 0).astype(float)
    assert 0 < mask.mean() < 1
    out = dropout(x=x_np, m=mask, p=p, g=g_np)
    np.testing.assert_allclose(out["y"], y.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dx"], x.grad.numpy(), rtol=1e-10, atol=1e-12)
    torch_eval = torch.nn.functional.dropout(torch.tensor(x_np), p=p, training=False)
    np.testing.assert_array_equal(out["y_test"], torch_eval.numpy())
