"""Derivation files: each line claimed equal to the one before; the first that is not, with a
counterexample; whether the last line reaches the rule's quantity."""

import json
import math
from pathlib import Path

import pytest

from derive.check import check_file, check_paths
from derive.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "check" / "derivations"
MISTAKES = ROOT / "worked_examples" / "mistakes"


def statuses(report):
    return [line.status for line in report.steps]


def test_a_correct_derivation_reaches_its_quantity():
    report = check_file(DATA / "bce_good.yaml")
    assert report.error is None, report.error
    assert report.kind == "derivation" and report.rule == "sigmoid_bce" and report.quantity == "dL/ds"
    assert statuses(report) == ["start", "follows", "follows", "follows", "follows"]
    assert report.reaches is True and report.first_error is None and report.ok
    assert report.steps[0].why == "chain rule through y_hat"  # the derivative ∂ŷ/∂s was taken, not a symbol


def test_the_first_bad_line_is_named_with_a_counterexample():
    report = check_file(DATA / "bce_bad_line.yaml")
    assert statuses(report) == ["start", "follows", "does_not_follow", "follows"]
    assert report.first_error == 3
    assert report.reaches is False and not report.ok
    bad = report.steps[2]
    assert set(bad.counterexample) == {"s", "y"}
    # line 2 is ŷ − y; line 3 is −(y + ŷ): they differ by 2ŷ at the counterexample
    assert bad.before - bad.after == pytest.approx(2 / (1 + math.exp(-bad.counterexample["s"])), rel=1e-9)
    assert report.as_expected  # the file declares first_error 3 and reaches false


def test_component_lines_with_a_kronecker_delta_and_a_vector_line():
    report = check_file(DATA / "softmax_components.yaml")
    assert statuses(report) == ["start", "follows", "follows", "follows"]
    assert report.reaches is True


def test_plain_algebra_without_a_rule():
    report = check_file(DATA / "algebra_no_rule.yaml")
    assert report.rule is None and report.reaches is None
    assert statuses(report) == ["start", "follows", "does_not_follow", "follows"]
    assert report.first_error == 3
    point = report.steps[2].counterexample
    assert point["a"] * point["b"] != 0  # (a + b)² ≠ a² + b² needs ab ≠ 0


def test_every_step_right_but_the_target_not_reached():
    report = check_file(DATA / "not_reaching.yaml")
    assert statuses(report) == ["start", "follows"]
    assert report.first_error is None and report.reaches is False and not report.ok


def test_deliberate_derivation_mistakes_in_the_examples():
    for name in ("sigmoid_bce_derivation_slip.yaml", "vae_kl_derivation_missing_term.yaml"):
        report = check_file(MISTAKES / name)
        assert report.first_error == 3 and report.reaches is False
        assert report.as_expected and report.expected_failure


def test_json_report(capsys):
    assert main(["check", "--json", str(DATA / "bce_bad_line.yaml")]) == 1
    report = json.loads(capsys.readouterr().out)["reports"][0]
    assert report["kind"] == "derivation" and report["reaches"] is False
    assert report["first_error"] == "line 3" and report["first_error_line"] == 3  # named, as in every report
    assert [l["status"] for l in report["lines"]] == ["start", "follows", "does_not_follow", "follows"]
    assert report["lines"][2]["why"] == "expand"
    assert set(report["lines"][2]["counterexample"]) == {"s", "y"}


def test_table(capsys):
    assert main(["check", str(DATA / "bce_bad_line.yaml")]) == 1
    out = capsys.readouterr().out
    assert "DOES NOT FOLLOW from line 2" in out
    assert "reaches dL/ds: no" in out
    assert "first line that does not follow: 3" in out


def _write(tmp_path, text, name="d.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_unknown_names_are_free_variables_in_a_derivation(tmp_path):
    path = _write(tmp_path, "rule: sigmoid_bce\nlines:\n  - '\\hat{y} \\delta + 0'\n  - '\\delta \\hat{y}'\n")
    report = check_file(path)
    assert statuses(report) == ["start", "follows"]


def test_a_line_that_cannot_be_read_names_the_line(tmp_path, capsys):
    path = _write(tmp_path, "rule: sigmoid_bce\nlines:\n  - '\\hat{y} - y'\n  - '\\hat{y} - '\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "lines[2]" in err and len(err.strip().splitlines()) == 1


def test_a_quantity_needs_its_rule(tmp_path, capsys):
    path = _write(tmp_path, "quantity: dL/ds\nlines: ['a', 'a']\n")
    assert main(["check", str(path)]) == 2
    assert "field 'quantity'" in capsys.readouterr().err


def test_unknown_quantity_of_the_rule(tmp_path):
    path = _write(tmp_path, "rule: sigmoid_bce\nquantity: dL/dz\nlines: ['a', 'a']\n")
    report = check_file(path)
    assert report.error is not None and "no quantity 'dL/dz'" in report.error


def test_derivation_expectations_mismatch(tmp_path):
    path = _write(tmp_path, "lines: ['(a+b)^2', 'a^2 + 2ab + b^2']\nexpect: {first_error: 2}\n")
    report = check_file(path)
    assert report.ok and not report.as_expected
    assert report.mismatches == ["first_error is None, expected 2"]


def test_mixed_folder_of_worked_and_derivation_files():
    reports = check_paths([DATA, MISTAKES / "softmax_ce_sign_flipped.yaml"])
    assert {r.kind for r in reports} == {"worked", "derivation"}
