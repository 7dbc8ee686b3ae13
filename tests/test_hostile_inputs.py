r"""Malformed and hostile inputs, written out one by one: each ends with exit 2 and one line naming
the file and the field, or with a verdict, within its CPU budget; never a traceback.

The generated cases (every payload at every position, every verb, every derive.numpy function) are
in test_hostile_worked.py, test_hostile_cli.py and test_hostile_numpy.py; the harness that runs and
judges a case, and the list of known failures elsewhere, in hostile/harness.py. The malformed files
are written here (tmp_path), one per kind, so that each test shows its input.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile.harness import VERDICT_CPU, assert_unusable, invoke, judge, warm_up


@pytest.fixture(scope="module", autouse=True)
def _warm():
    """What the verbs import is imported before the first case, outside any case's CPU budget."""
    warm_up()


ROOT = Path(__file__).resolve().parents[1]

GOOD_INPUTS = "rule: softmax_ce\ninputs:\n  o: [2.0, 1.0, 0.1]\n  y: [1, 0, 0]\n"


def run(capsys, *args, cpu=VERDICT_CPU):
    """derive ARGS in this process, judged by the properties every call has (hostile.harness.judge)."""
    return judge(invoke(capsys, *args, cpu=cpu), cpu=cpu)


def check_unusable(capsys, path, *words):
    outcome = run(capsys, "check", str(path))
    return assert_unusable(outcome, str(path), *words)


def write(tmp_path, content, name="w.yaml"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


# -- files that are not YAML, or not safe YAML ------------------------------------------------

@pytest.mark.parametrize("content, words", [
    ("", ["empty"]),
    ("   \n\n  # only a comment\n", ["empty"]),
    (b"rule: softmax_ce\n\xff\xfe\x80 garbage\n", ["not UTF-8"]),
    (bytes(range(256)) * 8, ["not UTF-8"]),
    (b"\x00\x01\x02binary\x00", ["binary"]),
    ("rule: [unclosed\n", ["not valid YAML"]),
    ("a: 1\n---\nb: 2\n", ["not valid YAML"]),
    ("rule: softmax_ce\nrule: sigmoid_bce\n", ["field 'rule'", "given twice"]),
])
def test_not_yaml(tmp_path, capsys, content, words):
    check_unusable(capsys, write(tmp_path, content), *words)


def test_yaml_bomb(tmp_path, capsys):
    bomb = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    bomb += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
             for i in range(1, 10)]
    check_unusable(capsys, write(tmp_path, "\n".join(bomb) + "\n"), "aliases")


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/object/apply:os.system",
                                 "!!python/name:builtins.eval", "!!binary"])
def test_yaml_tags(tmp_path, capsys, tag):
    content = f"rule: softmax_ce\ninputs: {tag} [ls]\nanswers: {{L: 1}}\n"
    check_unusable(capsys, write(tmp_path, content), "tags", "field 'inputs'")


def test_merge_keys(tmp_path, capsys):
    check_unusable(capsys, write(tmp_path, GOOD_INPUTS + "answers:\n  <<: {L: 0.4}\n"), "merge")


def test_ten_megabyte_file(tmp_path, capsys):
    path = write(tmp_path, GOOD_INPUTS + "answers:\n  L: 0.417\n" + "# " + "x" * 10_000_000 + "\n")
    check_unusable(capsys, path, "too large")


def test_nested_a_thousand_deep(tmp_path, capsys):
    """Refused with one line naming the file; the words are derive's or PyYAML's (they differ by release)."""
    check_unusable(capsys, write(tmp_path, "rule: softmax_ce\ninputs: " + "[" * 1000 + "]" * 1000 + "\n"))


def test_too_many_numbers(tmp_path, capsys):
    vector = "[" + ", ".join(["0.5"] * 20_000) + "]"
    check_unusable(capsys, write(tmp_path, f"rule: softmax_ce\ninputs:\n  o: {vector}\n  y: {vector}\n"
                                           "answers: {L: 1}\n"), "too many numbers")


