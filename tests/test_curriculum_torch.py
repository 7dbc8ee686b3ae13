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


# -- attention, graph convolution, word2vec ----------------------------------------------------------------

def _variant(name, declared=()):
    """The generated function of ``name`` in the convention ``declared`` ((key, value) pairs)."""
    from derive.check.conventions import variant_module

    return getattr(variant_module(name, tuple(declared)), name)


def _close(out, expected: dict, rule: str):
    for name, value in expected.items():
        want = value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)
        assert np.shape(out[name]) == np.shape(want), (rule, name, np.shape(out[name]), np.shape(want))
        np.testing.assert_allclose(out[name], want, rtol=1e-10, atol=1e-12, err_msg=f"{rule}: {name}")


def _leaf(value):
    return torch.tensor(value, requires_grad=True)


def _causal(T):
    """torch's boolean attention mask: True where a position may not attend (the later ones)."""
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


@pytest.mark.parametrize("mask", ["none", "causal"])
def test_scaled_dot_product_attention_equals_torch_sdpa(mask):
    """torch.nn.functional.scaled_dot_product_attention (is_causal for the causal mask), batch 3,
    T = 5, D = 4, E = 3; L = Σ G ⊙ Z: the gradients by Q, K and V."""
    rng = np.random.default_rng(21)
    q_np, k_np = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 4))
    v_np, g_np = rng.normal(size=(3, 5, 3)), rng.normal(size=(3, 5, 3))
    Q, K, V = _leaf(q_np), _leaf(k_np), _leaf(v_np)
    Z = torch.nn.functional.scaled_dot_product_attention(Q, K, V, is_causal=mask == "causal")
    Z.backward(torch.tensor(g_np))
    out = _variant("scaled_dot_product_attention", (("mask", mask),))(Q=q_np, K=k_np, V=v_np, G=g_np)
    _close(out, {"Z": Z, "L": (Z * torch.tensor(g_np)).sum(dim=(1, 2)), "dL/dQ": Q.grad, "dL/dK": K.grad,
                 "dL/dV": V.grad}, "scaled_dot_product_attention")
    if mask == "causal":  # position i attends to 1..i only
        assert np.all(np.triu(out["A"], 1) == 0) and np.allclose(out["A"].sum(axis=-1), 1.0)


@pytest.mark.parametrize("mask", ["none", "causal"])
def test_multihead_attention_equals_torch_multihead_attention(mask):
    """nn.MultiheadAttention(D = 4, two heads, no biases, batch first), batch 3, T = 5: each head's
    projections are the columns E·h … E·(h+1) of in_proj_weightᵀ (E = D/2), W_O = out_proj.weightᵀ.
    The weights passed once, shared: their gradients are sums over the batch, as torch's."""
    T, D, E = 5, 4, 2
    torch.manual_seed(4)
    mha = torch.nn.MultiheadAttention(embed_dim=D, num_heads=2, bias=False, batch_first=True).double()
    rng = np.random.default_rng(22)
    x_np, g_np = rng.normal(size=(3, T, D)), rng.normal(size=(3, T, D))
    X = _leaf(x_np)
    attn_mask = _causal(T) if mask == "causal" else None
    O, _ = mha(X, X, X, need_weights=False, attn_mask=attn_mask, is_causal=mask == "causal")
    O.backward(torch.tensor(g_np))
    w, dw = mha.in_proj_weight.detach().numpy(), mha.in_proj_weight.grad.numpy()
    weights, expected = {}, {"O": O, "dL/dX": X.grad, "dL/dW_O": mha.out_proj.weight.grad.T}
    for rows, letter in ((slice(0, D), "Q"), (slice(D, 2 * D), "K"), (slice(2 * D, 3 * D), "V")):
        for head, columns in ((1, slice(0, E)), (2, slice(E, 2 * E))):
            weights[f"W_{letter}_{head}"] = w[rows].T[:, columns]
            expected[f"dL/dW_{letter}_{head}"] = dw[rows].T[:, columns]
    out = _variant("multihead_attention", (("mask", mask),))(
        X=x_np, W_O=mha.out_proj.weight.detach().numpy().T, G=g_np, **weights)
    assert out["dL/dW_Q_1"].shape == (D, E) and out["dL/dW_O"].shape == (2 * E, D)  # summed over the batch
    _close(out, expected, "multihead_attention")


