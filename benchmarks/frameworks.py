"""The headline rules in PyTorch (CPU autograd) and JAX (``jit`` of ``value_and_grad``), float64.

Each maker takes the benchmark's inputs (NumPy arrays: the data with the batch axis, the weights
shared) and returns a function of no arguments that runs one forward and backward pass and returns
a dict of the same quantities, under the same names, as the generated function it is timed against
(the loss per example, the gradients, and for the element-wise rules the prediction too). The
inputs are converted once, outside the timed function; the results stay the framework's arrays.
Neither library is required: :func:`available` says which import.
"""

from __future__ import annotations

import numpy as np

GATES = ("f", "i", "c", "o")


def available() -> dict:
    """{"torch": module or None, "jax": module or None}."""
    found = {}
    try:
        import torch

        found["torch"] = torch
    except ImportError:
        found["torch"] = None
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        found["jax"] = jax
    except ImportError:
        found["jax"] = None
    return found


def to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        return value.detach().numpy()
    return np.asarray(value)


# -- PyTorch -----------------------------------------------------------------------------------------
def torch_function(torch, rule: str, inputs: dict):
    """The pass of ``rule`` in PyTorch, or None where none is written here."""
    maker = _TORCH.get(rule)
    if maker is None:
        return None
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v
               for k, v in inputs.items()}
    return maker(torch, tensors)


def _leaves(torch, tensors, names):
    return {n: tensors[n].detach().requires_grad_() for n in names}


def _torch_softmax_ce(torch, t):
    def run():
        o = t["o"].detach().requires_grad_()
        log_p = torch.log_softmax(o, dim=1)
        L = -(t["y"] * log_p).sum(dim=1)
        L.sum().backward()
        return {"y_hat": log_p.detach().exp(), "L": L.detach(), "dL/do": o.grad}
    return run


def _torch_sigmoid_bce(torch, t):
    def run():
        s = t["s"].detach().requires_grad_()
        L = torch.nn.functional.binary_cross_entropy_with_logits(s, t["y"], reduction="none")
        L.sum().backward()
        return {"y_hat": torch.sigmoid(s.detach()), "L": L.detach(), "dL/ds": s.grad}
    return run


def _torch_vae_kl(torch, t):
    def run():
        mu, logvar = t["mu"].detach().requires_grad_(), t["logvar"].detach().requires_grad_()
        KL = 0.5 * (mu * mu + logvar.exp() - logvar - 1.0).sum(dim=1)
        KL.sum().backward()
        return {"KL": KL.detach(), "dKL/dmu": mu.grad, "dKL/dlogvar": logvar.grad}
    return run


def _torch_mlp(head):
    def make(torch, t):
        params = ("W_1", "b_1", "W_2", "b_2", "W_3", "b_3")

        def run():
            p = _leaves(torch, t, params)
            z_1 = torch.sigmoid(torch.nn.functional.linear(t["x"], p["W_1"], p["b_1"]))
            z_2 = torch.sigmoid(torch.nn.functional.linear(z_1, p["W_2"], p["b_2"]))
            s_3 = torch.nn.functional.linear(z_2, p["W_3"], p["b_3"])
            if head == "softmax":
                L = -(t["y"] * torch.log_softmax(s_3, dim=1)).sum(dim=1)
            else:
                L = 0.5 * ((s_3 - t["y"]) ** 2).sum(dim=1)
            L.sum().backward()
            return {"L": L.detach(), **{f"dL/d{n}": p[n].grad for n in params}}
        return run
    return make


def _torch_lstm_forward(torch, z, W, b, C_prev):
    f, i, o = (torch.sigmoid(torch.nn.functional.linear(z, W[g], b[g])) for g in "fio")
    C_tilde = torch.tanh(torch.nn.functional.linear(z, W["c"], b["c"]))
    C = f * C_prev + i * C_tilde
    return f, C, o * torch.tanh(C)


def _torch_lstm_step(torch, t):
    weights = [f"W_{g}" for g in GATES] + [f"b_{g}" for g in GATES] + ["W_y"]

    def run():
        p = _leaves(torch, t, weights + ["x", "h_prev", "C_prev"])
        z = torch.cat((p["h_prev"], p["x"]), dim=1)
        _, _, h = _torch_lstm_forward(torch, z, {g: p[f"W_{g}"] for g in GATES}, {g: p[f"b_{g}"] for g in GATES},
                                      p["C_prev"])
        L = -(t["y"] * torch.log_softmax(h @ p["W_y"].T, dim=1)).sum(dim=1)
        L.sum().backward()
        return {"L": L.detach(), **{f"dL/d{n}": p[n].grad for n in p}}
    return run