# -- the wrong structure ---------------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    ("- rule: softmax_ce\n- inputs: {}\n", ["expected a mapping", "got a list"]),
    ("just a sentence\n", ["expected a mapping"]),
    ("inputs: {o: [1, 2]}\nanswers: {L: 1}\n", ["missing field 'rule'"]),
    ("rule: no_such_rule\ninputs: {}\nanswers: {L: 1}\n", ["field 'rule'", "unknown rule 'no_such_rule'"]),
    ("rule: _kernels\ninputs: {}\nanswers: {L: 1}\n", ["field 'rule'", "unknown rule"]),
    ("rule: ../../etc/passwd\ninputs: {}\nanswers: {L: 1}\n", ["field 'rule'", "unknown rule"]),
    ("rule: [softmax_ce]\ninputs: {}\nanswers: {L: 1}\n", ["field 'rule'", "expected a text"]),
    ("rule: softmax_ce\nanswers: {L: 1}\n", ["missing field 'inputs'"]),
    ("rule: softmax_ce\ninputs: [1, 2]\nanswers: {L: 1}\n", ["field 'inputs'", "expected a mapping"]),
    (GOOD_INPUTS, ["missing field 'answers'"]),
    (GOOD_INPUTS + "answers: {}\n", ["field 'answers'", "at least one answer"]),
    (GOOD_INPUTS + "answers: [0.4]\n", ["field 'answers'", "expected a mapping"]),
])
def test_structure(tmp_path, capsys, content, words):
    check_unusable(capsys, write(tmp_path, content), *words)


# -- inputs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("inputs, words", [
    ("o: [2.0, 1.0, 0.1]\n  y: [1, 0]", ["field 'inputs.y'", "K = 3 (from inputs.o)"]),
    ("o: [2.0, 1.0, 0.1]", ["field 'inputs'", "missing y"]),
    ("o: [2.0, 1.0, 0.1]\n  y: [1, 0, 0]\n  z: [1]", ["field 'inputs.z'", "not an input of softmax_ce"]),
    ("o: [[2.0, 1.0], [0.1]]\n  y: [1, 0, 0]", ["field 'inputs.o'", "rows have different lengths"]),
    ("o: 2.0\n  y: [1, 0, 0]", ["field 'inputs.o'", "expected a list of K numbers"]),
    ("o: [2.0, .nan, 0.1]\n  y: [1, 0, 0]", ["field 'inputs.o[1]'", "finite"]),
    ("o: [2.0, 1.0, 0.1]\n  y: [1, 0, \"\\\\frac{1}{2}\"]", ["field 'inputs.y[2]'", "expected a number"]),
    ("o: []\n  y: [1, 0, 0]", ["field 'inputs.o'", "empty list"]),
    ("o: [2.0, 1.0, 0x1F]\n  y: [1, 0, 0]", ["field 'inputs.o[2]'", "decimal"]),
    ("o: [2.0, 1.0, 1e999]\n  y: [1, 0, 0]", ["field 'inputs.o[2]'", "out of range"]),
])
def test_inputs(tmp_path, capsys, inputs, words):
    content = f"rule: softmax_ce\ninputs:\n  {inputs}\nanswers: {{L: 0.417}}\n"
    check_unusable(capsys, write(tmp_path, content), *words)


def test_lstm_matrix_of_the_wrong_width(tmp_path, capsys):
    text = (ROOT / "worked_examples" / "mistakes" / "lstm_step_transposed.yaml").read_text()
    text = text.replace("W_f: [[0.5, 0.0, 1.0], [0.0, 0.5, -1.0]]", "W_f: [[0.5, 0.0], [0.0, 0.5]]")
    check_unusable(capsys, write(tmp_path, text), "field 'inputs.W_f'", "D + H", "D = 1 (from inputs.x)")


