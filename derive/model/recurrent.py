"""A recurrent model's rule: a cell unrolled over T steps, dense layers on its last state, BPTT.

Headline (plain RNN): δ_t = ∂L/∂z_h_t = (W_hhᵀ δ_{t+1}) ⊙ f′(z_h_t) and ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ;
(LSTM): ∂L/∂C_t = ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²C_t) + ∂L/∂C_{t+1} ⊙ f_{t+1}.

How it works
------------
:func:`build_recurrent_rule` writes a ``model:`` with ``recurrent:`` as one straight-line
rule, the cell repeated for t = 1..T, as ``rnn_bptt`` writes the lecture's RNN. For a plain
RNN named ``h`` with ``weights: separate``::

    z_h_t = W_xh x_t + W_hh h_{t−1} + b_h,   h_t = f(z_h_t)            forward, t = 1..T
    ... the dense layers and the loss of :mod:`derive.model.build`, reading h_T ...
    dL/dh_T = W_oᵀ δ_o                                                 where BPTT starts
    δ_t = dL/dh_t ⊙ f′(z_h_t),   dL/dh_{t−1} = W_hhᵀ δ_t                back through time, t = T..1
    dL/dW_xh = Σ_t δ_t x_tᵀ,   dL/dW_hh = Σ_t δ_t h_{t−1}ᵀ,   dL/db_h = Σ_t δ_t

The LSTM is the lecture's cell (``lstm_step``) with its gates named after the cell
(``f_h_t``, ``i_h_t``, ``C_tilde_h_t``, ``o_h_t``) and both states carried back: h_t
through the four gates of step t + 1, C_t additively through the forget gate. With
``weights: concat`` a unit reads ``hx_t = [h_{t−1}; x_t]``, and ``dL/dhx_t`` splits into
``dL/dh_{t−1}`` (its first H entries) and the row t of ``dL/dx`` (the rest). Every name
comes from :class:`~derive.model.spec.Recurrent`.

x is one input of shape (T, D), a row per step: :class:`Row` reads x_t and :class:`Stack`
puts the rows of dL/dx together. Both are array operations like those of
:mod:`derive.symbolic.arrays`, and print themselves (text, LaTeX, NumPy).

Nothing is typed as a result: each gradient quantity is proven against SymPy's diff of
the unrolled loss, with h_t, C_t or z_*_t held as independent variables for ∂L/∂h_t,
∂L/∂C_t, δ_t. The derivations show the recursion at every step and the local steps of
the LSTM at one step (the others are alike). The unrolled loss grows with T and the
widths, so large models are proven at widths of at most 2 (:func:`proof_sizes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.engine.domains import Positive, Real
from derive.engine.rule import Rule, Step
from derive.model.build import (
    ACTIVATIONS,
    D,
    _component,
    _penalty_input,
    _penalty_slope,
    _penalty_words,
    _target_domain,
    a_,
    b_,
    declare_parameters,
    dense_backward,
    dense_forward,
    k_,
    loss_head,
    updates,
    width,
)
from derive.model.spec import Model, Recurrent
from derive.symbolic.arrays import ArrayOp, Concat, MatVec, Outer, Part, Transpose

#: CPU seconds for each symbolic attempt in a recurrent model's proof (see build_recurrent_rule).
RECURRENT_SYMBOLIC_SECONDS = 1.0
#: Above this many weights × steps the rule is proven at one unit and one input (the same structure).
PROOF_WEIGHT_STEPS = 12
GATE_WORDS = {"f": ("forget", "망각"), "i": ("input", "입력"), "c": ("candidate", "후보"), "o": ("output", "출력")}


# -- the rows of a sequence ------------------------------------------------------------------------

class Row(ArrayOp):
    """x_t: the row t (0-based) of a (T, D) matrix, a vector of D. Printed x_{t+1}, as the lectures count."""

    nargs = 2
    precedence = 1000  # printed as a name (x_2): never in brackets

    @classmethod
    def result_shape(cls, a, t):
        return tuple(a[1:])

    @classmethod
    def on_components(cls, a, t):
        return a[int(t[()])]

    def _derive_text(self, printer):
        a, t = self.args
        return f"{printer._print(a)}_{int(t) + 1}"

    def _latex(self, printer):
        a, t = self.args
        return f"{printer._print(a)}_{{{int(t) + 1}}}"

    def _pythoncode(self, printer):
        a, t = self.args
        return f"{printer._print(a)}[..., {int(t)}, :]"

    _numpycode = _pythoncode


class Stack(ArrayOp):
    """[v_1ᵀ; v_2ᵀ; ...]: vectors of one length stacked as the rows of a matrix."""

    @classmethod
    def result_shape(cls, *shapes):
        return (len(shapes),) + tuple(shapes[0])

    @classmethod
    def on_components(cls, *rows):
        return np.stack(rows)

    def _derive_text(self, printer):
        return "[" + "; ".join(f"{printer.parenthesize(r, 100)}^T" for r in self.args) + "]"

    def _latex(self, printer):
        rows = r" \\ ".join(rf"\left({printer._print(r)}\right)^{{\top}}" for r in self.args)
        return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"

    def _pythoncode(self, printer):
        return f"numpy.stack([{', '.join(printer._print(r) for r in self.args)}], axis=-2)"

    _numpycode = _pythoncode


class Filled(ArrayOp):
    """The vector v (of ``size`` components), which the generated code also accepts as one number for
    every component: the initial state's default 0. Printed as v itself."""

    nargs = 2
    precedence = 1000

    @classmethod
    def result_shape(cls, v, size):
        return tuple(v)

    @classmethod
    def on_components(cls, v, size):
        return v

    def _derive_text(self, printer):
        return printer._print(self.args[0])

    def _latex(self, printer):
        return printer._print(self.args[0])

    def _pythoncode(self, printer):
        v, size = self.args
        return f"({printer._print(v)} + numpy.zeros({printer._print(size)}))"

    _numpycode = _pythoncode


