"""Dropout with its mask as an input (course notes: "Dropout: 일부 뉴런을 랜덤 제거 → 과적합 방지"),
inverted, as PyTorch does it, and the original form.

Headline: with a mask m (1 keeps a unit, 0 drops it, each dropped with probability p), inverted
dropout computes y = m ⊙ x/(1 − p) in training and y = x at test time; the original form y = m ⊙ x in
training and (1 − p) x at test time. Either way the test-time output is the training output's
expectation over the mask, and the backward pass uses the same mask and scale as the forward:
∂L/∂x = m ⊙ ∂L/∂y/(1 − p), a dropped unit passing no gradient. ``g`` stands for ∂L/∂y, the
gradient from the layers above (the loss L = Σ_k g_k y_k has exactly that gradient).
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "dropout",
    "Dropout with a given mask, inverted and original",
    headline="y = m x / (1 - p), dL/dx = m dL/dy / (1 - p); at test time y = x (the expectation over m)",
    source="Course notes: dropout removes units at random against overfitting",
    proof_sizes=[{D: 1}, {D: 3}],
    test_sizes={D: 4},
    title_ko="마스크가 주어진 드롭아웃: inverted 방식과 원래 방식",
    source_ko="강의 노트: Dropout, 일부 뉴런을 랜덤 제거해 과적합 방지",
)

x = rule.input("x", (D,), note="input of the layer", note_ko="층의 입력")
m = rule.input("m", (D,), Binary(), note="mask: 1 keeps a unit, 0 drops it", note_ko="마스크: 1이면 유지, 0이면 제거")
p = rule.input("p", (), Rate(), note="probability p that a unit is dropped", note_ko="뉴런을 제거할 확률 p")
g = rule.input("g", (D,), note="gradient dL/dy from the layers above", note_ko="위층에서 온 기울기 dL/dy")

y = rule.quantity("y", m * x / (1 - p), note="inverted dropout in training", note_ko="학습 때의 inverted 드롭아웃 출력")
y_test = rule.quantity("y_test", x, note="inverted dropout at test time: the input itself",
                       note_ko="테스트 때의 inverted 드롭아웃 출력: 입력 그대로")
L = rule.quantity("L", Total(g * y), note="a loss whose gradient by y is g", note_ko="y에 대한 기울기가 g인 손실")
rule.quantity("dL/dx", g * m / (1 - p), note="gradient by the input", note_ko="입력에 대한 기울기")
y_plain = rule.quantity("y_plain", m * x, note="original dropout in training", note_ko="학습 때의 원래 드롭아웃 출력")
y_plain_test = rule.quantity("y_plain_test", (1 - p) * x, note="original dropout at test time: scaled by 1 − p",
                             note_ko="테스트 때의 원래 드롭아웃 출력: 1 − p 배")
L_plain = rule.quantity("L_plain", Total(g * y_plain), note="a loss whose gradient by y_plain is g",
                        note_ko="y_plain에 대한 기울기가 g인 손실")
rule.quantity("dL_plain/dx", g * m, note="gradient by the input, original dropout",
              note_ko="원래 드롭아웃에서 입력에 대한 기울기")

KEPT = "kept (m = 1) with probability 1 − p; dropped (m = 0, output 0) with probability p, adding p · 0"
KEPT_KO = "확률 1 − p 로 유지(m = 1), 확률 p 로 제거(m = 0, 출력 0)되어 p · 0 을 더한다"

rule.derive(
    "dL/dx",
    Step(Derivative(L, x[1]), g[1] * Derivative(y[1], x[1]), why="chain rule: L = Σ_k g_k y_k",
         why_ko="연쇄 법칙: L = Σ_k g_k y_k"),
    Step(g[1] * m[1] / (1 - p),
         why="y_1 = m_1 x_1/(1 − p): the forward's mask and scale; a dropped unit passes no gradient",
         why_ko="y_1 = m_1 x_1/(1 − p): 순전파와 같은 마스크와 배율, 제거된 뉴런으로는 기울기가 흐르지 않는다"),
    index=(1,),
    title="Backward with the same mask (every unit alike)",
    title_ko="같은 마스크로 역전파 (모든 뉴런이 같은 꼴)",
)
rule.derive(
    "y_test",
    Step(y_test, Mul(1 - p, x / (1 - p), evaluate=False),
         why=f"the expectation of y over the mask: {KEPT}", why_ko=f"마스크에 대한 y의 기댓값: {KEPT_KO}"),
    Step(x, why="1 − p cancels the training scale 1/(1 − p): nothing to do at test time",
         why_ko="1 − p 가 학습 때의 배율 1/(1 − p)를 상쇄한다: 테스트 때는 할 일이 없다"),
    title="At test time, inverted dropout is the identity",
    title_ko="테스트 때 inverted 드롭아웃은 항등 함수",
)
rule.derive(
    "y_plain_test",
    Step(y_plain_test, (1 - p) * x,
         why=f"the expectation of y_plain = m ⊙ x over the mask, {KEPT}: the output scaled by 1 − p",
         why_ko=f"마스크에 대한 y_plain = m ⊙ x 의 기댓값, {KEPT_KO}: 출력이 1 − p 배"),
    title="At test time, the original dropout scales by 1 − p",
    title_ko="테스트 때 원래 드롭아웃은 1 − p 배",
)
rule.derive(
    "dL_plain/dx",
    Step(Derivative(L_plain, x[1]), g[1] * m[1], why="y_plain_1 = m_1 x_1: the same mask, no scale",
         why_ko="y_plain_1 = m_1 x_1: 같은 마스크, 배율 없음"),
    index=(1,),
    title="Backward of the original dropout",
    title_ko="원래 드롭아웃의 역전파",
)

register(rule)
