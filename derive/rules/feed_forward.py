"""The transformer's position-wise feed-forward network with its residual connection (the
transformer lecture: "두 층짜리 ReLU 피드포워드 네트워크"): f = W₂ ReLU(W₁ n + b₁) + b₂ and r = n + f,
which the next Add & Norm normalizes.

Headline: with g = ∂L/∂r from above: ∂L/∂W₂ = g hᵀ, ∂L/∂b₂ = g, ∂L/∂s = (W₂ᵀ g) ⊙ [s > 0],
∂L/∂W₁ = ∂L/∂s nᵀ, ∂L/∂b₁ = ∂L/∂s, and the input gets both paths: ∂L/∂n = g + W₁ᵀ ∂L/∂s.
The hidden layer is wider than the model (F = 4D in the original transformer).
"""

from derive.rules._vocabulary import *

D, F = dim("D"), dim("F")
j, k = symbols("j k", integer=True, positive=True)

rule = Rule(
    "feed_forward",
    "Transformer feed-forward network with its residual connection",
    headline="dL/dn = g + W_1^T ((W_2^T g) ⊙ [s > 0]); dL/dW_2 = g h^T; dL/dW_1 = dL/ds n^T",
    source="Transformer lecture: the two-layer ReLU feed-forward network, then Add & Norm",
    proof_sizes=[{D: 2, F: 3}, {D: 3, F: 2}],
    test_sizes={D: 3, F: 5},
    title_ko="트랜스포머 피드포워드 네트워크와 잔차 연결",
    source_ko="트랜스포머 강의: 두 층짜리 ReLU 피드포워드 네트워크, 그 뒤 Add & Norm",
)
n = rule.input("n", (D,), note="the position's input (the first Add & Norm's output)", note_ko="이 위치의 입력 (첫 Add & Norm 의 출력)")
W_1 = rule.input("W_1", (F, D), note="first layer: D → F", note_ko="첫 층: D → F")
b_1 = rule.input("b_1", (F,), note="its biases", note_ko="첫 층의 편향")
W_2 = rule.input("W_2", (D, F), note="second layer: F → D", note_ko="둘째 층: F → D")
b_2 = rule.input("b_2", (D,), note="its biases", note_ko="둘째 층의 편향")
g = rule.input("g", (D,), note="gradient dL/dr from the next Add & Norm", note_ko="다음 Add & Norm 에서 온 기울기 dL/dr")

s = rule.quantity("s", MatVec(W_1, n) + b_1, note="pre-activation", note_ko="활성화 전 값")
h = rule.quantity("h", relu(s), note="hidden units: ReLU", note_ko="은닉 뉴런: ReLU")
f = rule.quantity("f", MatVec(W_2, h) + b_2, note="the network's output", note_ko="네트워크의 출력")
r = rule.quantity("r", n + f, note="Add: the residual connection n + f", note_ko="Add: 잔차 연결 n + f")
L = rule.quantity("L", Total(g * r), note="a loss whose gradient by r is g", note_ko="r에 대한 기울기가 g인 손실")
rule.quantity("dL/dW_2", Outer(g, h), note="second layer's weights", note_ko="둘째 층 가중치")
rule.quantity("dL/db_2", g, note="second layer's biases", note_ko="둘째 층 편향")
dL_dh = rule.quantity("dL/dh", MatVec(Transpose(W_2), g), note="back through the second layer", note_ko="둘째 층을 거슬러")
dL_ds = rule.quantity("dL/ds", dL_dh * Heaviside(s, 0), note="through the ReLU: where s > 0", note_ko="ReLU 를 거슬러: s > 0 인 곳만")
rule.quantity("dL/dW_1", Outer(dL_ds, n), note="first layer's weights", note_ko="첫 층 가중치")
rule.quantity("dL/db_1", dL_ds, note="first layer's biases", note_ko="첫 층 편향")
rule.quantity("dL/dn", g + MatVec(Transpose(W_1), dL_ds), note="both paths: the residual and the network",
              note_ko="두 경로: 잔차와 네트워크")

rule.derive(
    "dL/dn",
    Step(Derivative(L, n[j]), g[j] + Sum(g[k] * Derivative(f[k], n[j]), (k, 1, D)),
         why="n reaches r twice: straight through the residual (∂r_j/∂n_j = 1) and through f",
         why_ko="n 은 r 에 두 번 닿는다: 잔차로 곧장 (∂r_j/∂n_j = 1), 그리고 f 를 거쳐"),
    Step(g[j] + Sum(dL_ds[k] * W_1[k, j], (k, 1, F)),
         why="chain rule through h and s: Σ_k g_k ∂f_k/∂n_j = Σ_k (∂L/∂s)_k W₁,kj",
         why_ko="h 와 s 를 거치는 연쇄 법칙: Σ_k g_k ∂f_k/∂n_j = Σ_k (∂L/∂s)_k W₁,kj"),
    index=(j,),
    title="A residual connection adds its two paths", title_ko="잔차 연결은 두 경로를 더한다",
)

register(rule)
