"""One LSTM time step, forward and backward (DL 101, lecture 5).

Headline: ∂L/∂C = ∂L/∂h ⊙ o ⊙ (1 − tanh²C), and every gate weight's gradient is
an outer product with the concatenation: ∂L/∂W_* = δ_* [h_prev; x]ᵀ, where
δ_* = ∂L/∂s_* is the gradient at the gate's pre-activation.

Forward, as the lecture computes it by hand (H = 2, D = 3): z = [h_prev; x];
f, i, o = σ(W_* z + b_*), C̃ = tanh(W_c z + b_c); C = f ⊙ C_prev + i ⊙ C̃;
h = o ⊙ tanh(C); g = W_y h; ŷ = softmax(g); L = −Σ_k y_k log ŷ_k.
Backward in the lecture's order: ∂L/∂g = ŷ − y, ∂L/∂W_y, ∂L/∂h, ∂h/∂o = tanh(C),
∂L/∂C, the forget, input and candidate gates, the weights, and finally what
flows back to the previous step (∂L/∂h_prev, ∂L/∂C_prev) and to the input.
"""

from derive.rules._recurrent import (
    GATE_WORDS, GATES, D, H, K, cross_entropy_step, gate_name, lstm_backward, lstm_forward, lstm_inputs,
    lstm_step_gradients, softmax_ce_head,
)
from derive.rules._vocabulary import *

a, b, j, k = symbols("a b j k", integer=True, positive=True)

rule = Rule(
    "lstm_step",
    "LSTM, one time step",
    headline="dL/dC = dL/dh ⊙ o ⊙ (1 − tanh²C);  dL/dW_* = δ_* [h_prev; x]^T with δ_* = dL/ds_*",
    source="Deep Learning 101, lecture 5 (LSTM, a beginner's guide)",
    proof_sizes=[{H: 1, D: 1, K: 2}],
    test_sizes={H: 3, D: 2, K: 4},
)
x = rule.input("x", (D,), Real(), note="input at this step")
h_prev = rule.input("h_prev", (H,), Real(0.5), note="previous hidden state")
C_prev = rule.input("C_prev", (H,), Real(), note="previous cell state")
W, bias = lstm_inputs(rule)
W_y = rule.input("W_y", (K, H), Real(), note="output weights")
y = rule.input("y", (K,), OneHot(), note="one-hot target")

fw = lstm_forward(rule, x, h_prev, C_prev, W, bias)
z, s, gate, C, h = fw["z"], fw["s"], fw["gate"], fw["C"], fw["h"]
f, i, C_tilde, o = (gate[name] for name in GATES)
g = rule.quantity("g", MatVec(W_y, h), note="logits")
y_hat, L = softmax_ce_head(rule, g, y)

dL_dg = rule.quantity("dL/dg", y_hat - y)
rule.quantity("dL/dW_y", Outer(dL_dg, h))
bw = lstm_backward(rule, fw, C_prev, W, W_y, dL_dg)
dL_dh, dL_do, dL_dC, delta = bw["dL_dh"], bw["dL_do"], bw["dL_dC"], bw["delta"]
lstm_step_gradients(rule, fw, bw, W, C_prev)  # δ_* zᵀ, δ_*, ∂L/∂z = Σ W_*ᵀ δ_* split into h_prev and x, f ⊙ ∂L/∂C
dL_dz = rule.symbol("dL/dz")

# Each chain starts from the true derivative by the quantity, held as a variable (hold=...);
# the engine differentiates the local formulas (∂g/∂h, ∂h/∂o, ∂C/∂f, ...) itself.
cross_entropy_step(rule)
rule.derive("dL/dg",
            Step(Derivative(L, g[j]), y_hat[j] - y[j],
                 why="softmax + cross-entropy (rule softmax_ce): the softmax Jacobian cancels the 1/ŷ of the log",
                 why_ko="소프트맥스 + 크로스 엔트로피 (softmax_ce 규칙): 소프트맥스의 야코비안이 log 의 1/ŷ 을 지운다"),
            index=(j,), hold=("g",), title="The output error: ∂L/∂g = ŷ − y")
rule.derive("dL/dW_y",
            Step(Derivative(L, W_y[a, b]), Sum(dL_dg[k] * Derivative(g[k], W_y[a, b]), (k, 1, K)),
                 why="chain rule through the logits g", why_ko="로짓 g를 거치는 연쇄 법칙"),
            Step(dL_dg[a] * h[b], why="g_k = Σ_m W_y[k,m] h_m, so ∂g_k/∂W_y[a,b] = δ_ka h_b",
                 why_ko="g_k = Σ_m W_y[k,m] h_m 이므로 ∂g_k/∂W_y[a,b] = δ_ka h_b"),
            index=(a, b), title="Output weights: an outer product of the error with h")
rule.derive("dL/dh",
            Step(Derivative(L, h[j]), Sum(dL_dg[k] * Derivative(g[k], h[j]), (k, 1, K)),
                 why="chain rule: h_j feeds every logit g_k", why_ko="연쇄 법칙: h_j 는 모든 로짓 g_k 에 들어간다"),
            Step(Sum(W_y[k, j] * dL_dg[k], (k, 1, K)), why="∂g_k/∂h_j = W_y[k,j], so ∂L/∂h = W_yᵀ ∂L/∂g",
                 why_ko="∂g_k/∂h_j = W_y[k,j] 이므로 ∂L/∂h = W_yᵀ ∂L/∂g"),
            index=(j,), hold=("h",), title="Back into the hidden state")
