"""Hand-written NumPy for every rule of derive.numpy: the references of ``benchmarks/run.py``.

Each function computes what the generated function of the same name returns (every public
quantity), as one writes it by hand for a batch: examples along axis 0, the parameters (weights,
biases, learning rates) passed once and shared by the batch, so that their gradients are sums
over the batch, written as matrix products. Written by hand on purpose: a reference is what the
generated code is measured against, and the benchmark compares the numbers before timing.

The plain formulas are used where they are exact at the benchmark's inputs (logits of order 1):
``1 / (1 + exp(-s))`` for σ, ``1 - z`` in its slope; a softmax is shifted by its maximum, as
everyone writes it.
"""

from __future__ import annotations

import numpy as np

LOG2 = np.log(2.0)


def _sigmoid(s):
    return 1.0 / (1.0 + np.exp(-s))


def _softplus(s):
    return np.maximum(s, 0.0) + np.log1p(np.exp(-np.abs(s)))


def _log_softmax_parts(o):
    """(y_hat, log-sum-exp) of logits along the last axis."""
    m = o.max(axis=-1, keepdims=True)
    e = np.exp(o - m)
    total = e.sum(axis=-1, keepdims=True)
    return e / total, (m + np.log(total))[..., 0]


# -- element-wise rules ------------------------------------------------------------------------------
def softmax_ce(o, y):
    m = o.max(axis=1, keepdims=True)
    e = np.exp(o - m)
    s = e.sum(axis=1, keepdims=True)
    y_hat = e / s
    loss = m[:, 0] + np.log(s[:, 0]) - (y * o).sum(axis=1)
    return {"y_hat": y_hat, "L": loss, "dL/do": y_hat - y}


def sigmoid_bce(s, y):
    e = np.exp(-np.abs(s))
    d = 1.0 + e
    y_hat = np.where(s >= 0, 1.0 / d, e / d)
    loss = np.maximum(s, 0.0) + np.log1p(e) - y * s
    return {"y_hat": y_hat, "L": loss, "dL/ds": y_hat - y}


def vae_kl(mu, logvar):
    var = np.exp(logvar)
    kl = 0.5 * np.sum(mu * mu + var - logvar - 1.0, axis=-1)
    return {"KL": kl, "dKL/dmu": mu, "dKL/dlogvar": 0.5 * (var - 1.0)}


def ce_vs_mse(s, y):
    y_hat = _sigmoid(s)
    err = y_hat - y
    slope = y_hat * (1.0 - y_hat)
    return {"y_hat": y_hat, "L_ce": _softplus(s) - y * s, "L_mse": 0.5 * err * err, "dL_ce/ds": err,
            "dL_mse/ds": slope * err, "ratio": slope}


def bernoulli_entropy(theta):
    log_t, log_1mt = np.log(theta), np.log1p(-theta)
    H = -theta * log_t - (1.0 - theta) * log_1mt
    return {"H": H, "H_bits": H / LOG2, "dH/dtheta": log_1mt - log_t, "curvature": -1.0 / (theta * (1.0 - theta)),
            "gap": LOG2 - H}


def cross_entropy_kl(p, q):
    log_p, log_q = np.log(p), np.log(q)
    H = -np.sum(p * log_p, axis=1)
    CE = -np.sum(p * log_q, axis=1)
    KL = CE - H
    KL_rev = np.sum(q * (log_q - log_p), axis=1)
    grad = -p / q
    return {"I": -log_p, "H": H, "CE": CE, "KL": KL, "KL_rev": KL_rev, "asym": KL - KL_rev, "H_bits": H / LOG2,
            "CE_bits": CE / LOG2, "KL_bits": KL / LOG2, "dCE/dq": grad, "dKL/dq": grad}


def elbo(p_z, lik, q):
    joint = lik * p_z
    p_x = joint.sum(axis=1)
    log_px = np.log(p_x)
    post = joint / p_x[:, None]
    log_q = np.log(q)
    recon = np.sum(q * np.log(lik), axis=1)
    KL_prior = np.sum(q * (log_q - np.log(p_z)), axis=1)
    return {"p_x": p_x, "log_px": log_px, "post": post, "recon": recon, "KL_prior": KL_prior,
            "ELBO": recon - KL_prior, "KL_post": np.sum(q * (log_q - np.log(post)), axis=1)}


def gaussian_kl(mu_1, sigma_1, mu_2, sigma_2):
    var_2 = sigma_2 * sigma_2
    diff = mu_1 - mu_2
    KL = np.log(sigma_2 / sigma_1) + (sigma_1 * sigma_1 + diff * diff) / (2.0 * var_2) - 0.5
    return {"KL": KL, "dKL/dmu_1": diff / var_2, "dKL/dsigma_1": sigma_1 / var_2 - 1.0 / sigma_1,
            "dKL/dmu_2": -diff / var_2,
            "dKL/dsigma_2": 1.0 / sigma_2 - (sigma_1 * sigma_1 + diff * diff) / (var_2 * sigma_2)}


def jsd(p, q):
    m = 0.5 * (p + q)
    log_m = np.log(m)
    lp, lq = np.log(p) - log_m, np.log(q) - log_m
    JSD = 0.5 * np.sum(p * lp, axis=1) + 0.5 * np.sum(q * lq, axis=1)
    return {"m": m, "JSD": JSD, "JSD_bits": JSD / LOG2, "gap": LOG2 - JSD, "dJSD/dp": 0.5 * lp, "dJSD/dq": 0.5 * lq}


def vae_reparam(mu, logvar, eps, y):
    sigma = np.exp(0.5 * logvar)
    z = eps * sigma + mu
    err = z - y
    return {"sigma": sigma, "z": z, "L": 0.5 * np.sum(err * err, axis=1), "dL/dz": err, "dL/dmu": err,
            "dL/dlogvar": 0.5 * err * eps * sigma}


