"""The Rosenblatt perceptron (fundamentals notes, "퍼셉트론 학습 알고리즘"): labels +1 and −1, a
step activation, and an update only after a mistake, w_new = w_old + η y x.

Headline: the update is a step of gradient descent on the perceptron criterion E = max(0, −y s),
whose gradient by w is −y x after a mistake (y s <= 0) and 0 otherwise; and one update moves the
score of the same x by η y (‖x‖² + 1), towards the label (the notes: the prediction decreases
when the label is −1, increases when it is +1). A score of exactly 0 counts as a mistake, as in
Rosenblatt's algorithm, so that the perceptron learns from weights 0.
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "rosenblatt",
    "The Rosenblatt perceptron: labels ±1, an update after each mistake",
    headline="w_new = w + lr y x after a mistake (y s <= 0); the score moves by lr y (|x|^2 + 1)",
    source="Fundamentals notes: the perceptron learning algorithm, w_new = w_old + η y x",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="로젠블랫 퍼셉트론: 라벨 ±1, 틀릴 때마다 가중치 업데이트",
    source_ko="기초 강의 노트: 퍼셉트론 학습 알고리즘, w_new = w_old + η y x",
)

x = rule.input("x", (D,), note="input", note_ko="입력")
w = rule.input("w", (D,), note="weights", note_ko="가중치")
b = rule.input("b", (), default=0.0, note="bias", note_ko="편향")
y = rule.input("y", (), Sign(), note="label, +1 or −1", note_ko="실제 라벨, 1 또는 -1")
lr = rule.input("lr", (), Positive(0.05, 1.0), note="learning rate η", note_ko="학습률 η")

s = rule.quantity("s", Total(w * x) + b, note="score s = wᵀx + b", note_ko="가중합 s = wᵀx + b")
rule.quantity("y_hat", 2 * Heaviside(s, 1) - 1, note="prediction: +1 where s >= 0, else −1",
              note_ko="예측: s >= 0 이면 1, 아니면 -1 (계단 함수)")
mistake = rule.quantity("mistake", Heaviside(-y * s, 1),
                        note="1 where y s <= 0, an update (at s = 0 even where y_hat = y), else 0",
                        note_ko="y s <= 0 이면 1 (업데이트, s = 0 이면 ŷ = y 여도), 아니면 0")
E = rule.quantity("E", Max(0, -y * s), note="the perceptron criterion max(0, −y s)",
                  note_ko="퍼셉트론 기준 max(0, −y s)")
dE_dw = rule.quantity("dE/dw", -mistake * y * x, note="gradient by the weights", note_ko="가중치에 대한 기울기")
dE_db = rule.quantity("dE/db", -mistake * y, note="gradient by the bias", note_ko="편향에 대한 기울기")
w_new = rule.quantity("w_new", w - lr * dE_dw, note="weights after the update", note_ko="업데이트한 가중치")
b_new = rule.quantity("b_new", b - lr * dE_db, note="bias after the update", note_ko="업데이트한 편향")
# Defined by the example's own update (the derivation proves it the score with w_new and b_new), so
# that it stays one example's when w is shared by a batch and updated once by the batch's sum.
s_new = rule.quantity("s_new", s + lr * mistake * y * (Total(x * x) + 1), note="score of the same x after its update",
                      note_ko="업데이트 뒤 같은 x의 가중합")

rule.derive(
    "dE/dw",
    Step(Derivative(E, w[1]), Heaviside(-y * s, 1) * Derivative(-y * s, w[1]),
         why="E = max(0, −y s) has slope 1 where −y s >= 0 (a score of 0 counts as a mistake), 0 elsewhere",
         why_ko="E = max(0, −y s)의 기울기는 −y s >= 0 (예측 오류, s = 0 포함)에서 1, 그 밖에서 0"),
    Step(-Heaviside(-y * s, 1) * y * x[1], why="∂s/∂w_1 = x_1", why_ko="∂s/∂w_1 = x_1"),
    Step(-mistake * y * x[1], why="the step is the mistake indicator", why_ko="계단 함수 값이 곧 예측 오류 여부"),
    index=(1,),
    title="Gradient by the first weight (every weight alike)",
    title_ko="첫 번째 가중치에 대한 기울기 (모든 가중치가 같은 꼴)",
)
rule.derive(
    "w_new",
    Step(w - lr * dE_dw, w + lr * mistake * y * x,
         why="gradient descent: w ← w − η ∂E/∂w, which is w + η y x after a mistake and w otherwise",
         why_ko="경사하강 w ← w − η ∂E/∂w: 예측 오류이면 w + η y x, 아니면 w 그대로"),
    title="The update w_new = w_old + η y x after a mistake",
    title_ko="예측 오류일 때의 업데이트 w_new = w_old + η y x",
)
rule.derive(
    "s_new",
    Step(s_new, Total(w_new * x) + b_new, why="the same x scored with the updated weights and bias",
         why_ko="업데이트한 가중치와 편향으로 같은 x를 계산"),
    Step(Total((w + lr * mistake * y * x) * x) + b + lr * mistake * y,
         why="the same x scored with w_new = w + η m y x and b_new = b + η m y (m: the mistake indicator)",
         why_ko="같은 x를 w_new = w + η m y x, b_new = b + η m y 로 계산 (m: 예측 오류 여부)"),
    Step(s + lr * mistake * y * (Total(x * x) + 1),
         why="wᵀx + b = s, and xᵀx = ‖x‖²: the score moves by η y (‖x‖² + 1), towards the label",
         why_ko="wᵀx + b = s, xᵀx = ‖x‖²: 가중합이 라벨 쪽으로 η y (‖x‖² + 1) 만큼 움직인다"),
    title="One update moves the score towards the label",
    title_ko="한 번의 업데이트가 가중합을 라벨 쪽으로 옮긴다",
)

register(rule)