# -- the cell's symbols ------------------------------------------------------------------------------

@dataclass
class Cell:
    """The cell as declared and unrolled: its parameters, and its quantities by step."""

    spec: Recurrent
    W: dict  #: unit gate ("" for the RNN) -> {"x" | "h" | "hx": weight}
    b: dict  #: gate -> bias or None
    x: object
    h: dict  #: t -> state (0: the initial state, an input)
    C: dict = field(default_factory=dict)  #: t -> cell state (LSTM)
    hx: dict = field(default_factory=dict)  #: t -> [h_{t−1}; x_t] (weights: concat)
    z: dict = field(default_factory=dict)  #: (gate, t) -> pre-activation
    out: dict = field(default_factory=dict)  #: (gate, t) -> output (the RNN's: the state)
    delta: dict = field(default_factory=dict)  #: (gate, t) -> dL/dz
    dhx: dict = field(default_factory=dict)  #: t -> dL/dhx_t (weights: concat)

    @property
    def gates(self) -> tuple[str, ...]:
        return ("",) if self.spec.cell == "rnn" else Recurrent.GATES

    @property
    def H(self):
        return width(self.spec.name)

    @property
    def T(self) -> int:
        return self.spec.steps

    def source(self, kind: str, t: int):
        """What a weight of kind ``x``, ``h`` or ``hx`` reads at step t: x_t, h_{t−1} or [h_{t−1}; x_t]."""
        return {"x": Row(self.x, t - 1), "h": self.state_in(t), "hx": self.hx.get(t)}[kind]

    def state_in(self, t: int):
        """h_{t−1}, the state step t reads (h_0 may be one number in the generated code)."""
        return Filled(self.h[0], self.H) if t == 1 else self.h[t - 1]

    def source_component(self, kind: str, t: int, index):
        """The same, one component (1-based): x[t, b], h_{t−1}[b], hx_t[b]."""
        if kind == "x":
            return self.x[t, index]
        return (self.h[t - 1] if kind == "h" else self.hx[t])[index]

    def weights(self):
        """(gate, kind, weight) of every weight matrix, in declaration order."""
        return [(g, kind, W) for g in self.gates for kind, W in self.W[g].items()]


def build_recurrent_rule(model: Model, *, name: str = "model", title: str = "", input_size: int = 2,
                         l2_half: bool = False) -> Rule:
    """The rule of a recurrent ``model``: the cell over T steps, the dense layers on h_T, BPTT, proven.

    ``input_size`` is D, the width of each row x_t; ``l2_half`` writes the L2 penalty (λ/2) Σ W².
    """
    spec = model.recurrent
    sizes = {D: input_size, width(spec.name): spec.units, **{width(layer.name): layer.units for layer in model.layers}}
    rule = Rule(name, title or describe(model), headline=headline(spec), source="your own model",
                proof_sizes=proof_sizes(model, sizes), test_sizes=sizes,
                # unrolled in time, most steps are beyond expand and simplify: where the polynomial stage
                # (derive.engine.polynomial, milliseconds for the LSTM's nested σ and tanh) does not prove
                # a step, it is proven numerically after 1 s of trying, not 15
                symbolic_seconds=RECURRENT_SYMBOLIC_SECONDS)
    cell = _declare_inputs(rule, model)
    params = declare_parameters(rule, model.layers, cell.H)
    lam = _penalty_input(rule, model)
    lr = rule.input("lr", (), Positive(0.01, 0.5), note="learning rate η", note_ko="학습률 η") if model.update else None

    for t in range(1, cell.T + 1):
        (_rnn_step if spec.cell == "rnn" else _lstm_step)(rule, cell, t)
    outputs = dense_forward(rule, model.layers, params, cell.h[cell.T])
    weighted = {**{f"{spec.name}:{W.name}": (W, None) for _, _, W in cell.weights()}, **params}
    head = loss_head(rule, model, outputs[-1], rule.symbol("y"), weighted, lam, l2_half)
    dense_backward(rule, model.layers, params, outputs, head, (spec.state(cell.T), cell.h[cell.T], cell.H),
                   lam, l2_half, model)

    for t in range(cell.T, 0, -1):
        (_rnn_back if spec.cell == "rnn" else _lstm_back)(rule, cell, t)
    _parameter_gradients(rule, cell, model, lam, l2_half)
    _input_gradients(rule, cell)
    _derivations(rule, cell, model, l2_half)
    if lr is not None:
        _cell_updates(rule, cell, lr)
        updates(rule, model.layers, params, lr)
    return rule


