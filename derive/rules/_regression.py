"""The shared forward model of L1 and L2 regression (DL 101, lecture 14).

A line ŷ_n = w x_n + b fitted to N samples by the mean squared error
E = (1/N) Σ_n (ŷ_n − y_n)², plus a penalty R on the weight, and one step of
gradient descent. Only the penalty differs between ``l1_linreg`` and ``l2_linreg``.
"""

from derive.rules._vocabulary import *

N = dim("N")


def regression_rule(name: str, title: str, penalty, *, headline: str, weight_domain=Real()):
    """The rule with inputs x, y, w, b, lr, lam and the forward quantities up to L.

    ``penalty(w, lam)`` is the regularizer R; returns the rule and its symbols.
    """
    rule = Rule(name, title, headline=headline,
                source="Deep Learning 101, lecture 14 (L1, L2 regularization)",
                proof_sizes=[{N: 1}, {N: 3}], test_sizes={N: 4})
    x = rule.input("x", (N,), Real(), note="inputs of the N samples")
    y = rule.input("y", (N,), Real(), note="targets of the N samples")
    w = rule.input("w", (), weight_domain, note="weight")
    b = rule.input("b", (), Real(), note="bias")
    lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η")
    lam = rule.input("lam", (), Positive(0.01, 1.0), note="penalty weight λ")
    y_hat = rule.quantity("y_hat", w * x + b, note="predictions")
    E = rule.quantity("E", Total((y_hat - y) ** 2) / N, note="mean squared error")
    R = rule.quantity("R", penalty(w, lam), note="penalty")
    L = rule.quantity("L", E + R, note="regularized loss")
    return rule, dict(x=x, y=y, w=w, b=b, lr=lr, lam=lam, y_hat=y_hat, E=E, R=R, L=L)


def error_gradient_steps(s):
    """∂E/∂w and ∂E/∂b by the chain rule through the squared error (shared by L1 and L2)."""
    x, y, y_hat = s["x"], s["y"], s["y_hat"]
    dE_dw = 2 * Total((y_hat - y) * x) / N
    dE_db = 2 * Total(y_hat - y) / N
    return dE_dw, dE_db


def derive_bias_gradient(rule, s, dE_db):
    """∂L/∂b: the penalty does not depend on b, so it is ∂E/∂b (the same for L1 and L2)."""
    L, E, b = s["L"], s["E"], s["b"]
    rule.derive(
        "dL/db",
        Step(Derivative(L, b), Derivative(E, b), why="the penalty does not depend on b",
             why_ko="페널티는 b와 무관"),
        Step(dE_db, why="chain rule; ∂ŷ_n/∂b = 1", why_ko="연쇄 법칙, ∂ŷ_n/∂b = 1"),
    )
