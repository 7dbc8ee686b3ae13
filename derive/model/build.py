"""A rule from a model description: the derivation of any dense network, as the lectures write it.

How it works
------------
:func:`build_rule` walks the :class:`~derive.model.spec.Model` and writes the same
vocabulary a rule module is written in (:mod:`derive.engine.rule`): inputs, named
quantities in dependency order, and derivations whose steps carry a reason.
Nothing is typed as a result: every local slope is SymPy's derivative of the
activation (σ′ = σ(1 − σ) written with the layer's own output), every step is
proven by :func:`derive.engine.verify.verify_rule` like any rule's, and every
gradient quantity against SymPy's ``diff`` of the assembled loss.

For a layer ``N`` that reads ``a`` (``x`` for the first)::

    z_N = W_N a + b_N,   N = f(z_N)                        forward, layer by layer
    dL/dz_N = dL/dN ⊙ f′(z_N)                              δ_N: the local slope
    dL/dW_N = δ_N aᵀ,   dL/db_N = δ_N,   dL/da = W_Nᵀ δ_N    backward, from the top down
    W_N_new = W_N − η dL/dW_N                              the update

The head starts backpropagation: for softmax + cross-entropy and sigmoid + binary
cross-entropy, dL/dz = o − y (the Jacobian cancels the log's denominators); for the
squared error, dL/do = c(o − y), then the slope; for the multiclass hinge loss, the
indicator of each violated margin.

Widths are sizes (``n_h`` for the layer ``h``, ``D`` for x), so one rule serves the
model at any width: it is proven at the model's own sizes (``proof_sizes``) and the
generated NumPy reads the sizes from its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.engine.domains import OneHot, Positive, Real, Unit
from derive.engine.rule import Rule, Step
from derive.model.spec import Layer, Model
from derive.symbolic.arrays import (
    ArraySymbol,
    LogSumExp,
    MatVec,
    Outer,
    Softmax,
    Total,
    Transpose,
    dim,
)
from derive.symbolic.functions import leaky_relu, relu, sigmoid, softplus

D = dim("D")
a_, b_, k_ = sp.symbols("a b k", integer=True, positive=True)
_s = sp.Symbol("s", real=True)
#: Above this many weights the derivation is proven at smaller widths only (its structure is the same).
PROOF_WEIGHTS = 60


@dataclass(frozen=True)
class Activation:
    """An element-wise activation: its SymPy function and the words for its slope."""

    function: object
    slope_words: str
    slope_words_ko: str
    uses_output: bool  # the slope is written with the layer's output (σ, tanh), not with z

    def __call__(self, z):
        return self.function(z)

    def slope(self, out, z):
        """f′(z), SymPy's derivative, written with the output where the lectures do (σ(1 − σ), 1 − tanh²)."""
        derivative = self.function(_s).diff(_s)
        if self.uses_output:
            return derivative.subs(self.function(_s), out)
        return derivative.subs(_s, z)


ACTIVATIONS = {
    "sigmoid": Activation(sigmoid, "σ′(z) = σ(z)(1 − σ(z))", "σ′(z) = σ(z)(1 − σ(z))", True),
    "tanh": Activation(sp.tanh, "tanh′(z) = 1 − tanh²(z)", "tanh′(z) = 1 − tanh²(z)", True),
    "relu": Activation(relu, "ReLU′(z) = H(z): 1 for z > 0, 0 below", "ReLU′(z) = H(z): z > 0이면 1, 아니면 0", False),
    "leaky_relu": Activation(leaky_relu, "LeakyReLU′(z) = 1 for z > 0, 0.01 below",
                             "LeakyReLU′(z) = z > 0이면 1, 아니면 0.01", False),
    "linear": Activation(sp.Lambda(_s, _s), "linear: f′(z) = 1", "선형: f′(z) = 1", False),
}


def width(layer_name: str) -> sp.Symbol:
    """The size of the layer ``layer_name``: ``n_h``."""
    return dim(f"n_{layer_name}")