def describe(model: Model) -> str:
    spec = model.recurrent
    cell = "RNN" if spec.cell == "rnn" else "LSTM"
    act = f" ({spec.activation})" if spec.cell == "rnn" else ""
    widths = "-".join(str(layer.units) for layer in model.layers)
    acts = ", ".join(layer.activation for layer in model.layers)
    return (f"Your recurrent network: {cell}{act} over T = {spec.steps} steps, {spec.units} units, "
            f"then layers {widths} ({acts}), {model.loss.kind.replace('_', ' ')}")


def headline(spec: Recurrent) -> str:
    h = spec.name
    if spec.cell == "rnn":
        back = f"W_{h}{h}^T δ_(t+1)" if spec.weights == "separate" else f"[W_{h}^T δ_(t+1)]_(1:H)"
        return f"δ_t = ({back}) ⊙ f'(z_{h}_t);  dL/dW = Σ_t δ_t (what W reads at step t)^T"
    return (f"dL/dC_t = dL/d{h}_t ⊙ o_{h}_t ⊙ (1 − tanh²C_t) + dL/dC_(t+1) ⊙ f_{h}_(t+1);  "
            "dL/dW = Σ_t δ_t (what W reads at step t)^T")


def proof_sizes(model: Model, sizes: dict) -> list[dict]:
    """The model's own sizes when its weights, counted once per step, are few; else one unit and one
    input per step (the recursion is the same at any width) and layers of at most 2 units.

    The unrolled loss nests the cell T times, and SymPy's work on it grows quickly with the widths:
    a 3-step tanh RNN with H = D = 2 takes minutes to prove symbolically, with H = D = 1 seconds."""
    spec = model.recurrent
    H, Dx = sizes[width(spec.name)], sizes[D]
    weights = (1 if spec.cell == "rnn" else 4) * H * (H + Dx)
    before = H
    for layer in model.layers:
        weights += before * layer.units
        before = layer.units
    if weights * spec.steps <= PROOF_WEIGHT_STEPS:
        return [dict(sizes)]
    small = {d: min(n, 2) for d, n in sizes.items()}
    small.update({D: 1, width(spec.name): 1})
    return [small]


# -- inputs --------------------------------------------------------------------------------------------

def _declare_inputs(rule, model: Model) -> Cell:
    """x (T × D), y, the initial states (default 0) and the cell's weights and biases."""
    spec = model.recurrent
    H, T = width(spec.name), spec.steps
    x = rule.input("x", (T, D), Real(), note=f"the input sequence: row t is x_t (T = {T} rows of D)",
                   note_ko=f"입력 시퀀스: t번째 행이 x_t (T = {T}개의 행, 각 D개)")
    rule.input("y", (width(model.output.name),), _target_domain(model), note="target", note_ko="정답")
    cell = Cell(spec, {}, {}, x, {})
    widths = {"x": D, "h": H, "hx": H + D}
    reads = {"x": "x_t", "h": f"{spec.state('(t−1)')}", "hx": f"[{spec.state('(t−1)')}; x_t]"}
    for gate in cell.gates:
        unit = _unit_words(spec, gate)
        cell.W[gate] = {kind: rule.input(W, (H, widths[kind]), Real(0.7), note=f"weights of {unit[0]} on {reads[kind]}",
                                         note_ko=f"{unit[1]}의 {reads[kind]} 가중치")
                        for kind, W in spec.weight_names(gate).items()}
        cell.b[gate] = (rule.input(spec.bias_name(gate), (H,), Real(0.5), note=f"bias of {unit[0]}",
                                   note_ko=f"{unit[1]}의 편향") if spec.bias else None)
    # After the weights: the generated code reads the sizes from the first input with that axis,
    # and an initial state may be the plain number 0.
    cell.h[0] = rule.input(spec.state(0), (H,), Real(0.5), default=0.0, note="initial hidden state (default 0)",
                           note_ko="초기 은닉 상태 (기본값 0)")
    if spec.cell == "lstm":
        cell.C[0] = rule.input(spec.cell_state(0), (H,), Real(0.5), default=0.0,
                               note="initial cell state (default 0)", note_ko="초기 셀 상태 (기본값 0)")
    return cell


