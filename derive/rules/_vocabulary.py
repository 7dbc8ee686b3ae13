"""Everything a rule module needs, imported in one line: ``from derive.rules._vocabulary import *``."""

from sympy import (  # noqa: F401
    Derivative, Heaviside, Max, Mul, IndexedBase, KroneckerDelta, Piecewise, Rational, Sum, exp, log,
    sign, sqrt, symbols, tanh, Abs,
)

from derive.engine.conventions import Convention, conventional  # noqa: F401
from derive.engine.domains import Binary, Count, NonNegative, NonZero, OneHot, Positive, Rate, Real, Sign, Simplex, Unit  # noqa: F401
from derive.engine.rule import Rule, Step  # noqa: F401
from derive.registry import register  # noqa: F401
from derive.symbolic.arrays import (  # noqa: F401
    Concat, LogSumExp, MatVec, MaxOf, Outer, Part, Softmax, Total, Transpose, dim,
)
from derive.symbolic.functions import relu, sigmoid, softplus  # noqa: F401

__all__ = [name for name in dir() if not name.startswith("_")]
