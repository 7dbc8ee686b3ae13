"""Pure-NumPy gradient functions generated from derive's rules (no SymPy needed).

Each function takes the rule's inputs as keyword arrays with a leading batch axis
and returns a dict keyed by the quantity names, batched the same way.

Do not edit: ``python -m derive.codegen`` writes this file.
"""

from derive.numpy.ce_vs_mse import ce_vs_mse
from derive.numpy.l1_linreg import l1_linreg
from derive.numpy.l2_linreg import l2_linreg
from derive.numpy.linear_mse import linear_mse
from derive.numpy.perceptron import perceptron
from derive.numpy.sigmoid_bce import sigmoid_bce
from derive.numpy.softmax_ce import softmax_ce

__all__ = ["ce_vs_mse", "l1_linreg", "l2_linreg", "linear_mse", "perceptron", "sigmoid_bce", "softmax_ce"]
