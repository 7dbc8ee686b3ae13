"""Batch normalization of one unit over a mini-batch of M examples (course notes: batch
normalization), in training and at test time. The derivation of ∂L/∂x is
:mod:`derive.rules._normalization`'s, over the batch instead of a layer's units.

Headline: ∂L/∂x_j = (∂L/∂x̂_j − mean(∂L/∂x̂) − x̂_j mean(∂L/∂x̂ ⊙ x̂))/σ: without the two mean terms
(the batch's mean and variance depend on x_j too) the gradient is wrong. In training the running
statistics move towards the batch's (the variance's unbiased, as in PyTorch); at test time they
replace the batch's. For a (M, F) batch of F units, each unit is one case of the rule (its leading
axis): pass xᵀ, of shape (F, M). A batch needs M >= 2 (its unbiased variance divides by M − 1).
"""

from derive.rules._normalization import normalize
from derive.rules._vocabulary import *

M = dim("M")

rule = Rule(
    "batch_norm",
    "Batch normalization of one unit: training, backward, running statistics and test time",
    headline="dL/dx = (dL/dx_hat - mean(dL/dx_hat) - x_hat mean(dL/dx_hat x_hat))/sigma over the batch",
    source="Course notes: batch normalization",
    proof_sizes=[{M: 2}, {M: 3}],
    test_sizes={M: 5},
    title_ko="배치 정규화 (한 뉴런): 학습, 역전파, 이동 평균, 테스트",
    source_ko="강의 노트: 배치 정규화",
)

x = rule.input("x", (M,), note="one unit over the M examples of a batch", note_ko="배치의 M개 샘플에서 한 뉴런의 값")
gamma = rule.input("gamma", (), note="scale γ", note_ko="배율 γ")
beta = rule.input("beta", (), note="shift β", note_ko="이동 β")
g = rule.input("g", (M,), note="gradient dL/dy from the layers above", note_ko="위층에서 온 기울기 dL/dy")
eps = rule.input("eps", (), Positive(1e-5, 1e-2), default=1e-5, note="ε added to the variance",
                 note_ko="분산에 더하는 ε")
running_mean = rule.input("running_mean", (), default=0.0, note="running mean before the batch",
                          note_ko="이 배치 전의 이동 평균")
running_var = rule.input("running_var", (), NonNegative(), default=1.0, note="running variance before the batch",
                         note_ko="이 배치 전의 이동 분산")
momentum = rule.input("momentum", (), Rate(), default=0.1, note="momentum of the running statistics",
                      note_ko="이동 통계의 모멘텀")

mu, var, sd, x_hat, y = normalize(rule, x, M, gamma, beta, g, eps, "the batch", "배치")
rule.quantity("running_mean_new", (1 - momentum) * running_mean + momentum * mu,
              note="running mean after the batch", note_ko="이 배치 뒤의 이동 평균")
rule.quantity("running_var_new", (1 - momentum) * running_var + momentum * var * M / (M - 1),
              note="running variance after the batch (the batch's unbiased: times M/(M − 1))",
              note_ko="이 배치 뒤의 이동 분산 (배치 분산은 불편추정: M/(M − 1) 배)")
rule.quantity("y_test", gamma * (x - running_mean) / sqrt(running_var + eps) + beta,
              note="at test time: the running statistics instead of the batch's",
              note_ko="테스트 때: 배치 통계 대신 이동 통계")

register(rule)
