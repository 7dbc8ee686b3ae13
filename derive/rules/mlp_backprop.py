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

from derive.model.build import Names, network
from derive.model.spec import Layer, Loss, Model
from derive.rules._recurrent import sigmoid_slope
from derive.rules._vocabulary import *

D, H1, H2, K = dim("D"), dim("H_1"), dim("H_2"), dim("K")
a = symbols("a", integer=True, positive=True)
SOURCE = "Fundamentals notes (MLP backpropagation, update rules per output type); AI Deep Dive ch. 4"


def _softmax(c):
    return "softmax", Loss("cross_entropy")


def _linear(c):
    return "linear", Loss("squared_error", half=c.squared_error == "half", reduce=c.reduce)


def _sigmoids(c):
    return "sigmoid", Loss("binary_cross_entropy")


HEADS = {  # name: (title, output head, number of outputs, the conventions that apply)
    "mlp_backprop": ("MLP backpropagation, softmax + cross-entropy (multiclass)", _softmax, None, {}),
    "mlp_backprop_regression": ("MLP backpropagation, linear output + squared error (regression)",
                                _linear, None, {"squared_error": "half", "reduce": "sum"}),
    "mlp_backprop_binary": ("MLP backpropagation, one sigmoid + binary cross-entropy", _sigmoids, 1, {}),
    "mlp_backprop_multilabel": ("MLP backpropagation, K sigmoids + binary cross-entropy (multi-label)",
                                _sigmoids, None, {}),
}


def mlp_rule(name: str, c: Convention) -> Rule:
    """Two sigmoid hidden layers and the head ``name``: the network of :mod:`derive.model.build`
    under the notes' names (s the pre-activation, z the output, ŷ the prediction)."""
    title, head, outputs, _ = HEADS[name]
    sizes = {K: outputs} if outputs else {K: 2}
    rule = Rule(name, title, source=SOURCE,
                headline="δ^(l) = (W^(l+1)^T δ^(l+1)) ⊙ σ'(s^(l));  ΔW^(l) = −η δ^(l) z^(l−1)^T",
                proof_sizes=[{D: 1, H1: 1, H2: 1, **sizes}, {D: 2, H1: 2, H2: 1, **sizes}],
                test_sizes={D: 3, H1: 4, H2: 2, K: outputs or 3})
    activation, loss = head(c)
    model = Model((Layer("1", 4, "sigmoid"), Layer("2", 2, "sigmoid"), Layer("3", outputs or 3, activation)),
                  loss, update=True)
    names = Names(pre="s_{}", out="z_{}", last_out="y_hat", widths=(("1", H1), ("2", H2), ("3", outputs or K)),
                  bias_default=0.0, output_gradients=False, input_gradient=False)
    network(rule, model, names=names)
    # ∂L/∂s^(3) = scale · (ŷ − y): 1 for every head in its own convention
    _the_notes_signs(rule, c.slope * c.mean(1, K) if name == "mlp_backprop_regression" else 1)
    return rule


def _the_notes_signs(rule, scale):
    """The notes' error δ = r − y = −∂L/∂s, sent back by the same rule, and their update ΔW = +η δ zᵀ."""
    W = {l: rule.symbol(f"W_{l}") for l in (1, 2, 3)}
    z = {0: rule.symbol("x"), 1: rule.symbol("z_1"), 2: rule.symbol("z_2")}
    y, y_hat, lr, L = rule.symbol("y"), rule.symbol("y_hat"), rule.symbol("lr"), rule.symbol("L")
    error = {3: rule.quantity("delta_3", scale * (y - y_hat), note="the notes' output error δ^(3) = r − y")}
    for l in (2, 1):
        error[l] = rule.quantity(f"delta_{l}", MatVec(Transpose(W[l + 1]), error[l + 1]) * sigmoid_slope(z[l]),
                                 note=f"the notes' δ^({l}) = (W^({l + 1})ᵀ δ^({l + 1})) ⊙ σ'(s^({l}))")
    for l in (3, 2, 1):
        rule.quantity(f"dW_{l}", lr * Outer(error[l], z[l - 1]), summed_with=f"W_{l}",
                      note=f"the notes' update ΔW^({l}) = η δ^({l}) z^({l - 1})ᵀ")
        rule.quantity(f"db_{l}", lr * error[l], summed_with=f"b_{l}", note=f"the notes' update Δb^({l}) = η δ^({l})")
    for l in (3, 2, 1):
        s = rule.symbol(f"s_{l}")
        rule.derive(f"delta_{l}",
                    Step(error[l][a], -Derivative(L, s[a]),
                         why="the notes' error signal δ = r − y is the negative gradient −∂L/∂s",
                         why_ko="강의 노트의 오차 신호 δ = r − y 는 기울기의 음수 −∂L/∂s"),
                    index=(a,), hold=(f"s_{l}",), title=f"The notes' δ^({l}) = −∂L/∂s^({l})")
    rule.derive("dW_1",
                Step(rule.symbol("dW_1"), -lr * rule.symbol("dL/dW_1"),
                     why="the notes' update ΔW = +η δ zᵀ is the gradient step −η ∂L/∂W",
                     why_ko="강의 노트의 갱신량 ΔW = +η δ zᵀ 는 경사하강 한 스텝 −η ∂L/∂W"),
                title="The notes' update ΔW^(1) = η δ^(1) xᵀ")


def _builder(name: str):
    """The rule ``name``, written once for the conventions that apply to its head."""
    return conventional(**HEADS[name][3])(partial(mlp_rule, name))


for _name in HEADS:
    register(_builder(_name)())
