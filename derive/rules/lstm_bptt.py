"""LSTM backpropagation through time (DL 101, lecture 5: "over several steps, carry the gradients back").

Headline: ∂L/∂C = ∂L/∂h ⊙ o ⊙ (1 − tanh²C) + dC_next and ∂L/∂C_prev = ∂L/∂C ⊙ f: going
one step back along the cell state multiplies the gradient by the forget gate only.

The rule is one step of BPTT: the LSTM cell of ``lstm_step`` with the loss of this
step, plus the two gradients that the later steps hand back, dh_next = ∂L_later/∂h
and dC_next = ∂L_later/∂C. Its L is this step's loss plus the later loss to first
order, L = L_step + Σ dh_next ⊙ h + Σ dC_next ⊙ C, so SymPy's diff proves every
gradient of the step exactly as BPTT uses it. ∂L/∂h_prev (through all four gates'
weights) and ∂L/∂C_prev (through the cell state alone) are what it hands to the
step before. The cell path is additive, C = f ⊙ C_prev + i ⊙ C̃: one step back
multiplies by f only, with no weight matrix and no squashing derivative, which is
why the LSTM's gradient vanishes more slowly than the RNN's (each RNN step
multiplies by Wᵀ(1 − h²)).

How it works
------------
Over T steps the weights' gradients are the sums of the steps' gradients, and the
two handed-back gradients start at 0 after the last step. The generated loop
``derive.numpy.lstm_bptt_loop`` (printed by :mod:`derive.codegen.recurrence` from
this rule, linked as ``LOOP`` says) runs the forward pass over t = 1..T and then
this step backwards for t = T..1. :func:`unrolled` builds the same network as one
straight-line rule for a given T; proving it symbolically takes minutes already at
T = 2, so the tests compare the loop with it and with finite differences instead.
"""

from derive.rules._recurrent import (
    D, H, K, TimeLoop, cross_entropy_step, lstm_backward, lstm_dz, lstm_forward, lstm_inputs,
    lstm_step_gradients, softmax_ce_head,
)
from derive.rules._vocabulary import *

a, b, j, k = symbols("a b j k", integer=True, positive=True)
SOURCE = "Deep Learning 101, lecture 5 (LSTM: backpropagation through time)"


def unrolled(T: int, name: str = "lstm_bptt") -> Rule:
    """The LSTM unrolled over T steps, with both gradients carried back through time."""
    rule = Rule(name, f"LSTM unrolled over T = {T} steps", source=SOURCE, test_sizes={H: 3, D: 2, K: 4})
    steps = range(1, T + 1)
    x = {t: rule.input(f"x_{t}", (D,), Real(), note=f"input at step {t}") for t in steps}
    h = {0: rule.input("h_0", (H,), Real(0.5), note="initial hidden state")}
    C = {0: rule.input("C_0", (H,), Real(), note="initial cell state")}
    W, bias = lstm_inputs(rule)
    W_y = rule.input("W_y", (K, H), Real(), note="output weights")
    y = {t: rule.input(f"y_{t}", (K,), OneHot(), note=f"one-hot target at step {t}") for t in steps}

    fw = {}
    for t in steps:
        fw[t] = lstm_forward(rule, x[t], h[t - 1], C[t - 1], W, bias, t)
        h[t], C[t] = fw[t]["h"], fw[t]["C"]
        g = rule.quantity(f"g_{t}", MatVec(W_y, h[t]), note="logits")
        softmax_ce_head(rule, g, y[t], t)
    rule.quantity("L", sum((rule.symbol(f"L_{t}") for t in steps), 0), note="loss summed over steps")

    dL_dg, bw, dL_dz = {}, {}, {}
    for t in range(T, 0, -1):
        dL_dg[t] = rule.quantity(f"dL/dg_{t}", rule.symbol(f"y_hat_{t}") - y[t])
        dh_later = Part(dL_dz[t + 1], 0, H) if t < T else 0
        dC_later = bw[t + 1]["dL_dC"] * fw[t + 1]["gate"]["f"] if t < T else 0
        bw[t] = lstm_backward(rule, fw[t], C[t - 1], W, W_y, dL_dg[t], t, dh_later=dh_later, dC_later=dC_later)
        dL_dz[t] = lstm_dz(rule, W, bw[t]["delta"], t)
    rule.quantity("dL/dW_y", sum((Outer(dL_dg[t], h[t]) for t in steps), 0))
    for g in ("o", "f", "i", "c"):
        rule.quantity(f"dL/dW_{g}", sum((Outer(bw[t]["delta"][g], fw[t]["z"]) for t in steps), 0))
    for g in ("o", "f", "i", "c"):
        rule.quantity(f"dL/db_{g}", sum((bw[t]["delta"][g] for t in steps), 0))
    rule.quantity("dL/dh_0", Part(dL_dz[1], 0, H))
    rule.quantity("dL/dC_0", bw[1]["dL_dC"] * fw[1]["gate"]["f"])

    return rule


