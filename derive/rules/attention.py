"""Dot-product attention and its backward pass (DL 101, the attention lecture).

Headline: with α = softmax(e) and the gradient g = ∂L/∂c arriving at the context,
∂L/∂e_j = α_j (∂L/∂α_j − Σ_k α_k ∂L/∂α_k), ∂L/∂s = Hᵀ ∂L/∂e and
∂L/∂H = α gᵀ + (∂L/∂e) sᵀ.

The decoder state s scores every encoder state h_t by a dot product,
e_t = h_t · s (the lecture: (0.8, 0.2)·(0.7, 0.3) = 0.62), the scores become
weights α = softmax(e), and the context is the weighted sum c = Σ_t α_t h_t = Hᵀα.
The loss reaches the context as L = g · c for the upstream gradient g, so every
result holds for any loss downstream.
"""

from derive.rules._vocabulary import *

T = dim("T")
D = dim("D")
j, k = symbols("j k", integer=True, positive=True)

rule = Rule(
    "attention",
    "Dot-product attention",
    headline="dL/de_j = alpha_j (dL/dalpha_j - sum_k alpha_k dL/dalpha_k)",
    source="Deep Learning 101, attention lecture (dot-product scores, softmax weights, context vector)",
    proof_sizes=[{T: 2, D: 2}, {T: 3, D: 2}],
    test_sizes={T: 4, D: 3},
)

h_enc = rule.input("h_enc", (T, D), note="encoder states h_1..h_T (rows)")
h_dec = rule.input("h_dec", (D,), note="decoder state s")
g = rule.input("g", (D,), note="upstream gradient ∂L/∂c")

e = rule.quantity("e", MatVec(h_enc, h_dec), note="scores e_t = h_t · s")
alpha = rule.quantity("alpha", Softmax(e), note="attention weights")
c = rule.quantity("c", MatVec(Transpose(h_enc), alpha), note="context c = Σ_t α_t h_t")
L = rule.quantity("L", Total(g * c), note="the loss, linearized at the context")
dL_dalpha = rule.quantity("dL/dalpha", MatVec(h_enc, g), note="∂L/∂α_t = h_t · g")
dL_de = rule.quantity("dL/de", alpha * (dL_dalpha - Total(alpha * dL_dalpha)), note="through the softmax")
rule.quantity("dL/dh_dec", MatVec(Transpose(h_enc), dL_de), note="back to the decoder state")
rule.quantity("dL/dh_enc", Outer(alpha, g) + Outer(dL_de, h_dec), note="both paths to the encoder states")

rule.derive(
    "dL/de",
    Step(Derivative(L, e[j]), Sum(dL_dalpha[k] * Derivative(alpha[k], e[j]), (k, 1, T)),
         why="chain rule through the weights α_k", why_ko="가중치 α_k를 거치는 연쇄 법칙"),
    Step(Sum(dL_dalpha[k] * alpha[k] * (KroneckerDelta(k, j) - alpha[j]), (k, 1, T)),
         why="softmax Jacobian: ∂α_k/∂e_j = α_k(δ_kj − α_j)",
         why_ko="소프트맥스 야코비안: ∂α_k/∂e_j = α_k(δ_kj − α_j)"),
    Step(alpha[j] * (dL_dalpha[j] - Sum(alpha[k] * dL_dalpha[k], (k, 1, T))),
         why="the Kronecker delta keeps only k = j", why_ko="크로네커 델타는 k = j 항만 남긴다"),
    index=(j,), hold=("e",),
    title="Through the softmax of the scores",
)
rule.derive(
    "dL/dalpha",
    Step(Derivative(L, alpha[j]), Sum(g[k] * Derivative(c[k], alpha[j]), (k, 1, D)),
         why="chain rule through the context c", why_ko="컨텍스트 c를 거치는 연쇄 법칙"),
    Step(Sum(g[k] * h_enc[j, k], (k, 1, D)), why="c_k = Σ_t α_t H_tk, so ∂c_k/∂α_j = H_jk",
         why_ko="c_k = Σ_t α_t H_tk 이므로 ∂c_k/∂α_j = H_jk"),
    index=(j,), hold=("alpha",),
    title="The weight of each encoder state",
)

register(rule)
