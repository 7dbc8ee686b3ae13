"""Pooling over K×K windows with stride S, channel by channel, for ``max_pool2d`` and
``avg_pool2d``: the same forward frame and chain rule, a different window function.

``g`` stands for ∂L/∂y, the gradient from the layers above (L = Σ g ⊙ y). The window K and stride S
are conventions (``{window: 2, stride: 1}``); the rules' own are K = 2, S = 2, the lecture's
4×4 → 2×2.
"""

from derive.rules._vocabulary import *
from derive.symbolic.arrays import out_size

C, H, W = dim("C"), dim("H"), dim("W")
c, i, j, p, q = symbols("c i j p q", integer=True, positive=True)


def pooling(name, title, title_ko, conv, forward, backward, *, note, note_ko, why, why_ko, headline):
    """The rule ``name``: y = forward(x, K, S), ∂L/∂x = backward(x, g, K, S, H, W), and the derivation
    of ∂L/∂x (chain rule, then ``why``: what ∂y_cpq/∂x_cij is)."""
    K, S = int(conv.window), int(conv.stride)
    rows, cols = out_size(H, K, S), out_size(W, K, S)
    rule = Rule(
        name, title, headline=headline,
        source="CNN lectures: pooling layers (max and average), 4×4 → 2×2",
        proof_sizes=[{C: 1, H: 4, W: 4}, {C: 2, H: 3, W: 5}],
        test_sizes={C: 1, H: 4, W: 5},
        title_ko=title_ko,
        source_ko="CNN 강의: 풀링 층 (맥스, 평균), 4×4 → 2×2",
    )
    x = rule.input("x", (C, H, W), note="input feature map: C channels of H × W",
                   note_ko="입력 특징 맵: H × W 채널 C개")
    g = rule.input("g", (C, rows, cols), note="gradient dL/dy from the layers above",
                   note_ko="위층에서 온 기울기 dL/dy")
    y = rule.quantity("y", forward(x, K, S), note=note, note_ko=note_ko)
    L = rule.quantity("L", Total(Total(Total(g * y))), note="a loss whose gradient by y is g",
                      note_ko="y에 대한 기울기가 g인 손실")
    dL_dx = rule.quantity("dL/dx", backward(x, g, K, S, H, W), note="gradient by the input",
                          note_ko="입력에 대한 기울기")
    rule.derive(
        "dL/dx",
        Step(Derivative(L, x[c, i, j]), Sum(g[c, p, q] * Derivative(y[c, p, q], x[c, i, j]), (p, 1, rows), (q, 1, cols)),
             why="chain rule through the outputs of channel c (the other channels' windows do not hold x_cij)",
             why_ko="채널 c 의 출력들을 거치는 연쇄 법칙 (다른 채널의 창에는 x_cij 가 없다)"),
        Step(dL_dx[c, i, j], why=why, why_ko=why_ko),
        index=(c, i, j),
        title="Gradient by the input, window by window",
        title_ko="입력에 대한 기울기, 창마다",
    )
    return rule