def _chain(x, y, w_1, w_2, w_3, residual):
    s_1 = w_1 * x
    a_1 = _sigmoid(s_1)
    s_2 = a_1 * w_2
    F_2 = _sigmoid(s_2)
    a_2 = F_2 + a_1 if residual else F_2
    s_3 = a_2 * w_3
    y_hat = _sigmoid(s_3)
    dy = 2.0 * (y_hat - y)
    ds_3 = dy * y_hat * (1.0 - y_hat)
    da_2 = ds_3 * w_3
    ds_2 = da_2 * F_2 * (1.0 - F_2)
    da_1 = ds_2 * w_2 + (da_2 if residual else 0.0)
    ds_1 = da_1 * a_1 * (1.0 - a_1)
    out = {"s_1": s_1, "a_1": a_1, "s_2": s_2, "a_2": a_2, "s_3": s_3, "y_hat": y_hat, "L": (y_hat - y) ** 2,
           "dL/dy_hat": dy, "dL/ds_3": ds_3, "dL/dw_3": a_2 * ds_3, "dL/da_2": da_2, "dL/ds_2": ds_2,
           "dL/dw_2": a_1 * ds_2, "dL/da_1": da_1, "dL/ds_1": ds_1, "dL/dw_1": ds_1 * x, "dL/dx": ds_1 * w_1}
    if residual:
        out["F_2"] = F_2
    return out


def deep_chain(x, y, w_1, w_2, w_3):
    return _chain(x, y, w_1, w_2, w_3, residual=False)


def residual_chain(x, y, w_1, w_2, w_3):
    return _chain(x, y, w_1, w_2, w_3, residual=True)


# -- small models: one example's parameters per example (the lecture's problems, batched) ------------
def linear_mse(x, w, b, y):
    y_hat = np.einsum("nd,nd->n", w, x) + b
    err = y_hat - y
    return {"y_hat": y_hat, "L": 0.5 * err * err, "dL/dy_hat": err, "dL/dw": x * err[:, None], "dL/db": err,
            "delta": -err}


def perceptron(x, w, y, lr):
    s = np.einsum("nd,nd->n", w, x)
    y_hat = _sigmoid(s)
    err = y_hat - y
    dE_dw = x * err[:, None]
    return {"s": s, "y_hat": y_hat, "E": _softplus(s) - y * s, "dE/ds": err, "dE/dw": dE_dw,
            "w_new": w - lr[:, None] * dE_dw, "delta": -err, "dw": -lr[:, None] * dE_dw}


def adam(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    beta1, beta2 = np.asarray(beta1)[..., None], np.asarray(beta2)[..., None]
    m_new = beta1 * m + (1.0 - beta1) * g
    v_new = beta2 * v + (1.0 - beta2) * g * g
    m_hat = m_new / (1.0 - beta1 ** t[:, None])
    v_hat = v_new / (1.0 - beta2 ** t[:, None])
    step = lr[:, None] * m_hat / (np.sqrt(v_hat) + np.asarray(eps)[..., None])
    return {"m_new": m_new, "v_new": v_new, "m_hat": m_hat, "v_hat": v_hat, "step": step, "w_new": w - step}


def momentum(g_1, g_2, g_3, g_4, g_5, g_6, beta=0.9):
    beta = np.asarray(beta)[..., None]
    out, m, v = {}, 0.0, 0.0
    for k, g in enumerate((g_1, g_2, g_3, g_4, g_5, g_6), 1):
        m, v = beta * m + (1.0 - beta) * g, beta * v + g
        out[f"m_{k}"], out[f"v_{k}"] = m, v
    return {**out, "m_hat_6": m / (1.0 - beta ** 6)}


def _normalize(x, gamma, beta, g, eps):
    """The classic batch/layer-norm forward and three-term backward over the last axis."""
    n = x.shape[-1]
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=-1, keepdims=True)
    sd = np.sqrt(var + eps)
    x_hat = xc / sd
    y = gamma * x_hat + beta
    dxh = g * gamma
    dx = (dxh - dxh.sum(-1, keepdims=True) / n - x_hat * (dxh * x_hat).sum(-1, keepdims=True) / n) / sd
    return {"mu": mu[..., 0], "var": var[..., 0], "sd": sd[..., 0], "x_hat": x_hat, "y": y,
            "L": np.einsum("nd,nd->n", g, y), "dL/dx_hat": dxh, "dL/dx": dx}


def layer_norm(x, gamma, beta, g, eps=1e-5):
    out = _normalize(x, gamma, beta, g, eps)
    return {**out, "dL/dgamma": np.einsum("nd,nd->d", g, out["x_hat"]), "dL/dbeta": g.sum(axis=0)}


def batch_norm(x, gamma, beta, g, eps=1e-5, running_mean=0.0, running_var=1.0, momentum=0.1):
    m = x.shape[-1]
    gamma, beta, eps, mean, var = _per_example(gamma, beta, eps, running_mean, running_var)
    out = _normalize(x, gamma, beta, g, eps)
    return {**out, "dL/dgamma": np.einsum("nd,nd->n", g, out["x_hat"]), "dL/dbeta": g.sum(axis=-1),
            "running_mean_new": (1 - momentum) * running_mean + momentum * out["mu"],
            "running_var_new": (1 - momentum) * running_var + momentum * out["var"] * m / (m - 1),
            "y_test": gamma * (x - mean) / np.sqrt(var + eps) + beta}


def _per_example(*numbers):
    return [np.asarray(n)[..., None] for n in numbers]


def nesterov(w, g, v, lr, mu=0.9):
    lr, mu = _per_example(lr, mu)
    v_new = mu * v + g
    return {"v_new": v_new, "w_new": w - lr * v_new, "w_nesterov": w - lr * (g + mu * v_new)}


def adagrad(w, g, G, lr, eps=1e-10):
    lr, eps = _per_example(lr, eps)
    G_new = G + g * g
    rate = lr / (np.sqrt(G_new) + eps)
    return {"G_new": G_new, "rate": rate, "w_new": w - rate * g}


