r"""Conventions as part of a rule: ½ in the squared error, a mean, (λ/2)‖w‖², log₂, the notes' δ = r − y.

Every variant of every rule with conventions goes through the checks of the rules
themselves (every step proven, NumPy = SymPy, central differences); the worked files
of ``worked_examples/conventions`` are all correct as declared, and the same answers
without the declaration are diagnosed with the convention to declare; the same for
``derive equiv`` formulas.
"""

import json
import subprocess
import sys
from pathlib import Path

import gradcheck
import numpy as np
import pytest

from derive import registry
from derive.check import check_file
from derive.check.conventions import MESSAGES, OWN, convention_slip, variant_module
from derive.check.worked import load_file
from derive.cli.main import main
from derive.engine.conventions import MEANING, alternatives, in_convention
from derive.engine.verify import verify_rule
from derive.printing.i18n import has_korean

ROOT = Path(__file__).resolve().parents[1]
WORKED = ROOT / "worked_examples" / "conventions"
RULES = registry.rules()
#: Rules whose variants are proven at their first proof size only (all sizes take 10 s and more).
SLOW_PROOFS = {"softmax_ce", "jsd", "mlp_backprop_regression", "gcn"}
VARIANTS = [(name, tuple(sorted(c.only(RULES[name].convention_keys).items())))
            for name in sorted(OWN) for c in alternatives(RULES[name])]


def variant(name, declared):
    return in_convention(RULES[name], dict(declared))


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- the rules ---------------------------------------------------------------------------

def test_the_table_of_conventions_is_the_rules_own():
    found = {name: rule.default_convention.only(rule.convention_keys)
             for name, rule in RULES.items() if rule.convention_keys}
    assert found == OWN


@pytest.mark.parametrize("name", sorted(OWN))
def test_a_rule_in_its_own_convention_is_the_rule_itself(name):
    rule = RULES[name]
    assert in_convention(rule, {}) is rule
    assert in_convention(rule, OWN[name]) is rule
    first = alternatives(rule)[0].only(rule.convention_keys)
    assert in_convention(rule, first) is in_convention(rule, dict(first))  # built once


@pytest.mark.parametrize("name, declared", VARIANTS, ids=[f"{n}-{dict(d)}" for n, d in VARIANTS])
def test_every_variant_is_proven(name, declared):
    rule = variant(name, declared)
    report = verify_rule(rule, rule.proof_sizes[:1] if name in SLOW_PROOFS else None)
    failures = [f"{c.describe()}: {c.proof.detail}" for c in report.failures]
    assert report.checks and not failures, f"{name} {dict(declared)} (stage: proof): " + "; ".join(failures)
    missing = [d.target for d in rule.derivations for step in d.steps if not has_korean(step)]
    assert not missing, f"{name} {dict(declared)}: steps without a Korean reason in {missing}"


@pytest.mark.parametrize("name, declared", VARIANTS, ids=[f"{n}-{dict(d)}" for n, d in VARIANTS])
def test_every_variant_numpy_equals_sympy_and_finite_differences(name, declared, monkeypatch):
    rule = variant(name, declared)
    function = getattr(variant_module(name, declared), name)
    inputs = gradcheck.random_inputs(rule, rule.test_sizes, 4, seed=2)  # the seed of tests/test_rules.py
    values = function(**inputs)
    expected = gradcheck.sympy_values(rule, rule.test_sizes, inputs)
    for quantity in rule.quantity_names:
        np.testing.assert_allclose(values[quantity], expected[quantity], rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} {dict(declared)}: {quantity} (stage: NumPy vs SymPy)")
    monkeypatch.setattr(gradcheck, "generated", lambda _: function)
    for gradient, of, wrt in gradcheck.input_gradients(rule):
        gradcheck.finite_difference_check(rule, inputs, gradient, of, wrt, rule.rtol)


