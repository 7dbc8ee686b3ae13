"""A graph convolution layer with a readout and a softmax head, and its backward pass (the graph
lecture: "H = σ(Â X W)" with the normalized adjacency Â = D^(−1/2) Ã D^(−1/2)).

Headline: with P = Â H W and H′ = ReLU(P), the readout r = (1/n) Σ_v H′_v (or the sum) and
L = cross-entropy(softmax(r), y): ∂L/∂r = ŷ − y, every node gets ∂L/∂H′_v = (ŷ − y)/n,
∂L/∂P = ∂L/∂H′ ⊙ [P > 0], ∂L/∂W = (ÂH)ᵀ ∂L/∂P and ∂L/∂H = Âᵀ ∂L/∂P Wᵀ.

Ã = A + I gives every node a self-loop, so that a node keeps its own features; its degrees
d̃_v = Σ_u Ã_vu (at least 1) normalize each edge by √(d̃_v d̃_u): Â_vu = Ã_vu/√(d̃_v d̃_u). The
readout is the sum over the nodes (the rule's own: the lecture's "모든 노드의 임베딩을 합쳐") or their mean (``conventions: {reduce: mean}``).
"""

from derive.rules._vocabulary import *
from derive.symbolic.arrays import Eye, MatProduct, Rows

n, F, C = dim("n"), dim("F"), dim("C")
v, u, a, b, k = symbols("v u a b k", integer=True, positive=True)


