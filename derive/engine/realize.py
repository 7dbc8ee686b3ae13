"""Expand a rule's expressions into components at concrete sizes.

How it works
------------
A rule is written with symbolic sizes (K classes) and array symbols (o, ŷ). To
prove a step, or to compare a result with SymPy's ``diff``, every expression is
*realized* at concrete sizes: it becomes a NumPy object array whose entries are
scalar SymPy expressions in the components of the inputs (``o[1]``, ``o[2]``...).

* an input becomes its component symbols; a quantity becomes its realized
  definition, unless it is a *leaf* (then it is a free variable, which is how
  ∂L/∂h is taken with h held as an independent variable);
* ``Sum`` over ``k = 1..K`` is unrolled, ``KroneckerDelta`` evaluated, ``o[j]``
  picks a component (1-based, as in the lectures);
* ``Derivative(f, v)`` differentiates the realized f by the realized v;
* everything else is applied element-wise (leading-axis broadcasting).

Example: in softmax_ce at K = 2 with j = 1, ``Derivative(L, o[j])`` realizes to
SymPy's derivative of −y[1]·log(e^{o[1]}/(e^{o[1]}+e^{o[2]})) − ... by o[1].
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.symbolic.arrays import ArrayOp, ArraySymbol, Part, Windowed, _object_array


def component_symbol(name: str, index: tuple) -> sp.Symbol:
    """The scalar symbol of one component, 1-based: ``o[2]``, ``W_f[1,3]``; a scalar is its name."""
    if not index:
        return sp.Symbol(name, real=True)
    return sp.Symbol(f"{name}[{','.join(str(i + 1) for i in index)}]", real=True)


class Realizer:
    """Realizes expressions of one rule at one assignment of sizes and free indices."""

    def __init__(self, rule, sizes: dict, *, leaves=(), indices: dict | None = None):
        self.rule = rule
        self.sizes = {sp.Symbol(str(k), integer=True, positive=True) if isinstance(k, str) else k: v
                      for k, v in sizes.items()}
        self.leaves = set(leaves)
        self.indices = dict(indices or {})
        self._cache: dict = {}

    # -- shapes and components ---------------------------------------------
    def concrete_shape(self, shape) -> tuple[int, ...]:
        return tuple(int(sp.sympify(d).subs(self.sizes)) for d in shape)

    def components(self, name: str, shape) -> np.ndarray:
        shape = self.concrete_shape(shape)
        out = np.empty(shape, dtype=object)
        for index in np.ndindex(*shape):
            out[index] = component_symbol(name, index)
        return out

    def free_components(self) -> dict[str, np.ndarray]:
        """The component symbols of the inputs and leaves, by name."""
        named = {n: i.shape for n, i in self.rule.inputs.items()}
        named.update({n: self.rule.quantities[n].shape for n in self.leaves})
        return {n: self.components(n, s) for n, s in named.items()}

    # -- realization -------------------------------------------------------
    def __call__(self, expr) -> np.ndarray:
        expr = sp.sympify(expr, strict=True)  # SymPy objects and numbers only, never text
        if expr not in self._cache:
            self._cache[expr] = self._realize(expr)
        return self._cache[expr]

    def _realize(self, expr: sp.Basic) -> np.ndarray:
        if isinstance(expr, ArraySymbol):
            return self._named(expr.name)
        if isinstance(expr, sp.Symbol):
            return self._plain_symbol(expr)
        if isinstance(expr, sp.Indexed):
            return self._indexed(expr)
        if isinstance(expr, sp.Sum):
            return self._sum(expr)
        if isinstance(expr, sp.KroneckerDelta):
            i, j = (self.integer(a) for a in expr.args)
            return _object_array(sp.Integer(int(i == j)))
        if isinstance(expr, sp.Derivative):
            return self._derivative(expr)
        if isinstance(expr, Part):
            start, stop = self.integer(expr.args[1]), self.integer(expr.args[2])
            return Part.on_components(self(expr.args[0]), start, stop)
        if isinstance(expr, Windowed):  # arrays, then integers (a stride, a padding, a size)
            arrays, settings = expr.args[: expr.arrays], expr.args[expr.arrays:]
            return expr.on_components(*(self(a) for a in arrays), *(self.integer(s) for s in settings))
        if isinstance(expr, ArrayOp):
            return expr.on_components(*(self(a) for a in expr.args))
        if not expr.args:
            return _object_array(expr)
        return self._elementwise(expr)

    def integer(self, expr) -> int:
        value = self(expr)[()]
        if not value.is_Integer:
            raise ValueError(f"{expr} is not a concrete integer here")
        return int(value)

    def _named(self, name: str) -> np.ndarray:
        rule = self.rule
        if name in rule.inputs:
            return self.components(name, rule.inputs[name].shape)
        if name in self.leaves:
            return self.components(name, rule.quantities[name].shape)
        if name in rule.quantities:
            return self(rule.quantities[name].definition)
        raise KeyError(f"{rule.name}: unknown symbol {name}")

    def _plain_symbol(self, symbol: sp.Symbol) -> np.ndarray:
        for table in (self.indices, self.sizes):
            for key, value in table.items():
                if str(key) == symbol.name:
                    return _object_array(sp.Integer(value))
        if symbol.name in self.rule.inputs or symbol.name in self.rule.quantities:
            return self._named(symbol.name)
        return _object_array(symbol)

    def _indexed(self, expr: sp.Indexed) -> np.ndarray:
        array = self._named(str(expr.base.label))
        index = tuple(self.integer(i) - 1 for i in expr.indices)
        return _object_array(array[index])

    def _sum(self, expr: sp.Sum) -> np.ndarray:
        body = expr.function
        for variable, low, high in reversed(expr.limits):
            low, high = self.integer(low), self.integer(high)
            body = sp.Add(*(body.subs(variable, v) for v in range(low, high + 1)))
        return self(body)

    def _derivative(self, expr: sp.Derivative) -> np.ndarray:
        result = self(expr.expr)
        for variable, count in expr.variable_count:
            target = self(variable)
            if target.shape != ():
                raise ValueError(f"differentiate by one component at a time, not by {variable}")
            result = _map(lambda e, t=target[()], c=count: sp.diff(e, t, c), result)
        return result

    def _elementwise(self, expr: sp.Basic) -> np.ndarray:
        parts = [self(a) for a in expr.args]
        rank = max(p.ndim for p in parts)
        parts = [p.reshape(p.shape + (1,) * (rank - p.ndim)) for p in parts]
        if len(parts) >= MAX_UFUNC_OPERANDS:  # a sum of many terms: no ufunc takes them all at once
            parts = np.broadcast_arrays(*parts)
            out = np.empty(parts[0].shape, dtype=object)
            for index in np.ndindex(out.shape):
                out[index] = expr.func(*(p[index] for p in parts))
            return out
        apply = np.frompyfunc(lambda *xs: expr.func(*xs), len(parts), 1)
        out = apply(*parts)
        return out if isinstance(out, np.ndarray) else _object_array(out)


#: NumPy's limit on the inputs and outputs of one ufunc (frompyfunc included): 64 from NumPy 2.0,
#: 32 before (derive supports NumPy 1.24 on), so the lower one.
MAX_UFUNC_OPERANDS = 32


def _map(function, array: np.ndarray) -> np.ndarray:
    out = np.frompyfunc(function, 1, 1)(array)
    return out if isinstance(out, np.ndarray) else _object_array(out)
