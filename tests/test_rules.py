"""Every registered rule, through the same checks: proven steps, NumPy = SymPy, finite differences."""

import numpy as np
import pytest

from derive.engine.verify import verify_rule
from derive.registry import missing_headline_rules, rules
from gradcheck import finite_difference_check, generated, input_gradients, random_inputs, sympy_values

RULE_NAMES = sorted(rules())


BATCH = 5


def test_headline_coverage_is_computed():
    assert set(missing_headline_rules()) <= {"lstm_step", "vae_kl", "l1_linreg", "l2_linreg"}


@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_step_is_proven(name):
    report = verify_rule(rules()[name])
    assert report.checks, f"{name}: nothing was checked"
    failures = [f"{c.describe()}: {c.proof.detail}" for c in report.failures]
    assert not failures, f"{name} (stage: proof): " + "; ".join(failures)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_numpy_equals_sympy(name):
    rule = rules()[name]
    inputs = random_inputs(rule, rule.test_sizes, BATCH)
    values = generated(rule)(**inputs)
    assert list(values) == rule.quantity_names
    expected = sympy_values(rule, rule.test_sizes, inputs)
    for quantity in rule.quantity_names:
        np.testing.assert_allclose(values[quantity], expected[quantity], rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name}: {quantity} (stage: NumPy vs SymPy)")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_gradients_match_finite_differences(name):
    rule = rules()[name]
    inputs = random_inputs(rule, rule.test_sizes, BATCH, seed=2)
    gradients = input_gradients(rule)
    assert gradients or not rule.gradient_quantities(), f"{name}: no gradient to check"
    for gradient, of, wrt in gradients:
        finite_difference_check(rule, inputs, gradient, of, wrt, rule.rtol)