# -- answers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("answers, words", [
    ("dL/dx: 1.0", ["field 'answers.dL/dx'", "no quantity 'dL/dx'"]),
    ("o: [1, 2, 3]", ["field 'answers.o'", "is an input"]),
    ("y_hat: [0.66, 0.24]", ["field 'answers.y_hat'", "a list of 3 numbers"]),
    ("L: [0.417]", ["field 'answers.L'", "expected a number for L"]),
    ("L: .inf", ["field 'answers.L'", "finite"]),
    ("L: nan", ["field 'answers.L'", "finite"]),
    ("L: \"inf\"", ["field 'answers.L'"]),
    ("L: true", ["field 'answers.L'", "boolean"]),
    ("L:", ["field 'answers.L'", "got nothing"]),
    ("L: {value: 1}", ["field 'answers.L'", "mapping"]),
    ("L: '\\input{/etc/passwd}'", ["field 'answers.L'", "unknown LaTeX command \\input"]),
    ("L: '\\def\\x{1}'", ["field 'answers.L'", "\\def"]),
    ("L: '2^{2^{2^{100}}}'", ["field 'answers.L'", "too large"]),
    ("L: '\\hat{y}_1'", ["field 'answers.L'", "variables"]),
    ("L: '\\log(-1)'", ["field 'answers.L'", "finite"]),
    ("L: '\\frac{1}{0}'", ["field 'answers.L'"]),
    ("L: 'e^{e^{e^{e^{10}}}}'", ["field 'answers.L'"]),
])
def test_answers(tmp_path, capsys, answers, words):
    check_unusable(capsys, write(tmp_path, GOOD_INPUTS + f"answers:\n  {answers}\n"), *words)


@pytest.mark.parametrize("extra, words", [
    ("tolerance: {abs: -1}", ["field 'tolerance.abs'", ">= 0"]),
    ("tolerance: {absolute: 0.1}", ["field 'tolerance'"]),
    ("tolerance: 0.1", ["field 'tolerance'", "expected a mapping"]),
    ("expect: {statuses: {L: fine}}", ["field 'expect.statuses.L'", "correct, carried, wrong"]),
    ("expect: {first_error: y_hat}", ["field 'expect.first_error'", "answered quantity"]),
    ("expect: {wrong: L}", ["field 'expect.wrong'", "unknown expectation"]),
])
def test_tolerance_and_expectations(tmp_path, capsys, extra, words):
    check_unusable(capsys, write(tmp_path, GOOD_INPUTS + "answers: {L: 0.417}\n" + extra + "\n"), *words)


# -- paths -------------------------------------------------------------------------------------

def test_missing_path_and_empty_folder(tmp_path, capsys):
    assert_unusable(run(capsys, "check", str(tmp_path / "nothing.yaml")), "nothing.yaml")
    (tmp_path / "empty").mkdir()
    assert_unusable(run(capsys, "check", str(tmp_path / "empty")), "empty", "no YAML files")


def test_an_unusable_file_does_not_hide_the_others(tmp_path, capsys):
    write(tmp_path, "", "a.yaml")
    write(tmp_path, GOOD_INPUTS + "answers: {L: 0.417}\n", "b.yaml")
    outcome = run(capsys, "check", "--json", str(tmp_path))
    code, out, err = outcome.code, outcome.out, outcome.err
    assert code == 2
    reports = json.loads(out)["reports"]
    assert [r["kind"] for r in reports] == ["unusable", "worked"]
    assert reports[1]["ok"] is True
    assert "a.yaml" in err


# -- formulas: derive equiv and derivation files -----------------------------------------------

TOWER = "2^{2^{2^{100}}}"
LONG_SUM = " + ".join(["o_j"] * 10_000)
DEEP = "(" * 900 + "o_j" + ")" * 900


@pytest.mark.parametrize("latex, verdict_or_words", [
    (TOWER, "too large"),
    (LONG_SUM, "too long"),
    (DEEP, "nested too deeply"),
    (r"\input{/etc/passwd}", "unknown LaTeX command"),
    (r"\def\x{1} \x", "unknown LaTeX command"),
    (r"\sum_{k=1}^{1000000000} y_k", "too complex"),  # not a verdict: unusable (exit 2)
    (r"\hat{y}_j^{\hat{y}_j^{\hat{y}_j^{\hat{y}_j^{\hat{y}_j}}}} - y_j", "not_equivalent"),
    (r"e^{e^{e^{e^{o_j}}}}", "not_equivalent"),
    ("\\hat{y}_j - y_j" + " + 0 \\cdot e^{e^{e^{e^{e^{10}}}}}", "equivalent"),
    ("", "empty"),
    ("\x00\x01", "cannot read"),
])
def test_hostile_formulas(capsys, latex, verdict_or_words):
    outcome = run(capsys, "equiv", "--json", "softmax_ce", "dL/do", latex)
    if verdict_or_words in ("not_equivalent", "equivalent"):
        assert outcome.json()["verdict"] == verdict_or_words
        assert outcome.code == {"not_equivalent": 1, "equivalent": 0}[verdict_or_words]
    else:
        assert_unusable(outcome, verdict_or_words)


