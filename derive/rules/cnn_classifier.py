"""A small convolutional classifier, conv → max-pool → ReLU → dense → softmax, and its backward
pass from the loss to every weight and the image (the CNN lectures' pipeline: "입력 → 합성곱 →
풀링 → 완전 연결 → 예측 출력", trained by backpropagation).

Headline: backward, the layers hand their gradients back in turn: δ_o = ŷ − y at the softmax,
∂L/∂W_d = δ_o vᵀ; ∂L/∂v = W_dᵀ δ_o, unflattened to the pooled maps; ReLU passes it where p > 0;
max pooling sends it to each window's arg-max; then the convolution's own rule: ∂L/∂w is the input
correlated with δ_z, ∂L/∂b its sum, ∂L/∂x a full correlation with the kernels turned by 180°.
Stride 1 without padding for the convolution, 2×2 windows with stride 2 for the pooling. The ReLU
comes after the pooling: max-pooling ReLU(z) gives the same maps (ReLU keeps the order), and its
backward pass then meets no ties between cells the ReLU set to 0.
"""

from derive.rules._softmax_head import derive_softmax_ce
from derive.rules._vocabulary import *
from derive.symbolic.arrays import (
                                    Correlate,
                                    CorrelateBack,
                                    Flatten,
                                    KernelCorrelate,
                                    MaxPool,
                                    MaxPoolBack,
                                    Unflatten,
                                    out_size,
)

C, F, H, W, K, M = dim("C"), dim("F"), dim("H"), dim("W"), dim("K"), dim("M")
rows, cols = out_size(H, K), out_size(W, K)  # the convolution's output
pooled_rows, pooled_cols = out_size(rows, 2, 2), out_size(cols, 2, 2)
units = F * pooled_rows * pooled_cols

rule = Rule(
    "cnn_classifier",
    "A convolutional classifier: conv, max-pool, ReLU, dense, softmax",
    headline="dL/do = y_hat - y; dL/dv = W_d^T dL/do; dL/dz = maxpool^T(dL/da ⊙ [p > 0]); dL/dw = corr(x, dL/dz)",
    source="CNN lectures: input → convolution → pooling → fully connected → prediction",
    proof_sizes=[{C: 1, F: 1, H: 3, W: 3, K: 2, M: 2}, {C: 1, F: 2, H: 3, W: 4, K: 2, M: 2}],
    test_sizes={C: 2, F: 2, H: 5, W: 5, K: 2, M: 3},
    title_ko="합성곱 분류기: 합성곱, 맥스 풀링, ReLU, 완전 연결, 소프트맥스",
    source_ko="CNN 강의: 입력 → 합성곱 → 풀링 → 완전 연결 → 예측 출력",
)

x = rule.input("x", (C, H, W), note="input image", note_ko="입력 이미지")
w = rule.input("w", (F, C, K, K), note="convolution kernels", note_ko="합성곱 커널")
b = rule.input("b", (F,), note="their biases", note_ko="커널의 편향")
W_d = rule.input("W_d", (M, units), note="dense layer's weights: M classes × the pooled image's numbers",
                 note_ko="완전 연결층 가중치: 클래스 M 개 × 풀링한 이미지의 수")
b_d = rule.input("b_d", (M,), note="dense layer's biases", note_ko="완전 연결층 편향")
y = rule.input("y", (M,), OneHot(), note="one-hot target", note_ko="원-핫 정답")

z = rule.quantity("z", Correlate(x, w, 1) + b, note="feature maps of the convolution", note_ko="합성곱의 특징 맵")
p = rule.quantity("p", MaxPool(z, 2, 2), note="pooled feature maps (2×2 windows, stride 2)",
                  note_ko="풀링한 특징 맵 (2×2 창, 스트라이드 2)")
a = rule.quantity("a", relu(p), note="after the ReLU (the same as pooling after it: ReLU keeps the order)",
                  note_ko="ReLU 뒤 (ReLU 는 크기 순서를 지키므로 ReLU 뒤에 풀링해도 같다)")
v = rule.quantity("v", Flatten(a), note="the maps flattened into one vector", note_ko="한 벡터로 펼친 맵")
o = rule.quantity("o", MatVec(W_d, v) + b_d, note="class scores", note_ko="클래스 점수")
y_hat = rule.quantity("y_hat", Softmax(o), note="predicted probabilities", note_ko="예측 확률")
L = rule.quantity("L", -Total(y * log(y_hat)), stable=LogSumExp(o) - Total(y * o), note="cross-entropy",
                  note_ko="교차 엔트로피")
dL_do = rule.quantity("dL/do", y_hat - y, note="softmax with cross-entropy: ŷ − y", note_ko="소프트맥스와 교차 엔트로피: ŷ − y")
rule.quantity("dL/dW_d", Outer(dL_do, v), note="dense weights' gradient", note_ko="완전 연결 가중치의 기울기")
rule.quantity("dL/db_d", dL_do, note="dense biases' gradient", note_ko="완전 연결 편향의 기울기")
dL_dv = rule.quantity("dL/dv", MatVec(Transpose(W_d), dL_do), note="back through the dense layer",
                      note_ko="완전 연결층을 거슬러")
dL_da = rule.quantity("dL/da", Unflatten(dL_dv, F, pooled_rows, pooled_cols), note="the same numbers as maps",
                      note_ko="같은 수를 맵 모양으로")
dL_dp = rule.quantity("dL/dp", dL_da * Heaviside(p, 0), note="through the ReLU: where p > 0",
                      note_ko="ReLU 를 거슬러: p > 0 인 곳만")
dL_dz = rule.quantity("dL/dz", MaxPoolBack(z, dL_dp, 2, 2), note="to each window's arg-max",
                      note_ko="창마다의 최댓값 자리로")
rule.quantity("dL/dw", KernelCorrelate(x, dL_dz, 1, K), note="kernels' gradient", note_ko="커널의 기울기")
rule.quantity("dL/db", Total(Total(dL_dz)), note="kernel biases' gradient", note_ko="커널 편향의 기울기")
rule.quantity("dL/dx", CorrelateBack(dL_dz, w, 1, 0, H, W), note="the image's gradient", note_ko="이미지의 기울기")

derive_softmax_ce(rule, L, o, y_hat, y, M, title="The softmax head", title_ko="소프트맥스 출력층")

register(rule)
