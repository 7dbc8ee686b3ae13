"""One update of a GAN's discriminator (DL 101, lecture 11: the RGB toy GAN).

Headline: L_D = −log D(x) − log(1 − D(G(z))); ∂L_D/∂a_real = D(x) − 1,
∂L_D/∂a_fake = D(G(z)), so ∂L_D/∂w = (D(x) − 1) x + D(G(z)) g.

The discriminator is a logistic unit on an RGB vector, D(v) = σ(wᵀv + b): the
probability that v is real. It sees the real sample x (in the lecture a pure red,
(1, 0, 0)) and the generator's sample g = G(z), held fixed while D learns. Its loss
is the binary cross-entropy with target 1 for x and 0 for g; each log term is the
rule ``sigmoid_bce`` again, so each logit's gradient is "prediction − target".
Numerically −log σ(a) = softplus(−a) and −log(1 − σ(a)) = softplus(a): never log 0.
"""

from derive.rules._vocabulary import *

D = dim("D")
j = symbols("j", integer=True, positive=True)

rule = Rule(
    "gan_discriminator",
    "GAN discriminator loss and one update",
    headline="dL_D/dw = (D_real - 1) x + D_fake g;  dL_D/db = D_real - 1 + D_fake",
    source="Deep Learning 101, lecture 11 (GAN, the toy example with RGB colours); "
           "deep-learning course, lecture 13 (GAN objectives)",
    proof_sizes=[{D: 1}, {D: 3}],
    test_sizes={D: 3},
)

x = rule.input("x", (D,), Unit(), note="a real sample (the lecture's red: (1, 0, 0))")
g = rule.input("g", (D,), Unit(), note="a generated sample G(z), fixed during D's update")
w = rule.input("w", (D,), Real(1.0), note="discriminator weights")
b = rule.input("b", (), Real(1.0), note="discriminator bias")
lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η")

a_real = rule.quantity("a_real", Total(w * x) + b, note="logit on the real sample")
a_fake = rule.quantity("a_fake", Total(w * g) + b, note="logit on the generated sample")
D_real = rule.quantity("D_real", sigmoid(a_real), note="D(x): probability that x is real")
D_fake = rule.quantity("D_fake", sigmoid(a_fake), note="D(G(z))")
L_D = rule.quantity("L_D", -log(D_real) - log(1 - D_fake),
                    stable=softplus(-a_real) + softplus(a_fake), note="discriminator loss")
dL_da_real = rule.quantity("dL_D/da_real", D_real - 1, stable=-sigmoid(-a_real))
dL_da_fake = rule.quantity("dL_D/da_fake", D_fake)
dL_dw = rule.quantity("dL_D/dw", dL_da_real * x + dL_da_fake * g)
dL_db = rule.quantity("dL_D/db", dL_da_real + dL_da_fake)
rule.quantity("w_new", w - lr * dL_dw, note="weights after one step")
rule.quantity("b_new", b - lr * dL_db, note="bias after one step")

dlogistic = sigmoid(a_real).diff(a_real)  # σ'(a) = σ(a)(1 − σ(a)), from SymPy

rule.derive(
    "dL_D/dw",
    Step(Derivative(L_D, w[j]),
         -Derivative(D_real, w[j]) / D_real + Derivative(D_fake, w[j]) / (1 - D_fake),
         why="chain rule through the two log terms; d/dD log D = 1/D",
         why_ko="두 로그 항을 거치는 연쇄 법칙, d/dD log D = 1/D"),
    Step(-D_real * (1 - D_real) * x[j] / D_real + D_fake * (1 - D_fake) * g[j] / (1 - D_fake),
         why="σ'(a) = σ(a)(1 − σ(a)); ∂a_real/∂w_j = x_j, ∂a_fake/∂w_j = g_j",
         why_ko="σ'(a) = σ(a)(1 − σ(a)); ∂a_real/∂w_j = x_j, ∂a_fake/∂w_j = g_j"),
    Step((D_real - 1) * x[j] + D_fake * g[j],
         why="the sigmoid's derivative cancels the logs' denominators (as in sigmoid_bce)",
         why_ko="시그모이드의 도함수가 로그의 분모를 지운다 (sigmoid_bce와 같다)"),
    index=(j,),
    title="Discriminator weights: (D(x) − 1) x + D(G(z)) g",
)
rule.derive(
    "dL_D/db",
    Step(Derivative(L_D, b), -Derivative(D_real, b) / D_real + Derivative(D_fake, b) / (1 - D_fake),
         why="chain rule through the two log terms", why_ko="두 로그 항을 거치는 연쇄 법칙"),
    Step(-dlogistic / D_real + dlogistic.subs(a_real, a_fake) / (1 - D_fake),
         why="∂a/∂b = 1 for both logits; σ'(a) = σ(a)(1 − σ(a))",
         why_ko="두 로짓 모두 ∂a/∂b = 1; σ'(a) = σ(a)(1 − σ(a))"),
    Step(D_real - 1 + D_fake, why="prediction − target for each sample: (D(x) − 1) + (D(G(z)) − 0)",
         why_ko="각 샘플의 예측 − 정답: (D(x) − 1) + (D(G(z)) − 0)"),
    title="Discriminator bias",
)
rule.derive(
    "w_new",
    Step(rule.symbol("w_new"), w - lr * ((D_real - 1) * x + D_fake * g),
         why="gradient descent: w ← w − η ∂L_D/∂w", why_ko="경사하강법: w ← w − η ∂L_D/∂w"),
    title="One update of the discriminator",
)

register(rule)
