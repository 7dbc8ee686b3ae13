"""Pure-NumPy gradient functions generated from derive's rules (no SymPy needed).

Each function takes the rule's inputs as keyword arrays with a leading batch axis
and returns a dict keyed by the quantity names, batched the same way.

Do not edit: ``python -m derive.codegen`` writes this file.
"""

from derive.numpy.sigmoid_bce import sigmoid_bce
from derive.numpy.softmax_ce import softmax_ce

__all__ = ["sigmoid_bce", "softmax_ce"]