@dataclass(frozen=True)
class Names:
    """What the quantities of a layer are called: the contract's for model files (W_h, b_h, z_h, h).

    The built-in MLP rules (:mod:`derive.rules.mlp_backprop`) are the same network under the
    lecture's names (s_1 the pre-activation, z_1 the output, ŷ the last output, sizes H_1 and K);
    they pass their own Names.
    """

    pre: str = "z_{}"
    out: str = "{}"
    last_out: str | None = None  # the last layer's output, when it has a name of its own (y_hat)
    widths: tuple = ()  # (layer name, size) pairs overriding n_<name>
    bias_default: float | None = None
    #: dL/dN for each hidden output (the lectures that send the error back in two steps); else δ directly.
    output_gradients: bool = True
    input_gradient: bool = True  # dL/dx

    def weight(self, layer: str) -> str:
        return f"W_{layer}"

    def bias(self, layer: str) -> str:
        return f"b_{layer}"

    def pre_activation(self, layer: str) -> str:
        return self.pre.format(layer)

    def output(self, layer: str, last: bool = False) -> str:
        return self.last_out if last and self.last_out else self.out.format(layer)

    def width(self, layer: str):
        return dict(self.widths).get(layer, width(layer))


CONTRACT_NAMES = Names()


def sizes_of(model: Model, input_size: int) -> dict:
    sizes = {D: input_size}
    for layer in model.layers:
        sizes[width(layer.name)] = layer.units
    return sizes


def build_rule(model: Model, *, name: str = "model", title: str = "", input_size: int = 2,
               l2_half: bool = False) -> Rule:
    """The rule of ``model``: quantities named as the contract says, steps with reasons.

    ``input_size`` is the width D of x (the proof size; the rule itself holds for any D).
    ``l2_half`` writes the L2 penalty (λ/2) Σ W² (the file's ``conventions: {l2: half}``).
    """
    if model.recurrent is not None:
        from derive.model.recurrent import build_recurrent_rule

        return build_recurrent_rule(model, name=name, title=title, input_size=input_size, l2_half=l2_half)
    sizes = sizes_of(model, input_size)
    rule = Rule(name, title or describe(model), headline="δ_l = (W_{l+1}^T δ_{l+1}) ⊙ f'(z_l);  dL/dW_l = δ_l a_{l-1}^T",
                source="your own model", proof_sizes=proof_sizes(sizes), test_sizes=sizes)
    network(rule, model, l2_half=l2_half)
    return rule


def network(rule, model: Model, *, names: Names = CONTRACT_NAMES, l2_half: bool = False, target_domain=None) -> dict:
    """Declare the inputs of ``model`` in ``rule`` and write its forward pass, loss, backward pass and
    updates; the parameters {layer: (W, b)}."""
    x = rule.input("x", (D,), Real(), note="input", note_ko="입력")
    y = rule.input("y", (names.width(model.output.name),), target_domain or _target_domain(model), note="target",
                note_ko="목표값")
    params = declare_parameters(rule, model.layers, D, names=names)
    lam = _penalty_input(rule, model)
    lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η", note_ko="학습률 η") if model.update else None
    outputs = dense_forward(rule, model.layers, params, x, names=names)
    head = loss_head(rule, model, outputs[-1], y, params, lam, l2_half, names=names)
    dense_backward(rule, model.layers, params, outputs, head, ("x", x, D), lam, l2_half, model, names=names)
    if lr is not None:
        updates(rule, model.layers, params, lr, names=names)
    return params


def describe(model: Model) -> str:
    widths = "-".join(str(layer.units) for layer in model.layers)
    acts = ", ".join(layer.activation for layer in model.layers)
    return f"Your network: layers {widths} ({acts}), {model.loss.kind.replace('_', ' ')}"


