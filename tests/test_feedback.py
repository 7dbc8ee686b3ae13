"""A course's own feedback: anticipated mistakes change the messages and the credit, in English and Korean."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from derive import registry
from derive.check import check_paths
from derive.check.compare import Form, free_indices
from derive.check.equiv import read_formula
from derive.check.feedback import apply_feedback, formula_value, read_feedback
from derive.check.grade import grade_folder
from derive.check.grade_output import to_json
from derive.cli.main import main
from derive.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FEEDBACK = ROOT / "docs" / "teaching" / "feedback_softmax_ce.yaml"
SAMPLES = ROOT / "docs" / "teaching" / "samples"
#: sample file -> (the quantity, the anticipated mistake that must fit it, the credit it declares)
DECLARED = {
    "backwards.yaml": ("dL/do", "gradient_backwards", 0.5),
    "minus_one.yaml": ("dL/do", "gradient_minus_one_everywhere", 0.25),
    "doubled.yaml": ("dL/do", "squared_error_habit", 0.25),
    "loss_on_scores.yaml": ("L", "loss_on_scores", 0.0),
    "log10.yaml": ("L", "log_base_ten", 0.5),
    "normalized.yaml": ("y_hat", "normalized_scores", 0.0),
}


def test_the_course_file_has_at_least_five_mistakes_in_both_languages():
    feedback = read_feedback(FEEDBACK)
    assert len(feedback.mistakes) >= 5
    assert all(set(m.messages) == {"en", "ko"} for m in feedback.mistakes)
    assert {m.id for m in feedback.mistakes} >= {mistake for _, mistake, _ in DECLARED.values()}


def test_each_saved_answer_gets_the_courses_diagnosis():
    reports = {Path(r.path).name: r for r in check_paths([SAMPLES])}
    apply_feedback(read_feedback(FEEDBACK), list(reports.values()))
    for name, (quantity, mistake, _) in DECLARED.items():
        assert reports[name].feedback[quantity].id == mistake, name
        assert reports[name].as_expected, (name, reports[name].mismatches)
    assert reports["right.yaml"].feedback == {} and reports["right.yaml"].ok


def test_the_samples_rerun_as_expected_only_with_the_feedback(capsys):
    assert main(["check", "--feedback", str(FEEDBACK), "--expect", str(SAMPLES)]) == 0
    capsys.readouterr()
    assert main(["check", "--expect", str(SAMPLES)]) == 1  # without it, no course diagnosis is found
    assert "course feedback on dL/do: found None, expected gradient_backwards" in capsys.readouterr().out


@pytest.mark.parametrize("lang, words", [("en", "your course: y − ŷ is the direction"),
                                         ("ko", "강의의 안내: y − ŷ 는 손실을 줄이는 방향")])
def test_the_message_is_in_the_readers_language(lang, words, capsys):
    code = main(["check", "--feedback", str(FEEDBACK), "--lang", lang, str(SAMPLES / "backwards.yaml")])
    out = capsys.readouterr().out
    assert code == 1 and words in out
    lines = out.splitlines()
    course = next(k for k, line in enumerate(lines) if words.split(":")[0] in line)
    derive_own = next(k for k, line in enumerate(lines) if ("sign flipped" if lang == "en" else "부호") in line)
    assert course < derive_own  # the course's words first


def test_the_json_names_the_feedback(capsys):
    main(["check", "--feedback", str(FEEDBACK), "--json", str(SAMPLES / "log10.yaml")])
    step = next(s for s in json.loads(capsys.readouterr().out)["reports"][0]["steps"] if s["name"] == "L")
    assert step["feedback"]["id"] == "log_base_ten" and step["feedback"]["credit"] == 0.5
    assert step["feedback"]["messages"]["ko"].startswith("이 강의에서 log 는 자연로그")


def test_grading_gives_the_declared_credit_and_messages(tmp_path):
    for name in [*DECLARED, "right.yaml"]:
        shutil.copy(SAMPLES / name, tmp_path / name)
    feedback = read_feedback(FEEDBACK)
    graded = {s.student: s for s in grade_folder(tmp_path, feedback=feedback, show_progress=False).students}
    plain = {s.student: s for s in grade_folder(tmp_path, show_progress=False).students}
    for name, (quantity, mistake, credit) in DECLARED.items():
        student = name.removesuffix(".yaml")
        mark = next(m for m in graded[student].marks if m.quantity == quantity)
        assert mark.feedback.id == mistake and mark.credit == credit
        assert graded[student].score == pytest.approx(plain[student].score + credit), student
    report = to_json(grade_folder(tmp_path, feedback=feedback, show_progress=False), "ko")
    backwards = next(s for s in report["students"] if s["student"] == "backwards")
    answer = next(a for a in backwards["answers"] if a["quantity"] == "dL/do")
    assert answer["feedback"] == "gradient_backwards" and answer["diagnosis"].startswith("강의의 안내")


def test_grade_takes_the_feedback_file_on_the_command_line(tmp_path, capsys):
    shutil.copy(SAMPLES / "doubled.yaml", tmp_path / "kim.yaml")
    assert main(["grade", str(tmp_path), "--feedback", str(FEEDBACK), "--json", "-"]) == 0
    kim = json.loads(capsys.readouterr().out)["students"][0]
    assert kim["score"] == 1.25 and kim["max_score"] == 2


# -- formulas ------------------------------------------------------------------------------------------
def _form(latex):
    rule = registry.get_rule("softmax_ce")
    expr = read_formula(rule, latex, "test")
    return Form(expr, free_indices(rule, expr))


def test_formulas_run_over_free_indices_and_sums():
    values = {"o": np.array([2.0, 1.0, 0.1]), "y": np.array([1.0, 0.0, 0.0]), "y_hat": np.array([0.5, 0.3, 0.2])}
    assert formula_value("softmax_ce", _form(r"-\sum_k y_k o_k"), values, ()) == -2.0
    np.testing.assert_allclose(formula_value("softmax_ce", _form(r"\hat{y}_k - 1"), values, (3,)), [-0.5, -0.7, -0.8])
    np.testing.assert_allclose(formula_value("softmax_ce", _form(r"2(\hat{y} - y)"), values, (3,)), [-1.0, 0.6, 0.4])
    np.testing.assert_allclose(formula_value("softmax_ce", _form(r"o_k / \sum_j o_j"), values, (3,)),
                               values["o"] / 3.1)


# -- bad files -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, field", [
    ("mistakes: []\n", "mistakes"),
    ("mistakes:\n  - {id: a, quantity: L, message: m}\n", "mistakes[0]"),
    ("mistakes:\n  - {id: a, quantity: L, slip: sign, times: 2, message: m}\n", "mistakes[0]"),
    ("mistakes:\n  - {id: a, quantity: L, slip: upside_down, message: m}\n", "mistakes[0].slip"),
    ("mistakes:\n  - {id: a, quantity: L, slip: sign, message: m, credit: 2}\n", "mistakes[0].credit"),
    ("mistakes:\n  - {id: a, quantity: L, slip: sign, message: {fr: m}}\n", "mistakes[0].message"),
    ("rule: softmax_ce\nmistakes:\n  - {id: a, quantity: L, value: '\\hat{y} +', message: m}\n", "mistakes[0].value"),
    ("rule: softmax_ce\nmistakes:\n  - {id: a, quantity: L, value: \"__import__('os')\", message: m}\n",
     "mistakes[0].value"),
    ("mistakes:\n  - {id: a, quantity: L, value: '\\hat{y}', message: m}\n", "mistakes[0].value"),  # no rule
    ("mistakes:\n  - {id: a, quantity: L, slip: sign, message: m}\n  - {id: a, quantity: L, times: 3, message: m}\n",
     "mistakes[1].id"),
])
def test_a_bad_feedback_file_is_refused_naming_the_field(body, field, tmp_path, capsys):
    path = tmp_path / "course.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_feedback(path)
    assert raised.value.field == field
    assert main(["check", "--feedback", str(path), str(SAMPLES / "right.yaml")]) == 2
    err = capsys.readouterr().err
    assert "course.yaml" in err and "Traceback" not in err and err.count("\n") == 1