def _torch_attention(Q, K, V, mask):
    S = Q @ K.transpose(-1, -2) / np.sqrt(Q.shape[-1])
    if mask == "causal":
        S = S.masked_fill(_causal(S.shape[-1]), float("-inf"))
    return torch.softmax(S, dim=-1) @ V


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "per example"])
@pytest.mark.parametrize("mask", ["none", "causal"])
def test_self_attention_equals_its_torch_forward(mask, shared):
    """Q = X W_Q, K = X W_K, V = X W_V, softmax(Q Kᵀ/√E) V written in torch; batch 3, T = 5, D = 4,
    E = 3, the projections shared (gradients summed over the batch) or one per example."""
    rng = np.random.default_rng(23)
    x_np, g_np = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 3))
    w_np = {n: rng.normal(size=(4, 3) if shared else (3, 4, 3)) for n in ("W_Q", "W_K", "W_V")}
    X, W = _leaf(x_np), {n: _leaf(v) for n, v in w_np.items()}
    Z = _torch_attention(X @ W["W_Q"], X @ W["W_K"], X @ W["W_V"], mask)
    Z.backward(torch.tensor(g_np))
    out = _variant("self_attention", (("mask", mask),))(X=x_np, G=g_np, **w_np)
    _close(out, {"Z": Z, "dL/dX": X.grad, **{f"dL/d{n}": W[n].grad for n in W}}, "self_attention")


def test_cross_attention_equals_its_torch_forward():
    """Queries from the decoder X (T = 5), keys and values from the encoder H (U = 6)."""
    rng = np.random.default_rng(24)
    x_np, h_np, g_np = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 5, 3))
    w_np = {n: rng.normal(size=(4, 3)) for n in ("W_Q", "W_K", "W_V")}
    X, H, W = _leaf(x_np), _leaf(h_np), {n: _leaf(v) for n, v in w_np.items()}
    Z = _torch_attention(X @ W["W_Q"], H @ W["W_K"], H @ W["W_V"], "none")
    Z.backward(torch.tensor(g_np))
    out = _variant("cross_attention")(X=x_np, H=h_np, G=g_np, **w_np)
    _close(out, {"Z": Z, "dL/dX": X.grad, "dL/dH": H.grad, **{f"dL/d{n}": W[n].grad for n in W}}, "cross_attention")


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_gcn_equals_a_dense_torch_gcn_layer(reduce):
    """Â = D̃^(−1/2)(A + I)D̃^(−1/2), relu(Â H W), the nodes' sum (or mean), cross-entropy with the
    graph's class; three graphs of 6 nodes, W shared."""
    rng = np.random.default_rng(25)
    n, F, C = 6, 3, 4
    upper = np.triu(rng.integers(0, 2, size=(3, n, n)), 1).astype(float)
    a_np = upper + np.swapaxes(upper, -1, -2)
    h_np, w_np, labels = rng.normal(size=(3, n, F)), rng.normal(size=(F, C)), rng.integers(0, C, size=3)
    H, W = _leaf(h_np), _leaf(w_np)
    A_tilde = torch.tensor(a_np) + torch.eye(n, dtype=torch.float64)
    d = A_tilde.sum(dim=-1) ** -0.5
    P = (d[:, :, None] * A_tilde * d[:, None, :]) @ H @ W
    r = torch.relu(P).sum(dim=1) if reduce == "sum" else torch.relu(P).mean(dim=1)
    L = torch.nn.functional.cross_entropy(r, torch.tensor(labels), reduction="none")
    L.sum().backward()
    out = _variant("gcn", (("reduce", reduce),))(A=a_np, H=h_np, W=w_np, y=np.eye(C)[labels])
    assert np.all(np.abs(out["P"]) > 1e-9)  # no ReLU at its kink
    _close(out, {"r": r, "L": L, "dL/dW": W.grad, "dL/dH": H.grad}, "gcn")


def _word2vec_weights(rng, V=10, N=4):
    return rng.normal(size=(V, N)), rng.normal(size=(N, V))


def _check_word2vec(out, L, W_in, W_out, rule):
    """L and the summed gradients, and the step W − η ∂L/∂W taken once from those sums (η = 0.1)."""
    _close(out, {"L": L, "dL/dW_in": W_in.grad, "dL/dW_out": W_out.grad,
                 "W_in_new": W_in.detach() - 0.1 * W_in.grad, "W_out_new": W_out.detach() - 0.1 * W_out.grad}, rule)


