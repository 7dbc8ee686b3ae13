"""2-D convolution with channels, stride and padding, and its backward pass (the CNN lectures:
"합성곱 층: 필터(커널)를 통해 지역적 특징 추출", padding and stride).

Headline: y = b + corr_S(pad_P(x), w) (what deep-learning libraries call a convolution is a
correlation: the kernel slides over the image unflipped), the kernel's gradient ∂L/∂w is the padded
input correlated with ∂L/∂y, ∂L/∂b the sum of ∂L/∂y over the positions, and the input's gradient
∂L/∂x is a *full* correlation of ∂L/∂y, spread out by the stride and padded by K − 1 − P, with the
kernel turned by 180°. ``g`` stands for ∂L/∂y, the gradient from the layers above (the loss
L = Σ g ⊙ y has exactly that gradient).

An output has ⌊(H − K + 2P)/S⌋ + 1 rows (and as many columns from W); the layer has F(C K² + 1)
parameters and makes F C K² multiply-adds per output position. Kernels are square (K × K). The
stride S and padding P are conventions (``{stride: 2, padding: 1}``); the rule's own are S = 1, P = 0.
"""

from derive.rules._vocabulary import *
from derive.symbolic.arrays import (
    Correlate,
    CorrelateBack,
    Flipped,
    KernelCorrelate,
    Spread,
    ZeroPad,
    out_size,
)

C, F, H, W, K = dim("C"), dim("F"), dim("H"), dim("W"), dim("K")
c, i, j, f, a, b, p, q, e = symbols("c i j f a b p q e", integer=True, positive=True)


