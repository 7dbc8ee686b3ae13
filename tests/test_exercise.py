"""derive exercise: a different exercise for every student, whose key derive check marks all correct."""

from pathlib import Path

import numpy as np
import pytest

from derive import registry
from derive.check.batch import check_files
from derive.cli.main import main
from derive.teach.exercise import draw, student_seed
from derive.teach.sheet import answer_form, answer_key, markdown_sheet

RULES = list(registry.rules())
CLASS = [f"student{k:02d}" for k in range(50)]
MODEL = "worked_examples/models/classic_222.yaml"


def _keys_check(exercises, folder: Path) -> list:
    files = []
    for exercise in exercises:
        path = folder / f"{exercise.student}.yaml"
        path.write_text(answer_key(exercise), encoding="utf-8")
        files.append(path)
    return check_files(files)


def _distinct(exercises) -> int:
    return len({tuple((n, np.asarray(v).tobytes()) for n, v in sorted(e.inputs.items())) for e in exercises})


@pytest.mark.parametrize("target", RULES + [MODEL])
def test_every_key_is_all_correct_and_no_two_students_alike(target, tmp_path):
    exercises = draw(target, CLASS)
    reports = _keys_check(exercises, tmp_path)
    wrong = [(r.path, r.error or r.first_error) for r in reports if not r.ok]
    assert not wrong, wrong[:3]
    assert _distinct(exercises) == len(CLASS)


def test_the_numbers_are_the_students_own_and_reproducible():
    first, again = draw("softmax_ce", ["kim", "lee"]), draw("softmax_ce", ["lee", "kim"])
    assert first[0].inputs["o"].tolist() == again[1].inputs["o"].tolist()  # kim's, whatever the order
    assert student_seed("softmax_ce", "kim") != student_seed("softmax_ce", "lee")
    retake = draw("softmax_ce", ["kim"], salt="retake")
    assert retake[0].inputs["o"].tolist() != first[0].inputs["o"].tolist()
    assert all(v == round(v, 1) for v in first[0].inputs["o"])  # one decimal: pleasant by hand


def test_domains_and_hyperparameters_are_kept():
    for exercise in draw("adam", CLASS[:10]):
        assert exercise.inputs["t"] == 1 and exercise.inputs["lr"] == 0.1  # the lecture's, as the template
    for exercise in draw("softmax_ce", CLASS[:10]):
        y = exercise.inputs["y"]
        assert sorted(y.tolist()) == [0, 0, 1]  # one-hot
    for exercise in draw("jsd", CLASS[:10]):
        for name in ("p", "q"):
            assert np.isclose(exercise.inputs[name].sum(), 1) and np.all(exercise.inputs[name] > 0)


def test_no_window_of_a_max_pool_has_a_tie():
    """A tie would send the gradient to a cell by a convention: the draws stay away from it."""
    for exercise in draw("max_pool2d", CLASS):
        x = exercise.inputs["x"]
        channels, height, width = x.shape
        for c in range(channels):
            for i in range(0, height, 2):
                for j in range(0, width, 2):
                    window = np.sort(x[c, i:i + 2, j:j + 2].ravel())
                    assert window[-1] > window[-2], exercise.student


def test_no_relu_is_drawn_at_its_kink():
    for exercise in draw("feed_forward", CLASS):
        values = {n: np.asarray(v) for n, v in exercise.inputs.items()}
        s = values["W_1"] @ values["n"] + values["b_1"]
        assert np.all(np.abs(s) > 1e-4), exercise.student


def test_the_answer_form_filled_with_the_key_is_all_correct(tmp_path):
    exercise = draw("seq2seq_attention", ["kim"])[0]
    form, key = answer_form(exercise), answer_key(exercise)
    filled = form.split("answers:")[0].replace("title: \"kim", "title: \"kim (filled)") + "answers:" + \
        key.split("answers:")[1]
    path = tmp_path / "answers.yaml"
    path.write_text(filled, encoding="utf-8")
    assert check_files([path])[0].ok
    assert "..." in form.split("answers:")[1]


