"""A linear output with the squared error (fundamentals notes: the regression perceptron).

Headline: ∂L/∂w = (ŷ − y) x and ∂L/∂b = ŷ − y, so gradient descent is the update
w ← w + η (y − ŷ) x (the notes' Δw = η(r − y)x, with r the target).
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "linear_mse",
    "Linear output + squared error",
    headline="dL/dw = (y_hat - y) x",
    source="Fundamentals notes, update rules (linear output, MSE)",
    proof_sizes=[{D: 1}, {D: 3}],
    test_sizes={D: 4},
)

x = rule.input("x", (D,), note="input")
w = rule.input("w", (D,), note="weights")
b = rule.input("b", (), note="bias")
y = rule.input("y", (), note="target")

y_hat = rule.quantity("y_hat", Total(w * x) + b, note="prediction ŷ = wᵀx + b")
L = rule.quantity("L", (y_hat - y) ** 2 / 2, note="half the squared error")
rule.quantity("dL/dy_hat", y_hat - y, note="the error")
rule.quantity("dL/dw", (y_hat - y) * x, note="gradient by the weights")
rule.quantity("dL/db", y_hat - y, note="gradient by the bias")

rule.derive(
    "dL/dw",
    Step(Derivative(L, w[1]), (y_hat - y) * Derivative(y_hat, w[1]),
         why="chain rule: d/dŷ ½(ŷ − y)² = ŷ − y", why_ko="연쇄 법칙: d/dŷ ½(ŷ − y)² = ŷ − y"),
    Step((y_hat - y) * x[1], why="ŷ = Σ_j w_j x_j + b, so ∂ŷ/∂w_1 = x_1",
         why_ko="ŷ = Σ_j w_j x_j + b 이므로 ∂ŷ/∂w_1 = x_1"),
    index=(1,),
    title="Gradient by the first weight (every weight alike)",
)

register(rule)
