"""Generative models and information theory: the KL integral, stability, GAN gradients, the coin,
and (when torch is installed) every generated gradient against PyTorch autograd."""

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from derive.engine.verify import verify_rule
from derive.numpy import (
    autoencoder, bernoulli_entropy, cross_entropy_kl, elbo, gan_discriminator, gan_generator, gaussian_kl,
    jsd, vae_kl, vae_loss, vae_reparam,
)
from derive.registry import rules

RNG_SEED = 20240


def _quadrature_kl(mean_q, std_q, mean_p=0.0, std_p=1.0) -> float:
    """KL(N(mean_q, std_q²) ‖ N(mean_p, std_p²)) = ∫ q log(q/p) dx, by mpmath's quadrature."""
    def density(x, mean, std):
        return mpmath.exp(-(x - mean) ** 2 / (2 * std ** 2)) / (std * mpmath.sqrt(2 * mpmath.pi))

    def integrand(x):
        q = density(x, mean_q, std_q)
        return q * (mpmath.log(q) - mpmath.log(density(x, mean_p, std_p))) if q > 0 else mpmath.mpf(0)

    with mpmath.workdps(30):
        return float(mpmath.quad(integrand, [-mpmath.inf, mean_q - 10 * std_q, mean_q, mean_q + 10 * std_q,
                                             mpmath.inf]))


# -- the KL term: closed form against the definition ------------------------------------

def test_vae_kl_closed_form_equals_quadrature_of_the_definition():
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(12):
        mean, std = rng.normal(0.0, 1.5), rng.uniform(0.2, 3.0)
        by_quadrature = _quadrature_kl(mean, std)
        generated = vae_kl(mu=[[mean]], logvar=[[math.log(std ** 2)]])["KL"][0]
        assert generated == pytest.approx(by_quadrature, rel=1e-10, abs=1e-12), (mean, std)


def test_gaussian_kl_closed_form_equals_quadrature_of_the_definition():
    rng = np.random.default_rng(RNG_SEED + 1)
    for _ in range(8):
        m1, m2 = rng.normal(0.0, 1.0, size=2)
        s1, s2 = rng.uniform(0.3, 2.5, size=2)
        generated = gaussian_kl(mu_1=[m1], sigma_1=[s1], mu_2=[m2], sigma_2=[s2])["KL"][0]
        assert generated == pytest.approx(_quadrature_kl(m1, s1, m2, s2), rel=1e-10, abs=1e-12)


def test_gaussian_kl_against_the_standard_normal_is_the_vae_term():
    rng = np.random.default_rng(RNG_SEED + 2)
    mu, logvar = rng.normal(size=(6, 1)), rng.normal(size=(6, 1))
    general = gaussian_kl(mu_1=mu[:, 0], sigma_1=np.exp(logvar[:, 0] / 2), mu_2=np.zeros(6), sigma_2=np.ones(6))
    np.testing.assert_allclose(general["KL"], vae_kl(mu=mu, logvar=logvar)["KL"], rtol=1e-12)


def test_the_kl_derivation_integrates_and_the_integral_step_is_proven_by_quadrature():
    rule = rules()["vae_kl"]
    (derivation,) = [d for d in rule.derivations if d.target == "KL"]
    has_integral = [step.rhs.has(sp.Integral) or (step.lhs is not None and step.lhs.has(sp.Integral))
                    for step in derivation.steps]
    assert has_integral[0] and not has_integral[-1], "the chain must start from the integral and end without it"
    report = verify_rule(rule)
    assert report.ok, [c.describe() for c in report.failures]
    integration_step = has_integral.index(False) + 1  # the first step whose right side is evaluated
    methods = report.step_methods("KL")[integration_step]
    assert any("quadrature" in m for m in methods), methods
    assert "SymPy integrates" in derivation.steps[integration_step - 1].why


def test_the_quadrature_refuses_a_wrong_closed_form():
    from derive.engine.realize import Realizer
    from derive.engine.verify import _prove
    from derive.rules import _gaussian
    from derive.symbolic.arrays import Total

    rule = rules()["vae_kl"]
    mu, logvar = rule.symbol("mu"), rule.symbol("logvar")
    realizer = Realizer(rule, {"Z": 2})
    second_moment = realizer(Total(_gaussian.integral(_gaussian.x ** 2, mu, sp.exp(logvar / 2))))
    right, wrong = Total(mu ** 2 + sp.exp(logvar)), Total(mu ** 2 + sp.exp(logvar / 2))
    assert _prove(rule, realizer, second_moment, realizer(right), 1.0).ok
    assert not _prove(rule, realizer, second_moment, realizer(wrong), 1.0).ok