def _torch_rnn_loop(torch, t):
    def run():
        p = _leaves(torch, t, ["U", "W", "V", "x", "h_0"])
        h, L, hs, y_hats = p["h_0"], 0.0, [], []
        for step in range(t["x"].shape[1]):
            h = torch.tanh(p["x"][:, step] @ p["U"].T + h @ p["W"].T)
            h.retain_grad()
            hs.append(h)
            log_p = torch.log_softmax(h @ p["V"].T, dim=1)
            y_hats.append(log_p.detach().exp())
            L = L - (t["y"][:, step] * log_p).sum(dim=1)
        L.sum().backward()
        return {"L": L.detach(), "dL/dU": p["U"].grad, "dL/dW": p["W"].grad, "dL/dV": p["V"].grad,
                "h": torch.stack([h.detach() for h in hs], dim=1), "y_hat": torch.stack(y_hats, dim=1),
                "dL/dh": torch.stack([h.grad for h in hs], dim=1), "dL/dx": p["x"].grad, "dL/dh_0": p["h_0"].grad}
    return run


def _torch_lstm_loop(torch, t):
    weights = [f"W_{g}" for g in GATES] + [f"b_{g}" for g in GATES] + ["W_y"]

    def run():
        p = _leaves(torch, t, weights + ["x", "h_0", "C_0"])
        W, b = {g: p[f"W_{g}"] for g in GATES}, {g: p[f"b_{g}"] for g in GATES}
        h, C, L = p["h_0"], p["C_0"], 0.0
        hs, Cs, fs, y_hats = [], [], [], []
        for step in range(t["x"].shape[1]):
            f, C, h = _torch_lstm_forward(torch, torch.cat((h, p["x"][:, step]), dim=1), W, b, C)
            h.retain_grad()
            C.retain_grad()
            hs.append(h), Cs.append(C), fs.append(f.detach())
            log_p = torch.log_softmax(h @ p["W_y"].T, dim=1)
            y_hats.append(log_p.detach().exp())
            L = L - (t["y"][:, step] * log_p).sum(dim=1)
        L.sum().backward()
        out = {"L": L.detach(), **{f"dL/d{n}": p[n].grad for n in weights}}
        out.update({"h": torch.stack([h.detach() for h in hs], dim=1), "C": torch.stack([c.detach() for c in Cs], dim=1),
                    "f": torch.stack(fs, dim=1), "y_hat": torch.stack(y_hats, dim=1),
                    "dL/dh": torch.stack([h.grad for h in hs], dim=1), "dL/dC": torch.stack([c.grad for c in Cs], dim=1),
                    "dL/dx": p["x"].grad, "dL/dh_0": p["h_0"].grad, "dL/dC_0": p["C_0"].grad})
        return out
    return run


def _torch_layer_norm(torch, t):
    def run():
        x, gamma, beta = (t[n].detach().requires_grad_() for n in ("x", "gamma", "beta"))
        y = torch.nn.functional.layer_norm(x, x.shape[-1:], gamma, beta, eps=t["eps"])
        y.backward(t["g"])
        return {"y": y.detach(), "dL/dx": x.grad, "dL/dgamma": gamma.grad, "dL/dbeta": beta.grad}
    return run


def _torch_conv2d(torch, t):
    def run():
        x, w, b = (t[n].detach().requires_grad_() for n in ("x", "w", "b"))
        y = torch.nn.functional.conv2d(x, w, b)
        y.backward(t["g"])
        return {"y": y.detach(), "dL/dx": x.grad, "dL/dw": w.grad, "dL/db": b.grad}
    return run


def _torch_pool(kind):
    def make(torch, t):
        pool = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d

        def run():
            x = t["x"].detach().requires_grad_()
            y = pool(x, 2, 2)
            y.backward(t["g"])
            return {"y": y.detach(), "dL/dx": x.grad}
        return run
    return make


def _torch_scaled_dot_product_attention(torch, t):
    def run():
        Q, K, V = (t[n].detach().requires_grad_() for n in ("Q", "K", "V"))
        Z = torch.nn.functional.scaled_dot_product_attention(Q, K, V)
        Z.backward(t["G"])
        return {"Z": Z.detach(), "L": (t["G"] * Z.detach()).sum(dim=(1, 2)), "dL/dQ": Q.grad, "dL/dK": K.grad,
                "dL/dV": V.grad}
    return run


def _torch_gcn(torch, t):
    """Dense: Â built from A in the pass, as the generated function does."""
    def run():
        H, W = t["H"].detach().requires_grad_(), t["W"].detach().requires_grad_()
        A_tilde = t["A"] + torch.eye(t["A"].shape[-1], dtype=t["A"].dtype)
        s = A_tilde.sum(dim=-1).rsqrt()
        P = (s[..., :, None] * A_tilde * s[..., None, :]) @ H @ W
        r = torch.relu(P).sum(dim=-2)
        L = -(t["y"] * torch.log_softmax(r, dim=-1)).sum(dim=-1)
        L.sum().backward()
        return {"L": L.detach(), "dL/dW": W.grad, "dL/dH": H.grad}
    return run