def _unit_words(spec: Recurrent, gate: str) -> tuple[str, str]:
    if not gate:
        return f"the RNN {spec.name}", f"RNN {spec.name}"
    en, ko = GATE_WORDS[gate]
    return f"the {en} gate {spec.unit(gate)}", f"{ko} 게이트 {spec.unit(gate)}"


# -- forward -------------------------------------------------------------------------------------------

def _pre_activation(rule, cell: Cell, gate: str, t: int):
    """z_U_t = W_xU x_t + W_hU h_{t−1} + b_U, or W_U [h_{t−1}; x_t] + b_U."""
    linear = sum((MatVec(W, cell.source(kind, t)) for kind, W in cell.W[gate].items()), sp.Integer(0))
    bias = cell.b[gate] if cell.b[gate] is not None else 0
    unit = _unit_words(cell.spec, gate)
    cell.z[gate, t] = rule.quantity(cell.spec.pre(gate, t), linear + bias,
                                    note=f"pre-activation of {unit[0]} at step {t}",
                                    note_ko=f"{t}번째 스텝에서 {unit[1]}의 활성화 전 값")
    return cell.z[gate, t]


def _join(rule, cell: Cell, t: int):
    if cell.spec.weights == "concat":
        cell.hx[t] = rule.quantity(cell.spec.joined(t), Concat(cell.state_in(t), Row(cell.x, t - 1)),
                                   note=f"the concatenation [{cell.spec.state(t - 1)}; x_{t}]",
                                   note_ko=f"이어 붙인 벡터 [{cell.spec.state(t - 1)}; x_{t}]")


def _rnn_step(rule, cell: Cell, t: int):
    """z_h_t and h_t = f(z_h_t)."""
    spec = cell.spec
    _join(rule, cell, t)
    z = _pre_activation(rule, cell, "", t)
    cell.h[t] = cell.out["", t] = rule.quantity(spec.state(t), ACTIVATIONS[spec.activation](z),
                                                note=f"hidden state at step {t} ({spec.activation})",
                                                note_ko=f"{t}번째 스텝의 은닉 상태 ({spec.activation})")


def _lstm_step(rule, cell: Cell, t: int):
    """The four gates, C_t = f ⊙ C_{t−1} + i ⊙ C̃ and h_t = o ⊙ tanh(C_t), as in ``lstm_step``."""
    spec = cell.spec
    _join(rule, cell, t)
    for gate in cell.gates:
        z = _pre_activation(rule, cell, gate, t)
        squash = sp.tanh if gate == "c" else ACTIVATIONS["sigmoid"]
        en, ko = GATE_WORDS[gate]
        cell.out[gate, t] = rule.quantity(spec.output(gate, t), squash(z), note=f"{en} gate at step {t}",
                                          note_ko=f"{t}번째 스텝의 {ko} 게이트")
    f, i, C_tilde, o = (cell.out[g, t] for g in cell.gates)
    C = cell.C[t] = rule.quantity(spec.cell_state(t), f * cell.C[t - 1] + i * C_tilde,
                                  note=f"cell state at step {t}", note_ko=f"{t}번째 스텝의 셀 상태")
    tanh_C = rule.quantity(f"_tanh_{spec.cell_state(t)}", sp.tanh(C),
                           note="tanh(C), computed once for h and the backward pass")
    cell.h[t] = rule.quantity(spec.state(t), o * sp.tanh(C), stable=o * tanh_C,
                              note=f"hidden state at step {t}", note_ko=f"{t}번째 스텝의 은닉 상태")


# -- backward through time -----------------------------------------------------------------------------

def _back_into_state(rule, cell: Cell, t: int):
    """dL/dh_t for t < T: what step t + 1 hands back (the head gives dL/dh_T)."""
    spec = cell.spec
    if spec.weights == "concat":
        value = Part(cell.dhx[t + 1], 0, cell.H)
    else:
        value = sum((MatVec(Transpose(cell.W[g]["h"]), cell.delta[g, t + 1]) for g in cell.gates), sp.Integer(0))
    return rule.quantity(f"dL/d{spec.state(t)}", value)


def _delta(rule, cell: Cell, gate: str, t: int, dL_dout):
    """δ = dL/dz of a unit at step t: the gradient at its output times the activation's slope."""
    spec = cell.spec
    activation = ACTIVATIONS[spec.activation if not gate else "tanh" if gate == "c" else "sigmoid"]
    cell.delta[gate, t] = rule.quantity(f"dL/d{spec.pre(gate, t)}",
                                        dL_dout * activation.slope(cell.out[gate, t], cell.z[gate, t]))


