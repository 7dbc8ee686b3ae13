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


def test_adam_follows_torch_adam_over_several_steps():
    """Ten steps on L(w) = Σ c_k w_k², the generated step fed its own moments back."""
    from derive.numpy import adam

    c = np.array([1.0, 10.0, 0.1])
    w_t = torch.tensor([1.0, -0.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w_t], lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    w, m, v = w_t.detach().numpy().copy(), np.zeros(3), np.zeros(3)
    for t in range(1, 11):
        opt.zero_grad()
        (torch.tensor(c) * w_t ** 2).sum().backward()
        opt.step()
        out = adam(w=w, g=2 * c * w, m=m, v=v, t=float(t), lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6)
        w, m, v = out["w_new"], out["m_new"], out["v_new"]
        np.testing.assert_allclose(w, w_t.detach().numpy(), rtol=1e-10, atol=1e-12)
        state = opt.state[w_t]
        np.testing.assert_allclose(m, state["exp_avg"].numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(v, state["exp_avg_sq"].numpy(), rtol=1e-10, atol=1e-12)


def test_momentum_velocities_are_torch_sgd_momentum_buffers():
    """torch.optim.SGD(momentum=β) keeps v_k = β v_{k−1} + g_k: its six buffers, from the gradients it
    met, are the rule's v_1 … v_6, and its weights w_0 − η Σ_k v_k."""
    from derive.numpy import momentum

    c = np.array([1.0, 4.0])
    w_t = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w_t], lr=0.05, momentum=0.9)
    grads, buffers, weights = [], [], []
    for _ in range(6):
        opt.zero_grad()
        (torch.tensor(c) * w_t ** 2).sum().backward()
        grads.append(w_t.grad.numpy().copy())
        opt.step()
        buffers.append(opt.state[w_t]["momentum_buffer"].numpy().copy())
        weights.append(w_t.detach().numpy().copy())
    out = momentum(**{f"g_{k}": grads[k - 1] for k in range(1, 7)}, beta=0.9)
    for k in range(1, 7):
        np.testing.assert_allclose(out[f"v_{k}"], buffers[k - 1], rtol=1e-12, atol=1e-12)
        w_k = np.array([1.0, -2.0]) - 0.05 * sum(out[f"v_{j}"] for j in range(1, k + 1))
        np.testing.assert_allclose(w_k, weights[k - 1], rtol=1e-12, atol=1e-12)


