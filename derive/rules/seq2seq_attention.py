"""seq2seq with attention, one decoder step to its loss (DL 101, lecture 19): the decoder state
scores every encoder state by a dot product (the lecture: (0.8, 0.2)·(0.7, 0.3) = 0.62), the
softmax of the scores weights them into the context c, and the output layer reads the context
together with the decoder state, [c; s], to predict the next word: softmax and cross-entropy.

Headline: ∂L/∂o = ŷ − y; ∂L/∂c is the first half of W_yᵀ(ŷ − y); the decoder state gets both
paths, ∂L/∂s = (W_yᵀ(ŷ − y))[second half] + H_encᵀ ∂L/∂e, and every encoder state both too:
as a value in the context, α_t ∂L/∂c, and as a key in its score, ∂L/∂e_t s.

``attention`` derives the score-to-context part with an upstream gradient g = ∂L/∂c; here g is
what the output layer and the loss send back, so the whole step from the encoder states to the
loss is one rule.
"""

from derive.rules._softmax_head import derive_softmax_ce
from derive.rules._vocabulary import *

U, D, K = dim("U"), dim("D"), dim("K")
j, k, t, d = symbols("j k t d", integer=True, positive=True)

rule = Rule(
    "seq2seq_attention",
    "seq2seq with dot-product attention: one decoder step, the context, the output layer and the loss",
    headline="dL/do = y_hat - y; dL/dc = (W_y^T (y_hat - y))[1..D]; "
             "dL/ds = (W_y^T (y_hat - y))[D+1..2D] + H^T dL/de; dL/dH = alpha dL/dc^T + dL/de s^T",
    source="Deep Learning 101, lecture 19 (seq2seq + attention: dot-product scores, context, output layer)",
    proof_sizes=[{U: 2, D: 1, K: 2}, {U: 2, D: 2, K: 2}],
    test_sizes={U: 4, D: 3, K: 5},
    title_ko="어텐션 seq2seq: 디코더 한 시점의 컨텍스트, 출력층, 손실까지",
    source_ko="딥러닝 101, 19강 (Seq2seq + 어텐션: 내적 점수, 컨텍스트, 출력층)",
)
h_enc = rule.input("h_enc", (U, D), note="encoder states h_1..h_U, kept at every step (rows)",
                   note_ko="시점마다 저장해 둔 인코더 은닉 상태 h_1..h_U (행)")
h_dec = rule.input("h_dec", (D,), note="the decoder state s at this step", note_ko="이 시점의 디코더 상태 s")
W_y = rule.input("W_y", (K, 2 * D), note="output layer on [c; s]: one row per word",
                 note_ko="[c; s] 에 대한 출력층: 단어마다 한 행")
b_y = rule.input("b_y", (K,), default=0.0, note="one bias per word (default 0)", note_ko="단어마다 편향 하나 (기본값 0)")
y = rule.input("y", (K,), OneHot(), note="the next word's one-hot", note_ko="다음 단어의 원-핫")

e = rule.quantity("e", MatVec(h_enc, h_dec), note="scores e_t = h_t · s", note_ko="점수 e_t = h_t · s")
alpha = rule.quantity("alpha", Softmax(e), note="attention weights", note_ko="어텐션 가중치")
c = rule.quantity("c", MatVec(Transpose(h_enc), alpha), note="context c = Σ_t α_t h_t",
                  note_ko="컨텍스트 c = Σ_t α_t h_t")
z = rule.quantity("z", Concat(c, h_dec), note="the context beside the decoder state, [c; s]",
                  note_ko="컨텍스트와 디코더 상태를 이어 붙인 [c; s]")
o = rule.quantity("o", MatVec(W_y, z) + b_y, note="a score for every word", note_ko="단어마다의 점수")
y_hat = rule.quantity("y_hat", Softmax(o), note="next-word probabilities", note_ko="다음 단어 확률")
L = rule.quantity("L", -Total(y * log(y_hat)), stable=LogSumExp(o) - Total(y * o), note="cross-entropy",
                  note_ko="교차 엔트로피")
dL_do = rule.quantity("dL/do", y_hat - y, note="softmax with cross-entropy: ŷ − y",
                      note_ko="소프트맥스와 교차 엔트로피: ŷ − y")
rule.quantity("dL/dW_y", Outer(dL_do, z), note="the output layer's weights", note_ko="출력층 가중치")
rule.quantity("dL/db_y", dL_do, note="the output layer's biases", note_ko="출력층 편향")
dL_dz = rule.quantity("dL/dz", MatVec(Transpose(W_y), dL_do), note="back through the output layer",
                      note_ko="출력층을 거슬러")
