"""word2vec's CBOW (continuous bag of words): the context words' one-hots averaged, embedded, scored
against every word, softmax and cross-entropy with the centre word (the word2vec lecture: "I와
피자의 원-핫 벡터를 더해 평균을 내어 은닉층으로 보낸 뒤 ... softmax ... 크로스엔트로피"; the
lecture then skips the backward pass, which this rule derives).

Headline: ∂L/∂u = ŷ − y, ∂L/∂W_out = h (ŷ − y)ᵀ, ∂L/∂h = W_out (ŷ − y), ∂L/∂W_in = x̄ (∂L/∂h)ᵀ,
x̄ = (1/C) Σ_c x_c: each context word's row of W_in moves by 1/C of the hidden gradient.
"""

from derive.rules._softmax_head import derive_softmax_ce
from derive.rules._vocabulary import *
from derive.rules._word2vec import back_to_the_embeddings, embed, embedding_inputs

C, V, E = dim("C"), dim("V"), dim("E")

rule = Rule(
    "word2vec_cbow",
    "word2vec CBOW: the context's average predicts the centre word",
    headline="dL/du = y_hat - y; dL/dW_out = h (y_hat - y)^T; dL/dW_in = x_bar (W_out (y_hat - y))^T",
    source="word2vec lecture: CBOW on \"I love pizza\", vocabulary of 4, embedding of 2",
    proof_sizes=[{C: 2, V: 2, E: 2}, {C: 2, V: 3, E: 1}],
    test_sizes={C: 2, V: 4, E: 2},
    title_ko="word2vec CBOW: 문맥 단어의 평균으로 중앙 단어를 맞춘다",
    source_ko="word2vec 강의: \"I love 피자\" 의 CBOW, 어휘 4개, 임베딩 2차원",
)
X = rule.input("X", (C, V), OneHot(), note="the context words' one-hots, one per row", note_ko="문맥 단어의 원-핫, 행마다 하나")
y = rule.input("y", (V,), OneHot(), note="the centre word's one-hot", note_ko="중앙 단어의 원-핫")
W_in, W_out, eta = embedding_inputs(rule, V, E)

x_bar = rule.quantity("x_bar", Total(Transpose(X)) / C, note="the context's one-hots averaged (they add up to 1)",
                      note_ko="문맥 원-핫의 평균 (합이 1)")
h, u = embed(rule, x_bar, W_in, W_out, "the average of the context words' embeddings",
             "문맥 단어 임베딩의 평균")
y_hat = rule.quantity("y_hat", Softmax(u), note="predicted probability of each word", note_ko="단어마다의 예측 확률")
L = rule.quantity("L", -Total(y * log(y_hat)), stable=LogSumExp(u) - Total(y * u), note="cross-entropy",
                  note_ko="교차 엔트로피")
dL_du = rule.quantity("dL/du", y_hat - y, note="softmax with cross-entropy: ŷ − y", note_ko="소프트맥스와 교차 엔트로피: ŷ − y")
back_to_the_embeddings(rule, x_bar, h, dL_du, W_in, W_out, eta)

derive_softmax_ce(rule, L, u, y_hat, y, V, title="The softmax over the vocabulary", title_ko="어휘에 대한 소프트맥스")

register(rule)
