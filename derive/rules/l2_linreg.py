"""Linear regression with an L2 penalty: weight decay (DL 101, lecture 14).

Headline: ∂L/∂w = (2/N) Σ_n (ŷ_n − y_n) x_n + 2λw, so the update is
w ← (1 − 2ηλ) w − η ∂E/∂w: the weight is first shrunk by a fixed ratio
("weight decay"), then moved along the error gradient.
"""

from derive.rules._regression import N, derive_bias_gradient, error_gradient_steps, regression_rule
from derive.rules._vocabulary import *

rule, s = regression_rule("l2_linreg", "Linear regression with an L2 penalty (weight decay)",
                          lambda w, lam: lam * w ** 2,
                          headline="w_new = (1 - 2 lr lam) w - lr dE/dw")
x, y, w, b, lr, lam, y_hat, E, R, L = (s[k] for k in ("x", "y", "w", "b", "lr", "lam", "y_hat", "E", "R", "L"))
dE_dw, dE_db = error_gradient_steps(s)

dEdw = rule.quantity("dE/dw", dE_dw, note="gradient of the error alone")
dL_dw = rule.quantity("dL/dw", dEdw + 2 * lam * w, note="gradient by the weight")
dL_db = rule.quantity("dL/db", dE_db, note="gradient by the bias")
rule.quantity("w_new", w - lr * dL_dw, note="weight after one step")
rule.quantity("b_new", b - lr * dL_db, note="bias after one step")

rule.derive(
    "dL/dw",
    Step(Derivative(L, w), Derivative(E, w) + Derivative(R, w),
         why="sum rule: L = E + R", why_ko="합의 미분: L = E + R"),
    Step(2 * Total((y_hat - y) * Derivative(y_hat, w)) / N + (lam * w ** 2).diff(w),
         why="chain rule through the square; d(λw²)/dw = 2λw",
         why_ko="제곱에 연쇄 법칙, d(λw²)/dw = 2λw"),
    Step(dEdw + 2 * lam * w, why="∂ŷ_n/∂w = x_n", why_ko="∂ŷ_n/∂w = x_n"),
    title="Gradient of the L2-regularized loss by the weight",
)
derive_bias_gradient(rule, s, dE_db)
rule.derive(
    "w_new",
    Step(w - lr * dL_dw, w - lr * (dEdw + 2 * lam * w),
         why="gradient descent step", why_ko="경사하강 한 스텝"),
    Step((1 - 2 * lr * lam) * w - lr * dEdw,
         why="collect the terms in w: weight decay", why_ko="w 항을 묶으면 weight decay 꼴"),
    title="The update as weight decay",
)

register(rule)
