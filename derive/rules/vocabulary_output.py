"""The transformer's output layer: the decoder's last vector projected to one score per word of the
vocabulary, softmax and cross-entropy with the next word (the transformer lecture: "선형층을 통해
단어장 크기(예: 11)로 차원을 펼친 뒤 softmax로 다음 토큰 확률을 출력").

Headline: ∂L/∂o = ŷ − y, ∂L/∂W_o = (ŷ − y) nᵀ, ∂L/∂b_o = ŷ − y and ∂L/∂n = W_oᵀ(ŷ − y), the
gradient that goes back into the decoder's last Add & Norm.
"""

from derive.rules._softmax_head import derive_softmax_ce
from derive.rules._vocabulary import *

D, V = dim("D"), dim("V")

rule = Rule(
    "vocabulary_output",
    "Transformer output layer: scores over the vocabulary, softmax, cross-entropy",
    headline="dL/do = y_hat - y; dL/dW_o = (y_hat - y) n^T; dL/dn = W_o^T (y_hat - y)",
    source="Transformer lecture: the final linear layer to the vocabulary (11 words) and softmax",
    proof_sizes=[{D: 2, V: 2}, {D: 2, V: 3}],
    test_sizes={D: 3, V: 11},
    title_ko="트랜스포머 출력층: 단어장 점수, 소프트맥스, 교차 엔트로피",
    source_ko="트랜스포머 강의: 단어장(11개)으로 펼치는 마지막 선형층과 소프트맥스",
)
n = rule.input("n", (D,), note="the decoder's output at this position", note_ko="이 위치의 디코더 출력")
W_o = rule.input("W_o", (V, D), note="one row per word of the vocabulary", note_ko="단어마다 한 행")
b_o = rule.input("b_o", (V,), note="one bias per word", note_ko="단어마다 편향 하나")
y = rule.input("y", (V,), OneHot(), note="the next word's one-hot", note_ko="다음 단어의 원-핫")

o = rule.quantity("o", MatVec(W_o, n) + b_o, note="a score for every word", note_ko="단어마다의 점수")
y_hat = rule.quantity("y_hat", Softmax(o), note="next-word probabilities", note_ko="다음 단어 확률")
L = rule.quantity("L", -Total(y * log(y_hat)), stable=LogSumExp(o) - Total(y * o), note="cross-entropy",
                  note_ko="교차 엔트로피")
dL_do = rule.quantity("dL/do", y_hat - y, note="softmax with cross-entropy: ŷ − y", note_ko="소프트맥스와 교차 엔트로피: ŷ − y")
rule.quantity("dL/dW_o", Outer(dL_do, n), note="the output layer's weights", note_ko="출력층 가중치")
rule.quantity("dL/db_o", dL_do, note="the output layer's biases", note_ko="출력층 편향")
rule.quantity("dL/dn", MatVec(Transpose(W_o), dL_do), note="back into the decoder", note_ko="디코더로 거슬러")

derive_softmax_ce(rule, L, o, y_hat, y, V, title="The softmax over the vocabulary", title_ko="단어장에 대한 소프트맥스")

register(rule)