def proof_sizes(sizes: dict) -> list[dict]:
    """The model's own sizes when the weights are few enough to prove at, else widths of at most 2."""
    order = list(sizes)
    weights = sum(sizes[order[i]] * sizes[order[i + 1]] for i in range(len(order) - 1))
    if weights <= PROOF_WEIGHTS:
        return [dict(sizes)]
    return [{d: min(n, 2) for d, n in sizes.items()}]


def _target_domain(model: Model):
    kind = model.loss.kind
    if kind in ("cross_entropy", "hinge"):
        return OneHot()
    if kind == "binary_cross_entropy":
        return Unit()
    return Real()


def _penalty_input(rule, model):
    if model.penalty is None:
        return None
    return rule.input("lam", (), Positive(0.001, 0.1), default=model.penalty.strength,
                      note=f"{model.penalty.kind.upper()} penalty strength λ (the model's {model.penalty.text})",
                      note_ko=f"{model.penalty.kind.upper()} 벌점의 세기 λ (모델의 {model.penalty.text})")


# -- forward -----------------------------------------------------------------------------------------

def declare_parameters(rule, layers: tuple[Layer, ...], input_width, *, names: Names = CONTRACT_NAMES) -> dict:
    """W_N (units × width before) and b_N for every layer: {name: (W, b or None)}."""
    params, before = {}, input_width
    for layer in layers:
        n = names.width(layer.name)
        W = rule.input(names.weight(layer.name), (n, before), Real(0.7), note=f"weights of layer {layer.name}",
                       note_ko=f"층 {layer.name}의 가중치")
        b = None
        if layer.bias:
            default = names.bias_default
            b = rule.input(names.bias(layer.name), (n,), Real(0.5), default=default,
                           note=f"bias of layer {layer.name}" + (f" (default {default:g})" if default is not None else ""),
                           note_ko=f"층 {layer.name}의 편향" + (f" (기본값 {default:g})" if default is not None else ""))
        params[layer.name] = (W, b)
        before = n
    return params


def dense_forward(rule, layers, params, a, *, names: Names = CONTRACT_NAMES) -> list:
    """z_N = W_N a + b_N and N = f(z_N), layer by layer; the outputs, the model's output last."""
    outputs = []
    for index, layer in enumerate(layers):
        W, b = params[layer.name]
        out = names.output(layer.name, last=index == len(layers) - 1)
        z = rule.quantity(names.pre_activation(layer.name), MatVec(W, a) + (b if b is not None else 0),
                          note=f"pre-activation of layer {layer.name}", note_ko=f"층 {layer.name}의 활성화 전 값")
        if layer.activation == "softmax":
            lse = rule.quantity(f"_lse_{layer.name}", LogSumExp(z), note="log Σ_k e^{z_k}, shared by the softmax and L")
            a = rule.quantity(out, Softmax(z), stable=sp.exp(z - lse), note="probabilities (softmax)",
                                note_ko="확률 (소프트맥스)")
        else:
            a = rule.quantity(out, ACTIVATIONS[layer.activation](z), note=f"output of layer {layer.name} "
                              f"({layer.activation})", note_ko=f"층 {layer.name}의 출력 ({layer.activation})")
        outputs.append(a)
    return outputs


# -- the head: the loss and where backpropagation starts ---------------------------------------------

@dataclass
class Head:
    """What the loss hands to backpropagation: dL/dz of the last layer (and its words)."""

    delta: ArraySymbol