def rmsprop(w, g, s, lr, rho=0.99, eps=1e-8):
    lr, rho, eps = _per_example(lr, rho, eps)
    s_new = rho * s + (1.0 - rho) * g * g
    rate = lr / (np.sqrt(s_new) + eps)
    return {"s_new": s_new, "rate": rate, "w_new": w - rate * g}


def adadelta(w, g, s, d, lr=1.0, rho=0.9, eps=1e-6):
    lr, rho, eps = _per_example(lr, rho, eps)
    s_new = rho * s + (1.0 - rho) * g * g
    delta = g * np.sqrt(d + eps) / np.sqrt(s_new + eps)
    return {"s_new": s_new, "delta": delta, "d_new": rho * d + (1.0 - rho) * delta * delta, "w_new": w - lr * delta}


def dropout(x, m, p, g):
    scale = 1.0 / (1.0 - p)[:, None]
    y_plain = m * x
    return {"y": y_plain * scale, "y_test": x, "L": np.einsum("nd,nd->n", g, y_plain) * scale[:, 0],
            "dL/dx": g * m * scale, "y_plain": y_plain, "y_plain_test": x * (1.0 - p)[:, None],
            "L_plain": np.einsum("nd,nd->n", g, y_plain), "dL_plain/dx": g * m}


def rosenblatt(x, w, b, y, lr):
    s = np.einsum("nd,nd->n", w, x) + b
    mistake = (y * s <= 0).astype(float)  # a score of 0 counts as a mistake
    step = lr * mistake * y
    return {"s": s, "y_hat": np.where(s >= 0, 1.0, -1.0), "mistake": mistake, "E": np.maximum(0.0, -y * s),
            "dE/dw": -(mistake * y)[:, None] * x, "dE/db": -mistake * y, "w_new": w + step[:, None] * x,
            "b_new": b + step, "s_new": s + step * (np.einsum("nd,nd->n", x, x) + 1)}


def _linreg(x, y, w, b, lr, lam, penalty):
    N = x.shape[1]
    y_hat = w[:, None] * x + b[:, None]
    err = y_hat - y
    E = np.sum(err * err, axis=1) / N
    dE_dw = 2.0 * np.sum(x * err, axis=1) / N
    if penalty == "l1":
        R, dR = lam * np.abs(w), lam * np.sign(w)
    else:
        R, dR = lam * w * w, 2.0 * lam * w
    dL_dw = dE_dw + dR
    dL_db = 2.0 * np.sum(err, axis=1) / N
    out = {"y_hat": y_hat, "E": E, "R": R, "L": E + R, "dL/dw": dL_dw, "dL/db": dL_db, "w_new": w - lr * dL_dw,
           "b_new": b - lr * dL_db}
    if penalty == "l2":
        out["dE/dw"] = dE_dw
    return out


def l1_linreg(x, y, w, b, lr, lam):
    return _linreg(x, y, w, b, lr, lam, "l1")


def l2_linreg(x, y, w, b, lr, lam):
    return _linreg(x, y, w, b, lr, lam, "l2")


def gan_discriminator(x, g, w, b, lr):
    a_real = x @ w + b
    a_fake = g @ w + b
    D_real, D_fake = _sigmoid(a_real), _sigmoid(a_fake)
    d_real = D_real - 1.0
    dw = d_real @ x + D_fake @ g
    db = np.sum(d_real + D_fake)
    return {"a_real": a_real, "a_fake": a_fake, "D_real": D_real, "D_fake": D_fake,
            "L_D": _softplus(-a_real) + _softplus(a_fake), "dL_D/da_real": d_real, "dL_D/da_fake": D_fake,
            "dL_D/dw": dw, "dL_D/db": db, "w_new": w - lr * dw, "b_new": b - lr * db}


def gan_generator(z, W_g, w, b, lr):
    s_g = z @ W_g.T
    g = _sigmoid(s_g)
    a_fake = g @ w + b
    D_fake = _sigmoid(a_fake)
    slope = g * (1.0 - g) * w
    d_ns = D_fake - 1.0
    dW_ns = (slope * d_ns[:, None]).T @ z
    return {"s_g": s_g, "g": g, "a_fake": a_fake, "D_fake": D_fake, "L_sat": -_softplus(a_fake),
            "L_ns": _softplus(-a_fake), "dL_sat/da_fake": -D_fake, "dL_ns/da_fake": d_ns, "ratio": np.exp(-a_fake),
            "dL_ns/dg": d_ns[:, None] * w, "dL_ns/ds_g": slope * d_ns[:, None], "dL_ns/dW_g": dW_ns,
            "dL_sat/dW_g": (slope * -D_fake[:, None]).T @ z, "W_g_new": W_g - lr * dW_ns}


def attention(h_enc, h_dec, g):
    e = np.einsum("ntd,nd->nt", h_enc, h_dec)
    m = e.max(axis=1, keepdims=True)
    a = np.exp(e - m)
    alpha = a / a.sum(axis=1, keepdims=True)
    c = np.einsum("ntd,nt->nd", h_enc, alpha)
    d_alpha = np.einsum("ntd,nd->nt", h_enc, g)
    d_e = alpha * (d_alpha - np.sum(alpha * d_alpha, axis=1, keepdims=True))
    return {"e": e, "alpha": alpha, "c": c, "L": np.sum(c * g, axis=1), "dL/dalpha": d_alpha, "dL/de": d_e,
            "dL/dh_dec": np.einsum("ntd,nt->nd", h_enc, d_e),
            "dL/dh_enc": alpha[:, :, None] * g[:, None, :] + d_e[:, :, None] * h_dec[:, None, :]}


