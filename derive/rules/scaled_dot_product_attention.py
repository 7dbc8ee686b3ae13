"""Scaled dot-product attention and its backward pass (the transformer lecture: "Attention(Q, K, V) =
softmax(QKᵀ/√d_k) V"), with or without a causal mask.

Headline: with A = softmax(S), S = QKᵀ/√d_k and G = ∂L/∂Z arriving at the output Z = AV:
∂L/∂V = AᵀG, ∂L/∂A = GVᵀ, ∂L/∂S = A ⊙ (∂L/∂A − rowsum(∂L/∂A ⊙ A)), ∂L/∂Q = ∂L/∂S K/√d_k and
∂L/∂K = (∂L/∂S)ᵀ Q/√d_k.

Each of the T query rows of Q scores every key row of K; each row of scores becomes weights by a
softmax, and the output row is the weighted sum of the value rows. With ``conventions: {mask:
causal}`` (a decoder), row i sees keys 1..i only: −∞ is added to the scores after i, whose weights
are then 0; the backward formulas are the same, since those weights and their derivatives are 0.
The loss reaches the output as L = Σ G ⊙ Z for the upstream gradient G, so every result holds for
any loss downstream. One example is one head of one sequence: a batch of 32 sequences with 8 heads
is 256 examples.
"""

from derive.rules._vocabulary import *
from derive.symbolic.arrays import MatProduct

T, D, E = dim("T"), dim("D"), dim("E")
i, j, k = symbols("i j k", integer=True, positive=True)


def attend(rule, Q, K, V, c, *, head=""):
    """The scores, weights and output of attention of Q over (K, V); ``head`` ("_1") names one
    head's quantities (S_1, A_1, Z_1)."""
    S = rule.quantity("S" + head, MatProduct(Q, Transpose(K)) / sqrt(Q.shape[-1]), note="scores QKᵀ/√d_k",
                      note_ko="점수 QKᵀ/√d_k")
    A = rule.quantity("A" + head, c.attend(S), note="attention weights: the softmax of each row of scores"
                      + (" (after the causal mask)" if c.mask == "causal" else ""),
                      note_ko="주의 가중치: 점수의 행마다 소프트맥스" + (" (인과 마스크 뒤)" if c.mask == "causal" else ""))
    rule.quantity("Z" + head, MatProduct(A, V), note="output: each row a weighted sum of the value rows",
                      note_ko="출력: 행마다 값 행들의 가중합")


