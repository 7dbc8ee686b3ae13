"""A linear output with the squared error (fundamentals notes: the regression perceptron).

Headline: ∂L/∂w = (ŷ − y) x and ∂L/∂b = ŷ − y, so gradient descent is the update
w ← w + η (y − ŷ) x (the notes' Δw = η(r − y)x, with r the target, and their error
signal δ = r − y, the quantity ``delta``).

The loss is half the squared error, L = ½(ŷ − y)², as in the notes; declared
``conventions: {squared_error: full}`` it is (ŷ − y)² and every gradient doubles.
"""

from derive.rules._vocabulary import *

D = dim("D")


@conventional(squared_error="half")
def build(c):
    rule = Rule(
        "linear_mse",
        "Linear output + squared error",
        headline=f"dL/dw = {c.slope_text + ' ' if c.slope_text else ''}(y_hat - y) x",
        source="Fundamentals notes, update rules (linear output, MSE)",
        proof_sizes=[{D: 1}, {D: 3}],
        test_sizes={D: 4},
    )

    x = rule.input("x", (D,), note="input")
    w = rule.input("w", (D,), note="weights")
    b = rule.input("b", (), note="bias")
    y = rule.input("y", (), note="target")

    y_hat = rule.quantity("y_hat", Total(w * x) + b, note="prediction ŷ = wᵀx + b")
    L = rule.quantity("L", c.half * (y_hat - y) ** 2,
                      note="half the squared error" if c.half_text else "the squared error")
    rule.quantity("dL/dy_hat", c.slope * (y_hat - y), note="the error")
    rule.quantity("dL/dw", c.slope * (y_hat - y) * x, note="gradient by the weights")
    rule.quantity("dL/db", c.slope * (y_hat - y), note="gradient by the bias")
    rule.quantity("delta", c.slope * (y - y_hat), note="the notes' error signal δ = r − y = −∂L/∂ŷ")

    square = f"d/dŷ {c.half_text}(ŷ − y)² = {c.slope_times('ŷ − y')}"
    rule.derive(
        "dL/dw",
        Step(Derivative(L, w[1]), c.slope * (y_hat - y) * Derivative(y_hat, w[1]),
             why=f"chain rule: {square}", why_ko=f"연쇄 법칙: {square}"),
        Step(c.slope * (y_hat - y) * x[1], why="ŷ = Σ_j w_j x_j + b, so ∂ŷ/∂w_1 = x_1",
             why_ko="ŷ = Σ_j w_j x_j + b 이므로 ∂ŷ/∂w_1 = x_1"),
        index=(1,),
        title="Gradient by the first weight (every weight alike)",
    )
    rule.derive(
        "delta",
        Step(rule.symbol("delta"), -Derivative(L, y_hat),
             why="the notes' error signal is the negative gradient: δ = r − y, Δw = +η δ x",
             why_ko="강의 노트의 오차 신호는 기울기의 음수: δ = r − y, Δw = +η δ x"),
        hold=("y_hat",),
        title="The notes' error signal δ = r − y",
    )
    return rule


register(build())