@pytest.mark.parametrize("name", sorted(OWN))
def test_show_is_unchanged_by_default_and_places_the_constants(name, capsys):
    plain = run_cli(capsys, "show", name, "--no-proof")
    own = run_cli(capsys, "show", name, "--no-proof", *[f"--convention={k}={v}" for k, v in OWN[name].items()])
    assert plain == own
    other = alternatives(RULES[name])[0].only(RULES[name].convention_keys)
    code, out, _ = run_cli(capsys, "show", name, "--no-proof", "--convention",
                           ",".join(f"{k}={v}" for k, v in other.items()))
    assert code == 0 and out != plain[1] and "conventions {" in out.splitlines()[0]


def test_show_says_where_the_half_goes(capsys):
    code, out, _ = run_cli(capsys, "show", "l2_linreg", "--convention", "l2=half")
    assert code == 0
    assert "R = lam*w²/2" in out and "dL/dw = dE/dw + lam*w" in out and "w_new = (1 - lr lam) w" in out
    assert "all proven" in out
    code, out, _ = run_cli(capsys, "show", "linear_mse", "--no-proof", "--convention", "squared_error=full")
    assert "L = (y_hat - y)² " in out and "d/dŷ (ŷ − y)² = 2(ŷ − y)" in out


@pytest.mark.parametrize("args, words", [
    (["show", "linear_mse", "--convention", "l2=half"], ["'l2'", "linear_mse"]),
    (["show", "lstm_step", "--convention", "log_base=2"], ["'log_base'", "lstm_step", "no conventions"]),
    (["show", "l2_linreg", "--convention", "l2=third"], ["full or half", "'third'"]),
    (["show", "softmax_ce", "--convention", "base=2"], ["unknown convention 'base'"]),
    (["show", "softmax_ce", "--convention", "log_base"], ["KEY=VALUE"]),
    (["equiv", "linear_mse", "L", "x", "--convention", "reduce=mean"], ["'reduce'", "linear_mse"]),
])
def test_a_convention_that_does_not_apply_is_unusable(args, words, capsys):
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and not out and "Traceback" not in err and err.count("\n") == 1
    for word in words:
        assert word in err, (word, err)


# -- worked files ----------------------------------------------------------------------------

DECLARED = sorted(WORKED.glob("*.yaml"))


@pytest.mark.parametrize("path", DECLARED, ids=[p.name for p in DECLARED])
def test_a_file_answered_in_its_declared_convention_is_all_correct(path):
    report = check_file(path)
    assert report.error is None, report.error
    assert [s.status for s in report.steps] == ["correct"] * len(report.steps)


@pytest.mark.parametrize("path", DECLARED, ids=[p.name for p in DECLARED])
def test_the_same_answers_without_the_declaration_name_the_convention(path):
    report = check_file(WORKED / "undeclared" / path.name)
    assert report.error is None and not report.ok and report.as_expected, report.explain()
    wrong = [s.name for s in report.steps if s.status == "wrong"]
    assert wrong and report.first_error == wrong[0]
    declared = (path.read_text().split("conventions: ", 1) + [""])[1].split("\n", 1)[0]
    for name in wrong:
        slip = report.findings[name].slip
        assert slip is not None and slip.kind == "convention", (name, slip)
        if declared:  # "... add `conventions: {l2: half}`"
            assert f"add `conventions: {declared}`" in slip.message, slip.message
        else:  # the notes' δ = r − y: the quantity to answer instead
            assert "notes'" in slip.message and ("`delta" in slip.message or "`dw`" in slip.message)


def test_an_answer_in_the_rules_own_convention_under_another_declaration(tmp_path):
    text = (WORKED / "l2_linreg_half_penalty.yaml").read_text()
    path = tmp_path / "file.yaml"
    path.write_text(text.replace("R: 0.0125", "R: 0.0250"))  # λw², the rule's own, under {l2: half}
    report = check_file(path)
    assert report.first_error == "R"
    slip = report.findings["R"].slip
    assert slip.kind == "convention" and "declare `conventions: {l2: full}`" in slip.message, slip.message