@conventional(stride="1", padding="0")
def build(conv):
    S, P = int(conv.stride), int(conv.padding)
    rows, cols = out_size(H + 2 * P, K, S), out_size(W + 2 * P, K, S)
    rule = Rule(
        "conv2d",
        "2-D convolution with channels, stride and padding",
        headline="dL/dw = corr(x_pad, dL/dy), dL/db = sum of dL/dy, dL/dx = full corr(dL/dy spread, rot180(w))",
        source="CNN lectures: convolution layer, kernels, padding and stride",
        proof_sizes=[{C: 1, F: 1, H: 3, W: 3, K: 2}, {C: 2, F: 2, H: 3, W: 4, K: 2}],
        test_sizes={C: 2, F: 2, H: 4, W: 5, K: 3},
        title_ko="2차원 합성곱: 채널, 스트라이드, 패딩이 있는 순전파와 역전파",
        source_ko="CNN 강의: 합성곱 층, 커널, 패딩과 스트라이드",
    )
    x = rule.input("x", (C, H, W), note="input image: C channels of H × W", note_ko="입력 이미지: H × W 채널 C개")
    w = rule.input("w", (F, C, K, K), note="F kernels of C × K × K", note_ko="C × K × K 커널 F개")
    bias = rule.input("b", (F,), note="one bias per kernel", note_ko="커널마다 편향 하나")
    g = rule.input("g", (F, rows, cols), note="gradient dL/dy from the layers above",
                   note_ko="위층에서 온 기울기 dL/dy")

    x_pad = rule.quantity("x_pad", ZeroPad(x, P), note=f"the input with {P} ring(s) of zeros around it",
                          note_ko=f"둘레에 0을 {P}겹 두른 입력")
    y = rule.quantity("y", Correlate(x_pad, w, S) + bias,
                      note=f"output: each kernel slid over the padded input by {S} cell(s), plus its bias",
                      note_ko=f"출력: 각 커널을 패딩한 입력 위로 {S}칸씩 밀며 곱해 더하고 편향을 더한다")
    L = rule.quantity("L", Total(Total(Total(g * y))), note="a loss whose gradient by y is g",
                      note_ko="y에 대한 기울기가 g인 손실")
    rule.quantity("dL/db", Total(Total(g)), note="gradient by the bias: g summed over the positions",
                  note_ko="편향에 대한 기울기: 위치마다의 g 의 합")
    rule.quantity("dL/dw", KernelCorrelate(x_pad, g, S, K),
                  note="gradient by the kernels: the padded input correlated with g",
                  note_ko="커널에 대한 기울기: 패딩한 입력과 g 의 상관")
    g_full = rule.quantity("g_full", Spread(g, S, K - 1 - P, H + K - 1, W + K - 1),
                           note=f"g spread out ({S - 1} zero(s) between neighbours) and padded by K − 1 − {P}",
                           note_ko=f"g 를 펼치고(이웃 사이에 0 {S - 1}개) K − 1 − {P} 겹의 0으로 두른 것")
    rule.quantity("dL/dx", Correlate(g_full, Flipped(w), 1), stable=CorrelateBack(g, w, S, P, H, W),
                  note="gradient by the input: a full correlation of g with the kernels turned by 180°",
                  note_ko="입력에 대한 기울기: g 와 180° 돌린 커널의 완전 상관")

    def chain(of):
        return Step(Derivative(L, of), Sum(g[e, p, q] * Derivative(y[e, p, q], of), (e, 1, F), (p, 1, rows),
                                           (q, 1, cols)),
                    why="chain rule through every output y_epq: L = Σ g_epq y_epq",
                    why_ko="모든 출력 y_epq 를 거치는 연쇄 법칙: L = Σ g_epq y_epq")

    rule.derive(
        "dL/dw",
        chain(w[f, c, a, b]),
        Step(Sum(g[f, p, q] * x_pad[c, S * (p - 1) + a, S * (q - 1) + b], (p, 1, rows), (q, 1, cols)),
             why=f"y_epq = b_e + Σ w_ec'a'b' x̃_c',S(p−1)+a',S(q−1)+b' (here S = {S}) holds w_fcab only when "
                 "e = f, times the input cell under it: the padded input correlated with g",
             why_ko=f"y_epq = b_e + Σ w_ec'a'b' x̃_c',S(p−1)+a',S(q−1)+b' (여기서 S = {S}) 에 w_fcab 는 e = f 일 "
                    "때만, 그 아래 입력 칸과 곱해져 있다: 패딩한 입력과 g 의 상관"),
        index=(f, c, a, b),
        title="Gradient by a kernel weight: the input under it, wherever the kernel went",
        title_ko="커널 가중치에 대한 기울기: 커널이 지나간 곳마다 그 아래의 입력",
    )
    rule.derive(
        "dL/db",
        chain(bias[f]),
        Step(Sum(g[f, p, q], (p, 1, rows), (q, 1, cols)),
             why="b_f is added once to every output y_fpq of kernel f",
             why_ko="b_f 는 커널 f 의 모든 출력 y_fpq 에 한 번씩 더해진다"),
        index=(f,),
        title="Gradient by a bias",
        title_ko="편향에 대한 기울기",
    )
    rule.derive(
        "dL/dx",
        chain(x[c, i, j]),
        Step(Sum(g_full[e, i + a - 1, j + b - 1] * w[e, c, K + 1 - a, K + 1 - b], (e, 1, F), (a, 1, K), (b, 1, K)),
             why=f"x_cij meets w_ecab in y_epq where S(p−1) + a = i + P (here S = {S}, P = {P}): g spread out "
                 "by the stride and padded by K − 1 − P, against the kernel turned by 180°: a full correlation",
             why_ko=f"x_cij 는 S(p−1) + a = i + P (여기서 S = {S}, P = {P}) 인 y_epq 에서 w_ecab 와 만난다: "
                    "스트라이드만큼 펼치고 K − 1 − P 겹 패딩한 g 와 180° 돌린 커널의 완전 상관"),
        index=(c, i, j),
        title="Gradient by the input: a full correlation with the flipped kernel",
        title_ko="입력에 대한 기울기: 뒤집은 커널과의 완전 상관",
    )
    return rule


rule = build()
register(rule)
