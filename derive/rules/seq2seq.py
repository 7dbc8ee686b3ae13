"""seq2seq (DL 101, lecture 17): an encoder LSTM reads the source sentence into the context
(C_T, h_T); a decoder LSTM starts from it, predicts the target sentence word by word, and the
cross-entropy is summed over the output sequence. Backpropagation runs the decoder's BPTT first,
then carries the gradient back through the context into the encoder's weights.

Headline: the encoder has no output of its own, so ∂L/∂h_t is only what the step after hands
back; after the last step T that is the decoder's: ∂L/∂h_T = ∂L/∂h_0^dec and
∂L/∂C_T = ∂L/∂C_0^dec, the gradient through the context.

The rule is one step of the encoder's BPTT: the lecture's LSTM cell with no output, and the
two gradients that the later steps hand back, dh_next and dC_next. Its L is the later loss to
first order, L = Σ dh_next ⊙ h + Σ dC_next ⊙ C, so SymPy's diff proves every gradient of the
step exactly as BPTT uses it. At the encoder's last step, "later" is the whole decoder: the
context (h_T, C_T) is the decoder's first state, so dh_next and dC_next are the decoder's
∂L/∂h_0 and ∂L/∂C_0 (those of ``lstm_bptt``, whose cell is the decoder's step).

How it works
------------
The generated ``derive.numpy.seq2seq_loop`` (printed by :mod:`derive.codegen.recurrence`, as
``LOOP`` declares) runs the encoder forward over its T steps, then the decoder
(``derive.numpy.lstm_bptt_loop``, its own proven step, on its own weights ``*_dec``) from the
context with teacher forcing (the decoder reads the given previous target word at every step),
then the encoder backward from the gradients the decoder hands back. The encoder's and the
decoder's parameters are separate, as in the lecture.
"""

from derive.rules import lstm_bptt
from derive.rules._recurrent import (
    D,
    H,
    Handover,
    TimeLoop,
    lstm_backward,
    lstm_forward,
    lstm_inputs,
    lstm_step_gradients,
)
from derive.rules._vocabulary import *

a, b, j = symbols("a b j", integer=True, positive=True)

rule = Rule(
    "seq2seq",
    "The seq2seq encoder, one step of backpropagation from the gradient the decoder hands back "
    "through the context",
    headline="encoder: dL/dh = dh_next (no output); after the last step dh_next = dL/dh_0 and "
             "dC_next = dL/dC_0 of the decoder",
    source="Deep Learning 101, lecture 17 (seq2seq: encoder, context vector (C_T, h_T), decoder)",
    proof_sizes=[{H: 1, D: 1}, {H: 2, D: 1}],
    test_sizes={H: 3, D: 2},
    title_ko="seq2seq 인코더: 디코더가 컨텍스트를 거쳐 돌려준 기울기로 한 시점 역전파",
    source_ko="딥러닝 101, 17강 (seq2seq: 인코더, 컨텍스트 벡터 (C_T, h_T), 디코더)",
)
x = rule.input("x", (D,), Real(), note="the encoder's input word (its embedding) at this step",
               note_ko="이 시점 인코더의 입력 단어 (임베딩)")
h_prev = rule.input("h_prev", (H,), Real(0.5), note="previous hidden state of the encoder",
                    note_ko="인코더의 이전 은닉 상태")
C_prev = rule.input("C_prev", (H,), Real(), note="previous cell state of the encoder", note_ko="인코더의 이전 셀 상태")
W, bias = lstm_inputs(rule)
dh_next = rule.input("dh_next", (H,), Real(),
                     note="∂L/∂h handed back by the next encoder step; after the last step, the decoder's ∂L/∂h_0",
                     note_ko="다음 인코더 시점이 돌려준 ∂L/∂h; 마지막 시점에는 디코더의 ∂L/∂h_0")
dC_next = rule.input("dC_next", (H,), Real(),
                     note="∂L/∂C handed back by the next encoder step; after the last step, the decoder's ∂L/∂C_0",
                     note_ko="다음 인코더 시점이 돌려준 ∂L/∂C; 마지막 시점에는 디코더의 ∂L/∂C_0")

fw = lstm_forward(rule, x, h_prev, C_prev, W, bias)
h, C, f, z = fw["h"], fw["C"], fw["gate"]["f"], fw["z"]
L = rule.quantity("L", Total(dh_next * h) + Total(dC_next * C),
                  note="the later loss (the decoder's, through the context) to first order in h and C",
                  note_ko="이후의 손실 (컨텍스트를 거친 디코더의 손실) 을 h, C 에 대해 1차까지")
