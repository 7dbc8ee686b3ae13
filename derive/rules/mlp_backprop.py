"""Backpropagation in a multilayer perceptron with two hidden layers (fundamentals notes: MLP backprop).

Headline: δ^(l) = (W^(l+1)ᵀ δ^(l+1)) ⊙ σ'(s^(l)) and ΔW^(l) = −η δ^(l) z^(l−1)ᵀ, where
δ^(l) = ∂L/∂s^(l) and z^(0) = x.

Forward: s^(l) = W^(l) z^(l−1) + b^(l), z^(l) = σ(s^(l)) for the hidden layers l = 1, 2,
then the output layer s^(3) = W^(3) z^(2) + b^(3) and a head. Backward, the general
form above is derived here for two hidden layers: each δ is the next layer's δ
sent back through the transposed weights and scaled by the local slope
σ'(s) = z(1 − z); each weight's gradient is δ times the layer's input.

The heads (the notes' table) all start backpropagation with the same
δ^(3) = ŷ − y, "why the updates look alike although the losses differ":

* ``mlp_backprop``: multiclass, softmax + cross-entropy;
* ``mlp_backprop_regression``: linear output + squared error ½ Σ_k (ŷ_k − y_k)²;
* ``mlp_backprop_binary``: one sigmoid output + binary cross-entropy;
* ``mlp_backprop_multilabel``: K independent sigmoids + binary cross-entropy each.

The notes write the error with the other sign, δ = r − y (r the target), and the update
with a plus, ΔW = +η δ zᵀ: those are the quantities ``delta_l`` (= −∂L/∂s^(l)), ``dW_l`` and
``db_l``, sent back by the same rule δ^(l) = (W^(l+1)ᵀ δ^(l+1)) ⊙ σ'(s^(l)). The regression
head may be declared ``conventions: {squared_error: full}`` (no ½) or ``{reduce: mean}``
(averaged over the K outputs).
"""

from functools import partial

from derive.rules._recurrent import cross_entropy_step, sigmoid_slope, softmax_ce_head
from derive.rules._vocabulary import *

D, H1, H2, K = dim("D"), dim("H_1"), dim("H_2"), dim("K")
a, b, k, m = symbols("a b k m", integer=True, positive=True)
SOURCE = "Fundamentals notes (MLP backpropagation, update rules per output type); AI Deep Dive ch. 4"


def _softmax(rule, s, y, c):
    softmax_ce_head(rule, s, y)
    cross_entropy_step(rule)
    return ("softmax + cross-entropy (rule softmax_ce): ∂L/∂s = ŷ − y",
            "소프트맥스 + 크로스 엔트로피 (softmax_ce 규칙): ∂L/∂s = ŷ − y")


def _linear(rule, s, y, c):
    y_hat = rule.quantity("y_hat", s, note="linear output")
    rule.quantity("L", c.mean(c.half * Total((y_hat - y) ** 2), K), note="squared error")
    slope = c.slope_times("ŷ − y") + ("/K" if c.reduce == "mean" else "")
    if c.reduce == "mean" and c.slope_text:
        slope = "2(ŷ − y)/K"
    square = f"d/dŷ {c.mean_text('K')}{c.half_text}(ŷ − y)² = {slope}"
    return (f"linear output, ∂ŷ/∂s = 1; {square}", f"선형 출력, ∂ŷ/∂s = 1; {square}")


def _sigmoids(rule, s, y, c):
    rule.quantity("y_hat", sigmoid(s), note="probabilities")
    # −[y log σ(s) + (1 − y) log(1 − σ(s))] = softplus(s) − y s, the form sigmoid_bce proves stable
    rule.quantity("L", Total(softplus(s) - y * s), note="binary cross-entropy, summed over the outputs")
    return ("sigmoid + binary cross-entropy (rule sigmoid_bce): σ' = σ(1 − σ) cancels the denominators",
            "시그모이드 + 이진 크로스 엔트로피 (sigmoid_bce 규칙): σ' = σ(1 − σ) 가 분모를 지운다")