_TORCH = {"softmax_ce": _torch_softmax_ce, "sigmoid_bce": _torch_sigmoid_bce, "vae_kl": _torch_vae_kl,
          "mlp_backprop": _torch_mlp("softmax"), "mlp_backprop_regression": _torch_mlp("linear"),
          "lstm_step": _torch_lstm_step, "rnn_bptt_loop": _torch_rnn_loop, "lstm_bptt_loop": _torch_lstm_loop,
          "layer_norm": _torch_layer_norm, "conv2d": _torch_conv2d, "max_pool2d": _torch_pool("max"),
          "avg_pool2d": _torch_pool("avg"), "scaled_dot_product_attention": _torch_scaled_dot_product_attention,
          "gcn": _torch_gcn}


# -- JAX -----------------------------------------------------------------------------------------------
def jax_function(jax, rule: str, inputs: dict):
    """The pass of ``rule`` under ``jax.jit``, compiled (one call made) before it is returned; or None."""
    maker = _JAX.get(rule)
    if maker is None:
        return None
    arrays = {k: jax.device_put(np.ascontiguousarray(v)) for k, v in inputs.items() if isinstance(v, np.ndarray)}
    arrays.update({k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)})
    step = jax.jit(maker(jax))

    def run():
        return jax.block_until_ready(step(arrays))

    run()  # compile outside the timing
    return run


def _jax_softmax_ce(jax):
    jnp = jax.numpy

    def loss(o, y):
        log_p = jax.nn.log_softmax(o, axis=1)
        L = -(y * log_p).sum(axis=1)
        return L.sum(), (L, jnp.exp(log_p))

    def step(a):
        (_, (L, y_hat)), grad = jax.value_and_grad(loss, has_aux=True)(a["o"], a["y"])
        return {"y_hat": y_hat, "L": L, "dL/do": grad}
    return step


def _jax_sigmoid_bce(jax):
    jnp = jax.numpy

    def loss(s, y):
        L = jnp.logaddexp(0.0, s) - y * s
        return L.sum(), L

    def step(a):
        (_, L), grad = jax.value_and_grad(loss, has_aux=True)(a["s"], a["y"])
        return {"y_hat": jax.nn.sigmoid(a["s"]), "L": L, "dL/ds": grad}
    return step


def _jax_vae_kl(jax):
    jnp = jax.numpy

    def loss(mu, logvar):
        KL = 0.5 * (mu * mu + jnp.exp(logvar) - logvar - 1.0).sum(axis=1)
        return KL.sum(), KL

    def step(a):
        (_, KL), (g_mu, g_logvar) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(a["mu"], a["logvar"])
        return {"KL": KL, "dKL/dmu": g_mu, "dKL/dlogvar": g_logvar}
    return step


def _jax_mlp(head):
    def make(jax):
        params = ("W_1", "b_1", "W_2", "b_2", "W_3", "b_3")

        def loss(p, x, y):
            z_1 = jax.nn.sigmoid(x @ p["W_1"].T + p["b_1"])
            z_2 = jax.nn.sigmoid(z_1 @ p["W_2"].T + p["b_2"])
            s_3 = z_2 @ p["W_3"].T + p["b_3"]
            if head == "softmax":
                L = -(y * jax.nn.log_softmax(s_3, axis=1)).sum(axis=1)
            else:
                L = 0.5 * ((s_3 - y) ** 2).sum(axis=1)
            return L.sum(), L

        def step(a):
            (_, L), grads = jax.value_and_grad(loss, has_aux=True)({n: a[n] for n in params}, a["x"], a["y"])
            return {"L": L, **{f"dL/d{n}": grads[n] for n in params}}
        return step
    return make


def _jax_lstm_forward(jax, z, p, C_prev, bump_C=0.0):
    f, i, o = (jax.nn.sigmoid(z @ p[f"W_{g}"].T + p[f"b_{g}"]) for g in "fio")
    C_tilde = jax.numpy.tanh(z @ p["W_c"].T + p["b_c"])
    C = f * C_prev + i * C_tilde + bump_C
    return f, C, o * jax.numpy.tanh(C)


def _jax_lstm_step(jax):
    jnp = jax.numpy
    names = [f"W_{g}" for g in GATES] + [f"b_{g}" for g in GATES] + ["W_y", "x", "h_prev", "C_prev"]

    def loss(p, y):
        z = jnp.concatenate((p["h_prev"], p["x"]), axis=1)
        _, _, h = _jax_lstm_forward(jax, z, p, p["C_prev"])
        L = -(y * jax.nn.log_softmax(h @ p["W_y"].T, axis=1)).sum(axis=1)
        return L.sum(), L

    def step(a):
        (_, L), grads = jax.value_and_grad(loss, has_aux=True)({n: a[n] for n in names}, a["y"])
        return {"L": L, **{f"dL/d{n}": grads[n] for n in names}}
    return step


