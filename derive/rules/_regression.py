"""The shared forward model of L1 and L2 regression (DL 101, lecture 14).

A line ŷ_n = w x_n + b fitted to N samples by the mean squared error
E = (1/N) Σ_n (ŷ_n − y_n)², plus a penalty R on the weight, and one step of
gradient descent. Only the penalty differs between ``l1_linreg`` and ``l2_linreg``.

Both may be declared in other conventions: ``squared_error: half`` (E = (1/N) Σ_n ½(ŷ_n − y_n)²)
and ``reduce: sum`` (no 1/N); ``l2_linreg`` also ``l2: half`` (R = (λ/2) w²).
"""

from derive.rules._vocabulary import *

N = dim("N")


def regression_rule(name: str, title: str, penalty, *, headline: str, c: Convention, weight_domain=Real()):
    """The rule with inputs x, y, w, b, lr, lam and the forward quantities up to L, in the convention c.

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
    E = rule.quantity("E", c.mean(c.half * Total((y_hat - y) ** 2), N), note=_error_words(c))
    R = rule.quantity("R", penalty(w, lam), note="penalty")
    L = rule.quantity("L", E + R, note="regularized loss")
    return rule, dict(x=x, y=y, w=w, b=b, lr=lr, lam=lam, y_hat=y_hat, E=E, R=R, L=L, c=c)


def _error_words(c) -> str:
    words = {"sum": "sum of squared errors", "mean": "mean squared error"}[c.reduce]
    return f"half the {words}" if c.half_text else words


def error_gradient_steps(s):
    """∂E/∂w and ∂E/∂b by the chain rule through the squared error (shared by L1 and L2)."""
    x, y, y_hat, c = s["x"], s["y"], s["y_hat"], s["c"]
    dE_dw = c.slope * c.mean(Total((y_hat - y) * x), N)
    dE_db = c.slope * c.mean(Total(y_hat - y), N)
    return dE_dw, dE_db


def error_slope(s, term):
    """The chain rule through the squared error: c.slope · (the mean or sum of) ``term``."""
    c = s["c"]
    return c.slope * c.mean(Total(term), N)


def error_coefficient_text(c) -> str:
    """The constant in front of Σ_n (ŷ_n − y_n) x_n in ∂E/∂w, as the headline writes it: (2/N), 2, (1/N)."""
    number = "2" if c.slope_text else "1"
    if c.reduce == "mean":
        return f"({number}/N) "
    return f"{number} " if c.slope_text else ""


def derive_bias_gradient(rule, s, dE_db):
    """∂L/∂b: the penalty does not depend on b, so it is ∂E/∂b (the same for L1 and L2)."""
    L, E, b = s["L"], s["E"], s["b"]
    rule.derive(
        "dL/db",
        Step(Derivative(L, b), Derivative(E, b), why="the penalty does not depend on b",
             why_ko="페널티는 b와 무관"),
        Step(dE_db, why="chain rule; ∂ŷ_n/∂b = 1", why_ko="연쇄 법칙, ∂ŷ_n/∂b = 1"),
    )
