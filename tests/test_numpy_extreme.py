"""Every module of derive.numpy is stable for logits, pre-activations and scores up to ±1e4.

For each generated module (all of ``derive.numpy``: the rules and the loops over time and
depth), a builder below turns a batch of *scales* into the module's inputs so that its logits,
pre-activations and scores take those values: a scale s becomes a bias, or weights w = s x/|x|²
so that wᵀx = s. The scales come from the corners {±1e4, ±800, ±40, 0, 1e-3, −0.7} (every pair of
them, in one deterministic batch per module) and from hypothesis (derandomized, a few batches
each: corners mixed with any float in [−1e4, 1e4]). Inputs that are not logits keep their domain:
targets in [0, 1] or one-hot, learning rates in (0, 1), probabilities inside (0, 1) (from
logits clipped so that the smallest is about 1e-250; see ``_distribution``), standard deviations
in [0.05, 20], noise ε ~ N(0, 1).

Each module runs with every float64 error but underflow raised (``np.errstate``) and warnings as
errors: an overflow, 0/0, inf − inf or log 0 fails. Underflow is let be: a value below 1e-308
rounded to 0 (e^{−1e4} in σ(−1e4)) is the correct float64 answer, not an error. Every output is
then compared with a reference written here in plain, stable NumPy (logaddexp for softplus and
log σ, σ(s)σ(−s) for σ', 1/cosh² as e^{−2 logaddexp(s, −s)}, a shifted log-sum-exp, log1p). The
reference runs twice: in 80-bit long double (19 digits, exponents to 1e4932: e^{1e4} and
1 − σ(40) are represented), which gives the true value, and in float64, whose distance to the
true value is the rounding that a straightforward float64 program cannot avoid (a softmax loss
lse(o) − o_y of 2e-9 next to logits of 1e4, a gradient α(g − αᵀg) that cancels). An output must
be finite wherever the true value is, the same ±inf where it exceeds float64, and else within

    RTOL·|true| (1e-9)  +  SLACK·(that float64 rounding, per example; SLACK = 100)
                        +  ATOL·max(1, its largest |component| in the example) (1e-13)  +  1e-300

The ATOL term makes "values not tiny" precise: below 1e-4 of the output's size (or of 1) an
error of 1e-13 of it is rounding (σ(40) − 1 is −4.2e-18, 0 in any float64 program that rounds
σ(40) first); 1e-300 covers subnormals, which have fewer digits. Where the true value exceeds
float64 (e^{−a} for a < −709.8: ``ratio`` of gan_generator; e^{logvar} in vae_kl and
vae_reparam), overflow is allowed for those examples only, and the output must be +inf or −inf
as the true value is. Without an 80-bit long double (some platforms), the float64 reference is
taken as the truth and 1e-13 of the batch's largest magnitude as its rounding.

A few scalar points are also checked against the rules' definitions as written, evaluated with
mpmath at 4400 digits (enough for 1 − σ(1e4) = e^{−1e4}), which checks the references too.

Inputs kept inside a range, with the reason (there is no module that cannot take extreme
inputs at all):

* ``cross_entropy_kl``, ``jsd``, ``bernoulli_entropy``, ``elbo``: their inputs are probabilities,
  not logits; they are drawn from logits clipped so that every probability is at least about
  1e-250 (1e-120 for elbo, whose p(x) = Σ_z p(z) p(x|z) multiplies two of them: a product below
  1e-308 would underflow to 0 and log p(x) to −inf, which only a rule taking log-probabilities
  could avoid). θ = 1 − 2⁻⁵³ is the nearest a float64 probability gets to 1.
* ``vae_loss``: logvar = W_logvar x goes down to −1e4 but up to 500 only: above, σ = e^{logvar/2}
  times the decoder gives x̂ and the loss beyond float64 (and inf − inf between components),
  which no form avoids. ``vae_kl`` and ``vae_reparam`` take logvar up to +1e4 (their outputs
  overflow to +inf there, as the true values do).
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sympy.codegen.cfunctions import log1p

import derive.numpy as dn
from derive.codegen.stable import IDENTITIES
from derive.symbolic.functions import to_elementary

MODULES = sorted(m.name for m in pkgutil.iter_modules(dn.__path__) if not m.name.startswith("_"))
CORNERS = (1e4, -1e4, 800.0, -800.0, 40.0, -40.0, 0.0, 1e-3, -0.7)
#: Scales per example: each builder reads as many columns as it has logits to set.
COLUMNS = 6
RTOL = 1e-9
#: How many times the error of a float64 evaluation of the reference an output may be off by.
SLACK = 100
#: The reference's precision: 80-bit long double where the platform has it (19 digits, and an
#: exponent range to 1e4932, so that e^{1e4} and 1 − σ(40) are represented); float64 elsewhere,
#: with 1e-13 of the largest magnitude of each output in the batch as its rounding instead.
TRUE = np.longdouble if np.finfo(np.longdouble).eps < 1e-18 else np.float64
#: Absolute error allowed in an output, times its largest component in the example (at least 1).
ATOL = 1e-13
#: Below float64's normal range (2.2e-308) numbers lose digits (a subnormal 1e-311 has eight):
#: values under this are compared absolutely.
TINY = 1e-300

# -- stable primitives of the references (run in long double and in float64) ---------------------


def softplus(s):
    return np.logaddexp(0.0, s)


def log_sigmoid(s):
    return -np.logaddexp(0.0, -s)


def sigmoid(s):
    return np.exp(log_sigmoid(s))


def sigmoid_slope(s):
    """σ'(s) = σ(s) σ(−s), exact where it is tiny."""
    return np.exp(log_sigmoid(s) + log_sigmoid(-s))


def tanh_slope(s):
    """tanh'(s) = 1/cosh²(s) = 4 e^{−2 log(e^s + e^{−s})}, without overflow."""
    return 4 * np.exp(-2 * np.logaddexp(s, -s))


def ln2(x):
    """log 2 in the precision of x."""
    return np.log(np.asarray(2, dtype=np.asarray(x).dtype))


def lse(o):
    m = np.max(o, axis=-1, keepdims=True)
    return (m + np.log(np.sum(np.exp(o - m), axis=-1, keepdims=True)))[..., 0]


def softmax(o):
    return np.exp(o - lse(o)[..., None])


def mv(a, v):
    return np.einsum("...ij,...j->...i", a, v)


def mvt(a, v):
    return np.einsum("...ij,...i->...j", a, v)


def outer(a, b):
    return a[..., :, None] * b[..., None, :]


# -- drawing inputs ---------------------------------------------------------------------------


def unit_target(rng, shape):
    """Targets in [0, 1]: 0, 1 or a soft value."""
    return np.choose(rng.integers(0, 3, size=shape), [np.zeros(shape), np.ones(shape), rng.uniform(size=shape)])


def one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


def lr(rng, n):
    return rng.uniform(0.01, 0.5, size=n)


def aimed(rng, targets, size):
    """Vectors x (N, size) and weights w (N, targets, size) with w x = targets (N, targets): the
    weights w_j = t_j x / |x|² put the pre-activation exactly where the scale says."""
    x = rng.normal(size=(len(targets), size))
    w = targets[..., None] * (x / np.sum(x * x, axis=-1, keepdims=True))[:, None, :]
    return x, w


def spread(rng, scale, shape):
    """Weights of a layer: the scale (N,) times U(−1, 1) entries, divided by the fan-in."""
    return scale.reshape((-1,) + (1,) * len(shape)) * rng.uniform(-1, 1, size=(len(scale),) + shape) / shape[-1]


def _distribution(rng, scale, k, floor):
    """A probability vector from logits scale · U(−1, 1), each logit at most ``floor`` below the
    largest (so every probability is at least about e^{−floor})."""
    logits = scale[:, None] * rng.uniform(-1, 1, size=(len(scale), k))
    logits = np.maximum(logits - logits.max(axis=-1, keepdims=True), -floor)
    return softmax(logits)


def _probability(scale, floor):
    """σ of the scale, clipped into [e^{−floor}, 1 − 2⁻⁵³] (the float64 below 1 nearest to it)."""
    return np.minimum(sigmoid(np.clip(scale, -floor, 37.0)), 1 - 2.0 ** -53)


# -- builders and references, one per module --------------------------------------------------
#
# ``BUILD[name](rng, scales)`` gives the keyword inputs (each with the batch axis N);
# ``REFERENCE[name](**inputs)`` gives every output the module returns, by its quantity name.

BUILD, REFERENCE = {}, {}


def module(name):
    def register(pair):
        BUILD[name], REFERENCE[name] = pair
        return pair
    return register


def _bce_head(s, y):
    return y * softplus(-s) + (1 - y) * softplus(s)


module("sigmoid_bce")((
    lambda rng, c: {"s": c[:, 0], "y": unit_target(rng, len(c))},
    lambda s, y: {"y_hat": sigmoid(s), "L": _bce_head(s, y), "dL/ds": sigmoid(s) - y},
))


module("ce_vs_mse")((
    lambda rng, c: {"s": c[:, 0], "y": unit_target(rng, len(c))},
    lambda s, y: {"y_hat": sigmoid(s), "L_ce": _bce_head(s, y), "L_mse": (sigmoid(s) - y) ** 2 / 2,
                  "dL_ce/ds": sigmoid(s) - y, "dL_mse/ds": (sigmoid(s) - y) * sigmoid_slope(s),
                  "ratio": sigmoid_slope(s)},
))


def _perceptron_inputs(rng, c):
    x, w = aimed(rng, c[:, :1], 3)
    return {"x": x, "w": w[:, 0], "y": unit_target(rng, len(c)), "lr": lr(rng, len(c))}


def _perceptron(x, w, y, lr):
    s = np.sum(w * x, axis=-1)
    e = sigmoid(s) - y
    return {"s": s, "y_hat": sigmoid(s), "E": _bce_head(s, y), "dE/ds": e, "dE/dw": e[:, None] * x,
            "w_new": w - lr[:, None] * e[:, None] * x, "delta": -e, "dw": lr[:, None] * -e[:, None] * x}


module("perceptron")((_perceptron_inputs, _perceptron))


def _rosenblatt_inputs(rng, c):
    x, w = aimed(rng, c[:, :1], 3)  # every w_j x_j has the sign of the score: s = 0 exactly at the corner 0
    return {"x": x, "w": w[:, 0], "b": np.zeros(len(c)), "y": rng.choice([-1.0, 1.0], size=len(c)),
            "lr": lr(rng, len(c))}


def _rosenblatt(x, w, b, y, lr):
    s = np.sum(w * x, axis=-1) + b
    m = (y * s <= 0).astype(s.dtype)  # a score of 0 is a mistake
    return {"s": s, "y_hat": np.where(s >= 0, 1.0, -1.0), "mistake": m, "E": np.maximum(0.0, -y * s),
            "dE/dw": -(m * y)[:, None] * x, "dE/db": -m * y, "w_new": w + (lr * m * y)[:, None] * x,
            "b_new": b + lr * m * y, "s_new": s + lr * m * y * (np.sum(x * x, axis=-1) + 1)}