bw = lstm_backward(rule, fw, C_prev, W, None, None, dh_later=dh_next, dC_later=dC_next)
lstm_step_gradients(rule, fw, bw, W, C_prev)
dL_dC, delta = bw["dL_dC"], bw["delta"]

rule.derive(
    "dL/dh",
    Step(Derivative(L, h[j]), dh_next[j],
         why="the encoder has no output: h reaches L only through the next step's z = [h; x_next], "
             "or, after the last step, as the decoder's first state (the context)",
         why_ko="인코더에는 출력이 없다: h 는 다음 시점의 z = [h; x_next] 를 거쳐서만, 마지막 시점에는 "
                "디코더의 첫 상태 (컨텍스트) 로서만 L 에 영향을 준다"),
    index=(j,), hold=("h",),
    title="No output of its own: only what comes back", title_ko="자신의 출력이 없다: 돌아오는 기울기뿐",
)
rule.derive(
    "dL/dC",
    Step(Derivative(L, C[j]), dh_next[j] * Derivative(h[j], C[j]) + dC_next[j],
         why="C reaches L through h = o ⊙ tanh(C) and through the next cell state (dC_next), "
             "after the last step the decoder's C_0",
         why_ko="C 는 h = o ⊙ tanh(C) 와 다음 셀 상태 (dC_next) 를 거쳐 L 에 영향을 준다; 마지막 시점에는 "
                "디코더의 C_0"),
    Step(dh_next[j] * fw["gate"]["o"][j] * (1 - tanh(C[j]) ** 2) + dC_next[j],
         why="∂h/∂C = o ⊙ (1 − tanh²C)", why_ko="∂h/∂C = o ⊙ (1 − tanh²C)"),
    index=(j,), hold=("C",),
    title="The cell state: through h, and from the context", title_ko="셀 상태: h 를 거쳐, 그리고 컨텍스트에서",
)
rule.derive(
    "dL/dC_prev",
    Step(Derivative(L, C_prev[j]), dL_dC[j] * Derivative(C[j], C_prev[j]),
         why="C_prev reaches L only through C", why_ko="C_prev 는 C 를 통해서만 L 에 영향을 준다"),
    Step(dL_dC[j] * f[j], why="∂C/∂C_prev = f: one step back along the cell state multiplies by f only",
         why_ko="∂C/∂C_prev = f: 셀 상태를 따라 한 시점 거슬러 가면 f 만 곱해진다"),
    index=(j,),
    title="Back along the encoder's cell state", title_ko="인코더의 셀 상태를 따라 거슬러",
)
rule.derive(
    "dL/dW_f",
    Step(Derivative(L, W["f"][a, b]), dL_dC[a] * Derivative(C[a], W["f"][a, b]),
         why="W_f[a,b] reaches L only through C_a", why_ko="W_f[a,b] 는 C_a 를 통해서만 L 에 영향을 준다"),
    Step(delta["f"][a] * z[b],
         why="f = σ(W_f z + b_f): ∂C_a/∂W_f[a,b] = C_prev,a f_a(1 − f_a) z_b; over the T encoder steps these add up",
         why_ko="f = σ(W_f z + b_f): ∂C_a/∂W_f[a,b] = C_prev,a f_a(1 − f_a) z_b; 인코더 T 시점이면 모두 더함"),
    index=(a, b),
    title="The encoder's forget-gate weights", title_ko="인코더의 망각 게이트 가중치",
)

PARAMETER_GRADIENTS = ("dL/dW_o", "dL/dW_f", "dL/dW_i", "dL/dW_c", "dL/db_o", "dL/db_f", "dL/db_i", "dL/db_c")
LOOP = TimeLoop(
    "seq2seq_loop", "seq2seq: the encoder LSTM, the context (C_T, h_T), the decoder LSTM with a softmax "
    "cross-entropy at every output step, and backpropagation back through the context", rule,
    sequences=("x",), state={"h_prev": ("h", "h_0"), "C_prev": ("C", "C_0")},
    carry={"dh_next": "dL/dh_prev", "dC_next": "dL/dC_prev"},
    summed={name: name for name in PARAMETER_GRADIENTS},
    stacked={"h": "h", "C": "C", "dL/dh": "dL/dh", "dL/dC": "dL/dC", "dL/dx": "dL/dx"},
    first={"dL/dh_0": "dL/dh_prev", "dL/dC_0": "dL/dC_prev"},
    decoder=Handover(lstm_bptt.LOOP, context={"h_0": "h_prev", "C_0": "C_prev"},
                     handed_back={"dh_next": "dL/dh_0", "dC_next": "dL/dC_0"}, suffix="_dec"),
)
register(rule)
