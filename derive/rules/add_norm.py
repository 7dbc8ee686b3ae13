"""Add & Norm, the transformer's residual connection followed by layer normalization (the
transformer lecture: "원래 입력(임베딩+포지션)을 더하는 잔차 연결과 레이어 정규화"): n = LN(x + a),
a being the sublayer's output (attention's or the feed-forward network's).

Headline: the sum r = x + a is normalized as in ``layer_norm``: ∂L/∂r = (∂L/∂ẑ − mean(∂L/∂ẑ) −
ẑ mean(∂L/∂ẑ ⊙ ẑ))/σ with ∂L/∂ẑ = γ ⊙ g; the residual connection hands that same gradient to both
its inputs, ∂L/∂x = ∂L/∂a = ∂L/∂r. ``g`` is ∂L/∂n from the layers above.
"""

from derive.rules._vocabulary import *

D = dim("D")
j, k = symbols("j k", integer=True, positive=True)

rule = Rule(
    "add_norm",
    "Add & Norm: a residual connection, then layer normalization",
    headline="dL/dx = dL/da = dL/dr = (dL/dz - mean(dL/dz) - z mean(dL/dz z))/sigma, dL/dz = gamma g",
    source="Transformer lecture: Add & Norm after attention and after the feed-forward network",
    proof_sizes=[{D: 2}, {D: 3}],
    test_sizes={D: 5},
    title_ko="Add & Norm: 잔차 연결 뒤 층 정규화",
    source_ko="트랜스포머 강의: 어텐션 뒤와 피드포워드 뒤의 Add & Norm",
)
x = rule.input("x", (D,), note="the sublayer's input (the residual path)", note_ko="부분층의 입력 (잔차 경로)")
a = rule.input("a", (D,), note="the sublayer's output (attention's, or the feed-forward network's)",
               note_ko="부분층의 출력 (어텐션 또는 피드포워드)")
gamma = rule.input("gamma", (D,), note="scale γ per unit", note_ko="뉴런마다의 배율 γ")
beta = rule.input("beta", (D,), note="shift β per unit", note_ko="뉴런마다의 이동 β")
g = rule.input("g", (D,), note="gradient dL/dn from the layers above", note_ko="위층에서 온 기울기 dL/dn")
eps = rule.input("eps", (), Positive(1e-5, 1e-2), default=1e-5, note="ε added to the variance",
                 note_ko="분산에 더하는 ε")

r = rule.quantity("r", x + a, note="Add: the residual connection x + a", note_ko="Add: 잔차 연결 x + a")
mu = rule.quantity("mu", Total(r) / D, note="mean of the units", note_ko="뉴런들의 평균")
sd = rule.quantity("sd", sqrt(Total((r - mu) ** 2) / D + eps), note="√(variance + ε)", note_ko="√(분산 + ε)")
z = rule.quantity("z", (r - mu) / sd, note="normalized", note_ko="정규화한 값")
n = rule.quantity("n", gamma * z + beta, note="Norm: the output γ ẑ + β", note_ko="Norm: 출력 γ ẑ + β")
L = rule.quantity("L", Total(g * n), note="a loss whose gradient by n is g", note_ko="n에 대한 기울기가 g인 손실")
rule.quantity("dL/dgamma", g * z, note="gradient by the scale", note_ko="배율에 대한 기울기")
rule.quantity("dL/dbeta", g, note="gradient by the shift", note_ko="이동에 대한 기울기")
dz = rule.quantity("dL/dz", gamma * g, note="gradient by the normalized units", note_ko="정규화한 값에 대한 기울기")
dr = rule.quantity("dL/dr", (dz - Total(dz) / D - z * Total(dz * z) / D) / sd,
                   note="through the mean and the variance", note_ko="평균과 분산을 거슬러")
rule.quantity("dL/dx", dr, note="the residual path gets the sum's gradient", note_ko="잔차 경로는 합의 기울기를 받는다")
rule.quantity("dL/da", dr, note="and so does the sublayer", note_ko="부분층도 같은 기울기를 받는다")

rule.derive(
    "dL/dr",
    Step(Derivative(L, r[j]), Sum(dz[k] * Derivative(z[k], r[j]), (k, 1, D)),
         why="chain rule through ẑ: r_j moves every ẑ_k through the mean and the variance",
         why_ko="ẑ 를 거치는 연쇄 법칙: r_j 는 평균과 분산을 통해 모든 ẑ_k 를 움직인다"),
    Step(Sum(dz[k] * ((KroneckerDelta(k, j) - Rational(1) / D) / sd - z[k] * z[j] / (D * sd)), (k, 1, D)),
         why="∂ẑ_k/∂r_j = (δ_kj − 1/D)/σ − ẑ_k ẑ_j/(D σ)", why_ko="∂ẑ_k/∂r_j = (δ_kj − 1/D)/σ − ẑ_k ẑ_j/(D σ) (정규화의 야코비안)"),
    Step((dz[j] - Sum(dz[k], (k, 1, D)) / D - z[j] * Sum(dz[k] * z[k], (k, 1, D)) / D) / sd,
         why="the Kronecker delta keeps k = j; the other two terms are means over k",
         why_ko="크로네커 델타는 k = j 만 남기고, 나머지 두 항은 k 에 대한 평균"),
    index=(j,), hold=("r",),
    title="Norm: through the mean and the variance", title_ko="Norm: 평균과 분산을 거슬러",
)
rule.derive(
    "dL/dx",
    Step(Derivative(L, x[j]), dr[j], why="Add: r = x + a, so ∂r_j/∂x_j = 1 and x gets the sum's gradient",
         why_ko="Add: r = x + a 이므로 ∂r_j/∂x_j = 1, x 는 합의 기울기를 그대로 받는다"),
    index=(j,),
    title="Add: the residual connection passes the gradient on", title_ko="Add: 잔차 연결은 기울기를 그대로 넘긴다",
)

register(rule)
