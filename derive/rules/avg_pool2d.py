"""Average pooling and its backward pass (the CNN lectures: "평균 풀링", 4×4 → 2×2).

Headline: y_cpq = the mean of the K×K window (p, q) of channel c; ∂L/∂x spreads each g_cpq evenly,
g_cpq/K², over its window; where windows overlap (stride < K), a cell collects a share of each.
"""

from derive.rules._pooling import pooling
from derive.rules._vocabulary import *
from derive.symbolic.arrays import AvgPool, AvgPoolBack


@conventional(window="2", stride="2")
def build(conv):
    return pooling(
        "avg_pool2d", "Average pooling", "평균 풀링", conv,
        lambda x, K, S: AvgPool(x, K, S),
        lambda x, g, K, S, H, W: AvgPoolBack(g, K, S, H, W),
        headline="dL/dx_cij = sum of g_cpq/K^2 over the windows that hold x_cij",
        note="output: the mean of every window", note_ko="출력: 창마다의 평균",
        why="∂ mean/∂x_cij = 1/K² for every cell of the window: each g is spread evenly over its window",
        why_ko="창의 모든 칸에서 ∂ 평균/∂x_cij = 1/K²: g 는 창 전체에 고르게 나뉜다",
    )


rule = build()
register(rule)