def test_the_sheets_ask_in_the_students_language():
    exercise = draw("softmax_ce", ["kim"])[0]
    english, korean = markdown_sheet(exercise, "en"), markdown_sheet(exercise, "ko")
    assert "Softmax + cross-entropy" in english and r"\frac{\partial L}{\partial o}" in english
    assert "소프트맥스" in korean and "구하시오" in korean
    for value in exercise.inputs["o"]:
        assert f"{value:g}" in english


def test_the_command_writes_a_sheet_and_a_key_per_student(tmp_path, capsys):
    roster = tmp_path / "class.csv"
    roster.write_text("# id, name\nkim,Kim Minji\nlee,Lee Seojun\n\npark\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["exercise", "lstm_step", "--students", str(roster), "--out", str(out), "--lang", "ko"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["kim", "lee", "park"]
    for student in ("kim", "lee", "park"):
        assert sorted(p.name for p in (out / student).iterdir()) == ["answers.yaml", "key.yaml", "sheet.md",
                                                                      "sheet.tex"]
        tex = (out / student / "sheet.tex").read_text(encoding="utf-8")
        assert r"\usepackage{kotex}" in tex and r"\begin{bmatrix}" in tex and tex.rstrip().endswith(r"\end{document}")
    capsys.readouterr()
    assert main(["check", *(str(out / s / "key.yaml") for s in ("kim", "lee", "park"))]) == 0


@pytest.mark.parametrize("argv, words", [
    (["exercise", "no_such_rule"], "unknown rule"),
    (["exercise", "softmax_ce", "--student", "../kim"], "student id"),
    (["exercise", "worked_examples/nothing_here.yaml"], "nothing_here.yaml"),
])
def test_bad_input_gets_one_clear_line(argv, words, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1


def test_a_class_list_with_a_bad_id_names_its_line(tmp_path, capsys):
    roster = tmp_path / "class.txt"
    roster.write_text("kim\nlee park\n", encoding="utf-8")
    assert main(["exercise", "softmax_ce", "--students", str(roster), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "class.txt" in err


@pytest.mark.parametrize("target, lang", [("softmax_ce", "en"), ("lstm_step", "ko"), ("conv2d", "ko"),
                                          (MODEL, "en")])
def test_the_latex_sheet_compiles(target, lang, tmp_path):
    from derive.teach.sheet import latex_sheet
    from test_latex_compile import compile_problems

    exercise = draw(target, ["kim_1"])[0]
    tex = tmp_path / "sheet.tex"
    tex.write_text(latex_sheet(exercise, lang), encoding="utf-8")
    assert compile_problems(tex, lang) == []


def test_a_template_in_another_convention_keeps_it_in_the_key_and_says_it_on_the_sheet(tmp_path):
    template = "worked_examples/conventions/bernoulli_entropy_bits.yaml"
    exercises = draw(template, CLASS[:10])
    assert all(r.ok for r in _keys_check(exercises, tmp_path))
    assert "conventions: {log_base: 2}" in answer_key(exercises[0])
    assert "log_base: 2" in markdown_sheet(exercises[0], "en")


def test_a_model_files_sheet_shows_the_network_and_a_rules_sheet_points_to_its_derivation():
    model_sheet = markdown_sheet(draw(MODEL, ["kim"])[0], "en")
    assert "model:" in model_sheet and "activation: sigmoid" in model_sheet
    assert "derive show softmax_ce" in markdown_sheet(draw("softmax_ce", ["kim"])[0], "en")
    xor = draw("worked_examples/models/xor_221.yaml", CLASS[:20])
    assert all(set(np.ravel(e.inputs["y"])) <= {0.0, 1.0} for e in xor)  # a sigmoid's target stays 0 or 1