def scaled_dot_product_attention(Q, K, V, G):
    """softmax(Q Kᵀ/√d) V per example (heads folded into the batch) and its backward pass."""
    scale = 1.0 / np.sqrt(Q.shape[-1])
    S = (Q @ np.swapaxes(K, -1, -2)) * scale
    A = np.exp(S - S.max(axis=-1, keepdims=True))
    A /= A.sum(axis=-1, keepdims=True)
    Z = A @ V
    dA = G @ np.swapaxes(V, -1, -2)
    dS = A * (dA - (dA * A).sum(axis=-1, keepdims=True))
    return {"S": S, "A": A, "Z": Z, "L": np.einsum("nte,nte->n", G, Z), "dL/dA": dA,
            "dL/dV": np.swapaxes(A, -1, -2) @ G, "dL/dS": dS, "dL/dQ": (dS @ K) * scale,
            "dL/dK": (np.swapaxes(dS, -1, -2) @ Q) * scale}


# -- networks with shared weights: the gradients are sums over the batch, as matrix products -----------
def autoencoder(x, W_enc, W_dec, lr):
    D = x.shape[1]
    s_enc = x @ W_enc.T
    z = _sigmoid(s_enc)
    s_dec = z @ W_dec.T
    x_hat = _sigmoid(s_dec)
    err = x_hat - x
    dx_hat = (2.0 / D) * err
    ds_dec = dx_hat * x_hat * (1.0 - x_hat)
    dW_dec = ds_dec.T @ z
    dz = ds_dec @ W_dec
    ds_enc = dz * z * (1.0 - z)
    dW_enc = ds_enc.T @ x
    return {"s_enc": s_enc, "z": z, "s_dec": s_dec, "x_hat": x_hat, "L": np.sum(err * err, axis=1) / D,
            "dL/dx_hat": dx_hat, "dL/ds_dec": ds_dec, "dL/dW_dec": dW_dec, "dL/dz": dz, "dL/ds_enc": ds_enc,
            "dL/dW_enc": dW_enc, "W_dec_new": W_dec - lr * dW_dec, "W_enc_new": W_enc - lr * dW_enc}


def vae_loss(x, W_mu, W_logvar, W_dec, eps):
    mu = x @ W_mu.T
    logvar = x @ W_logvar.T
    var = np.exp(logvar)
    sigma = np.sqrt(var)
    z = eps * sigma + mu
    x_hat = z @ W_dec.T
    err = x_hat - x
    rec = 0.5 * np.sum(err * err, axis=1)
    KL = 0.5 * np.sum(mu * mu + var - logvar - 1.0, axis=1)
    dz = err @ W_dec
    dmu = dz + mu
    dlogvar = 0.5 * (dz * eps * sigma + var - 1.0)
    return {"mu": mu, "logvar": logvar, "sigma": sigma, "z": z, "x_hat": x_hat, "rec": rec, "KL": KL, "L": KL + rec,
            "dL/dx_hat": err, "dL/dW_dec": err.T @ z, "dL/dz": dz, "dL/dmu": dmu, "dL/dlogvar": dlogvar,
            "dL/dW_mu": dmu.T @ x, "dL/dW_logvar": dlogvar.T @ x}


def _mlp(head, x, y, W_1, b_1, W_2, b_2, W_3, b_3, lr):
    s_1 = x @ W_1.T + b_1
    z_1 = _sigmoid(s_1)
    s_2 = z_1 @ W_2.T + b_2
    z_2 = _sigmoid(s_2)
    s_3 = z_2 @ W_3.T + b_3
    if head == "softmax":
        y_hat, lse = _log_softmax_parts(s_3)
        L = lse - np.sum(y * s_3, axis=1)
    elif head == "linear":
        y_hat = s_3
        L = 0.5 * np.sum((s_3 - y) ** 2, axis=1)
    else:  # sigmoids with binary cross-entropy
        y_hat = _sigmoid(s_3)
        L = np.sum(_softplus(s_3) - s_3 * y, axis=1)
    ds_3 = y_hat - y
    ds_2 = (ds_3 @ W_3) * z_2 * (1.0 - z_2)
    ds_1 = (ds_2 @ W_2) * z_1 * (1.0 - z_1)
    grads = {}
    for l, (delta, below) in {3: (ds_3, z_2), 2: (ds_2, z_1), 1: (ds_1, x)}.items():
        grads[l] = (delta.T @ below, delta.sum(axis=0))
    out = {"s_1": s_1, "z_1": z_1, "s_2": s_2, "z_2": z_2, "s_3": s_3, "y_hat": y_hat, "L": L}
    params = {1: (W_1, b_1), 2: (W_2, b_2), 3: (W_3, b_3)}
    for l, delta in ((3, ds_3), (2, ds_2), (1, ds_1)):
        out[f"dL/ds_{l}"] = delta
        out[f"dL/dW_{l}"], out[f"dL/db_{l}"] = grads[l]
    for l in (1, 2, 3):
        out[f"W_{l}_new"] = params[l][0] - lr * grads[l][0]
        out[f"b_{l}_new"] = params[l][1] - lr * grads[l][1]
    for l, delta in ((3, ds_3), (2, ds_2), (1, ds_1)):  # the notes' δ = −∂L/∂s and ΔW = −η ∂L/∂W
        out[f"delta_{l}"] = -delta
    for l in (3, 2, 1):
        out[f"dW_{l}"] = -lr * grads[l][0]
        out[f"db_{l}"] = -lr * grads[l][1]
    return out


def mlp_backprop(**inputs):
    return _mlp("softmax", **inputs)


def mlp_backprop_regression(**inputs):
    return _mlp("linear", **inputs)


def mlp_backprop_binary(**inputs):
    return _mlp("sigmoid", **inputs)


def mlp_backprop_multilabel(**inputs):
    return _mlp("sigmoid", **inputs)


