"""KL divergence of the VAE's latent Gaussian from the standard normal (DL 101, lecture 23; the ELBO lecture).

Headline: KL = ½ Σ_z (μ_z² + σ_z² − log σ_z² − 1) with σ² = e^{logvar};
∂KL/∂μ = μ and ∂KL/∂logvar = ½(e^{logvar} − 1).

The encoder gives, for each of the Z latent dimensions, a mean μ and a
log-variance logvar = log σ², so q(z|x) = N(μ, diag σ²); the prior is p(z) = N(0, I).
Both factorize over the dimensions, so the KL is a sum of one-dimensional KLs,
each the integral ∫ q log(q/p) dx. The log of the ratio of two Gaussian densities
is a quadratic in x, so the integral needs only three Gaussian integrals, which
SymPy computes when this module is imported (nothing is typed in):
∫ q = 1, ∫ q (x − μ)² = σ², ∫ q x² = μ² + σ².

Numerically, e^{logvar} − 1 is computed as expm1(logvar): accurate for small
logvar, finite up to logvar ≈ 709, and never below logvar, so each term of the
sum is non-negative; the total is clipped at 0 all the same.
"""

from sympy import Integral, oo
from sympy.codegen.cfunctions import expm1

from derive.rules import _gaussian
from derive.rules._vocabulary import *

Z = dim("Z")
j = symbols("j", integer=True, positive=True)
x = _gaussian.x

rule = Rule(
    "vae_kl",
    "VAE: KL divergence of N(mu, exp(logvar)) from N(0, I)",
    headline="KL = 1/2 sum_z (mu^2 + exp(logvar) - logvar - 1); dKL/dmu = mu, dKL/dlogvar = (exp(logvar) - 1)/2",
    source="Deep Learning 101, lecture 23 (VAE); deep-learning course, lecture 12 (the ELBO)",
    proof_sizes=[{Z: 1}, {Z: 2}],
    test_sizes={Z: 4},
)

mu = rule.input("mu", (Z,), Real(1.0), note="encoder mean")
logvar = rule.input("logvar", (Z,), Real(1.0), note="encoder log-variance log σ²")


def kl_from_standard_normal(mean, log_variance):
    """½ Σ (μ² + σ² − log σ² − 1): the closed form this module derives, for rules built on it."""
    return Total(mean ** 2 + exp(log_variance) - log_variance - 1) / 2


def kl_stable(mean, em1, log_variance):
    """The same with e^{logvar} − 1 given as ``em1`` = expm1(logvar), clipped at 0 against rounding."""
    return Max(Total(mean ** 2 + em1 - log_variance) / 2, 0)


# Numerical stability: one expm1 serves the loss and its gradient.
em1 = rule.quantity("_em1", expm1(logvar), note="e^{logvar} − 1")

KL = rule.quantity("KL", kl_from_standard_normal(mu, logvar), stable=kl_stable(mu, em1, logvar),
                   note="KL(N(μ, σ²) ‖ N(0, I)), summed over the latent dimensions")
rule.quantity("dKL/dmu", mu, note="gradient of the KL by the mean")
rule.quantity("dKL/dlogvar", (exp(logvar) - 1) / 2, stable=em1 / 2,
              note="gradient of the KL by the log-variance")

# -- the integral ---------------------------------------------------------------
variance = exp(logvar)
std = exp(logvar / 2)
q = _gaussian.density(x, mu, std)
p = _gaussian.density(x, 0, 1)
log_ratio = -logvar / 2 - (x - mu) ** 2 / (2 * variance) + x ** 2 / 2

# SymPy integrates the three Gaussian moments the log-ratio needs.
mass = _gaussian.expectation(lambda t: 1, mu, std)
spread = _gaussian.expectation(lambda t: (t - mu) ** 2, mu, std)
second_moment = _gaussian.expectation(lambda t: t ** 2, mu, std)

rule.derive(
    "KL",
    Step(Total(Integral(q * log(q / p), (x, -oo, oo))),
         Total(Integral(q * log_ratio, (x, -oo, oo))),
         why="KL(q‖p) = Σ_z ∫ q log(q/p) dx (both factorize over z); log of the ratio of the "
             "densities: the 1/√(2π) cancels, log σ = ½ logvar",
         why_ko="쿨백-라이블러 발산 KL(q‖p) = Σ_z ∫ q log(q/p) dx (두 분포 모두 차원별로 분해된다); "
                "두 정규분포 밀도의 비의 로그: 1/√(2π)가 약분되고 log σ = ½ logvar"),
    Step(Total(-logvar / 2 * _gaussian.integral(1, mu, std)
               - _gaussian.integral((x - mu) ** 2, mu, std) / (2 * variance)
               + _gaussian.integral(x ** 2, mu, std) / 2),
         why="linearity of the integral: the constants come out",
         why_ko="적분의 선형성: 상수는 적분 밖으로 나온다"),
    Step(Total(-logvar / 2 * mass - spread / (2 * variance) + second_moment / 2),
         why=f"SymPy integrates the Gaussian moments ∫q xᵏ: ∫q = {mass}, ∫q(x − μ)² = σ², ∫q x² = μ² + σ²",
         why_ko=f"SymPy가 정규분포의 적률 ∫q xᵏ을 적분한다: ∫q = {mass}, ∫q(x − μ)² = σ², ∫q x² = μ² + σ²"),
    Step(kl_from_standard_normal(mu, logvar),
         why="collect the terms; σ² = e^{logvar}, log σ² = logvar",
         why_ko="항을 정리한다; σ² = e^{logvar}, log σ² = logvar"),
    title="KL(N(μ, σ²) ‖ N(0, 1)) by integrating the two densities",
)

rule.derive(
    "dKL/dmu",
    Step(Derivative(KL, mu[j]),
         Derivative((mu[j] ** 2 + exp(logvar[j]) - logvar[j] - 1) / 2, mu[j]),
         why="only the j-th term of the sum depends on μ_j",
         why_ko="합에서 j번째 항만 μ_j에 의존한다"),
    Step(mu[j], why="d/dμ ½μ² = μ", why_ko="d/dμ ½μ² = μ"),
    index=(j,),
    title="Gradient of the KL by the mean",
)

rule.derive(
    "dKL/dlogvar",
    Step(Derivative(KL, logvar[j]),
         Derivative((mu[j] ** 2 + exp(logvar[j]) - logvar[j] - 1) / 2, logvar[j]),
         why="only the j-th term of the sum depends on logvar_j",
         why_ko="합에서 j번째 항만 logvar_j에 의존한다"),
    Step((exp(logvar[j]) - 1) / 2, why="d/dlogvar e^{logvar} = e^{logvar}",
         why_ko="d/dlogvar e^{logvar} = e^{logvar}"),
    index=(j,),
    title="Gradient of the KL by the log-variance",
)

register(rule)