def test_word2vec_cbow_equals_torch_embedding_and_cross_entropy():
    """Batch 6, C = 3 context words averaged (rows of W_in looked up), V = 10, N = 4."""
    rng = np.random.default_rng(26)
    V = 10
    w_in, w_out = _word2vec_weights(rng, V)
    context, centre = rng.integers(0, V, size=(6, 3)), rng.integers(0, V, size=6)
    W_in, W_out = _leaf(w_in), _leaf(w_out)
    h = torch.nn.functional.embedding(torch.tensor(context), W_in).mean(dim=1)
    L = torch.nn.functional.cross_entropy(h @ W_out, torch.tensor(centre), reduction="none")
    L.sum().backward()
    out = _variant("word2vec_cbow")(X=np.eye(V)[context], y=np.eye(V)[centre], W_in=w_in, W_out=w_out)
    _check_word2vec(out, L, W_in, W_out, "word2vec_cbow")


def test_word2vec_skipgram_equals_torch_embedding_and_cross_entropy():
    """The centre word's row of W_in predicts each of its C = 3 context words: Σ_c cross-entropy."""
    rng = np.random.default_rng(27)
    V = 10
    w_in, w_out = _word2vec_weights(rng, V)
    centre, context = rng.integers(0, V, size=6), rng.integers(0, V, size=(6, 3))
    context[0, 1] = context[0, 0]  # a word twice in one context counts twice
    W_in, W_out = _leaf(w_in), _leaf(w_out)
    u = W_in[torch.tensor(centre)] @ W_out
    L = torch.nn.functional.cross_entropy(u[:, None, :].expand(-1, 3, -1).reshape(-1, V),
                                          torch.tensor(context).reshape(-1), reduction="none").reshape(6, 3).sum(dim=1)
    L.sum().backward()
    out = _variant("word2vec_skipgram")(x=np.eye(V)[centre], Y=np.eye(V)[context], W_in=w_in, W_out=w_out)
    _check_word2vec(out, L, W_in, W_out, "word2vec_skipgram")


def test_word2vec_negative_sampling_equals_torch_logsigmoid():
    """−log σ(u_o · h) − Σ_k log σ(−u_k · h), K = 5 negatives; the output vectors looked up as rows
    of W_outᵀ."""
    rng = np.random.default_rng(28)
    V = 10
    w_in, w_out = _word2vec_weights(rng, V)
    centre, positive = rng.integers(0, V, size=6), rng.integers(0, V, size=6)
    negatives = rng.integers(0, V, size=(6, 5))
    W_in, W_out = _leaf(w_in), _leaf(w_out)
    h = torch.nn.functional.embedding(torch.tensor(centre), W_in)
    s_pos = (torch.nn.functional.embedding(torch.tensor(positive), W_out.T) * h).sum(dim=-1)
    s_neg = (torch.nn.functional.embedding(torch.tensor(negatives), W_out.T) * h[:, None, :]).sum(dim=-1)
    L = -torch.nn.functional.logsigmoid(s_pos) - torch.nn.functional.logsigmoid(-s_neg).sum(dim=1)
    L.sum().backward()
    out = _variant("word2vec_negative_sampling")(x=np.eye(V)[centre], y=np.eye(V)[positive], Neg=np.eye(V)[negatives],
                                                 W_in=w_in, W_out=w_out)
    _close(out, {"s_pos": s_pos, "s_neg": s_neg}, "word2vec_negative_sampling")
    _check_word2vec(out, L, W_in, W_out, "word2vec_negative_sampling")