def mlp_training_step(head, x, y, W_1, b_1, W_2, b_2, W_3, b_3, lr=None):
    """What a training step needs: the loss per example and the parameters' gradients."""
    s_1 = x @ W_1.T
    s_1 += b_1
    z_1 = _sigmoid(s_1)
    s_2 = z_1 @ W_2.T
    s_2 += b_2
    z_2 = _sigmoid(s_2)
    s_3 = z_2 @ W_3.T
    s_3 += b_3
    if head == "softmax":
        y_hat, lse = _log_softmax_parts(s_3)
        L = lse - np.sum(y * s_3, axis=1)
    else:
        y_hat = s_3
        L = 0.5 * np.sum((s_3 - y) ** 2, axis=1)
    ds_3 = y_hat - y
    ds_2 = (ds_3 @ W_3) * z_2 * (1.0 - z_2)
    ds_1 = (ds_2 @ W_2) * z_1 * (1.0 - z_1)
    return {"L": L, "dL/dW_1": ds_1.T @ x, "dL/db_1": ds_1.sum(axis=0), "dL/dW_2": ds_2.T @ z_1,
            "dL/db_2": ds_2.sum(axis=0), "dL/dW_3": ds_3.T @ z_2, "dL/db_3": ds_3.sum(axis=0)}


GATES = ("f", "i", "c", "o")


def _lstm_forward(x, h_prev, C_prev, W, b):
    z = np.concatenate((h_prev, x), axis=1)
    s = {g: z @ W[g].T + b[g] for g in GATES}
    f, i, o = _sigmoid(s["f"]), _sigmoid(s["i"]), _sigmoid(s["o"])
    C_tilde = np.tanh(s["c"])
    C = f * C_prev + i * C_tilde
    tanh_C = np.tanh(C)
    return z, s, f, i, C_tilde, o, C, tanh_C, o * tanh_C


def _gate_gradients(delta: dict, W: dict, z, dC, f, H: int) -> dict:
    """An LSTM cell's gradients by its gates' pre-activations, weights, biases and inputs, from the gates' δ."""
    dz = sum(delta[k] @ W[k] for k in GATES)
    out = {}
    for k in ("o", "f", "i", "c"):
        out[f"dL/ds_{k}"] = delta[k]
    for k in ("o", "f", "i", "c"):
        out[f"dL/dW_{k}"] = delta[k].T @ z
    for k in ("o", "f", "i", "c"):
        out[f"dL/db_{k}"] = delta[k].sum(axis=0)
    out.update({"dL/dz": dz, "dL/dh_prev": dz[:, :H], "dL/dC_prev": dC * f, "dL/dx": dz[:, H:]})
    return out


def lstm_step(x, h_prev, C_prev, W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o, W_y, y):
    """One LSTM step forward and back, the weights shared by the batch (their gradients summed)."""
    H = h_prev.shape[1]
    W = {"f": W_f, "i": W_i, "c": W_c, "o": W_o}
    z, s, f, i, C_tilde, o, C, tanh_C, h = _lstm_forward(x, h_prev, C_prev, W, {"f": b_f, "i": b_i, "c": b_c, "o": b_o})
    g = h @ W_y.T
    y_hat, lse = _log_softmax_parts(g)
    L = lse - np.sum(y * g, axis=1)
    dg = y_hat - y
    dh = dg @ W_y
    do = dh * tanh_C
    dC = dh * o * (1.0 - tanh_C * tanh_C)
    df, di, dC_tilde = dC * C_prev, dC * C_tilde, dC * i
    delta = {"o": do * o * (1.0 - o), "f": df * f * (1.0 - f), "i": di * i * (1.0 - i),
             "c": dC_tilde * (1.0 - C_tilde * C_tilde)}
    out = {"z": z, "s_f": s["f"], "s_i": s["i"], "s_c": s["c"], "s_o": s["o"], "f": f, "i": i, "C_tilde": C_tilde,
           "o": o, "C": C, "h": h, "g": g, "y_hat": y_hat, "L": L, "dL/dg": dg, "dL/dW_y": dg.T @ h, "dL/dh": dh,
           "dL/do": do, "dL/dC": dC, "dL/df": df, "dL/di": di, "dL/dC_tilde": dC_tilde}
    return out | _gate_gradients(delta, W, z, dC, f, H)


def lstm_bptt(x, h_prev, C_prev, W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o, W_y, y, dh_next, dC_next):
    """The BPTT cell: one step with the gradients handed back by the later steps."""
    H = h_prev.shape[1]
    W = {"f": W_f, "i": W_i, "c": W_c, "o": W_o}
    z, s, f, i, C_tilde, o, C, tanh_C, h = _lstm_forward(x, h_prev, C_prev, W, {"f": b_f, "i": b_i, "c": b_c, "o": b_o})
    g = h @ W_y.T
    y_hat, lse = _log_softmax_parts(g)
    L_step = lse - np.sum(y * g, axis=1)
    dg = y_hat - y
    dh = dg @ W_y + dh_next
    do = dh * tanh_C
    dC = dh * o * (1.0 - tanh_C * tanh_C) + dC_next
    df, di, dC_tilde = dC * C_prev, dC * C_tilde, dC * i
    delta = {"o": do * o * (1.0 - o), "f": df * f * (1.0 - f), "i": di * i * (1.0 - i),
             "c": dC_tilde * (1.0 - C_tilde * C_tilde)}
    out = {"z": z, "s_f": s["f"], "s_i": s["i"], "s_c": s["c"], "s_o": s["o"], "f": f, "i": i, "C_tilde": C_tilde,
           "o": o, "C": C, "h": h, "g": g, "y_hat": y_hat, "L_step": L_step,
           "L": L_step + np.sum(dh_next * h, axis=1) + np.sum(dC_next * C, axis=1),
           "dL/dg": dg, "dL/dW_y": dg.T @ h, "dL/dh": dh, "dL/do": do, "dL/dC": dC, "dL/df": df, "dL/di": di,
           "dL/dC_tilde": dC_tilde}
    return out | _gate_gradients(delta, W, z, dC, f, H)


