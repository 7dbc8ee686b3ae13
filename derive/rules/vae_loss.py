"""The whole VAE loss for a small linear encoder and decoder (DL 101, lecture 23).

Headline: L = ½‖x̂ − x‖² + KL; ∂L/∂μ = W_decᵀ(x̂ − x) + μ and
∂L/∂logvar = ½ (W_decᵀ(x̂ − x)) ⊙ σ ⊙ ε + ½(e^{logvar} − 1); every weight gradient
is an outer product with the layer's input.

Forward: the encoder's two linear heads give μ = W_μ x and logvar = W_logvar x;
the reparameterization z = μ + σ ⊙ ε (rule ``vae_reparam``); the linear decoder
x̂ = W_dec z. The loss is the reconstruction error ½‖x̂ − x‖² (the negative
log-likelihood of a unit-variance Gaussian decoder, up to a constant) plus the KL
term of rule ``vae_kl``. μ and logvar each receive gradient from both terms: from
the reconstruction through z, and from the KL directly.
"""

from sympy.codegen.cfunctions import expm1

from derive.rules._vocabulary import *
from derive.rules.vae_kl import kl_from_standard_normal, kl_stable

D, Z = dim("D"), dim("Z")
a, b = symbols("a b", integer=True, positive=True)

rule = Rule(
    "vae_loss",
    "VAE loss (reconstruction + KL) with a linear encoder and decoder",
    headline="dL/dmu = W_dec^T (x_hat - x) + mu;  dL/dlogvar = 1/2 W_dec^T (x_hat - x) * sigma * eps "
             "+ (exp(logvar) - 1)/2",
    source="Deep Learning 101, lecture 23 (VAE); deep-learning course, lecture 12 (the ELBO)",
    proof_sizes=[{D: 2, Z: 1}, {D: 2, Z: 2}],
    test_sizes={D: 4, Z: 3},
)

x = rule.input("x", (D,), Real(1.0), note="input, also the reconstruction target")
W_mu = rule.input("W_mu", (Z, D), Real(0.5), note="encoder weights of the mean head")
W_logvar = rule.input("W_logvar", (Z, D), Real(0.5), note="encoder weights of the log-variance head")
W_dec = rule.input("W_dec", (D, Z), Real(0.5), note="decoder weights")
eps = rule.input("eps", (Z,), Real(1.0), note="noise ε ~ N(0, I)")

mu = rule.quantity("mu", MatVec(W_mu, x), note="μ = W_μ x")
logvar = rule.quantity("logvar", MatVec(W_logvar, x), note="logvar = W_logvar x")
em1 = rule.quantity("_em1", expm1(logvar), note="e^{logvar} − 1, computed stably")
sigma = rule.quantity("sigma", exp(logvar / 2), note="σ = e^{logvar/2}")
z = rule.quantity("z", mu + sigma * eps, note="reparameterized sample")
x_hat = rule.quantity("x_hat", MatVec(W_dec, z), note="reconstruction x̂ = W_dec z")
rec = rule.quantity("rec", Total((x_hat - x) ** 2) / 2, note="reconstruction loss ½‖x̂ − x‖²")
KL = rule.quantity("KL", kl_from_standard_normal(mu, logvar), stable=kl_stable(mu, em1, logvar),
                   note="KL(N(μ, σ²) ‖ N(0, I)) (rule vae_kl)")
L = rule.quantity("L", rec + KL, note="the VAE loss: −ELBO up to a constant")

dL_dx_hat = rule.quantity("dL/dx_hat", x_hat - x)
dL_dW_dec = rule.quantity("dL/dW_dec", Outer(dL_dx_hat, z))
dL_dz = rule.quantity("dL/dz", MatVec(Transpose(W_dec), dL_dx_hat))
dL_dmu = rule.quantity("dL/dmu", dL_dz + mu)
dL_dlogvar = rule.quantity("dL/dlogvar", dL_dz * sigma * eps / 2 + (exp(logvar) - 1) / 2,
                           stable=dL_dz * sigma * eps / 2 + em1 / 2)
rule.quantity("dL/dW_mu", Outer(dL_dmu, x))
rule.quantity("dL/dW_logvar", Outer(dL_dlogvar, x))