def test_a_transformer_position_add_norm_feed_forward_add_norm_output_equals_torch():
    """The lecture's block at one position, chained from the four rules (Add & Norm, feed-forward
    with its residual, Add & Norm, the output over 11 words): torch's layer_norm, linear, relu and
    cross_entropy give the same loss and the same gradients, every gradient handed from rule to rule."""
    from derive.numpy import add_norm, feed_forward, vocabulary_output

    rng = np.random.default_rng(15)
    n, d, f, v = 4, 6, 8, 11
    x, a = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    g1, b1, g2, b2 = rng.uniform(0.5, 2, d), rng.normal(size=d), rng.uniform(0.5, 2, d), rng.normal(size=d)
    W_1, c_1, W_2, c_2 = rng.normal(size=(f, d)), rng.normal(size=f), rng.normal(size=(d, f)), rng.normal(size=d)
    W_o, c_o = rng.normal(size=(v, d)), rng.normal(size=v)
    words = rng.integers(0, v, size=n)
    y = np.eye(v)[words]
    values = {"x": x, "a": a, "g1": g1, "b1": b1, "g2": g2, "b2": b2, "W_1": W_1, "c_1": c_1, "W_2": W_2,
              "c_2": c_2, "W_o": W_o, "c_o": c_o}
    t = {k: torch.tensor(val, requires_grad=True) for k, val in values.items()}
    n1 = torch.nn.functional.layer_norm(t["x"] + t["a"], (d,), t["g1"], t["b1"], eps=1e-5)
    hidden = torch.relu(n1 @ t["W_1"].T + t["c_1"])
    n2 = torch.nn.functional.layer_norm(n1 + hidden @ t["W_2"].T + t["c_2"], (d,), t["g2"], t["b2"], eps=1e-5)
    o = n2 @ t["W_o"].T + t["c_o"]
    loss = torch.nn.functional.cross_entropy(o, torch.tensor(words), reduction="sum")
    loss.backward()

    first = add_norm(x=x, a=a, gamma=g1, beta=b1, g=np.zeros((n, d)))
    ffn = feed_forward(n=first["n"], W_1=W_1, b_1=c_1, W_2=W_2, b_2=c_2, g=np.zeros((n, d)))
    second = add_norm(x=first["n"], a=ffn["f"], gamma=g2, beta=b2, g=np.zeros((n, d)))
    out = vocabulary_output(n=second["n"], W_o=W_o, b_o=c_o, y=y)
    close = {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out["L"].sum(), loss.item(), **close)
    second = add_norm(x=first["n"], a=ffn["f"], gamma=g2, beta=b2, g=out["dL/dn"])
    ffn = feed_forward(n=first["n"], W_1=W_1, b_1=c_1, W_2=W_2, b_2=c_2, g=second["dL/dr"])
    first = add_norm(x=x, a=a, gamma=g1, beta=b1, g=ffn["dL/dn"])
    for ours, theirs in [(out["dL/dW_o"], "W_o"), (out["dL/db_o"], "c_o"), (second["dL/dgamma"], "g2"),
                         (second["dL/dbeta"], "b2"), (ffn["dL/dW_2"], "W_2"), (ffn["dL/db_2"], "c_2"),
                         (ffn["dL/dW_1"], "W_1"), (ffn["dL/db_1"], "c_1"), (first["dL/dgamma"], "g1"),
                         (first["dL/dbeta"], "b1"), (first["dL/dx"], "x"), (first["dL/da"], "a")]:
        np.testing.assert_allclose(ours, t[theirs].grad.numpy(), err_msg=theirs, **close)


# -- seq2seq --------------------------------------------------------------------------------------
TORCH_GATES = "ifco"  # nn.LSTM stacks its gates as input, forget, cell (candidate), output


def _torch_lstm(weights: dict, H: int, D: int):
    """An nn.LSTM with derive's gate weights W_g (H, H + D) on [h; x] and biases b_g."""
    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_hh_l0.copy_(torch.tensor(np.concatenate([weights[f"W_{g}"][:, :H] for g in TORCH_GATES])))
        lstm.weight_ih_l0.copy_(torch.tensor(np.concatenate([weights[f"W_{g}"][:, H:] for g in TORCH_GATES])))
        lstm.bias_ih_l0.copy_(torch.tensor(np.concatenate([weights[f"b_{g}"] for g in TORCH_GATES])))
        lstm.bias_hh_l0.zero_()
    return lstm


def _lstm_gradients(lstm, H: int) -> dict:
    """nn.LSTM's gradients as derive's: dL/dW_g = [∂/∂W_hh, ∂/∂W_ih] of gate g, dL/db_g."""
    out = {}
    for k, g in enumerate(TORCH_GATES):
        rows = slice(k * H, (k + 1) * H)
        out[f"dL/dW_{g}"] = torch.cat([lstm.weight_hh_l0.grad[rows], lstm.weight_ih_l0.grad[rows]], dim=1)
        out[f"dL/db_{g}"] = lstm.bias_ih_l0.grad[rows]  # b_ih + b_hh is the one bias: each has its gradient
    return out


