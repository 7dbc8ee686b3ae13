"""Vanishing gradients in a plain sigmoid chain (DL 101, lecture 25, scenario 1).

Headline: ∂L/∂w_1 = 2(ŷ − y) · σ'(s_3) w_3 · σ'(s_2) w_2 · σ'(s_1) x.

The lecture's network: x → w_1 → σ → w_2 → σ → w_3 → σ → ŷ, with the squared
error L = (ŷ − y)². Backpropagation multiplies one factor σ'(s) w per layer
between the output and w_l; since σ' <= 1/4, with the lecture's weights 0.1 each
factor is about 0.025, so ∂L/∂w_1 is about 1/1600 of ∂L/∂w_3 (the worked example
``deep_chain_resnet_lecture.yaml`` has the numbers). :func:`unrolled` builds the
same chain at any depth. The generated depth loop ``derive.numpy.deep_chain_loop``
(written by :mod:`derive.codegen.recurrence` from ``LAYER``, one layer with a
0/1 skip switch, and ``HEAD``, the loss) computes this chain and the residual one
at any depth, for the depth figure.
"""

from derive.rules._chain import chain_rule, derive_chain_gradients, layer_rule, squared_error_head
from derive.rules._recurrent import TimeLoop
from derive.rules._vocabulary import *

DEPTH = 3


def reason(l: int, depth: int) -> tuple[str, str]:
    """Why ∂L/∂w_l is the product it is, in English and Korean."""
    if l == depth:
        return (f"chain rule: L → ŷ → s_{l} → w_{l}", f"연쇄 법칙: L → ŷ → s_{l} → w_{l}")
    above = ", ".join(str(m) for m in range(depth, l, -1))
    return (f"chain rule through layers {above}: one factor σ'(s) w ≤ w/4 per layer, so the gradient vanishes",
            f"연쇄 법칙: {above}층을 지날 때마다 σ'(s) w ≤ w/4 가 곱해져 기울기가 소실됨")


def unrolled(depth: int, name: str = "deep_chain") -> Rule:
    """The plain chain of ``depth`` sigmoid layers with every ∂L/∂w_l derived as a product along the chain."""
    rule = chain_rule(name, f"Plain sigmoid chain of depth {depth}: vanishing gradients", depth, residual=False,
                      headline="dL/dw_1 = 2(y_hat − y) · σ'(s_3) w_3 · σ'(s_2) w_2 · σ'(s_1) x",
                      test_sizes={})
    return derive_chain_gradients(rule, depth, False, reason)


#: One layer (with its 0/1 skip switch k) and the loss: the generated depth loop is printed from these.
LAYER, HEAD = layer_rule(), squared_error_head()
LOOP = TimeLoop(
    "deep_chain_loop", "Sigmoid chain of any depth, each layer with or without its skip", LAYER,
    sequences=("w", "k"), state={"a_prev": ("a", "x")}, carry={"da_next": "dL/da_prev"},
    stacked={"a": "a", "dL/da": "dL/da", "dL/dw": "dL/dw"}, first={"dL/dx": "dL/da_prev"},
    head=HEAD, head_inputs={"a": "a_prev"}, head_outputs={"y_hat": "y_hat", "L": "L", "dL/dy_hat": "da_next"},
)

rule = unrolled(DEPTH)
register(rule)
