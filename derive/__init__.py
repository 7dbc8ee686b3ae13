"""derive: the backpropagation rules of deep learning, derived symbolically.

* ``derive.registry.rules()`` - every rule (symbols, forward definition, steps, result);
* ``derive.engine.verify.verify_rule(rule)`` - prove every step;
* ``derive.numpy`` - generated pure-NumPy gradient functions (no SymPy needed).
"""

__version__ = "0.1.0"