def test_seq2seq_equals_an_nn_lstm_encoder_and_decoder():
    """Encoder nn.LSTM over 5 words; its (h_T, c_T) is the decoder nn.LSTM's initial state; a linear layer
    and cross_entropy over 4 decoder steps (teacher forcing); weights shared by the batch."""
    rng = np.random.default_rng(40)
    N, T, T_dec, H, D, D_dec, K = 3, 5, 4, 3, 2, 4, 6
    enc = {f"W_{g}": rng.normal(0, 0.6, (H, H + D)) for g in "fico"} | {f"b_{g}": rng.normal(0, 0.3, H) for g in "fico"}
    dec = {f"W_{g}": rng.normal(0, 0.6, (H, H + D_dec)) for g in "fico"} | {f"b_{g}": rng.normal(0, 0.3, H)
                                                                           for g in "fico"}
    x_np, x_dec_np = rng.normal(size=(N, T, D)), rng.normal(size=(N, T_dec, D_dec))
    h0_np, c0_np, W_y_np = rng.normal(0, 0.5, (N, H)), rng.normal(size=(N, H)), rng.normal(size=(K, H))
    words = rng.integers(0, K, (N, T_dec))
    encoder, decoder = _torch_lstm(enc, H, D), _torch_lstm(dec, H, D_dec)
    x, x_dec, h0, c0, W_y = (_leaf(v) for v in (x_np, x_dec_np, h0_np, c0_np, W_y_np))
    _, context = encoder(x, (h0[None], c0[None]))
    states, _ = decoder(x_dec, context)
    loss = torch.nn.functional.cross_entropy((states @ W_y.T).reshape(-1, K), torch.tensor(words.reshape(-1)),
                                             reduction="sum")
    loss.backward()
    from derive.numpy.seq2seq_loop import seq2seq_loop

    out = seq2seq_loop(x=x_np, h_0=h0_np, C_0=c0_np, **enc, x_dec=x_dec_np, W_y_dec=W_y_np,
                       y_dec=np.eye(K)[words], **{f"{n}_dec": v for n, v in dec.items()})
    np.testing.assert_allclose(out["L"].sum(), loss.item(), rtol=1e-12)
    _close(out, {"dL/dx": x.grad, "dL/dh_0": h0.grad, "dL/dC_0": c0.grad, "dL/dx_dec": x_dec.grad,
                 "dL/dW_y_dec": W_y.grad, **_lstm_gradients(encoder, H),
                 **{f"{n}_dec": v for n, v in _lstm_gradients(decoder, H).items()}}, "seq2seq_loop")


def test_seq2seq_attention_equals_its_torch_forward():
    """Dot-product attention over 6 encoder states, [c; s] into a linear layer, cross_entropy."""
    rng = np.random.default_rng(41)
    N, U, D, K = 4, 6, 3, 5
    h_enc_np, h_dec_np = rng.normal(size=(N, U, D)), rng.normal(size=(N, D))
    W_y_np, b_y_np, words = rng.normal(size=(K, 2 * D)), rng.normal(size=K), rng.integers(0, K, N)
    h_enc, h_dec, W_y, b_y = (_leaf(v) for v in (h_enc_np, h_dec_np, W_y_np, b_y_np))
    alpha = torch.softmax(torch.einsum("nud,nd->nu", h_enc, h_dec), dim=-1)
    c = torch.einsum("nu,nud->nd", alpha, h_enc)
    o = torch.cat([c, h_dec], dim=-1) @ W_y.T + b_y
    torch.nn.functional.cross_entropy(o, torch.tensor(words), reduction="sum").backward()
    out = _variant("seq2seq_attention")(h_enc=h_enc_np, h_dec=h_dec_np, W_y=W_y_np, b_y=b_y_np, y=np.eye(K)[words])
    _close(out, {"alpha": alpha, "c": c, "o": o, "dL/dh_enc": h_enc.grad, "dL/dh_dec": h_dec.grad,
                 "dL/dW_y": W_y.grad, "dL/db_y": b_y.grad}, "seq2seq_attention")