@conventional(reduce="sum")
def build(c):
    rule = Rule(
        "gcn",
        "Graph convolution: normalized adjacency, ReLU, readout, softmax",
        headline="dL/dW = (A_hat H)^T dL/dP, dL/dH = A_hat^T dL/dP W^T, dL/dP = dL/dH' ⊙ [P > 0]",
        source="Graph lecture (GCN): H' = σ(Â H W), Â = D̃^(−1/2) (A + I) D̃^(−1/2), readout",
        proof_sizes=[{n: 2, F: 1, C: 2}, {n: 3, F: 2, C: 2}],
        test_sizes={n: 5, F: 3, C: 3},
        title_ko="그래프 합성곱: 정규화한 인접 행렬, ReLU, 리드아웃, 소프트맥스",
        source_ko="그래프 강의 (GCN): H' = σ(Â H W), Â = D̃^(−1/2) (A + I) D̃^(−1/2), 리드아웃",
    )
    A = rule.input("A", (n, n), Binary(), note="adjacency matrix: A_vu = 1 for an edge from v to u",
                   note_ko="인접 행렬: 노드 v 와 u 가 이어져 있으면 A_vu = 1")
    H = rule.input("H", (n, F), note="node features: one row per node", note_ko="노드 피처: 노드마다 한 행")
    W = rule.input("W", (F, C), note="the layer's weights", note_ko="층의 가중치")
    y = rule.input("y", (C,), OneHot(), note="the graph's one-hot class", note_ko="그래프의 원-핫 클래스")

    A_tilde = rule.quantity("A_tilde", A + Eye(n), note="adjacency with self-loops, A + I", note_ko="자기 연결을 더한 인접 행렬 A + I")
    d = rule.quantity("d", Total(A_tilde), note="degrees d̃_v = Σ_u Ã_vu", note_ko="차수 d̃_v = Σ_u Ã_vu")
    A_hat = rule.quantity("A_hat", A_tilde * Outer(1 / sqrt(d), 1 / sqrt(d)),
                          note="normalized adjacency Ã_vu/√(d̃_v d̃_u)", note_ko="정규화한 인접 행렬 Ã_vu/√(d̃_v d̃_u)")
    M = rule.quantity("M", MatProduct(A_hat, H), note="each node's neighbours' features, weighted: Â H",
                      note_ko="이웃 노드 피처의 가중합 Â H")
    P = rule.quantity("P", MatProduct(M, W), note="pre-activation Â H W", note_ko="활성화 전 값 Â H W")
    H_out = rule.quantity("H_out", relu(P), note="the next layer's node features H′ = ReLU(P)",
                          note_ko="다음 층의 노드 피처 H′ = ReLU(P)")
    r = rule.quantity("r", c.mean(Total(Transpose(H_out)), n),
                      note="readout: the " + ("mean" if c.reduce == "mean" else "sum") + " of the nodes' features",
                      note_ko="리드아웃: 노드 피처의 " + ("평균" if c.reduce == "mean" else "합"))
    y_hat = rule.quantity("y_hat", Softmax(r), note="predicted class probabilities", note_ko="예측 클래스 확률")
    L = rule.quantity("L", -Total(y * log(y_hat)), stable=LogSumExp(r) - Total(y * r), note="cross-entropy",
                      note_ko="교차 엔트로피")
    dL_dr = rule.quantity("dL/dr", y_hat - y, note="softmax with cross-entropy: ŷ − y", note_ko="소프트맥스와 교차 엔트로피: ŷ − y")
    dL_dH_out = rule.quantity("dL/dH_out", c.mean(Rows(dL_dr, n), n), note="every node gets the readout's gradient"
                              + (" divided by n" if c.reduce == "mean" else ""),
                              note_ko="모든 노드가 리드아웃의 기울기를" + (" n 으로 나누어" if c.reduce == "mean" else "") + " 받는다")
    dL_dP = rule.quantity("dL/dP", dL_dH_out * Heaviside(P, 0), note="through the ReLU: where P > 0",
                          note_ko="ReLU 를 거슬러: P > 0 인 곳만")
    rule.quantity("dL/dW", MatProduct(Transpose(M), dL_dP), note="gradient by the weights: (ÂH)ᵀ ∂L/∂P",
                  note_ko="가중치에 대한 기울기: (ÂH)ᵀ ∂L/∂P")
    rule.quantity("dL/dH", MatProduct(Transpose(A_hat), MatProduct(dL_dP, Transpose(W))),
                  note="gradient by the node features: Âᵀ ∂L/∂P Wᵀ", note_ko="노드 피처에 대한 기울기: Âᵀ ∂L/∂P Wᵀ")

    rule.derive(
        "dL/dH_out",
        Step(Derivative(L, H_out[v, a]), Sum(dL_dr[k] * Derivative(r[k], H_out[v, a]), (k, 1, C)),
             why="chain rule through the readout r", why_ko="리드아웃 r 을 거치는 연쇄 법칙"),
        Step(dL_dr[a] * c.mean(1, n), why="r_a = " + c.mean_text("n") + "Σ_v H′[v, a]: each node counts "
             + ("1/n" if c.reduce == "mean" else "once"),
             why_ko="r_a = " + c.mean_text("n") + "Σ_v H′[v, a]: 노드마다 " + ("1/n" if c.reduce == "mean" else "한 번") + " 들어간다"),
        index=(v, a), hold=("H_out",),
        title="The readout hands the gradient to every node", title_ko="리드아웃은 모든 노드에 기울기를 나눠 준다",
    )
    rule.derive(
        "dL/dW",
        Step(Derivative(L, W[a, b]), Sum(dL_dP[v, b] * M[v, a], (v, 1, n)),
             why="chain rule: P_vb = Σ_a (ÂH)_va W_ab for every node v",
             why_ko="연쇄 법칙: 모든 노드 v 에서 P_vb = Σ_a (ÂH)_va W_ab"),
        index=(a, b),
        title="The weights", title_ko="가중치",
    )
    rule.derive(
        "dL/dH",
        Step(Derivative(L, H[u, a]), Sum(A_hat[v, u] * Sum(dL_dP[v, b] * W[a, b], (b, 1, C)), (v, 1, n)),
             why="chain rule: node u's features reach every node v with Â_vu ≠ 0, P_vb = Σ_u Â_vu Σ_a H_ua W_ab",
             why_ko="연쇄 법칙: 노드 u 의 피처는 Â_vu ≠ 0 인 모든 노드 v 에 닿는다, P_vb = Σ_u Â_vu Σ_a H_ua W_ab"),
        index=(u, a),
        title="The node features", title_ko="노드 피처",
    )
    return rule


rule = build()
register(rule)
