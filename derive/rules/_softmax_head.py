"""The softmax cross-entropy head's derivation, shared by the rules that end in one.

``derive_softmax_ce(rule, L, o, y_hat, y, K)`` adds to ``rule`` the three steps from
∂L/∂o_j (L = −Σ_k y_k log ŷ_k, ŷ = softmax(o)) to ŷ_j − y_j: the chain rule through the
log-probabilities, the softmax Jacobian over ŷ_k, and the one-hot target's Σ_k y_k = 1. The
rules keep their own names for the scores (o, u) and their own titles.
"""

from derive.rules._vocabulary import Derivative, KroneckerDelta, Step, Sum, log, symbols

_j, _k = symbols("j k", integer=True, positive=True)


def derive_softmax_ce(rule, L, scores, y_hat, y, size, *, title: str, title_ko: str):
    """∂L/∂scores_j = ŷ_j − y_j, derived step by step for the quantity ``dL/d<scores>``."""
    name = scores.name
    j, k = _j, _k
    return rule.derive(
        f"dL/d{name}",
        Step(Derivative(L, scores[j]), -Sum(y[k] * Derivative(log(y_hat[k]), scores[j]), (k, 1, size)),
             why="chain rule through the log-probabilities", why_ko="로그 확률을 거치는 연쇄 법칙"),
        Step(-Sum(y[k] * (KroneckerDelta(k, j) - y_hat[j]), (k, 1, size)),
             why=f"∂ log ŷ_k/∂{name}_j = δ_kj − ŷ_j (the softmax Jacobian over ŷ_k)",
             why_ko=f"∂ log ŷ_k/∂{name}_j = δ_kj − ŷ_j (소프트맥스 야코비안을 ŷ_k 로 나눈 것)"),
        Step(y_hat[j] - y[j], why="one-hot: Σ_k y_k = 1", why_ko="원-핫: Σ_k y_k = 1"),
        index=(j,), hold=(name,),
        title=title, title_ko=title_ko,
    )