def _joined_gradient(rule, cell: Cell, t: int):
    """dL/dhx_t = Σ_units W_Uᵀ δ_U,t: the concatenation feeds every unit (weights: concat)."""
    if cell.spec.weights == "concat":
        cell.dhx[t] = rule.quantity(f"dL/d{cell.spec.joined(t)}",
                                    sum((MatVec(Transpose(cell.W[g]["hx"]), cell.delta[g, t]) for g in cell.gates),
                                        sp.Integer(0)))


def _rnn_back(rule, cell: Cell, t: int):
    dL_dh = rule.symbol(f"dL/d{cell.spec.state(t)}") if t == cell.T else _back_into_state(rule, cell, t)
    _delta(rule, cell, "", t, dL_dh)
    _joined_gradient(rule, cell, t)


def _lstm_back(rule, cell: Cell, t: int):
    spec = cell.spec
    dL_dh = rule.symbol(f"dL/d{spec.state(t)}") if t == cell.T else _back_into_state(rule, cell, t)
    C, tanh_C = cell.C[t], rule.symbol(f"_tanh_{spec.cell_state(t)}")
    o = cell.out["o", t]
    dL_do = rule.quantity(f"dL/d{spec.output('o', t)}", dL_dh * sp.tanh(C), stable=dL_dh * tanh_C)
    later = rule.symbol(f"dL/d{spec.cell_state(t + 1)}") * cell.out["f", t + 1] if t < cell.T else 0
    slope = ACTIVATIONS["tanh"].slope
    dL_dC = rule.quantity(f"dL/d{spec.cell_state(t)}", dL_dh * o * slope(sp.tanh(C), C) + later,
                          stable=dL_dh * o * slope(tanh_C, C) + later)
    dL_dgate = {"o": dL_do,
                "f": rule.quantity(f"dL/d{spec.output('f', t)}", dL_dC * cell.C[t - 1]),
                "i": rule.quantity(f"dL/d{spec.output('i', t)}", dL_dC * cell.out["c", t]),
                "c": rule.quantity(f"dL/d{spec.output('c', t)}", dL_dC * cell.out["i", t])}
    for gate in cell.gates:
        _delta(rule, cell, gate, t, dL_dgate[gate])
    _joined_gradient(rule, cell, t)


def _parameter_gradients(rule, cell: Cell, model: Model, lam, l2_half):
    """dL/dW = Σ_t δ_t (what W reads at t)ᵀ (+ the penalty's slope), dL/db = Σ_t δ_t."""
    steps = range(1, cell.T + 1)
    for gate in cell.gates:
        for kind, W in cell.W[gate].items():
            rule.quantity(f"dL/d{W.name}", sum((Outer(cell.delta[gate, t], cell.source(kind, t)) for t in steps),
                                               sp.Integer(0)) + _penalty_slope(model, W, lam, l2_half))
        if cell.b[gate] is not None:
            rule.quantity(f"dL/d{cell.b[gate].name}", sum((cell.delta[gate, t] for t in steps), sp.Integer(0)))


def _input_gradients(rule, cell: Cell):
    """dL/dh_0 (and dL/dC_0), and dL/dx row by row."""
    spec = cell.spec
    _back_into_state(rule, cell, 0)
    if spec.cell == "lstm":
        rule.quantity(f"dL/d{spec.cell_state(0)}", rule.symbol(f"dL/d{spec.cell_state(1)}") * cell.out["f", 1])
    if spec.weights == "concat":
        rows = [Part(cell.dhx[t], cell.H, cell.H + D) for t in range(1, cell.T + 1)]
    else:
        rows = [sum((MatVec(Transpose(cell.W[g]["x"]), cell.delta[g, t]) for g in cell.gates), sp.Integer(0))
                for t in range(1, cell.T + 1)]
    rule.quantity("dL/dx", Stack(*rows))


def _cell_updates(rule, cell: Cell, lr):
    for gate in cell.gates:
        for P in [*cell.W[gate].values(), cell.b[gate]]:
            if P is not None:
                rule.quantity(f"{P.name}_new", P - lr * rule.symbol(f"dL/d{P.name}"), note="after one gradient step",
                              note_ko="경사하강법 한 번 뒤")


# -- derivations ---------------------------------------------------------------------------------------

def _derivations(rule, cell: Cell, model: Model, l2_half):
    """The recursion at every step; the LSTM's local steps at one step; the weights as sums over time."""
    L = rule.symbol("L")
    spec = cell.spec
    for t in range(cell.T, 0, -1):
        if t < cell.T:
            _derive_state(rule, cell, t, L)
        if spec.cell == "rnn":
            _derive_delta(rule, cell, "", t, L)
        else:
            _derive_cell_state(rule, cell, t, L)
        if spec.weights == "concat" and (spec.cell == "rnn" or t == _shown(cell)):
            _derive_joined(rule, cell, t, L)
    if spec.cell == "lstm":
        _derive_gates(rule, cell, _shown(cell), L)
    for gate in ("",) if spec.cell == "rnn" else ("f",):
        for kind, W in cell.W[gate].items():
            _derive_weight(rule, cell, model, gate, kind, W, L, l2_half)
    _derive_start(rule, cell, L)


