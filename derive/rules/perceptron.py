"""The perceptron update with a sigmoid output (fundamentals notes, "핵심 업데이트").

Headline: w_new = w + η (y − ŷ) x: with a sigmoid output and cross-entropy the
update has the same form as for a linear output with squared error, because
σ'(s) = ŷ(1 − ŷ) cancels the cross-entropy's denominators. (The notes write the
target as r and the output as y: Δw_j = η (r − y) x_j; their error signal δ = r − y and
their update Δw = +η δ x are the quantities ``delta`` and ``dw``.)
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "perceptron",
    "Perceptron update with a sigmoid output",
    headline="w_new = w + lr (y - y_hat) x",
    source="Fundamentals notes: update rules Δw = η(r − y)x for each output type",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
)

x = rule.input("x", (D,), note="input")
w = rule.input("w", (D,), note="weights")
y = rule.input("y", (), Unit(), note="target r, 0 or 1")
lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η")

s = rule.quantity("s", Total(w * x), note="the weighted sum s = wᵀx")
y_hat = rule.quantity("y_hat", sigmoid(s), note="output ŷ = σ(s)")
E = rule.quantity("E", -(y * log(y_hat) + (1 - y) * log(1 - y_hat)), note="cross-entropy")
rule.quantity("dE/ds", y_hat - y, note="gradient by the weighted sum")
dE_dw = rule.quantity("dE/dw", (y_hat - y) * x, note="gradient by the weights")
rule.quantity("w_new", w - lr * dE_dw, note="weights after one step")
delta = rule.quantity("delta", y - y_hat, note="the notes' error signal δ = r − y = −∂E/∂s")
rule.quantity("dw", lr * delta * x, note="the notes' update Δw = η δ x")

rule.derive(
    "dE/dw",
    Step(Derivative(E, w[1]), -(y / y_hat - (1 - y) / (1 - y_hat)) * Derivative(y_hat, w[1]),
         why="chain rule through ŷ", why_ko="ŷ를 거치는 연쇄 법칙"),
    Step(-(y / y_hat - (1 - y) / (1 - y_hat)) * sigmoid(s).diff(s).subs(sigmoid(s), y_hat) * x[1],
         why="σ'(s) = σ(s)(1 − σ(s)) and ∂s/∂w_1 = x_1", why_ko="σ'(s) = σ(s)(1 − σ(s)), ∂s/∂w_1 = x_1"),
    Step((y_hat - y) * x[1], why="ŷ(1 − ŷ) cancels the denominators", why_ko="ŷ(1 − ŷ)가 분모를 지운다"),
    index=(1,),
    title="Gradient by the first weight (every weight alike)",
)
rule.derive(
    "w_new",
    Step(w - lr * dE_dw, w + lr * (y - y_hat) * x,
         why="gradient descent: w ← w − η ∂E/∂w", why_ko="경사하강: w ← w − η ∂E/∂w"),
    title="The update Δw = η (y − ŷ) x",
)
rule.derive(
    "delta",
    Step(delta, -Derivative(E, s), why="the notes' error signal δ = r − y is the negative gradient −∂E/∂s",
         why_ko="강의 노트의 오차 신호 δ = r − y 는 기울기의 음수 −∂E/∂s"),
    hold=("s",),
    title="The notes' error signal δ = r − y",
)
rule.derive(
    "dw",
    Step(rule.symbol("dw"), -lr * dE_dw, why="the notes' update Δw = +η δ x is the gradient step −η ∂E/∂w",
         why_ko="강의 노트의 갱신량 Δw = +η δ x 는 경사하강 한 스텝 −η ∂E/∂w"),
    title="The notes' update Δw = η δ x",
)

register(rule)
