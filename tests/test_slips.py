"""What `derive check` says about a wrong number: the kind of slip, the numbers off, the accepted range.

Each kind of slip has a worked file under worked_examples/mistakes/ whose ``expect: slips:``
block names it; the report must name the same. Every readable report fits 100 columns and
never prints a negative zero; `derive equiv` prints its counterexample one input per line.
"""

import json
import re
import unicodedata
from pathlib import Path

import pytest

from derive.check import check_file, check_paths, format_report
from derive.check.judge import judge
from derive.check.slips import KINDS, explain, no_negative_zero
from derive.check.worked import load_file
from derive.cli.equiv import counterexample_lines
from derive.cli.main import main
from derive.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "worked_examples"
MISTAKES = EXAMPLES / "mistakes"
WIDTH = 100
#: A number that prints as zero with a minus sign: -0, -0.000, -0.0e+00 (not -0.0132).
NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(?:\.0*)?(?:e[+-]?\d+)?(?![\w.])")

#: The kinds of slip the checker must be able to name, each with a worked file.
REQUIRED = {"sign", "factor", "swapped", "transposed", "missing_term", "log_base", "activation",
            "wrong_value", "too_few_digits", "truncated"}


def declared_slips():
    """(file, quantity, kind) for every ``expect: slips:`` entry under worked_examples/mistakes."""
    found = []
    for path in sorted(MISTAKES.glob("*.yaml")):
        loaded = load_file(path)
        for name, kind in ((loaded.expect or {}).get("slips") or {}).items():
            found.append((path.name, name, kind))
    return found