def _shown(cell: Cell) -> int:
    """The step whose local LSTM derivatives are shown: one with a later step, the latest such."""
    return max(cell.T - 1, 1)


def _derive_state(rule, cell: Cell, t: int, L):
    """dL/dh_t = what the units of step t + 1 send back."""
    spec = cell.spec
    h, name, H = cell.h[t], spec.state(t), cell.H
    if spec.weights == "concat":
        joined = spec.joined(t + 1)
        step = Step(sp.Derivative(L, h[b_]), cell.dhx[t + 1][b_],
                    why=f"{name} reaches L only as the first n_{spec.name} entries of {joined} = [{name}; x_{t + 1}]",
                    why_ko=f"{name} 는 {joined} = [{name}; x_{t + 1}] 의 앞 n_{spec.name} 개 성분으로만 L 에 영향을 준다")
    else:
        rhs = sp.Add(*(sp.Sum(cell.delta[g, t + 1][k_] * cell.W[g]["h"][k_, b_], (k_, 1, H)) for g in cell.gates))
        units = ", ".join(spec.pre(g, t + 1) for g in cell.gates)
        weights = ", ".join(cell.W[g]["h"].name for g in cell.gates)
        step = Step(sp.Derivative(L, h[b_]), rhs,
                    why=f"{name} reaches L only through the next step's {units} (by {weights}): "
                        "∂z_k/∂h_b = W[k,b]; sum over k" + ("" if spec.cell == "rnn" else " and the four gates"),
                    why_ko=f"{name} 는 다음 스텝의 {units} 를 거쳐서만 L 에 영향을 준다: ∂z_k/∂h_b = W[k,b]; k 에 대해 합한다"
                           + ("" if spec.cell == "rnn" else ", 네 게이트에 대해서도 합한다"))
    rule.derive(f"dL/d{name}", step, index=(b_,), hold=(name,),
                title=f"Back through time: step {t + 1} hands dL/d{name} back",
                title_ko=f"시간을 거슬러: {t + 1}번째 스텝이 dL/d{name} 를 돌려준다")


def _derive_delta(rule, cell: Cell, gate: str, t: int, L):
    """δ_U,t = dL/d(output) ⊙ f′(z_U,t)."""
    spec = cell.spec
    z, out = cell.z[gate, t], cell.out[gate, t]
    out_name = spec.output(gate, t)
    act = spec.activation if not gate else "tanh" if gate == "c" else "sigmoid"
    activation = ACTIVATIONS[act]
    rule.derive(f"dL/d{spec.pre(gate, t)}",
                Step(sp.Derivative(L, z[a_]),
                     rule.symbol(f"dL/d{out_name}")[a_] * activation.slope(out[a_], z[a_]),
                     why=f"chain rule through {out_name} = f({spec.pre(gate, t)}); {activation.slope_words}",
                     why_ko=f"{out_name} = f({spec.pre(gate, t)}) 를 거치는 연쇄 법칙; {activation.slope_words_ko}"),
                index=(a_,), hold=(spec.pre(gate, t),),
                title=f"δ at step {t}: dL/d{spec.pre(gate, t)} = dL/d{out_name} ⊙ f′",
                title_ko=f"{t}번째 스텝의 δ: dL/d{spec.pre(gate, t)} = dL/d{out_name} ⊙ f′")


def _derive_joined(rule, cell: Cell, t: int, L):
    spec = cell.spec
    name = spec.joined(t)
    rhs = sp.Add(*(sp.Sum(cell.delta[g, t][k_] * cell.W[g]["hx"][k_, b_], (k_, 1, cell.H)) for g in cell.gates))
    rule.derive(f"dL/d{name}",
                Step(sp.Derivative(L, cell.hx[t][b_]), rhs,
                     why=f"{name} feeds every unit of step {t}: ∂z_k/∂{name}_b = W[k,b]; sum over k"
                         + ("" if spec.cell == "rnn" else " and over the four gates"),
                     why_ko=f"{name} 는 {t}번째 스텝의 모든 유닛에 들어간다: ∂z_k/∂{name}_b = W[k,b]; k 에 대해 합한다"
                            + ("" if spec.cell == "rnn" else ", 네 게이트에 대해서도 합한다")),
                index=(b_,), hold=(name,), title=f"Back into the concatenation: dL/d{name} = Σ Wᵀ δ",
                title_ko=f"이어 붙인 벡터로: dL/d{name} = Σ Wᵀ δ")