def loss_head(rule, model: Model, o, y, params, lam, l2_half, *, names: Names = CONTRACT_NAMES) -> Head:
    last = model.output
    z = rule.symbol(names.pre_activation(last.name))
    K = names.width(last.name)
    kind = model.loss.kind
    has_penalty = lam is not None
    data_name = "E" if has_penalty else "L"
    # With dL/do among the quantities, L is written with o (as the student computes it; SymPy's diff by o
    # needs it); without, with the logits: SymPy then differentiates it straight into o − y, which keeps
    # the proofs through deep networks cheap. Either way the code computes the stable form.
    textbook = names.output_gradients
    if kind == "cross_entropy":
        lse = rule.symbol(f"_lse_{last.name}")
        by_logits = LogSumExp(z) - Total(y * z)
        data = rule.quantity(data_name, -Total(y * sp.log(o)) if textbook else by_logits,
                             stable=lse - Total(y * z), note="cross-entropy −Σ_k y_k log o_k",
                             note_ko="크로스 엔트로피 −Σ_k y_k log o_k")
    elif kind == "binary_cross_entropy":
        by_logits = Total(softplus(z) - y * z)
        data = rule.quantity(data_name, -Total(y * sp.log(o) + (1 - y) * sp.log(1 - o)) if textbook else by_logits,
                             stable=None if not textbook else by_logits,
                             note="binary cross-entropy, summed over the outputs",
                             note_ko="이진 크로스 엔트로피, 출력에 대해 합")
    elif kind == "squared_error":
        data = rule.quantity(data_name, _squared_factor(model, K) * Total((o - y) ** 2), note=_squared_words(model),
                             note_ko=_squared_words(model, "ko"))
    else:  # hinge: Σ_{k ≠ c} max(0, o_k − o_c + 1), c the class of the one-hot y (o_c = Σ_m y_m o_m), o = z
        data = rule.quantity(data_name, Total((1 - y) * relu(o - Total(y * o) + 1)),
                             note="multiclass hinge Σ_{k≠c} max(0, z_k − z_c + 1)",
                             note_ko="다중 클래스 힌지 Σ_{k≠c} max(0, z_k − z_c + 1)")
    if has_penalty:
        R = rule.quantity("R", penalty_term(model, params, lam, l2_half), note=f"{model.penalty.kind.upper()} penalty",
                          note_ko=f"{model.penalty.kind.upper()} 벌점")
        L = rule.quantity("L", data + R, note="loss: data term + penalty", note_ko="손실: 데이터 항 + 벌점")
    else:
        L = data
    _loss_derivation(rule, model, data_name, o, y, z, textbook)
    return _head_gradients(rule, model, L, o, y, z, K, names)


def _squared_factor(model: Model, K):
    factor = sp.Rational(1, 2) if model.loss.half else sp.Integer(1)
    return factor / K if model.loss.reduce == "mean" else factor


def _squared_words(model: Model, lang: str = "en") -> str:
    half = "½ " if model.loss.half else ""
    mean = "(1/K) " if model.loss.reduce == "mean" else ""
    return f"{'squared error' if lang == 'en' else '제곱 오차'} {mean}{half}Σ_k (o_k − y_k)²"


def penalty_term(model: Model, params, lam, l2_half):
    weights = [W for W, _ in params.values()]
    if model.penalty.kind == "l1":
        return lam * sp.Add(*(Total(Total(sp.Abs(W))) for W in weights))
    factor = sp.Rational(1, 2) if l2_half else sp.Integer(1)
    return factor * lam * sp.Add(*(Total(Total(W ** 2)) for W in weights))


def _loss_derivation(rule, model, data_name, o, y, z, textbook: bool):
    """The log losses written both ways, with the probabilities and with the logits, shown equal."""
    if model.loss.kind == "cross_entropy":
        forms = (-Total(y * sp.log(o)), sp.log(Total(sp.exp(z))) - Total(y * z))
        why = ("log o_k = z_k − log Σ_m e^{z_m}, and Σ_k y_k = 1 (one-hot)",
               "log o_k = z_k − log Σ_m e^{z_m}, Σ_k y_k = 1 (원-핫)")
        title = ("The cross-entropy of the softmax, with the probabilities and with the logits",
                 "소프트맥스의 크로스 엔트로피: 확률로, 그리고 로짓으로")
    elif model.loss.kind == "binary_cross_entropy":
        forms = (-Total(y * sp.log(o) + (1 - y) * sp.log(1 - o)), Total(softplus(z) - y * z))
        why = ("log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z), softplus(z) − softplus(−z) = z",) * 2
        title = ("The binary cross-entropy, with the probabilities and with the logits",
                 "이진 크로스 엔트로피: 확률로, 그리고 로짓으로")
    else:
        return
    other = forms[1] if textbook else forms[0]
    # the logits held as variables: the identity is about z alone, not the network below it
    rule.derive(data_name, Step(rule.symbol(data_name), other, why=why[0], why_ko=why[1]), title=title[0],
                title_ko=title[1], hold=(z.name,))


