"""The same sigmoid chain with a skip connection (DL 101, lecture 25, scenario 2).

Headline: ∂L/∂w_1 = 2(ŷ − y) · σ'(s_3) w_3 · (1 + σ'(s_2) w_2) · σ'(s_1) x.

The hidden layer adds its input back: a_2 = a_1 + F_2 with the residual branch
F_2 = σ(w_2 a_1), so the block learns F(x) = H(x) − x. Its derivative
∂a_2/∂a_1 = 1 + σ'(s_2) w_2 carries a "+1", the identity path: the gradient that
reaches w_1 is no longer a product of small numbers only. With the lecture's
numbers (x = 0.5, every weight 0.1) ∂L/∂w_1 is about 40 times that of the plain
chain (``residual_chain_resnet_lecture.yaml``). :func:`unrolled` builds the chain
at any depth, every hidden layer between the first and the last with a skip;
the generated depth loop ``derive.numpy.deep_chain_loop`` computes both chains
for the depth figure (its switch k turns each layer's skip on).
"""

from derive.rules._chain import chain_rule, derive_chain_gradients
from derive.rules._vocabulary import *

DEPTH = 3


def reason(l: int, depth: int) -> tuple[str, str]:
    """Why ∂L/∂w_l is the product it is, in English and Korean."""
    if l == depth:
        return (f"chain rule: L → ŷ → s_{l} → w_{l}", f"연쇄 법칙: L → ŷ → s_{l} → w_{l}")
    above = ", ".join(str(m) for m in range(depth, l, -1))
    return (f"chain rule through layers {above}: a layer with a skip, a_m = a_(m−1) + F_m, gives the factor "
            "1 + σ'(s_m) w_m, the 1 being the identity path; a plain layer gives σ'(s_m) w_m",
            f"연쇄 법칙 ({above}층): 스킵 커넥션이 있는 층 a_m = a_(m−1) + F_m 은 1 + σ'(s_m) w_m 를 곱하고, "
            "1 은 항등 경로; 일반 층은 σ'(s_m) w_m 를 곱함")


def unrolled(depth: int, name: str = "residual_chain") -> Rule:
    """The residual chain of ``depth`` layers with every ∂L/∂w_l derived as a product along the chain."""
    rule = chain_rule(name, f"Sigmoid chain of depth {depth} with skip connections", depth, residual=True,
                      headline="dL/dw_1 = 2(y_hat − y) · σ'(s_3) w_3 · (1 + σ'(s_2) w_2) · σ'(s_1) x",
                      test_sizes={})
    return derive_chain_gradients(rule, depth, True, reason)


rule = unrolled(DEPTH)
register(rule)
