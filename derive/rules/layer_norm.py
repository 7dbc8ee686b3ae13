"""Layer normalization: one example's D units normalized by their own mean and variance, then
scaled and shifted per unit (γ, β). The derivation is :mod:`derive.rules._normalization`'s.

Headline: ∂L/∂x = (∂L/∂x̂ − mean(∂L/∂x̂) − x̂ mean(∂L/∂x̂ ⊙ x̂))/σ, with ∂L/∂x̂ = γ ⊙ g.
"""

from derive.rules._normalization import normalize
from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "layer_norm",
    "Layer normalization: forward and backward through the mean and variance",
    headline="dL/dx = (dL/dx_hat - mean(dL/dx_hat) - x_hat mean(dL/dx_hat x_hat))/sigma",
    source="Transformer lecture notes: Add & Norm",
    proof_sizes=[{D: 2}, {D: 3}],
    test_sizes={D: 5},
    title_ko="층 정규화: 평균과 분산을 거치는 순전파와 역전파",
    source_ko="트랜스포머 강의 노트: Add & Norm",
)

x = rule.input("x", (D,), note="one example's units", note_ko="한 샘플의 뉴런 값들")
gamma = rule.input("gamma", (D,), note="scale γ per unit", note_ko="뉴런마다의 배율 γ")
beta = rule.input("beta", (D,), note="shift β per unit", note_ko="뉴런마다의 이동 β")
g = rule.input("g", (D,), note="gradient dL/dy from the layers above", note_ko="위층에서 온 기울기 dL/dy")
eps = rule.input("eps", (), Positive(1e-5, 1e-2), default=1e-5, note="ε added to the variance",
                 note_ko="분산에 더하는 ε")

normalize(rule, x, D, gamma, beta, g, eps, "the units", "뉴런들")

register(rule)