def test_hostile_derivation_files(tmp_path, capsys):
    many = "lines:\n" + "".join(f"  - 'a + {i}'\n" for i in range(1000))
    check_unusable(capsys, write(tmp_path, many, "many.yaml"), "field 'lines'", "too many lines")
    check_unusable(capsys, write(tmp_path, f"lines: ['{TOWER}', '1']\n", "tower.yaml"), "field 'lines[1]'")
    check_unusable(capsys, write(tmp_path, "lines: ['a', {latex: 'a', how: 'x'}]\n", "keys.yaml"),
                   "field 'lines[2]'")
    check_unusable(capsys, write(tmp_path, "rule: nope\nlines: ['a', 'a']\n", "rule.yaml"),
                   "field 'rule'", "unknown rule 'nope'")
    sums = "lines: ['\\sum_{k=1}^{100000000} k', '1']\n"
    check_unusable(capsys, write(tmp_path, sums, "sum.yaml"), "field 'lines[1]'", "terms")


def test_a_line_too_complex_to_decide_is_undecided_not_wrong(tmp_path, capsys):
    text = "lines:\n  - 'x^{x^{x^{x^{x^{x}}}}} + (a + b)^{40}'\n  - 'x^{x^{x^{x^{x^{x}}}}} + (b + a)^{40}'\n"
    outcome = run(capsys, "check", "--json", str(write(tmp_path, text)))
    report = outcome.json()["reports"][0]
    assert report["lines"][1]["status"] in ("follows", "too_complex")
    assert outcome.code in (0, 2)


def test_no_traceback_from_the_installed_command(tmp_path):
    """The console script itself (the only cases run in a subprocess): a YAML bomb, trailing garbage,
    and arguments that are not UTF-8 (Python hands them over with surrogate escapes)."""
    bomb = write(tmp_path, "a: &a [1]\nb: *a\n")
    for args in ([b"check", bytes(bomb)], [b"check", bytes(tmp_path / "caf") + b"\xe9.yaml"],
                 [b"equiv", b"--json", b"softmax_ce", b"dL/do", rb"\hat{y}_j - y_j . + 100 \xff"]):
        done = subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, timeout=120, cwd=ROOT)
        out, err = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
        assert done.returncode == 2, (args, out, err)
        assert "Traceback" not in err + out
        assert len(err.strip().splitlines()) == 1, err


# -- how many ----------------------------------------------------------------------------------
HOSTILE_MODULES = ["test_hostile_inputs", "test_hostile_worked", "test_hostile_cli", "test_hostile_numpy"]


def _cases_in(module) -> int:
    """Test items a module generates: the product of each test's parametrize lists (hypothesis: its examples)."""
    total = 0
    for name in dir(module):
        test = getattr(module, name)
        if not (name.startswith("test_") and callable(test)):
            continue
        count = 1
        for mark in getattr(test, "pytestmark", []):
            if mark.name == "parametrize":
                count *= len(mark.args[1])
        settings = getattr(test, "_hypothesis_internal_use_settings", None)
        if settings is not None:
            count *= settings.max_examples
        total += count
    return total


def test_the_hostile_suite_has_at_least_a_thousand_cases(capsys):
    import importlib

    counts = {name: _cases_in(importlib.import_module(name)) for name in HOSTILE_MODULES}
    total = sum(counts.values())
    with capsys.disabled():  # shown even under -q
        print(f"\nhostile-input cases: {total} ({', '.join(f'{n}: {c}' for n, c in counts.items())})")
    assert total >= 1000, counts
