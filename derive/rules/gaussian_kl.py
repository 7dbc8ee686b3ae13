"""KL divergence between two univariate Gaussians (the KL lecture, DL 101 lecture 16, for densities).

Headline: KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) = log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½.

As for the VAE's KL term (``vae_kl``, the case μ₂ = 0, σ₂ = 1), the log of the
ratio of the two densities is a quadratic in x, and SymPy integrates the Gaussian
moments it needs when this module is imported: ∫ q = 1, ∫ q (x − μ₁)² = σ₁²,
∫ q (x − μ₂)² = σ₁² + (μ₁ − μ₂)².

Numerically the closed form cancels when the two Gaussians are close; with
u = log(σ₁²/σ₂²) it is ½(expm1(u) − u + ((μ₁ − μ₂)/σ₂)²), a sum of non-negative
terms, so it is never negative from rounding.
"""

from sympy import Integral, oo
from sympy.codegen.cfunctions import expm1

from derive.rules import _gaussian
from derive.rules._vocabulary import *

x = _gaussian.x

rule = Rule(
    "gaussian_kl",
    "KL divergence between two univariate Gaussians",
    headline="KL = log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1 - mu_2)^2)/(2 sigma_2^2) - 1/2",
    source="Deep Learning 101, lecture 16 (KL divergence) and lecture 23 (VAE)",
)

mu_1 = rule.input("mu_1", (), Real(1.0), note="mean of q")
sigma_1 = rule.input("sigma_1", (), Positive(0.3, 2.0), note="standard deviation of q")
mu_2 = rule.input("mu_2", (), Real(1.0), note="mean of p")
sigma_2 = rule.input("sigma_2", (), Positive(0.3, 2.0), note="standard deviation of p")

# Numerical stability: u = log(σ₁²/σ₂²) turns σ₁²/σ₂² − 1 − log(σ₁²/σ₂²) into expm1(u) − u >= 0.
u = rule.quantity("_u", 2 * log(sigma_1 / sigma_2), note="log(σ₁²/σ₂²)")

closed_form = log(sigma_2 / sigma_1) + (sigma_1 ** 2 + (mu_1 - mu_2) ** 2) / (2 * sigma_2 ** 2) - Rational(1, 2)
KL = rule.quantity("KL", closed_form,
                   stable=(expm1(u) - u + ((mu_1 - mu_2) / sigma_2) ** 2) / 2,
                   note="KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²))")
rule.quantity("dKL/dmu_1", (mu_1 - mu_2) / sigma_2 ** 2)
rule.quantity("dKL/dsigma_1", sigma_1 / sigma_2 ** 2 - 1 / sigma_1)
rule.quantity("dKL/dmu_2", (mu_2 - mu_1) / sigma_2 ** 2)
rule.quantity("dKL/dsigma_2", 1 / sigma_2 - (sigma_1 ** 2 + (mu_1 - mu_2) ** 2) / sigma_2 ** 3)

# -- the integral ---------------------------------------------------------------
q = _gaussian.density(x, mu_1, sigma_1)
p = _gaussian.density(x, mu_2, sigma_2)

# SymPy integrates the moments of q that the log-ratio needs.
mass = _gaussian.expectation(lambda t: 1, mu_1, sigma_1)
own_spread = _gaussian.expectation(lambda t: (t - mu_1) ** 2, mu_1, sigma_1)
other_spread = _gaussian.expectation(lambda t: (t - mu_2) ** 2, mu_1, sigma_1)

rule.derive(
    "KL",
    Step(Integral(q * log(q / p), (x, -oo, oo)),
         Integral(q * (log(sigma_2) - log(sigma_1) - (x - mu_1) ** 2 / (2 * sigma_1 ** 2)
                       + (x - mu_2) ** 2 / (2 * sigma_2 ** 2)), (x, -oo, oo)),
         why="KL(q‖p) = ∫ q log(q/p) dx; log of the ratio of the densities (the 1/√(2π) cancels)",
         why_ko="쿨백-라이블러 발산 KL(q‖p) = ∫ q log(q/p) dx; 두 밀도의 비의 로그 (1/√(2π)는 약분된다)"),
    Step((log(sigma_2) - log(sigma_1)) * _gaussian.integral(1, mu_1, sigma_1)
         - _gaussian.integral((x - mu_1) ** 2, mu_1, sigma_1) / (2 * sigma_1 ** 2)
         + _gaussian.integral((x - mu_2) ** 2, mu_1, sigma_1) / (2 * sigma_2 ** 2),
         why="linearity of the integral: the constants come out",
         why_ko="적분의 선형성: 상수는 적분 밖으로 나온다"),
    Step((log(sigma_2) - log(sigma_1)) * mass - own_spread / (2 * sigma_1 ** 2)
         + other_spread / (2 * sigma_2 ** 2),
         why=f"SymPy integrates the Gaussian moments ∫q xᵏ: ∫q = {mass}, ∫q(x − μ₁)² = σ₁², "
             "∫q(x − μ₂)² = σ₁² + (μ₁ − μ₂)²",
         why_ko=f"SymPy가 정규분포의 적률 ∫q xᵏ을 적분한다: ∫q = {mass}, ∫q(x − μ₁)² = σ₁², "
                "∫q(x − μ₂)² = σ₁² + (μ₁ − μ₂)²"),
    Step(closed_form, why="collect the terms: log σ₂ − log σ₁ = log(σ₂/σ₁)",
         why_ko="항을 정리한다: log σ₂ − log σ₁ = log(σ₂/σ₁)"),
    title="KL between two Gaussians by integrating the densities",
)

rule.derive(
    "dKL/dmu_1",
    Step(Derivative(KL, mu_1), Derivative((mu_1 - mu_2) ** 2, mu_1) / (2 * sigma_2 ** 2),
         why="only the squared distance of the means depends on μ₁",
         why_ko="평균 사이 거리의 제곱 항만 μ₁에 의존한다"),
    Step((mu_1 - mu_2) / sigma_2 ** 2, why="d/dμ₁ (μ₁ − μ₂)² = 2(μ₁ − μ₂)",
         why_ko="d/dμ₁ (μ₁ − μ₂)² = 2(μ₁ − μ₂)"),
)

rule.derive(
    "dKL/dsigma_1",
    Step(Derivative(KL, sigma_1), Derivative(-log(sigma_1) + sigma_1 ** 2 / (2 * sigma_2 ** 2), sigma_1),
         why="the terms with σ₁: −log σ₁ and σ₁²/(2σ₂²)",
         why_ko="σ₁이 들어 있는 항: −log σ₁과 σ₁²/(2σ₂²)"),
    Step(sigma_1 / sigma_2 ** 2 - 1 / sigma_1, why="d/dσ log σ = 1/σ; d/dσ σ² = 2σ",
         why_ko="d/dσ log σ = 1/σ, d/dσ σ² = 2σ"),
)

rule.derive(
    "dKL/dsigma_2",
    Step(Derivative(KL, sigma_2),
         Derivative(log(sigma_2), sigma_2)
         + (sigma_1 ** 2 + (mu_1 - mu_2) ** 2) / 2 * Derivative(sigma_2 ** -2, sigma_2),
         why="the terms with σ₂: log σ₂ and a constant over σ₂²",
         why_ko="σ₂가 들어 있는 항: log σ₂와 σ₂²로 나눈 상수"),
    Step(1 / sigma_2 - (sigma_1 ** 2 + (mu_1 - mu_2) ** 2) / sigma_2 ** 3,
         why="d/dσ σ⁻² = −2σ⁻³", why_ko="d/dσ σ⁻² = −2σ⁻³"),
)

register(rule)
