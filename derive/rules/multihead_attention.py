"""Multi-head self-attention with two heads: each head attends with its own projections, the heads'
outputs are concatenated and projected back, O = [Z_1 Z_2] W_O (the transformer lecture's
"여러 개의 헤드", as PyTorch's ``nn.MultiheadAttention`` computes it without biases).

Headline: ∂L/∂W_O = [Z_1 Z_2]ᵀ G; ∂L/∂[Z_1 Z_2] = G W_Oᵀ, whose first E columns go back to head 1
and the next E to head 2; each head then hands its gradient back as self-attention does, and the
input X, which feeds every head, gets the sum of what they hand back.

``G`` is ∂L/∂O from the layers above (L = Σ G ⊙ O); with a causal mask (``conventions: {mask:
causal}``) both heads are masked.
"""

from derive.rules._vocabulary import *
from derive.rules.scaled_dot_product_attention import attend, attention_gradients
from derive.rules.self_attention import project_back
from derive.symbolic.arrays import Beside, MatProduct

T, D, E = dim("T"), dim("D"), dim("E")
t, a, b = symbols("t a b", integer=True, positive=True)
HEADS = ("_1", "_2")
KOREAN = {"Q": "쿼리", "K": "키", "V": "값"}


@conventional(mask="none")
def build(c):
    rule = Rule(
        "multihead_attention",
        "Multi-head self-attention: two heads, concatenated and projected" + (", causal" if c.mask == "causal" else ""),
        headline="dL/dW_O = [Z_1 Z_2]^T G; dL/d[Z_1 Z_2] = G W_O^T split by head; dL/dX = sum over heads and Q, K, V",
        source="Transformer lecture: multi-head attention, Concat(head_1, ..., head_h) W_O",
        proof_sizes=[{T: 2, D: 1, E: 1}, {T: 2, D: 2, E: 1}],
        test_sizes={T: 3, D: 4, E: 2},
        title_ko="멀티 헤드 셀프 어텐션: 두 헤드를 이어 붙여 투영" + (" (인과 마스크)" if c.mask == "causal" else ""),
        source_ko="트랜스포머 강의: 멀티 헤드 어텐션, Concat(head_1, ..., head_h) W_O",
    )
    X = rule.input("X", (T, D), note="embeddings: one row per position", note_ko="임베딩: 위치마다 한 행")
    weights = {}
    for head in HEADS:
        for letter, word in (("Q", "query"), ("K", "key"), ("V", "value")):
            weights[letter + head] = rule.input(f"W_{letter}{head}", (D, E), note=f"head {head[1:]}'s {word} projection",
                                                note_ko=f"헤드 {head[1:]} 의 {KOREAN[letter]} 투영")
    W_O = rule.input("W_O", (2 * E, D), note="output projection of the concatenated heads",
                     note_ko="이어 붙인 헤드의 출력 투영")
    G = rule.input("G", (T, D), note="gradient dL/dO from the layers above", note_ko="위층에서 온 기울기 dL/dO")

    made = {}
    for head in HEADS:
        for letter in "QKV":
            made[letter + head] = rule.quantity(letter + head, MatProduct(X, weights[letter + head]),
                                                note=f"head {head[1:]}'s {letter}", note_ko=f"헤드 {head[1:]} 의 {letter}")
        attend(rule, made["Q" + head], made["K" + head], made["V" + head], c, head=head)
    Z_cat = rule.quantity("Z_cat", Beside(rule.symbol("Z_1"), rule.symbol("Z_2")), note="the heads side by side",
                          note_ko="나란히 이어 붙인 헤드")
    O = rule.quantity("O", MatProduct(Z_cat, W_O), note="output projection", note_ko="출력 투영")
    rule.quantity("L", Total(Total(G * O)), note="a loss whose gradient by O is G", note_ko="O에 대한 기울기가 G인 손실")
    rule.quantity("dL/dW_O", MatProduct(Transpose(Z_cat), G), note="gradient by the output projection",
                  note_ko="출력 투영에 대한 기울기")
    dZ_cat = rule.quantity("dL/dZ_cat", MatProduct(G, Transpose(W_O)), note="back through the output projection",
                           note_ko="출력 투영을 거슬러")
    handed = []
    for n, head in enumerate(HEADS):
        dZ = rule.quantity(f"dL/dZ{head}", Part(dZ_cat, n * E, (n + 1) * E), note=f"head {head[1:]}'s columns",
                           note_ko=f"헤드 {head[1:]} 의 열")
        dQ, dK, dV = attention_gradients(rule, made["Q" + head], made["K" + head], made["V" + head], dZ, c, head=head)
        for letter, grad in zip("QKV", (dQ, dK, dV)):
            W = weights[letter + head]
            if head == "_1":  # one head's weights derived in full; the other's are the same formulas
                project_back(rule, X, W, grad, letter + head, letter + head)
            else:
                rule.quantity(f"dL/d{W.name}", MatProduct(Transpose(X), grad), note=f"gradient by {W.name}",
                              note_ko=f"{W.name} 에 대한 기울기")
            handed.append(MatProduct(grad, Transpose(W)))
    rule.quantity("dL/dX", sum(handed[1:], handed[0]), note="gradient by the embeddings: the sum over the heads and Q, K, V",
                  note_ko="임베딩에 대한 기울기: 헤드와 Q, K, V 에 대한 합")
    rule.derive(
        "dL/dZ_1",
        Step(Derivative(rule.symbol("L"), rule.symbol("Z_1")[t, a]), Sum(G[t, b] * W_O[a, b], (b, 1, D)),
             why="chain rule: O_tb = Σ_a [Z_1 Z_2]_ta W_O,ab and head 1 fills the first E columns",
             why_ko="연쇄 법칙: O_tb = Σ_a [Z_1 Z_2]_ta W_O,ab 이고 헤드 1 은 앞의 E 열을 채운다"),
        index=(t, a), hold=("Z_1",),
        title="Back through the output projection to head 1", title_ko="출력 투영을 거슬러 헤드 1 로",
    )
    return rule


rule = build()
register(rule)