def test_the_messages_have_korean():
    assert set(MESSAGES["ko"]) == set(MESSAGES["en"])
    assert all(len(words) == 2 and all(words) for words in MEANING.values())
    worked = load_file(WORKED / "undeclared" / "l2_linreg_half_penalty.yaml")
    text = convention_slip(worked, "R", lambda value: abs(float(value) - 0.0125) < 5e-5, lang="ko")
    assert "conventions: {l2: half}" in text and "선언" not in text and "추가하라" in text


def test_a_derivation_file_follows_its_declared_convention(tmp_path):
    text = ("rule: l2_linreg\nquantity: dL/dw\n{conventions}lines:\n"
            "  - '\\frac{\\partial E}{\\partial w} + \\frac{\\partial R}{\\partial w}'\n"
            "  - '\\frac{2}{N}\\sum_n (\\hat{y}_n - y_n) x_n + \\lambda w'\n")
    path = tmp_path / "derivation.yaml"
    path.write_text(text.replace("{conventions}", "conventions: {l2: half}\n"))
    report = check_file(path)
    assert report.ok and report.reaches, report.explain()
    path.write_text(text.replace("{conventions}", ""))
    assert check_file(path).first_error == 2
    path.write_text(text.replace("{conventions}", "conventions: {log_base: 2}\n"))
    error = check_file(path).error
    assert "conventions.log_base" in error and "l2_linreg" in error


def test_a_wrong_declaration_in_a_file_is_unusable(tmp_path, capsys):
    text = (ROOT / "worked_examples" / "linear_mse_two_inputs.yaml").read_text()
    cases = {"{l2: half}": ["conventions.l2", "'l2'", "linear_mse"],
             "{squared_error: third}": ["conventions.squared_error", "full or half", "'third'"],
             "{bits: 2}": ["unknown convention 'bits'"],
             "[half]": ["conventions", "mapping"],
             "{squared_error: [half]}": ["conventions.squared_error"]}
    for declaration, words in cases.items():
        path = tmp_path / "file.yaml"
        path.write_text(text + f"conventions: {declaration}\n")
        code, _, err = run_cli(capsys, "check", path)
        assert code == 2 and "Traceback" not in err, err
        for word in words:
            assert word in err, (declaration, word, err)


def test_the_rules_own_convention_declared_is_the_committed_module(tmp_path):
    text = (ROOT / "worked_examples" / "linear_mse_two_inputs.yaml").read_text()
    path = tmp_path / "file.yaml"
    path.write_text(text + "conventions: {squared_error: half}\n")
    report = check_file(path)
    assert report.ok, report.explain()
    assert variant_module("linear_mse", (("squared_error", "half"),)) is registry.numeric("linear_mse")