def _head_gradients(rule, model, L, o, y, z, K, names: Names) -> Head:
    last = model.output
    kind = model.loss.kind
    name = names.output(last.name, last=True)  # the output's name (o; y_hat in the MLP rules)
    pre = str(z)  # its pre-activation's (z_o; s_3)
    if kind == "cross_entropy":
        dL_do = rule.quantity(f"dL/d{name}", -y / o, note="−y_k / o_k", note_ko="출력에 대한 기울기 −y_k / o_k") if names.output_gradients else -y / o
        delta = rule.quantity(f"dL/d{pre}", o - y, note="δ at the output: o − y", note_ko="출력층의 δ: o − y")
        rule.derive(f"dL/d{pre}",
                    Step(sp.Derivative(L, z[a_]),
                         sp.Sum(_at(dL_do, k_) * o[k_] * (sp.KroneckerDelta(k_, a_) - o[a_]), (k_, 1, K)),
                         why="chain rule through o; softmax Jacobian ∂o_k/∂z_a = o_k(δ_ka − o_a)",
                         why_ko="o 를 거치는 연쇄 법칙; 소프트맥스 야코비안 ∂o_k/∂z_a = o_k(δ_ka − o_a)"),
                    Step(-y[a_] + o[a_] * sp.Sum(y[k_], (k_, 1, K)),
                         why="−y_k/o_k · o_k = −y_k; the Kronecker delta keeps k = a",
                         why_ko="−y_k/o_k · o_k = −y_k; 크로네커 델타는 k = a 만 남긴다"),
                    Step(o[a_] - y[a_], why="one-hot target: Σ_k y_k = 1", why_ko="원-핫 타깃: Σ_k y_k = 1"),
                    index=(a_,), hold=(pre,), title="The output error: dL/dz = o − y",
                    title_ko="출력층의 오차: dL/dz = o − y")
    elif kind == "binary_cross_entropy":
        dL_do = (o - y) / (o * (1 - o))
        if names.output_gradients:
            dL_do = rule.quantity(f"dL/d{name}", dL_do, note="−y/o + (1 − y)/(1 − o)", note_ko="출력에 대한 기울기 −y/o + (1 − y)/(1 − o)")
        delta = rule.quantity(f"dL/d{pre}", o - y, note="δ at the output: o − y", note_ko="출력층의 δ: o − y")
        rule.derive(f"dL/d{pre}",
                    Step(sp.Derivative(L, z[a_]), (-y[a_] / o[a_] + (1 - y[a_]) / (1 - o[a_])) * o[a_] * (1 - o[a_]),
                         why="chain rule through o_a = σ(z_a): σ′ = σ(1 − σ)",
                         why_ko="o_a = σ(z_a) 를 거치는 연쇄 법칙: σ′ = σ(1 − σ)"),
                    Step(o[a_] - y[a_], why="multiply out: o(1 − o) cancels the denominators",
                         why_ko="전개하면 o(1 − o) 가 분모를 지운다"),
                    index=(a_,), hold=(pre,), title="The output error: dL/dz = o − y",
                    title_ko="출력층의 오차: dL/dz = o − y")
    elif kind == "squared_error":
        factor = 2 * _squared_factor(model, K)
        dL_do = factor * (o - y)
        if names.output_gradients:
            dL_do = rule.quantity(f"dL/d{name}", dL_do, note="the squared error's slope", note_ko="제곱 오차의 기울기")
            rule.derive(f"dL/d{name}",
                        Step(sp.Derivative(L, o[a_]), factor * (o[a_] - y[a_]),
                             why=f"d/do_a of {_squared_words(model)} = {_slope_words(factor)}(o_a − y_a)",
                             why_ko=f"{_squared_words(model, 'ko')} 를 o_a 로 미분하면 {_slope_words(factor)}(o_a − y_a)"),
                        index=(a_,), hold=(name,), title="The error at the output", title_ko="출력층의 오차")
        delta = _through_activation(rule, last, dL_do, z, o, names)
    else:  # hinge, on a linear last layer: o = z
        margin = o - Total(y * o) + 1
        slope = sp.Heaviside(margin, 0)
        dL_do = rule.quantity(f"dL/d{name}", (1 - y) * slope - y * Total((1 - y) * slope),
                              note="+1 for each violated margin; the true class gets minus their count",
                              note_ko="어긴 마진마다 +1; 정답 클래스는 그 개수만큼 −")
        rule.derive(f"dL/d{name}",
                    Step(sp.Derivative(L, o[a_]),
                         (1 - y[a_]) * sp.Heaviside(o[a_] - sp.Sum(y[k_] * o[k_], (k_, 1, K)) + 1, 0)
                         - y[a_] * sp.Sum((1 - y[k_]) * sp.Heaviside(o[k_] - sp.Sum(y[b_] * o[b_], (b_, 1, K)) + 1, 0),
                                          (k_, 1, K)),
                         why="d/ds max(0, s) = H(s); o_a appears in its own margin, and as the true class's "
                             "score (−o_c) in every other",
                         why_ko="d/ds max(0, s) = H(s); o_a 는 자신의 마진에, 정답 클래스이면 (−o_c) 로 모든 마진에 들어간다"),
                    index=(a_,), hold=(name,), title="The hinge loss's gradient: the violated margins",
                    title_ko="힌지 손실의 기울기: 어긴 마진들")
        delta = _through_activation(rule, last, dL_do, z, o, names)
    return Head(delta)


