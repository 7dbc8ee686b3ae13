"""One step of RMSProp (course notes: "RMSProp: Adagrad의 단점(학습률이 너무 빨리 감소)을 보완하기
위해 지수이동평균을 적용"): AdaGrad's sum of squared gradients replaced by their running average.

Headline: s_new = ρ s + (1 − ρ) g², w_new = w − η g/(√s_new + ε). With a constant gradient the
average tends to g², and the step to η in every coordinate: it no longer shrinks for ever.
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "rmsprop",
    "One step of RMSProp",
    headline="s_new = rho s + (1 - rho) g^2; w_new = w - lr g/(sqrt(s_new) + eps)",
    source="Course notes: RMSProp applies a running average to AdaGrad's sum",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="RMSProp 한 스텝",
    source_ko="강의 노트: RMSProp, Adagrad의 단점을 보완하기 위해 지수이동평균을 적용",
)

w = rule.input("w", (D,), note="parameters", note_ko="파라미터")
g = rule.input("g", (D,), note="gradient dL/dw at w", note_ko="w에서의 기울기 dL/dw")
s = rule.input("s", (D,), NonNegative(), note="running average of the squared gradients (0 at the start)",
               note_ko="기울기 제곱의 지수이동평균 (처음엔 0)")
lr = rule.input("lr", (), Positive(0.001, 0.5), note="learning rate η", note_ko="학습률 η")
rho = rule.input("rho", (), Rate(), default=0.99, note="decay ρ of the running average", note_ko="감쇠율 ρ")
eps = rule.input("eps", (), Positive(1e-8, 1e-3), default=1e-8, note="ε against division by 0",
                 note_ko="0으로 나누기를 막는 ε")

s_new = rule.quantity("s_new", rho * s + (1 - rho) * g * g, note="running average of the squared gradients",
                      note_ko="기울기 제곱의 지수이동평균")
rate = rule.quantity("rate", lr / (sqrt(s_new) + eps), note="each coordinate's own learning rate",
                     note_ko="좌표마다의 학습률")
w_new = rule.quantity("w_new", w - lr * g / (sqrt(s_new) + eps), note="parameters after the step",
                      note_ko="스텝 뒤의 파라미터")

rule.derive(
    "w_new",
    Step(w_new, w - rate * g, why="a learning rate η/(√s_new + ε) per coordinate, as in AdaGrad",
         why_ko="AdaGrad 처럼 좌표마다의 학습률 η/(√s_new + ε)"),
    Step(w - lr * g / (sqrt(rho * s + (1 - rho) * g * g) + eps),
         why="AdaGrad's sum G + g² becomes the running average ρ s + (1 − ρ) g²: old gradients fade",
         why_ko="AdaGrad 의 합 G + g² 가 지수이동평균 ρ s + (1 − ρ) g² 로 바뀌어 오래된 기울기는 점점 잊힌다"),
    title="AdaGrad with a running average",
    title_ko="지수이동평균을 쓴 AdaGrad",
)

register(rule)