rule.derive("dL/do",
            Step(Derivative(L, o[j]), dL_dh[j] * Derivative(h[j], o[j]),
                 why="o_j reaches L only through h_j = o_j tanh(C_j)",
                 why_ko="o_j 는 h_j = o_j tanh(C_j) 를 통해서만 L 에 영향을 준다"),
            Step(dL_dh[j] * tanh(C[j]),
                 why="∂h/∂o = tanh(C): the element-wise product's derivative keeps the other factor",
                 why_ko="∂h/∂o = tanh(C): 원소별 곱의 미분은 다른 인수만 남긴다"),
            index=(j,), hold=("o",), title="Output gate: ∂h/∂o = tanh(C)")
rule.derive("dL/dC",
            Step(Derivative(L, C[j]), dL_dh[j] * Derivative(h[j], C[j]),
                 why="within one step, C_j reaches L only through h_j = o_j tanh(C_j)",
                 why_ko="한 시점 안에서 C_j 는 h_j = o_j tanh(C_j) 를 통해서만 L 에 영향을 준다"),
            Step(dL_dh[j] * o[j] * (1 - tanh(C[j]) ** 2), why="∂h/∂C = o ⊙ (1 − tanh²C)",
                 why_ko="∂h/∂C = o ⊙ (1 − tanh²C)"),
            index=(j,), hold=("C",), title="The cell state")
for name, factor, part in (("f", C_prev, "C_prev"), ("i", C_tilde, "C̃"), ("C_tilde", i, "i")):
    held = rule.symbol(name)
    rule.derive(f"dL/d{name}",
                Step(Derivative(L, held[j]), dL_dC[j] * Derivative(C[j], held[j]),
                     why=f"{name}_j reaches L only through C_j = f_j C_prev,j + i_j C̃_j",
                     why_ko=f"{name}_j 는 C_j = f_j C_prev,j + i_j C̃_j 를 통해서만 L 에 영향을 준다"),
                Step(dL_dC[j] * factor[j], why=f"∂C/∂{name} = {part}", why_ko=f"∂C/∂{name} = {part}"),
                index=(j,), hold=(name,), title=f"The {GATE_WORDS[name[0].lower()]} gate's output")
for name, reaches, via in (("o", h, "h"), ("f", C, "C"), ("i", C, "C"), ("c", C, "C")):
    through = dL_dh if via == "h" else dL_dC
    rule.derive(f"dL/dW_{name}",
                Step(Derivative(L, W[name][a, b]), through[a] * Derivative(reaches[a], W[name][a, b]),
                     why=f"W_{name}[a,b] reaches L only through {via}_a",
                     why_ko=f"W_{name}[a,b] 는 {via}_a 를 통해서만 L 에 영향을 준다"),
                Step(delta[name][a] * z[b],
                     why=f"{gate_name(name)} = {'tanh' if name == 'c' else 'σ'}(s_{name}) with s_{name} = W_{name} z "
                         f"+ b_{name}: ∂s_{name},a/∂W_{name}[a,b] = z_b, and δ_{name} collects the rest",
                     why_ko=f"s_{name} = W_{name} z + b_{name} 이므로 ∂s_{name},a/∂W_{name}[a,b] = z_b, 나머지는 δ_{name}"),
                index=(a, b), title=f"Weights of the {GATE_WORDS[name]} gate: δ_{name} [h_prev; x]ᵀ")
rule.derive("dL/dC_prev",
            Step(Derivative(L, C_prev[j]), dL_dC[j] * Derivative(C[j], C_prev[j]),
                 why="C_prev reaches L only through C", why_ko="C_prev 는 C 를 통해서만 L 에 영향을 준다"),
            Step(dL_dC[j] * f[j], why="∂C/∂C_prev = f: the additive cell path, scaled by the forget gate",
                 why_ko="∂C/∂C_prev = f: forget 게이트만 곱해지는 셀 상태의 덧셈 경로"),
            index=(j,), title="Back to the previous cell state")
rule.derive("dL/dz",
            Step(Derivative(L, z[j]), sum((Sum(delta[name][k] * W[name][k, j], (k, 1, H)) for name in GATES), 0),
                 why="z = [h_prev; x] feeds all four gates: ∂s_*,k/∂z_j = W_*[k,j], and δ_* = ∂L/∂s_*",
                 why_ko="z = [h_prev; x] 는 네 게이트 모두에 들어간다: ∂s_*,k/∂z_j = W_*[k,j], δ_* = ∂L/∂s_*"),
            index=(j,), hold=("z",), title="Back into the concatenation: ∂L/∂z = Σ_* W_*ᵀ δ_*")
back_to_z = sum((MatVec(Transpose(W[name]), delta[name]) for name in GATES), 0)
rule.derive("dL/dh_prev",
            Step(rule.symbol("dL/dh_prev"), Part(back_to_z, 0, H),
                 why="h_prev is the first H entries of z = [h_prev; x], which feeds all four gates: "
                     "∂L/∂z = Σ_* W_*ᵀ δ_*",
                 why_ko="h_prev 는 네 게이트 모두에 들어가는 z = [h_prev; x] 의 앞 H 개 성분: ∂L/∂z = Σ_* W_*ᵀ δ_*"),
            title="Back to the previous hidden state")

register(rule)
