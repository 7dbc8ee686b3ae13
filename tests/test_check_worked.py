"""`derive check` on worked-example files: precision as written, the three statuses, the reports.

Each hand-made file under tests/data/check/worked names its situation; the asserted
numbers are worked out in the comments.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from derive.check import check_file, check_paths, format_table
from derive.check.worked import Scalar, latex_number, written_number
from derive.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "check" / "worked"
MISTAKES = ROOT / "worked_examples" / "mistakes"


def steps(name):
    report = check_file(DATA / name)
    assert report.error is None, report.error
    return report, {s.name: s for s in report.steps}


# -- numbers as written ----------------------------------------------------------------

@pytest.mark.parametrize("text, value, uncertainty", [
    ("0.60", 0.6, 0.005),
    ("0.6", 0.6, 0.05),
    ("0.600", 0.6, 0.0005),
    ("-1.25", -1.25, 0.005),
    (".5", 0.5, 0.05),
    ("3.", 3.0, 0.5),
    ("1", 1.0, 0.0),  # a whole number is exact
    ("-2", -2.0, 0.0),
    ("1.5e-3", 1.5e-3, 0.5e-4),  # the mantissa's last digit, scaled
    ("2e-3", 2e-3, 0.5e-3),
    ("+7.0E2", 700.0, 5.0),
])
def test_written_precision(text, value, uncertainty):
    number = written_number(Scalar(text, False, "tag:yaml.org,2002:float"), "f.yaml", "answers.L")
    assert number.value == pytest.approx(value)
    assert number.uncertainty == pytest.approx(uncertainty)


def test_latex_numbers_are_exact_unless_they_contain_decimals():
    assert latex_number(r"\frac{1}{2}", "f", "L").value == 0.5
    assert latex_number(r"\frac{1}{2}", "f", "L").uncertainty == 0.0
    assert latex_number(r"e^{-1}", "f", "L").value == pytest.approx(np.exp(-1))
    rounded = latex_number(r"-\log 0.7", "f", "L")
    assert rounded.value == pytest.approx(-np.log(0.7))
    # 0.7 stands for 0.65..0.75: the largest move of -log is at 0.65, log(0.7/0.65) = 0.0741
    assert rounded.uncertainty == pytest.approx(np.log(0.7 / 0.65), rel=1e-6)
    # the decimal survives even when SymPy folds 1 - 0.27 into 73/100
    folded = latex_number(r"-\log(1 - 0.27)", "f", "L")
    assert folded.uncertainty == pytest.approx(np.log(0.73 / 0.725), rel=1e-6)


# -- precision judged from the text ------------------------------------------------------

def test_trailing_zeros_are_a_claim_of_precision():
    # exact ŷ = σ(0.4) = 0.59869: "0.6" claims ±0.05 (correct), "0.600" claims ±0.0005 (wrong)
    _, short = steps("trailing_zeros_short.yaml")
    _, long = steps("trailing_zeros.yaml")
    assert short["y_hat"].status == "correct"
    assert long["y_hat"].status == "wrong"
    assert long["y_hat"].expected == pytest.approx(0.598688, abs=1e-6)


def test_whole_numbers_are_exact_within_round_off():
    report, by_name = steps("whole_numbers.yaml")
    assert [s.status for s in report.steps] == ["correct", "correct", "correct"]
    _, wrong = steps("whole_number_wrong.yaml")  # L = 1 for log 2 = 0.693
    assert wrong["L"].status == "wrong"


def test_scientific_notation():
    # exact ŷ_2 = e^-8/(1 + e^-8) = 3.3535e-4; 3.4e-4 ± 0.05e-4 holds it, 3.3e-4 ± 0.05e-4 does not
    _, good = steps("scientific.yaml")
    assert good["y_hat"].status == "correct" and good["L"].status == "correct"
    _, bad = steps("scientific_wrong.yaml")
    assert bad["y_hat"].status == "wrong"


def test_tolerance_override_replaces_the_written_precision():
    _, loose = steps("tolerance_override.yaml")  # |0.65 - 0.6590| = 0.009 <= 0.01
    _, strict = steps("tolerance_none.yaml")  # 0.009 > 0.005
    assert loose["y_hat"].status == "correct"
    assert strict["y_hat"].status == "wrong"


# -- statuses ------------------------------------------------------------------------------

def test_rounded_values_carried_forward_are_correct():
    report, by_name = steps("rounded_carried.yaml")
    assert [s.status for s in report.steps] == ["correct", "correct", "correct"]
    loss = by_name["L"]
    # 0.416 is not the exact 0.41703 within ±0.0005, but it is -log 0.66 = 0.41552 from the student's ŷ
    assert abs(loss.given - loss.expected) > 0.0005
    assert loss.recomputed == pytest.approx(-np.log(0.66))
    assert loss.uses == ["y_hat"]
    assert report.ok and report.first_error is None


def test_an_early_slip_with_consistent_later_answers_is_carried():
    report = check_file(MISTAKES / "softmax_ce_early_slip.yaml")
    by_name = {s.name: s for s in report.steps}
    assert [s.status for s in report.steps] == ["wrong", "carried", "carried"]
    assert report.first_error == "y_hat"
    assert by_name["L"].recomputed == pytest.approx(-np.log(0.60))
    assert by_name["dL/do"].recomputed == pytest.approx([0.23, -0.40, 0.14])
    assert not report.ok


def test_carried_from_a_carried_answer():
    # dL/dh wrong (W_y instead of W_yᵀ); dL/do = dL/dh ⊙ tanh C carried; dL/ds_o from that dL/do carried
    report, by_name = steps("carried_chain.yaml")
    assert [s.name for s in report.steps] == ["dL/dg", "dL/dh", "dL/do", "dL/ds_o"]  # dependency order
    assert [s.status for s in report.steps] == ["correct", "wrong", "carried", "carried"]
    assert by_name["dL/ds_o"].uses == ["dL/do"]
    assert by_name["dL/ds_o"].recomputed == pytest.approx([-0.093408, 0.0], abs=1e-6)
    assert report.first_error == "dL/dh"


def test_sign_error():
    report = check_file(MISTAKES / "softmax_ce_sign_flipped.yaml")
    by_name = {s.name: s for s in report.steps}
    assert by_name["dL/do"].status == "wrong"
    assert by_name["dL/do"].recomputed == pytest.approx([0.231, -0.371, 0.140])
    assert report.first_error == "dL/do"


def test_missing_factor_then_carried_update():
    report = check_file(MISTAKES / "l2_linreg_missing_factor.yaml")
    by_name = {s.name: s for s in report.steps}
    # dL/dw = dE/dw + 2λw = -12 + 0.1 = -11.9; the file has -12 + λw = -11.95
    assert by_name["dL/dw"].status == "wrong"
    assert by_name["dL/dw"].recomputed == pytest.approx(-11.9)
    assert by_name["w_new"].status == "carried"
    assert by_name["w_new"].recomputed == pytest.approx(0.5 + 0.1 * 11.95)
    assert by_name["b_new"].status == "correct"


def test_latex_answers():
    report, by_name = steps("latex_answers.yaml")
    assert [s.status for s in report.steps] == ["correct", "correct", "correct"]
    assert by_name["L"].given == pytest.approx(np.log(2))
    report, by_name = steps("latex_rounded.yaml")
    assert by_name["L"].status == "correct"  # -log 0.73 = 0.3147 vs 0.3133, within 0.005/0.73
    report = check_file(MISTAKES / "softmax_ce_wrong_class.yaml")
    assert [s.status for s in report.steps] == ["correct", "wrong", "correct"]


def test_one_component_off_makes_the_whole_quantity_wrong():
    _, by_name = steps("one_component_off.yaml")
    assert by_name["dL/do"].status == "wrong"


def test_unanswered_dependencies_use_exact_values():
    _, by_name = steps("partial_answers.yaml")
    assert by_name["L"].status == "correct"
    assert by_name["L"].uses == []
    assert by_name["L"].recomputed == pytest.approx(0.417030, abs=1e-6)


def test_every_deliberate_mistake_is_found_as_declared():
    reports = check_paths([MISTAKES])
    assert len(reports) >= 10
    for report in reports:
        assert report.error is None, report.error
        assert report.expected_failure, report.path
        assert report.as_expected, (report.path, report.mismatches)
        assert not report.ok
    statuses = {s.status for r in reports if r.kind == "worked" for s in r.steps}
    assert statuses == {"correct", "carried", "wrong"}


def test_expectation_mismatch_is_reported():
    report = check_file(DATA / "expectation_mismatch.yaml")
    assert report.ok and report.expected_failure
    assert not report.as_expected
    assert report.mismatches == ["first_error is None, expected y_hat"]


# -- reports and the command line -----------------------------------------------------------

def test_json_report_follows_the_contract(capsys):
    code = main(["check", "--json", str(MISTAKES / "softmax_ce_early_slip.yaml")])
    assert code == 1
    report = json.loads(capsys.readouterr().out)["reports"][0]
    assert report["rule"] == "softmax_ce" and report["ok"] is False and report["first_error"] == "y_hat"
    assert [s["name"] for s in report["steps"]] == ["y_hat", "L", "dL/do"]
    first = report["steps"][0]
    assert set(first) >= {"name", "status", "given", "expected", "recomputed"}
    assert first["given"] == [0.23, 0.60, 0.14]
    assert first["expected"] == pytest.approx([0.231224, 0.628532, 0.140244], abs=1e-6)
    assert report["as_expected"] is True


def test_table_shows_recomputed_values_for_carried_and_wrong(capsys):
    assert main(["check", str(MISTAKES / "softmax_ce_early_slip.yaml")]) == 1
    out = capsys.readouterr().out
    assert "quantity" in out and "from your numbers" in out
    line = next(l for l in out.splitlines() if l.strip().startswith("L "))
    assert "carried" in line and "0.51083" in line
    assert "first error: y_hat" in out


def test_exit_codes(capsys):
    assert main(["check", str(DATA / "rounded_carried.yaml")]) == 0
    assert main(["check", str(MISTAKES)]) == 1
    assert main(["check", "--expect", str(MISTAKES)]) == 0
    assert main(["check", "--expect", str(DATA / "expectation_mismatch.yaml")]) == 1
    capsys.readouterr()


def test_a_folder_means_every_yaml_file_under_it_in_order():
    reports = check_paths([DATA.parent])
    paths = [Path(r.path) for r in reports]
    assert paths == sorted(paths)
    assert {p.parent.name for p in paths} == {"worked", "derivations"}
    assert len(reports) == len(list(DATA.parent.rglob("*.yaml")))
    assert format_table(reports).splitlines()[-1].startswith(f"{len(reports)} file(s): ")


def test_optional_inputs_take_their_defaults_in_full_shape(tmp_path):
    # lstm_step's biases default to 0: s_f = W_f [h_prev; x] = [1.25, -1.25]; every quantity,
    # dL/dh_prev included, is judged without a traceback
    import importlib

    text = (MISTAKES / "lstm_step_transposed.yaml").read_text()
    text = text[:text.index("answers:")] + "answers:\n  s_f: [1.25, -1.25]\n"
    module = importlib.import_module("derive.numpy.lstm_step")
    inputs = {"x": [1.0], "h_prev": [0.5, -0.5], "C_prev": [0.2, -0.1],
              "W_f": [[0.5, 0.0, 1.0], [0.0, 0.5, -1.0]], "W_i": [[0.2, 0.1, 0.5], [-0.3, 0.4, 0.0]],
              "W_c": [[0.4, -0.2, 0.3], [0.1, 0.2, -0.5]], "W_o": [[0.3, 0.3, 0.3], [-0.2, 0.1, 0.6]],
              "W_y": [[1.0, -1.0], [0.5, 0.5]], "y": [1, 0]}
    exact = module.lstm_step(**{k: np.asarray(v, dtype=float)[None] for k, v in inputs.items()})
    text += f"  dL/dh_prev: {np.round(exact['dL/dh_prev'][0], 4).tolist()}\n"
    path = tmp_path / "lstm.yaml"
    path.write_text(text)
    report = check_file(path)
    assert report.error is None, report.error
    assert [s.status for s in report.steps] == ["correct", "correct"]
    assert report.steps[0].recomputed == pytest.approx([1.25, -1.25])


def test_checking_plain_numbers_does_not_import_sympy():
    # start-up stays lean: SymPy and the LaTeX parser load only for quoted LaTeX answers and derivations
    import subprocess
    import sys

    code = ("import sys; from derive.cli.main import main; "
            f"main(['check', {str(DATA / 'rounded_carried.yaml')!r}]); "
            "print('sympy' in sys.modules, 'latex2sympy2_extended' in sys.modules or 'antlr4' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False False"