def _at(expr, index):
    """The component ``index`` of an element-wise vector expression: every vector in it indexed."""
    if isinstance(expr, ArraySymbol):
        return expr[index]
    return expr.replace(lambda e: isinstance(e, ArraySymbol) and len(e.shape) == 1, lambda e: e[index])


def _slope_words(factor) -> str:
    return "" if factor == 1 else f"{factor} " if factor.is_Integer else f"({factor})"


def _through_activation(rule, layer: Layer, dL_dout, z, out, names: Names = CONTRACT_NAMES):
    """δ_N = dL/dN ⊙ f′(z_N), with its one-step derivation."""
    activation = ACTIVATIONS[layer.activation]
    name, pre = out.name, z.name
    slope = activation.slope(out, z)
    note = f"δ_{layer.name} = dL/d{name} ⊙ f′({pre})" if isinstance(dL_dout, ArraySymbol) else "the output error"
    note_ko = f"층 {layer.name}의 오차 신호 δ = dL/d{name} ⊙ f′({pre})" if isinstance(dL_dout, ArraySymbol) else "출력층의 오차"
    delta = rule.quantity(f"dL/d{pre}", dL_dout * slope, note=note, note_ko=note_ko)
    rule.derive(f"dL/d{pre}",
                Step(sp.Derivative(rule.symbol("L"), z[a_]), _at(dL_dout, a_) * activation.slope(out[a_], z[a_]),
                     why=f"chain rule through {name}_a = f({pre},a); {activation.slope_words}",
                     why_ko=f"{name}_a = f({pre},a) 를 거치는 연쇄 법칙; {activation.slope_words_ko}"),
                index=(a_,), hold=(pre,), title=f"δ_{layer.name} = dL/d{name} ⊙ f′({pre})",
                title_ko=f"층 {layer.name}의 오차 신호 δ = dL/d{name} ⊙ f′({pre})")
    return delta


