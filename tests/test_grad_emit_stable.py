"""derive grad --emit-numpy writes functions that stay finite where the true values are finite."""

from __future__ import annotations

import json
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.cli.main import main
from derive.codegen.stable import stable_logs
from derive.symbolic.functions import sigmoid

BCE = r"-y\log\sigma(s) - (1-y)\log(1-\sigma(s))"
POINTS = [-1e4, -800.0, -40.0, 40.0, 800.0, 1e4]


def _true(s: float, y: float) -> dict:
    """The binary cross-entropy and its gradients at (s, y), with mpmath at 60 digits."""
    mpmath.mp.dps = 60
    s_, y_ = mpmath.mpf(s), mpmath.mpf(y)
    log_sigma = -mpmath.log1p(mpmath.exp(-s_)) if s_ > 0 else s_ - mpmath.log1p(mpmath.exp(s_))
    log_one_minus = -s_ + log_sigma
    return {"f": float(-y_ * log_sigma - (1 - y_) * log_one_minus),
            "df_ds": float(1 / (1 + mpmath.exp(-s_)) - y_),
            "df_dy": float(log_one_minus - log_sigma)}


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emitted")
    assert main(["grad", BCE, "--wrt", "s", "--wrt", "y", "--emit-numpy", str(folder / "bce.py")]) == 0
    return folder


def test_binary_cross_entropy_is_finite_and_exact_far_out(emitted):
    """Run with NumPy alone (derive blocked), overflow warnings as errors."""
    script = (
        "import sys, json, warnings\n"
        "sys.modules['derive'] = None\n"
        "warnings.simplefilter('error')\n"
        f"sys.path.insert(0, {str(emitted)!r})\n"
        "import numpy as np, bce\n"
        f"s = np.array({POINTS!r})\n"
        "out = {str(y): {k: getattr(bce, k)(s=s, y=y).tolist() for k in ('f', 'df_ds', 'df_dy')}\n"
        "       for y in (0.0, 1.0, 0.3)}\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    for y, functions in values.items():
        for name, got in functions.items():
            for s, value in zip(POINTS, got):
                expected = _true(s, float(y))[name]
                assert np.isfinite(value), (name, s, y)
                # σ(s) − y at y = 1 and s = 40 is −4.2e-18: a difference below float64's resolution of its
                # terms (σ(40) rounds to 1), as in any NumPy program; against values of order 1 that is exact
                assert value == pytest.approx(expected, rel=1e-12, abs=1e-16), (name, s, y)


def test_the_generated_module_uses_the_softplus_forms(emitted):
    source = (emitted / "bce.py").read_text()
    assert "numpy.log(" not in source and "_k.softplus(-s)" in source


@pytest.mark.parametrize("expr", [
    sp.log(sigmoid(sp.Symbol("s"))),
    sp.log(1 - sigmoid(2 * sp.Symbol("s") + 1)),
    sp.log(1 + sp.exp(sp.Symbol("s"))),
    3 * sp.log(1 / sigmoid(sp.Symbol("s")) - 1) + sp.log(sigmoid(-sp.Symbol("s"))),
])
def test_the_rewrites_are_identities(expr):
    stable = stable_logs(expr)
    assert stable != expr and not any(isinstance(n, sp.log) for n in sp.preorder_traversal(stable))
    s = sp.Symbol("s")
    for value in (-3.0, -0.5, 0.2, 1.7, 4.0):
        assert float(stable.subs(s, value).rewrite(sp.exp)) == pytest.approx(float(expr.subs(s, value).rewrite(sp.exp)),
                                                                           rel=1e-12)
