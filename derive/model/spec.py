"""A model description, read and checked: the ``model:`` of a worked file, or a dict.

The format is the contract's ("Model files"); recurrent models extend it (see
``docs/models.md``)::

    model:
      layers:
        - {name: h, units: 2, activation: sigmoid}
        - {name: o, units: 2, activation: sigmoid, bias: true}
      loss: {kind: squared_error, half: true}
      penalty: {l2: 0.01}          # optional
      update: true                 # optional: W_new = W − lr ∂L/∂W

    model:                         # a recurrent model: a cell over T steps, then the layers
      recurrent: {cell: lstm, name: h, units: 2, steps: 3, weights: concat}
      layers: [{name: o, units: 2, activation: softmax}]
      loss: cross_entropy

:func:`read_model` turns the raw mapping (from YAML: dicts, lists and scalars
that carry their ``text``; from Python: plain values) into a :class:`Model`, or
raises an :class:`~derive.errors.InputError` naming the field (``model.layers[1].activation``)
and what was expected. Nothing here knows SymPy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.errors import InputError

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")
LOSSES = ("cross_entropy", "binary_cross_entropy", "squared_error", "hinge")
#: The last layer each loss needs (the contract's pairings).
LOSS_HEADS = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid", "hinge": "linear"}
CELLS = ("rnn", "lstm")
WEIGHTS = ("separate", "concat")
RESERVED = ("x", "y", "L", "lr", "lam", "C")
MAX_LAYERS = 12
MAX_UNITS = 4096
MAX_STEPS = 50
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$")

LAYER_KEYS = ("name", "units", "activation", "bias")
RECURRENT_KEYS = ("cell", "name", "units", "steps", "activation", "weights", "bias")
MODEL_KEYS = ("layers", "loss", "penalty", "update", "recurrent")
LOSS_KEYS = ("kind", "half", "reduce")


@dataclass(frozen=True)
class Layer:
    """A dense layer: z_N = W_N a + b_N, N = f(z_N)."""

    name: str
    units: int
    activation: str
    bias: bool = True


@dataclass(frozen=True)
class Recurrent:
    """A recurrent cell over ``steps`` time steps, before the dense layers (which read its last state).

    Every name the cell gives its inputs and quantities is spelled here (``docs/models-recurrent.md``
    lists them). For a cell named ``h``, at step t (``h_0`` is the initial state):

    * a plain RNN is one *unit* named ``h``: ``z_h_t`` (pre-activation) and the state ``h_t``;
    * an LSTM has four units, its gates, named after the gate and the cell: ``f_h`` (forget),
      ``i_h`` (input), ``c_h`` (candidate) and ``o_h`` (output), with pre-activations ``z_f_h_t``
      and outputs ``f_h_t``, ``i_h_t``, ``C_tilde_h_t`` (the candidate C̃) and ``o_h_t``; then
      the cell state ``C_t`` and the state ``h_t``. The cell's name keeps the gates apart from
      the dense layers' names: a dense layer ``o`` has ``W_o``, the output gate ``W_o_h``;
    * a unit ``U`` reads ``x_t`` with ``W_xU`` and ``h_{t-1}`` with ``W_hU`` (``weights: separate``:
      ``W_xh`` and ``W_hh`` for the RNN, ``W_xf_h`` and ``W_hf_h`` for the forget gate; the ``h``
      after ``W_`` is the cell's name), or the concatenation ``hx_t = [h_{t-1}; x_t]`` with ``W_U``
      (``weights: concat``: ``W_h``, ``W_f_h``); its bias is ``b_U``.

    :meth:`claimed` lists the layer names these would meet (``h_2``, ``xh``, ``f_h``...); the reader
    refuses a dense layer with one of them.
    """

    cell: str  # "rnn" or "lstm"
    name: str
    units: int
    steps: int
    activation: str = "tanh"  # the plain RNN's; the LSTM's gates are fixed
    weights: str = "separate"  # "separate": W_x<N> on x_t and W_<N><N> on N_{t-1}; "concat": W_<N> on [N_{t-1}; x_t]
    bias: bool = True

    #: The LSTM's gates in the lecture's order: forget, input, candidate, output.
    GATES = ("f", "i", "c", "o")

    def unit(self, gate: str = "") -> str:
        """The unit of a gate (``f_h``), or the RNN's (``h``) for ``gate=""``."""
        return f"{gate}_{self.name}" if gate else self.name

    def state(self, t: int) -> str:
        """The hidden state at step t: ``h_2``; ``h_0`` is the initial state."""
        return f"{self.name}_{t}"

    def cell_state(self, t: int) -> str:
        """The LSTM's cell state at step t: ``C_2``; ``C_0`` is the initial cell state."""
        return f"C_{t}"

    def pre(self, gate: str, t: int) -> str:
        """The pre-activation of a unit at step t: ``z_h_2``, ``z_f_h_2``."""
        return f"z_{self.unit(gate)}_{t}"

    def output(self, gate: str, t: int) -> str:
        """A unit's output at step t: the RNN's state ``h_2``, a gate ``f_h_2``, the candidate ``C_tilde_h_2``."""
        if not gate:
            return self.state(t)
        return f"C_tilde_{self.name}_{t}" if gate == "c" else f"{self.unit(gate)}_{t}"

    def joined(self, t: int) -> str:
        """The concatenation [h_{t-1}; x_t] that ``weights: concat`` reads: ``hx_2``."""
        return f"{self.name}x_{t}"

    def weight_names(self, gate: str = "") -> dict[str, str]:
        """What a unit's weights read, and their names: {"x": "W_xh", "h": "W_hh"} or {"hx": "W_h"}."""
        unit = self.unit(gate)
        if self.weights == "concat":
            return {"hx": f"W_{unit}"}
        return {"x": f"W_x{unit}", "h": f"W_{self.name}{unit}"}

    def bias_name(self, gate: str = "") -> str:
        return f"b_{self.unit(gate)}"

    def claimed(self) -> set[str]:
        """The layer names a dense layer may not take: those whose names (N, z_N, W_N, b_N, W_N_new)
        would meet one of the cell's."""
        gates = ("",) if self.cell == "rnn" else self.GATES
        names = {self.state(t) for t in range(self.steps + 1)}
        for gate in gates:
            names |= set(self.weight_names(gate).values()) | {self.bias_name(gate)}
            names |= {f"{w}_new" for w in set(self.weight_names(gate).values()) | {self.bias_name(gate)}}
            names |= {self.pre(gate, t) for t in range(1, self.steps + 1)}
            names |= {self.output(gate, t) for t in range(1, self.steps + 1)}
        if self.cell == "lstm":
            names |= {self.cell_state(t) for t in range(self.steps + 1)}
        if self.weights == "concat":
            names |= {self.joined(t) for t in range(1, self.steps + 1)}
        return names | {n[2:] for n in names if n.startswith(("z_", "W_", "b_"))}


@dataclass(frozen=True)
class Loss:
    kind: str
    half: bool = False  # squared error: ½ Σ
    reduce: str = "sum"  # squared error: "sum" or "mean" over the outputs


@dataclass(frozen=True)
class Penalty:
    kind: str  # "l1" or "l2"
    strength: float  # λ
    text: str  # λ as written


@dataclass(frozen=True)
class Model:
    layers: tuple[Layer, ...]
    loss: Loss
    penalty: Penalty | None = None
    update: bool = False
    recurrent: Recurrent | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The layer names, the recurrent cell's first."""
        return ((self.recurrent.name,) if self.recurrent else ()) + tuple(layer.name for layer in self.layers)

    @property
    def output(self) -> Layer:
        return self.layers[-1]


# -- reading ---------------------------------------------------------------------------------------

class _Reader:
    """Reads one model node; every failure names ``path`` and the field."""

    def __init__(self, path: str | None, prefix: str = "model"):
        self.path = path
        self.prefix = prefix

    def fail(self, field: str, message: str):
        raise InputError(message, path=self.path, field=f"{self.prefix}.{field}" if field else self.prefix)

    def mapping(self, node, field: str, keys: tuple[str, ...], what: str) -> dict:
        if not isinstance(node, dict):
            self.fail(field, f"expected a mapping ({what}), got {_describe(node)}")
        for key in node:
            if key not in keys:
                self.fail(f"{field}.{key}" if field else key,
                          f"unknown key {key!r}; expected one of: {', '.join(keys)}")
        return node

    def text(self, node, field: str, choices: tuple[str, ...] | None = None, what: str = "a name") -> str:
        value = _plain(node)
        if not isinstance(value, str) or not value:
            self.fail(field, f"expected {what}, got {_describe(node)}")
        if choices is not None and value not in choices:
            self.fail(field, f"unknown {field.rsplit('.', 1)[-1]} {value!r}; expected one of: {', '.join(choices)}")
        return value

    def integer(self, node, field: str, low: int, high: int, what: str) -> int:
        value = _plain(node)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"expected {what} (a whole number), got {_describe(node)}")
        if not low <= value <= high:
            self.fail(field, f"expected {what} from {low} to {high}, got {value}")
        return value

    def boolean(self, node, field: str) -> bool:
        value = _plain(node)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
        self.fail(field, f"expected true or false, got {_describe(node)}")

    def number(self, node, field: str, what: str) -> tuple[float, str]:
        value = _plain(node)
        if isinstance(value, bool):
            self.fail(field, f"expected {what}, got {_describe(node)}")
        if isinstance(value, (int, float)):
            return float(value), repr(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", value.strip()):
            return float(value), value.strip()
        self.fail(field, f"expected {what}, got {_describe(node)}")

    def name(self, node, field: str, taken: set[str]) -> str:
        value = self.text(node, field, what="a layer name (letters, digits and _)")
        if not _NAME.match(value):
            self.fail(field, f"expected a layer name of letters, digits and single _ (such as h or h_1), got {value!r}")
        if value in RESERVED:
            self.fail(field, f"{value!r} is reserved (x, y, L, lr, lam and C are the input, target, loss, "
                             "learning rate, penalty strength and LSTM cell state); choose another name")
        if value in taken:
            self.fail(field, f"the name {value!r} is used twice; every layer needs its own")
        taken.add(value)
        return value


def read_model(node, *, path: str | None = None, prefix: str = "model") -> Model:
    """The :class:`Model` a ``model:`` node describes; an InputError names the field at fault."""
    read = _Reader(path, prefix)
    read.mapping(node, "", MODEL_KEYS, "layers, loss and optionally penalty, update, recurrent")
    taken: set[str] = set()
    recurrent = _recurrent(read, node["recurrent"], taken) if "recurrent" in node else None
    if "layers" not in node:
        read.fail("layers", "missing: expected a list of layers such as "
                            "[{name: h, units: 2, activation: sigmoid}, {name: o, units: 1, activation: linear}]")
    raw_layers = node["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        read.fail("layers", f"expected a non-empty list of layers, got {_describe(raw_layers)}")
    if len(raw_layers) > MAX_LAYERS:
        read.fail("layers", f"expected at most {MAX_LAYERS} layers, got {len(raw_layers)}")
    layers = tuple(_layer(read, raw, f"layers[{i}]", taken, last=i == len(raw_layers) - 1)
                   for i, raw in enumerate(raw_layers))
    if "loss" not in node:
        read.fail("loss", "missing: expected cross_entropy, binary_cross_entropy, squared_error or hinge")
    loss = _loss(read, node["loss"])
    needed = LOSS_HEADS.get(loss.kind)
    last = layers[-1]
    if needed is not None and last.activation != needed:
        read.fail(f"layers[{len(layers) - 1}].activation",
                  f"the loss {loss.kind} needs a {needed} last layer, but {last.name!r} is {last.activation}")
    if loss.kind == "squared_error" and last.activation == "softmax":
        read.fail(f"layers[{len(layers) - 1}].activation",
                  "a softmax last layer goes with the loss cross_entropy, not squared_error")
    if loss.kind == "hinge" and last.units < 2:
        read.fail(f"layers[{len(layers) - 1}].units", "the multiclass hinge loss needs at least 2 classes")
    if last.activation == "softmax" and last.units < 2:
        read.fail(f"layers[{len(layers) - 1}].units", "a softmax layer needs at least 2 units")
    penalty = _penalty(read, node["penalty"]) if "penalty" in node else None
    update = read.boolean(node["update"], "update") if "update" in node else False
    model = Model(layers, loss, penalty, update, recurrent)
    _no_clashes(read, model)
    return model


def _no_clashes(read: _Reader, model: Model) -> None:
    """Two layers whose quantities would share a name (a layer z_h beside h's pre-activation z_h), or a
    layer named like the penalty's terms E and R."""
    offset = 0 if model.recurrent is None else -1
    taken = {"E": "the data term of the loss", "R": "the penalty"} if model.penalty else {}
    for index, name in enumerate(model.names):
        field = "recurrent.name" if index + offset < 0 else f"layers[{index + offset}].name"
        for own in (name, f"z_{name}", f"W_{name}", f"b_{name}"):
            if own in taken:
                read.fail(field, f"the layer {name!r} would name a quantity {own}, which is already "
                                 f"{taken[own]}; choose another name")
        for own in (name, f"z_{name}", f"W_{name}", f"b_{name}"):
            taken[own] = f"a quantity of the layer {name!r}"


def _layer(read: _Reader, raw, field: str, taken: set[str], *, last: bool) -> Layer:
    read.mapping(raw, field, LAYER_KEYS, "name, units, activation and optionally bias")
    for key in ("name", "units", "activation"):
        if key not in raw:
            read.fail(f"{field}.{key}", "missing")
    name = read.name(raw["name"], f"{field}.name", taken)
    units = read.integer(raw["units"], f"{field}.units", 1, MAX_UNITS, "the number of units")
    activation = read.text(raw["activation"], f"{field}.activation", ACTIVATIONS)
    if activation == "softmax" and not last:
        read.fail(f"{field}.activation", f"softmax is for the last layer only; {name!r} is a hidden layer "
                                         "(use sigmoid, tanh, relu, leaky_relu or linear)")
    bias = read.boolean(raw["bias"], f"{field}.bias") if "bias" in raw else True
    return Layer(name, units, activation, bias)


def _recurrent(read: _Reader, raw, taken: set[str]) -> Recurrent:
    field = "recurrent"
    read.mapping(raw, field, RECURRENT_KEYS, "cell, name, units, steps and optionally activation, weights, bias")
    for key in ("cell", "name", "units", "steps"):
        if key not in raw:
            read.fail(f"{field}.{key}", "missing")
    cell = read.text(raw["cell"], f"{field}.cell", CELLS)
    name = read.name(raw["name"], f"{field}.name", taken)
    units = read.integer(raw["units"], f"{field}.units", 1, MAX_UNITS, "the number of units")
    steps = read.integer(raw["steps"], f"{field}.steps", 1, MAX_STEPS, "the number of time steps")
    activation = "tanh"
    if "activation" in raw:
        activation = read.text(raw["activation"], f"{field}.activation", ("sigmoid", "tanh", "relu", "linear"))
        if cell == "lstm" and activation != "tanh":
            read.fail(f"{field}.activation", "an LSTM's gates are fixed (σ for f, i, o; tanh for the candidate); "
                                             "leave activation out")
    weights = read.text(raw["weights"], f"{field}.weights", WEIGHTS) if "weights" in raw else "separate"
    bias = read.boolean(raw["bias"], f"{field}.bias") if "bias" in raw else True
    recurrent = Recurrent(cell, name, units, steps, activation, weights, bias)
    taken |= recurrent.claimed()  # no dense layer may be named so that its names meet the cell's
    return recurrent


def _loss(read: _Reader, raw) -> Loss:
    if not isinstance(raw, dict):
        return Loss(read.text(raw, "loss", LOSSES, "a loss name"))
    read.mapping(raw, "loss", LOSS_KEYS, "kind and, for squared_error, half and reduce")
    if "kind" not in raw:
        read.fail("loss.kind", f"missing; expected one of: {', '.join(LOSSES)}")
    kind = read.text(raw["kind"], "loss.kind", LOSSES)
    if kind != "squared_error":
        for key in ("half", "reduce"):
            if key in raw:
                read.fail(f"loss.{key}", f"only squared_error takes {key}; {kind} does not")
    half = read.boolean(raw["half"], "loss.half") if "half" in raw else False
    reduce = read.text(raw["reduce"], "loss.reduce", ("sum", "mean")) if "reduce" in raw else "sum"
    return Loss(kind, half, reduce)


def _penalty(read: _Reader, raw) -> Penalty:
    read.mapping(raw, "penalty", ("l1", "l2"), "{l2: λ} or {l1: λ}")
    if len(raw) != 1:
        read.fail("penalty", "expected exactly one of l1 or l2, such as {l2: 0.01}")
    (kind, value), = raw.items()
    strength, text = read.number(value, f"penalty.{kind}", "the penalty strength λ (a number >= 0)")
    if not strength >= 0 or strength == float("inf"):
        read.fail(f"penalty.{kind}", f"expected a finite number >= 0, got {text}")
    return Penalty(kind, strength, text)


def _plain(node):
    """A YAML scalar's value (its text; true/false as booleans), or a Python value as it is."""
    text = getattr(node, "text", None)
    if text is None:
        return node
    if getattr(node, "quoted", False):
        return text
    if getattr(node, "tag", "").endswith(":bool"):
        return text.strip().lower() in ("true", "yes", "on")
    return text


def _describe(node) -> str:
    value = _plain(node)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None or (isinstance(value, str) and getattr(node, "is_null", False)):
        return "nothing"
    return repr(value)


def as_dict(model: Model) -> dict:
    """The model as plain data (for JSON and the Python API's round trip)."""
    out: dict = {"layers": [{"name": layer.name, "units": layer.units, "activation": layer.activation,
                             "bias": layer.bias} for layer in model.layers],
                 "loss": {"kind": model.loss.kind, **({"half": model.loss.half, "reduce": model.loss.reduce}
                                                     if model.loss.kind == "squared_error" else {})}}
    if model.penalty is not None:
        out["penalty"] = {model.penalty.kind: model.penalty.strength}
    if model.update:
        out["update"] = True
    if model.recurrent is not None:
        r = model.recurrent
        out["recurrent"] = {"cell": r.cell, "name": r.name, "units": r.units, "steps": r.steps,
                            "activation": r.activation, "weights": r.weights, "bias": r.bias}
    return out
