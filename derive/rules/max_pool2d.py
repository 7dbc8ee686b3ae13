"""Max pooling and its backward pass (the CNN lectures: "맥스 풀링", 4×4 → 2×2).

Headline: y_cpq = max of the K×K window (p, q) of channel c; ∂L/∂x sends each g_cpq to the arg-max
of its window (the cell that holds the maximum) and gives the other cells 0; where windows overlap
(stride < K), a cell collects the g of every window whose maximum it is.
"""

from derive.rules._pooling import pooling
from derive.rules._vocabulary import *
from derive.symbolic.arrays import MaxPool, MaxPoolBack


@conventional(window="2", stride="2")
def build(conv):
    return pooling(
        "max_pool2d", "Max pooling", "맥스 풀링", conv,
        lambda x, K, S: MaxPool(x, K, S),
        lambda x, g, K, S, H, W: MaxPoolBack(x, g, K, S),
        headline="dL/dx_cij = sum of g_cpq over the windows whose maximum is x_cij",
        note="output: the largest value of every window", note_ko="출력: 창마다 가장 큰 값",
        why="∂ max/∂x_cij is 1 where x_cij is the window's maximum (the arg-max), else 0: each g goes to "
            "its window's arg-max, not to every cell",
        why_ko="∂ max/∂x_cij 는 x_cij 가 창의 최댓값(arg-max)일 때 1, 아니면 0: g 는 창의 모든 칸이 아니라 "
               "최댓값 자리로만 간다",
    )


rule = build()
register(rule)
