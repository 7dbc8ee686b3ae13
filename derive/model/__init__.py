"""Your own network: a model description (layers, a loss) becomes a rule, derived and proven.

:mod:`derive.model.spec` reads and checks a ``model:`` (no SymPy), :mod:`derive.model.build`
writes its rule, :mod:`derive.model.files` connects model files to ``derive check``,
``derive show`` and ``derive emit``.
"""
