"""Forms that overflow or lose their digits in float64, rewritten to ones that do not, before NumPy
code is printed.

``log σ(s)`` is −softplus(−s), ``log(1 − σ(s))`` is −softplus(s) and ``log(1 + eˢ)`` is
softplus(s): equal for every real s, but the left sides give −inf or nan for |s| above about 37
(σ rounds to 1, 1 − σ to 0) or 710 (eˢ overflows), the right sides never (softplus is
``logaddexp(0, s)``). A log whose argument is an exponential once σ is written out
(``log(1/σ(s) − 1)``) is its exponent. Any other ``log(1 + u)`` is ``log1p(u)``, exact where u
is tiny (``log(1 − θ)`` at θ = 1e-300 is −1e-300, not 0). :data:`IDENTITIES` lists each rewrite
as an equation in one real variable; a test proves every one symbolically, and another compares
the rewritten and the original expressions at random points.

A rule writes its losses with the quantities it names: ``L = −y log ŷ − (1 − y) log(1 − ŷ)`` with
``ŷ = σ(s)`` declared before. :func:`generated_form` sees through such a quantity: inside a log,
a quantity defined as σ of a variable stands for that σ, so that the log above is printed as
``y softplus(−s) + (1 − y) softplus(s)``, finite and exact for every logit s where ``log ŷ``
would be ``log 0`` at s = −800. A log that no rewrite applies to is left as the rule wrote it.

The slopes are seen through the same way (:func:`stable_complements`): ``1 − z`` for z = σ(s) is
σ(−s), and ``1 − h²`` for h = tanh(s) is (1 − |h|)(1 + |h|) = 2σ(−2|s|)(1 + |h|). Both sides are
equal, but 1 − z rounds to a multiple of 2⁻⁵³ (0 from s = 37 on), so that σ'(s) = z(1 − z) at
s = 27 kept only five digits, and every gradient sent back through a saturated unit with it;
σ(−s) keeps all sixteen (and 1 + |h|, between 1 and 2, loses none).

Computed as formulas of their own, σ(−s) and 2σ(−2|s|)(1 + |h|) would each cost an exponential
more than the plain 1 − z. :func:`generation_view` gives each such complement a hidden quantity
(``_1_minus_f``, ``_1_minus_h_sq``) that the kernel computing z (or h) returns with it, from the
exponential z needs anyway: σ(−s) = e σ(s) with e = e^{−s}, 1 − tanh²(s) = 4e/(1 + e)² with
e = e^{−2|s|}. The slopes then read ``_1_minus_f ⊙ dL/df ⊙ f``: stable at the cost of the plain
form. Likewise ``log1p(e)`` of an e = e^{−|s|}, known to lie in [0, 1], is printed as the kernel
``log1p_unit`` (:class:`Log1pUnit`), a third of numpy.log1p's time for the same digits.
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from derive.symbolic.arrays import LogSumExp, Softmax
from derive.symbolic.functions import sigmoid, softplus

#: Each rewrite as (unstable form, stable form) in a real variable ``t`` (``u`` for log1p): the
#: generator substitutes these equalities, which a test proves symbolically.
_t, _u = sp.Symbol("t", real=True), sp.Symbol("u", real=True)
IDENTITIES = (
    (sp.log(sigmoid(_t)), -softplus(-_t)),
    (sp.log(1 - sigmoid(_t)), -softplus(_t)),
    (sp.log(1 + sp.exp(_t)), softplus(_t)),
    (sp.log(1 / sigmoid(_t) - 1), -_t),
    (sp.log(1 + _u), log1p(_u)),
    (1 - sigmoid(_t), sigmoid(-_t)),
    (sigmoid(_t) - 1, -sigmoid(-_t)),
    (1 - sp.tanh(_t) ** 2, 2 * sigmoid(-2 * sp.Abs(_t)) * (1 + sp.Abs(sp.tanh(_t)))),
)


def stable_logs(expr: sp.Expr, through: dict | None = None) -> sp.Expr:
    """``expr`` with every log of σ, of 1 − σ and of 1 + exp in its softplus form, and every other
    log(1 + u) as log1p(u).

    ``through`` maps symbols to the σ they stand for ({ŷ: σ(s)}): a log of them is rewritten as
    the log of that σ would be; where no rewrite applies, the log keeps the symbol."""
    through = through or {}

    def rewrite(node: sp.log) -> sp.Expr:
        argument = node.args[0]
        seen = argument.xreplace(through) if through else argument
        if seen is not argument:
            stable = _stable_log(seen)
            if stable is not None and not stable.has(sp.log):
                return stable
        stable = _stable_log(argument)
        return node if stable is None else stable

    return expr.replace(lambda node: isinstance(node, sp.log) and len(node.args) == 1, rewrite)


def _stable_log(argument: sp.Expr) -> sp.Expr | None:
    """The stable form of log(argument), or None where none applies."""
    if isinstance(argument, sigmoid):  # log σ(s) = −softplus(−s)
        return -softplus(-argument.args[0])
    if isinstance(argument, sp.Add) and sp.S.One in argument.args:
        other = argument - 1
        negated = -other
        if isinstance(negated, sigmoid):  # log(1 − σ(s)) = −softplus(s)
            return -softplus(negated.args[0])
        if isinstance(other, sp.exp):  # log(1 + eˢ) = softplus(s)
            return softplus(other.args[0])
    if argument.has(sigmoid):  # log(1/σ(s) − 1) = −s: an exponential in disguise, whose log is exact
        plain = sp.simplify(argument.rewrite(sp.exp))
        if isinstance(plain, sp.exp):
            return plain.args[0]
    if isinstance(argument, sp.Add) and sp.S.One in argument.args:  # log(1 + u) = log1p(u)
        return log1p(argument - 1)
    return None


class Log1pUnit(sp.Function):
    """log(1 + u) for an argument known to lie in [0, 1], an e^{−|t|}: printed ``log1p(u)`` in
    formulas and ``_k.log1p_unit(u)`` in code, a third of numpy.log1p's time to the same digits.
    A second argument, where the code holds 1 + u already (a quantity ``_d = _e + 1``), is that
    symbol: ``_k.log1p_unit(_e, _d)`` does not add again."""

    nargs = (1, 2)

    def _derive_text(self, printer):
        return f"log1p({printer._print(self.args[0])})"


def _unit_log1p(expr: sp.Expr, rule) -> sp.Expr:
    """``expr`` with each log1p(u) whose u is e^{−c|t|} (c > 0), or a quantity defined so, as
    :class:`Log1pUnit`."""
    definitions = {q.symbol: q.definition for q in rule.quantities.values()}
    return expr.replace(lambda node: isinstance(node, log1p) and _in_unit_interval(node.args[0], definitions),
                        lambda node: Log1pUnit(node.args[0]))


class Complement(sp.Function):
    """The stable form of a hidden quantity of :func:`generation_view`: 1 − z for z = σ(t), or
    1 − h² for h = tanh(t) (the one argument is σ(t) or tanh(t)). It has no code of its own: the
    kernel that computes z (or h) returns it too, from the same exponential."""

    nargs = 1


def complement_name(parent: str, function) -> str:
    """The hidden quantity holding 1 − z (``_1_minus_z``) or 1 − h² (``_1_minus_h_sq``)."""
    base = parent.lstrip("_")
    return f"_1_minus_{base}" if isinstance(function, sigmoid) else f"_1_minus_{base}_sq"


def _complement_table(through: dict) -> dict:
    """The terms (c, x) of a sum c + x that are a complement, each to (its function's symbol, sign):
    (1, −z) -> (z, 1) and (−1, z) -> (z, −1) for z = σ(t), 1 − z = σ(−t); (1, −h²) -> (h, 1) for
    h = tanh(t)."""
    table = {}
    for symbol, function in through.items():
        if isinstance(function, sigmoid):
            table[(sp.S.One, -symbol)] = (symbol, 1)
            table[(sp.S.NegativeOne, symbol)] = (symbol, -1)
        else:
            table[(sp.S.One, -symbol ** 2)] = (symbol, 1)
    return table


def _replace_complements(expr: sp.Expr, through: dict, value) -> sp.Expr:
    """``expr`` with each complement of :func:`_complement_table` met as terms of a sum replaced
    by ``value(symbol) * sign``."""
    if not through:
        return expr
    table = _complement_table(through)

    def rewrite(node: sp.Add) -> sp.Expr:
        terms = list(node.args)
        for (one, term), (symbol, sign) in table.items():
            if one in terms and term in terms:
                terms.remove(one)
                terms.remove(term)
                terms.append(sign * value(symbol))
        return node if len(terms) == len(node.args) and all(a is b for a, b in zip(terms, node.args)) \
            else sp.Add(*terms)

    return expr.replace(lambda node: isinstance(node, sp.Add), rewrite)


def _stable_complement(symbol, function) -> sp.Expr:
    t = function.args[0]
    if isinstance(function, sigmoid):
        return sigmoid(-t)
    return 2 * sigmoid(-2 * sp.Abs(t)) * (1 + sp.Abs(symbol))


def stable_complements(expr: sp.Expr, through: dict, held: dict | None = None) -> sp.Expr:
    """``expr`` with ``1 − z`` (and z − 1) as ±σ(−s), and ``1 − h²`` as 2σ(−2|s|)(1 + |h|), for
    each symbol z -> σ(s) and h -> tanh(s) of ``through``: terms of a sum, wherever they meet.
    ``held`` maps some of those symbols to the symbol of a quantity that already holds their
    complement (:func:`generation_view`), used in its place."""
    held = held or {}
    return _replace_complements(expr, through,
                                lambda symbol: held.get(symbol) or _stable_complement(symbol, through[symbol]))


def generation_view(rule):
    """``rule`` as the generated code computes it: after each quantity z = σ(t) (h = tanh(t))
    whose complement 1 − z (1 − h²) a slope uses, a hidden quantity ``_1_minus_z``
    (``_1_minus_h_sq``) that holds it, with the stable form :class:`Complement`.

    The code computes both with one kernel (``_k.sigmoid_pair``, ``_k.tanh_pair``) from one
    exponential, where σ(−t) (2σ(−2|t|)(1 + |h|)) as a formula of its own would take a second one
    in the backward pass: stable at the price of the plain 1 − z. A rule without such a slope
    is returned as it is."""
    import dataclasses

    if any(isinstance(q.stable, Complement) for q in rule.quantities.values()):
        return rule
    sigmoids = sigmoid_outputs(rule)
    through = sigmoids | tanh_outputs(rule)
    through = {s: f for s, f in through.items() if rule.quantities[s.name].stable is None}
    used = []
    for q in rule.quantities.values():
        _replace_complements(stable_logs(q.code_form, sigmoids), through,
                             lambda symbol: used.append(symbol) or symbol)
    if not used:
        return rule
    quantities = {}
    for name, q in rule.quantities.items():
        quantities[name] = q
        symbol = q.symbol
        if symbol in used:
            function = through[symbol]
            hidden = complement_name(name, function)
            definition = 1 - symbol if isinstance(function, sigmoid) else 1 - symbol ** 2
            quantities[hidden] = dataclasses.replace(q, name=hidden, symbol=type(symbol)(hidden, symbol.shape),
                                                     definition=definition, stable=Complement(function),
                                                     note=f"the complement of {name}, computed with it",
                                                     note_ko=None, summed_with=None)
    return dataclasses.replace(rule, quantities=quantities)


def complements(rule) -> dict:
    """The hidden quantities of :func:`generation_view` in ``rule``, each under its parent's name:
    {"f": <the quantity _1_minus_f>}."""
    found = {}
    for q in rule.quantities.values():
        if isinstance(q.stable, Complement):
            parent = next(s for s in q.definition.free_symbols if s.name in rule.quantities)
            found[parent.name] = q
    return found


def softmax_pairs(rule) -> dict:
    """The quantities ŷ = softmax(g) that ``rule`` computes as e^{g − lse} from a quantity
    lse = logsumexp(g): {lse's name: ŷ's name}. Generated code computes both with one kernel
    (``_k.logsumexp_softmax``) from the one set of exponentials e^{g − max g} that lse needs."""
    found = {}
    for q in rule.quantities.values():
        if not (isinstance(q.definition, Softmax) and isinstance(q.code_form, sp.exp)):
            continue
        g = q.definition.args[0]
        for lse in rule.quantities.values():
            if isinstance(lse.definition, LogSumExp) and lse.definition.args[0] == g \
                    and sp.expand(q.code_form.args[0] - (g - lse.symbol)) == 0:
                found[lse.name] = q.name
    return found


def sigmoid_outputs(rule) -> dict:
    """The quantities of ``rule`` defined as σ of a variable (ŷ = σ(s)), each symbol -> its σ."""
    return {q.symbol: q.definition for q in rule.quantities.values()
            if isinstance(q.definition, sigmoid) and q.definition.args[0].is_Symbol}


def tanh_outputs(rule) -> dict:
    """The quantities of ``rule`` defined as tanh of a variable (h = tanh(s)), each symbol -> its tanh."""
    return {q.symbol: q.definition for q in rule.quantities.values()
            if isinstance(q.definition, sp.tanh) and q.definition.args[0].is_Symbol}


def generated_form(rule, quantity) -> sp.Expr:
    """The expression the generated code computes for ``quantity``: the rule's stable form where
    it declares one, else its definition, with the logs of :func:`stable_logs` and the complements
    of :func:`stable_complements` rewritten (seeing through the rule's σ and tanh quantities; in a
    :func:`generation_view`, a complement is its hidden quantity). A hidden complement itself is its
    definition (1 − z): its kernel computes it with its parent."""
    if isinstance(quantity.stable, Complement):
        return quantity.definition
    sigmoids = sigmoid_outputs(rule)
    held = {rule.quantities[parent].symbol: q.symbol for parent, q in complements(rule).items()}
    form = stable_complements(stable_logs(quantity.code_form, sigmoids), sigmoids | tanh_outputs(rule), held)
    return _unit_log1p(form, rule) if form.has(log1p) else form


# -- rewrites that save work -------------------------------------------------------------------------
#
# Equalities for positive variables (a log's argument, the base of a log), each replacing a costly
# function by cheaper operations to the same digits. A test proves each one symbolically.
_p, _q = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
CHEAPER = (
    # log(q/p) beside log(p/q): one logarithm for both (−log(p/q) is as accurate: one rounding)
    (sp.log(_q / _p), -sp.log(_p / _q)),
    # expm1 of a logarithm: no exponential, and (p − 1)(p + 1) is exact where p is near 1 (Sterbenz)
    (expm1(2 * sp.log(_p)), (_p - 1) * (_p + 1)),
    (expm1(sp.log(_p)), _p - 1),
    # log(q) beside log(p) and log(p/q): a subtraction for a logarithm (log q's error stays within
    # an ulp of the larger of |log p| and |log(p/q)|; p log q's, of p log p's and p log(p/q)'s)
    (sp.log(_q), sp.log(_p) - sp.log(_p / _q)),
)
#: softplus(t) written out as its kernel computes it, max(t, 0) + log1p(e^{−|t|}), where the
#: rule has two or more softplus and σ of ±t (a cross-entropy's two logs, a σ beside its loss):
#: e^{−|t|} and its log1p are then computed once for all (|−t| = |t|); σ(t) is then
#: max(e^{−|t|}, [t >= 0])/(1 + e^{−|t|}) (:data:`SELECTS`). Proven for t = p > 0 and t = −p.
_t_real = sp.Symbol("t", real=True)
SOFTPLUS = (softplus(_t_real), sp.Max(_t_real, 0) + log1p(sp.exp(-sp.Abs(_t_real))))

#: Piecewise((1, t >= 0), (u, True)) = max(u, [t >= 0]) for u = e^{−|t|} in (0, 1] (:class:`UnitSelect`):
#: each branch as (select, max) with the indicator written out, for t >= 0 (first) and t < 0.
SELECTS = (
    (sp.S.One, sp.Max(sp.exp(-sp.Abs(_p)), 1, evaluate=False)),
    (sp.exp(-sp.Abs(-_p)), sp.Max(sp.exp(-sp.Abs(-_p)), 0, evaluate=False)),
)


class UnitSelect(sp.Function):
    """max(u, [c]): 1 where the condition c holds, else u, for u known to lie in [0, 1] (an
    e^{−|t|}): the select Piecewise((1, c), (u, True)) without numpy.where's branches, printed
    ``numpy.maximum(u, c)`` (c a boolean array, 0 or 1)."""

    nargs = 2

    def _derive_text(self, printer):
        return f"(1 if {printer._print(self.args[1])} else {printer._print(self.args[0])})"


def _in_unit_interval(u, definitions: dict) -> bool:
    """Whether ``u`` (or the quantity it names, by ``definitions``) is e^{−c|t|}, c > 0: in (0, 1]."""
    u = definitions.get(u, u)
    if not isinstance(u, sp.exp):
        return False
    scale, rest = (-u.args[0]).as_coeff_Mul()
    return scale > 0 and isinstance(rest, sp.Abs)


def _select(node: sp.Piecewise, definitions: dict) -> sp.Expr:
    """Piecewise((f a, c), (f b, True)) with the common factors f taken out, and a select between 1
    and a u in [0, 1] as :class:`UnitSelect`; ``node`` where neither applies."""
    from collections import Counter

    if len(node.args) != 2 or node.args[1].cond != sp.true:
        return node
    (a, condition), (b, _) = node.args
    fa, fb = Counter(sp.Mul.make_args(a)), Counter(sp.Mul.make_args(b))
    common = fa & fb
    a, b = sp.Mul(*(fa - common).elements()), sp.Mul(*(fb - common).elements())
    if a == 1 and _in_unit_interval(b, definitions):
        return sp.Mul(*common.elements()) * UnitSelect(b, condition)
    return node


def _from_one_exponential(node):
    """softplus(t) as max(t, 0) + log1p(e), σ(t) as max(e, [t >= 0])/(1 + e), e = e^{−|t|}: every
    softplus and σ of ±t then reads the one exponential (and 1 + e, and its log)."""
    t = node.args[0]
    e = sp.exp(-sp.Abs(t))
    if isinstance(node, softplus):
        return sp.Max(t, 0) + Log1pUnit(e)
    return UnitSelect(e, t >= 0) / (1 + e)


def cheaper_forms(forms: dict, definitions: dict, skip=frozenset()) -> dict:
    """``forms`` (quantity -> its generated form, in order) with the rewrites of :data:`CHEAPER`: a
    log whose argument's reciprocal an earlier log took is minus that log; expm1 of n log(p) (n = 1
    or 2; seen through a quantity so defined, by ``definitions``: symbol -> form) is p − 1 or
    (p − 1)(p + 1); σ(±t) and softplus(±t), met twice or more, are computed from one e^{−|t|}
    (:data:`SOFTPLUS`, :data:`SELECTS`)."""
    seen = set()
    # the |t| of two or more softplus(±t) and σ(±t) (not counting ``skip``: a kernel computes those)
    uses = {}
    for name, form in forms.items():
        if name not in skip:
            for node in form.atoms(softplus, sigmoid):
                uses[sp.Abs(node.args[0])] = uses.get(sp.Abs(node.args[0]), 0) + 1
    shared = {a for a, count in uses.items() if count > 1}

    def log_rewrite(node):
        argument = node.args[0]
        inverse = sp.Pow(argument, -1)
        if inverse in seen and argument not in seen:
            return -sp.log(inverse)
        seen.add(argument)
        return node

    def expm1_rewrite(node):
        argument = definitions.get(node.args[0], node.args[0])
        scale, rest = argument.as_coeff_Mul()
        if isinstance(rest, sp.log) and scale in (1, 2):
            p = rest.args[0]
            return p - 1 if scale == 1 else (p - 1) * (p + 1)
        return node

    out = {}
    for name, form in forms.items():
        if form.has(sp.log):
            form = form.replace(lambda n: isinstance(n, sp.log) and len(n.args) == 1, log_rewrite)
        if form.has(expm1):
            form = form.replace(lambda n: isinstance(n, expm1), expm1_rewrite)
        if name not in skip and form.has(softplus, sigmoid):
            form = form.replace(lambda n: isinstance(n, (softplus, sigmoid)) and sp.Abs(n.args[0]) in shared,
                                _from_one_exponential)
        if form.has(sp.Piecewise):
            form = form.replace(lambda n: isinstance(n, sp.Piecewise), lambda n: _select(n, definitions))
        out[name] = form
    # log(q) from log(p) and log(p/q), q and p variables, where the other two are computed anyway
    arguments = {n.args[0] for f in out.values() for n in f.atoms(sp.log)}
    by_difference, kept = {}, set()
    for q in sorted((a for a in arguments if a.is_Symbol), key=str):
        for ratio in sorted(arguments, key=str):
            p = ratio * q
            if ratio != q and p.is_Symbol and p in arguments and p not in by_difference and q not in kept:
                by_difference[q] = sp.log(p) - sp.log(ratio)
                kept |= {p, ratio}
                break
    if by_difference:
        logs = {sp.log(q): form for q, form in by_difference.items()}
        out = {name: form.xreplace(logs) for name, form in out.items()}
    return out
