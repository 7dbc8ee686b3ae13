"""Matrix calculus: gradients of scalar expressions of vectors and matrices, in matrix form.

Layers: :mod:`expr` (the nodes and their shapes), :mod:`parse` (LaTeX in), :mod:`printing`
(LaTeX and text out), :mod:`differentiate` (the steps, each naming its identity), :mod:`prove`
(every step against component-wise differentiation), :mod:`numeric` and :mod:`numpy_code`
(values and generated NumPy).
"""