def _jax_rnn_loop(jax):
    jnp = jax.numpy

    def loss(p, bumps, y):
        def cell(h, inputs):
            x_t, y_t, bump = inputs
            h = jnp.tanh(x_t @ p["U"].T + h @ p["W"].T) + bump  # bump = 0: its gradient is dL/dh_t
            log_p = jax.nn.log_softmax(h @ p["V"].T, axis=1)
            return h, (h, jnp.exp(log_p), -(y_t * log_p).sum(axis=1))

        _, (hs, y_hats, losses) = jax.lax.scan(cell, p["h_0"], (jnp.swapaxes(p["x"], 0, 1), jnp.swapaxes(y, 0, 1),
                                                                  bumps))
        L = losses.sum(axis=0)
        return L.sum(), (L, jnp.swapaxes(hs, 0, 1), jnp.swapaxes(y_hats, 0, 1))

    def step(a):
        p = {n: a[n] for n in ("U", "W", "V", "x", "h_0")}
        bumps = jnp.zeros((a["x"].shape[1], a["x"].shape[0], a["h_0"].shape[1]))
        (_, (L, h, y_hat)), (grads, dh) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(p, bumps, a["y"])
        return {"L": L, "dL/dU": grads["U"], "dL/dW": grads["W"], "dL/dV": grads["V"], "h": h, "y_hat": y_hat,
                "dL/dh": jnp.swapaxes(dh, 0, 1), "dL/dx": grads["x"], "dL/dh_0": grads["h_0"]}
    return step


def _jax_lstm_loop(jax):
    jnp = jax.numpy
    weights = [f"W_{g}" for g in GATES] + [f"b_{g}" for g in GATES] + ["W_y"]

    def loss(p, bumps_h, bumps_C, y):
        def cell(state, inputs):
            h, C = state
            x_t, y_t, bump_h, bump_C = inputs
            # the bumps are 0: their gradients are dL/dC_t and dL/dh_t, every path after them included
            f, C, h = _jax_lstm_forward(jax, jnp.concatenate((h, x_t), axis=1), p, C, bump_C)
            h = h + bump_h
            log_p = jax.nn.log_softmax(h @ p["W_y"].T, axis=1)
            return (h, C), (h, C, f, jnp.exp(log_p), -(y_t * log_p).sum(axis=1))

        sequences = (jnp.swapaxes(p["x"], 0, 1), jnp.swapaxes(y, 0, 1), bumps_h, bumps_C)
        _, (hs, Cs, fs, y_hats, losses) = jax.lax.scan(cell, (p["h_0"], p["C_0"]), sequences)
        L = losses.sum(axis=0)
        swap = lambda v: jnp.swapaxes(v, 0, 1)
        return L.sum(), (L, swap(hs), swap(Cs), swap(fs), swap(y_hats))

    def step(a):
        p = {n: a[n] for n in weights + ["x", "h_0", "C_0"]}
        zeros = jnp.zeros((a["x"].shape[1], a["x"].shape[0], a["h_0"].shape[1]))
        (_, (L, h, C, f, y_hat)), (grads, dh, dC) = jax.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(
            p, zeros, zeros, a["y"])
        return {"L": L, **{f"dL/d{n}": grads[n] for n in weights}, "h": h, "C": C, "f": f, "y_hat": y_hat,
                "dL/dh": jnp.swapaxes(dh, 0, 1), "dL/dC": jnp.swapaxes(dC, 0, 1), "dL/dx": grads["x"],
                "dL/dh_0": grads["h_0"], "dL/dC_0": grads["C_0"]}
    return step


def _jax_layer_norm(jax):
    jnp = jax.numpy

    def loss(x, gamma, beta, g, eps):
        mu = x.mean(axis=-1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
        y = gamma * (x - mu) / jnp.sqrt(var + eps) + beta
        return (g * y).sum(), y

    def step(a):
        (_, y), (g_x, g_gamma, g_beta) = jax.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(
            a["x"], a["gamma"], a["beta"], a["g"], a["eps"])
        return {"y": y, "dL/dx": g_x, "dL/dgamma": g_gamma, "dL/dbeta": g_beta}
    return step


_JAX = {"softmax_ce": _jax_softmax_ce, "sigmoid_bce": _jax_sigmoid_bce, "vae_kl": _jax_vae_kl,
        "mlp_backprop": _jax_mlp("softmax"), "mlp_backprop_regression": _jax_mlp("linear"),
        "lstm_step": _jax_lstm_step, "rnn_bptt_loop": _jax_rnn_loop, "lstm_bptt_loop": _jax_lstm_loop,
        "layer_norm": _jax_layer_norm}