def step_rule() -> Rule:
    """One LSTM step with dh_next and dC_next handed back by the later steps: the body of the generated loop."""
    rule = Rule("lstm_bptt", "LSTM, one step of backpropagation through time",
                headline="dL/dC = dL/dh ⊙ o ⊙ (1 − tanh²C) + dC_next;  dL/dC_prev = dL/dC ⊙ f",
                source=SOURCE, proof_sizes=[{H: 1, D: 1, K: 2}], test_sizes={H: 3, D: 2, K: 4})
    x = rule.input("x", (D,), Real(), note="input at this step")
    h_prev = rule.input("h_prev", (H,), Real(0.5), note="previous hidden state")
    C_prev = rule.input("C_prev", (H,), Real(), note="previous cell state")
    W, bias = lstm_inputs(rule)
    W_y = rule.input("W_y", (K, H), Real(), note="output weights")
    y = rule.input("y", (K,), OneHot(), note="one-hot target at this step")
    dh_next = rule.input("dh_next", (H,), Real(), note="∂(later steps' loss)/∂h, handed back")
    dC_next = rule.input("dC_next", (H,), Real(), note="∂(later steps' loss)/∂C, handed back")
    fw = lstm_forward(rule, x, h_prev, C_prev, W, bias)
    z, h, C, f, o = fw["z"], fw["h"], fw["C"], fw["gate"]["f"], fw["gate"]["o"]
    g = rule.quantity("g", MatVec(W_y, h), note="logits")
    softmax_ce_head(rule, g, y, loss="L_step")
    L = rule.quantity("L", rule.symbol("L_step") + Total(dh_next * h) + Total(dC_next * C),
                      note="this step's loss + the later loss, to first order")
    dL_dg = rule.quantity("dL/dg", rule.symbol("y_hat") - y)
    rule.quantity("dL/dW_y", Outer(dL_dg, h))
    bw = lstm_backward(rule, fw, C_prev, W, W_y, dL_dg, dh_later=dh_next, dC_later=dC_next)
    lstm_step_gradients(rule, fw, bw, W, C_prev)
    dL_dh, dL_dC, delta = bw["dL_dh"], bw["dL_dC"], bw["delta"]

    cross_entropy_step(rule, loss="L_step")
    rule.derive("dL/dh",
                Step(Derivative(L, h[j]), Sum(W_y[k, j] * dL_dg[k], (k, 1, K)) + dh_next[j],
                     why="h feeds this step's output g and, as part of the next z = [h; x_next], the later steps, "
                         "whose gradient dh_next adds",
                     why_ko="h 는 이 시점의 출력 g 와, 다음 z = [h; x_next] 의 일부로 이후 시점들에 들어간다: "
                            "이후 시점의 기울기 dh_next 를 더함"),
                index=(j,), hold=("h",), title="Two paths into h: this step's output and the later steps")
    rule.derive("dL/dC",
                Step(Derivative(L, C[j]), dL_dh[j] * Derivative(h[j], C[j]) + dC_next[j],
                     why="C reaches L through h = o ⊙ tanh(C) and through the next cell state "
                         "C_next = f_next ⊙ C + ..., which hands back dC_next",
                     why_ko="C 는 h = o ⊙ tanh(C) 를 거쳐, 그리고 다음 셀 상태 C_next = f_next ⊙ C + ... 를 거쳐 "
                            "L 에 영향을 준다 (dC_next)"),
                Step(dL_dh[j] * o[j] * (1 - tanh(C[j]) ** 2) + dC_next[j], why="∂h/∂C = o ⊙ (1 − tanh²C)",
                     why_ko="∂h/∂C = o ⊙ (1 − tanh²C)"),
                index=(j,), hold=("C",), title="Two paths into C: through h, and additively through time")
    rule.derive("dL/dC_prev",
                Step(Derivative(L, C_prev[j]), dL_dC[j] * Derivative(C[j], C_prev[j]),
                     why="C_prev reaches L only through C", why_ko="C_prev 는 C 를 통해서만 L 에 영향을 준다"),
                Step(dL_dC[j] * f[j],
                     why="∂C/∂C_prev = f: the additive cell path, one step back multiplies by f only",
                     why_ko="∂C/∂C_prev = f: 셀 상태의 덧셈 경로, 한 시점 거슬러 갈 때 f 만 곱해짐"),
                index=(j,), title="Back along the cell state: the additive path")
    rule.derive("dL/dW_f",
                Step(Derivative(L, W["f"][a, b]), dL_dC[a] * Derivative(C[a], W["f"][a, b]),
                     why="W_f[a,b] reaches L only through C_a", why_ko="W_f[a,b] 는 C_a 를 통해서만 L 에 영향을 준다"),
                Step(delta["f"][a] * z[b], why="f = σ(W_f z + b_f): ∂C_a/∂W_f[a,b] = C_prev,a f_a(1 − f_a) z_b; "
                                              "over T steps these add up",
                     why_ko="f = σ(W_f z + b_f): ∂C_a/∂W_f[a,b] = C_prev,a f_a(1 − f_a) z_b; T 시점이면 모두 더함"),
                index=(a, b), title="Forget-gate weights")
    return rule


rule = step_rule()
PARAMETER_GRADIENTS = ("dL/dW_y", "dL/dW_o", "dL/dW_f", "dL/dW_i", "dL/dW_c",
                       "dL/db_o", "dL/db_f", "dL/db_i", "dL/db_c")
LOOP = TimeLoop(
    "lstm_bptt_loop", "LSTM, forward over T steps and backpropagation through time", rule,
    sequences=("x", "y"), state={"h_prev": ("h", "h_0"), "C_prev": ("C", "C_0")},
    carry={"dh_next": "dL/dh_prev", "dC_next": "dL/dC_prev"},
    summed={"L": "L_step", **{name: name for name in PARAMETER_GRADIENTS}},
    stacked={"h": "h", "C": "C", "f": "f", "y_hat": "y_hat", "dL/dh": "dL/dh", "dL/dC": "dL/dC", "dL/dx": "dL/dx"},
    first={"dL/dh_0": "dL/dh_prev", "dL/dC_0": "dL/dC_prev"},
)
register(rule)
