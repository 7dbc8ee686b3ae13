"""Building blocks shared by the recurrent rules: local slopes, the softmax head, the LSTM cell.

``lstm_step`` (one step), ``lstm_bptt`` (T steps unrolled) and the single BPTT
step behind the generated time loop all declare the same LSTM cell; it is
written here once. Names take an optional time suffix: ``at("f", 2)`` is
``f_2``, ``at("dL/dC_tilde", 2)`` is ``dL/dC_tilde_2``, ``at("f", "")`` is ``f``.

The local derivatives are computed by SymPy, not typed: ``sigmoid_slope(f)`` is
``sigmoid(s).diff(s)`` with σ(s) renamed f, i.e. f ⊙ (1 − f).
"""

from dataclasses import dataclass, field

from derive.rules._vocabulary import *
from derive.symbolic.arrays import scalar

H, D, K = dim("H"), dim("D"), dim("K")
GATES = ("f", "i", "c", "o")  # forget, input, candidate, output: the order of the lecture
GATE_WORDS = {"f": "forget", "i": "input", "c": "candidate", "o": "output"}

_s = scalar("s")


def sigmoid_slope(out):
    """σ'(s) written with the gate's own output: σ(s)(1 − σ(s))."""
    return sigmoid(_s).diff(_s).subs(sigmoid(_s), out)


def tanh_slope(out):
    """tanh'(s) written with tanh(s) itself: 1 − tanh²(s)."""
    return tanh(_s).diff(_s).subs(tanh(_s), out)


def at(name: str, t) -> str:
    """The name of a quantity at time step t ("" for a single step)."""
    return f"{name}_{t}" if t != "" else name


def gate_name(gate: str) -> str:
    return "C_tilde" if gate == "c" else gate


@dataclass
class Handover:
    """A second loop that starts from the first loop's last state and hands a gradient back into it
    (seq2seq: the decoder starts from the encoder's context (h_T, C_T) and hands back ∂L/∂h_0 and
    ∂L/∂C_0, where the encoder's backpropagation starts). The generated loop calls the second
    loop's own generated function between its forward and its backward pass."""

    loop: object  #: the second TimeLoop (the decoder)
    context: dict  #: second loop's input with the first state -> first loop's state input (its last value)
    handed_back: dict  #: first loop's carry input -> second loop's output (its gradient by its first state)
    suffix: str = "_dec"  #: appended to the second loop's other inputs and outputs ("L" is the loss of both)


@dataclass
class TimeLoop:
    """How one proven step (the *cell*) links to the next, for the generated loop over time.

    The cell's L is its own loss plus the later steps' loss to first order in the
    state it hands on (L = L_step + Σ dh_next ⊙ h + ...), so every backward
    quantity of the cell is proven against SymPy's diff exactly as BPTT uses it.
    :mod:`derive.codegen.recurrence` prints the loop; nothing here is code.
    """

    name: str  #: the generated function (and module) name
    title: str
    cell: object  #: the Rule of one step
    sequences: tuple  #: cell inputs given per step, stacked on axis 1: x (N, T, D)
    state: dict  #: cell input -> (cell quantity the next step receives, loop input with the first value)
    carry: dict  #: cell input (gradient from later steps) -> cell quantity handed to the step before
    summed: dict = field(default_factory=dict)  #: loop output -> cell quantity summed over the steps
    stacked: dict = field(default_factory=dict)  #: loop output -> cell quantity kept per step (N, T, ...)
    first: dict = field(default_factory=dict)  #: loop output -> cell quantity at the first step
    skip: tuple = ("L",)  #: cell quantities the loop does not compute (the first-order L)
    head: object = None  #: optional Rule: the loss on the last state, where backpropagation starts
    head_inputs: dict = field(default_factory=dict)  #: head input -> cell state input holding the last state
    head_outputs: dict = field(default_factory=dict)  #: head quantity -> loop output or cell carry input
    decoder: Handover | None = None  #: a loop run after the forward pass, whose gradient starts the backward


def softmax_ce_head(rule, g, y, t="", loss="L"):
    """ŷ = softmax(g) and the cross-entropy L = −Σ_k y_k log ŷ_k (named ``loss``).

    L is defined as log Σ_k e^{g_k} − Σ_k y_k g_k, the same number for a one-hot y
    (``cross_entropy_step`` proves it). SymPy differentiates this form into
    exactly the terms of ŷ − y, which keeps the proofs through deep networks
    cheap. The code computes the log-sum-exp once, with the stable kernel, and
    reads both ŷ = e^{g − lse} (never overflows: g − lse <= 0) and L from it.
    """
    lse = rule.quantity(at("_lse", t), LogSumExp(g), note="log Σ_k e^{g_k}, shared by ŷ and L")
    y_hat = rule.quantity(at("y_hat", t), Softmax(g), stable=exp(g - lse), note="predicted probabilities")
    L = rule.quantity(at(loss, t), LogSumExp(g) - Total(y * g), stable=lse - Total(y * g), note="cross-entropy")
    return y_hat, L