HEADS = {  # name: (title, output head, target domain, number of outputs, the conventions that apply)
    "mlp_backprop": ("MLP backpropagation, softmax + cross-entropy (multiclass)", _softmax, OneHot(), None, {}),
    "mlp_backprop_regression": ("MLP backpropagation, linear output + squared error (regression)",
                                _linear, Real(), None, {"squared_error": "half", "reduce": "sum"}),
    "mlp_backprop_binary": ("MLP backpropagation, one sigmoid + binary cross-entropy", _sigmoids, Unit(), 1, {}),
    "mlp_backprop_multilabel": ("MLP backpropagation, K sigmoids + binary cross-entropy (multi-label)",
                                _sigmoids, Unit(), None, {}),
}


def mlp_rule(name: str, c: Convention) -> Rule:
    title, head, target, outputs, _ = HEADS[name]
    sizes = {K: outputs} if outputs else {K: 2}
    rule = Rule(name, title, source=SOURCE,
                headline="δ^(l) = (W^(l+1)^T δ^(l+1)) ⊙ σ'(s^(l));  ΔW^(l) = −η δ^(l) z^(l−1)^T",
                proof_sizes=[{D: 1, H1: 1, H2: 1, **sizes}, {D: 2, H1: 2, H2: 1, **sizes}],
                test_sizes={D: 3, H1: 4, H2: 2, K: outputs or 3})
    K_out = outputs or K
    x = rule.input("x", (D,), Real(), note="input")
    W = {1: rule.input("W_1", (H1, D), Real(0.7)), 2: rule.input("W_2", (H2, H1), Real(0.7)),
         3: rule.input("W_3", (K_out, H2), Real(0.7))}
    bias = {1: rule.input("b_1", (H1,), Real(0.5), default=0.0), 2: rule.input("b_2", (H2,), Real(0.5), default=0.0),
            3: rule.input("b_3", (K_out,), Real(0.5), default=0.0)}
    y = rule.input("y", (K_out,), target, note="target")
    lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η")

    z = {0: x}
    s = {}
    for l in (1, 2, 3):
        s[l] = rule.quantity(f"s_{l}", MatVec(W[l], z[l - 1]) + bias[l], note=f"pre-activation of layer {l}")
        if l < 3:
            z[l] = rule.quantity(f"z_{l}", sigmoid(s[l]), note=f"hidden layer {l}")
    why_head = head(rule, s[3], y, c)
    y_hat = rule.symbol("y_hat")
    # ∂L/∂s^(3) = scale · (ŷ − y): 1 for every head in its own convention
    scale = c.slope * c.mean(1, K) if name == "mlp_backprop_regression" else 1

    delta = {3: rule.quantity("dL/ds_3", scale * (y_hat - y), note="δ^(3), the output error")}
    for l in (2, 1):
        delta[l] = rule.quantity(f"dL/ds_{l}", MatVec(Transpose(W[l + 1]), delta[l + 1]) * sigmoid_slope(z[l]),
                                 note=f"δ^({l})")
    for l in (3, 2, 1):
        rule.quantity(f"dL/dW_{l}", Outer(delta[l], z[l - 1]))
        rule.quantity(f"dL/db_{l}", delta[l])
    for l in (3, 2, 1):
        rule.quantity(f"W_{l}_new", W[l] - lr * rule.symbol(f"dL/dW_{l}"), note="after one gradient step")
    # The notes' signs: δ = r − y = −∂L/∂s, sent back by the same rule, and ΔW = +η δ zᵀ.
    error = {3: rule.quantity("delta_3", scale * (y - y_hat), note="the notes' output error δ^(3) = r − y")}
    for l in (2, 1):
        error[l] = rule.quantity(f"delta_{l}", MatVec(Transpose(W[l + 1]), error[l + 1]) * sigmoid_slope(z[l]),
                                 note=f"the notes' δ^({l}) = (W^({l + 1})ᵀ δ^({l + 1})) ⊙ σ'(s^({l}))")
    for l in (3, 2, 1):
        rule.quantity(f"dW_{l}", lr * Outer(error[l], z[l - 1]), note=f"the notes' update ΔW^({l}) = η δ^({l}) z^({l - 1})ᵀ")
        rule.quantity(f"db_{l}", lr * error[l], note=f"the notes' update Δb^({l}) = η δ^({l})")

    L = rule.symbol("L")
    rule.derive("dL/ds_3", Step(Derivative(L, s[3][a]), scale * (y_hat[a] - y[a]), why=why_head[0], why_ko=why_head[1]),
                index=(a,), hold=("s_3",), title="The output error: the same for every head")
    rule.derive("dL/dW_3",
                Step(Derivative(L, W[3][a, b]), delta[3][a] * z[2][b],
                     why="W_3[a,b] reaches L only through s_3,a = Σ_m W_3[a,m] z_2,m + b_3,a",
                     why_ko="W_3[a,b] 는 s_3,a = Σ_m W_3[a,m] z_2,m + b_3,a 를 통해서만 L 에 영향을 준다"),
                index=(a, b), title="Output weights: Δw_ab = −η δ_a z_b")
    for l, inner, size in ((2, z[1], H2), (1, x, H1)):
        upper = K_out if l == 2 else H2
        rule.derive(f"dL/dW_{l}",
                    Step(Derivative(L, W[l][a, b]),
                         Sum(delta[l + 1][k] * W[l + 1][k, a], (k, 1, upper)) * sigmoid_slope(z[l][a]) * inner[b],
                         why=f"W_{l}[a,b] reaches L through z_{l},a, which feeds every unit k of the layer above: "
                             f"sum over k, then σ'(s_{l},a) = z_{l},a(1 − z_{l},a) and ∂s_{l},a/∂W_{l}[a,b] = input b",
                         why_ko=f"W_{l}[a,b] 는 z_{l},a 를 거쳐 윗층의 모든 k 에 영향을 준다: k 에 대해 합하고, "
                                f"σ'(s_{l},a) = z_{l},a(1 − z_{l},a), ∂s_{l},a/∂W_{l}[a,b] = 입력 b"),
                    Step(delta[l][a] * inner[b],
                         why=f"δ^({l}) = (W^({l + 1})ᵀ δ^({l + 1})) ⊙ σ'(s^({l})): "
                             "the error sent back through the weights",
                         why_ko=f"δ^({l}) = (W^({l + 1})ᵀ δ^({l + 1})) ⊙ σ'(s^({l})): 가중치를 거꾸로 거쳐 전달된 오차"),
                    index=(a, b), title=f"Hidden layer {l}: δ^({l}) = (W^({l + 1})ᵀ δ^({l + 1})) ⊙ σ'(s^({l}))")
    rule.derive("W_1_new",
                Step(rule.symbol("W_1_new"), W[1] - lr * Outer(delta[1], x),
                     why="gradient descent: ΔW = −η δ zᵀ with z^(0) = x", why_ko="경사하강법: ΔW = −η δ zᵀ, z^(0) = x"))
    for l in (3, 2, 1):
        rule.derive(f"delta_{l}",
                    Step(error[l][a], -Derivative(L, s[l][a]),
                         why="the notes' error signal δ = r − y is the negative gradient −∂L/∂s",
                         why_ko="강의 노트의 오차 신호 δ = r − y 는 기울기의 음수 −∂L/∂s"),
                    index=(a,), hold=(f"s_{l}",), title=f"The notes' δ^({l}) = −∂L/∂s^({l})")
    rule.derive("dW_1",
                Step(rule.symbol("dW_1"), -lr * rule.symbol("dL/dW_1"),
                     why="the notes' update ΔW = +η δ zᵀ is the gradient step −η ∂L/∂W",
                     why_ko="강의 노트의 갱신량 ΔW = +η δ zᵀ 는 경사하강 한 스텝 −η ∂L/∂W"),
                title="The notes' update ΔW^(1) = η δ^(1) xᵀ")
    return rule


def _builder(name: str):
    """The rule ``name``, written once for the conventions that apply to its head."""
    return conventional(**HEADS[name][4])(partial(mlp_rule, name))


for _name in HEADS:
    register(_builder(_name)())
