"""The random models of ``test_models`` against PyTorch's autograd, in float64 (skipped without torch).

For ten of them (every loss, squared-error form and penalty among them), the same batch goes
through the generated NumPy module and through a PyTorch network written from the contract;
every gradient quantity the module returns, by an input (x, W_N, b_N) or by a quantity (N, z_N,
kept with ``retain_grad``), must equal autograd's to 1e-10, and the updates W − η ∂L/∂W too;
then once more with the weights and biases shared by the batch (passed without the batch axis),
where autograd sums over the batch as the contract says the module does.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import test_models as models  # the models and inputs of tests/test_models.py

CASES = models.CASES[:10]
TOLERANCE = {"rtol": 1e-10, "atol": 1e-12}

ACTIVATION = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "linear": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=-1),
}


def autograd(case, values: dict, shared: bool = False) -> tuple[dict, dict]:
    """(L per example, d(Σ_n L_n)/d(everything)) by PyTorch; ``shared``: the parameters without the batch axis."""
    b = models.built(case.index)
    model = b.model
    tensors = {}
    for name, value in values.items():
        if shared and name[:2] in ("W_", "b_"):
            value = value[0]
        tensors[name] = torch.tensor(value, dtype=torch.float64, requires_grad=name not in ("y", "lr", "lam"))
    kept = {}
    a = tensors["x"]
    for layer in model.layers:
        W = tensors[f"W_{layer.name}"]
        z = torch.einsum("ij,nj->ni" if shared else "nij,nj->ni", W, a)
        if layer.bias:
            z = z + tensors[f"b_{layer.name}"]
        a = ACTIVATION[layer.activation](z)
        if a is z:  # a linear layer: N is z_N itself
            a = z * 1.0
        for name, tensor in ((f"z_{layer.name}", z), (layer.name, a)):
            tensor.retain_grad()
            kept[name] = tensor
    o, y, loss = a, tensors["y"], model.loss
    if loss.kind == "cross_entropy":
        L = -(y * torch.log(o)).sum(-1)
    elif loss.kind == "binary_cross_entropy":
        L = -(y * torch.log(o) + (1 - y) * torch.log(1 - o)).sum(-1)
    elif loss.kind == "squared_error":
        L = ((o - y) ** 2).sum(-1) * (0.5 if loss.half else 1.0) / (o.shape[-1] if loss.reduce == "mean" else 1)
    else:
        L = ((1 - y) * torch.relu(o - (y * o).sum(-1, keepdim=True) + 1)).sum(-1)
    if model.penalty is not None:
        lam = tensors["lam"]
        weights = [tensors[f"W_{layer.name}"] for layer in model.layers]
        axes = (-2, -1)
        if model.penalty.kind == "l1":
            R = sum(W.abs().sum(axes) for W in weights)
        else:
            R = sum((W ** 2).sum(axes) for W in weights) * (0.5 if case.l2_half else 1.0)
        L = L + lam * R
    L.sum().backward()
    grads = {f"dL/d{name}": t.grad.numpy() for name, t in {**tensors, **kept}.items() if t.grad is not None}
    return L.detach().numpy(), grads


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_every_gradient_equals_autograd(case):
    b = models.built(case.index)
    values = models.draw_inputs(case, 4, seed=7)
    got = models.call(b, values)
    L, grads = autograd(case, values)
    np.testing.assert_allclose(got["L"], L, **TOLERANCE, err_msg=f"{case.id}: L (stage: torch)")
    gradients = [q for q in b.module.QUANTITIES if q.startswith("dL/d")]
    assert set(gradients) <= set(grads), f"{case.id}: autograd has no {set(gradients) - set(grads)}"
    for name in gradients:
        np.testing.assert_allclose(got[name], grads[name], **TOLERANCE, err_msg=f"{case.id}: {name} (stage: torch)")
    for name in (q for q in b.module.QUANTITIES if q.endswith("_new")):
        param = name[:-len("_new")]
        lr = values["lr"].reshape((-1,) + (1,) * (values[param].ndim - 1))
        np.testing.assert_allclose(got[name], values[param] - lr * grads[f"dL/d{param}"], **TOLERANCE,
                                   err_msg=f"{case.id}: {name} (stage: torch)")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_shared_parameters_equal_autograd(case):
    b = models.built(case.index)
    values = models.draw_inputs(case, 4, seed=8)
    shared = {k: (v[0] if k[:2] in ("W_", "b_") else v) for k, v in values.items()}
    got = models.call(b, shared)
    _, grads = autograd(case, values, shared=True)
    for name in (q for q in b.module.QUANTITIES if q.startswith("dL/d")):
        np.testing.assert_allclose(got[name], grads[name], **TOLERANCE,
                                   err_msg=f"{case.id}: {name}, shared parameters (stage: torch)")
