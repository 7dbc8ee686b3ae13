"""The vocabulary a rule module is written in: inputs, quantities, steps, derivations.

A rule reads like the lecture::

    rule = Rule("sigmoid_bce", "Sigmoid output with binary cross-entropy", ...)
    s = rule.input("s")                                   # the logit
    y = rule.input("y", domain=Unit())                    # the target
    y_hat = rule.quantity("y_hat", sigmoid(s))            # forward quantities ...
    L = rule.quantity("L", -(y*log(y_hat) + (1 - y)*log(1 - y_hat)))
    dL_ds = rule.quantity("dL/ds", y_hat - y)             # ... and results
    rule.derive("dL/ds",
        Step(Derivative(L, s), ..., why="chain rule through ŷ"),
        Step(y_hat - y, why="algebra"))

Every quantity is a SymPy expression of the inputs and earlier quantities (its
*definition*; the checker recomputes a student's step from it). A quantity may
also carry a *stable* form, proven equal, that the generated NumPy code uses.
The engine (:mod:`derive.engine.verify`) proves every step, every stable form
and every gradient quantity ``dA/dB`` against SymPy's own ``diff``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive import naming
from derive.engine.domains import Real
from derive.symbolic.arrays import ArraySymbol, shape_of


class Step:
    """One equality of a derivation with its one-line reason.

    ``Step(lhs, rhs, why=...)`` states lhs = rhs; ``Step(rhs, why=...)`` continues
    the chain: the previous right-hand side = rhs. ``why_ko`` is the reason in
    Korean; without it the shared vocabulary in :mod:`derive.printing.i18n` is used.
    """

    def __init__(self, *sides: sp.Expr, why: str, why_ko: str | None = None):
        if len(sides) not in (1, 2):
            raise TypeError("Step takes (rhs) or (lhs, rhs)")
        self.lhs = sides[0] if len(sides) == 2 else None
        self.rhs = sp.sympify(sides[-1], strict=True)
        self.why = why
        self.why_ko = why_ko

    def __repr__(self):
        return f"Step({self.lhs!r}, {self.rhs!r}, why={self.why!r})"


@dataclass
class Input:
    name: str
    symbol: ArraySymbol
    domain: object
    default: float | None = None
    note: str = ""
    #: The note in Korean; without it the shared table of :mod:`derive.printing.rules_ko` is used.
    note_ko: str | None = None

    @property
    def shape(self):
        return self.symbol.shape


@dataclass
class Quantity:
    name: str
    symbol: ArraySymbol
    definition: sp.Expr
    stable: sp.Expr | None = None
    note: str = ""
    note_ko: str | None = None
    #: The input whose sharing makes this quantity a sum over the batch (an update such as the
    #: notes' ΔW = η δ zᵀ); a gradient dA/dP by an input P needs no declaration.
    summed_with: str | None = None

    @property
    def shape(self):
        return self.symbol.shape

    @property
    def hidden(self) -> bool:
        """Helpers that only serve numerical stability (``_m``, ``_e``) are not reported."""
        return self.name.startswith("_")

    @property
    def code_form(self) -> sp.Expr:
        return self.stable if self.stable is not None else self.definition


@dataclass
class Derivation:
    """A chain of equalities that arrives at one quantity.

    ``index`` names the component indices (1-based, as in the lectures) when the
    chain is written component-wise: a symbol, e.g. (j,) for ∂L/∂o_j, runs over its
    axis; an integer, e.g. (1,) for ∂L/∂w_1, fixes the component. The last
    right-hand side must equal that component of the quantity.
    """

    target: str
    steps: list[Step]
    index: tuple = ()
    title: str = ""
    #: Quantities held as independent variables, for steps that differentiate by them (∂L/∂e_j).
    hold: tuple = ()
    title_ko: str | None = None


@dataclass
class Rule:
    name: str
    title: str
    headline: str = ""
    source: str = ""
    proof_sizes: list[dict] = field(default_factory=lambda: [{}])
    #: Sizes for the batched tests (NumPy against SymPy, finite differences) and their tolerance.
    test_sizes: dict = field(default_factory=dict)
    rtol: float = 1e-6
    #: CPU seconds for each symbolic proof attempt, when less than the prover's own (None: the prover's).
    symbolic_seconds: float | None = None
    inputs: dict[str, Input] = field(default_factory=dict)
    quantities: dict[str, Quantity] = field(default_factory=dict)
    derivations: list[Derivation] = field(default_factory=list)
    #: Set by :func:`derive.engine.conventions.conventional` for a rule written once for several
    #: conventions: the one it is built in, the rule's own, the keys that apply, the builder.
    convention: object = None
    default_convention: object = None
    convention_keys: tuple = ()
    builder: object = None
    #: The title and source in Korean; without them :mod:`derive.printing.rules_ko` is used.
    title_ko: str | None = None
    source_ko: str | None = None

    # -- declaring ---------------------------------------------------------
    def input(self, name: str, shape=(), domain=Real(), *, default=None, note="", note_ko=None) -> ArraySymbol:
        symbol = ArraySymbol(name, shape)
        self.inputs[name] = Input(name, symbol, domain, default, note, note_ko)
        return symbol

    def quantity(self, name: str, definition, *, stable=None, note="", note_ko=None,
                 summed_with: str | None = None) -> ArraySymbol:
        """Declare a quantity. ``summed_with="W_1"``: when W_1 is passed without the batch axis
        (shared by the batch), the generated NumPy returns this quantity summed over the batch,
        as it does for every gradient dA/dW_1 by that input."""
        if name in self.quantities or name in self.inputs:
            raise ValueError(f"{self.name}: {name} is defined twice")
        if summed_with is not None and summed_with not in self.inputs:
            raise ValueError(f"{self.name}: {name} is summed with {summed_with!r}, which is not an input")
        definition = sp.sympify(definition, strict=True)
        symbol = ArraySymbol(name, shape_of(definition))
        self.quantities[name] = Quantity(name, symbol, definition, stable, note, note_ko, summed_with)
        return symbol

    def derive(self, target: str, *steps: Step, index=(), title="", hold=(), title_ko=None) -> Derivation:
        if target not in self.quantities:
            raise ValueError(f"{self.name}: derivation of unknown quantity {target}")
        unknown = [name for name in hold if name not in self.quantities]
        if unknown:
            raise ValueError(f"{self.name}: cannot hold {unknown}: not quantities")
        derivation = Derivation(target, list(steps), tuple(index), title, tuple(hold), title_ko)
        self.derivations.append(derivation)
        return derivation

    # -- reading -----------------------------------------------------------
    def symbol(self, name: str) -> ArraySymbol:
        if name in self.inputs:
            return self.inputs[name].symbol
        return self.quantities[name].symbol

    @property
    def public_quantities(self) -> list[Quantity]:
        return [q for q in self.quantities.values() if not q.hidden]

    @property
    def quantity_names(self) -> list[str]:
        return [q.name for q in self.public_quantities]

    def dependencies(self, name: str) -> list[str]:
        """Inputs and quantities the definition of ``name`` uses directly, in declaration order."""
        free = {s.name for s in self.quantities[name].definition.free_symbols}
        order = list(self.inputs) + list(self.quantities)
        return [n for n in order if n in free]

    def gradient_quantities(self) -> list[tuple[Quantity, str, str]]:
        """The quantities named dA/dB whose A and B both belong to the rule."""
        found = []
        for q in self.public_quantities:
            if naming.is_gradient(q.name):
                of, wrt = naming.gradient_parts(q.name)
                if of in self.quantities and (wrt in self.inputs or wrt in self.quantities):
                    found.append((q, of, wrt))
        return found

    def summed_quantities(self) -> dict[str, str]:
        """Each quantity that is a sum over the batch when an input is shared by the batch, and that
        input: every gradient dA/dP by an input P, and the quantities declared ``summed_with``."""
        summed = {q.name: wrt for q, _, wrt in self.gradient_quantities() if wrt in self.inputs}
        summed.update({q.name: q.summed_with for q in self.quantities.values() if q.summed_with is not None})
        return {name: summed[name] for name in self.quantities if name in summed}

    def size_symbols(self) -> set:
        dims = set()
        for item in list(self.inputs.values()) + list(self.quantities.values()):
            for d in item.shape:
                dims |= sp.sympify(d).free_symbols
        return dims
