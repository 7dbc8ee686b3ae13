"""One step of gradient descent with momentum, classical and Nesterov's, in PyTorch's form (course
notes: "모멘텀을 사용하면 이전의 그래디언트 방향(속도)을 고려하여 업데이트 방향을 결정").

Headline: v_new = μ v + g; classical momentum steps w − η v_new, Nesterov's w − η (g + μ v_new),
looking one velocity ahead. Written in the step's inputs, Nesterov's weighs the new gradient by
1 + μ and the old velocity by μ², where the classical weighs them by 1 and μ.
"""

from derive.rules._vocabulary import *

D = dim("D")

rule = Rule(
    "nesterov",
    "One step of momentum, classical and Nesterov's",
    headline="v_new = mu v + g; w_new = w - lr v_new; w_nesterov = w - lr (g + mu v_new)",
    source="Course notes: momentum keeps the direction (velocity) of the past gradients",
    proof_sizes=[{D: 1}, {D: 2}],
    test_sizes={D: 3},
    title_ko="모멘텀 한 스텝: 고전적 모멘텀과 네스테로프 모멘텀",
    source_ko="강의 노트: 모멘텀은 이전 그래디언트 방향(속도)을 고려해 업데이트 방향을 정한다",
)

w = rule.input("w", (D,), note="parameters", note_ko="파라미터")
g = rule.input("g", (D,), note="gradient dL/dw at w", note_ko="w에서의 기울기 dL/dw")
v = rule.input("v", (D,), note="velocity before the step (0 at the start)", note_ko="이번 스텝 전의 속도 (처음엔 0)")
lr = rule.input("lr", (), Positive(0.001, 0.5), note="learning rate η", note_ko="학습률 η")
mu = rule.input("mu", (), Rate(), default=0.9, note="momentum μ", note_ko="모멘텀 계수 μ")

v_new = rule.quantity("v_new", mu * v + g, note="velocity after the step", note_ko="스텝 뒤의 속도")
rule.quantity("w_new", w - lr * v_new, note="parameters after a classical momentum step",
              note_ko="고전적 모멘텀 스텝 뒤의 파라미터")
w_nesterov = rule.quantity("w_nesterov", w - lr * (g + mu * v_new),
                           note="parameters after a Nesterov step (PyTorch's form)",
                           note_ko="네스테로프 스텝 뒤의 파라미터 (PyTorch 형식)")

rule.derive(
    "w_nesterov",
    Step(w_nesterov, w - lr * (g + mu * (mu * v + g)), why="v_new = μ v + g", why_ko="v_new = μ v + g"),
    Step(w - lr * (1 + mu) * g - lr * mu ** 2 * v,
         why="the new gradient weighs 1 + μ and the old velocity μ² (classical momentum: 1 and μ)",
         why_ko="새 기울기는 1 + μ 의 가중치로, 이전 속도는 μ² 의 가중치로 반영된다 (고전적 모멘텀은 1 과 μ)"),
    title="Nesterov's step looks one velocity ahead",
    title_ko="네스테로프 스텝은 속도만큼 한 걸음 앞을 내다본다",
)

register(rule)
