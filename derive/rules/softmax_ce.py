"""Softmax output with cross-entropy loss (DL 101, lecture 13).

Headline: ∂L/∂o_j = ŷ_j − y_j.

The logits o pass through the softmax, ŷ_k = e^{o_k} / Σ_m e^{o_m}, and the loss
is the cross-entropy with a one-hot target, L = −Σ_k y_k log ŷ_k. The derivation
goes through the softmax Jacobian ∂ŷ_k/∂o_j = ŷ_k(δ_kj − ŷ_j) and closes with
Σ_k y_k = 1. The lecture does it with three outputs; here it is proven for K = 2..8.
Declared ``conventions: {log_base: 2}`` the loss is in bits and every gradient is
divided by log 2.
"""

from derive.rules._vocabulary import *

K = dim("K")
j, k = symbols("j k", integer=True, positive=True)


@conventional(log_base="e")
def build(c):
    bits = c.log_base == "2"
    rule = Rule(
        "softmax_ce",
        "Softmax + cross-entropy",
        headline="dL/do_j = (y_hat_j - y_j) / log 2" if bits else "dL/do_j = y_hat_j - y_j",
        source="Deep Learning 101, lecture 13 (softmax + cross-entropy derivative)",
        proof_sizes=[{K: n} for n in range(2, 9)],
        test_sizes={K: 5},
    )

    o = rule.input("o", (K,), Real(2.0), note="logits")
    y = rule.input("y", (K,), OneHot(), note="one-hot target")

    # Numerical stability: softmax and log-sum-exp are unchanged by shifting every
    # logit by the same amount; shifting by the largest keeps e^{o_k - m} <= 1.
    m = rule.quantity("_m", MaxOf(o), note="the largest logit")
    z = rule.quantity("_z", exp(o - m), note="shifted exponentials")
    Z = rule.quantity("_Z", Total(z), note="their sum")

    y_hat = rule.quantity("y_hat", Softmax(o), stable=z / Z, note="predicted probabilities")
    L = rule.quantity("L", -Total(y * c.log(y_hat)), stable=(m + log(Z) - Total(y * o)) / c.nat,
                      note="cross-entropy in bits" if bits else "cross-entropy")
    rule.quantity("dL/do", (y_hat - y) / c.nat, note="gradient of the loss by the logits")

    rule.derive(
        "dL/do",
        Step(Derivative(L, o[j]),
             -Sum(y[k] / y_hat[k] * Derivative(y_hat[k], o[j]), (k, 1, K)) / c.nat,
             why="chain rule; d/dŷ log₂ ŷ = 1/(ŷ log 2)" if bits else "chain rule; d/dŷ log ŷ = 1/ŷ",
             why_ko="연쇄 법칙, d/dŷ log₂ ŷ = 1/(ŷ log 2)" if bits else None),
        Step(-Sum(Mul(y[k] / y_hat[k], y_hat[k] * (KroneckerDelta(k, j) - y_hat[j]), evaluate=False),
                  (k, 1, K)) / c.nat,
             why="softmax Jacobian: ∂ŷ_k/∂o_j = ŷ_k(δ_kj − ŷ_j)"),
        Step((-Sum(y[k] * KroneckerDelta(k, j), (k, 1, K)) + y_hat[j] * Sum(y[k], (k, 1, K))) / c.nat,
             why="ŷ_k cancels; split the sum (ŷ_j does not depend on k)"),
        Step((-y[j] + y_hat[j] * Sum(y[k], (k, 1, K))) / c.nat,
             why="the Kronecker delta keeps only k = j"),
        Step((y_hat[j] - y[j]) / c.nat, why="one-hot target: Σ_k y_k = 1"),
        index=(j,),
        title="Gradient of the cross-entropy by the logits",
    )
    return rule


register(build())