def attention_gradients(rule, Q, K, V, G, c, *, head=""):
    """The gradients of the loss L by the weights, scores, queries, keys and values of attention
    (:func:`attend`), ``G`` being the gradient by its output Z, and the derivation through the
    softmax: shared with the rules that project Q, K and V first."""
    scale = sqrt(Q.shape[-1])
    keys = K.shape[0]
    L = rule.symbol("L")
    S, A, Z = (rule.symbol(n + head) for n in ("S", "A", "Z"))

    def name(n):
        return n + head

    dL_dA = rule.quantity(name("dL/dA"), MatProduct(G, Transpose(V)), note="gradient by the weights: G Vᵀ",
                          note_ko="가중치에 대한 기울기: G Vᵀ")
    dL_dV = rule.quantity(name("dL/dV"), MatProduct(Transpose(A), G), note="gradient by the values: Aᵀ G",
                  note_ko="값에 대한 기울기: Aᵀ G")
    dL_dS = rule.quantity(name("dL/dS"), A * (dL_dA - Total(dL_dA * A)),
                          note="through the softmax of each row", note_ko="행마다의 소프트맥스를 거슬러")
    dL_dQ = rule.quantity(name("dL/dQ"), MatProduct(dL_dS, K) / scale, note="gradient by the queries", note_ko="쿼리에 대한 기울기")
    dL_dK = rule.quantity(name("dL/dK"), MatProduct(Transpose(dL_dS), Q) / scale, note="gradient by the keys",
                  note_ko="키에 대한 기울기")

    masked = c.mask == "causal"
    rule.derive(
        name("dL/dS"),
        Step(Derivative(L, S[i, j]), Sum(dL_dA[i, k] * Derivative(A[i, k], S[i, j]), (k, 1, keys)),
             why="chain rule: S_ij reaches the loss only through the weights of its own row i",
             why_ko="연쇄 법칙: S_ij 는 자기 행 i 의 가중치를 통해서만 손실에 닿는다"),
        Step(Sum(dL_dA[i, k] * A[i, k] * (KroneckerDelta(k, j) - A[i, j]), (k, 1, keys)),
             why="softmax Jacobian: ∂A_ik/∂S_ij = A_ik(δ_kj − A_ij)"
             + (" (masked weights are 0, and so is their derivative)" if masked else ""),
             why_ko="소프트맥스 야코비안: ∂A_ik/∂S_ij = A_ik(δ_kj − A_ij)"
             + (" (가려진 가중치는 0 이고 그 미분도 0)" if masked else "")),
        Step(A[i, j] * (dL_dA[i, j] - Sum(A[i, k] * dL_dA[i, k], (k, 1, keys))),
             why="the Kronecker delta keeps only k = j", why_ko="크로네커 델타는 k = j 항만 남긴다"),
        index=(i, j), hold=(name("S"),),
        title="Through the softmax of each row of scores", title_ko="점수의 행마다 소프트맥스를 거슬러",
    )
    rule.derive(
        name("dL/dA"),
        Step(Derivative(L, A[i, j]), Sum(G[i, k] * Derivative(Z[i, k], A[i, j]), (k, 1, V.shape[-1])),
             why="chain rule through the output row Z_i", why_ko="출력 행 Z_i 를 거치는 연쇄 법칙"),
        Step(Sum(G[i, k] * V[j, k], (k, 1, V.shape[-1])),
             why="Z_ik = Σ_j A_ij V_jk, so ∂Z_ik/∂A_ij = V_jk", why_ko="Z_ik = Σ_j A_ij V_jk 이므로 ∂Z_ik/∂A_ij = V_jk"),
        index=(i, j), hold=(name("A"),),
        title="The weight of each value row", title_ko="값 행마다의 가중치",
    )
    rule.derive(
        name("dL/dQ"),
        Step(Derivative(L, Q[i, j]), Sum(dL_dS[i, k] * K[k, j], (k, 1, keys)) / scale,
             why="S_ik = Σ_j Q_ij K_kj/√d_k: query row i reaches only score row i",
             why_ko="S_ik = Σ_j Q_ij K_kj/√d_k: 쿼리 행 i 는 점수 행 i 에만 닿는다"),
        index=(i, j), hold=tuple(n for n in (Q.name,) if n in rule.quantities),
        title="The queries", title_ko="쿼리",
    )
    return dL_dQ, dL_dK, dL_dV


@conventional(mask="none")
def build(c):
    rule = Rule(
        "scaled_dot_product_attention",
        "Scaled dot-product attention" + (" with a causal mask" if c.mask == "causal" else ""),
        headline="dL/dS = A ⊙ (dL/dA − rowsum(dL/dA ⊙ A)), dL/dQ = dL/dS K/√d_k, dL/dK = dL/dSᵀ Q/√d_k, dL/dV = Aᵀ G",
        source="Transformer lecture: Attention(Q, K, V) = softmax(QKᵀ/√d_k) V",
        proof_sizes=[{T: 2, D: 2, E: 1}, {T: 3, D: 2, E: 2}],
        test_sizes={T: 4, D: 3, E: 2},
        title_ko="스케일드 닷-프로덕트 어텐션" + (" (인과 마스크)" if c.mask == "causal" else ""),
        source_ko="트랜스포머 강의: Attention(Q, K, V) = softmax(QKᵀ/√d_k) V",
    )
    Q = rule.input("Q", (T, D), note="queries: one row per position", note_ko="쿼리: 위치마다 한 행")
    K = rule.input("K", (T, D), note="keys: one row per position", note_ko="키: 위치마다 한 행")
    V = rule.input("V", (T, E), note="values: one row per position", note_ko="값: 위치마다 한 행")
    G = rule.input("G", (T, E), note="gradient dL/dZ from the layers above", note_ko="위층에서 온 기울기 dL/dZ")
    attend(rule, Q, K, V, c)
    rule.quantity("L", Total(Total(G * rule.symbol("Z"))), note="a loss whose gradient by Z is G",
                  note_ko="Z에 대한 기울기가 G인 손실")
    attention_gradients(rule, Q, K, V, G, c)
    return rule


rule = build()
register(rule)