def test_show_vae_kl_prints_the_integration_steps_with_reasons(capsys):
    pytest.importorskip("derive.cli.show")
    from derive.cli.main import main

    assert main(["show", "vae_kl"]) == 0
    out = capsys.readouterr().out
    assert "int_{x=-oo..oo}" in out
    assert "SymPy integrates the Gaussian moments" in out
    assert "linearity of the integral" in out
    assert "quadrature" in out


# -- stability ---------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (4, 6), elements=st.floats(-1e3, 1e3)),
       arrays(np.float64, (4, 6), elements=st.floats(-700.0, 700.0)))
def test_vae_kl_is_finite_and_non_negative_up_to_logvar_700(mu, logvar):
    # Underflow is allowed: the square of a subnormal μ rounds to 0, harmlessly.
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        out = vae_kl(mu=mu, logvar=logvar)
    for name, value in out.items():
        assert np.all(np.isfinite(value)), name
    assert np.all(out["KL"] >= 0.0)


def test_vae_kl_at_the_extremes():
    logvar = np.array([[700.0, -700.0, 0.0, 1e-17, -1e-17, 1e-300]])
    with np.errstate(all="raise"):
        out = vae_kl(mu=np.zeros_like(logvar), logvar=logvar)
    # ½(e^700 − 1 − 700) + ½(e^-700 − 1 + 700) + tiny terms: e^700 dominates.
    assert out["KL"][0] == pytest.approx(0.5 * (math.exp(700.0) + 700.0 - 700.0 - 2.0), rel=1e-12)
    np.testing.assert_allclose(out["dKL/dlogvar"][0, 2:], [0.0, 5e-18, -5e-18, 5e-301], rtol=1e-12)
    full = np.full((2, 64), 700.0)  # Z = 64 terms of e^700/2 still fit in float64
    assert np.all(np.isfinite(vae_kl(mu=np.zeros_like(full), logvar=full)["KL"]))


def test_vae_kl_is_never_negative_from_rounding():
    rng = np.random.default_rng(RNG_SEED + 3)
    for scale in (1e-20, 1e-12, 1e-8, 1e-4):
        logvar = rng.normal(size=(20000, 8)) * scale
        mu = rng.normal(size=logvar.shape) * scale
        assert vae_kl(mu=mu, logvar=logvar)["KL"].min() >= 0.0


def test_gaussian_kl_is_never_negative_for_nearly_equal_gaussians():
    rng = np.random.default_rng(RNG_SEED + 4)
    sigma = rng.uniform(0.1, 10.0, size=20000)
    near = sigma * (1 + rng.normal(size=sigma.size) * 1e-9)
    mu = rng.normal(size=sigma.size)
    out = gaussian_kl(mu_1=mu, sigma_1=near, mu_2=mu, sigma_2=sigma)
    assert out["KL"].min() >= 0.0