module("rosenblatt")((_rosenblatt_inputs, _rosenblatt))


def _dropout_inputs(rng, c):
    return {"x": c[:, :3], "m": rng.integers(0, 2, size=(len(c), 3)).astype(float),
            "p": rng.uniform(0.0, 0.99, size=len(c)), "g": rng.normal(size=(len(c), 3))}


def _dropout(x, m, p, g):
    keep = 1 - p[:, None]
    return {"y": m * x / keep, "y_test": x, "L": np.sum(g * m * x / keep, axis=-1), "dL/dx": g * m / keep,
            "y_plain": m * x, "y_plain_test": keep * x, "L_plain": np.sum(g * m * x, axis=-1), "dL_plain/dx": g * m}


module("dropout")((_dropout_inputs, _dropout))


def _adam_inputs(rng, c):
    n = len(c)
    return {"w": rng.normal(size=(n, 3)), "g": c[:, :3], "m": rng.normal(size=(n, 3)), "v": rng.uniform(0, 1, (n, 3)),
            "t": rng.integers(1, 10, size=n).astype(float), "lr": lr(rng, n), "beta1": rng.uniform(0, 0.99, n),
            "beta2": rng.uniform(0, 0.9999, n), "eps": rng.uniform(1e-8, 1e-3, n)}


def _adam(w, g, m, v, t, lr, beta1, beta2, eps):
    b1, b2 = beta1[:, None], beta2[:, None]
    m_new, v_new = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m_new / (1 - b1 ** t[:, None]), v_new / (1 - b2 ** t[:, None])
    step = lr[:, None] * m_hat / (np.sqrt(v_hat) + eps[:, None])
    return {"m_new": m_new, "v_new": v_new, "m_hat": m_hat, "v_hat": v_hat, "step": step, "w_new": w - step}


module("adam")((_adam_inputs, _adam))


def _momentum_inputs(rng, c):
    return {**{f"g_{k}": c[:, k - 1:k] for k in range(1, 7)}, "beta": rng.uniform(0, 0.99, len(c))}


def _momentum(beta, **g):
    b, out, m, v = beta[:, None], {}, 0.0, 0.0
    for k in range(1, 7):
        m, v = b * m + (1 - b) * g[f"g_{k}"], b * v + g[f"g_{k}"]
        out[f"m_{k}"], out[f"v_{k}"] = m, v
    return {**out, "m_hat_6": m / (1 - b ** 6)}


module("momentum")((_momentum_inputs, _momentum))


def _state(rng, c):
    """Parameters, gradients at the scales, one nonnegative state, and a learning rate."""
    n = len(c)
    return rng.normal(size=(n, 3)), c[:, :3], rng.uniform(0, 1, (n, 3)), lr(rng, n)


def _nesterov_inputs(rng, c):
    w, g, _, eta = _state(rng, c)
    return {"w": w, "g": g, "v": rng.normal(size=w.shape), "lr": eta, "mu": rng.uniform(0, 0.99, len(c))}


def _nesterov(w, g, v, lr, mu):
    v_new = mu[:, None] * v + g
    return {"v_new": v_new, "w_new": w - lr[:, None] * v_new, "w_nesterov": w - lr[:, None] * (g + mu[:, None] * v_new)}


def _adagrad_inputs(rng, c):
    w, g, G, eta = _state(rng, c)
    return {"w": w, "g": g, "G": G, "lr": eta, "eps": rng.uniform(1e-10, 1e-3, len(c))}


def _adagrad(w, g, G, lr, eps):
    G_new = G + g * g
    rate = lr[:, None] / (np.sqrt(G_new) + eps[:, None])
    return {"G_new": G_new, "rate": rate, "w_new": w - rate * g}


def _rmsprop_inputs(rng, c):
    w, g, s, eta = _state(rng, c)
    return {"w": w, "g": g, "s": s, "lr": eta, "rho": rng.uniform(0, 0.999, len(c)), "eps": rng.uniform(1e-8, 1e-3, len(c))}


def _rmsprop(w, g, s, lr, rho, eps):
    s_new = rho[:, None] * s + (1 - rho[:, None]) * g * g
    rate = lr[:, None] / (np.sqrt(s_new) + eps[:, None])
    return {"s_new": s_new, "rate": rate, "w_new": w - rate * g}


def _adadelta_inputs(rng, c):
    w, g, s, eta = _state(rng, c)
    return {"w": w, "g": g, "s": s, "d": rng.uniform(0, 1, w.shape), "lr": eta, "rho": rng.uniform(0, 0.999, len(c)),
            "eps": rng.uniform(1e-6, 1e-3, len(c))}


def _adadelta(w, g, s, d, lr, rho, eps):
    r, e = rho[:, None], eps[:, None]
    s_new = r * s + (1 - r) * g * g
    delta = g * np.sqrt(d + e) / np.sqrt(s_new + e)
    return {"s_new": s_new, "delta": delta, "d_new": r * d + (1 - r) * delta * delta, "w_new": w - lr[:, None] * delta}


module("nesterov")((_nesterov_inputs, _nesterov))
module("adagrad")((_adagrad_inputs, _adagrad))
module("rmsprop")((_rmsprop_inputs, _rmsprop))
module("adadelta")((_adadelta_inputs, _adadelta))


def _normalized(x, gamma, beta, g, eps):
    """Normalization over the last axis and its gradients (the classic three-term backward)."""
    n = x.shape[-1]
    mu = x.mean(axis=-1)
    var = ((x - mu[:, None]) ** 2).mean(axis=-1)
    sd = np.sqrt(var + eps)
    x_hat = (x - mu[:, None]) / sd[:, None]
    dxh = g * gamma
    dx = (dxh - dxh.sum(-1, keepdims=True) / n - x_hat * (dxh * x_hat).sum(-1, keepdims=True) / n) / sd[:, None]
    y = gamma * x_hat + beta
    return {"mu": mu, "var": var, "sd": sd, "x_hat": x_hat, "y": y, "L": np.sum(g * y, axis=-1), "dL/dx_hat": dxh,
            "dL/dx": dx}


def _layer_norm_inputs(rng, c):
    n = len(c)
    return {"x": c[:, :4] * rng.uniform(0.5, 1.5, (n, 4)), "gamma": rng.normal(size=(n, 4)),
            "beta": rng.normal(size=(n, 4)), "g": rng.normal(size=(n, 4)), "eps": rng.uniform(1e-5, 1e-2, n)}


def _layer_norm(x, gamma, beta, g, eps):
    out = _normalized(x, gamma, beta, g, eps)
    return {**out, "dL/dgamma": g * out["x_hat"], "dL/dbeta": g}


def _batch_norm_inputs(rng, c):
    n = len(c)
    return {"x": c[:, :4] * rng.uniform(0.5, 1.5, (n, 4)), "gamma": rng.normal(size=n), "beta": rng.normal(size=n),
            "g": rng.normal(size=(n, 4)), "eps": rng.uniform(1e-5, 1e-2, n), "running_mean": rng.normal(size=n),
            "running_var": rng.uniform(0, 2, n), "momentum": rng.uniform(0, 0.99, n)}


def _batch_norm(x, gamma, beta, g, eps, running_mean, running_var, momentum):
    out = _normalized(x, gamma[:, None], beta[:, None], g, eps)
    return {**out, "dL/dgamma": np.sum(g * out["x_hat"], axis=-1), "dL/dbeta": np.sum(g, axis=-1),
            "running_mean_new": (1 - momentum) * running_mean + momentum * out["mu"],
            "running_var_new": (1 - momentum) * running_var + momentum * out["var"] * 4 / 3,
            "y_test": gamma[:, None] * (x - running_mean[:, None]) / np.sqrt(running_var + eps)[:, None] + beta[:, None]}


module("layer_norm")((_layer_norm_inputs, _layer_norm))
module("batch_norm")((_batch_norm_inputs, _batch_norm))


