"""Gradient descent over several steps on a least-squares line: full batch, one sample at a time
(SGD), and mini-batches of two and of five (the lecture on batch, stochastic and mini-batch
gradient descent: "두 개씩 묶어 기울기를 계산하고 업데이트", "일정 개수(예: 5개)의 샘플").

Headline: on a batch B the loss is the mean squared error L_B = (1/|B|) Σ_{i∈B} (w x_i + b − y_i)²,
its gradients ∂L_B/∂w = (2/|B|) Σ (ŷ_i − y_i) x_i and ∂L_B/∂b = (2/|B|) Σ (ŷ_i − y_i), and every step
is w ← w − η ∂L_B/∂w, b ← b − η ∂L_B/∂b. The trajectories differ only in B: all S samples each step;
sample t at step t; samples 2t − 1, 2t; samples 5t − 4 … 5t. Each step starts from the one before,
so a slip at one step is carried into every later one, and the checker follows it.
"""

from derive.rules._vocabulary import *

S = dim("S")
i = symbols("i", integer=True, positive=True)

rule = Rule(
    "gd_trajectories",
    "Gradient descent over several steps: full batch, one sample, mini-batches of 2 and 5",
    headline="w <- w - lr (2/|B|) sum_B (w x_i + b - y_i) x_i, b <- b - lr (2/|B|) sum_B (w x_i + b - y_i)",
    source="Lecture: batch, stochastic and mini-batch gradient descent on a regression line",
    proof_sizes=[{S: 10}],
    test_sizes={S: 10},
    title_ko="여러 스텝의 경사하강법: 배치 전체, 샘플 하나, 미니배치 2개와 5개",
    source_ko="강의: 배치, 확률적, 미니배치 경사하강법 (회귀 직선)",
)

x = rule.input("x", (S,), note="inputs x_1 … x_S (at least 10: two mini-batches of five)",
               note_ko="입력 x_1 … x_S (미니배치 5개짜리 두 번을 위해 10개 이상)")
y = rule.input("y", (S,), note="targets y_1 … y_S", note_ko="정답 y_1 … y_S")
w_0 = rule.input("w_0", note="starting weight", note_ko="처음 가중치")
b_0 = rule.input("b_0", note="starting bias", note_ko="처음 편향")
lr = rule.input("lr", (), Positive(), note="learning rate η", note_ko="학습률 η")

# the full batch's loss and gradients at the start: the derivation every step repeats on its batch
L_0 = rule.quantity("L_0", Total((w_0 * x + b_0 - y) ** 2) / S, note="mean squared error of all samples at the start",
                    note_ko="처음 가중치에서 모든 샘플의 평균 제곱 오차")
# named by w and b, not w_0 and b_0: a gradient by an input is summed over the batch when that input
# is shared by it, and here the batch axis holds different datasets, not the samples of one
dw_0 = rule.quantity("dL_0/dw", 2 * Total((w_0 * x + b_0 - y) * x) / S, note="its gradient by the weight",
                     note_ko="가중치에 대한 기울기")
db_0 = rule.quantity("dL_0/db", 2 * Total(w_0 * x + b_0 - y) / S, note="its gradient by the bias",
                     note_ko="편향에 대한 기울기")


def trajectory(tag, batches, what, what_ko):
    """The quantities w_<tag>t, b_<tag>t of one step per batch ((start, stop): 0-based, stop excluded;
    None: every sample), then the loss of all samples at the end."""
    w, b = w_0, b_0
    for t, batch in enumerate(batches, 1):
        if batch is None:  # the whole batch; its first step's gradients are the ones derived above
            xs, ys, size, where, where_ko = x, y, S, "all samples", "모든 샘플"
        else:
            (start, stop), size = batch, batch[1] - batch[0]
            xs, ys = Part(x, start, stop), Part(y, start, stop)
            where = f"samples {start + 1}–{stop}" if size > 1 else f"sample {start + 1}"
            where_ko = f"샘플 {start + 1}–{stop}" if size > 1 else f"샘플 {start + 1}"
        error = w * xs + b - ys
        dw, db = (dw_0, db_0) if batch is None and t == 1 else (2 * Total(error * xs) / size,
                                                                 2 * Total(error) / size)
        w, b = (rule.quantity(f"w_{tag}{t}", w - lr * dw, note=f"{what}, step {t}: weight after {where}",
                              note_ko=f"{what_ko} {t}번째 스텝: {where_ko} 뒤의 가중치"),
                rule.quantity(f"b_{tag}{t}", b - lr * db, note=f"{what}, step {t}: bias after {where}",
                              note_ko=f"{what_ko} {t}번째 스텝: {where_ko} 뒤의 편향"))
    rule.quantity(f"L_{tag}end", Total((w * x + b - y) ** 2) / S,
                  note=f"{what}: mean squared error of all samples at the end",
                  note_ko=f"{what_ko}: 끝에서 모든 샘플의 평균 제곱 오차")


trajectory("", [None] * 3, "full batch", "배치 전체")
trajectory("sgd_", [(0, 1), (1, 2), (2, 3)], "one sample (SGD)", "샘플 하나 (SGD)")
trajectory("mb2_", [(0, 2), (2, 4), (4, 6)], "mini-batches of two", "두 개씩 미니배치")
trajectory("mb5_", [(0, 5), (5, 10)], "mini-batches of five", "다섯 개씩 미니배치")

rule.derive(
    "dL_0/dw",
    Step(Derivative(L_0, w_0), Sum(2 * (w_0 * x[i] + b_0 - y[i]) * Derivative(w_0 * x[i] + b_0, w_0), (i, 1, S)) / S,
         why="chain rule through each square: d(u²)/du = 2u, the mean's 1/S kept",
         why_ko="제곱마다 연쇄 법칙: d(u²)/du = 2u, 평균의 1/S 는 그대로"),
    Step(2 * Sum((w_0 * x[i] + b_0 - y[i]) * x[i], (i, 1, S)) / S,
         why="∂(w x_i + b)/∂w = x_i", why_ko="∂(w x_i + b)/∂w = x_i"),
    title="Gradient by the weight of a batch's mean squared error",
    title_ko="배치 평균 제곱 오차의 가중치에 대한 기울기",
)
rule.derive(
    "dL_0/db",
    Step(Derivative(L_0, b_0), 2 * Sum(w_0 * x[i] + b_0 - y[i], (i, 1, S)) / S,
         why="chain rule through each square; ∂(w x_i + b)/∂b = 1",
         why_ko="제곱마다 연쇄 법칙, ∂(w x_i + b)/∂b = 1"),
    title="Gradient by the bias",
    title_ko="편향에 대한 기울기",
)
rule.derive(
    "w_1",
    Step(w_0 - lr * dw_0, w_0 - lr * Derivative(L_0, w_0),
         why="a step of gradient descent on the whole batch", why_ko="배치 전체에 대한 경사하강 한 스텝"),
    title="The first full-batch step",
    title_ko="배치 전체의 첫 스텝",
)

register(rule)
