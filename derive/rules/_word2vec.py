"""What CBOW, skip-gram and negative sampling share (the word2vec lecture's 4 → 2 → 4 network):
the embedding h = W_inᵀ x̄ of an input that is a one-hot word (or the average of several), the
scores u = W_outᵀ h of every word, and from ∂L/∂u back: ∂L/∂W_out = h (∂L/∂u)ᵀ, ∂L/∂h = W_out ∂L/∂u,
∂L/∂W_in = x̄ (∂L/∂h)ᵀ (only the rows of the input's words are nonzero), and one gradient step
W ← W − η ∂L/∂W for each matrix.
"""

from derive.rules._vocabulary import *

a, b, k = symbols("a b k", integer=True, positive=True)


def embedding_inputs(rule, V, E):
    """The two weight matrices and the learning rate."""
    W_in = rule.input("W_in", (V, E), note="input embeddings: one row per word", note_ko="입력 임베딩: 단어마다 한 행")
    W_out = rule.input("W_out", (E, V), note="output weights: one column per word", note_ko="출력 가중치: 단어마다 한 열")
    eta = rule.input("eta", (), Positive(), default=0.1, note="learning rate η", note_ko="학습률 η")
    return W_in, W_out, eta


def embed(rule, x, W_in, W_out, what: str, what_ko: str):
    """h = W_inᵀ x and the scores u = W_outᵀ h."""
    h = rule.quantity("h", MatVec(Transpose(W_in), x), note=f"hidden layer (no activation): {what}",
                      note_ko=f"은닉층 (활성화 없음): {what_ko}")
    u = rule.quantity("u", MatVec(Transpose(W_out), h), note="a score for every word of the vocabulary",
                      note_ko="어휘의 단어마다 점수")
    return h, u


def back_to_the_embeddings(rule, x, h, dL_du, W_in, W_out, eta):
    """∂L/∂W_out, ∂L/∂h, ∂L/∂W_in from ∂L/∂u, one gradient step, and the derivation of ∂L/∂W_in."""
    L = rule.symbol("L")
    V = W_in.shape[0]
    rule.quantity("dL/dW_out", Outer(h, dL_du), note="output weights' gradient h (∂L/∂u)ᵀ",
                  note_ko="출력 가중치의 기울기 h (∂L/∂u)ᵀ")
    dL_dh = rule.quantity("dL/dh", MatVec(W_out, dL_du), note="back to the hidden layer: W_out ∂L/∂u",
                          note_ko="은닉층으로: W_out ∂L/∂u")
    rule.quantity("dL/dW_in", Outer(x, dL_dh), note="input embeddings' gradient: only the input words' rows",
                  note_ko="입력 임베딩의 기울기: 입력 단어의 행만")
    rule.quantity("W_in_new", W_in - eta * rule.symbol("dL/dW_in"), note="after one step W_in − η ∂L/∂W_in",
                  note_ko="한 스텝 뒤 W_in − η ∂L/∂W_in")
    rule.quantity("W_out_new", W_out - eta * rule.symbol("dL/dW_out"), note="after one step W_out − η ∂L/∂W_out",
                  note_ko="한 스텝 뒤 W_out − η ∂L/∂W_out")
    rule.derive(
        "dL/dh",
        Step(Derivative(L, h[a]), Sum(dL_du[k] * W_out[a, k], (k, 1, V)),
             why="chain rule: u_k = Σ_a W_out,ak h_a for every word k", why_ko="연쇄 법칙: 모든 단어 k 에서 u_k = Σ_a W_out,ak h_a"),
        index=(a,), hold=("h",),
        title="Back to the hidden layer", title_ko="은닉층으로 거슬러",
    )
    rule.derive(
        "dL/dW_in",
        Step(Derivative(L, W_in[a, b]), Sum(x[k] * KroneckerDelta(k, a) * dL_dh[b], (k, 1, V)),
             why="chain rule: h_b = Σ_k x_k W_in,kb", why_ko="연쇄 법칙: h_b = Σ_k x_k W_in,kb"),
        Step(x[a] * dL_dh[b], why="the Kronecker delta keeps k = a: the row of a word that is not in the input gets 0",
             why_ko="크로네커 델타는 k = a 만 남긴다: 입력에 없는 단어의 행은 0"),
        index=(a, b),
        title="The input embeddings", title_ko="입력 임베딩",
    )
