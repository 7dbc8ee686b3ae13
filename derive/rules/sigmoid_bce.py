"""Sigmoid output with binary cross-entropy (DL 101, lecture 5; the notes' Δw = η(r − y)x).

Headline: ∂L/∂s = ŷ − y.

The logit s passes through the sigmoid, ŷ = σ(s), and the loss is the binary
cross-entropy L = −y log ŷ − (1 − y) log(1 − ŷ). The sigmoid's derivative
σ(1 − σ) cancels the 1/ŷ and 1/(1 − ŷ) of the logarithms, which is why the
gradient is simply the error ŷ − y. Declared ``conventions: {log_base: 2}`` the loss
is in bits and the gradient is (ŷ − y)/log 2.
"""

from sympy.codegen.cfunctions import log1p

from derive.rules._vocabulary import *


@conventional(log_base="e")
def build(c):
    bits = c.log_base == "2"
    rule = Rule(
        "sigmoid_bce",
        "Sigmoid + binary cross-entropy",
        headline="dL/ds = (y_hat - y) / log 2" if bits else "dL/ds = y_hat - y",
        source="Deep Learning 101, lecture 5; fundamentals notes (update rule for a sigmoid output)",
    )

    s = rule.input("s", (), Real(3.0), note="logit")
    y = rule.input("y", (), Unit(), note="target, 0 or 1")

    # Numerical stability: e^{-|s|} <= 1 never overflows; both the sigmoid and the
    # softplus in the loss are written with it.
    e = rule.quantity("_e", exp(-Abs(s)), note="e^{-|s|}")
    d = rule.quantity("_d", 1 + e, note="1 + e^{-|s|}")

    y_hat = rule.quantity("y_hat", sigmoid(s),
                          stable=Piecewise((1 / d, s >= 0), (e / d, True)),
                          note="predicted probability")
    L = rule.quantity("L", -(y * c.log(y_hat) + (1 - y) * c.log(1 - y_hat)),
                      stable=(Max(s, 0) + log1p(e) - y * s) / c.nat,
                      note="binary cross-entropy in bits" if bits else "binary cross-entropy")
    rule.quantity("dL/ds", (y_hat - y) / c.nat, note="gradient of the loss by the logit")

    dlogistic = sigmoid(s).diff(s).subs(sigmoid(s), y_hat)  # σ'(s) written with ŷ

    rule.derive(
        "dL/ds",
        Step(Derivative(L, s),
             -(y / y_hat - (1 - y) / (1 - y_hat)) * Derivative(y_hat, s) / c.nat,
             why="chain rule through ŷ; d/dŷ log₂ ŷ = 1/(ŷ log 2)" if bits
             else "chain rule through ŷ; d/dŷ log ŷ = 1/ŷ",
             why_ko="ŷ를 거치는 연쇄 법칙, d/dŷ log₂ ŷ = 1/(ŷ log 2)" if bits else None),
        Step(-(y / y_hat - (1 - y) / (1 - y_hat)) * dlogistic / c.nat,
             why="derivative of the sigmoid: σ'(s) = σ(s)(1 − σ(s))"),
        Step(-(y * (1 - y_hat) - (1 - y) * y_hat) / c.nat,
             why="multiply out: ŷ(1 − ŷ) cancels the denominators"),
        Step((y_hat - y) / c.nat, why="the ±yŷ terms cancel"),
        title="Gradient of the binary cross-entropy by the logit",
    )
    return rule


register(build())
