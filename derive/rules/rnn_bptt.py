"""Backpropagation through time in a plain RNN (DL 101, lecture 3).

Headline: ∂L/∂W = Σ_t δ_t h_{t−1}ᵀ, ∂L/∂U = Σ_t δ_t x_tᵀ, ∂L/∂V = Σ_t (ŷ_t − y_t) h_tᵀ,
with δ_t = ∂L/∂s_t = (Vᵀ(ŷ_t − y_t) + Wᵀ δ_{t+1}) ⊙ (1 − h_t²).

Forward: s_t = W h_{t−1} + U x_t, h_t = tanh(s_t), o_t = V h_t, ŷ_t = softmax(o_t),
and the loss is summed over the steps, L = Σ_t L_t (cross-entropy). Every L_t
depends on W through h_t, and h_t depends on W directly and through h_{t−1}:
the lecture's recursive term ∂h_t/∂W = (1 − h_t²)(h_{t−1} + W ∂h_{t−1}/∂W). Unrolled
backwards it becomes δ_t, which each step hands to the one before through Wᵀ;
a factor Wᵀ(1 − h²) per step is why the RNN's gradient vanishes over long spans.

How it works
------------
The proofs need straight-line expressions, so :func:`unrolled` builds the rule
for a given T (x_1..x_T, h_1..h_T, ...); the registered ``rnn_bptt`` is T = 2
(the worked example ``rnn_bptt_T2.yaml``) and the tests prove T = 1..4. General T
is the generated loop ``derive.numpy.rnn_bptt_loop``: :mod:`derive.codegen.recurrence`
prints its body from ``CELL``, one step with the gradient ``dh_next`` handed back
by the later steps, proven on its own, and ``LOOP`` says how the steps link.
"""

from derive.rules._recurrent import D, H, K, TimeLoop, at, cross_entropy_step, softmax_ce_head, tanh_slope
from derive.rules._vocabulary import *

a, b, k, m = symbols("a b k m", integer=True, positive=True)
SOURCE = "Deep Learning 101, lecture 3 (RNN, backpropagation through time)"


def weights(rule):
    U = rule.input("U", (H, D), Real(0.5), note="input weights")
    W = rule.input("W", (H, H), Real(0.5), note="recurrent weights")
    V = rule.input("V", (K, H), Real(), note="output weights")
    return U, W, V


def forward(rule, x, h_prev, U, W, V, y, t="", loss="L"):
    """s_t, h_t, the logits o_t, ŷ_t and the step's cross-entropy."""
    s = rule.quantity(at("s", t), MatVec(W, h_prev) + MatVec(U, x), note="pre-activation")
    h = rule.quantity(at("h", t), tanh(s), note="hidden state")
    o = rule.quantity(at("o", t), MatVec(V, h), note="logits")
    softmax_ce_head(rule, o, y, t, loss=loss)
    return s, h, o


def backward(rule, h, V, t="", later=0):
    """∂L/∂o_t = ŷ_t − y_t, ∂L/∂h_t (plus what the later steps hand back) and δ_t = ∂L/∂s_t."""
    dL_do = rule.quantity(at("dL/do", t), rule.symbol(at("y_hat", t)) - rule.symbol(at("y", t)))
    dL_dh = rule.quantity(at("dL/dh", t), MatVec(Transpose(V), dL_do) + later)
    dL_ds = rule.quantity(at("dL/ds", t), dL_dh * tanh_slope(h))
    return dL_do, dL_dh, dL_ds


