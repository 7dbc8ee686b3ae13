"""The evidence lower bound: log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)) (the VAE lecture's derivation).

Headline: log p(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) + KL(q(z|x) ‖ p(z|x)); the last
KL is never negative, so the first two terms, the ELBO, bound log p(x) from below.

The lecture's identity holds for any distribution q(z|x); here the latent z takes K
values, so every integral over z is a sum and each term is a number. The steps
follow the lecture: log p(x) does not depend on z, so it equals its average under
q; Bayes' rule writes p(x) = p(x, z)/p(z|x) for every z; multiplying and dividing
by q splits the logarithm into the ELBO and the KL from the true posterior.
"""

from derive.rules._vocabulary import *

K = dim("K")

rule = Rule(
    "elbo",
    "Evidence lower bound: log p(x) = ELBO + KL(q(z|x) || p(z|x))",
    headline="log p(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)) + KL(q(z|x) || p(z|x))",
    source="Deep-learning course, lecture 12 (VAE and the ELBO); Deep Learning 101, lecture 23",
    proof_sizes=[{K: 2}, {K: 3}],
    test_sizes={K: 3},
)

p_z = rule.input("p_z", (K,), Simplex(), note="prior p(z) over the K latent values")
lik = rule.input("lik", (K,), Unit(), note="likelihood p(x|z) of the observed x for each z")
q = rule.input("q", (K,), Simplex(), note="the encoder's q(z|x)")

p_x = rule.quantity("p_x", Total(p_z * lik), note="evidence p(x) = Σ_z p(z) p(x|z)")
log_px = rule.quantity("log_px", log(p_x), note="log-evidence log p(x)")
post = rule.quantity("post", p_z * lik / p_x, note="posterior p(z|x), by Bayes' rule")
recon = rule.quantity("recon", Total(q * log(lik)), note="E_q[log p(x|z)], the reconstruction term")
KL_prior = rule.quantity("KL_prior", Total(q * log(q / p_z)), note="KL(q(z|x) ‖ p(z))")
ELBO = rule.quantity("ELBO", Total(q * log(p_z * lik / q)), note="E_q[log p(x, z) − log q(z|x)]")
KL_post = rule.quantity("KL_post", Total(q * log(q / post)), note="KL(q(z|x) ‖ p(z|x)) >= 0")

rule.derive(
    "log_px",
    Step(log_px, Total(q) * log(p_x),
         why="Σ_z q(z|x) = 1, and log p(x) does not depend on z",
         why_ko="Σ_z q(z|x) = 1 이고 log p(x)는 z와 무관하다"),
    Step(Total(q * log(p_z * lik / post)),
         why="Bayes' rule: p(x) = p(x, z)/p(z|x) for every z",
         why_ko="베이즈 정리: 모든 z에 대해 p(x) = p(x, z)/p(z|x)"),
    Step(Total(q * log(p_z * lik / q)) + Total(q * log(q / post)),
         why="multiply and divide by q(z|x) inside the log, and split the log",
         why_ko="로그 안에서 q(z|x)를 곱하고 나눈 뒤 로그를 나눈다"),
    Step(ELBO + KL_post,
         why="the first sum is the ELBO, the second KL(q(z|x) ‖ p(z|x)) >= 0, so log p(x) >= ELBO",
         why_ko="첫째 합은 ELBO, 둘째 합은 쿨백-라이블러 발산 KL(q(z|x) ‖ p(z|x)) >= 0 이므로 "
                "log p(x) >= ELBO"),
    title="log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))",
)

rule.derive(
    "ELBO",
    Step(ELBO, Total(q * log(lik)) + Total(q * log(p_z / q)),
         why="p(x, z) = p(x|z) p(z): split the log",
         why_ko="p(x, z) = p(x|z) p(z): 로그를 나눈다"),
    Step(recon - KL_prior,
         why="reconstruction E_q[log p(x|z)] minus KL(q(z|x) ‖ p(z)): the VAE's two loss terms",
         why_ko="재구성 항 E_q[log p(x|z)] 빼기 KL(q(z|x) ‖ p(z)): VAE 손실의 두 항"),
    title="ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))",
)

register(rule)
