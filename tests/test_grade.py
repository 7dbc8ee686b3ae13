"""derive grade: a generated class of 500 students, counted independently, in every output format."""

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from derive.check.grade import Scheme, grade_folder, read_scheme
from derive.check.grade_output import gradescope_results, to_csv, to_json, to_markdown
from derive.cli.main import main
from derive.errors import InputError

QUANTITIES = ("y_hat", "L", "dL/do")
#: The mistakes of the generated class, and the status each makes of y_hat, L and dL/do.
KINDS = {
    "exact": ("correct", "correct", "correct"),
    "rounded": ("correct", "correct", "correct"),  # two decimals: within what two decimals allow
    "carried": ("wrong", "carried", "carried"),  # a slip in ŷ_1, then L and ŷ − y from it
    "sign": ("correct", "correct", "wrong"),  # y − ŷ
    "factor": ("correct", "correct", "wrong"),  # 2(ŷ − y)
    "missing": ("correct", "missing", "correct"),  # L left out
    "unusable": ("unusable", "unusable", "unusable"),  # not YAML
}


def _numbers(values, decimals):
    return "[" + ", ".join(f"{v:.{decimals}f}" for v in values) + "]"


def _student_file(kind: str, rng) -> str:
    o = np.round(rng.uniform(-2, 2, size=3), 1)
    label = int(rng.integers(3))
    y = np.eye(3)[label]
    y_hat = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
    decimals = 2 if kind == "rounded" else 4
    if kind == "carried":
        y_hat = np.round(y_hat, 4)
        y_hat[label] += 0.1 if y_hat[label] < 0.85 else -0.1
    gradient = {"sign": y - y_hat, "factor": 2 * (y_hat - y)}.get(kind, y_hat - y)
    answers = {"y_hat": _numbers(y_hat, decimals), "L": f"{-np.log(y_hat[label]):.{decimals}f}",
               '"dL/do"': _numbers(gradient, decimals)}
    if kind == "missing":
        del answers["L"]
    head = f"rule: softmax_ce\ninputs:\n  o: {_numbers(o, 1)}\n  y: [{', '.join(str(int(v)) for v in y)}]\n"
    text = head + "answers:\n" + "".join(f"  {k}: {v}\n" for k, v in answers.items())
    return text.replace("inputs:\n", "inputs: {\n") if kind == "unusable" else text


@pytest.fixture(scope="module")
def generated_class(tmp_path_factory):
    """500 students, each one file of a kind drawn at random; the kinds, by student."""
    folder = tmp_path_factory.mktemp("class")
    rng = np.random.default_rng(16)
    kinds = {}
    for k in range(500):
        kind = str(rng.choice(list(KINDS)))
        kinds[f"s{k:03d}"] = kind
        (folder / f"s{k:03d}.yaml").write_text(_student_file(kind, rng), encoding="utf-8")
    return folder, kinds


@pytest.fixture(scope="module")
def graded(generated_class):
    folder, _ = generated_class
    return grade_folder(folder, show_progress=False)


def test_the_class_summary_is_the_count_made_here(generated_class, graded):
    _, kinds = generated_class
    assert len(set(kinds.values())) == len(KINDS)  # every kind of mistake is in the class
    by_quantity = {q.quantity: q.counts for q in graded.quantities}
    assert list(by_quantity) == ["y_hat", "L", "dL/do"] or set(by_quantity) == set(QUANTITIES)
    for position, quantity in enumerate(QUANTITIES):
        expected = {}
        for kind in kinds.values():
            status = KINDS[kind][position]
            expected[status] = expected.get(status, 0) + 1
        got = {s: n for s, n in by_quantity[quantity].items() if n}
        assert got == expected, quantity


def test_each_student_is_marked_by_their_mistake(generated_class, graded):
    _, kinds = generated_class
    for student in graded.students:
        statuses = tuple(next(m.status for m in student.marks if m.quantity == q) for q in QUANTITIES)
        assert statuses == KINDS[kinds[student.student]], student.student
        credited = sum(s in ("correct", "carried") for s in statuses)
        assert student.score == credited and student.max_score == 3


