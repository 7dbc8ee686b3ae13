"""One step of AdaGrad (course notes: "매개변수별로 학습률을 다르게 조정하여 자주 변화하는 가중치는
덜 조정, 드문 가중치는 더 조정"): every coordinate divides the learning rate by the root of the sum
of its squared gradients so far.

Headline: G_new = G + g², w_new = w − η g/(√G_new + ε): a learning rate η/(√G_new + ε) of each
coordinate's own, which only shrinks, since the sum only grows (what RMSProp corrects).
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "adagrad",
    "One step of AdaGrad",
    headline="G_new = G + g^2; w_new = w - lr g/(sqrt(G_new) + eps)",
    source="Course notes: adaptive learning rates per parameter (AdaGrad, RMSProp, Adam)",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="AdaGrad 한 스텝",
    source_ko="강의 노트: 매개변수별로 학습률을 다르게 조정 (AdaGrad, RMSProp, Adam)",
)

w = rule.input("w", (D,), note="parameters", note_ko="파라미터")
g = rule.input("g", (D,), note="gradient dL/dw at w", note_ko="w에서의 기울기 dL/dw")
G = rule.input("G", (D,), NonNegative(), note="sum of the squared gradients before the step (0 at the start)",
               note_ko="이번 스텝 전까지 기울기 제곱의 합 (처음엔 0)")
lr = rule.input("lr", (), Positive(0.001, 0.5), note="learning rate η", note_ko="학습률 η")
eps = rule.input("eps", (), Positive(1e-10, 1e-3), default=1e-10, note="ε against division by 0",
                 note_ko="0으로 나누기를 막는 ε")

G_new = rule.quantity("G_new", G + g * g, note="sum of the squared gradients, this one included",
                      note_ko="이번 기울기까지 포함한 기울기 제곱의 합")
rate = rule.quantity("rate", lr / (sqrt(G_new) + eps), note="each coordinate's own learning rate",
                     note_ko="좌표마다의 학습률")
w_new = rule.quantity("w_new", w - lr * g / (sqrt(G_new) + eps), note="parameters after the step",
                      note_ko="스텝 뒤의 파라미터")

rule.derive(
    "w_new",
    Step(w_new, w - rate * g,
         why="a learning rate η/(√G_new + ε) per coordinate: large where the gradients have been small",
         why_ko="좌표마다의 학습률 η/(√G_new + ε): 기울기가 작았던 좌표일수록 크다"),
    Step(w - lr * g / (sqrt(G + g * g) + eps),
         why="G_new = G + g²: the sum only grows, so each rate only shrinks",
         why_ko="G_new = G + g²: 합은 커지기만 하므로 학습률은 줄어들기만 한다"),
    title="A learning rate for each coordinate",
    title_ko="좌표마다의 학습률",
)

register(rule)
