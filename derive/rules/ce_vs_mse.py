"""Why cross-entropy trains a sigmoid output faster than the squared error.

Headline: ∂L_ce/∂s = ŷ − y but ∂L_mse/∂s = (ŷ − y) ŷ (1 − ŷ). The extra factor
ŷ(1 − ŷ) is at most 1/4 and vanishes when the sigmoid saturates, so a confidently
wrong output (ŷ ≈ 0 for y = 1) barely moves under the squared error while the
cross-entropy gradient stays near −1 (fundamentals notes: "why losses differ
though updates look alike").
"""

from derive.rules._vocabulary import *

rule = Rule(
    "ce_vs_mse",
    "Cross-entropy against squared error after a sigmoid",
    headline="dL_mse/ds = (y_hat - y) y_hat (1 - y_hat) = ratio * dL_ce/ds",
    source="Fundamentals notes: why losses differ though the updates look alike",
)

s = rule.input("s", (), Real(3.0), note="logit")
y = rule.input("y", (), Unit(), note="target, 0 or 1")

y_hat = rule.quantity("y_hat", sigmoid(s), note="output ŷ = σ(s)")
L_ce = rule.quantity("L_ce", -(y * log(y_hat) + (1 - y) * log(1 - y_hat)), note="cross-entropy")
L_mse = rule.quantity("L_mse", (y_hat - y) ** 2 / 2, note="half the squared error")
g_ce = rule.quantity("dL_ce/ds", y_hat - y, note="cross-entropy gradient")
g_mse = rule.quantity("dL_mse/ds", (y_hat - y) * y_hat * (1 - y_hat), note="squared-error gradient")
rule.quantity("ratio", y_hat * (1 - y_hat), note="how much smaller the squared-error gradient is")

dsigmoid = sigmoid(s).diff(s).subs(sigmoid(s), y_hat)

rule.derive(
    "dL_mse/ds",
    Step(Derivative(L_mse, s), (y_hat - y) * Derivative(y_hat, s),
         why="chain rule: d/dŷ ½(ŷ − y)² = ŷ − y", why_ko="연쇄 법칙: d/dŷ ½(ŷ − y)² = ŷ − y"),
    Step((y_hat - y) * dsigmoid, why="σ'(s) = σ(s)(1 − σ(s)) stays in the product",
         why_ko="σ'(s) = σ(s)(1 − σ(s))가 곱에 남는다"),
    title="The squared error keeps the sigmoid's slope",
)
rule.derive(
    "dL_ce/ds",
    Step(Derivative(L_ce, s), -(y / y_hat - (1 - y) / (1 - y_hat)) * dsigmoid,
         why="chain rule through ŷ; σ'(s) = σ(s)(1 − σ(s))", why_ko="ŷ를 거치는 연쇄 법칙, σ' = σ(1 − σ)"),
    Step(y_hat - y, why="the slope cancels the logarithms' denominators",
         why_ko="시그모이드의 기울기가 로그의 분모를 지운다"),
    title="Cross-entropy cancels it",
)
rule.derive(
    "ratio",
    Step(g_mse / g_ce, y_hat * (1 - y_hat), why="divide the two gradients",
         why_ko="두 기울기의 비"),
    title="The squared-error gradient is the cross-entropy gradient times ŷ(1 − ŷ) ≤ 1/4",
)

register(rule)