def cross_entropy_step(rule, t="", loss="L"):
    """The derivation showing that L is the cross-entropy of ŷ."""
    y, y_hat = rule.symbol(at("y", t)), rule.symbol(at("y_hat", t))
    return rule.derive(at(loss, t), Step(rule.symbol(at(loss, t)), -Total(y * log(y_hat)),
                       why="cross-entropy of the softmax; log ŷ_k = g_k − log Σ_m e^{g_m} and Σ_k y_k = 1",
                       why_ko="소프트맥스의 크로스 엔트로피: log ŷ_k = g_k − log Σ_m e^{g_m}, Σ_k y_k = 1"))


def lstm_inputs(rule):
    """The weights of the cell, one (H, H+D) matrix per gate on [h_prev; x], biases (default 0) and W_y."""
    W = {g: rule.input(f"W_{g}", (H, H + D), Real(0.5), note=f"{GATE_WORDS[g]} gate weights on [h_prev; x]")
         for g in GATES}
    b = {g: rule.input(f"b_{g}", (H,), Real(0.5), default=0.0, note=f"{GATE_WORDS[g]} gate bias (default 0)")
         for g in GATES}
    return W, b


def lstm_forward(rule, x, h_prev, C_prev, W, b, t=""):
    """z = [h_prev; x], the pre-activations s_*, the gates, the cell state C and the hidden state h."""
    z = rule.quantity(at("z", t), Concat(h_prev, x), note="the concatenation [h_prev; x]")
    s = {g: rule.quantity(at(f"s_{g}", t), MatVec(W[g], z) + b[g], note=f"pre-activation of the {GATE_WORDS[g]} gate")
         for g in GATES}
    gate = {g: rule.quantity(at(gate_name(g), t), (tanh if g == "c" else sigmoid)(s[g]),
                             note=f"{GATE_WORDS[g]} gate") for g in GATES}
    f, i, C_tilde, o = (gate[g] for g in GATES)
    C = rule.quantity(at("C", t), f * C_prev + i * C_tilde, note="cell state")
    tanh_C = rule.quantity(at("_tanh_C", t), tanh(C), note="tanh(C), computed once for h and the backward pass")
    h = rule.quantity(at("h", t), o * tanh(C), stable=o * tanh_C, note="hidden state")
    return dict(z=z, s=s, gate=gate, C=C, h=h, tanh_C=tanh_C)


def lstm_backward(rule, fw, C_prev, W, W_y, dL_dg, t="", *, dh_later=0, dC_later=0):
    """∂L/∂h, ∂L/∂o, ∂L/∂C, the gate gradients and the pre-activation gradients δ = ∂L/∂s_*.

    ``dh_later`` and ``dC_later`` are the gradients that later time steps hand back
    to this step's h and C (0 for a single step). ``W_y`` is None for a step without an
    output of its own (seq2seq's encoder): ∂L/∂h is then what the later steps hand back.
    """
    gate, C = fw["gate"], fw["C"]
    f, i, C_tilde, o = (gate[g] for g in GATES)
    from_output = MatVec(Transpose(W_y), dL_dg) if W_y is not None else 0  # an encoder step has no output
    dL_dh = rule.quantity(at("dL/dh", t), from_output + dh_later)
    tanh_C = fw["tanh_C"]
    dL_do = rule.quantity(at("dL/do", t), dL_dh * tanh(C), stable=dL_dh * tanh_C)
    dL_dC = rule.quantity(at("dL/dC", t), dL_dh * o * tanh_slope(tanh(C)) + dC_later,
                          stable=dL_dh * o * tanh_slope(tanh_C) + dC_later)
    dL_dgate = {"o": dL_do,
                "f": rule.quantity(at("dL/df", t), dL_dC * C_prev),
                "i": rule.quantity(at("dL/di", t), dL_dC * C_tilde),
                "c": rule.quantity(at("dL/dC_tilde", t), dL_dC * i)}
    slope = {g: (tanh_slope if g == "c" else sigmoid_slope)(gate[g]) for g in GATES}
    delta = {g: rule.quantity(at(f"dL/ds_{g}", t), dL_dgate[g] * slope[g]) for g in ("o", "f", "i", "c")}
    return dict(dL_dh=dL_dh, dL_do=dL_do, dL_dC=dL_dC, dL_dgate=dL_dgate, delta=delta, slope=slope)


def lstm_dz(rule, W, delta, t=""):
    """∂L/∂z = Σ_gates W_*ᵀ δ_*: z = [h_prev; x] feeds all four gates."""
    return rule.quantity(at("dL/dz", t), sum((MatVec(Transpose(W[g]), delta[g]) for g in GATES), 0))


def lstm_step_gradients(rule, fw, bw, W, C_prev):
    """The weight, bias and input gradients of a single step: δ_* [h_prev; x]ᵀ, δ_*, and ∂L/∂z split."""
    z, f, delta, dL_dC = fw["z"], fw["gate"]["f"], bw["delta"], bw["dL_dC"]
    for g in ("o", "f", "i", "c"):
        rule.quantity(f"dL/dW_{g}", Outer(delta[g], z))
    for g in ("o", "f", "i", "c"):
        rule.quantity(f"dL/db_{g}", delta[g])
    dL_dz = lstm_dz(rule, W, delta)
    rule.quantity("dL/dh_prev", Part(dL_dz, 0, H))
    rule.quantity("dL/dC_prev", dL_dC * f)
    rule.quantity("dL/dx", Part(dL_dz, H, H + D))
