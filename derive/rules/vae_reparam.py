"""The reparameterization trick (DL 101, lecture 23): gradients through a sample z.

Headline: z = μ + σ ⊙ ε with σ = e^{logvar/2}; ∂L/∂μ = ∂L/∂z and
∂L/∂logvar = ½ ∂L/∂z ⊙ σ ⊙ ε.

Sampling z ~ N(μ, σ²) directly has no gradient; drawing ε ~ N(0, I) first and
moving it, z = μ + σ ⊙ ε, makes z a differentiable function of μ and logvar while
the randomness stays in ε. Any loss downstream of z then passes its gradient
∂L/∂z back by the chain rule; here the downstream loss is the squared distance to
a target y, L = ½‖z − y‖², and only ∂L/∂z would change for another loss.
"""

from derive.rules._vocabulary import *

Z = dim("Z")
j = symbols("j", integer=True, positive=True)

rule = Rule(
    "vae_reparam",
    "VAE reparameterization: gradients through z = mu + sigma * eps",
    headline="dL/dmu = dL/dz, dL/dlogvar = 1/2 dL/dz * sigma * eps",
    source="Deep Learning 101, lecture 23 (VAE: the reparameterization trick)",
    proof_sizes=[{Z: 1}, {Z: 2}],
    test_sizes={Z: 4},
)

mu = rule.input("mu", (Z,), Real(1.0), note="encoder mean")
logvar = rule.input("logvar", (Z,), Real(1.0), note="encoder log-variance log σ²")
eps = rule.input("eps", (Z,), Real(1.0), note="noise ε ~ N(0, I), drawn before the pass")
y = rule.input("y", (Z,), Real(1.0), note="target of the downstream loss")

sigma = rule.quantity("sigma", exp(logvar / 2), note="standard deviation σ = e^{logvar/2}")
z = rule.quantity("z", mu + sigma * eps, note="the sample, z = μ + σ ⊙ ε")
L = rule.quantity("L", Total((z - y) ** 2) / 2, note="downstream loss ½‖z − y‖²")
dL_dz = rule.quantity("dL/dz", z - y, note="what the downstream loss sends back")
rule.quantity("dL/dmu", dL_dz, note="gradient by the mean")
rule.quantity("dL/dlogvar", dL_dz * sigma * eps / 2, note="gradient by the log-variance")

# Local derivatives, taken by SymPy on the scalar formula of the sample.
mu_, logvar_, eps_ = symbols("mu_ logvar_ eps_", real=True)
sample = mu_ + exp(logvar_ / 2) * eps_
at_j = {mu_: mu[j], logvar_: logvar[j], eps_: eps[j]}
dz_dmu, dz_dlogvar = (sample.diff(v).subs(at_j) for v in (mu_, logvar_))

rule.derive(
    "dL/dmu",
    Step(Derivative(L, mu[j]), dL_dz[j] * Derivative(z[j], mu[j]),
         why="chain rule: μ_j reaches L only through z_j",
         why_ko="연쇄 법칙: μ_j는 z_j를 통해서만 L에 영향을 준다"),
    Step(dL_dz[j] * dz_dmu, why="z = μ + σ ⊙ ε: ∂z_j/∂μ_j = 1", why_ko="z = μ + σ ⊙ ε: ∂z_j/∂μ_j = 1"),
    index=(j,),
    title="Gradient by the mean: passed straight through",
)

rule.derive(
    "dL/dlogvar",
    Step(Derivative(L, logvar[j]), dL_dz[j] * Derivative(z[j], logvar[j]),
         why="chain rule: logvar_j reaches L only through z_j (ε is fixed: the reparameterization)",
         why_ko="연쇄 법칙: logvar_j는 z_j를 통해서만 L에 영향을 준다 (재매개변수화: ε는 고정)"),
    Step(dL_dz[j] * dz_dlogvar,
         why="z = μ + e^{logvar/2} ε: ∂z_j/∂logvar_j = ½ e^{logvar_j/2} ε_j",
         why_ko="z = μ + e^{logvar/2} ε: ∂z_j/∂logvar_j = ½ e^{logvar_j/2} ε_j"),
    Step(dL_dz[j] * sigma[j] * eps[j] / 2, why="e^{logvar/2} = σ", why_ko="e^{logvar/2} = σ"),
    index=(j,),
    title="Gradient by the log-variance: through σ = e^{logvar/2}",
)

register(rule)