def columns(line: str) -> int:
    """Terminal columns: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.parametrize("file, name, kind", declared_slips())
def test_the_report_names_the_declared_slip(file, name, kind):
    report = check_file(MISTAKES / file)
    assert report.error is None, report.error
    finding = report.findings.get(name)
    named = finding.slip.kind if finding is not None and finding.slip is not None else None
    assert named == kind, f"{file}: {name}: named {named}, declared {kind}"
    assert report.as_expected, report.explain()
    if kind is not None:
        assert finding.slip.message in format_report(report).replace("\n        ", " ")


def test_every_required_kind_has_a_worked_file():
    assert REQUIRED <= {kind for _, _, kind in declared_slips()}
    assert REQUIRED <= set(KINDS)


@pytest.mark.parametrize("file, name, words", [
    ("softmax_ce_sign_flipped.yaml", "dL/do", "sign flipped"),
    ("vae_kl_missing_half.yaml", "KL", "2 times the right value"),
    ("sigmoid_bce_log10.yaml", "L", "log base 10"),
    ("softmax_ce_swapped.yaml", "y_hat", "components [1] and [2] are swapped"),
    ("rnn_bptt_transposed.yaml", "dL/dW", "transpose of dL/dW"),
    ("lstm_step_transposed.yaml", "dL/dh", "W_y where W_yᵀ belongs"),
    ("lstm_step_wrong_activation.yaml", "dL/ds_o", "1−o² (tanh′) where o = σ(s_o) needs o(1−o)"),
    ("mlp_backprop_wrong_activation.yaml", "dL/ds_2", "1−z_2² (tanh′)"),
    ("l2_linreg_missing_term.yaml", "dL/dw", "the term 2·lam·w is missing"),
    ("l2_linreg_update_without_lr.yaml", "w_new", "the term −dL/dw·lr is 1/lr (= 10) times"),
    ("vae_kl_term_sign.yaml", "dKL/dlogvar", "the term −0.5 has the wrong sign"),
    ("rnn_bptt_wrong_step.yaml", "dL/ds_1", "computed with h_2 where h_1 belongs"),
    ("sigmoid_bce_truncated.yaml", "y_hat", "truncated, not rounded: 0.68997 rounds to 0.690, you wrote 0.689"),
    ("softmax_ce_too_few_digits.yaml", "L", "right, but written with too few digits: 0.4170 rounds to 0.42"),
    ("sigmoid_bce_whole_number.yaml", "y_hat", "a number without a decimal point is read as exact"),
])
def test_the_slip_is_said_in_words(file, name, words):
    report = check_file(MISTAKES / file)
    assert words in report.findings[name].slip.message


def test_a_rates_complement_is_a_factor_but_not_a_weights(tmp_path):
    """1 − p is a factor of dropout's slips; 1 − w of a weight w = 0.8 is not a factor of anything, and
    must not take the place of the size N = 5 that the slip (dE/dw divided by N once more) is about."""
    path = tmp_path / "n5.yaml"
    path.write_text("rule: l2_linreg\ninputs: {x: [1.0, 2.0, 3.0, 4.0, 5.0], y: [2.0, 4.0, 5.0, 4.0, 5.0], w: 0.8, "
                    "b: 0.0, lr: 0.1, lam: 0.1}\nanswers: {dE/dw: -1.76}\n")
    assert check_file(path).findings["dE/dw"].slip.message.startswith("1/N (= 1/5) times")
    report = check_file(MISTAKES / "dropout_backward_without_scale.yaml")
    assert report.findings["dL/dx"].slip.message.startswith("1 − p (= 0.75) times")


def test_components_off_and_the_accepted_range():
    report = check_file(MISTAKES / "softmax_ce_early_slip.yaml")
    finding = report.findings["y_hat"]
    assert finding.slip is None  # an arithmetic slip: no known kind
    assert finding.off == [(1,)]
    accepted = finding.accepted
    assert accepted["index"] == [1] and accepted["given"] == "0.60"
    assert accepted["expected"] == pytest.approx(0.628532, abs=1e-6) and accepted["tolerance"] == pytest.approx(0.005)
    assert accepted["low"] < accepted["expected"] < accepted["high"]
    text = format_report(report)
    assert "component [1] of 3 is off" in text
    assert "[1]: expected 0.629 ± 0.005, you wrote 0.60" in text
    # a carried answer says where its error came from
    assert "follows from your y_hat" in text


def test_matrix_positions_and_a_scalar_range():
    report = check_file(MISTAKES / "rnn_bptt_transposed.yaml")
    assert report.findings["dL/dW"].off == [(0, 1), (1, 0)]
    assert "positions (0, 1), (1, 0) of 2x2 are off" in format_report(report)
    scalar = check_file(MISTAKES / "sigmoid_bce_log10.yaml")
    assert "expected 0.4741 ± 0.0005, you wrote 0.206" in format_report(scalar)


def test_json_steps_carry_slip_components_and_range(capsys):
    assert main(["check", "--json", str(MISTAKES / "softmax_ce_sign_flipped.yaml")]) == 1
    steps = {s["name"]: s for s in json.loads(capsys.readouterr().out)["reports"][0]["steps"]}
    wrong = steps["dL/do"]
    assert {"name", "status", "given", "expected", "recomputed", "slip", "off_components", "accepted"} <= set(wrong)
    assert wrong["slip"]["kind"] == "sign" and wrong["slip"]["message"] == "sign flipped"
    assert wrong["off_components"] == [[0], [1], [2]]
    assert wrong["accepted"]["expected"] == pytest.approx(0.231224, abs=1e-6)
    assert steps["L"]["slip"] is None and steps["L"]["off_components"] is None and steps["L"]["accepted"] is None
    assert steps["y_hat"]["off_components"] == []


def test_detection_is_deterministic():
    worked = load_file(MISTAKES / "lstm_step_wrong_activation.yaml")
    steps = judge(worked)
    first, second = explain(worked, steps), explain(worked, steps)
    assert {k: v.to_json() for k, v in first.items()} == {k: v.to_json() for k, v in second.items()}


def test_a_right_answer_gets_no_finding():
    report = check_file(EXAMPLES / "softmax_ce_three_classes.yaml")
    assert report.ok and report.findings == {}


def test_an_unknown_slip_kind_is_unusable(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rule: sigmoid_bce\ninputs: {s: 0.5, y: 1}\nanswers: {y_hat: 0.622}\n"
                    "expect: {slips: {y_hat: typo}}\n")
    with pytest.raises(InputError, match="expect.slips.y_hat"):
        load_file(path)


# -- readable output ---------------------------------------------------------------

@pytest.fixture(scope="module")
def every_report():
    return {Path(r.path).relative_to(EXAMPLES).as_posix(): format_report(r) for r in check_paths([EXAMPLES])}


def test_every_report_line_fits_100_columns(every_report):
    assert "lstm_step_lecture.yaml" in every_report
    too_wide = [f"{path}: {columns(line)}: {line}" for path, text in every_report.items()
                for line in text.splitlines() if columns(line) > WIDTH]
    assert not too_wide, "\n".join(too_wide)


def test_no_report_prints_a_negative_zero(every_report):
    found = [f"{path}: {line}" for path, text in every_report.items() for line in text.splitlines()
             if NEGATIVE_ZERO.search(line)]
    assert not found, "\n".join(found)
    # the recomputed dL/do of this file has an exact -0.0: it prints as 0.000000
    assert "0.000000" in every_report["mistakes/lstm_step_transposed.yaml"]


def test_a_wide_matrix_is_stacked_a_row_per_line(every_report):
    lines = every_report["lstm_step_lecture.yaml"].splitlines()
    row = next(i for i, line in enumerate(lines) if line.split()[:1] == ["dL/dW_o"])
    assert "2x5 (below)" in lines[row]
    assert lines[row + 1].split()[0] == "yours" and lines[row + 1].rstrip().endswith(",")
    assert lines[row + 2].strip().startswith("[") and lines[row + 2].rstrip().endswith("]]")


@pytest.mark.parametrize("text, shown", [("-0.000000", "0.000000"), ("-0", "0"), ("-0.00e+00", "0.00e+00"),
                                         ("-0.0132", "-0.0132"), ("-10.0", "-10.0"), ("0.0", "0.0")])
def test_no_negative_zero(text, shown):
    assert no_negative_zero(text) == shown


def test_counterexample_one_input_per_line_relevant_first_capped():
    point = {f"W_c[{i},{j}]": 0.1 * i - 0.3 * j for i in (1, 2) for j in (1, 2, 3, 4)}
    point.update({f"x[{i}]": -0.0 if i == 1 else 1.5 for i in (1, 2)})
    point.update({f"b_{g}[{i}]": 0.25 for g in "fico" for i in (1, 2)})
    point.update({"h_prev[1]": 1.0, "h_prev[2]": 2.0, "C_prev[1]": 0.5, "C_prev[2]": 0.5})
    point.update({f"W_{g}[{i},{j}]": 0.5 for g in "fio" for i in (1, 2) for j in (1, 2, 3, 4)})
    order = ["x", "h_prev", "C_prev", "W_f", "W_i", "W_c", "W_o", "b_f", "b_i", "b_c", "b_o"]
    lines = counterexample_lines(point, order, r"W_c^\top \frac{\partial L}{\partial C}")
    assert lines[0] == "  W_c = [[-0.2, -0.5, -0.8, -1.1], [-0.1, -0.4, -0.7, -1]]"  # named in the formula
    assert lines[1] == "  x = [0, 1.5]"  # then the rule's order; no negative zero
    assert lines[2] == "  h_prev = [1, 2]"
    assert lines[-1].startswith("  (and 3 more: b_i, b_c, b_o")
    assert all(columns(line) <= WIDTH for line in lines)


def test_a_wide_counterexample_matrix_is_stacked():
    point = {f"W[{i},{j}]": 0.123456 * (i + j) for i in (1, 2) for j in range(1, 11)}
    lines = counterexample_lines(point, ["W"], "W")
    assert len(lines) == 2 and lines[0].startswith("  W = [[") and lines[1].startswith("       [")
    assert all(columns(line) <= WIDTH for line in lines)


def test_equiv_prints_a_readable_counterexample(capsys):
    assert main(["equiv", "softmax_ce", "dL/do", r"\hat{y} + y"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("not equivalent: ")
    start = next(i for i, line in enumerate(out) if line.startswith("counterexample"))
    assert [line.split(" = ")[0].strip() for line in out[start + 1:]] == ["y", "o"]
    assert all(columns(line) <= WIDTH for line in out)
