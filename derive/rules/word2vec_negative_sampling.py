"""word2vec with negative sampling: instead of a softmax over the whole vocabulary, the true context
word's score is pushed up by a sigmoid and K sampled "negative" words' scores pushed down
(skip-gram with negative sampling, SGNS).

Headline: with s⁺ = u_o · h and s⁻ₖ = u_k · h, L = −log σ(s⁺) − Σ_k log σ(−s⁻ₖ):
∂L/∂s⁺ = σ(s⁺) − 1, ∂L/∂s⁻ₖ = σ(s⁻ₖ), so ∂L/∂u = (σ(s⁺) − 1) y + Σ_k σ(s⁻ₖ) n_k; the
embeddings follow as in skip-gram.
"""

from derive.rules._vocabulary import *
from derive.rules._word2vec import back_to_the_embeddings, embed, embedding_inputs

K, V, E = dim("K"), dim("V"), dim("E")
j, k = symbols("j k", integer=True, positive=True)

rule = Rule(
    "word2vec_negative_sampling",
    "word2vec with negative sampling: one true context word, K sampled negatives",
    headline="dL/ds_pos = sigma(s_pos) - 1; dL/ds_neg = sigma(s_neg); dL/du = (sigma(s_pos) - 1) y + Neg^T sigma(s_neg)",
    source="word2vec lecture: skip-gram; negative sampling (Mikolov et al., 2013)",
    proof_sizes=[{K: 2, V: 2, E: 1}, {K: 1, V: 3, E: 1}],
    test_sizes={K: 2, V: 5, E: 2},
    title_ko="네거티브 샘플링 word2vec: 진짜 주변 단어 하나와 뽑은 부정 단어 K개",
    source_ko="word2vec 강의: 스킵그램; 네거티브 샘플링 (Mikolov 외, 2013)",
)
x = rule.input("x", (V,), OneHot(), note="the centre word's one-hot", note_ko="중앙 단어의 원-핫")
y = rule.input("y", (V,), OneHot(), note="the true context word's one-hot", note_ko="진짜 주변 단어의 원-핫")
Neg = rule.input("Neg", (K, V), OneHot(), note="the K negative samples' one-hots, one per row",
                 note_ko="부정 샘플 K개의 원-핫, 행마다 하나")
W_in, W_out, eta = embedding_inputs(rule, V, E)

h, u = embed(rule, x, W_in, W_out, "the centre word's embedding", "중앙 단어의 임베딩")
s_pos = rule.quantity("s_pos", Total(y * u), note="the true context word's score u_o · h", note_ko="진짜 주변 단어의 점수 u_o · h")
s_neg = rule.quantity("s_neg", MatVec(Neg, u), note="each negative sample's score", note_ko="부정 샘플마다의 점수")
L = rule.quantity("L", -log(sigmoid(s_pos)) - Total(log(sigmoid(-s_neg))), stable=softplus(-s_pos) + Total(softplus(s_neg)),
                  note="−log σ(s⁺) − Σ_k log σ(−s⁻ₖ)", note_ko="부정 샘플링 손실 −log σ(s⁺) − Σ_k log σ(−s⁻ₖ)")
dL_ds_pos = rule.quantity("dL/ds_pos", sigmoid(s_pos) - 1, note="σ(s⁺) − 1", note_ko="진짜 단어의 점수: σ(s⁺) − 1")
dL_ds_neg = rule.quantity("dL/ds_neg", sigmoid(s_neg), note="σ(s⁻ₖ) for each negative sample", note_ko="부정 샘플마다 σ(s⁻ₖ)")
dL_du = rule.quantity("dL/du", dL_ds_pos * y + MatVec(Transpose(Neg), dL_ds_neg),
                      note="only the sampled words' scores get a gradient", note_ko="뽑힌 단어의 점수만 기울기를 받는다")
back_to_the_embeddings(rule, x, h, dL_du, W_in, W_out, eta)

rule.derive(
    "dL/ds_neg",
    Step(Derivative(L, s_neg[j]), -Derivative(log(sigmoid(-s_neg[j])), s_neg[j]),
         why="only the j-th negative term holds s⁻ⱼ", why_ko="j 번째 부정 항만 s⁻ⱼ 를 담는다"),
    Step(sigmoid(s_neg[j]), why="d/ds log σ(−s) = −σ(s), since σ′ = σ(1 − σ) and 1 − σ(−s) = σ(s)",
         why_ko="d/ds log σ(−s) = −σ(s): σ′ = σ(1 − σ) 이고 1 − σ(−s) = σ(s)"),
    index=(j,), hold=("s_neg",),
    title="A negative sample's score", title_ko="부정 샘플의 점수",
)
rule.derive(
    "dL/ds_pos",
    Step(Derivative(L, s_pos), -Derivative(log(sigmoid(s_pos)), s_pos), why="only the first term holds s⁺",
         why_ko="첫 항만 s⁺ 를 담는다"),
    Step(sigmoid(s_pos) - 1, why="d/ds log σ(s) = 1 − σ(s)", why_ko="d/ds log σ(s) = 1 − σ(s)"),
    hold=("s_pos",),
    title="The true context word's score", title_ko="진짜 주변 단어의 점수",
)

register(rule)
