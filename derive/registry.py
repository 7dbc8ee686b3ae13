"""The registry of rules: a plain mapping from names to rules, the one place that finds them.

Each rule module registers its rule beside its definition (``register(rule)`` at
the end of the module); :func:`rules` imports every module of ``derive.rules``
once, so adding a rule is adding a file. :func:`get_rule` imports only the module
named after the rule where there is one (``derive.rules.softmax_ce``), so that a
verb about one rule does not build them all; :func:`rules` keeps the order of the
modules whichever were imported first. The same walk collects the time and
depth loops (a module's ``LOOP``, see :mod:`derive.codegen.recurrence`): generated
NumPy code looping a proven step, not rules of their own.

Every verb finds its rule here: :func:`get_rule` (the SymPy rule: ``show``,
``equiv``, derivation files) and :func:`numeric` (the rule's generated module
``derive.numpy.<name>``: worked files, checked without importing SymPy). The
names :func:`numeric` accepts are :func:`rule_names`, the index that
``python -m derive.codegen`` writes from :func:`rules` (``derive.numpy.__all__``);
a golden test keeps it equal to :func:`rules`. Any other name is an
:class:`~derive.errors.InputError` listing the known rules.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

from derive.errors import InputError

RULES: dict = {}
#: Rule name -> the module that registered it (the order of :func:`rules`).
_MODULES: dict = {}
#: Loop name -> (the module's ``LOOP``, the rule module's name), filled by the walk of :func:`rules`.
LOOPS: dict = {}

#: The rules the contract names; the coverage gap is computed from this, not tracked by hand.
HEADLINE_RULES = ("softmax_ce", "sigmoid_bce", "lstm_step", "vae_kl", "l1_linreg", "l2_linreg")

_loaded = False


def register(rule):
    if rule.name in RULES:
        raise ValueError(f"rule {rule.name} is registered twice")
    RULES[rule.name] = rule
    _MODULES[rule.name] = sys._getframe(1).f_globals.get("__name__", "")  # the rule module calling
    return rule


def rules() -> dict:
    """Every registered rule, by name, in the order of their modules."""
    global _loaded
    if not _loaded:
        import derive.rules as package

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                module = importlib.import_module(f"{package.__name__}.{info.name}")
                loop = getattr(module, "LOOP", None)
                if loop is not None:
                    LOOPS[loop.name] = (loop, module.__name__)
        # in the order of the modules, also when get_rule imported some of them first
        ordered = sorted(RULES.items(), key=lambda item: _MODULES[item[0]])
        RULES.clear()
        RULES.update(ordered)
        _loaded = True
    return RULES


def loops() -> dict:
    """Every ``LOOP`` declared by a rule module: loop name -> (loop, rule module name)."""
    rules()
    return dict(sorted(LOOPS.items()))


def get_rule(name: str, *, path: str | None = None, field: str | None = None):
    """The rule ``name``; an unknown name is an InputError (naming ``path`` and ``field``)."""
    if isinstance(name, str) and name not in RULES and not _loaded and _own_module(name):
        importlib.import_module(f"derive.rules.{name}")
    known = RULES if isinstance(name, str) and name in RULES else rules()
    if not isinstance(name, str) or name not in known:
        raise unknown_rule(name, path=path, field=field)
    return known[name]


def _own_module(name: str) -> bool:
    """Whether ``derive.rules`` has a module named ``name`` (a rule's usual home)."""
    import derive.rules as package

    return name.isidentifier() and not name.startswith("_") and any(
        f"{name}.py" in os.listdir(folder) for folder in package.__path__)  # the exact case, as imports


def rule_names() -> list[str]:
    """The name of every rule, without importing a rule module (nor SymPy)."""
    import derive.numpy

    return list(derive.numpy.__all__)


def numeric(name: str, *, path: str | None = None, field: str | None = None):
    """The generated NumPy module of the rule ``name``: ``INPUTS``, ``DOMAINS``, ``QUANTITIES``,
    ``FROM_DEPENDENCIES`` and the batched function ``name``."""
    if not isinstance(name, str) or name not in rule_names():
        raise unknown_rule(name, path=path, field=field)
    return importlib.import_module(f"derive.numpy.{name}")


def unknown_rule(name, *, path: str | None = None, field: str | None = None) -> InputError:
    """The error for a name that is not a rule; a generated loop's name says what it is instead."""
    known = ", ".join(sorted(rule_names()))
    if isinstance(name, str) and name in loops():
        module = loops()[name][1].rsplit(".", 1)[-1]
        return InputError(f"{name!r} is not a rule: it is the generated NumPy loop derive.numpy.{name}, "
                          f"whose step is proven in derive/rules/{module}.py; known rules: {known}",
                          path=path, field=field)
    return InputError(f"unknown rule {name!r}; known rules: {known}", path=path, field=field)


def missing_headline_rules() -> list[str]:
    return [name for name in HEADLINE_RULES if name not in rules()]