def _image(c, side):
    """Images (n, 1, side, side) whose pixels are the scales, repeated to fill them."""
    repeats = -(-side * side // c.shape[1])
    return np.tile(c, (1, repeats))[:, :side * side].reshape(len(c), 1, side, side)


def _conv2d_inputs(rng, c):
    n = len(c)
    return {"x": _image(c, 3), "w": rng.normal(size=(n, 2, 1, 2, 2)), "b": rng.normal(size=(n, 2)),
            "g": rng.normal(size=(n, 2, 2, 2))}


def _conv2d(x, w, b, g):
    """Stride 1, no padding: the kernel's K² offsets one at a time (no BLAS: long double works)."""
    k, rows, cols = w.shape[-1], x.shape[-2] - w.shape[-1] + 1, x.shape[-1] - w.shape[-1] + 1
    y = np.zeros(g.shape, dtype=x.dtype) + b[:, :, None, None]
    dw, dx = np.zeros_like(w), np.zeros_like(x)
    for a, e in itertools.product(range(k), range(k)):
        patch = x[:, :, a:a + rows, e:e + cols]
        y += np.einsum("ncpq,nfc->nfpq", patch, w[..., a, e])
        dw[..., a, e] = np.einsum("nfpq,ncpq->nfc", g, patch)
        dx[:, :, a:a + rows, e:e + cols] += np.einsum("nfpq,nfc->ncpq", g, w[..., a, e])
    g_full = np.pad(g, [(0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)])
    return {"x_pad": x, "y": y, "L": np.sum(g * y, axis=(1, 2, 3)), "dL/db": g.sum(axis=(2, 3)), "dL/dw": dw,
            "g_full": g_full, "dL/dx": dx}


def _pool_inputs(rng, c):
    return {"x": _image(c, 4), "g": rng.normal(size=(len(c), 1, 2, 2))}


def _blocks(x):
    """The 2×2 blocks of (n, 1, 4, 4) images, each flattened row by row: (n, 1, 2, 2, 4)."""
    return x.reshape(len(x), 1, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(len(x), 1, 2, 2, 4)


def _unblocked(values):
    """(n, 1, 2, 2, 4) back to (n, 1, 4, 4)."""
    return values.reshape(len(values), 1, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(len(values), 1, 4, 4)


def _max_pool2d(x, g):
    blocks = _blocks(x)
    y = blocks.max(axis=-1)
    first = blocks.argmax(axis=-1)  # ties: the first largest, as PyTorch picks
    winner = (first[..., None] == np.arange(4)).astype(x.dtype)
    return {"y": y, "L": np.sum(g * y, axis=(1, 2, 3)), "dL/dx": _unblocked(winner * g[..., None])}


def _avg_pool2d(x, g):
    y = _blocks(x).sum(axis=-1) / 4
    share = np.broadcast_to(g[..., None] / 4, g.shape + (4,))
    return {"y": y, "L": np.sum(g * y, axis=(1, 2, 3)), "dL/dx": _unblocked(share)}


module("conv2d")((_conv2d_inputs, _conv2d))
module("max_pool2d")((_pool_inputs, _max_pool2d))
module("avg_pool2d")((_pool_inputs, _avg_pool2d))


def _cnn_inputs(rng, c):
    """A 1×4×4 image and two 2×2 kernels: 3×3 maps pooled to 1×1, two numbers into the dense layer,
    whose weights carry the scales (the logits reach ±1e4)."""
    n = len(c)
    x = rng.uniform(0.5, 1.5, size=(n, 1, 4, 4))
    w = rng.uniform(0.1, 1.0, size=(n, 2, 1, 2, 2))
    return {"x": x, "w": w, "b": rng.uniform(0, 0.5, size=(n, 2)), "W_d": c[:, :6].reshape(n, 3, 2) / 4,
            "b_d": c[:, 3:6] / 10, "y": one_hot(rng, n, 3)}


def _cnn_classifier(x, w, b, W_d, b_d, y):
    z = _conv2d(x, w, b, np.zeros((len(x), 2, 3, 3), dtype=x.dtype))["y"]
    window = z[:, :, :2, :2].reshape(len(z), 2, 4)
    first = window.argmax(axis=-1)
    p = window.max(axis=-1)[:, :, None, None]
    a = np.maximum(p, 0)
    v = a.reshape(len(a), 2)
    o = mv(W_d, v) + b_d
    y_hat = softmax(o)
    d_o = y_hat - y
    d_v = mvt(W_d, d_o)
    d_a = d_v.reshape(len(d_v), 2, 1, 1)
    d_p = d_a * (p > 0)
    d_z = np.zeros_like(z)
    for n_, f in itertools.product(range(len(z)), range(2)):
        d_z[n_, f, first[n_, f] // 2, first[n_, f] % 2] = d_p[n_, f, 0, 0]
    back = _conv2d(x, w, b, d_z)
    return {"z": z, "p": p, "a": a, "v": v, "o": o, "y_hat": y_hat, "L": lse(o) - np.sum(y * o, axis=-1),
            "dL/do": d_o, "dL/dW_d": outer(d_o, v), "dL/db_d": d_o, "dL/dv": d_v, "dL/da": d_a, "dL/dp": d_p,
            "dL/dz": d_z, "dL/dw": back["dL/dw"], "dL/db": back["dL/db"], "dL/dx": back["dL/dx"]}


module("cnn_classifier")((_cnn_inputs, _cnn_classifier))


def _softmax_ce_inputs(rng, c):
    return {"o": c[:, :3], "y": one_hot(rng, len(c), 3)}


def _softmax_ce(o, y):
    return {"y_hat": softmax(o), "L": lse(o) - np.sum(o * y, axis=-1), "dL/do": softmax(o) - y}


module("softmax_ce")((_softmax_ce_inputs, _softmax_ce))


def _gan_discriminator_inputs(rng, c):
    n, d = len(c), 3
    return {"x": rng.uniform(size=(n, d)), "g": rng.uniform(size=(n, d)), "w": spread(rng, c[:, 1], (d,)),
            "b": c[:, 0], "lr": lr(rng, n)}


def _gan_discriminator(x, g, w, b, lr):
    a_real, a_fake = b + np.sum(w * x, axis=-1), b + np.sum(w * g, axis=-1)
    d_real, d_fake = -sigmoid(-a_real), sigmoid(a_fake)
    dw = d_real[:, None] * x + d_fake[:, None] * g
    return {"a_real": a_real, "a_fake": a_fake, "D_real": sigmoid(a_real), "D_fake": sigmoid(a_fake),
            "L_D": softplus(-a_real) + softplus(a_fake), "dL_D/da_real": d_real, "dL_D/da_fake": d_fake,
            "dL_D/dw": dw, "dL_D/db": d_real + d_fake, "w_new": w - lr[:, None] * dw,
            "b_new": b - lr * (d_real + d_fake)}


module("gan_discriminator")((_gan_discriminator_inputs, _gan_discriminator))


def _gan_generator_inputs(rng, c):
    n, d, z = len(c), 3, 2
    return {"z": rng.normal(size=(n, z)), "W_g": spread(rng, c[:, 1], (d, z)), "w": spread(rng, c[:, 2], (d,)),
            "b": c[:, 0], "lr": lr(rng, n)}


def _gan_generator(z, W_g, w, b, lr):
    s_g = mv(W_g, z)
    g = sigmoid(s_g)
    a = b + np.sum(w * g, axis=-1)
    d_ns = -sigmoid(-a)
    dg = d_ns[:, None] * w
    ds = dg * sigmoid_slope(s_g)
    with np.errstate(over="ignore"):
        ratio = np.exp(-a)  # beyond float64 for a < −709.8: +inf, as the true value
    return {"s_g": s_g, "g": g, "a_fake": a, "D_fake": sigmoid(a), "L_sat": -softplus(a), "L_ns": softplus(-a),
            "dL_sat/da_fake": -sigmoid(a), "dL_ns/da_fake": d_ns, "ratio": ratio, "dL_ns/dg": dg,
            "dL_ns/ds_g": ds, "dL_ns/dW_g": outer(ds, z),
            "dL_sat/dW_g": outer(-sigmoid(a)[:, None] * w * sigmoid_slope(s_g), z),
            "W_g_new": W_g - lr[:, None, None] * outer(ds, z)}


module("gan_generator")((_gan_generator_inputs, _gan_generator))


def _bernoulli_entropy(theta):
    high = theta > 0.5  # there θ − 1 and 1 − θ are exact
    log_t = np.where(high, np.log1p(np.where(high, theta - 1, 0.0)), np.log(theta))
    log_1mt = np.where(high, np.log(1 - theta), np.log1p(-theta))
    h = -theta * log_t - (1 - theta) * log_1mt
    return {"H": h, "H_bits": h / ln2(h), "dH/dtheta": log_1mt - log_t,
            "curvature": -1 / (theta * (1 - theta)), "gap": ln2(h) - h}


module("bernoulli_entropy")((lambda rng, c: {"theta": _probability(c[:, 0], 690.0)}, _bernoulli_entropy))


def _cross_entropy_kl_inputs(rng, c):
    return {"p": _distribution(rng, c[:, 0], 3, 575.0), "q": _distribution(rng, c[:, 1], 3, 575.0)}


def _cross_entropy_kl(p, q):
    lp, lq = np.log(p), np.log(q)
    h, ce = -np.sum(p * lp, axis=-1), -np.sum(p * lq, axis=-1)
    kl, kl_rev = np.sum(p * np.log(p / q), axis=-1), np.sum(q * np.log(q / p), axis=-1)  # exact where p ≈ q
    return {"I": -lp, "H": h, "CE": ce, "KL": kl, "KL_rev": kl_rev, "asym": kl - kl_rev, "H_bits": h / ln2(h),
            "CE_bits": ce / ln2(h), "KL_bits": kl / ln2(h), "dCE/dq": -p / q, "dKL/dq": -p / q}


module("cross_entropy_kl")((_cross_entropy_kl_inputs, _cross_entropy_kl))


def _jsd(p, q):
    m = (p + q) / 2
    jsd = np.sum(p * np.log(p / m), axis=-1) / 2 + np.sum(q * np.log(q / m), axis=-1) / 2
    return {"m": m, "JSD": jsd, "JSD_bits": jsd / ln2(jsd), "gap": ln2(jsd) - jsd,
            "dJSD/dp": np.log(p / m) / 2, "dJSD/dq": np.log(q / m) / 2}


module("jsd")((_cross_entropy_kl_inputs, _jsd))


def _elbo_inputs(rng, c):
    return {"p_z": _distribution(rng, c[:, 0], 3, 275.0),
            "lik": _probability(c[:, 1:2] * rng.uniform(-1, 1, size=(len(c), 3)), 275.0),
            "q": _distribution(rng, c[:, 2], 3, 275.0)}


def _elbo(p_z, lik, q):
    joint = np.log(p_z) + np.log(lik)
    log_px = lse(joint)
    log_post = joint - log_px[:, None]
    return {"p_x": np.sum(p_z * lik, axis=-1), "log_px": log_px, "post": np.exp(log_post),
            "recon": np.sum(q * np.log(lik), axis=-1), "KL_prior": np.sum(q * np.log(q / p_z), axis=-1),
            "ELBO": np.sum(q * (joint - np.log(q)), axis=-1), "KL_post": np.sum(q * np.log(q / np.exp(log_post)), axis=-1)}


module("elbo")((_elbo_inputs, _elbo))


def _gaussian_kl_inputs(rng, c):
    n = len(c)
    return {"mu_1": c[:, 0], "sigma_1": np.exp(rng.uniform(np.log(0.05), np.log(20), size=n)),
            "mu_2": c[:, 1], "sigma_2": np.exp(rng.uniform(np.log(0.05), np.log(20), size=n))}


def _gaussian_kl(mu_1, sigma_1, mu_2, sigma_2):
    u = 2 * np.log(sigma_1 / sigma_2)
    d = mu_1 - mu_2
    return {"KL": (np.expm1(u) - u) / 2 + (d / sigma_2) ** 2 / 2, "dKL/dmu_1": d / sigma_2 ** 2,
            "dKL/dsigma_1": sigma_1 / sigma_2 ** 2 - 1 / sigma_1, "dKL/dmu_2": -d / sigma_2 ** 2,
            "dKL/dsigma_2": 1 / sigma_2 - (sigma_1 ** 2 + d ** 2) / sigma_2 ** 3}


module("gaussian_kl")((_gaussian_kl_inputs, _gaussian_kl))


def _vae_kl(mu, logvar):
    with np.errstate(over="ignore"):  # e^{logvar} beyond float64 above 709.8: +inf, as the true value
        em1 = np.expm1(logvar)
        return {"KL": np.sum(em1 + mu ** 2 - logvar, axis=-1) / 2, "dKL/dmu": mu, "dKL/dlogvar": em1 / 2}


module("vae_kl")((lambda rng, c: {"mu": c[:, 0:2], "logvar": c[:, 2:4]}, _vae_kl))


def _nonzero_noise(rng, shape):
    eps = rng.normal(size=shape)
    return np.where(np.abs(eps) < 1e-3, 1e-3, eps)  # σ ε with σ = inf is defined only for ε ≠ 0


def _vae_reparam_inputs(rng, c):
    return {"mu": c[:, 0:2], "logvar": c[:, 2:4], "eps": _nonzero_noise(rng, (len(c), 2)), "y": c[:, 4:6]}


def _vae_reparam(mu, logvar, eps, y):
    with np.errstate(over="ignore"):  # σ = e^{logvar/2} and the loss beyond float64: +inf
        sigma = np.exp(logvar / 2)
        z = mu + sigma * eps
        return {"sigma": sigma, "z": z, "L": np.sum((z - y) ** 2, axis=-1) / 2, "dL/dz": z - y, "dL/dmu": z - y,
                "dL/dlogvar": (z - y) * sigma * eps / 2}


module("vae_reparam")((_vae_reparam_inputs, _vae_reparam))


def _vae_loss_inputs(rng, c):
    n, d, z = len(c), 3, 2
    x = rng.normal(size=(n, d))
    unit = x / np.sum(x * x, axis=-1, keepdims=True)
    return {"x": x, "W_mu": c[:, 0:2, None] * unit[:, None, :],
            "W_logvar": np.minimum(c[:, 2:4], 500.0)[..., None] * unit[:, None, :],
            "W_dec": rng.normal(size=(n, d, z)), "eps": rng.normal(size=(n, z))}


def _vae_loss(x, W_mu, W_logvar, W_dec, eps):
    mu, logvar = mv(W_mu, x), mv(W_logvar, x)
    sigma = np.exp(logvar / 2)
    z = mu + sigma * eps
    x_hat = mv(W_dec, z)
    rec = np.sum((x_hat - x) ** 2, axis=-1) / 2
    kl = np.sum(np.expm1(logvar) + mu ** 2 - logvar, axis=-1) / 2
    dz = mvt(W_dec, x_hat - x)
    dlogvar = dz * sigma * eps / 2 + np.expm1(logvar) / 2
    return {"mu": mu, "logvar": logvar, "sigma": sigma, "z": z, "x_hat": x_hat, "rec": rec, "KL": kl, "L": rec + kl,
            "dL/dx_hat": x_hat - x, "dL/dW_dec": outer(x_hat - x, z), "dL/dz": dz, "dL/dmu": dz + mu,
            "dL/dlogvar": dlogvar, "dL/dW_mu": outer(dz + mu, x), "dL/dW_logvar": outer(dlogvar, x)}


module("vae_loss")((_vae_loss_inputs, _vae_loss))


def _linear_mse_inputs(rng, c):
    n, d = len(c), 3
    return {"x": rng.normal(size=(n, d)), "w": spread(rng, c[:, 1], (d,)), "b": c[:, 0], "y": c[:, 2]}


def _linear_mse(x, w, b, y):
    y_hat = b + np.sum(w * x, axis=-1)
    e = y_hat - y
    return {"y_hat": y_hat, "L": e ** 2 / 2, "dL/dy_hat": e, "dL/dw": e[:, None] * x, "dL/db": e, "delta": -e}


module("linear_mse")((_linear_mse_inputs, _linear_mse))


def _linreg_inputs(rng, c):
    n, m = len(c), 4
    w = np.where(c[:, 1] == 0, 1e-3, c[:, 1]) / 100
    return {"x": rng.normal(size=(n, m)), "y": c[:, 2:3] * rng.uniform(-1, 1, size=(n, m)), "w": w, "b": c[:, 0],
            "lr": lr(rng, n), "lam": rng.uniform(0.05, 1.0, size=n)}


def _linreg(penalty, slope):
    def reference(x, y, w, b, lr, lam):
        m = x.shape[-1]
        y_hat = w[:, None] * x + b[:, None]
        e = y_hat - y
        de_dw = 2 * np.sum(x * e, axis=-1) / m
        dl_dw = de_dw + lam * slope(w)
        dl_db = 2 * np.sum(e, axis=-1) / m
        err = np.sum(e ** 2, axis=-1) / m
        out = {"y_hat": y_hat, "E": err, "R": lam * penalty(w), "L": err + lam * penalty(w), "dL/dw": dl_dw,
               "dL/db": dl_db, "w_new": w - lr * dl_dw, "b_new": b - lr * dl_db}
        return out | ({"dE/dw": de_dw} if penalty is np.square else {})
    return reference


module("l1_linreg")((_linreg_inputs, _linreg(np.abs, np.sign)))
module("l2_linreg")((_linreg_inputs, _linreg(np.square, lambda w: 2 * w)))


def _gd_inputs(rng, c):
    n = len(c)
    return {"x": np.tile(c[:, :5], 2) / 100, "y": rng.normal(size=(n, 10)), "w_0": c[:, 5] / 100,
            "b_0": rng.normal(size=n), "lr": lr(rng, n)}


def _gd_trajectories(x, y, w_0, b_0, lr):
    """Each trajectory step by step: the batch's mean squared error's gradients, then the step."""
    def steps(batches):
        w, b, out = w_0, b_0, []
        for start, stop in batches:
            e = w[:, None] * x[:, start:stop] + b[:, None] - y[:, start:stop]
            w, b = w - lr * 2 * np.mean(e * x[:, start:stop], axis=-1), b - lr * 2 * np.mean(e, axis=-1)
            out.append((w, b))
        return out + [np.mean((w[:, None] * x + b[:, None] - y) ** 2, axis=-1)]

    e0 = w_0[:, None] * x + b_0[:, None] - y
    out = {"L_0": np.mean(e0 ** 2, axis=-1), "dL_0/dw": 2 * np.mean(e0 * x, axis=-1),
           "dL_0/db": 2 * np.mean(e0, axis=-1)}
    for tag, batches in (("", [(0, 10)] * 3), ("sgd_", [(0, 1), (1, 2), (2, 3)]),
                         ("mb2_", [(0, 2), (2, 4), (4, 6)]), ("mb5_", [(0, 5), (5, 10)])):
        *points, end = steps(batches)
        for t, (w, b) in enumerate(points, 1):
            out[f"w_{tag}{t}"], out[f"b_{tag}{t}"] = w, b
        out[f"L_{tag}end"] = end
    return out


module("gd_trajectories")((_gd_inputs, _gd_trajectories))


def _weight_init_inputs(rng, c):
    n = len(c)
    return {"w": c[:, :4] / 100, "x": rng.normal(size=(n, 4)), "var_w": rng.uniform(0.01, 2, n),
            "var_x": rng.uniform(0.01, 2, n), "n_out": rng.integers(1, 500, n).astype(float)}


def _weight_init(w, x, var_w, var_x, n_out):
    n_in = w.shape[-1]
    var_s = n_in * var_w * var_x
    ones = np.ones_like(var_w)
    return {"s": np.sum(w * x, axis=-1), "var_s": var_s, "m2_relu": var_s / 2, "var_xavier": 2 / (n_in + n_out),
            "limit_xavier": np.sqrt(6 / (n_in + n_out)), "var_he": 2 / n_in * ones,
            "std_he": np.sqrt(2 / n_in) * ones, "m2_he": var_x}


module("weight_init")((_weight_init_inputs, _weight_init))


def _chain_inputs(rng, c):
    x = rng.uniform(0.2, 2.0, size=len(c)) * rng.choice([-1.0, 1.0], size=len(c))
    return {"x": x, "y": rng.uniform(size=len(c)), "w_1": c[:, 0] / x, "w_2": c[:, 1] * rng.uniform(1, 2, len(c)),
            "w_3": c[:, 2] * rng.uniform(1, 2, len(c))}


def _chain(residual):
    def reference(x, y, w_1, w_2, w_3):
        s_1 = w_1 * x
        a_1 = sigmoid(s_1)
        s_2 = a_1 * w_2
        f_2 = sigmoid(s_2)
        a_2 = a_1 + f_2 if residual else f_2
        s_3 = a_2 * w_3
        y_hat = sigmoid(s_3)
        dy = 2 * (y_hat - y)
        ds_3 = dy * sigmoid_slope(s_3)
        da_2 = ds_3 * w_3
        ds_2 = da_2 * sigmoid_slope(s_2)
        da_1 = ds_2 * w_2 + (da_2 if residual else 0)
        ds_1 = da_1 * sigmoid_slope(s_1)
        out = {"s_1": s_1, "a_1": a_1, "s_2": s_2, "a_2": a_2, "s_3": s_3, "y_hat": y_hat, "L": (y_hat - y) ** 2,
               "dL/dy_hat": dy, "dL/ds_3": ds_3, "dL/dw_3": ds_3 * a_2, "dL/da_2": da_2, "dL/ds_2": ds_2,
               "dL/dw_2": ds_2 * a_1, "dL/da_1": da_1, "dL/ds_1": ds_1, "dL/dw_1": ds_1 * x, "dL/dx": ds_1 * w_1}
        return out | ({"F_2": f_2} if residual else {})
    return reference


module("deep_chain")((_chain_inputs, _chain(False)))
module("residual_chain")((_chain_inputs, _chain(True)))


def _deep_chain_loop_inputs(rng, c):
    n, t = len(c), 3
    return {"w": c[:, :t], "x": rng.uniform(-2, 2, size=n), "k": rng.uniform(-1, 1, size=(n, t)),
            "y": rng.uniform(-1, 2, size=n)}


def _deep_chain_loop(w, x, k, y):
    steps = w.shape[1]
    a, before, s, after = x, [], [], []
    for t in range(steps):
        before.append(a)
        s.append(a * w[:, t])
        a = sigmoid(s[-1]) + a * k[:, t]
        after.append(a)
    a_steps = np.stack(after, axis=1)
    da = 2 * (a - y)
    da_steps, dw_steps = [None] * steps, [None] * steps
    for t in reversed(range(steps)):
        da_steps[t] = da
        ds = da * sigmoid_slope(s[t])
        dw_steps[t] = before[t] * ds
        da = da * k[:, t] + ds * w[:, t]
    return {"y_hat": a, "L": (a - y) ** 2, "a": a_steps, "dL/da": np.stack(da_steps, axis=1),
            "dL/dw": np.stack(dw_steps, axis=1), "dL/dx": da}


module("deep_chain_loop")((_deep_chain_loop_inputs, _deep_chain_loop))


def _autoencoder_inputs(rng, c):
    n, d, h = len(c), 3, 2
    return {"x": rng.uniform(size=(n, d)), "W_enc": spread(rng, c[:, 0], (h, d)),
            "W_dec": spread(rng, c[:, 1], (d, h)), "lr": lr(rng, n)}


def _autoencoder(x, W_enc, W_dec, lr):
    d = x.shape[-1]
    s_enc = mv(W_enc, x)
    z = sigmoid(s_enc)
    s_dec = mv(W_dec, z)
    x_hat = sigmoid(s_dec)
    dx_hat = 2 * (x_hat - x) / d
    ds_dec = dx_hat * sigmoid_slope(s_dec)
    dz = mvt(W_dec, ds_dec)
    ds_enc = dz * sigmoid_slope(s_enc)
    return {"s_enc": s_enc, "z": z, "s_dec": s_dec, "x_hat": x_hat, "L": np.sum((x_hat - x) ** 2, axis=-1) / d,
            "dL/dx_hat": dx_hat, "dL/ds_dec": ds_dec, "dL/dW_dec": outer(ds_dec, z), "dL/dz": dz,
            "dL/ds_enc": ds_enc, "dL/dW_enc": outer(ds_enc, x),
            "W_dec_new": W_dec - lr[:, None, None] * outer(ds_dec, z),
            "W_enc_new": W_enc - lr[:, None, None] * outer(ds_enc, x)}


module("autoencoder")((_autoencoder_inputs, _autoencoder))


def _attention_inputs(rng, c):
    n, t, d = len(c), 3, 2
    return {"h_enc": rng.normal(size=(n, t, d)), "h_dec": spread(rng, c[:, 0], (d,)), "g": rng.normal(size=(n, d))}


def _attention(h_enc, h_dec, g):
    e = mv(h_enc, h_dec)
    alpha = softmax(e)
    dalpha = mv(h_enc, g)
    de = alpha * (dalpha - np.sum(alpha * dalpha, axis=-1, keepdims=True))
    return {"e": e, "alpha": alpha, "c": mvt(h_enc, alpha), "L": np.sum(mvt(h_enc, alpha) * g, axis=-1),
            "dL/dalpha": dalpha, "dL/de": de, "dL/dh_dec": mvt(h_enc, de),
            "dL/dh_enc": outer(alpha, g) + outer(de, h_dec)}


module("attention")((_attention_inputs, _attention))


# -- attention, graphs, word2vec, positional encoding, GAN theory (issue 15) ------------------------

def mm(a, b):
    """Batched matrix products (einsum: no BLAS, so long double works)."""
    return np.einsum("...ij,...jk->...ik", a, b)


def tr(a):
    return np.swapaxes(a, -1, -2)


def _attention_core(Q, K, V, G):
    """Scores, weights, output, loss and the gradients of scaled dot-product attention."""
    scale = np.sqrt(Q.dtype.type(Q.shape[-1]))
    S = mm(Q, tr(K)) / scale
    A = softmax(S)
    Z = mm(A, V)
    dA = mm(G, tr(V))
    dS = A * (dA - np.sum(A * dA, axis=-1, keepdims=True))
    return {"S": S, "A": A, "Z": Z, "L": np.sum(G * Z, axis=(-1, -2)), "dL/dA": dA, "dL/dV": mm(tr(A), G),
            "dL/dS": dS, "dL/dQ": mm(dS, K) / scale, "dL/dK": mm(tr(dS), Q) / scale}


def _sdpa_inputs(rng, c):
    n = len(c)
    return {"Q": c[:, 0, None, None] * rng.uniform(-1, 1, size=(n, 3, 2)), "K": rng.uniform(-1, 1, size=(n, 3, 2)),
            "V": rng.normal(size=(n, 3, 2)), "G": rng.normal(size=(n, 3, 2))}


module("scaled_dot_product_attention")((_sdpa_inputs, _attention_core))


def _projected_inputs(rng, c, queries=3, keys=3):
    n = len(c)
    inputs = {"X": rng.uniform(-1, 1, size=(n, queries, 2)), "W_Q": spread(rng, c[:, 0], (2, 2)),
              "W_K": rng.uniform(-1, 1, size=(n, 2, 2)), "W_V": rng.normal(size=(n, 2, 2)),
              "G": rng.normal(size=(n, queries, 2))}
    if keys:
        inputs["H"] = rng.uniform(-1, 1, size=(n, keys, 2))
    return inputs


def _self_attention(X, W_Q, W_K, W_V, G):
    Q, K, V = mm(X, W_Q), mm(X, W_K), mm(X, W_V)
    out = {"Q": Q, "K": K, "V": V, **_attention_core(Q, K, V, G)}
    out.update({"dL/dW_Q": mm(tr(X), out["dL/dQ"]), "dL/dW_K": mm(tr(X), out["dL/dK"]),
                "dL/dW_V": mm(tr(X), out["dL/dV"]),
                "dL/dX": mm(out["dL/dQ"], tr(W_Q)) + mm(out["dL/dK"], tr(W_K)) + mm(out["dL/dV"], tr(W_V))})
    return out


def _cross_attention(X, H, W_Q, W_K, W_V, G):
    Q, K, V = mm(X, W_Q), mm(H, W_K), mm(H, W_V)
    out = {"Q": Q, "K": K, "V": V, **_attention_core(Q, K, V, G)}
    out.update({"dL/dW_Q": mm(tr(X), out["dL/dQ"]), "dL/dW_K": mm(tr(H), out["dL/dK"]),
                "dL/dW_V": mm(tr(H), out["dL/dV"]), "dL/dX": mm(out["dL/dQ"], tr(W_Q)),
                "dL/dH": mm(out["dL/dK"], tr(W_K)) + mm(out["dL/dV"], tr(W_V))})
    return out


module("self_attention")((lambda rng, c: _projected_inputs(rng, c, keys=0), _self_attention))
module("cross_attention")((lambda rng, c: _projected_inputs(rng, c, queries=2, keys=3), _cross_attention))


def _multihead_inputs(rng, c):
    n = len(c)
    inputs = {"X": rng.uniform(-1, 1, size=(n, 3, 2))}
    for h, scale in (("_1", c[:, 0]), ("_2", c[:, 1])):
        inputs.update({f"W_Q{h}": spread(rng, scale, (2, 1)) * 2, f"W_K{h}": rng.uniform(-1, 1, size=(n, 2, 1)),
                       f"W_V{h}": rng.normal(size=(n, 2, 1))})
    return {**inputs, "W_O": rng.normal(size=(n, 2, 2)), "G": rng.normal(size=(n, 3, 2))}


def _multihead_attention(X, W_O, G, **w):
    out, heads = {}, []
    for h in ("_1", "_2"):
        Q, K, V = mm(X, w["W_Q" + h]), mm(X, w["W_K" + h]), mm(X, w["W_V" + h])
        heads.append(_attention_core(Q, K, V, np.zeros_like(V)))
        out.update({"Q" + h: Q, "K" + h: K, "V" + h: V, "S" + h: heads[-1]["S"], "A" + h: heads[-1]["A"],
                    "Z" + h: heads[-1]["Z"]})
    Z_cat = np.concatenate([out["Z_1"], out["Z_2"]], axis=-1)
    O = mm(Z_cat, W_O)
    dZ_cat = mm(G, tr(W_O))
    out.update({"Z_cat": Z_cat, "O": O, "L": np.sum(G * O, axis=(-1, -2)), "dL/dW_O": mm(tr(Z_cat), G),
                "dL/dZ_cat": dZ_cat})
    dX = np.zeros_like(X)
    for n_, h in enumerate(("_1", "_2")):
        dZ = dZ_cat[..., n_:n_ + 1]
        back = _attention_core(out["Q" + h], out["K" + h], out["V" + h], dZ)
        out["dL/dZ" + h] = dZ
        for key in ("A", "S", "Q", "K", "V"):
            out[f"dL/d{key}{h}"] = back[f"dL/d{key}"]
        for letter in "QKV":
            out[f"dL/dW_{letter}{h}"] = mm(tr(X), back[f"dL/d{letter}"])
            dX = dX + mm(back[f"dL/d{letter}"], tr(w[f"W_{letter}{h}"]))
    out["dL/dX"] = dX
    return out


module("multihead_attention")((_multihead_inputs, _multihead_attention))


def _gcn_inputs(rng, c):
    n = len(c)
    A = np.triu(rng.integers(0, 2, size=(n, 4, 4)).astype(float), 1)
    return {"A": A + tr(A), "H": rng.uniform(-1, 1, size=(n, 4, 2)), "W": spread(rng, c[:, 0], (2, 3)) * 4,
            "y": one_hot(rng, n, 3)}


def _gcn(A, H, W, y):
    A_tilde = A + np.eye(A.shape[-1], dtype=A.dtype)
    d = A_tilde.sum(axis=-1)
    A_hat = A_tilde / np.sqrt(d[..., :, None] * d[..., None, :])
    M = mm(A_hat, H)
    P = mm(M, W)
    H_out = np.maximum(P, 0)
    r = H_out.sum(axis=-2)
    y_hat = softmax(r)
    dr = y_hat - y
    dH_out = np.broadcast_to(dr[..., None, :], P.shape)
    dP = dH_out * (P > 0)
    return {"A_tilde": A_tilde, "d": d, "A_hat": A_hat, "M": M, "P": P, "H_out": H_out, "r": r, "y_hat": y_hat,
            "L": lse(r) - np.sum(y * r, axis=-1), "dL/dr": dr, "dL/dH_out": dH_out, "dL/dP": dP,
            "dL/dW": mm(tr(M), dP), "dL/dH": mm(tr(A_hat), mm(dP, tr(W)))}


module("gcn")((_gcn_inputs, _gcn))


def _embedding_inputs(rng, c, **words):
    n = len(c)
    return {**words, "W_in": rng.uniform(-1, 1, size=(n, 4, 2)), "W_out": spread(rng, c[:, 0], (2, 4)) * 4,
            "eta": lr(rng, n)}


def _embedding_tail(x, h, du, W_in, W_out, eta):
    dh = mv(W_out, du)
    dW_in, dW_out = outer(x, dh), outer(h, du)
    return {"dL/dW_out": dW_out, "dL/dh": dh, "dL/dW_in": dW_in, "W_in_new": W_in - eta[:, None, None] * dW_in,
            "W_out_new": W_out - eta[:, None, None] * dW_out}


def _rows_one_hot(rng, n, rows, k):
    return np.stack([one_hot(rng, n, k) for _ in range(rows)], axis=1)


def _word2vec_cbow(X, y, W_in, W_out, eta):
    x_bar = X.sum(axis=-2) / X.shape[-2]
    h = mvt(W_in, x_bar)
    u = mvt(W_out, h)
    y_hat = softmax(u)
    return {"x_bar": x_bar, "h": h, "u": u, "y_hat": y_hat, "L": lse(u) - np.sum(y * u, axis=-1),
            "dL/du": y_hat - y, **_embedding_tail(x_bar, h, y_hat - y, W_in, W_out, eta)}


def _word2vec_skipgram(x, Y, W_in, W_out, eta):
    h = mvt(W_in, x)
    u = mvt(W_out, h)
    y_hat = softmax(u)
    counts = Y.sum(axis=-2)
    du = Y.shape[-2] * y_hat - counts
    return {"h": h, "u": u, "y_hat": y_hat, "n_y": counts, "L": Y.shape[-2] * lse(u) - np.sum(counts * u, axis=-1),
            "dL/du": du, **_embedding_tail(x, h, du, W_in, W_out, eta)}


def _word2vec_negative_sampling(x, y, Neg, W_in, W_out, eta):
    h = mvt(W_in, x)
    u = mvt(W_out, h)
    s_pos, s_neg = np.sum(y * u, axis=-1), mv(Neg, u)
    du = (sigmoid(s_pos) - 1)[:, None] * y + mvt(Neg, sigmoid(s_neg))
    return {"h": h, "u": u, "s_pos": s_pos, "s_neg": s_neg, "L": softplus(-s_pos) + np.sum(softplus(s_neg), axis=-1),
            "dL/ds_pos": sigmoid(s_pos) - 1, "dL/ds_neg": sigmoid(s_neg), "dL/du": du,
            **_embedding_tail(x, h, du, W_in, W_out, eta)}


module("word2vec_cbow")((lambda rng, c: _embedding_inputs(rng, c, X=_rows_one_hot(rng, len(c), 2, 4),
                                                           y=one_hot(rng, len(c), 4)), _word2vec_cbow))
module("word2vec_skipgram")((lambda rng, c: _embedding_inputs(rng, c, x=one_hot(rng, len(c), 4),
                                                               Y=_rows_one_hot(rng, len(c), 2, 4)), _word2vec_skipgram))
module("word2vec_negative_sampling")((lambda rng, c: _embedding_inputs(
    rng, c, x=one_hot(rng, len(c), 4), y=one_hot(rng, len(c), 4), Neg=_rows_one_hot(rng, len(c), 2, 4)),
    _word2vec_negative_sampling))


def _positional_encoding_inputs(rng, c):
    n = len(c)
    return {"pos": np.abs(c[:, 0]), "k": np.abs(c[:, 1]), "i": rng.integers(0, 3, size=n).astype(float),
            "d": np.full(n, 6.0)}


def _positional_encoding(pos, k, i, d):
    omega = np.power(pos.dtype.type(10000), -2 * i / d)
    return {"omega": omega, "PE_sin": np.sin(omega * pos), "PE_cos": np.cos(omega * pos),
            "PE_shift_sin": np.sin(omega * (pos + k)), "PE_shift_cos": np.cos(omega * (pos + k)),
            "R_cos": np.cos(omega * k), "R_sin": np.sin(omega * k), "dPE_sin/dpos": omega * np.cos(omega * pos)}


module("positional_encoding")((_positional_encoding_inputs, _positional_encoding))


def _gan_optimum_inputs(rng, c):
    return {"p": _distribution(rng, c[:, 0], 3, 250.0), "q": _distribution(rng, c[:, 1], 3, 250.0),
            "D": _probability(c[:, 2:3] * rng.uniform(-1, 1, size=(len(c), 3)), 250.0)}


def _gan_optimum(p, q, D):
    D_star = p / (p + q)
    m = (p + q) / 2
    JSD = np.sum(p * np.log(p / m), axis=-1) / 2 + np.sum(q * np.log(q / m), axis=-1) / 2
    return {"V": np.sum(p * np.log(D), axis=-1) + np.sum(q * np.log1p(-D), axis=-1), "dV/dD": p / D - q / (1 - D),
            "D_star": D_star, "g_star": p / D_star - (p + q), "m": m, "JSD": JSD,
            "V_star": np.sum(p * np.log(D_star), axis=-1) + np.sum(q * np.log(q / (p + q)), axis=-1),
            "V_star_jsd": -np.log(p.dtype.type(4)) + 2 * JSD}


module("gan_optimum")((_gan_optimum_inputs, _gan_optimum))


def _add_norm_inputs(rng, c):
    n = len(c)
    return {"x": c[:, :4] * rng.uniform(0.5, 1, size=(n, 4)), "a": rng.normal(size=(n, 4)),
            "gamma": rng.uniform(0.5, 2, size=(n, 4)), "beta": rng.normal(size=(n, 4)), "g": rng.normal(size=(n, 4)),
            "eps": np.full(n, 1e-5)}


def _add_norm(x, a, gamma, beta, g, eps):
    r = x + a
    mu = r.mean(axis=-1)
    sd = np.sqrt(((r - mu[:, None]) ** 2).mean(axis=-1) + eps)
    z = (r - mu[:, None]) / sd[:, None]
    dz = gamma * g
    dr = (dz - dz.mean(axis=-1, keepdims=True) - z * (dz * z).mean(axis=-1, keepdims=True)) / sd[:, None]
    return {"r": r, "mu": mu, "sd": sd, "z": z, "n": gamma * z + beta, "L": np.sum(g * (gamma * z + beta), axis=-1),
            "dL/dgamma": g * z, "dL/dbeta": g, "dL/dz": dz, "dL/dr": dr, "dL/dx": dr, "dL/da": dr}


module("add_norm")((_add_norm_inputs, _add_norm))


def _feed_forward_inputs(rng, c):
    n = len(c)
    x, W_1 = aimed(rng, c[:, :3], 2)
    return {"n": x, "W_1": W_1, "b_1": np.zeros((n, 3)), "W_2": rng.normal(size=(n, 2, 3)),
            "b_2": rng.normal(size=(n, 2)), "g": rng.normal(size=(n, 2))}


def _feed_forward(n, W_1, b_1, W_2, b_2, g):
    s = mv(W_1, n) + b_1
    h = np.maximum(s, 0)
    f = mv(W_2, h) + b_2
    dh = mvt(W_2, g)
    ds = dh * (s > 0)
    return {"s": s, "h": h, "f": f, "r": n + f, "L": np.sum(g * (n + f), axis=-1), "dL/dW_2": outer(g, h),
            "dL/db_2": g, "dL/dh": dh, "dL/ds": ds, "dL/dW_1": outer(ds, n), "dL/db_1": ds, "dL/dn": g + mvt(W_1, ds)}


module("feed_forward")((_feed_forward_inputs, _feed_forward))


def _vocabulary_output_inputs(rng, c):
    n = len(c)
    x, W_o = aimed(rng, c[:, :4], 3)
    return {"n": x, "W_o": W_o, "b_o": np.zeros((n, 4)), "y": one_hot(rng, n, 4)}


def _vocabulary_output(n, W_o, b_o, y):
    o = mv(W_o, n) + b_o
    y_hat = softmax(o)
    return {"o": o, "y_hat": y_hat, "L": lse(o) - np.sum(y * o, axis=-1), "dL/do": y_hat - y,
            "dL/dW_o": outer(y_hat - y, n), "dL/db_o": y_hat - y, "dL/dn": mvt(W_o, y_hat - y)}


module("vocabulary_output")((_vocabulary_output_inputs, _vocabulary_output))


# the four heads of the MLP: (outputs K, target, head function of s_3 and y -> (y_hat, L))
_MLP_HEADS = {
    "mlp_backprop": (3, lambda rng, n, k: one_hot(rng, n, k),
                     lambda s, y: (softmax(s), lse(s) - np.sum(s * y, axis=-1))),
    "mlp_backprop_binary": (1, lambda rng, n, k: unit_target(rng, (n, k)), lambda s, y: (sigmoid(s), np.sum(_bce_head(s, y), axis=-1))),
    "mlp_backprop_multilabel": (3, lambda rng, n, k: unit_target(rng, (n, k)), lambda s, y: (sigmoid(s), np.sum(_bce_head(s, y), axis=-1))),
    "mlp_backprop_regression": (3, lambda rng, n, k: rng.uniform(-1, 1, (n, k)) * 100,
                                lambda s, y: (s, np.sum((s - y) ** 2, axis=-1) / 2)),
}


def _mlp(name):
    k, target, head = _MLP_HEADS[name]

    def inputs(rng, c):
        n, d, h1, h2 = len(c), 3, 2, 2
        return {"x": rng.normal(size=(n, d)), "y": target(rng, n, k),
                "W_1": spread(rng, c[:, 0], (h1, d)), "b_1": c[:, 1:2] * rng.uniform(-1, 1, (n, h1)),
                "W_2": spread(rng, c[:, 2], (h2, h1)), "b_2": c[:, 3:4] * rng.uniform(-1, 1, (n, h2)),
                "W_3": spread(rng, c[:, 4], (k, h2)), "b_3": c[:, 5:6] * rng.uniform(-1, 1, (n, k)),
                "lr": lr(rng, n)}

    def reference(x, y, W_1, b_1, W_2, b_2, W_3, b_3, lr):
        s_1 = b_1 + mv(W_1, x)
        z_1 = sigmoid(s_1)
        s_2 = b_2 + mv(W_2, z_1)
        z_2 = sigmoid(s_2)
        s_3 = b_3 + mv(W_3, z_2)
        y_hat, loss = head(s_3, y)
        ds = {3: y_hat - y}
        ds[2] = sigmoid_slope(s_2) * mvt(W_3, ds[3])
        ds[1] = sigmoid_slope(s_1) * mvt(W_2, ds[2])
        inputs_of = {1: x, 2: z_1, 3: z_2}
        weights, biases = {1: W_1, 2: W_2, 3: W_3}, {1: b_1, 2: b_2, 3: b_3}
        out = {"s_1": s_1, "z_1": z_1, "s_2": s_2, "z_2": z_2, "s_3": s_3, "y_hat": y_hat, "L": loss}
        for l in (3, 2, 1):
            dw = outer(ds[l], inputs_of[l])
            out |= {f"dL/ds_{l}": ds[l], f"dL/dW_{l}": dw, f"dL/db_{l}": ds[l],
                    f"W_{l}_new": weights[l] - lr[:, None, None] * dw, f"b_{l}_new": biases[l] - lr[:, None] * ds[l],
                    f"delta_{l}": -ds[l], f"dW_{l}": -lr[:, None, None] * dw, f"db_{l}": -lr[:, None] * ds[l]}
        return out

    return inputs, reference


for _name in _MLP_HEADS:
    module(_name)(_mlp(_name))


def _rnn_weights(rng, c, d=2, h=2, k=3):
    n = len(c)
    return {"h_0": rng.uniform(-1, 1, size=(n, h)), "U": spread(rng, c[:, 0], (h, d)),
            "W": spread(rng, c[:, 1], (h, h)), "V": spread(rng, c[:, 2], (k, h))}


def _rnn_forward(x, h_prev, U, W, V, y):
    s = mv(U, x) + mv(W, h_prev)
    h = np.tanh(s)
    o = mv(V, h)
    return s, h, o, softmax(o), lse(o) - np.sum(o * y, axis=-1)


def _rnn_bptt_inputs(rng, c):
    n = len(c)
    return {"x_1": rng.normal(size=(n, 2)), "x_2": rng.normal(size=(n, 2)), **_rnn_weights(rng, c),
            "y_1": one_hot(rng, n, 3), "y_2": one_hot(rng, n, 3)}


def _rnn_bptt(x_1, x_2, h_0, U, W, V, y_1, y_2):
    s_1, h_1, o_1, p_1, l_1 = _rnn_forward(x_1, h_0, U, W, V, y_1)
    s_2, h_2, o_2, p_2, l_2 = _rnn_forward(x_2, h_1, U, W, V, y_2)
    do_2, do_1 = p_2 - y_2, p_1 - y_1
    dh_2 = mvt(V, do_2)
    ds_2 = dh_2 * tanh_slope(s_2)
    dh_1 = mvt(V, do_1) + mvt(W, ds_2)
    ds_1 = dh_1 * tanh_slope(s_1)
    return {"s_1": s_1, "h_1": h_1, "o_1": o_1, "y_hat_1": p_1, "L_1": l_1, "s_2": s_2, "h_2": h_2, "o_2": o_2,
            "y_hat_2": p_2, "L_2": l_2, "L": l_1 + l_2, "dL/do_2": do_2, "dL/dh_2": dh_2, "dL/ds_2": ds_2,
            "dL/do_1": do_1, "dL/dh_1": dh_1, "dL/ds_1": ds_1, "dL/dV": outer(do_1, h_1) + outer(do_2, h_2),
            "dL/dW": outer(ds_1, h_0) + outer(ds_2, h_1), "dL/dU": outer(ds_1, x_1) + outer(ds_2, x_2),
            "dL/dh_0": mvt(W, ds_1)}


module("rnn_bptt")((_rnn_bptt_inputs, _rnn_bptt))


def _rnn_bptt_loop_inputs(rng, c):
    n, t = len(c), 3
    return {"x": rng.normal(size=(n, t, 2)), **_rnn_weights(rng, c),
            "y": np.stack([one_hot(rng, n, 3) for _ in range(t)], axis=1)}


def _rnn_bptt_loop(x, h_0, U, W, V, y):
    steps = x.shape[1]
    h, forward = h_0, []
    for t in range(steps):
        forward.append((h,) + _rnn_forward(x[:, t], h, U, W, V, y[:, t]))
        h = forward[-1][2]
    grads = {"dL/dU": 0.0, "dL/dW": 0.0, "dL/dV": 0.0}
    dh_steps, ds_steps, dx_steps = [None] * steps, [None] * steps, [None] * steps
    dh_next = np.zeros_like(h_0)
    for t in reversed(range(steps)):
        h_prev, s, h, _o, p, _ = forward[t]
        do = p - y[:, t]
        dh = dh_next + mvt(V, do)
        ds = dh * tanh_slope(s)
        grads["dL/dV"] = grads["dL/dV"] + outer(do, h)
        grads["dL/dW"] = grads["dL/dW"] + outer(ds, h_prev)
        grads["dL/dU"] = grads["dL/dU"] + outer(ds, x[:, t])
        dh_steps[t], ds_steps[t], dx_steps[t] = dh, ds, mvt(U, ds)
        dh_next = mvt(W, ds)
    return {"L": sum(f[5] for f in forward), **grads, "h": np.stack([f[2] for f in forward], axis=1),
            "y_hat": np.stack([f[4] for f in forward], axis=1), "dL/dh": np.stack(dh_steps, axis=1),
            "dL/ds": np.stack(ds_steps, axis=1), "dL/dx": np.stack(dx_steps, axis=1), "dL/dh_0": dh_next}


module("rnn_bptt_loop")((_rnn_bptt_loop_inputs, _rnn_bptt_loop))

GATES = ("f", "i", "c", "o")


def _lstm_weights(rng, c, d=2, h=2, k=3):
    n = len(c)
    out = {}
    for j, g in enumerate(GATES):
        out[f"W_{g}"] = spread(rng, c[:, j], (h, h + d))
        out[f"b_{g}"] = c[:, (j + 1) % COLUMNS, None] * rng.uniform(-1, 1, size=(n, h))
    return out | {"W_y": spread(rng, c[:, 4], (k, h))}


def _lstm_cell(x, h_prev, C_prev, y, w, dh_next, dC_next):
    """One LSTM step forward and backward: every quantity of the lstm_step / lstm_bptt rules."""
    hs = h_prev.shape[-1]
    z = np.concatenate([h_prev, x], axis=-1)
    s = {g: w[f"b_{g}"] + mv(w[f"W_{g}"], z) for g in GATES}
    f, i, o, c_tilde = sigmoid(s["f"]), sigmoid(s["i"]), sigmoid(s["o"]), np.tanh(s["c"])
    C = f * C_prev + i * c_tilde
    h = o * np.tanh(C)
    g = mv(w["W_y"], h)
    y_hat = softmax(g)
    l_step = lse(g) - np.sum(g * y, axis=-1)
    dg = y_hat - y
    dh = mvt(w["W_y"], dg) + dh_next
    do = dh * np.tanh(C)
    dC = dh * o * tanh_slope(C) + dC_next
    dgate = {"f": dC * C_prev, "i": dC * c_tilde, "c": dC * i, "o": do}
    ds = {g_: dgate[g_] * (tanh_slope(s[g_]) if g_ == "c" else sigmoid_slope(s[g_])) for g_ in GATES}
    dz = sum(mvt(w[f"W_{g_}"], ds[g_]) for g_ in GATES)
    out = {"z": z, **{f"s_{g_}": s[g_] for g_ in GATES}, "f": f, "i": i, "C_tilde": c_tilde, "o": o, "C": C, "h": h,
           "g": g, "y_hat": y_hat, "L": l_step + np.sum(dh_next * h, axis=-1) + np.sum(dC_next * C, axis=-1),
           "dL/dg": dg, "dL/dW_y": outer(dg, h), "dL/dh": dh, "dL/do": do, "dL/dC": dC, "dL/df": dgate["f"],
           "dL/di": dgate["i"], "dL/dC_tilde": dgate["c"], "dL/dz": dz, "dL/dh_prev": dz[:, :hs],
           "dL/dC_prev": dC * f, "dL/dx": dz[:, hs:], "L_step": l_step}
    for g_ in GATES:
        out |= {f"dL/ds_{g_}": ds[g_], f"dL/dW_{g_}": outer(ds[g_], z), f"dL/db_{g_}": ds[g_]}
    return out


def _lstm_inputs(rng, c, cell):
    n, h = len(c), 2
    out = {"x": rng.normal(size=(n, 2)), "h_prev": rng.uniform(-1, 1, size=(n, h)),
           "C_prev": c[:, 5:6] * rng.uniform(-1, 1, size=(n, h)), **_lstm_weights(rng, c), "y": one_hot(rng, n, 3)}
    if cell:
        out |= {"dh_next": rng.normal(size=(n, h)), "dC_next": rng.normal(size=(n, h))}
    return out


def _lstm_step(x, h_prev, C_prev, y, **w):
    out = _lstm_cell(x, h_prev, C_prev, y, w, 0.0, 0.0)
    del out["L_step"]
    return out


def _lstm_bptt(x, h_prev, C_prev, y, dh_next, dC_next, **w):
    return _lstm_cell(x, h_prev, C_prev, y, w, dh_next, dC_next)


module("lstm_step")((lambda rng, c: _lstm_inputs(rng, c, False), _lstm_step))
module("lstm_bptt")((lambda rng, c: _lstm_inputs(rng, c, True), _lstm_bptt))


def _lstm_bptt_loop_inputs(rng, c):
    n, t, h = len(c), 3, 2
    return {"x": rng.normal(size=(n, t, 2)), "h_0": rng.uniform(-1, 1, size=(n, h)),
            "C_0": c[:, 5:6] * rng.uniform(-1, 1, size=(n, h)), **_lstm_weights(rng, c),
            "y": np.stack([one_hot(rng, n, 3) for _ in range(t)], axis=1)}


def _lstm_bptt_loop(x, h_0, C_0, y, **w):
    steps = x.shape[1]
    states, h, C = [], h_0, C_0
    for t in range(steps):
        states.append((h, C))
        step = _lstm_cell(x[:, t], h, C, y[:, t], w, 0.0, 0.0)
        h, C = step["h"], step["C"]
    dh_next, dC_next = np.zeros_like(h_0), np.zeros_like(C_0)
    cells = [None] * steps
    for t in reversed(range(steps)):
        cells[t] = _lstm_cell(x[:, t], *states[t], y[:, t], w, dh_next, dC_next)
        dh_next, dC_next = cells[t]["dL/dh_prev"], cells[t]["dL/dC_prev"]
    summed = ["dL/dW_y"] + [f"dL/dW_{g}" for g in ("o", "f", "i", "c")] + [f"dL/db_{g}" for g in ("o", "f", "i", "c")]
    stacked = ("h", "C", "f", "y_hat", "dL/dh", "dL/dC", "dL/dx")
    return {"L": sum(cell["L_step"] for cell in cells), **{q: sum(cell[q] for cell in cells) for q in summed},
            **{q: np.stack([cell[q] for cell in cells], axis=1) for q in stacked},
            "dL/dh_0": dh_next, "dL/dC_0": dC_next}


module("lstm_bptt_loop")((_lstm_bptt_loop_inputs, _lstm_bptt_loop))


# seq2seq: the encoder is the LSTM cell without an output (W_y = 0 sends nothing back through g)
ENCODER_ONLY = ("g", "y_hat", "L_step", "dL/dg", "dL/dW_y")


def _encoder_cell(x, h_prev, C_prev, w, dh_next, dC_next):
    n = x.shape[0]
    w = dict(w, W_y=np.zeros((n, 1, h_prev.shape[-1]), dtype=x.dtype))
    out = _lstm_cell(x, h_prev, C_prev, np.ones((n, 1), dtype=x.dtype), w, dh_next, dC_next)
    return {q: v for q, v in out.items() if q not in ENCODER_ONLY}


def _seq2seq_inputs(rng, c):
    n, h = len(c), 2
    return {"x": rng.normal(size=(n, 2)), "h_prev": rng.uniform(-1, 1, size=(n, h)),
            "C_prev": c[:, 5:6] * rng.uniform(-1, 1, size=(n, h)), "dh_next": rng.normal(size=(n, h)),
            "dC_next": rng.normal(size=(n, h)),
            **{k: v for k, v in _lstm_weights(rng, c).items() if k != "W_y"}}


def _seq2seq(x, h_prev, C_prev, dh_next, dC_next, **w):
    return _encoder_cell(x, h_prev, C_prev, w, dh_next, dC_next)


module("seq2seq")((_seq2seq_inputs, _seq2seq))


def _seq2seq_loop_inputs(rng, c):
    n, t, h = len(c), 3, 2
    decoder = _lstm_bptt_loop_inputs(rng, c[:, ::-1])
    return {"x": rng.normal(size=(n, t, 2)), "h_0": rng.uniform(-1, 1, size=(n, h)),
            "C_0": c[:, 5:6] * rng.uniform(-1, 1, size=(n, h)),
            **{k: v for k, v in _lstm_weights(rng, c).items() if k != "W_y"},
            **{f"{k}_dec": v for k, v in decoder.items() if k not in ("h_0", "C_0")}}


def _seq2seq_loop(x, h_0, C_0, **w):
    encoder = {k: v for k, v in w.items() if not k.endswith("_dec")}
    decoder = {k[:-len("_dec")]: v for k, v in w.items() if k.endswith("_dec")}
    steps = x.shape[1]
    states, h, C = [], h_0, C_0
    for t in range(steps):
        states.append((h, C))
        step = _encoder_cell(x[:, t], h, C, encoder, 0.0, 0.0)
        h, C = step["h"], step["C"]
    decoded = _lstm_bptt_loop(h_0=h, C_0=C, **decoder)
    dh_next, dC_next = decoded["dL/dh_0"], decoded["dL/dC_0"]
    cells = [None] * steps
    for t in reversed(range(steps)):
        cells[t] = _encoder_cell(x[:, t], *states[t], encoder, dh_next, dC_next)
        dh_next, dC_next = cells[t]["dL/dh_prev"], cells[t]["dL/dC_prev"]
    summed = [f"dL/dW_{g}" for g in ("o", "f", "i", "c")] + [f"dL/db_{g}" for g in ("o", "f", "i", "c")]
    stacked = ("h", "C", "dL/dh", "dL/dC", "dL/dx")
    return {**{q: sum(cell[q] for cell in cells) for q in summed},
            **{q: np.stack([cell[q] for cell in cells], axis=1) for q in stacked},
            "dL/dh_0": dh_next, "dL/dC_0": dC_next,
            **{(q if q == "L" else q + "_dec"): v for q, v in decoded.items()}}


module("seq2seq_loop")((_seq2seq_loop_inputs, _seq2seq_loop))


def _seq2seq_attention_inputs(rng, c):
    n, u, d, k = len(c), 3, 2, 4
    return {"h_enc": rng.normal(size=(n, u, d)), "h_dec": spread(rng, c[:, 0], (d,)),
            "W_y": spread(rng, c[:, 1], (k, 2 * d)), "b_y": c[:, 2:3] * rng.uniform(-1, 1, size=(n, k)),
            "y": one_hot(rng, n, k)}


def _seq2seq_attention(h_enc, h_dec, W_y, b_y, y):
    d = h_dec.shape[-1]
    e = mv(h_enc, h_dec)
    alpha = softmax(e)
    c = mvt(h_enc, alpha)
    z = np.concatenate([c, h_dec], axis=-1)
    o = mv(W_y, z) + b_y
    y_hat = softmax(o)
    do = y_hat - y
    dz = mvt(W_y, do)
    dc = dz[:, :d]
    dalpha = mv(h_enc, dc)
    de = alpha * (dalpha - np.sum(alpha * dalpha, axis=-1, keepdims=True))
    return {"e": e, "alpha": alpha, "c": c, "z": z, "o": o, "y_hat": y_hat, "L": lse(o) - np.sum(y * o, axis=-1),
            "dL/do": do, "dL/dW_y": outer(do, z), "dL/db_y": do, "dL/dz": dz, "dL/dc": dc, "dL/dalpha": dalpha,
            "dL/de": de, "dL/dh_dec": dz[:, d:] + mvt(h_enc, de), "dL/dh_enc": outer(alpha, dc) + outer(de, h_dec)}


module("seq2seq_attention")((_seq2seq_attention_inputs, _seq2seq_attention))


# -- running a module and comparing -------------------------------------------------------------


def _generated(name):
    return getattr(importlib.import_module(f"derive.numpy.{name}"), name)


def _strictly(function, inputs, *, overflow_allowed=False):
    """Call with float64 errors raised (underflow excepted; overflow too where the true value
    itself overflows) and every warning an error."""
    with np.errstate(all="raise", under="ignore", over="ignore" if overflow_allowed else "raise"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(**inputs)


def _reference(name, inputs):
    """The true value of every output, as float64 (±inf where it is beyond float64), and the error
    of a float64 evaluation of the same reference formulas: per example, the largest over the
    output's components (the rounding that a straightforward float64 program cannot avoid)."""
    with np.errstate(all="raise", under="ignore"):
        true = REFERENCE[name](**{k: np.asarray(v, dtype=TRUE) for k, v in inputs.items()})
    with np.errstate(all="ignore"):
        plain = REFERENCE[name](**inputs)
        values, errors = {}, {}
        for key, value in true.items():
            value = np.asarray(value, dtype=TRUE)
            assert not np.isnan(value).any(), f"{name}: the reference of {key} is NaN (inputs out of its range)"
            values[key] = value.astype(np.float64)
            if TRUE is np.float64:  # no extended precision: 1e-13 of the largest |value| in the batch
                finite = np.isfinite(value)
                errors[key] = np.full(len(value), 1e-13 * np.max(np.abs(value[finite]), initial=0.0) / SLACK)
                continue
            error = np.abs(np.asarray(plain[key], dtype=TRUE) - value)
            error = np.where(np.isfinite(error), error, 0.0).astype(np.float64)  # no credit where float64 overflows
            errors[key] = error.reshape(len(error), -1).max(axis=1)
    return values, errors


def _rows(inputs, keep):
    return {k: v[keep] for k, v in inputs.items()}


def _describe(inputs, example) -> str:
    return ", ".join(f"{k}={np.array2string(np.asarray(v[example]), precision=17)}" for k, v in inputs.items())


def check_module(name, scales, seed):
    rng = np.random.default_rng(seed)
    with np.errstate(all="raise", under="ignore"):
        inputs = BUILD[name](rng, np.asarray(scales, dtype=float))
    reference, errors = _reference(name, inputs)
    overflows = np.zeros(len(scales), dtype=bool)  # the examples where a true value exceeds float64
    for value in reference.values():
        overflows |= np.isinf(value).reshape(len(scales), -1).any(axis=1)
    function = _generated(name)
    for allowed, rows in ((False, ~overflows), (True, overflows)):
        if not rows.any():
            continue
        part = _rows(inputs, rows)
        try:
            out = _strictly(function, part, overflow_allowed=allowed)
        except (FloatingPointError, RuntimeWarning) as error:
            raise AssertionError(f"{name}: {error} (batch of {rows.sum()} examples with scales "
                                 f"{np.asarray(scales)[rows][:4].tolist()}...)") from None
        want = _rows(reference, rows)
        assert set(out) == set(want), f"{name}: outputs {sorted(set(out) ^ set(want))} not matched by the reference"
        for key, expected in want.items():
            _compare(name, key, np.asarray(out[key], dtype=float), expected, errors[key][rows], part)


def _compare(name, key, got, want, rounding, inputs):
    """``got`` against the true ``want``: the same infinities, finite where it is finite, and within
    RTOL of it, or ``SLACK`` times the ``rounding`` of a float64 evaluation of the reference, or ATOL
    of the output's largest component (at least 1), per example."""
    assert got.shape == want.shape, f"{name}: {key} has shape {got.shape}, the reference {want.shape}"
    finite = np.isfinite(want)
    wrong = np.isfinite(got) != finite
    wrong |= ~finite & (got != want)  # ±inf: the same infinity
    error = np.abs(np.where(finite, got, 0) - np.where(finite, want, 0))
    per_example = (-1,) + (1,) * (want.ndim - 1)
    size = np.maximum(np.abs(np.where(finite, want, 0)).reshape(len(want), -1).max(axis=1, initial=0.0), 1.0)
    allowed = RTOL * np.abs(np.where(finite, want, 0)) + SLACK * rounding.reshape(per_example) \
        + ATOL * size.reshape(per_example) + TINY
    wrong |= error > allowed
    if wrong.any():
        example = int(np.argwhere(wrong.reshape(len(wrong), -1).any(axis=1))[0, 0])
        raise AssertionError(f"{name}: {key} = {got[example]!r}, expected {want[example]!r} (a float64 evaluation "
                             f"of the reference is off by {rounding[example]:.3g}) at {_describe(inputs, example)}")


# -- the tests ----------------------------------------------------------------------------------


def test_every_module_is_covered():
    """Every module of derive.numpy has a builder and a reference here: none is left out."""
    assert sorted(BUILD) == MODULES == sorted(REFERENCE)


def _corner_grid() -> np.ndarray:
    """Every pair of corners for the first two scales, the others the corners rolled."""
    pairs = np.array(list(itertools.product(CORNERS, repeat=2)))
    columns = [pairs[:, 0], pairs[:, 1]] + [np.roll(pairs[:, j % 2], 3 * j + 1) for j in range(2, COLUMNS)]
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("name", MODULES)
def test_corners(name):
    check_module(name, _corner_grid(), seed=0)


LOGITS = st.one_of(st.sampled_from(CORNERS), st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False))


@pytest.mark.parametrize("name", MODULES)
@settings(max_examples=30, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(scales=arrays(np.float64, (6, COLUMNS), elements=LOGITS), seed=st.integers(0, 2 ** 32 - 1))
def test_random_extremes(name, scales, seed):
    check_module(name, scales, seed)


# -- a few scalar points against the definitions as written, at 4400 digits ----------------------

mpmath_points = [(s, y) for s in (-1e4, -800.0, -40.0, 40.0, 800.0, 1e4) for y in (0.0, 1.0, 0.3)]


def _exact_sigmoid_head(s: float, y: float) -> dict:
    """ŷ = σ(s), the cross-entropy −y log ŷ − (1 − y) log(1 − ŷ) and the squared error, literally."""
    with mpmath.workdps(4400):
        s_, y_ = mpmath.mpf(s), mpmath.mpf(y)
        y_hat = 1 / (1 + mpmath.exp(-s_))
        return {"y_hat": float(y_hat), "L_ce": float(-y_ * mpmath.log(y_hat) - (1 - y_) * mpmath.log(1 - y_hat)),
                "L_mse": float((y_hat - y_) ** 2 / 2), "dL_ce/ds": float(y_hat - y_),
                "dL_mse/ds": float((y_hat - y_) * y_hat * (1 - y_hat)), "ratio": float(y_hat * (1 - y_hat))}


def test_ce_vs_mse_and_perceptron_against_the_definitions():
    s = np.array([p[0] for p in mpmath_points])
    y = np.array([p[1] for p in mpmath_points])
    ours = _strictly(_generated("ce_vs_mse"), {"s": s, "y": y})
    perceptron = _strictly(_generated("perceptron"), {"x": s[:, None], "w": np.ones((len(s), 1)), "y": y,
                                                       "lr": np.full(len(s), 0.1)})
    reference = _reference("ce_vs_mse", {"s": s, "y": y})[0]
    for n, (s_n, y_n) in enumerate(mpmath_points):
        exact = _exact_sigmoid_head(s_n, y_n)
        for key, value in exact.items():
            # differences below float64's resolution of terms of order 1 (σ(40) − 1) are rounding
            assert ours[key][n] == pytest.approx(value, rel=1e-12, abs=1e-16), (key, s_n, y_n)
            assert reference[key][n] == pytest.approx(value, rel=1e-12, abs=1e-16), (key, s_n, y_n)
        assert perceptron["E"][n] == pytest.approx(exact["L_ce"], rel=1e-12, abs=1e-300), (s_n, y_n)
        assert perceptron["dE/ds"][n] == pytest.approx(exact["dL_ce/ds"], rel=1e-12, abs=1e-16), (s_n, y_n)


# -- the generator's rewrites are identities --------------------------------------------------------


@pytest.mark.parametrize("unstable, stable", IDENTITIES, ids=lambda e: str(e))
def test_every_rewrite_of_the_generator_is_an_identity(unstable, stable):
    """Each equation that derive/codegen/stable.py substitutes, proven by SymPy for every real
    value of its variable: for t > 0 and t < 0 apart where |t| appears (and at 0 by continuity,
    checked in numbers)."""
    difference = to_elementary(unstable - stable).replace(lambda n: isinstance(n, log1p),
                                                          lambda n: sp.log(1 + n.args[0]))
    if difference == 0:  # log1p(u) is log(1 + u) by definition
        return
    (variable,) = difference.free_symbols
    positive = sp.Symbol("p", positive=True)
    for sign in (1, -1) if difference.has(sp.Abs) else (1,):
        case = difference.subs(variable, sign * positive) if difference.has(sp.Abs) else difference
        case = sp.simplify(sp.expand_log(case, force=True))
        assert case == 0 or sp.simplify(case.rewrite(sp.exp)) == 0, (sign, case)
    for value in (sp.Rational(-7, 2), sp.Rational(-1, 4), 0, sp.Rational(3, 4), 2):
        assert abs(complex(difference.subs(variable, value).evalf(30))) < 1e-25
