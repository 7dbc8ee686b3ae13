"""One step of Adadelta (PyTorch's form): RMSProp's step with the learning rate replaced by the
running RMS of the past steps themselves, so that a step has the units of w.

Headline: s_new = ρ s + (1 − ρ) g², Δ = g √(d + ε)/√(s_new + ε), d_new = ρ d + (1 − ρ) Δ²,
w_new = w − η Δ (η = 1 in the original method).
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "adadelta",
    "One step of Adadelta",
    headline="delta = g sqrt(d + eps)/sqrt(s_new + eps); w_new = w - lr delta",
    source="Course notes: adaptive learning rates per parameter",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="Adadelta 한 스텝",
    source_ko="강의 노트: 매개변수별로 학습률을 다르게 조정",
)

w = rule.input("w", (D,), note="parameters", note_ko="파라미터")
g = rule.input("g", (D,), note="gradient dL/dw at w", note_ko="w에서의 기울기 dL/dw")
s = rule.input("s", (D,), NonNegative(), note="running average of the squared gradients (0 at the start)",
               note_ko="기울기 제곱의 지수이동평균 (처음엔 0)")
d = rule.input("d", (D,), NonNegative(), note="running average of the squared steps (0 at the start)",
               note_ko="스텝 크기 제곱의 지수이동평균 (처음엔 0)")
lr = rule.input("lr", (), Positive(0.1, 1.0), default=1.0, note="learning rate η (1 in the original method)",
                note_ko="학습률 η (원래 방법에서는 1)")
rho = rule.input("rho", (), Rate(), default=0.9, note="decay ρ of the running averages", note_ko="감쇠율 ρ")
eps = rule.input("eps", (), Positive(1e-6, 1e-3), default=1e-6, note="ε against division by 0",
                 note_ko="0으로 나누기를 막는 ε")

s_new = rule.quantity("s_new", rho * s + (1 - rho) * g * g, note="running average of the squared gradients",
                      note_ko="기울기 제곱의 지수이동평균")
delta = rule.quantity("delta", g * sqrt(d + eps) / sqrt(s_new + eps), note="the step before the learning rate",
                      note_ko="학습률을 곱하기 전의 스텝")
rule.quantity("d_new", rho * d + (1 - rho) * delta * delta, note="running average of the squared steps",
              note_ko="스텝 크기 제곱의 지수이동평균")
rule.quantity("w_new", w - lr * delta, note="parameters after the step", note_ko="스텝 뒤의 파라미터")

rule.derive(
    "delta",
    Step(delta, (sqrt(d + eps) / sqrt(s_new + eps)) * g,
         why="RMSProp's η/√s replaced by RMS(past steps)/RMS(gradients): a step in the units of w",
         why_ko="RMSProp 의 η/√s 를 RMS(지난 스텝)/RMS(기울기)로 바꿔: 스텝의 단위가 w 의 단위"),
    Step(g * sqrt(d + eps) / sqrt(rho * s + (1 - rho) * g * g + eps),
         why="s_new = ρ s + (1 − ρ) g²", why_ko="s_new = ρ s + (1 − ρ) g²"),
    title="A step with the units of w",
    title_ko="w 와 단위가 같은 스텝",
)

register(rule)
