"""The scalar sigmoid chain of the ResNet lecture, plain or with skip connections, at any depth.

Layer l turns a_{l−1} into a_l (a_0 = x, the last a is ŷ):

* plain layer:     s_l = w_l a_{l−1},  a_l = σ(s_l)
* residual layer:  s_l = w_l a_{l−1},  F_l = σ(s_l),  a_l = a_{l−1} + F_l   (the skip adds the input back)

and the loss is the squared error L = (ŷ − y)². In the residual chain every
hidden layer between the first and the last is residual; at the lecture's depth
3 that is the one skip connection around layer 2, and the output stays in (0, 1).
Backward, layer by layer: ∂L/∂s_l = ∂L/∂a_l σ'(s_l), ∂L/∂w_l = ∂L/∂s_l a_{l−1},
and ∂L/∂a_{l−1} = ∂L/∂s_l w_l, plus ∂L/∂a_l itself through a skip: the identity
path is the "+1" in ∂a_l/∂a_{l−1} = 1 + σ'(s_l) w_l.

:func:`chain_rule` builds the unrolled rule for any depth (the registered rules
are depth 3, the lecture's network); :func:`layer_rule` and :func:`squared_error_head`
are one layer (with a 0/1 switch for its skip) and the loss alone, from which
the generated depth loop is built.
"""

from derive.rules._recurrent import sigmoid_slope
from derive.rules._vocabulary import *
from derive.symbolic.arrays import scalar

SOURCE = "Deep Learning 101, lecture 25 (ResNet and the vanishing gradient)"


def activation(l: int, depth: int) -> str:
    return "y_hat" if l == depth else f"a_{l}"


def has_skip(l: int, depth: int, residual: bool) -> bool:
    """Whether layer l adds its input back: the hidden layers strictly between the first and the last."""
    return residual and 1 < l < depth


def skip_pattern(depth: int, residual: bool) -> list[float]:
    """The 0/1 skip switch of each layer, for the generated depth loop."""
    return [1.0 if has_skip(l, depth, residual) else 0.0 for l in range(1, depth + 1)]


def squared_error(y_hat, y):
    return (y_hat - y) ** 2


def chain_rule(name: str, title: str, depth: int, residual: bool, **options) -> Rule:
    """The depth-``depth`` chain with its forward pass, loss and layer-by-layer backward pass."""
    rule = Rule(name, title, source=SOURCE, **options)
    x = rule.input("x", (), Real(), note="the input")
    y = rule.input("y", (), Real(), note="the target")
    w = {l: rule.input(f"w_{l}", (), Real(0.5), note=f"weight of layer {l}") for l in range(1, depth + 1)}
    a = {0: x}
    branch = {}
    for l in range(1, depth + 1):
        s = rule.quantity(f"s_{l}", w[l] * a[l - 1], note=f"pre-activation of layer {l}")
        if has_skip(l, depth, residual):
            branch[l] = rule.quantity(f"F_{l}", sigmoid(s), note=f"residual branch of layer {l}")
            a[l] = rule.quantity(activation(l, depth), a[l - 1] + branch[l], note=f"output of layer {l} (skip added)")
        else:
            branch[l] = a[l] = rule.quantity(activation(l, depth), sigmoid(s), note=f"output of layer {l}")
    y_hat = a[depth]
    rule.quantity("L", squared_error(y_hat, y), note="squared error")

    y_hat_ = scalar("y_hat_")
    dL_da = {depth: rule.quantity("dL/dy_hat", squared_error(y_hat_, y).diff(y_hat_).subs(y_hat_, y_hat))}
    for l in range(depth, 0, -1):
        dL_ds = rule.quantity(f"dL/ds_{l}", dL_da[l] * sigmoid_slope(branch[l]))
        rule.quantity(f"dL/dw_{l}", dL_ds * a[l - 1])
        back = dL_ds * w[l] + (dL_da[l] if has_skip(l, depth, residual) else 0)
        dL_da[l - 1] = rule.quantity(f"dL/da_{l - 1}" if l > 1 else "dL/dx", back)
    return rule


def chain_gradient(rule, depth: int, residual: bool, l: int):
    """∂L/∂w_l written out as the product of the local derivatives along the chain, output to input."""
    sym = rule.symbol

    def output(m):  # the sigmoid's own output in layer m: F_m where the layer has a skip
        return sym(f"F_{m}") if has_skip(m, depth, residual) else sym(activation(m, depth))

    factors = [sym("dL/dy_hat")]
    for m in range(depth, l, -1):
        local = sigmoid_slope(output(m)) * sym(f"w_{m}")
        factors.append(1 + local if has_skip(m, depth, residual) else local)
    factors.append(sigmoid_slope(output(l)))
    factors.append(sym(activation(l - 1, depth)) if l > 1 else sym("x"))
    return Mul(*factors, evaluate=False)


def layer_rule() -> Rule:
    """One layer, a = k a_prev + σ(w a_prev) with the skip switch k = 0 or 1, and the
    gradient da_next that the layers above hand back: the body of the generated depth loop.

    Its L is the loss to first order in a, L = da_next · a, so SymPy's diff proves
    each backward quantity exactly as backpropagation computes it.
    """
    rule = Rule("sigmoid_layer", "One layer of the sigmoid chain, with or without its skip", source=SOURCE)
    w = rule.input("w", (), Real(0.5), note="weight of this layer")
    k = rule.input("k", (), Unit(), note="skip switch: 1 adds the input back, 0 does not")
    a_prev = rule.input("a_prev", (), Real(), note="output of the layer below")
    da_next = rule.input("da_next", (), Real(), note="∂L/∂a handed back by the layers above")
    s = rule.quantity("s", w * a_prev)
    F = rule.quantity("F", sigmoid(s))
    a = rule.quantity("a", k * a_prev + F)
    rule.quantity("L", da_next * a, note="the loss, to first order in a")
    dL_da = rule.quantity("dL/da", da_next)
    dL_ds = rule.quantity("dL/ds", dL_da * sigmoid_slope(F))
    rule.quantity("dL/dw", dL_ds * a_prev)
    rule.quantity("dL/da_prev", dL_ds * w + dL_da * k)
    return rule


def squared_error_head() -> Rule:
    """The loss on the last layer's output: where backpropagation starts."""
    rule = Rule("squared_error_head", "Squared error on the chain's output", source=SOURCE)
    a = rule.input("a", (), Real(), note="the last layer's output")
    y = rule.input("y", (), Real(), note="the target")
    y_hat = rule.quantity("y_hat", a, note="the prediction")
    rule.quantity("L", squared_error(y_hat, y))
    y_hat_ = scalar("y_hat_")
    rule.quantity("dL/dy_hat", squared_error(y_hat_, y).diff(y_hat_).subs(y_hat_, y_hat))
    return rule


def derive_chain_gradients(rule: Rule, depth: int, residual: bool, reason) -> Rule:
    """Derive ∂L/∂w_l for every layer, output first, each as its product along the chain;
    ``reason(l, depth)`` gives the step's (English, Korean) reason."""
    L = rule.symbol("L")
    for l in range(depth, 0, -1):
        why, why_ko = reason(l, depth)
        rule.derive(f"dL/dw_{l}",
                    Step(Derivative(L, rule.symbol(f"w_{l}")), chain_gradient(rule, depth, residual, l),
                         why=why, why_ko=why_ko),
                    title=f"Gradient of the weight of layer {l}")
    return rule