def unrolled(T: int, name: str = "rnn_bptt") -> Rule:
    """The RNN unrolled over T steps, with BPTT's gradients and their derivations."""
    rule = Rule(name, f"RNN, backpropagation through time over T = {T} steps",
                headline="dL/dW = Σ_t δ_t h_(t−1)^T with δ_t = (V^T(y_hat_t − y_t) + W^T δ_(t+1)) ⊙ (1 − h_t²)",
                source=SOURCE, proof_sizes=[{H: 1, D: 1, K: 2}, {H: 2, D: 1, K: 2}], test_sizes={H: 3, D: 2, K: 4})
    x = {t: rule.input(f"x_{t}", (D,), Real(), note=f"input at step {t}") for t in range(1, T + 1)}
    h = {0: rule.input("h_0", (H,), Real(0.5), note="initial hidden state")}
    U, W, V = weights(rule)
    y = {t: rule.input(f"y_{t}", (K,), OneHot(), note=f"one-hot target at step {t}") for t in range(1, T + 1)}
    for t in range(1, T + 1):
        _, h[t], _ = forward(rule, x[t], h[t - 1], U, W, V, y[t], t)
    L = rule.quantity("L", sum((rule.symbol(f"L_{t}") for t in range(1, T + 1)), 0), note="loss summed over steps")
    dL_do, dL_ds = {}, {}
    for t in range(T, 0, -1):
        later = MatVec(Transpose(W), dL_ds[t + 1]) if t < T else 0
        dL_do[t], _, dL_ds[t] = backward(rule, h[t], V, t, later)
    steps = range(1, T + 1)
    rule.quantity("dL/dV", sum((Outer(dL_do[t], h[t]) for t in steps), 0))
    rule.quantity("dL/dW", sum((Outer(dL_ds[t], h[t - 1]) for t in steps), 0))
    rule.quantity("dL/dU", sum((Outer(dL_ds[t], x[t]) for t in steps), 0))
    rule.quantity("dL/dh_0", MatVec(Transpose(W), dL_ds[1]))

    for t in steps:
        cross_entropy_step(rule, t)
    for t in range(1, T):
        rule.derive(f"dL/dh_{t}",
                    Step(Derivative(L, h[t][a]), Sum(V[k, a] * dL_do[t][k], (k, 1, K))
                         + Sum(W[k, a] * dL_ds[t + 1][k], (k, 1, H)),
                         why=f"h_{t} feeds o_{t} and, through s_{t + 1} = W h_{t} + U x_{t + 1}, the next step: "
                             "two paths add",
                         why_ko=f"h_{t} 는 o_{t} 와, s_{t + 1} = W h_{t} + U x_{t + 1} 을 거쳐 다음 시점으로 이어진다: "
                                "두 경로의 기울기를 더함"),
                    index=(a,), hold=(f"h_{t}",), title="The recursion: ∂L/∂h_t = Vᵀ(ŷ_t − y_t) + Wᵀ δ_(t+1)")

    def through_h(param):  # Σ_t Σ_k (∂L_t/∂h_t)_k ∂h_t,k/∂param: the recursive total derivative of h_t
        return sum((Sum(Sum(V[m, k] * dL_do[t][m], (m, 1, K)) * Derivative(h[t][k], param), (k, 1, H))
                    for t in steps), 0)

    for param, name_, last in ((W, "W", lambda t: h[t - 1][b]), (U, "U", lambda t: x[t][b])):
        rule.derive(f"dL/d{name_}",
                    Step(Derivative(L, param[a, b]), through_h(param[a, b]),
                         why=f"each L_t reaches {name_} through h_t; ∂h_t/∂{name_} is recursive: "
                             f"h_t uses {name_} directly and through h_(t−1)",
                         why_ko=f"각 L_t 는 h_t 를 거쳐 {name_} 에 의존; h_t 는 {name_} 를 직접, 또 h_(t−1) 을 통해 "
                                f"쓰므로 ∂h_t/∂{name_} 는 재귀적"),
                    Step(sum((dL_ds[t][a] * last(t) for t in steps), 0),
                         why="unroll the recursion from the last step back: δ_t = ∂L/∂s_t collects every later path",
                         why_ko="마지막 시점부터 거꾸로 재귀를 풀면 δ_t = ∂L/∂s_t 가 이후의 모든 경로를 모은다"),
                    index=(a, b), title=f"Gradient of {name_}: a sum over time")
    rule.derive("dL/dV",
                Step(Derivative(L, V[a, b]), sum((dL_do[t][a] * h[t][b] for t in steps), 0),
                     why="V acts at each step only on o_t = V h_t: ∂L_t/∂V = (ŷ_t − y_t) h_tᵀ, summed over t",
                     why_ko="V 는 각 시점의 o_t = V h_t 에만 쓰인다: ∂L_t/∂V = (ŷ_t − y_t) h_tᵀ 를 t 에 대해 합함"),
                index=(a, b), title="Gradient of V: a sum over time")
    return rule


def step_rule() -> Rule:
    """One RNN step with dh_next = ∂(later loss)/∂h handed back: the body of the generated BPTT loop."""
    rule = Rule("rnn_step", "One RNN step with the gradient handed back by the later steps", source=SOURCE,
                proof_sizes=[{H: 1, D: 1, K: 2}, {H: 2, D: 1, K: 2}], test_sizes={H: 3, D: 2, K: 4})
    x = rule.input("x", (D,), Real(), note="input at this step")
    h_prev = rule.input("h_prev", (H,), Real(0.5), note="previous hidden state")
    U, W, V = weights(rule)
    y = rule.input("y", (K,), OneHot(), note="one-hot target at this step")
    dh_next = rule.input("dh_next", (H,), Real(), note="∂(later steps' loss)/∂h, handed back")
    s, h, o = forward(rule, x, h_prev, U, W, V, y, loss="L_step")
    rule.quantity("L", rule.symbol("L_step") + Total(dh_next * h),
                  note="this step's loss + the later loss, to first order")
    dL_do, dL_dh, dL_ds = backward(rule, h, V, later=dh_next)
    rule.quantity("dL/dV", Outer(dL_do, h))
    rule.quantity("dL/dW", Outer(dL_ds, h_prev))
    rule.quantity("dL/dU", Outer(dL_ds, x))
    rule.quantity("dL/dh_prev", MatVec(Transpose(W), dL_ds))
    rule.quantity("dL/dx", MatVec(Transpose(U), dL_ds))
    return rule


CELL = step_rule()
LOOP = TimeLoop(
    "rnn_bptt_loop", "RNN, forward over T steps and backpropagation through time", CELL,
    sequences=("x", "y"), state={"h_prev": ("h", "h_0")}, carry={"dh_next": "dL/dh_prev"},
    summed={"L": "L_step", "dL/dU": "dL/dU", "dL/dW": "dL/dW", "dL/dV": "dL/dV"},
    stacked={"h": "h", "y_hat": "y_hat", "dL/dh": "dL/dh", "dL/ds": "dL/ds", "dL/dx": "dL/dx"},
    first={"dL/dh_0": "dL/dh_prev"},
)

rule = unrolled(2)
register(rule)
