"""Momentum written out over six steps (course notes: "모멘텀을 사용하면 이전의 그래디언트
방향(속도)을 고려하여 업데이트 방향을 결정"), in both of its forms, and where Adam's bias
correction comes from.

Headline: m_k = β m_{k−1} + (1 − β) g_k from m_0 = 0 unrolls to m_6 = (1 − β) Σ_i β^{6−i} g_i, a
weighted sum of the past gradients, the newest weighted most. The weights add up to 1 − β⁶, not 1,
so m_6/(1 − β⁶) is their weighted average (Adam's bias correction). The form v_k = β v_{k−1} + g_k
(PyTorch's SGD) is the same running sum without the factor: v_k = m_k/(1 − β).
"""

from derive.rules._vocabulary import *

D = dim("D")
STEPS = 6

rule = Rule(
    "momentum",
    "Momentum over six steps: a weighted sum of the past gradients",
    headline="m_6 = (1 - beta) sum_i beta^(6-i) g_i; weights sum to 1 - beta^6; v_k = m_k/(1 - beta)",
    source="Course notes: momentum keeps the direction (velocity) of the past gradients",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="여섯 스텝의 모멘텀: 지난 기울기들의 가중합",
    source_ko="강의 노트: 모멘텀은 이전 그래디언트 방향(속도)을 고려해 업데이트 방향을 정한다",
)

g = [rule.input(f"g_{k}", (D,), note=f"gradient at step {k}", note_ko=f"{k}번째 스텝의 기울기")
     for k in range(1, STEPS + 1)]
beta = rule.input("beta", (), Rate(), default=0.9, note="momentum β", note_ko="모멘텀 계수 β")

m = [0]
for k in range(1, STEPS + 1):
    m.append(rule.quantity(f"m_{k}", beta * m[k - 1] + (1 - beta) * g[k - 1],
                           note=f"running average after step {k}: β m_{k - 1} + (1 − β) g_{k}",
                           note_ko=f"{k}번째 스텝 뒤의 지수이동평균: β m_{k - 1} + (1 − β) g_{k}"))
v = [0]
for k in range(1, STEPS + 1):
    v.append(rule.quantity(f"v_{k}", beta * v[k - 1] + g[k - 1],
                           note=f"velocity after step {k}: β v_{k - 1} + g_{k}",
                           note_ko=f"{k}번째 스텝 뒤의 속도: β v_{k - 1} + g_{k}"))
rule.quantity("m_hat_6", m[STEPS] / (1 - beta ** STEPS), note="m_6 corrected for its start at 0",
              note_ko="0에서 시작한 치우침을 보정한 m_6")

weights = [(1 - beta) * beta ** (STEPS - i) for i in range(1, STEPS + 1)]

rule.derive(
    "m_6",
    Step(m[STEPS], sum(wt * gi for wt, gi in zip(weights, g)),
         why="unrolling m_k = β m_{k−1} + (1 − β) g_k from m_0 = 0: g_i weighted (1 − β) β^{6−i}, the newest most",
         why_ko="m_k = β m_{k−1} + (1 − β) g_k 를 m_0 = 0 부터 풀면: g_i 의 가중치는 (1 − β) β^{6−i}, 최근 것일수록 크다"),
    title="m_6 unrolled: a weighted sum of the past gradients",
    title_ko="m_6 을 풀어 쓰면: 지난 기울기들의 가중합",
)
rule.derive(
    "v_6",
    Step(v[STEPS], m[STEPS] / (1 - beta),
         why="v_k = m_k/(1 − β) at every step: the same direction, so η with v is η/(1 − β) with m",
         why_ko="모든 스텝에서 v_k = m_k/(1 − β): 방향이 같아, v 에 η 를 쓰는 것은 m 에 η/(1 − β) 를 쓰는 것"),
    title="The two forms of momentum differ by the factor 1 − β",
    title_ko="두 가지 모멘텀은 1 − β 배만 다르다",
)
rule.derive(
    "m_hat_6",
    Step(rule.symbol("m_hat_6"), m[STEPS] / sum(weights),
         why="the weights (1 − β) β^{6−i} add up to 1 − β⁶: dividing by their sum averages the gradients",
         why_ko="가중치 (1 − β) β^{6−i} 의 합은 1 − β⁶: 그 합으로 나누면 기울기들의 가중평균"),
    title="Why Adam divides by 1 − βᵗ",
    title_ko="Adam 이 1 − βᵗ 로 나누는 이유",
)

register(rule)
