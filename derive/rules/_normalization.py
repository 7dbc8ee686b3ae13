"""Normalization by the mean and variance over one axis, for ``layer_norm`` (a layer's D units of
one example) and ``batch_norm`` (one unit over a batch of M examples): the same derivation.

x̂ = (x − μ)/σ with μ = Σ x/n and σ = √(Σ (x − μ)²/n + ε), y = γ x̂ + β. ``g`` stands for ∂L/∂y, the
gradient from the layers above (L = Σ_k g_k y_k). The classic result: ∂L/∂x_j = (∂L/∂x̂_j − mean of
∂L/∂x̂ − x̂_j · mean of ∂L/∂x̂ ⊙ x̂)/σ, the two means being what x_j does through μ and σ.
"""

from derive.rules._vocabulary import *

j, k = symbols("j k", integer=True, positive=True)


def normalize(rule, x, n, gamma, beta, g, eps, where: str, where_ko: str):
    """The quantities of normalizing x (n numbers) and the derivation of ∂L/∂x; returns the symbols."""
    mu = rule.quantity("mu", Total(x) / n, note=f"mean over {where}", note_ko=f"{where_ko}에 대한 평균")
    var = rule.quantity("var", Total((x - mu) ** 2) / n, note=f"variance over {where} (divided by their number)",
                        note_ko=f"{where_ko}에 대한 분산 (개수로 나눈)")
    sd = rule.quantity("sd", sqrt(var + eps), note="standard deviation σ = √(var + ε)",
                       note_ko="표준편차 σ = √(var + ε)")
    x_hat = rule.quantity("x_hat", (x - mu) / sd, note="normalized input", note_ko="정규화한 입력")
    y = rule.quantity("y", gamma * x_hat + beta, note="output γ x̂ + β", note_ko="출력 γ x̂ + β")
    L = rule.quantity("L", Total(g * y), note="a loss whose gradient by y is g", note_ko="y에 대한 기울기가 g인 손실")
    rule.quantity("dL/dgamma", g * x_hat if gamma.shape else Total(g * x_hat), note="gradient by the scale γ",
                  note_ko="배율 γ 에 대한 기울기")
    rule.quantity("dL/dbeta", g if beta.shape else Total(g), note="gradient by the shift β",
                  note_ko="이동 β 에 대한 기울기")
    dxh = rule.quantity("dL/dx_hat", g * gamma, note="gradient by the normalized input",
                        note_ko="정규화한 입력에 대한 기울기")
    rule.quantity("dL/dx", (dxh - Total(dxh) / n - x_hat * Total(dxh * x_hat) / n) / sd,
                  note="gradient by the input", note_ko="입력에 대한 기울기")

    rule.derive(
        "dL/dx",
        Step(Derivative(L, x[j]), Sum(dxh[k] * Derivative(x_hat[k], x[j]), (k, 1, n)),
             why="chain rule through x̂: ∂L/∂x̂_k = g_k γ_k, and x_j reaches every x̂_k through μ and σ",
             why_ko="x̂ 를 거치는 연쇄 법칙: ∂L/∂x̂_k = g_k γ_k, x_j 는 μ 와 σ 를 통해 모든 x̂_k 에 닿는다"),
        Step(Sum(dxh[k] * ((KroneckerDelta(k, j) - Rational(1) / n) / sd - x_hat[k] * x_hat[j] / (n * sd)),
                 (k, 1, n)),
             why="∂x̂_k/∂x_j = (δ_kj − 1/n)/σ − x̂_k x̂_j/(n σ): x_j moves μ by 1/n and σ² by 2(x_j − μ)/n",
             why_ko="∂x̂_k/∂x_j = (δ_kj − 1/n)/σ − x̂_k x̂_j/(n σ): x_j 는 μ 를 1/n, σ² 를 2(x_j − μ)/n 만큼 움직인다"),
        Step((dxh[j] - Sum(dxh[k], (k, 1, n)) / n - x_hat[j] * Sum(dxh[k] * x_hat[k], (k, 1, n)) / n) / sd,
             why="the Kronecker delta keeps k = j; the other two terms are means over k",
             why_ko="크로네커 델타는 k = j 만 남기고, 나머지 두 항은 k 에 대한 평균"),
        index=(j,),
        title="Gradient by the input through the mean and the variance",
        title_ko="평균과 분산을 거치는 입력에 대한 기울기",
    )
    return mu, var, sd, x_hat, y