@pytest.mark.parametrize("logit", [-700.0, -40.0, 0.0, 40.0, 700.0])
def test_gan_losses_never_take_log_of_zero(logit):
    g = np.array([[0.3, 0.6, 0.1]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        gen = gan_generator(z=np.zeros((1, 2)), W_g=np.zeros((1, 3, 2)), w=np.zeros((1, 3)), b=[logit], lr=[0.1])
        dis = gan_discriminator(x=g, g=g, w=np.zeros((1, 3)), b=[logit], lr=[0.1])
    for out in (gen, dis):
        for name, value in out.items():
            assert np.all(np.isfinite(value)), (logit, name)
    assert gen["L_ns"][0] == pytest.approx(math.log1p(math.exp(-logit)) if logit > -50 else -logit, rel=1e-12)
    assert gen["L_sat"][0] == pytest.approx(-math.log1p(math.exp(logit)) if logit < 50 else -logit, rel=1e-12)


def test_gan_losses_stay_finite_beyond_the_float_range_of_the_ratio():
    with np.errstate(divide="raise", invalid="raise", over="ignore"):
        out = gan_generator(z=np.zeros((1, 2)), W_g=np.zeros((1, 3, 2)), w=np.zeros((1, 3)), b=[-800.0], lr=[0.1])
    assert out["L_ns"][0] == 800.0 and out["L_sat"][0] == 0.0 and out["dL_ns/da_fake"][0] == -1.0
    assert out["ratio"][0] == math.inf  # e^{800}: the only quantity whose value is not finite


# -- GAN: why the non-saturating loss ----------------------------------------------------

def test_non_saturating_gradient_is_larger_when_the_generator_is_poor():
    logits = np.array([-8.0, -3.0, -1.0, -0.1, 0.1, 1.0, 3.0])
    n = logits.size
    out = gan_generator(z=np.ones((n, 2)), W_g=np.zeros((n, 3, 2)), w=np.zeros((n, 3)), b=logits,
                        lr=np.full(n, 0.1))
    d_fake = out["D_fake"]
    saturating, non_saturating = np.abs(out["dL_sat/da_fake"]), np.abs(out["dL_ns/da_fake"])
    poor = d_fake < 0.5
    assert np.all(non_saturating[poor] > saturating[poor])
    assert np.all(non_saturating[~poor] < saturating[~poor])
    np.testing.assert_allclose(out["ratio"], np.exp(-logits), rtol=1e-12)
    assert out["dL_sat/da_fake"][0] == pytest.approx(-1 / (1 + math.exp(8.0)))  # vanishes
    assert out["dL_ns/da_fake"][0] == pytest.approx(-1 / (1 + math.exp(-8.0)))  # stays near -1


def test_gan_rgb_toy_one_step_of_each_network():
    gen = gan_generator(z=[[1.0, -1.0]], W_g=[[[0.2, 0.4], [0.5, -0.3], [-0.1, 0.6]]], w=[[3.0, -2.0, -2.0]],
                        b=[-1.0], lr=[0.1])
    assert gen["D_fake"][0] == pytest.approx(0.1554, abs=5e-5)
    assert gen["ratio"][0] == pytest.approx(5.4362, abs=5e-5)
    # One generator step moves the colour towards red: more red, less green and blue.
    g_after = 1 / (1 + np.exp(-gen["W_g_new"][0] @ np.array([1.0, -1.0])))
    assert g_after[0] > gen["g"][0, 0] and g_after[1] < gen["g"][0, 1] and g_after[2] < gen["g"][0, 2]
    dis = gan_discriminator(x=[[1.0, 0.0, 0.0]], g=gen["g"], w=[[3.0, -2.0, -2.0]], b=[-1.0], lr=[0.1])
    assert dis["D_real"][0] == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert dis["L_D"][0] == pytest.approx(-math.log(dis["D_real"][0]) - math.log(1 - dis["D_fake"][0]))
    # One discriminator step raises its score of red and lowers its score of the fake.
    assert dis["w_new"][0, 0] > 3.0 and dis["b_new"][0] < -1.0


# -- information theory: the coin ---------------------------------------------------------

def test_coin_in_nats_and_bits():
    out = cross_entropy_kl(p=[[0.9, 0.1]], q=[[0.6, 0.4]])
    assert out["H"][0] == pytest.approx(0.325083, abs=1e-6)
    assert out["H_bits"][0] == pytest.approx(0.468996, abs=1e-6)
    assert out["CE"][0] == pytest.approx(0.551372, abs=1e-6)
    assert out["KL"][0] == pytest.approx(0.226289, abs=1e-6)
    assert out["KL_bits"][0] == pytest.approx(0.326466, abs=1e-6)
    assert out["KL_rev"][0] == pytest.approx(0.311239, abs=1e-6)  # not symmetric
    assert out["KL"][0] == pytest.approx(out["CE"][0] - out["H"][0], rel=1e-12)
    assert out["KL_bits"][0] == pytest.approx(out["KL"][0] / math.log(2), rel=1e-12)
    assert out["asym"][0] == pytest.approx(out["KL"][0] - out["KL_rev"][0], rel=1e-12)


def test_bernoulli_entropy_is_maximal_at_one_half():
    from derive.rules import bernoulli_entropy as module

    assert module.theta_star == sp.Rational(1, 2) and module.H_max == sp.log(2)
    theta = np.linspace(0.01, 0.99, 99)
    out = bernoulli_entropy(theta=theta)
    assert theta[np.argmax(out["H"])] == pytest.approx(0.5)
    assert out["H_bits"].max() == pytest.approx(1.0)
    assert np.all(out["gap"] >= -1e-15) and np.all(out["curvature"] < 0)


def test_jsd_is_symmetric_and_bounded_by_log_2():
    rng = np.random.default_rng(RNG_SEED + 5)
    p, q = rng.dirichlet(np.ones(5), size=200), rng.dirichlet(np.ones(5), size=200)
    forward, backward = jsd(p=p, q=q), jsd(p=q, q=p)
    np.testing.assert_allclose(forward["JSD"], backward["JSD"], rtol=1e-12)
    assert np.all(forward["JSD"] <= math.log(2)) and np.all(forward["JSD_bits"] <= 1.0)
    nearly_disjoint = jsd(p=[[1 - 1e-12, 1e-12]], q=[[1e-12, 1 - 1e-12]])
    assert nearly_disjoint["JSD"][0] == pytest.approx(math.log(2), rel=1e-9)


def test_elbo_plus_posterior_kl_is_the_log_evidence():
    rng = np.random.default_rng(RNG_SEED + 6)
    out = elbo(p_z=rng.dirichlet(np.ones(4), 50), lik=rng.uniform(0.01, 1, (50, 4)), q=rng.dirichlet(np.ones(4), 50))
    np.testing.assert_allclose(out["ELBO"] + out["KL_post"], out["log_px"], rtol=1e-12)
    np.testing.assert_allclose(out["recon"] - out["KL_prior"], out["ELBO"], rtol=1e-12)
    assert np.all(out["ELBO"] <= out["log_px"] + 1e-12)


# -- VAE pieces and the autoencoder -----------------------------------------------------

def test_vae_loss_is_built_from_the_kl_rule_and_the_reparameterization():
    rng = np.random.default_rng(RNG_SEED + 7)
    n, d, z = 20, 4, 3
    out = vae_loss(x=rng.normal(size=(n, d)), W_mu=rng.normal(size=(n, z, d)) / 2,
                   W_logvar=rng.normal(size=(n, z, d)) / 2, W_dec=rng.normal(size=(n, d, z)) / 2,
                   eps=rng.normal(size=(n, z)))
    kl = vae_kl(mu=out["mu"], logvar=out["logvar"])
    np.testing.assert_allclose(out["KL"], kl["KL"], rtol=1e-12)
    np.testing.assert_allclose(out["dL/dmu"], out["dL/dz"] + kl["dKL/dmu"], rtol=1e-12)
    # Through z: ∂z/∂logvar = ½ σ ⊙ ε = ½ (z − μ).
    np.testing.assert_allclose(out["dL/dlogvar"] - kl["dKL/dlogvar"], out["dL/dz"] * (out["z"] - out["mu"]) / 2,
                               rtol=1e-9, atol=1e-12)


def test_reparameterization_without_noise_sends_no_gradient_to_logvar():
    out = vae_reparam(mu=[[0.5, -1.0]], logvar=[[0.3, -2.0]], eps=[[0.0, 0.0]], y=[[1.0, 1.0]])
    np.testing.assert_array_equal(out["dL/dlogvar"], [[0.0, 0.0]])
    np.testing.assert_allclose(out["dL/dmu"], [[-0.5, -2.0]])


def test_one_autoencoder_step_lowers_the_reconstruction_error():
    inputs = {"x": [[1.0, 0.0, 1.0]], "W_enc": [[[0.1, 0.2, 0.3], [-0.2, 0.1, 0.4]]],
              "W_dec": [[[0.3, -0.1], [0.2, 0.5], [-0.4, 0.2]]], "lr": [0.5]}
    before = autoencoder(**inputs)
    after = autoencoder(**dict(inputs, W_enc=before["W_enc_new"], W_dec=before["W_dec_new"]))
    assert before["L"][0] == pytest.approx(0.2867, abs=5e-5)
    assert after["L"][0] < before["L"][0]


# -- PyTorch autograd (optional) ---------------------------------------------------------

def _torch_vae_kl(t, v):
    return {"KL": 0.5 * (v["mu"] ** 2 + t.exp(v["logvar"]) - v["logvar"] - 1).sum(-1)}


def _torch_gaussian_kl(t, v):
    return {"KL": t.log(v["sigma_2"] / v["sigma_1"])
            + (v["sigma_1"] ** 2 + (v["mu_1"] - v["mu_2"]) ** 2) / (2 * v["sigma_2"] ** 2) - 0.5}


def _torch_vae_reparam(t, v):
    z = v["mu"] + t.exp(v["logvar"] / 2) * v["eps"]
    return {"z": z, "L": 0.5 * ((z - v["y"]) ** 2).sum(-1)}


def _torch_vae_loss(t, v):
    mu = t.einsum("nzd,nd->nz", v["W_mu"], v["x"])
    logvar = t.einsum("nzd,nd->nz", v["W_logvar"], v["x"])
    z = mu + t.exp(logvar / 2) * v["eps"]
    x_hat = t.einsum("ndz,nz->nd", v["W_dec"], z)
    rec = 0.5 * ((x_hat - v["x"]) ** 2).sum(-1)
    kl = 0.5 * (mu ** 2 + t.exp(logvar) - logvar - 1).sum(-1)
    return {"mu": mu, "logvar": logvar, "z": z, "x_hat": x_hat, "L": rec + kl}


def _torch_cross_entropy_kl(t, v):
    p, q = v["p"], v["q"]
    return {"CE": -(p * t.log(q)).sum(-1), "KL": (p * t.log(p / q)).sum(-1)}


def _torch_jsd(t, v):
    p, q = v["p"], v["q"]
    m = (p + q) / 2
    return {"JSD": 0.5 * (p * t.log(p / m)).sum(-1) + 0.5 * (q * t.log(q / m)).sum(-1)}


def _torch_bernoulli_entropy(t, v):
    theta = v["theta"]
    return {"H": -theta * t.log(theta) - (1 - theta) * t.log(1 - theta)}


def _torch_gan_discriminator(t, v):
    a_real = (v["w"] * v["x"]).sum(-1) + v["b"]
    a_fake = (v["w"] * v["g"]).sum(-1) + v["b"]
    loss = -t.log(t.sigmoid(a_real)) - t.log(1 - t.sigmoid(a_fake))
    return {"a_real": a_real, "a_fake": a_fake, "L_D": loss}


def _torch_gan_generator(t, v):
    s_g = t.einsum("ndz,nz->nd", v["W_g"], v["z"])
    g = t.sigmoid(s_g)
    a_fake = (v["w"] * g).sum(-1) + v["b"]
    d_fake = t.sigmoid(a_fake)
    return {"s_g": s_g, "g": g, "a_fake": a_fake, "L_sat": t.log(1 - d_fake), "L_ns": -t.log(d_fake)}


def _torch_autoencoder(t, v):
    s_enc = t.einsum("nhd,nd->nh", v["W_enc"], v["x"])
    z = t.sigmoid(s_enc)
    s_dec = t.einsum("ndh,nh->nd", v["W_dec"], z)
    x_hat = t.sigmoid(s_dec)
    return {"s_enc": s_enc, "z": z, "s_dec": s_dec, "x_hat": x_hat, "L": ((x_hat - v["x"]) ** 2).mean(-1)}


TORCH_FORWARDS = {
    "vae_kl": _torch_vae_kl, "gaussian_kl": _torch_gaussian_kl, "vae_reparam": _torch_vae_reparam,
    "vae_loss": _torch_vae_loss, "cross_entropy_kl": _torch_cross_entropy_kl, "jsd": _torch_jsd,
    "bernoulli_entropy": _torch_bernoulli_entropy, "gan_discriminator": _torch_gan_discriminator,
    "gan_generator": _torch_gan_generator, "autoencoder": _torch_autoencoder,
}


@pytest.mark.parametrize("name", sorted(TORCH_FORWARDS))
def test_every_generated_gradient_matches_torch_autograd(name):
    torch = pytest.importorskip("torch")
    from gradcheck import generated, random_inputs

    rule = rules()[name]
    inputs = random_inputs(rule, rule.test_sizes, 6, seed=7)
    values = generated(rule)(**inputs)
    leaves = {n: torch.tensor(a, dtype=torch.float64, requires_grad=True) for n, a in inputs.items()}
    forward = TORCH_FORWARDS[name](torch, leaves)
    checked = 0
    for quantity, of, wrt in rule.gradient_quantities():
        if of not in forward or not (wrt in forward or wrt in leaves):
            continue
        source = forward[wrt] if wrt in forward else leaves[wrt]
        (by_torch,) = torch.autograd.grad(forward[of].sum(), source, retain_graph=True)
        np.testing.assert_allclose(values[quantity.name], by_torch.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name}: {quantity.name} (stage: torch autograd)")
        checked += 1
    assert checked, f"{name}: no gradient was compared with torch"
