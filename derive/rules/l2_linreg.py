"""Linear regression with an L2 penalty: weight decay (DL 101, lecture 14).

Headline: ∂L/∂w = (2/N) Σ_n (ŷ_n − y_n) x_n + 2λw, so the update is
w ← (1 − 2ηλ) w − η ∂E/∂w: the weight is first shrunk by a fixed ratio
("weight decay"), then moved along the error gradient. With the penalty
written (λ/2) w² (``conventions: {l2: half}``) the 2 goes: ∂R/∂w = λw and the
update is w ← (1 − ηλ) w − η ∂E/∂w.
"""

from derive.rules._regression import (
    derive_bias_gradient, error_gradient_steps, error_slope, regression_rule,
)
from derive.rules._vocabulary import *


@conventional(squared_error="full", reduce="mean", l2="full")
def build(c):
    decay = "2 lr lam" if c.l2 == "full" else "lr lam"
    rule, s = regression_rule("l2_linreg", "Linear regression with an L2 penalty (weight decay)",
                              lambda w, lam: c.l2_half * lam * w ** 2,
                              headline=f"w_new = (1 - {decay}) w - lr dE/dw", c=c)
    x, y, w, b, lr, lam, y_hat, E, R, L = (s[k] for k in ("x", "y", "w", "b", "lr", "lam", "y_hat", "E", "R", "L"))
    dE_dw, dE_db = error_gradient_steps(s)

    dEdw = rule.quantity("dE/dw", dE_dw, note="gradient of the error alone")
    dL_dw = rule.quantity("dL/dw", dEdw + c.l2_slope * lam * w, note="gradient by the weight")
    dL_db = rule.quantity("dL/db", dE_db, note="gradient by the bias")
    rule.quantity("w_new", w - lr * dL_dw, note="weight after one step")
    rule.quantity("b_new", b - lr * dL_db, note="bias after one step")

    penalty = f"d({c.l2_text}w²)/dw = {c.l2_slope_text}w"
    rule.derive(
        "dL/dw",
        Step(Derivative(L, w), Derivative(E, w) + Derivative(R, w),
             why="sum rule: L = E + R", why_ko="합의 미분: L = E + R"),
        Step(error_slope(s, (y_hat - y) * Derivative(y_hat, w)) + (c.l2_half * lam * w ** 2).diff(w),
             why=f"chain rule through the square; {penalty}",
             why_ko=f"제곱에 연쇄 법칙, {penalty}"),
        Step(dEdw + c.l2_slope * lam * w, why="∂ŷ_n/∂w = x_n", why_ko="∂ŷ_n/∂w = x_n"),
        title="Gradient of the L2-regularized loss by the weight",
    )
    derive_bias_gradient(rule, s, dE_db)
    rule.derive(
        "w_new",
        Step(w - lr * dL_dw, w - lr * (dEdw + c.l2_slope * lam * w),
             why="gradient descent step", why_ko="경사하강 한 스텝"),
        Step((1 - c.l2_slope * lr * lam) * w - lr * dEdw,
             why="collect the terms in w: weight decay", why_ko="w 항을 묶으면 weight decay 꼴"),
        title="The update as weight decay",
    )
    return rule


register(build())