def _derive_cell_state(rule, cell: Cell, t: int, L):
    """dL/dC_t: through h_t, and additively into C_{t+1} (the LSTM's headline)."""
    spec = cell.spec
    C, h, o = cell.C[t], spec.state(t), cell.out["o", t]
    dL_dh = rule.symbol(f"dL/d{h}")
    rhs = dL_dh[a_] * o[a_] * (1 - sp.tanh(C[a_]) ** 2)
    words = f"through {h} = {spec.output('o', t)} ⊙ tanh(C_{t}): ∂h/∂C = o ⊙ (1 − tanh²C)"
    words_ko = f"{h} = {spec.output('o', t)} ⊙ tanh(C_{t}) 를 거쳐: ∂h/∂C = o ⊙ (1 − tanh²C)"
    if t < cell.T:
        rhs += rule.symbol(f"dL/d{spec.cell_state(t + 1)}")[a_] * cell.out["f", t + 1][a_]
        f_next = spec.output("f", t + 1)
        words += f"; and into C_{t + 1} = {f_next} ⊙ C_{t} + ...: ∂C_{t + 1}/∂C_{t} = {f_next}; the two paths add"
        words_ko += f"; 또 C_{t + 1} = {f_next} ⊙ C_{t} + ... 로: ∂C_{t + 1}/∂C_{t} = {f_next}; 두 경로를 더한다"
    rule.derive(f"dL/dC_{t}", Step(sp.Derivative(L, C[a_]), rhs, why=words, why_ko=words_ko),
                index=(a_,), hold=(spec.cell_state(t),),
                title=f"The cell state at step {t}" + (": two paths, one additive through time" if t < cell.T else ""),
                title_ko=f"{t}번째 스텝의 셀 상태" + (": 두 경로, 시간 방향으로는 덧셈" if t < cell.T else ""))


def _derive_gates(rule, cell: Cell, t: int, L):
    """The four gates' gradients and their δ at step t, as ``lstm_step`` derives them."""
    spec = cell.spec
    C, h = cell.C[t], cell.h[t]
    dL_dh, dL_dC = rule.symbol(f"dL/d{spec.state(t)}"), rule.symbol(f"dL/d{spec.cell_state(t)}")
    o_name = spec.output("o", t)
    rule.derive(f"dL/d{o_name}",
                Step(sp.Derivative(L, cell.out["o", t][a_]), dL_dh[a_] * sp.Derivative(h[a_], cell.out["o", t][a_]),
                     why=f"{o_name} reaches L only through {spec.state(t)} = {o_name} ⊙ tanh(C_{t})",
                     why_ko=f"{o_name} 는 {spec.state(t)} = {o_name} ⊙ tanh(C_{t}) 를 통해서만 L 에 영향을 준다"),
                Step(dL_dh[a_] * sp.tanh(C[a_]), why="∂h/∂o = tanh(C)", why_ko="∂h/∂o = tanh(C)"),
                index=(a_,), hold=(o_name,), title=f"Output gate at step {t}: ∂h/∂o = tanh(C)",
                title_ko=f"{t}번째 스텝의 출력 게이트: ∂h/∂o = tanh(C)")
    factors = {"f": (cell.C[t - 1], f"C_{t - 1}"), "i": (cell.out["c", t], spec.output("c", t)),
               "c": (cell.out["i", t], spec.output("i", t))}
    for gate, (factor, factor_name) in factors.items():
        name = spec.output(gate, t)
        held = cell.out[gate, t]
        en, ko = GATE_WORDS[gate]
        rule.derive(f"dL/d{name}",
                    Step(sp.Derivative(L, held[a_]), dL_dC[a_] * sp.Derivative(C[a_], held[a_]),
                         why=f"{name} reaches L only through C_{t} = {spec.output('f', t)} ⊙ C_{t - 1} "
                             f"+ {spec.output('i', t)} ⊙ {spec.output('c', t)}",
                         why_ko=f"{name} 는 C_{t} = {spec.output('f', t)} ⊙ C_{t - 1} + {spec.output('i', t)} ⊙ "
                                f"{spec.output('c', t)} 를 통해서만 L 에 영향을 준다"),
                    Step(dL_dC[a_] * factor[a_], why=f"∂C/∂{name} = {factor_name}", why_ko=f"∂C/∂{name} = {factor_name}"),
                    index=(a_,), hold=(name,), title=f"The {en} gate's output at step {t}",
                    title_ko=f"{t}번째 스텝의 {ko} 게이트 출력")
    for gate in cell.gates:
        _derive_delta(rule, cell, gate, t, L)


