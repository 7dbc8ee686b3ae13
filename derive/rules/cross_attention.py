"""Cross-attention (encoder-decoder attention): the decoder's positions ask, the encoder's answer.
Q = XW_Q from the decoder's states X, K = HW_K and V = HW_V from the encoder's states H, then
Z = softmax(QKᵀ/√d_k) V (the transformer lecture's second attention of the decoder; the seq2seq
lecture's attention with learned projections).

Headline: the gradients by Q, K and V are scaled dot-product attention's; ∂L/∂X = ∂L/∂Q W_Qᵀ
goes back to the decoder and ∂L/∂H = ∂L/∂K W_Kᵀ + ∂L/∂V W_Vᵀ to the encoder.

The decoder has T positions, the encoder U; ``G`` is ∂L/∂Z (L = Σ G ⊙ Z). No mask: every
decoder position may read the whole source sentence.
"""

from derive.rules._vocabulary import *
from derive.rules.scaled_dot_product_attention import attend, attention_gradients
from derive.rules.self_attention import project_back
from derive.symbolic.arrays import MatProduct

T, U, D, E = dim("T"), dim("U"), dim("D"), dim("E")
t, a, b = symbols("t a b", integer=True, positive=True)
c = Convention()

rule = Rule(
    "cross_attention",
    "Cross-attention: queries from the decoder, keys and values from the encoder",
    headline="dL/dX = dL/dQ W_Q^T (decoder); dL/dH = dL/dK W_K^T + dL/dV W_V^T (encoder)",
    source="Transformer lecture: encoder-decoder attention (Q from the decoder, K and V from the encoder)",
    proof_sizes=[{T: 1, U: 2, D: 2, E: 1}, {T: 2, U: 2, D: 1, E: 2}],
    test_sizes={T: 3, U: 4, D: 3, E: 2},
    title_ko="크로스 어텐션: 쿼리는 디코더에서, 키와 값은 인코더에서",
    source_ko="트랜스포머 강의: 인코더-디코더 어텐션 (Q 는 디코더, K 와 V 는 인코더)",
)
X = rule.input("X", (T, D), note="decoder states: one row per target position", note_ko="디코더 상태: 출력 위치마다 한 행")
H = rule.input("H", (U, D), note="encoder states: one row per source position", note_ko="인코더 상태: 입력 위치마다 한 행")
W_Q = rule.input("W_Q", (D, E), note="query projection", note_ko="쿼리 투영")
W_K = rule.input("W_K", (D, E), note="key projection", note_ko="키 투영")
W_V = rule.input("W_V", (D, E), note="value projection", note_ko="값 투영")
G = rule.input("G", (T, E), note="gradient dL/dZ from the layers above", note_ko="위층에서 온 기울기 dL/dZ")

Q = rule.quantity("Q", MatProduct(X, W_Q), note="queries from the decoder", note_ko="디코더에서 온 쿼리")
K = rule.quantity("K", MatProduct(H, W_K), note="keys from the encoder", note_ko="인코더에서 온 키")
V = rule.quantity("V", MatProduct(H, W_V), note="values from the encoder", note_ko="인코더에서 온 값")
attend(rule, Q, K, V, c)
rule.quantity("L", Total(Total(G * rule.symbol("Z"))), note="a loss whose gradient by Z is G",
              note_ko="Z에 대한 기울기가 G인 손실")
dQ, dK, dV = attention_gradients(rule, Q, K, V, G, c)
project_back(rule, X, W_Q, dQ, "Q", "쿼리")
project_back(rule, H, W_K, dK, "K", "키")
project_back(rule, H, W_V, dV, "V", "값")
rule.quantity("dL/dX", MatProduct(dQ, Transpose(W_Q)), note="back to the decoder: only through the queries",
              note_ko="디코더로: 쿼리를 통해서만")
rule.quantity("dL/dH", MatProduct(dK, Transpose(W_K)) + MatProduct(dV, Transpose(W_V)),
              note="back to the encoder: through the keys and the values", note_ko="인코더로: 키와 값을 통해")
rule.derive(
    "dL/dH",
    Step(Derivative(rule.symbol("L"), H[t, a]), Sum(dK[t, b] * W_K[a, b] + dV[t, b] * W_V[a, b], (b, 1, E)),
         why="chain rule: encoder state t makes row t of K and of V", why_ko="연쇄 법칙: 인코더 상태 t 는 K 와 V 의 행 t 를 만든다"),
    index=(t, a),
    title="Back to the encoder", title_ko="인코더로 거슬러",
)

register(rule)