def rnn_bptt(x_1, x_2, h_0, U, W, V, y_1, y_2):
    """Two RNN steps unrolled by hand."""
    s_1 = x_1 @ U.T + h_0 @ W.T
    h_1 = np.tanh(s_1)
    o_1 = h_1 @ V.T
    y_hat_1, lse_1 = _log_softmax_parts(o_1)
    s_2 = x_2 @ U.T + h_1 @ W.T
    h_2 = np.tanh(s_2)
    o_2 = h_2 @ V.T
    y_hat_2, lse_2 = _log_softmax_parts(o_2)
    L_1, L_2 = lse_1 - np.sum(o_1 * y_1, axis=1), lse_2 - np.sum(o_2 * y_2, axis=1)
    do_2, do_1 = y_hat_2 - y_2, y_hat_1 - y_1
    dh_2 = do_2 @ V
    ds_2 = dh_2 * (1.0 - h_2 * h_2)
    dh_1 = do_1 @ V + ds_2 @ W
    ds_1 = dh_1 * (1.0 - h_1 * h_1)
    return {"s_1": s_1, "h_1": h_1, "o_1": o_1, "y_hat_1": y_hat_1, "L_1": L_1, "s_2": s_2, "h_2": h_2, "o_2": o_2,
            "y_hat_2": y_hat_2, "L_2": L_2, "L": L_1 + L_2, "dL/do_2": do_2, "dL/dh_2": dh_2, "dL/ds_2": ds_2,
            "dL/do_1": do_1, "dL/dh_1": dh_1, "dL/ds_1": ds_1, "dL/dV": do_1.T @ h_1 + do_2.T @ h_2,
            "dL/dW": ds_1.T @ h_0 + ds_2.T @ h_1, "dL/dU": ds_1.T @ x_1 + ds_2.T @ x_2, "dL/dh_0": ds_1 @ W}


# -- the loops over time and depth -------------------------------------------------------------------------
def rnn_bptt_loop(x, h_0, U, W, V, y):
    """An RNN over T steps and back, as one writes BPTT by hand: the weight gradients summed step by step."""
    T = x.shape[1]
    h, hs, y_hats, L = h_0, [], [], 0.0
    for t in range(T):
        h = np.tanh(x[:, t] @ U.T + h @ W.T)
        hs.append(h)
        y_hat, lse = _log_softmax_parts(h @ V.T)
        y_hats.append(y_hat)
        L = L + lse - np.sum(y[:, t] * (h @ V.T), axis=1)
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    dh_next = np.zeros_like(h_0)
    dhs, dss, dxs = [None] * T, [None] * T, [None] * T
    for t in reversed(range(T)):
        do = y_hats[t] - y[:, t]
        dV += do.T @ hs[t]
        dh = do @ V + dh_next
        ds = dh * (1.0 - hs[t] * hs[t])
        h_prev = hs[t - 1] if t else h_0
        dW += ds.T @ h_prev
        dU += ds.T @ x[:, t]
        dh_next = ds @ W
        dhs[t], dss[t], dxs[t] = dh, ds, ds @ U
    return {"L": L, "dL/dU": dU, "dL/dW": dW, "dL/dV": dV, "h": np.stack(hs, axis=1), "y_hat": np.stack(y_hats, axis=1),
            "dL/dh": np.stack(dhs, axis=1), "dL/ds": np.stack(dss, axis=1), "dL/dx": np.stack(dxs, axis=1),
            "dL/dh_0": dh_next}


def lstm_bptt_loop(x, h_0, C_0, W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o, W_y, y):
    """An LSTM over T steps and back, by hand: the weight gradients summed step by step."""
    T = x.shape[1]
    H = h_0.shape[1]
    W = {"f": W_f, "i": W_i, "c": W_c, "o": W_o}
    b = {"f": b_f, "i": b_i, "c": b_c, "o": b_o}
    h, C, L = h_0, C_0, 0.0
    saved, hs, Cs, fs, y_hats = [], [], [], [], []
    for t in range(T):
        C_prev = C
        z, _, f, i, C_tilde, o, C, tanh_C, h = _lstm_forward(x[:, t], h, C_prev, W, b)
        g = h @ W_y.T
        y_hat, lse = _log_softmax_parts(g)
        L = L + lse - np.sum(y[:, t] * g, axis=1)
        saved.append((z, f, i, C_tilde, o, tanh_C, C_prev))
        hs.append(h), Cs.append(C), fs.append(f), y_hats.append(y_hat)
    dW = {k: np.zeros_like(W[k]) for k in GATES}
    db = {k: np.zeros(H) for k in GATES}
    dW_y = np.zeros_like(W_y)
    dh_next, dC_next = np.zeros_like(h_0), np.zeros_like(C_0)
    dhs, dCs, dxs = [None] * T, [None] * T, [None] * T
    for t in reversed(range(T)):
        z, f, i, C_tilde, o, tanh_C, C_prev = saved[t]
        dg = y_hats[t] - y[:, t]
        dW_y += dg.T @ hs[t]
        dh = dg @ W_y + dh_next
        dC = dh * o * (1.0 - tanh_C * tanh_C) + dC_next
        delta = {"o": dh * tanh_C * o * (1.0 - o), "f": dC * C_prev * f * (1.0 - f), "i": dC * C_tilde * i * (1.0 - i),
                 "c": dC * i * (1.0 - C_tilde * C_tilde)}
        dz = 0.0
        for k in GATES:
            dW[k] += delta[k].T @ z
            db[k] += delta[k].sum(axis=0)
            dz = dz + delta[k] @ W[k]
        dh_next, dC_next = dz[:, :H], dC * f
        dhs[t], dCs[t], dxs[t] = dh, dC, dz[:, H:]
    out = {"L": L, "dL/dW_y": dW_y}
    out.update({f"dL/dW_{k}": dW[k] for k in ("o", "f", "i", "c")})
    out.update({f"dL/db_{k}": db[k] for k in ("o", "f", "i", "c")})
    out.update({"h": np.stack(hs, axis=1), "C": np.stack(Cs, axis=1), "f": np.stack(fs, axis=1),
                "y_hat": np.stack(y_hats, axis=1), "dL/dh": np.stack(dhs, axis=1), "dL/dC": np.stack(dCs, axis=1),
                "dL/dx": np.stack(dxs, axis=1), "dL/dh_0": dh_next, "dL/dC_0": dC_next})
    return out