def test_the_kinds_of_mistake_are_counted_across_different_numbers(generated_class, graded):
    _, kinds = generated_class
    gradient = next(q for q in graded.quantities if q.quantity == "dL/do")
    assert {kind: n for kind, n, _ in gradient.mistakes} == {
        "slip:sign": sum(k == "sign" for k in kinds.values()), "slip:factor": sum(k == "factor" for k in kinds.values())}
    y_hat = next(q for q in graded.quantities if q.quantity == "y_hat")
    assert [(kind, n) for kind, n, _ in y_hat.mistakes] == [("other", sum(k == "carried" for k in kinds.values()))]


def test_the_most_common_wrong_answers_carry_their_diagnosis(graded):
    gradient = next(q for q in graded.quantities if q.quantity == "dL/do")
    named = {m.slip for _, _, m in gradient.wrong_values}
    assert named <= {"sign", "factor"} and named
    assert all(count >= 1 for _, count, _ in gradient.wrong_values)
    counts = [count for _, count, _ in gradient.wrong_values]
    assert counts == sorted(counts, reverse=True)


def test_the_csv_has_a_row_per_student_with_their_points(generated_class, graded):
    _, kinds = generated_class
    rows = list(csv.DictReader(io.StringIO(to_csv(graded))))
    assert [r["student"] for r in rows] == sorted(kinds)
    for row in rows:
        assert row["softmax_ce:dL/do status"] == KINDS[kinds[row["student"]]][2]
        assert float(row["score"]) == sum(float(row[f"softmax_ce:{q} points"]) for q in QUANTITIES)


def test_the_json_and_markdown_name_every_quantity(graded):
    report = json.loads(json.dumps(to_json(graded)))
    assert report["exercise"] == {"softmax_ce": [q.quantity for q in graded.quantities]}
    assert len(report["students"]) == 500
    markdown = to_markdown(graded, "ko")
    assert "| `softmax_ce:dL/do` |" in markdown and "학생별 결과" in markdown


# -- Gradescope's results.json, as its autograder specification documents it ---------------------
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def validate_gradescope(results: dict) -> None:
    """The documented structure: a score at the top or on every test; tests with numeric score and
    max_score, a status passed/failed, text name/number/output; visibility among the documented ones."""
    allowed = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
               "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
    assert set(results) <= allowed, set(results) - allowed
    assert isinstance(results["tests"], list) and results["tests"]
    assert "score" in results or all("score" in t for t in results["tests"])
    if "score" in results:
        assert isinstance(results["score"], (int, float))
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in VISIBILITY
    assert isinstance(results.get("output", ""), str)
    test_keys = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                 "tags", "visibility", "extra_data"}
    for test in results["tests"]:
        assert set(test) <= test_keys, set(test) - test_keys
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test.get("status", "passed") in ("passed", "failed")
        for key in ("name", "number", "output"):
            assert isinstance(test.get(key, ""), str)
        assert test.get("visibility", "visible") in VISIBILITY
    if "score" in results:
        assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


def test_gradescope_results_follow_the_documented_structure(tmp_path, generated_class, capsys):
    folder, kinds = generated_class
    code = main(["grade", str(folder), "--gradescope", str(tmp_path / "gs")])
    assert code == 0
    written = sorted((tmp_path / "gs").glob("*/results.json"))
    assert len(written) == 500
    for path in written[:60]:
        results = json.loads(path.read_text(encoding="utf-8"))
        validate_gradescope(results)
        failed = {t["name"] for t in results["tests"] if t["status"] == "failed"}
        expected = {f"softmax_ce: {q}" for q, s in zip(QUANTITIES, KINDS[kinds[path.parent.name]])
                    if s not in ("correct", "carried")}
        assert failed == expected, path.parent.name


def test_a_wrong_answer_says_its_slip_in_the_students_language(graded):
    student = next(s for s in graded.students if any(m.slip == "sign" for m in s.marks))
    english, korean = gradescope_results(student, "en"), gradescope_results(student, "ko")
    validate_gradescope(english)
    assert any("sign flipped" in t["output"] for t in english["tests"])
    assert any("부호" in t["output"] for t in korean["tests"])


# -- a scheme, folders per student, bad input -------------------------------------------------------
def _write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = ("rule: softmax_ce\ninputs: {o: [2.0, 1.0, 0.1], y: [1, 0, 0]}\n"
        "answers: {y_hat: [0.659, 0.242, 0.099], L: 0.417, \"dL/do\": [-0.341, 0.242, 0.099]}\n")
