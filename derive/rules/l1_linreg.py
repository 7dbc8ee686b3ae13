"""Linear regression with an L1 penalty (DL 101, lecture 14).

Headline: ∂L/∂w = (2/N) Σ_n (ŷ_n − y_n) x_n + λ sign(w), so one step of gradient
descent pushes w towards 0 by the fixed amount η λ whatever its size: small
weights reach 0 and the model becomes sparse.
"""

from derive.rules._regression import (
    derive_bias_gradient, error_coefficient_text, error_gradient_steps, error_slope, regression_rule,
)
from derive.rules._vocabulary import *


@conventional(squared_error="full", reduce="mean")
def build(c):
    rule, s = regression_rule("l1_linreg", "Linear regression with an L1 penalty",
                              lambda w, lam: lam * Abs(w),
                              headline=f"dL/dw = {error_coefficient_text(c)}sum_n (y_hat_n - y_n) x_n + lam sign(w)",
                              c=c, weight_domain=NonZero())
    x, y, w, b, lr, lam, y_hat, E, R, L = (s[k] for k in ("x", "y", "w", "b", "lr", "lam", "y_hat", "E", "R", "L"))
    dE_dw, dE_db = error_gradient_steps(s)

    dL_dw = rule.quantity("dL/dw", dE_dw + lam * sign(w), note="gradient by the weight")
    dL_db = rule.quantity("dL/db", dE_db, note="gradient by the bias")
    rule.quantity("w_new", w - lr * dL_dw, note="weight after one step")
    rule.quantity("b_new", b - lr * dL_db, note="bias after one step")

    rule.derive(
        "dL/dw",
        Step(Derivative(L, w), Derivative(E, w) + Derivative(R, w),
             why="sum rule: L = E + R", why_ko="합의 미분: L = E + R"),
        Step(error_slope(s, (y_hat - y) * Derivative(y_hat, w)) + lam * Derivative(Abs(w), w),
             why="chain rule through the square (ŷ_n − y_n)²", why_ko="제곱 (ŷ_n − y_n)²에 연쇄 법칙"),
        Step(dE_dw + lam * Abs(w).diff(w),
             why="∂ŷ_n/∂w = x_n; d|w|/dw = sign(w) for w ≠ 0",
             why_ko="∂ŷ_n/∂w = x_n, 절댓값의 도함수는 부호 sign(w) (w ≠ 0)"),
        title="Gradient of the L1-regularized loss by the weight",
    )
    derive_bias_gradient(rule, s, dE_db)
    rule.derive(
        "w_new",
        Step(w - lr * dL_dw, w - lr * dE_dw - lr * lam * sign(w),
             why="gradient descent step, expanded", why_ko="경사하강 한 스텝을 전개"),
        title="The update: a constant push η λ towards 0",
    )
    return rule


register(build())