def test_checking_a_rule_with_conventions_without_declaring_one_does_not_import_sympy():
    code = ("import sys; from derive.cli.main import main; "
            f"main(['check', {str(ROOT / 'worked_examples' / 'l2_linreg_lecture14.yaml')!r}]); "
            "print('sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert done.stdout.strip().splitlines()[-1] == "False"


# -- the notes' δ = r − y and Δw = +η δ x ------------------------------------------------------

@pytest.mark.parametrize("name", ["mlp_backprop", "mlp_backprop_regression", "mlp_backprop_binary",
                                  "mlp_backprop_multilabel", "perceptron", "linear_mse"])
def test_the_notes_quantities_are_the_negative_gradients(name):
    rule = RULES[name]
    inputs = gradcheck.random_inputs(rule, rule.test_sizes, 3, seed=7)
    values = getattr(registry.numeric(name), name)(**inputs)
    pairs = {"perceptron": [("delta", "dE/ds", 1), ("dw", "dE/dw", "lr")],
             "linear_mse": [("delta", "dL/dy_hat", 1)]}.get(name)
    if pairs is None:
        pairs = [(f"delta_{l}", f"dL/ds_{l}", 1) for l in (1, 2, 3)]
        pairs += [(f"{d}_{l}", f"dL/d{d[1:]}_{l}", "lr") for d in ("dW", "db") for l in (1, 2, 3)]
    for ours, gradient, scale in pairs:
        factor = 1 if scale == 1 else inputs["lr"].reshape((-1,) + (1,) * (values[gradient].ndim - 1))
        np.testing.assert_allclose(values[ours], -factor * values[gradient], rtol=1e-12, atol=1e-14,
                                   err_msg=f"{name}: {ours} = −{scale}·{gradient}")


# -- derive equiv ----------------------------------------------------------------------------

EQUIV = [  # rule, quantity, the formula in the convention, the convention ({} for the notes' quantities)
    ("l2_linreg", "E", r"\frac{1}{2N}\sum_i (\hat{y}_i - y_i)^2", {"squared_error": "half"}),
    ("l2_linreg", "dL/dw", r"\frac{2}{N}\sum_i (\hat{y}_i - y_i) x_i + \lambda w", {"l2": "half"}),
    ("mlp_backprop_regression", "L", r"\frac{1}{2K}\sum_k (\hat{y}_k - y_k)^2", {"reduce": "mean"}),
    ("l1_linreg", "dL/db", r"2\sum_i (\hat{y}_i - y_i)", {"reduce": "sum"}),
    ("cross_entropy_kl", "H", r"-\sum_k p_k \log_2 p_k", {"log_base": "2"}),
    ("softmax_ce", "dL/do", r"\frac{\hat{y} - y}{\ln 2}", {"log_base": "2"}),
]


@pytest.mark.parametrize("rule, quantity, latex, declared", EQUIV, ids=[f"{r}-{q}" for r, q, _, _ in EQUIV])
def test_a_formula_in_another_convention(rule, quantity, latex, declared, capsys):
    flags = [f"--convention={k}={v}" for k, v in declared.items()]
    code, out, _ = run_cli(capsys, "equiv", rule, quantity, latex, "--json", *flags)
    assert code == 0 and json.loads(out)["verdict"] == "equivalent"
    code, out, _ = run_cli(capsys, "equiv", rule, quantity, latex, "--json")
    result = json.loads(out)
    assert code == 1 and result["mistake"] == "convention", result
    declaration = "{" + ", ".join(f"{k}: {v}" for k, v in declared.items()) + "}"
    assert f"add `conventions: {declaration}`" in result["diagnosis"], result["diagnosis"]


NOTES = [  # rule, the gradient, the notes' quantity, the notes' formula
    ("perceptron", "dE/ds", "delta", r"y - \hat{y}"),
    ("perceptron", "dE/dw", "dw", r"\eta (y - \hat{y}) x"),
    ("mlp_backprop_regression", "dL/ds_3", "delta_3", r"y - \hat{y}"),
]


@pytest.mark.parametrize("rule, gradient, ours, latex", NOTES, ids=[f"{r}-{o}" for r, _, o, _ in NOTES])
def test_the_notes_formulas(rule, gradient, ours, latex, capsys):
    code, out, _ = run_cli(capsys, "equiv", rule, ours, latex, "--json")
    assert code == 0 and json.loads(out)["verdict"] == "equivalent"
    code, out, _ = run_cli(capsys, "equiv", rule, gradient, latex, "--json")
    result = json.loads(out)
    assert code == 1 and result["mistake"] == "convention", result
    assert f"`{ours}`" in result["diagnosis"], result["diagnosis"]


def test_the_gradients_sign_in_the_notes_formula_is_named(capsys):
    code, out, _ = run_cli(capsys, "equiv", "perceptron", "dE/dw", r"(y - \hat{y}) x", "--json")
    result = json.loads(out)
    assert code == 1 and result["mistake"] == "convention" and "`dw`" in result["diagnosis"], result