CARRIED = ("rule: softmax_ce\ninputs: {o: [2.0, 1.0, 0.1], y: [1, 0, 0]}\n"
           "answers: {y_hat: [0.709, 0.242, 0.099], L: 0.3439, \"dL/do\": [-0.291, 0.242, 0.099]}\n")
SIGMOID = "rule: sigmoid_bce\ninputs: {s: 0.0, y: 1}\nanswers: {y_hat: 0.5, L: 0.693}\n"


def test_a_scheme_weighs_quantities_and_credits_carried_errors(tmp_path):
    _write(tmp_path / "class", "kim.yaml", CARRIED)
    scheme = _write(tmp_path, "scheme.yaml", 'weights: {"dL/do": 2, "softmax_ce:L": 0.5}\ncredit: {carried: 0.5}\n')
    kim = grade_folder(tmp_path / "class", read_scheme(scheme), show_progress=False).students[0]
    assert kim.max_score == 1 + 0.5 + 2
    assert kim.score == 0 + 0.5 * 0.5 + 2 * 0.5
    default = grade_folder(tmp_path / "class", Scheme(), show_progress=False).students[0]
    assert default.score == 2 and default.max_score == 3  # carried earns full credit by default


def test_a_folder_per_student_and_an_exercise_left_out(tmp_path):
    _write(tmp_path, "lee/softmax.yaml", GOOD)
    _write(tmp_path, "lee/sigmoid.yaml", SIGMOID)
    _write(tmp_path, "kim/softmax.yaml", GOOD)
    grades = grade_folder(tmp_path, show_progress=False)
    assert [s.student for s in grades.students] == ["kim", "lee"]
    kim, lee = grades.students
    assert lee.score == lee.max_score == 5
    assert kim.max_score == 5 and kim.score == 3
    assert {m.status for m in kim.marks if m.rule == "sigmoid_bce"} == {"missing"}