def _sent_back(rule, layer: Layer, W, delta_above, n_above, z, out):
    """δ of a hidden layer in one line, δ = (Wᵀ δ_above) ⊙ f′(z), as the MLP notes write it."""
    activation = ACTIVATIONS[layer.activation]
    pre = z.name
    delta = rule.quantity(f"dL/d{pre}", MatVec(Transpose(W), delta_above) * activation.slope(out, z),
                          note=f"δ_{layer.name} = (W^T δ) ⊙ f′({pre})",
                          note_ko=f"층 {layer.name}의 오차 신호 δ = (W^T δ) ⊙ f′({pre})")
    rule.derive(f"dL/d{pre}",
                Step(sp.Derivative(rule.symbol("L"), z[a_]),
                     sp.Sum(delta_above[k_] * W[k_, a_], (k_, 1, n_above)) * activation.slope(out[a_], z[a_]),
                     why=f"{pre},a reaches L through {out.name}_a = f({pre},a), which feeds every unit k of the layer "
                         f"above: Σ_k δ_k W[k,a], times {activation.slope_words}",
                     why_ko=f"{pre},a 는 {out.name}_a = f({pre},a) 를 거쳐 윗층의 모든 유닛 k 에 들어간다: "
                            f"Σ_k δ_k W[k,a] 에 {activation.slope_words_ko} 를 곱한다"),
                index=(a_,), hold=(pre,), title=f"δ_{layer.name} = (Wᵀ δ) ⊙ f′({pre}): the error sent back",
                title_ko=f"δ_{layer.name} = (Wᵀ δ) ⊙ f′({pre}): 거꾸로 전달된 오차")
    return delta


# -- backward ------------------------------------------------------------------------------------------

def dense_backward(rule, layers, params, outputs, head: Head, source, lam, l2_half, model, *,
                   names: Names = CONTRACT_NAMES):
    """From the top down: dL/dW_N, dL/db_N, dL/d(input of N), then δ of the layer below.

    ``source`` is (name, symbol, width) of what the first layer reads (x, or a recurrent state).
    """
    delta = head.delta
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        W, b = params[layer.name]
        below = outputs[index - 1] if index else source[1]
        _parameter_gradients(rule, layer, W, b, delta, below, _penalty_slope(model, W, lam, l2_half),
                             _penalty_words(model, l2_half), _penalty_words(model, l2_half, "ko"), names)
        if not index and not names.input_gradient:
            break
        if index and not names.output_gradients:
            z = rule.symbol(names.pre_activation(layers[index - 1].name))
            delta = _sent_back(rule, layers[index - 1], W, delta, names.width(layer.name), z, below)
            continue
        dL_dbelow = _sent_through_weights(rule, layer, W, delta, below, names)
        if index:
            z = rule.symbol(names.pre_activation(layers[index - 1].name))
            delta = _through_activation(rule, layers[index - 1], dL_dbelow, z, below, names)


def _parameter_gradients(rule, layer, W, b, delta, below, penalty, words, words_ko, names):
    """dL/dW_N = δ_N aᵀ (+ the penalty's slope) and dL/db_N = δ_N."""
    L = rule.symbol("L")
    z, a = names.pre_activation(layer.name), below.name
    rule.quantity(f"dL/d{W.name}", Outer(delta, below) + penalty)
    rule.derive(f"dL/d{W.name}",
                Step(sp.Derivative(L, W[a_, b_]), delta[a_] * below[b_] + _component(penalty, W),
                     why=f"{W.name}[a,b] reaches L only through {z},a = Σ_m W[a,m] {a}_m + b_a, "
                         f"so ∂{z},a/∂W[a,b] = {a}_b" + words,
                     why_ko=f"{W.name}[a,b] 는 {z},a = Σ_m W[a,m] {a}_m + b_a 를 거쳐서만 L 에 "
                            f"영향을 주므로 ∂{z},a/∂W[a,b] = {a}_b" + words_ko),
                index=(a_, b_), title=f"dL/d{W.name} = δ {a}ᵀ: an outer product",
                title_ko=f"dL/d{W.name} = δ {a}ᵀ: 외적")
    if b is not None:
        rule.quantity(f"dL/d{b.name}", delta)