def _follow(optimizer, step, state, steps=8):
    """``steps`` steps of a torch optimizer on L(w) = Σ c_k w_k², and the generated ``step`` fed its own
    state back (``state``: the rule's state inputs, 0 at the start, and how each is updated)."""
    c = np.array([1.0, 10.0, 0.1])
    w_t = torch.tensor([1.0, -0.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = optimizer([w_t])
    w, values = w_t.detach().numpy().copy(), {name: np.zeros(3) for name in state}
    for _ in range(steps):
        opt.zero_grad()
        (torch.tensor(c) * w_t ** 2).sum().backward()
        opt.step()
        out = step(w=w, g=2 * c * w, **values)
        w, values = out["w_new"], {name: out[result] for name, result in state.items()}
        np.testing.assert_allclose(w, w_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    return out


def test_nesterov_follows_torch_sgd_with_nesterov():
    from derive.numpy import nesterov

    def step(w, g, v):
        out = nesterov(w=w, g=g, v=v, lr=0.01, mu=0.9)
        return {**out, "w_new": out["w_nesterov"]}

    _follow(lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True), step, {"v": "v_new"})


def test_classical_momentum_follows_torch_sgd_with_momentum():
    from derive.numpy import nesterov

    _follow(lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
            lambda w, g, v: nesterov(w=w, g=g, v=v, lr=0.01, mu=0.9), {"v": "v_new"})


def test_adagrad_follows_torch_adagrad():
    from derive.numpy import adagrad

    _follow(lambda p: torch.optim.Adagrad(p, lr=0.1), lambda w, g, G: adagrad(w=w, g=g, G=G, lr=0.1), {"G": "G_new"})


def test_rmsprop_follows_torch_rmsprop():
    from derive.numpy import rmsprop

    _follow(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
            lambda w, g, s: rmsprop(w=w, g=g, s=s, lr=0.01, rho=0.9), {"s": "s_new"})


def test_adadelta_follows_torch_adadelta():
    from derive.numpy import adadelta

    _follow(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6),
            lambda w, g, s, d: adadelta(w=w, g=g, s=s, d=d), {"s": "s_new", "d": "d_new"})


def test_layer_norm_equals_torch_layer_norm():
    from derive.numpy import layer_norm

    rng = np.random.default_rng(11)
    x, gamma, beta, g = rng.normal(size=(6, 7)), rng.normal(size=7), rng.normal(size=7), rng.normal(size=(6, 7))
    x_t = torch.tensor(x, requires_grad=True)
    gamma_t, beta_t = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    y_t = torch.nn.functional.layer_norm(x_t, (7,), gamma_t, beta_t, eps=1e-5)
    y_t.backward(torch.tensor(g))
    out = layer_norm(x=x, gamma=gamma, beta=beta, g=g, eps=1e-5)
    np.testing.assert_allclose(out["y"], y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dx"], x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dgamma"], gamma_t.grad.numpy(), rtol=1e-10, atol=1e-12)  # summed: shared
    np.testing.assert_allclose(out["dL/dbeta"], beta_t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_equals_torch_batch_norm_in_training_and_at_test_time():
    from derive.numpy import batch_norm

    rng = np.random.default_rng(12)
    m, f = 8, 3
    x, g = rng.normal(size=(m, f)), rng.normal(size=(m, f))
    gamma, beta = rng.normal(size=f), rng.normal(size=f)
    mean, var = rng.normal(size=f), rng.uniform(0.5, 2.0, size=f)
    x_t = torch.tensor(x, requires_grad=True)
    gamma_t, beta_t = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    mean_t, var_t = torch.tensor(mean), torch.tensor(var)
    y_t = torch.nn.functional.batch_norm(x_t, mean_t, var_t, gamma_t, beta_t, training=True, momentum=0.1, eps=1e-5)
    y_t.backward(torch.tensor(g))
    out = batch_norm(x=x.T, gamma=gamma, beta=beta, g=g.T, eps=1e-5, running_mean=mean, running_var=var, momentum=0.1)
    np.testing.assert_allclose(out["y"].T, y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dx"].T, x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dgamma"], gamma_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dbeta"], beta_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["running_mean_new"], mean_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(out["running_var_new"], var_t.numpy(), rtol=1e-12)
    test = torch.nn.functional.batch_norm(torch.tensor(x), torch.tensor(mean), torch.tensor(var),
                                          torch.tensor(gamma), torch.tensor(beta), training=False, eps=1e-5)
    np.testing.assert_allclose(out["y_test"].T, test.numpy(), rtol=1e-10, atol=1e-12)


CONV_SETTINGS = [{}, {"stride": "2"}, {"padding": "1"}, {"stride": "2", "padding": "1"}]


def _generated(name, declared):
    """The generated function of the rule ``name`` in the declared convention (the committed one
    for the rule's own)."""
    import derive.numpy
    from derive.codegen.generate import module_source
    from derive.engine.conventions import in_convention
    from derive.registry import get_rule

    rule = in_convention(get_rule(name), declared)
    if rule is get_rule(name):
        return getattr(derive.numpy, name)
    namespace = {}
    exec(compile(module_source(rule), f"<{name} {declared}>", "exec"), namespace)  # noqa: S102 (derive's own generated code)
    return namespace[name]


@pytest.mark.parametrize("declared", CONV_SETTINGS, ids=lambda d: str(d) or "own")
def test_conv2d_equals_torch_conv2d(declared):
    """Batch 4, 3 → 5 channels, 7×6 images, 3×3 kernels shared by the batch; torch's gradients by
    the input, the kernels and the bias, with g as the gradient from above."""
    S, P = int(declared.get("stride", 1)), int(declared.get("padding", 0))
    rng = np.random.default_rng(5)
    x_np, w_np, b_np = rng.normal(size=(4, 3, 7, 6)), rng.normal(size=(5, 3, 3, 3)), rng.normal(size=5)
    x, w, b = (torch.tensor(v, requires_grad=True) for v in (x_np, w_np, b_np))
    y = torch.nn.functional.conv2d(x, w, b, stride=S, padding=P)
    g_np = rng.normal(size=tuple(y.shape))
    y.backward(torch.tensor(g_np))
    out = _generated("conv2d", declared)(x=x_np, w=w_np, b=b_np, g=g_np)
    np.testing.assert_allclose(out["y"], y.detach().numpy(), rtol=1e-10, atol=1e-12)
    for name, tensor in (("dL/dx", x), ("dL/dw", w), ("dL/db", b)):
        np.testing.assert_allclose(out[name], tensor.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("declared", [{}, {"stride": "1"}, {"window": "3", "stride": "2"}, {"window": "3", "stride": "1"}],
                         ids=lambda d: str(d) or "own")
def test_pooling_equals_torch_pooling(kind, declared):
    K, S = int(declared.get("window", 2)), int(declared.get("stride", 2))
    rng = np.random.default_rng(6)
    x_np = rng.normal(size=(4, 3, 7, 8))
    x = torch.tensor(x_np, requires_grad=True)
    pool = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    y = pool(x, K, S)
    g_np = rng.normal(size=tuple(y.shape))
    y.backward(torch.tensor(g_np))
    out = _generated(f"{kind}_pool2d", declared)(x=x_np, g=g_np)
    np.testing.assert_allclose(out["y"], y.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["dL/dx"], x.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_max_pooling_sends_a_tie_to_the_first_cell_as_torch_does():
    x_np = np.array([[[[1.0, 1.0], [0.0, 1.0]]]])
    x = torch.tensor(x_np, requires_grad=True)
    torch.nn.functional.max_pool2d(x, 2, 2).backward(torch.ones(1, 1, 1, 1, dtype=torch.float64))
    out = _generated("max_pool2d", {})(x=x_np, g=np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(out["dL/dx"], x.grad.numpy())
    np.testing.assert_array_equal(out["dL/dx"], [[[[1.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.parametrize(("tag", "batches"), [("", [(0, 10)] * 3), ("sgd_", [(0, 1), (1, 2), (2, 3)]),
                                              ("mb2_", [(0, 2), (2, 4), (4, 6)]), ("mb5_", [(0, 5), (5, 10)])],
                         ids=["full", "sgd", "mini-batch 2", "mini-batch 5"])
def test_gd_trajectories_follow_torch_sgd_on_a_linear_layer(tag, batches):
    """torch.optim.SGD on nn.Linear(1, 1) with the mean squared error of each batch, step by step."""
    from derive.numpy import gd_trajectories

    rng = np.random.default_rng(8)
    x, y = rng.normal(size=10), rng.normal(size=10)
    layer = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        layer.weight.fill_(0.3), layer.bias.fill_(-0.2)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    out = gd_trajectories(x=x, y=y, w_0=0.3, b_0=-0.2, lr=0.1)
    for t, (start, stop) in enumerate(batches, 1):
        opt.zero_grad()
        xs, ys = torch.tensor(x[start:stop, None]), torch.tensor(y[start:stop, None])
        torch.nn.functional.mse_loss(layer(xs), ys).backward()
        opt.step()
        np.testing.assert_allclose(out[f"w_{tag}{t}"], layer.weight.item(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(out[f"b_{tag}{t}"], layer.bias.item(), rtol=1e-10, atol=1e-12)
    end = torch.nn.functional.mse_loss(layer(torch.tensor(x[:, None])), torch.tensor(y[:, None]))
    np.testing.assert_allclose(out[f"L_{tag}end"], end.item(), rtol=1e-10)


def test_cnn_classifier_equals_torch_conv_relu_pool_linear_cross_entropy():
    """The whole pipeline in torch, batch 5, the weights shared: every gradient to 1e-10."""
    from derive.numpy import cnn_classifier

    rng = np.random.default_rng(9)
    x_np = rng.normal(size=(5, 2, 7, 6))
    w_np, b_np = rng.normal(size=(3, 2, 2, 2)), rng.normal(size=3)
    W_np, bd_np = rng.normal(size=(4, 3 * 3 * 2)), rng.normal(size=4)
    labels = rng.integers(0, 4, size=5)
    x, w, b, W_d, b_d = (torch.tensor(v, requires_grad=True) for v in (x_np, w_np, b_np, W_np, bd_np))
    z = torch.nn.functional.conv2d(x, w, b)
    pooled = torch.relu(torch.nn.functional.max_pool2d(z, 2, 2))
    scores = pooled.flatten(1) @ W_d.T + b_d
    torch.nn.functional.cross_entropy(scores, torch.tensor(labels), reduction="sum").backward()
    out = cnn_classifier(x=x_np, w=w_np, b=b_np, W_d=W_np, b_d=bd_np, y=np.eye(4)[labels])
    np.testing.assert_allclose(out["o"], scores.detach().numpy(), rtol=1e-10, atol=1e-12)
    for name, tensor in (("dL/dx", x), ("dL/dw", w), ("dL/db", b), ("dL/dW_d", W_d), ("dL/db_d", b_d)):
        np.testing.assert_allclose(out[name], tensor.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