def seq2seq_loop(x, h_0, C_0, W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o, x_dec, W_f_dec, W_i_dec, W_c_dec, W_o_dec,
                 b_f_dec, b_i_dec, b_c_dec, b_o_dec, W_y_dec, y_dec):
    """seq2seq by hand: the encoder LSTM forward, the decoder (lstm_bptt_loop above) from the encoder's
    last state, then the encoder back from the gradient the decoder hands back through that context."""
    T, H = x.shape[1], h_0.shape[1]
    W = {"f": W_f, "i": W_i, "c": W_c, "o": W_o}
    b = {"f": b_f, "i": b_i, "c": b_c, "o": b_o}
    h, C = h_0, C_0
    saved, hs, Cs = [], [], []
    for t in range(T):
        C_prev = C
        z, _, f, i, C_tilde, o, C, tanh_C, h = _lstm_forward(x[:, t], h, C_prev, W, b)
        saved.append((z, f, i, C_tilde, o, tanh_C, C_prev))
        hs.append(h), Cs.append(C)
    decoder = lstm_bptt_loop(x_dec, h, C, W_f_dec, W_i_dec, W_c_dec, W_o_dec, b_f_dec, b_i_dec, b_c_dec, b_o_dec,
                             W_y_dec, y_dec)
    dW = {k: np.zeros_like(W[k]) for k in GATES}
    db = {k: np.zeros(H) for k in GATES}
    dh_next, dC_next = decoder["dL/dh_0"], decoder["dL/dC_0"]
    dhs, dCs, dxs = [None] * T, [None] * T, [None] * T
    for t in reversed(range(T)):
        z, f, i, C_tilde, o, tanh_C, C_prev = saved[t]
        dh = dh_next  # the encoder has no output: only what the step after (or the decoder) hands back
        dC = dh * o * (1.0 - tanh_C * tanh_C) + dC_next
        delta = {"o": dh * tanh_C * o * (1.0 - o), "f": dC * C_prev * f * (1.0 - f), "i": dC * C_tilde * i * (1.0 - i),
                 "c": dC * i * (1.0 - C_tilde * C_tilde)}
        dz = 0.0
        for k in GATES:
            dW[k] += delta[k].T @ z
            db[k] += delta[k].sum(axis=0)
            dz = dz + delta[k] @ W[k]
        dh_next, dC_next = dz[:, :H], dC * f
        dhs[t], dCs[t], dxs[t] = dh, dC, dz[:, H:]
    out = {f"dL/dW_{k}": dW[k] for k in ("o", "f", "i", "c")}
    out.update({f"dL/db_{k}": db[k] for k in ("o", "f", "i", "c")})
    out.update({"h": np.stack(hs, axis=1), "C": np.stack(Cs, axis=1), "dL/dh": np.stack(dhs, axis=1),
                "dL/dC": np.stack(dCs, axis=1), "dL/dx": np.stack(dxs, axis=1), "dL/dh_0": dh_next, "dL/dC_0": dC_next})
    out.update({(name if name == "L" else name + "_dec"): value for name, value in decoder.items()})
    return out


def deep_chain_loop(w, x, k, y):
    """A chain of T sigmoid layers a_t = σ(w_t a_{t−1}) + k_t a_{t−1}, forward and back."""
    T = w.shape[1]
    a, a_prev, F, a_steps = x, [], [], []
    for t in range(T):
        a_prev.append(a)
        F_t = _sigmoid(a * w[:, t])
        F.append(F_t)
        a = F_t + a * k[:, t]
        a_steps.append(a)
    y_hat = a
    da = 2.0 * (y_hat - y)
    dws, das = [None] * T, [None] * T
    for t in reversed(range(T)):
        das[t] = da
        ds = da * F[t] * (1.0 - F[t])
        dws[t] = ds * a_prev[t]
        da = ds * w[:, t] + da * k[:, t]
    return {"y_hat": y_hat, "L": (y_hat - y) ** 2, "a": np.stack(a_steps, axis=1), "dL/da": np.stack(das, axis=1),
            "dL/dw": np.stack(dws, axis=1), "dL/dx": da}


# -- convolution and pooling (stride 1 and no padding for convolution; 2×2 windows, stride 2 for pooling)
def conv2d(x, w, b, g):
    """im2col by K² slices, one matrix product forward and two backward, col2im by K² additions."""
    n, c, h, wd = x.shape
    f, _, k, _ = w.shape
    rows, cols = h - k + 1, wd - k + 1
    patches = np.empty((n, rows, cols, c, k, k))
    for a in range(k):
        for b_ in range(k):
            patches[..., a, b_] = x[:, :, a:a + rows, b_:b_ + cols].transpose(0, 2, 3, 1)
    patches = patches.reshape(n * rows * cols, c * k * k)
    kernels = w.reshape(f, -1)
    y = (patches @ kernels.T).reshape(n, rows, cols, f).transpose(0, 3, 1, 2) + b[None, :, None, None]
    g_rows = g.transpose(0, 2, 3, 1).reshape(n * rows * cols, f)
    d_patches = (g_rows @ kernels).reshape(n, rows, cols, c, k, k)
    dx = np.zeros_like(x)
    for a in range(k):
        for b_ in range(k):
            dx[:, :, a:a + rows, b_:b_ + cols] += d_patches[..., a, b_].transpose(0, 3, 1, 2)
    return {"x_pad": x, "y": y, "L": np.einsum("nfpq,nfpq->n", g, y), "dL/db": g.sum(axis=(0, 2, 3)),
            "dL/dw": (g_rows.T @ patches).reshape(w.shape),
            "g_full": np.pad(g, [(0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)]), "dL/dx": dx}


def _pooled_blocks(x):
    """x cut into its 2×2 blocks: (N, C, H/2, 2, W/2, 2)."""
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2)