rule.derive(
    "dL/dW_dec",
    Step(Derivative(L, W_dec[a, b]), dL_dx_hat[a] * Derivative(x_hat[a], W_dec[a, b]),
         why="W_dec[a,b] reaches L only through x̂_a (the KL does not depend on it)",
         why_ko="W_dec[a,b]는 x̂_a를 통해서만 L에 영향을 준다 (KL 항은 무관)"),
    Step(dL_dx_hat[a] * z[b], why="x̂ = W_dec z: ∂x̂_a/∂W_dec[a,b] = z_b",
         why_ko="x̂ = W_dec z: ∂x̂_a/∂W_dec[a,b] = z_b"),
    index=(a, b), title="Decoder weights: (x̂ − x) zᵀ",
)
# Local derivatives, taken by SymPy on the scalar formulas of the sample and of one KL term.
mu_, logvar_, eps_ = symbols("mu_ logvar_ eps_", real=True)
z_local = mu_ + exp(logvar_ / 2) * eps_
kl_local = (mu_ ** 2 + exp(logvar_) - logvar_ - 1) / 2
at_layer = {mu_: mu, logvar_: logvar, eps_: eps}
dz_dmu, dkl_dmu, dz_dlogvar, dkl_dlogvar = (
    f.diff(v).subs(at_layer) for v in (mu_, logvar_) for f in (z_local, kl_local))

rule.derive(
    "dL/dmu",
    Step(dL_dmu, dL_dz * dz_dmu + dkl_dmu,
         why="two paths: through z (∂z/∂μ = 1, rule vae_reparam) and through the KL (∂KL/∂μ = μ, rule vae_kl)",
         why_ko="두 경로: z를 거쳐 (∂z/∂μ = 1, vae_reparam 규칙), KL을 거쳐 (∂KL/∂μ = μ, vae_kl 규칙)"),
    title="Gradient by the mean: the reconstruction pulls, the KL pulls toward 0",
)
rule.derive(
    "dL/dlogvar",
    Step(dL_dlogvar, dL_dz * dz_dlogvar + dkl_dlogvar,
         why="two paths: through z (∂z/∂logvar = ½ e^{logvar/2} ε, rule vae_reparam) and through the KL "
             "(∂KL/∂logvar = ½(e^{logvar} − 1), rule vae_kl)",
         why_ko="두 경로: z를 거쳐 (∂z/∂logvar = ½ e^{logvar/2} ε, vae_reparam 규칙), KL을 거쳐 "
                "(∂KL/∂logvar = ½(e^{logvar} − 1), vae_kl 규칙)"),
    Step(dL_dz * sigma * eps / 2 + (exp(logvar) - 1) / 2, why="e^{logvar/2} = σ", why_ko="e^{logvar/2} = σ"),
    title="Gradient by the log-variance",
)
rule.derive(
    "dL/dW_mu",
    Step(Derivative(L, W_mu[a, b]), dL_dmu[a] * Derivative(mu[a], W_mu[a, b]),
         why="W_μ[a,b] reaches L only through μ_a", why_ko="W_μ[a,b]는 μ_a를 통해서만 L에 영향을 준다"),
    Step(dL_dmu[a] * x[b], why="μ = W_μ x: ∂μ_a/∂W_μ[a,b] = x_b", why_ko="μ = W_μ x: ∂μ_a/∂W_μ[a,b] = x_b"),
    index=(a, b), title="Encoder weights of the mean head",
)
rule.derive(
    "dL/dW_logvar",
    Step(Derivative(L, W_logvar[a, b]), dL_dlogvar[a] * Derivative(logvar[a], W_logvar[a, b]),
         why="W_logvar[a,b] reaches L only through logvar_a",
         why_ko="W_logvar[a,b]는 logvar_a를 통해서만 L에 영향을 준다"),
    Step(dL_dlogvar[a] * x[b], why="logvar = W_logvar x: ∂logvar_a/∂W_logvar[a,b] = x_b",
         why_ko="logvar = W_logvar x: ∂logvar_a/∂W_logvar[a,b] = x_b"),
    index=(a, b), title="Encoder weights of the log-variance head",
)

register(rule)