@pytest.mark.parametrize("scheme, field", [
    ("credit: {carried: 2}\n", "credit.carried"),
    ("credit: {partial: 0.5}\n", "credit"),
    ("weights: {L: -1}\n", "weights.L"),
    ("weights: [1, 2]\n", "weights"),
    ("marks: {}\n", None),
])
def test_a_bad_scheme_is_refused_naming_its_field(tmp_path, scheme, field, capsys):
    _write(tmp_path / "class", "kim.yaml", GOOD)
    path = _write(tmp_path, "scheme.yaml", scheme)
    with pytest.raises(InputError) as raised:
        read_scheme(path)
    assert raised.value.field == field
    code = main(["grade", str(tmp_path / "class"), "--scheme", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "scheme.yaml" in err and "Traceback" not in err and err.count("\n") == 1


def test_a_missing_folder_and_an_unwritable_output_are_refused_at_once(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nobody")]) == 2
    assert "nobody" in capsys.readouterr().err
    _write(tmp_path / "class", "kim.yaml", GOOD)
    assert main(["grade", str(tmp_path / "class"), "--csv", str(tmp_path / "no" / "such" / "grades.csv")]) == 2
    err = capsys.readouterr().err
    assert "--csv" in err and err.count("\n") == 1


def test_the_command_writes_every_format(tmp_path, capsys):
    _write(tmp_path / "class", "kim.yaml", GOOD)
    _write(tmp_path / "class", "lee.yaml", CARRIED)
    out = tmp_path / "out"
    out.mkdir()
    code = main(["grade", str(tmp_path / "class"), "--csv", str(out / "g.csv"), "--json", str(out / "g.json"),
                 "--markdown", str(out / "g.md"), "--lang", "ko"])
    printed = capsys.readouterr().out
    assert code == 0 and "학생 2명" in printed and "kim" in printed
    assert json.loads((out / "g.json").read_text(encoding="utf-8"))["students"][1]["score"] == 2
    assert (out / "g.csv").read_text(encoding="utf-8").startswith("student,score,max_score,percent")
    assert "값별 결과" in (out / "g.md").read_text(encoding="utf-8")
    assert main(["grade", str(tmp_path / "class"), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["students"][0]["student"] == "kim"


def test_grade_and_exercise_are_functions_too(tmp_path):
    import derive

    sheets = derive.exercise("softmax_ce", ["kim", "lee"], lang="ko")
    for sheet in sheets:
        _write(tmp_path / "class", f"{sheet.exercise.student}.yaml", sheet.key())
    assert "소프트맥스" in sheets[0]._repr_markdown_() and r"\begin{document}" in sheets[0].latex()
    grades = derive.grade(tmp_path / "class")
    assert [s.percent for s in grades.students] == [100.0, 100.0]
    assert "| `softmax_ce:dL/do` | 2 |" in grades._repr_markdown_() and "2 students" in str(grades)
    assert grades.to_json()["students"][0]["student"] == "kim" and grades.to_csv().startswith("student,")


def test_a_copied_exercise_earns_nothing_with_the_keys(tmp_path, capsys):
    """kim hands in lee's numbers (copied, all right): with the keys of derive exercise, it is not kim's."""
    keys = tmp_path / "keys"
    assert main(["exercise", "softmax_ce", "--student", "kim", "--student", "lee", "--out", str(keys)]) == 0
    _write(tmp_path / "class", "kim.yaml", (keys / "lee" / "key.yaml").read_text(encoding="utf-8"))
    _write(tmp_path / "class", "lee.yaml", (keys / "lee" / "key.yaml").read_text(encoding="utf-8"))
    capsys.readouterr()
    graded = {s.student: s for s in grade_folder(tmp_path / "class", keys=keys, show_progress=False).students}
    assert graded["lee"].score == 3 and graded["kim"].score == 0
    assert "not those of kim's exercise" in graded["kim"].errors[0]
    assert main(["grade", str(tmp_path / "class"), "--keys", str(tmp_path / "nowhere")]) == 2


def test_one_submission_writes_one_results_json(tmp_path, capsys):
    """In Gradescope's autograder: one student's submission in, /autograder/results/results.json out."""
    _write(tmp_path / "submission", "answers.yaml", CARRIED)
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    assert main(["grade", str(tmp_path / "submission"), "--gradescope", str(results)]) == 0
    written = json.loads(results.read_text(encoding="utf-8"))
    validate_gradescope(written)
    assert written["score"] == 2
    _write(tmp_path / "submission", "other.yaml", GOOD.replace("softmax_ce", "softmax_ce"))
    capsys.readouterr()
    assert main(["grade", str(tmp_path / "submission"), "--gradescope", str(results)]) == 2
    assert "one results.json holds one student" in capsys.readouterr().err


DERIVATIONS = Path(__file__).resolve().parent / "data" / "check" / "derivations"


def test_a_derivation_file_is_one_answer_marked_at_its_first_wrong_line(tmp_path):
    """A class hands in LaTeX derivations of dL/ds: right, wrong at line 3, and a worked file too."""
    shutil.copy(DERIVATIONS / "bce_good.yaml", tmp_path / "kim.yaml")
    bad = (DERIVATIONS / "bce_bad_line.yaml").read_text(encoding="utf-8").split("expect:")[0]
    _write(tmp_path, "lee.yaml", bad)
    _write(tmp_path, "park/derivation.yaml", (DERIVATIONS / "bce_good.yaml").read_text(encoding="utf-8"))
    _write(tmp_path, "park/numbers.yaml", SIGMOID)
    graded = grade_folder(tmp_path, show_progress=False)
    assert graded.exercise == {"sigmoid_bce": ["dL/ds (derivation)", "y_hat", "L"]}
    students = {s.student: s for s in graded.students}
    kim, lee, park = students["kim"], students["lee"], students["park"]
    assert [(m.quantity, m.status) for m in kim.marks] == [("dL/ds (derivation)", "correct"), ("y_hat", "missing"),
                                                            ("L", "missing")]
    lee_mark = lee.marks[0]
    assert lee_mark.status == "wrong" and lee_mark.note.say("en").startswith("line 3: DOES NOT FOLLOW")
    assert lee_mark.note.say("ko").startswith("3번째 줄: 2번째 줄에서 이어지지 않는다")
    assert lee_mark.given == r"-(y - y\hat{y} + \hat{y} + y\hat{y})"
    assert park.score == park.max_score == 3
    counts = next(q for q in graded.quantities if q.quantity == "dL/ds (derivation)")
    assert counts.counts["correct"] == 2 and counts.counts["wrong"] == 1
    assert counts.wrong_values[0][2].note.say("en").startswith("line 3")
