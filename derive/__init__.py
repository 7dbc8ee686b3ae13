"""derive: the backpropagation rules of deep learning, derived symbolically.

* ``derive.model(spec)`` - your own network: its derivation, a checker of hand calculations,
  its NumPy code (:mod:`derive.api`); ``derive.show``, ``derive.check``, ``derive.rules``;
* ``derive.grad(latex, wrt)``, ``derive.equiv(rule, quantity, latex)`` - the verbs ``grad`` and ``equiv``;
* ``derive.grade(folder)``, ``derive.exercise(rule, students)`` - for instructors (docs/teaching.md);
* ``derive.registry.rules()`` - every rule (symbols, forward definition, steps, result);
* ``derive.engine.verify.verify_rule(rule)`` - prove every step;
* ``derive.numpy`` - generated pure-NumPy gradient functions (no SymPy needed).

Importing ``derive`` imports nothing else: each name above loads its module on first use.
"""

import importlib
import sys
import types

__version__ = "0.1.0"

#: Subpackages that are also functions of :mod:`derive.api`: ``derive.model(spec)`` and ``derive.model.spec``.
CALLABLE_PACKAGES = ("model", "check", "rules")
#: Names of :mod:`derive.api` offered here.
API = ("show", "grad", "equiv", "grade", "exercise", "Model", "Derivation", "CheckReport", "Gradient", "Equivalence",
       "Grades", "ExerciseSheet")


class _CallablePackage(types.ModuleType):
    """A subpackage that is called as the function of :mod:`derive.api` with its name."""

    def __call__(self, *args, **kwargs):
        from derive import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Derive(types.ModuleType):
    """The package: the import system sets each subpackage as an attribute here; the three of
    :data:`CALLABLE_PACKAGES` become callable on the way."""

    def __setattr__(self, name, value):
        if name in CALLABLE_PACKAGES and isinstance(value, types.ModuleType) \
                and value.__name__ == f"{__name__}.{name}":
            value.__class__ = _CallablePackage
        super().__setattr__(name, value)


def __getattr__(name):
    if name in CALLABLE_PACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in API:
        return getattr(importlib.import_module(f"{__name__}.api"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(CALLABLE_PACKAGES) | set(API))


sys.modules[__name__].__class__ = _Derive