def _derive_weight(rule, cell: Cell, model: Model, gate: str, kind: str, W, L, l2_half):
    """dL/dW: through the last state, whose derivative by W is recursive; unrolled, a sum over the steps."""
    spec = cell.spec
    last, H = cell.h[cell.T], cell.H
    penalty = _component(_penalty_slope(model, W, None if model.penalty is None else rule.symbol("lam"), l2_half), W)
    read = {"x": "x_t", "h": spec.state("(t−1)"), "hx": spec.joined("t")}[kind]
    rule.derive(f"dL/d{W.name}",
                Step(sp.Derivative(L, W[a_, b_]),
                     sp.Sum(rule.symbol(f"dL/d{spec.state(cell.T)}")[k_] * sp.Derivative(last[k_], W[a_, b_]),
                            (k_, 1, H)) + penalty,
                     why=f"{W.name} reaches the layers only through the last state {spec.state(cell.T)}, which uses "
                         f"{W.name} at every step, directly and through {spec.state(cell.T - 1)}: a recursive "
                         "derivative" + _penalty_words(model, l2_half),
                     why_ko=f"{W.name} 는 마지막 상태 {spec.state(cell.T)} 를 통해서만 층들에 영향을 주고, 그 상태는 "
                            f"모든 스텝에서 {W.name} 를 직접, 또 {spec.state(cell.T - 1)} 를 통해 쓴다: 재귀적인 미분"
                            + _penalty_words(model, l2_half, "ko")),
                Step(sp.Add(*(cell.delta[gate, t][a_] * cell.source_component(kind, t, b_)
                              for t in range(1, cell.T + 1))) + penalty,
                     why=f"unrolled from the last step back, δ_t = dL/d{spec.pre(gate, 't')} collects every path "
                         f"through step t, and ∂z_t,a/∂{W.name}[a,b] = ({read})_b: one term per step",
                     why_ko=f"마지막 스텝부터 거꾸로 풀면 δ_t = dL/d{spec.pre(gate, 't')} 가 t번째 스텝을 지나는 모든 "
                            f"경로를 모으고, ∂z_t,a/∂{W.name}[a,b] = ({read})_b: 스텝마다 한 항"),
                index=(a_, b_), title=f"dL/d{W.name}: a sum over time of δ_t ({read})ᵀ",
                title_ko=f"dL/d{W.name}: 시간에 대한 δ_t ({read})ᵀ 의 합")


def _derive_start(rule, cell: Cell, L):
    """dL/dh_0 and the first row of dL/dx: what the first step sends back to its inputs."""
    spec = cell.spec
    h0 = spec.state(0)
    if spec.weights == "concat":
        state_rhs = cell.dhx[1][b_]
        x_rhs = cell.dhx[1][cell.H + b_]
        why = (f"{h0} and x_1 are the two blocks of {spec.joined(1)} = [{h0}; x_1]",
               f"{h0} 와 x_1 은 {spec.joined(1)} = [{h0}; x_1] 의 두 블록이다")
    else:
        state_rhs = sp.Add(*(sp.Sum(cell.delta[g, 1][k_] * cell.W[g]["h"][k_, b_], (k_, 1, cell.H)) for g in cell.gates))
        x_rhs = sp.Add(*(sp.Sum(cell.delta[g, 1][k_] * cell.W[g]["x"][k_, b_], (k_, 1, cell.H)) for g in cell.gates))
        why = (f"{h0} and x_1 enter only step 1: ∂z_k/∂(input)_b = W[k,b]; sum over k",
               f"{h0} 와 x_1 은 1번째 스텝에만 들어간다: ∂z_k/∂(입력)_b = W[k,b]; k 에 대해 합한다")
    rule.derive(f"dL/d{h0}", Step(sp.Derivative(L, cell.h[0][b_]), state_rhs, why=why[0], why_ko=why[1]),
                index=(b_,), title="Back to the initial state", title_ko="초기 상태로")
    rule.derive("dL/dx", Step(sp.Derivative(L, cell.x[1, b_]), x_rhs, why=why[0], why_ko=why[1]),
                index=(1, b_), title="Back to the input: row 1 of dL/dx (every row alike)",
                title_ko="입력으로: dL/dx 의 1번째 행 (다른 행도 같다)")
    if spec.cell == "lstm":
        rule.derive(f"dL/d{spec.cell_state(0)}",
                    Step(sp.Derivative(L, cell.C[0][a_]), rule.symbol("dL/dC_1")[a_] * cell.out["f", 1][a_],
                         why=f"C_0 reaches L only through C_1 = {spec.output('f', 1)} ⊙ C_0 + ...",
                         why_ko=f"C_0 는 C_1 = {spec.output('f', 1)} ⊙ C_0 + ... 를 통해서만 L 에 영향을 준다"),
                    index=(a_,), title="Back to the initial cell state: the forget gate alone",
                    title_ko="초기 셀 상태로: 망각 게이트만 곱해진다")
