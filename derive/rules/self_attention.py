"""Self-attention with its projections, Q = XW_Q, K = XW_K, V = XW_V, Z = softmax(QKᵀ/√d_k) V, and
its backward pass to the inputs and the three weight matrices (the transformer lecture), with or
without a causal mask (``conventions: {mask: causal}``, the decoder's masked self-attention).

Headline: the gradients by Q, K and V are scaled dot-product attention's; each projection then
hands them back as a linear layer does: ∂L/∂W_Q = Xᵀ ∂L/∂Q (likewise W_K, W_V), and X, which
makes all three, gets the sum ∂L/∂X = ∂L/∂Q W_Qᵀ + ∂L/∂K W_Kᵀ + ∂L/∂V W_Vᵀ.

Every row of X is one position's embedding (the lecture's 6-dimensional word vectors). ``G`` is
∂L/∂Z, the gradient from the layers above (L = Σ G ⊙ Z).
"""

from derive.rules._vocabulary import *
from derive.rules.scaled_dot_product_attention import attend, attention_gradients
from derive.symbolic.arrays import MatProduct

T, D, E = dim("T"), dim("D"), dim("E")
t, a, b = symbols("t a b", integer=True, positive=True)


def project_back(rule, X, W, grad, letter: str, letter_ko: str):
    """∂L/∂W = Xᵀ ∂L/∂(XW), with its derivation: a projection hands the gradient back as a linear layer."""
    rule.quantity(f"dL/d{W.name}", MatProduct(Transpose(X), grad), note=f"gradient by the {letter} projection",
                  note_ko=f"{letter_ko} 투영에 대한 기울기")
    rule.derive(
        f"dL/d{W.name}",
        Step(Derivative(rule.symbol("L"), W[a, b]), Sum(grad[t, b] * X[t, a], (t, 1, X.shape[0])),
             why=f"chain rule: {letter}_tb = Σ_a X_ta W_ab for every position t, so ∂{letter}_tb/∂W_ab = X_ta",
             why_ko=f"연쇄 법칙: 모든 위치 t 에서 {letter}_tb = Σ_a X_ta W_ab 이므로 ∂{letter}_tb/∂W_ab = X_ta"),
        index=(a, b),
        title=f"The {letter} projection", title_ko=f"{letter_ko} 투영",
    )


@conventional(mask="none")
def build(c):
    rule = Rule(
        "self_attention",
        "Self-attention with query, key and value projections" + (" and a causal mask" if c.mask == "causal" else ""),
        headline="dL/dW_Q = X^T dL/dQ (and W_K, W_V); dL/dX = dL/dQ W_Q^T + dL/dK W_K^T + dL/dV W_V^T",
        source="Transformer lecture: Q = XW_Q, K = XW_K, V = XW_V, softmax(QKᵀ/√d_k) V",
        proof_sizes=[{T: 2, D: 1, E: 2}, {T: 2, D: 2, E: 1}],
        test_sizes={T: 4, D: 3, E: 2},
        title_ko="쿼리·키·값 투영이 있는 셀프 어텐션" + (" (인과 마스크)" if c.mask == "causal" else ""),
        source_ko="트랜스포머 강의: Q = XW_Q, K = XW_K, V = XW_V, softmax(QKᵀ/√d_k) V",
    )
    X = rule.input("X", (T, D), note="embeddings: one row per position", note_ko="임베딩: 위치마다 한 행")
    W_Q = rule.input("W_Q", (D, E), note="query projection", note_ko="쿼리 투영")
    W_K = rule.input("W_K", (D, E), note="key projection", note_ko="키 투영")
    W_V = rule.input("W_V", (D, E), note="value projection", note_ko="값 투영")
    G = rule.input("G", (T, E), note="gradient dL/dZ from the layers above", note_ko="위층에서 온 기울기 dL/dZ")

    Q = rule.quantity("Q", MatProduct(X, W_Q), note="queries XW_Q", note_ko="쿼리 XW_Q")
    K = rule.quantity("K", MatProduct(X, W_K), note="keys XW_K", note_ko="키 XW_K")
    V = rule.quantity("V", MatProduct(X, W_V), note="values XW_V", note_ko="값 XW_V")
    attend(rule, Q, K, V, c)
    rule.quantity("L", Total(Total(G * rule.symbol("Z"))), note="a loss whose gradient by Z is G",
                  note_ko="Z에 대한 기울기가 G인 손실")
    dQ, dK, dV = attention_gradients(rule, Q, K, V, G, c)
    project_back(rule, X, W_Q, dQ, "Q", "쿼리")
    project_back(rule, X, W_K, dK, "K", "키")
    project_back(rule, X, W_V, dV, "V", "값")
    rule.quantity("dL/dX", MatProduct(dQ, Transpose(W_Q)) + MatProduct(dK, Transpose(W_K)) + MatProduct(dV, Transpose(W_V)),
                  note="gradient by the embeddings: X makes Q, K and V", note_ko="임베딩에 대한 기울기: X 가 Q, K, V 를 모두 만든다")
    rule.derive(
        "dL/dX",
        Step(Derivative(rule.symbol("L"), X[t, a]),
             Sum(dQ[t, b] * W_Q[a, b] + dK[t, b] * W_K[a, b] + dV[t, b] * W_V[a, b], (b, 1, E)),
             why="chain rule: X_ta reaches the loss through row t of Q, of K and of V",
             why_ko="연쇄 법칙: X_ta 는 Q, K, V 의 행 t 를 통해 손실에 닿는다"),
        index=(t, a),
        title="The embeddings", title_ko="임베딩",
    )
    return rule


rule = build()
register(rule)
