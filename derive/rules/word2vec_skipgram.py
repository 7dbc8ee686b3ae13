"""word2vec's skip-gram: the centre word predicts each of its context words with one softmax over the
vocabulary (the word2vec lecture: "love의 주변: I, 피자" with window 1).

Headline: with C context words y_c and the one prediction ŷ = softmax(W_outᵀ W_inᵀ x),
L = −Σ_c log ŷ_{y_c} and ∂L/∂u = Σ_c (ŷ − y_c) = C ŷ − Σ_c y_c; then ∂L/∂W_out = h (∂L/∂u)ᵀ,
∂L/∂h = W_out ∂L/∂u and ∂L/∂W_in = x (∂L/∂h)ᵀ, the centre word's row only.
"""

from derive.rules._vocabulary import *
from derive.rules._word2vec import back_to_the_embeddings, embed, embedding_inputs

C, V, E = dim("C"), dim("V"), dim("E")
j, k = symbols("j k", integer=True, positive=True)

rule = Rule(
    "word2vec_skipgram",
    "word2vec skip-gram: the centre word predicts its context",
    headline="dL/du = C y_hat - sum_c y_c; dL/dW_out = h (dL/du)^T; dL/dW_in = x (W_out dL/du)^T",
    source="word2vec lecture: skip-gram on \"I love pizza\", window 1",
    proof_sizes=[{C: 2, V: 2, E: 1}, {C: 2, V: 3, E: 2}],
    test_sizes={C: 2, V: 4, E: 2},
    title_ko="word2vec 스킵그램: 중앙 단어로 주변 단어를 맞춘다",
    source_ko="word2vec 강의: \"I love 피자\" 의 스킵그램, 윈도 1",
)
x = rule.input("x", (V,), OneHot(), note="the centre word's one-hot", note_ko="중앙 단어의 원-핫")
Y = rule.input("Y", (C, V), OneHot(), note="the context words' one-hots, one per row", note_ko="주변 단어의 원-핫, 행마다 하나")
W_in, W_out, eta = embedding_inputs(rule, V, E)

h, u = embed(rule, x, W_in, W_out, "the centre word's embedding", "중앙 단어의 임베딩")
y_hat = rule.quantity("y_hat", Softmax(u), note="predicted probability of each word as a context word",
                      note_ko="단어마다 주변 단어일 예측 확률")
counts = rule.quantity("n_y", Total(Transpose(Y)), note="how often each word is in the context", note_ko="단어마다 문맥에 나온 횟수")
L = rule.quantity("L", -Total(counts * log(y_hat)), stable=C * LogSumExp(u) - Total(counts * u),
                  note="cross-entropy summed over the context words", note_ko="주변 단어마다의 교차 엔트로피의 합")
dL_du = rule.quantity("dL/du", C * y_hat - counts, note="Σ_c (ŷ − y_c): one ŷ − y_c per context word",
                      note_ko="Σ_c (ŷ − y_c): 주변 단어마다 ŷ − y_c")
back_to_the_embeddings(rule, x, h, dL_du, W_in, W_out, eta)

rule.derive(
    "dL/du",
    Step(Derivative(L, u[j]), -Sum(counts[k] * Derivative(log(y_hat[k]), u[j]), (k, 1, V)),
         why="chain rule through the log-probabilities; word k counted as often as it is in the context",
         why_ko="로그 확률을 거치는 연쇄 법칙; 단어 k 는 문맥에 나온 만큼 센다"),
    Step(-Sum(counts[k] * (KroneckerDelta(k, j) - y_hat[j]), (k, 1, V)),
         why="∂ log ŷ_k/∂u_j = δ_kj − ŷ_j", why_ko="∂ log ŷ_k/∂u_j = δ_kj − ŷ_j"),
    Step(C * y_hat[j] - counts[j], why="each context word is one-hot: the counts add up to C",
         why_ko="주변 단어마다 원-핫: 횟수의 합은 C"),
    index=(j,), hold=("u",),
    title="One softmax, C context words", title_ko="소프트맥스 하나, 주변 단어 C개",
)

register(rule)