dL_dc = rule.quantity("dL/dc", Part(dL_dz, 0, D), note="the context's part", note_ko="컨텍스트의 몫")
dL_dalpha = rule.quantity("dL/dalpha", MatVec(h_enc, dL_dc), note="∂L/∂α_t = h_t · ∂L/∂c",
                          note_ko="각 가중치의 기울기 ∂L/∂α_t = h_t · ∂L/∂c")
dL_de = rule.quantity("dL/de", alpha * (dL_dalpha - Total(alpha * dL_dalpha)), note="through the softmax of the scores",
                      note_ko="점수의 소프트맥스를 거슬러")
rule.quantity("dL/dh_dec", Part(dL_dz, D, 2 * D) + MatVec(Transpose(h_enc), dL_de),
              note="both paths to the decoder state: the output layer and the scores",
              note_ko="디코더 상태로 가는 두 경로: 출력층과 점수")
rule.quantity("dL/dh_enc", Outer(alpha, dL_dc) + Outer(dL_de, h_dec),
              note="both paths to the encoder states: as values and as keys",
              note_ko="인코더 상태로 가는 두 경로: 값으로서, 키로서")

derive_softmax_ce(rule, L, o, y_hat, y, K, title="The softmax over the words", title_ko="단어에 대한 소프트맥스")
rule.derive(
    "dL/dc",
    Step(Derivative(L, c[j]), Sum(dL_do[k] * Derivative(o[k], c[j]), (k, 1, K)),
         why="chain rule: the context reaches L only through the output scores o",
         why_ko="연쇄 법칙: 컨텍스트는 출력 점수 o 를 통해서만 L 에 영향을 준다"),
    Step(Sum(dL_do[k] * W_y[k, j], (k, 1, K)),
         why="o = W_y [c; s] + b_y: c_j is entry j of z, so ∂o_k/∂c_j = W_y[k, j]",
         why_ko="o = W_y [c; s] + b_y: c_j 는 z 의 j 번째 성분이므로 ∂o_k/∂c_j = W_y[k, j]"),
    index=(j,), hold=("c",),
    title="The output layer reads the context", title_ko="출력층이 컨텍스트를 읽는다",
)
rule.derive(
    "dL/de",
    Step(Derivative(L, e[j]), Sum(dL_dalpha[k] * Derivative(alpha[k], e[j]), (k, 1, U)),
         why="chain rule through the weights α_k", why_ko="가중치 α_k 를 거치는 연쇄 법칙"),
    Step(Sum(dL_dalpha[k] * alpha[k] * (KroneckerDelta(k, j) - alpha[j]), (k, 1, U)),
         why="softmax Jacobian: ∂α_k/∂e_j = α_k(δ_kj − α_j)",
         why_ko="소프트맥스 야코비안: ∂α_k/∂e_j = α_k(δ_kj − α_j)"),
    Step(alpha[j] * (dL_dalpha[j] - Sum(alpha[k] * dL_dalpha[k], (k, 1, U))),
         why="the Kronecker delta keeps only k = j", why_ko="크로네커 델타는 k = j 항만 남긴다"),
    index=(j,), hold=("e",),
    title="Through the softmax of the scores", title_ko="점수의 소프트맥스를 거슬러",
)
rule.derive(
    "dL/dh_dec",
    Step(Derivative(L, h_dec[j]),
         Sum(dL_do[k] * W_y[k, D + j], (k, 1, K)) + Sum(dL_de[t] * Derivative(e[t], h_dec[j]), (t, 1, U)),
         why="s reaches L twice: in [c; s] read by the output layer (entry D + j), and in every score e_t",
         why_ko="s 는 두 번 L 에 영향을 준다: 출력층이 읽는 [c; s] 안에서 (D + j 번째 성분), 그리고 모든 점수 e_t 에서"),
    Step(Sum(dL_do[k] * W_y[k, D + j], (k, 1, K)) + Sum(dL_de[t] * h_enc[t, j], (t, 1, U)),
         why="e_t = h_t · s, so ∂e_t/∂s_j = h_t,j", why_ko="e_t = h_t · s 이므로 ∂e_t/∂s_j = h_t,j"),
    index=(j,),
    title="Two paths to the decoder state", title_ko="디코더 상태로 가는 두 경로",
)
rule.derive(
    "dL/dh_enc",
    Step(Derivative(L, h_enc[t, d]), alpha[t] * dL_dc[d] + dL_de[t] * h_dec[d],
         why="h_t is a value in c = Σ_t α_t h_t (∂c_d/∂h_t,d = α_t) and a key in its score e_t = h_t · s",
         why_ko="h_t 는 c = Σ_t α_t h_t 안의 값 (∂c_d/∂h_t,d = α_t) 이고, 점수 e_t = h_t · s 의 키다"),
    index=(t, d),
    title="Two paths to every encoder state", title_ko="인코더 상태마다 두 경로",
)

register(rule)
