"""One step of Adam (course notes: "Adam: 모멘텀과 RMSProp을 결합한 방식"): momentum's running
average of the gradients and RMSProp's running average of their squares, each corrected for its
start at 0, and a step of about η in every coordinate.

Headline: m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
w ← w − η m̂/(√v̂ + ε). The corrections are those of ``momentum``: after t steps from 0 the
weights of the past gradients sum to 1 − βᵗ, not 1. At t = 1 from m = v = 0, m̂ = g and v̂ = g², so
the first step is η g/(|g| + ε): η in each coordinate, whatever the gradient's size.
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "adam",
    "One step of Adam with bias correction",
    headline="w_new = w - lr m_hat/(sqrt(v_hat) + eps), m_hat = m_new/(1 - beta1^t), v_hat = v_new/(1 - beta2^t)",
    source="Course notes: Adam combines momentum and RMSProp",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="Adam 한 스텝 (편향 보정 포함)",
    source_ko="강의 노트: Adam, 모멘텀과 RMSProp을 결합한 방식",
)

w = rule.input("w", (D,), note="parameters", note_ko="파라미터")
g = rule.input("g", (D,), note="gradient dL/dw at w", note_ko="w에서의 기울기 dL/dw")
m = rule.input("m", (D,), note="first moment before the step (0 at the start)",
               note_ko="이번 스텝 전의 1차 모멘트 (처음엔 0)")
v = rule.input("v", (D,), NonNegative(), note="second moment before the step (0 at the start)",
               note_ko="이번 스텝 전의 2차 모멘트 (처음엔 0)")
t = rule.input("t", (), Count(), note="the step's number, from 1", note_ko="스텝 번호 t (1부터)")
lr = rule.input("lr", (), Positive(0.001, 0.5), note="learning rate η", note_ko="학습률 η")
beta1 = rule.input("beta1", (), Rate(), default=0.9, note="decay β₁ of the first moment",
                   note_ko="1차 모멘트의 감쇠율 β₁")
beta2 = rule.input("beta2", (), Rate(), default=0.999, note="decay β₂ of the second moment",
                   note_ko="2차 모멘트의 감쇠율 β₂")
eps = rule.input("eps", (), Positive(1e-8, 1e-3), default=1e-8, note="ε against division by 0",
                 note_ko="0으로 나누기를 막는 ε")

m_new = rule.quantity("m_new", beta1 * m + (1 - beta1) * g, note="first moment: running average of the gradients",
                      note_ko="1차 모멘트: 기울기의 지수이동평균")
v_new = rule.quantity("v_new", beta2 * v + (1 - beta2) * g * g,
                      note="second moment: running average of the squared gradients",
                      note_ko="2차 모멘트: 기울기 제곱의 지수이동평균")
m_hat = rule.quantity("m_hat", m_new / (1 - beta1 ** t), note="first moment, bias-corrected",
                      note_ko="편향 보정한 1차 모멘트")
v_hat = rule.quantity("v_hat", v_new / (1 - beta2 ** t), note="second moment, bias-corrected",
                      note_ko="편향 보정한 2차 모멘트")
step = rule.quantity("step", lr * m_hat / (sqrt(v_hat) + eps), note="the step taken, w − w_new",
                     note_ko="이번 스텝의 이동량 w − w_new")
rule.quantity("w_new", w - step, note="parameters after the step", note_ko="스텝 뒤의 파라미터")

rule.derive(
    "step",
    Step(step, lr * ((beta1 * m + (1 - beta1) * g) / (1 - beta1 ** t))
         / (sqrt((beta2 * v + (1 - beta2) * g * g) / (1 - beta2 ** t)) + eps),
         why="m̂ and v̂ written out: this step's running averages, each divided by 1 − βᵗ, the sum of its weights",
         why_ko="m̂, v̂ 를 풀어 쓰면: 이번 스텝의 지수이동평균을 각 가중치의 합 1 − βᵗ 로 나눈 값"),
    title="The step, from the moments before it and the gradient",
    title_ko="이전 모멘트와 기울기로 쓴 이동량",
)

register(rule)
