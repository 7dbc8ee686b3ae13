"""The registry of rules: a plain mapping from names to rules.

Each rule module registers its rule beside its definition (``register(rule)`` at
the end of the module); :func:`rules` imports every module of ``derive.rules``
once, so adding a rule is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil

from derive.errors import InputError

RULES: dict = {}

#: The rules the contract names; the coverage gap is computed from this, not tracked by hand.
HEADLINE_RULES = ("softmax_ce", "sigmoid_bce", "lstm_step", "vae_kl", "l1_linreg", "l2_linreg")

_loaded = False


def register(rule):
    if rule.name in RULES:
        raise ValueError(f"rule {rule.name} is registered twice")
    RULES[rule.name] = rule
    return rule


def rules() -> dict:
    """Every registered rule, by name, in the order of their modules."""
    global _loaded
    if not _loaded:
        import derive.rules as package

        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        _loaded = True
    return RULES


def get_rule(name: str):
    known = rules()
    if name not in known:
        raise InputError(f"unknown rule '{name}'; known rules: {', '.join(sorted(known))}")
    return known[name]


def missing_headline_rules() -> list[str]:
    return [name for name in HEADLINE_RULES if name not in rules()]
