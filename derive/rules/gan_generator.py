"""One update of a GAN's generator: the saturating loss against the non-saturating one (DL 101, lecture 11).

Headline: with a = the discriminator's logit on G(z), ∂/∂a log(1 − D(G(z))) = −D(G(z)) but
∂/∂a (−log D(G(z))) = D(G(z)) − 1; their ratio is e^{−a}, so while the generator is poor
(D(G(z)) ≈ 0, a ≪ 0) the non-saturating loss gives e^{|a|} times the gradient.

The generator turns a latent z into an RGB colour, g = σ(W_g z); the discriminator
(fixed during this step) scores it, D(g) = σ(wᵀg + b). The minimax game asks G to
minimize log(1 − D(G(z))), whose gradient vanishes exactly when G most needs it;
the course's fix is to minimize −log D(G(z)) instead, same fixed point, strong
gradient early on. Both are derived; the update uses the non-saturating loss.
Numerically log(1 − σ(a)) = −softplus(a) and −log σ(a) = softplus(−a): never log 0.
"""

from derive.rules._vocabulary import *

D, Z = dim("D"), dim("Z")
i, k = symbols("i k", integer=True, positive=True)

rule = Rule(
    "gan_generator",
    "GAN generator: saturating vs non-saturating loss, and one update",
    headline="dL_sat/da_fake = -D_fake, dL_ns/da_fake = D_fake - 1; ratio = exp(-a_fake)",
    source="Deep Learning 101, lecture 11 (GAN, the toy example with RGB colours); "
           "deep-learning course, lecture 13 (the generator's modified objective)",
    proof_sizes=[{D: 1, Z: 1}, {D: 2, Z: 2}],
    test_sizes={D: 3, Z: 2},
)

z = rule.input("z", (Z,), Real(1.0), note="latent noise")
W_g = rule.input("W_g", (D, Z), Real(0.5), note="generator weights")
w = rule.input("w", (D,), Real(1.0), note="discriminator weights (fixed in this step)")
b = rule.input("b", (), Real(1.0), note="discriminator bias (fixed in this step)")
lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η")

s_g = rule.quantity("s_g", MatVec(W_g, z), note="generator pre-activation")
g = rule.quantity("g", sigmoid(s_g), note="the generated colour G(z), each channel in (0, 1)")
a_fake = rule.quantity("a_fake", Total(w * g) + b, note="discriminator logit on G(z)")
D_fake = rule.quantity("D_fake", sigmoid(a_fake), note="D(G(z))")
rule.quantity("L_sat", log(1 - D_fake), stable=-softplus(a_fake),
              note="saturating generator loss (the minimax objective)")
L_ns = rule.quantity("L_ns", -log(D_fake), stable=softplus(-a_fake), note="non-saturating generator loss")
dsat = rule.quantity("dL_sat/da_fake", -D_fake, note="vanishes as D(G(z)) → 0")
dns = rule.quantity("dL_ns/da_fake", D_fake - 1, stable=-sigmoid(-a_fake), note="→ −1 as D(G(z)) → 0")
ratio = rule.quantity("ratio", dns / dsat, stable=exp(-a_fake), note="non-saturating over saturating")
dL_dg = rule.quantity("dL_ns/dg", dns * w, note="gradient reaching the colour")
dL_ds = rule.quantity("dL_ns/ds_g", dL_dg * g * (1 - g), note="at the generator's pre-activation")
dL_dW = rule.quantity("dL_ns/dW_g", Outer(dL_ds, z))
rule.quantity("dL_sat/dW_g", Outer(dsat * w * g * (1 - g), z), note="the saturating loss's gradient")
rule.quantity("W_g_new", W_g - lr * dL_dW, note="generator weights after one step")

rule.derive(
    "dL_sat/da_fake",
    Step(dsat, Mul(-1 / (1 - D_fake), D_fake * (1 - D_fake), evaluate=False),
         why="d/da log(1 − σ(a)) = −σ'(a)/(1 − σ(a)), σ'(a) = σ(a)(1 − σ(a))",
         why_ko="d/da log(1 − σ(a)) = −σ'(a)/(1 − σ(a)), σ'(a) = σ(a)(1 − σ(a))"),
    Step(-D_fake, why="1 − σ cancels: the gradient is D(G(z)), tiny while the generator is poor",
         why_ko="1 − σ가 약분된다: 기울기는 D(G(z)), 생성자가 서툴 때 거의 0 (기울기 소실)"),
    title="Saturating loss: gradient by the logit",
)
rule.derive(
    "dL_ns/da_fake",
    Step(dns, Mul(-1 / D_fake, D_fake * (1 - D_fake), evaluate=False),
         why="d/da (−log σ(a)) = −σ'(a)/σ(a)", why_ko="d/da (−log σ(a)) = −σ'(a)/σ(a)"),
    Step(D_fake - 1, why="σ cancels: the gradient is D(G(z)) − 1, near −1 while the generator is poor",
         why_ko="σ가 약분된다: 기울기는 D(G(z)) − 1, 생성자가 서툴 때 −1에 가깝다"),
    title="Non-saturating loss: gradient by the logit",
)
rule.derive(
    "ratio",
    Step(ratio, (1 - D_fake) / D_fake, why="divide the two gradients", why_ko="두 기울기를 나눈다"),
    Step(exp(-a_fake),
         why="(1 − σ(a))/σ(a) = e^{−a}: larger than 1 exactly when D(G(z)) < ½, e^{|a|} for a poor generator",
         why_ko="(1 − σ(a))/σ(a) = e^{−a}: D(G(z)) < ½ 이면 1보다 크고, 서툰 생성자에게는 e^{|a|}배"),
    title="Why the non-saturating loss learns faster early on",
)
rule.derive(
    "dL_ns/dW_g",
    Step(Derivative(L_ns, W_g[i, k]), dL_dg[i] * Derivative(g[i], W_g[i, k]),
         why="W_g[i,k] reaches the loss only through the colour channel g_i",
         why_ko="W_g[i,k]는 색 채널 g_i를 통해서만 손실에 영향을 준다"),
    Step(dL_dg[i] * g[i] * (1 - g[i]) * z[k],
         why="g = σ(W_g z): ∂g_i/∂W_g[i,k] = g_i(1 − g_i) z_k",
         why_ko="g = σ(W_g z): ∂g_i/∂W_g[i,k] = g_i(1 − g_i) z_k"),
    Step(dL_ds[i] * z[k], why="∂L/∂s_g = ∂L/∂g ⊙ g ⊙ (1 − g)", why_ko="∂L/∂s_g = ∂L/∂g ⊙ g ⊙ (1 − g)"),
    index=(i, k),
    title="Generator weights: an outer product with z",
)

register(rule)
