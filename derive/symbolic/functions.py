"""The scalar functions of machine learning as SymPy functions.

SymPy knows ``exp``, ``log`` and ``tanh`` but not the logistic sigmoid, softplus
or ReLU. Each is defined here once, with its derivative (``fdiff``), so that
``diff`` produces the textbook forms (σ(x)(1 − σ(x)), σ(x), H(x)), and with a
rewrite to elementary functions for the prover (``to_elementary``).
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):
    """The logistic sigmoid σ(x) = 1 / (1 + e^{-x})."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Rational(1, 2)
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


class softplus(sp.Function):
    """softplus(x) = log(1 + e^{x}), the smooth ReLU; its derivative is σ(x)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def _eval_is_real(self):
        return self.args[0].is_real


class relu(sp.Function):
    """ReLU(x) = max(0, x); its derivative is the step function H(x)."""

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(0, x)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.Max(0, x)

    def _eval_is_real(self):
        return self.args[0].is_real


class leaky_relu(sp.Function):
    """LeakyReLU(x) = max(x, x/100) (slope 0.01 below zero); its derivative is 1 above 0, 1/100 below.

    At the kink the slope is taken as 1/100, as :class:`relu` takes H(0) = 0.
    """

    SLOPE = sp.Rational(1, 100)

    def fdiff(self, argindex=1):
        x = self.args[0]
        return self.SLOPE + (1 - self.SLOPE) * sp.Heaviside(x, 0)

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(x, self.SLOPE * x)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.Max(x, self.SLOPE * x)

    def _eval_is_real(self):
        return self.args[0].is_real


#: Functions that have a numerically stable NumPy kernel in ``derive.numpy._kernels``.
ML_FUNCTIONS = (sigmoid, softplus, relu, leaky_relu)


def to_elementary(expr: sp.Expr) -> sp.Expr:
    """Rewrite σ, softplus and ReLU into exp/log/Max so any SymPy routine can read them."""
    return expr.replace(
        lambda e: isinstance(e, ML_FUNCTIONS),
        lambda e: e.rewrite(sp.exp),
    )