def max_pool2d(x, g):
    blocks = _pooled_blocks(x)
    y = blocks.max(axis=(3, 5))
    winner = blocks == y[:, :, :, None, :, None]  # random inputs: one maximum per window
    dx = np.zeros_like(x)
    n, c, rows, _, cols, _ = blocks.shape
    dx[:, :, :rows * 2, :cols * 2] = (winner * g[:, :, :, None, :, None]).reshape(n, c, rows * 2, cols * 2)
    return {"y": y, "L": np.einsum("ncpq,ncpq->n", g, y), "dL/dx": dx}


def avg_pool2d(x, g):
    blocks = _pooled_blocks(x)
    n, c, rows, _, cols, _ = blocks.shape
    dx = np.zeros_like(x)
    dx[:, :, :rows * 2, :cols * 2] = np.broadcast_to(g[:, :, :, None, :, None] / 4, blocks.shape).reshape(
        n, c, rows * 2, cols * 2)
    y = blocks.mean(axis=(3, 5))
    return {"y": y, "L": np.einsum("ncpq,ncpq->n", g, y), "dL/dx": dx}


def gd_trajectories(x, y, w_0, b_0, lr):
    """The four trajectories, step by step, as the lecture's code writes them (the batch's mean
    squared error, its two gradients, the step)."""
    def steps(batches):
        w, b, out = w_0, b_0, []
        for start, stop in batches:
            xs, e = x[:, start:stop], w[:, None] * x[:, start:stop] + b[:, None] - y[:, start:stop]
            w, b = w - lr * 2 * (e * xs).mean(axis=1), b - lr * 2 * e.mean(axis=1)
            out.append((w, b))
        return out, ((w[:, None] * x + b[:, None] - y) ** 2).mean(axis=1)

    e0 = w_0[:, None] * x + b_0[:, None] - y
    out = {"L_0": (e0 ** 2).mean(axis=1), "dL_0/dw": 2 * (e0 * x).mean(axis=1), "dL_0/db": 2 * e0.mean(axis=1)}
    s = x.shape[1]
    for tag, batches in (("", [(0, s)] * 3), ("sgd_", [(0, 1), (1, 2), (2, 3)]),
                         ("mb2_", [(0, 2), (2, 4), (4, 6)]), ("mb5_", [(0, 5), (5, 10)])):
        points, end = steps(batches)
        for t, (w, b) in enumerate(points, 1):
            out[f"w_{tag}{t}"], out[f"b_{tag}{t}"] = w, b
        out[f"L_{tag}end"] = end
    return out


def weight_init(w, x, var_w, var_x, n_out):
    n_in = w.shape[1]
    var_s = n_in * var_w * var_x
    return {"s": np.einsum("nd,nd->n", w, x), "var_s": var_s, "m2_relu": var_s / 2, "var_xavier": 2 / (n_in + n_out),
            "limit_xavier": np.sqrt(6 / (n_in + n_out)), "var_he": np.full(len(w), 2 / n_in),
            "std_he": np.full(len(w), np.sqrt(2 / n_in)), "m2_he": var_x}


def cnn_classifier(x, w, b, W_d, b_d, y):
    """conv (the reference above) → 2×2 max pool → ReLU → dense → softmax cross-entropy, and back."""
    n = len(x)
    z = conv2d(x, w, b, np.zeros((n, w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1)))["y"]
    rows, cols = z.shape[2] // 2, z.shape[3] // 2
    blocks = z[:, :, :rows * 2, :cols * 2].reshape(n, z.shape[1], rows, 2, cols, 2)
    p = blocks.max(axis=(3, 5))
    a = np.maximum(p, 0.0)
    v = a.reshape(n, -1)
    o = v @ W_d.T + b_d
    y_hat, lse = _log_softmax_parts(o)
    d_o = y_hat - y
    d_v = d_o @ W_d
    d_a = d_v.reshape(p.shape)
    d_p = d_a * (p > 0)
    winner = blocks == p[:, :, :, None, :, None]  # random inputs: one maximum per window
    d_z = np.zeros_like(z)
    d_z[:, :, :rows * 2, :cols * 2] = (winner * d_p[:, :, :, None, :, None]).reshape(n, z.shape[1], rows * 2, cols * 2)
    back = conv2d(x, w, b, d_z)
    return {"z": z, "p": p, "a": a, "v": v, "o": o, "y_hat": y_hat, "L": lse - (y * o).sum(axis=1), "dL/do": d_o,
            "dL/dW_d": d_o.T @ v, "dL/db_d": d_o.sum(axis=0), "dL/dv": d_v, "dL/da": d_a, "dL/dp": d_p, "dL/dz": d_z,
            "dL/dw": back["dL/dw"], "dL/db": back["dL/db"], "dL/dx": back["dL/dx"]}


# -- graphs ------------------------------------------------------------------------------------------
def gcn(A, H, W, y):
    """One dense GCN layer on a batch of graphs: Â = D̃^(−1/2)(A + I)D̃^(−1/2), ReLU(Â H W), the
    nodes' sum, softmax cross-entropy, and back; W shared (its gradient summed over the graphs)."""
    n, F = H.shape[-2:]
    A_tilde = A + np.eye(n)
    d = A_tilde.sum(axis=-1)
    s = 1.0 / np.sqrt(d)
    A_hat = s[..., :, None] * A_tilde * s[..., None, :]
    M = A_hat @ H
    P = M @ W
    H_out = np.maximum(P, 0.0)
    r = H_out.sum(axis=-2)
    y_hat, lse = _log_softmax_parts(r)
    d_r = y_hat - y
    d_H_out = np.repeat(d_r[..., None, :], n, axis=-2)
    d_P = d_H_out * (P > 0)
    return {"A_tilde": A_tilde, "d": d, "A_hat": A_hat, "M": M, "P": P, "H_out": H_out, "r": r, "y_hat": y_hat,
            "L": lse - (y * r).sum(axis=-1), "dL/dr": d_r, "dL/dH_out": d_H_out, "dL/dP": d_P,
            "dL/dW": M.reshape(-1, F).T @ d_P.reshape(-1, W.shape[-1]),
            "dL/dH": np.swapaxes(A_hat, -1, -2) @ (d_P @ W.T)}