def _sent_through_weights(rule, layer, W, delta, below, names):
    """dL/da = W_Nᵀ δ_N for the input a of layer N, with its one-step derivation."""
    L = rule.symbol("L")
    a = below.name
    n = names.width(layer.name)
    dL_dbelow = rule.quantity(f"dL/d{a}", MatVec(Transpose(W), delta), note=f"{W.name}ᵀ δ_{layer.name}",
                                  note_ko=f"가중치를 거꾸로 거친 오차 {W.name}ᵀ δ_{layer.name}")
    rule.derive(f"dL/d{a}",
                Step(sp.Derivative(L, below[b_]), sp.Sum(delta[k_] * W[k_, b_], (k_, 1, n)),
                     why=f"{a}_b feeds every unit k of layer {layer.name}: ∂z_k/∂{a}_b = W[k,b]; sum over k",
                     why_ko=f"{a}_b 는 층 {layer.name} 의 모든 유닛 k 에 들어간다: ∂z_k/∂{a}_b = W[k,b]; k 에 대해 합한다"),
                index=(b_,), hold=(a,) if a in rule.quantities else (),
                title=f"Sent back through the weights: dL/d{a} = {W.name}ᵀ δ_{layer.name}",
                title_ko=f"가중치를 거꾸로 거쳐 전달: dL/d{a} = {W.name}ᵀ δ_{layer.name}")
    return dL_dbelow


def _penalty_slope(model, W, lam, l2_half):
    if lam is None:
        return 0
    if model.penalty.kind == "l1":
        return lam * sp.sign(W)
    return (1 if l2_half else 2) * lam * W


def _component(penalty, W):
    """The (a, b) component of the penalty's slope (0 without a penalty)."""
    if penalty == 0:
        return 0
    return penalty.subs(W, W[a_, b_])


def _penalty_words(model, l2_half, lang="en") -> str:
    if model.penalty is None:
        return ""
    if model.penalty.kind == "l1":
        return "; the penalty λΣ|W| adds λ sign(W)" if lang == "en" else "; 벌점 λΣ|W| 가 λ sign(W) 를 더한다"
    term = ("(λ/2)ΣW²", "λW") if l2_half else ("λΣW²", "2λW")
    return f"; the penalty {term[0]} adds {term[1]}" if lang == "en" else f"; 벌점 {term[0]} 가 {term[1]} 를 더한다"


def updates(rule, layers, params, lr, *, names: Names = CONTRACT_NAMES):
    """W_N_new = W_N − η dL/dW_N and b_N_new = b_N − η dL/db_N, the first layer's derived in full."""
    for layer in layers:
        W, b = params[layer.name]
        rule.quantity(f"{W.name}_new", W - lr * rule.symbol(f"dL/d{W.name}"), note="after one gradient step", note_ko="경사하강 한 스텝 뒤")
        if b is not None:
            rule.quantity(f"{b.name}_new", b - lr * rule.symbol(f"dL/d{b.name}"), note="after one gradient step", note_ko="경사하강 한 스텝 뒤")
    W = params[layers[0].name][0]
    rule.derive(f"{W.name}_new",
                Step(rule.symbol(f"{W.name}_new"), W - lr * rule.symbol(f"dL/d{W.name}"),
                     why="gradient descent: W ← W − η ∂L/∂W", why_ko="경사하강법: W ← W − η ∂L/∂W"),
                title="One step of gradient descent", title_ko="경사하강 한 스텝")
