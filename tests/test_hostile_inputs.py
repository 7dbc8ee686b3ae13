r"""Malformed and hostile inputs: each ends with exit 2 and one line naming the file and the field,
or with a "too complex" verdict, within a few seconds; never a traceback.

The malformed files are written here (tmp_path), one per kind, so that each test shows its input.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from derive.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 6.0  # "within a few seconds", with room for a slow test machine

GOOD_INPUTS = "rule: softmax_ce\ninputs:\n  o: [2.0, 1.0, 0.1]\n  y: [1, 0, 0]\n"


def run(capsys, *args):
    start = time.monotonic()
    code = main(list(args))
    elapsed = time.monotonic() - start
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out, captured.err, elapsed


def check_unusable(capsys, path, *words):
    code, out, err, elapsed = run(capsys, "check", str(path))
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert elapsed < SECONDS
    return lines[0]


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
    check_unusable(capsys, write(tmp_path, "rule: softmax_ce\ninputs: " + "[" * 1000 + "]" * 1000 + "\n"),
                   "nested too deeply")


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
    code, _, err, _ = run(capsys, "check", str(tmp_path / "nothing.yaml"))
    assert code == 2 and "no such file or folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err, _ = run(capsys, "check", str(tmp_path / "empty"))
    assert code == 2 and "no YAML files" in err


def test_an_unusable_file_does_not_hide_the_others(tmp_path, capsys):
    write(tmp_path, "", "a.yaml")
    write(tmp_path, GOOD_INPUTS + "answers: {L: 0.417}\n", "b.yaml")
    code, out, err, _ = run(capsys, "check", "--json", str(tmp_path))
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
    (r"\sum_{k=1}^{1000000000} y_k", "too_complex"),
    (r"\hat{y}_j^{\hat{y}_j^{\hat{y}_j^{\hat{y}_j^{\hat{y}_j}}}} - y_j", "not_equivalent"),
    (r"e^{e^{e^{e^{o_j}}}}", "not_equivalent"),
    ("\\hat{y}_j - y_j" + " + 0 \\cdot e^{e^{e^{e^{e^{10}}}}}", "equivalent"),
    ("", "empty"),
    ("\x00\x01", "cannot read"),
])
def test_hostile_formulas(capsys, latex, verdict_or_words):
    code, out, err, elapsed = run(capsys, "equiv", "--json", "softmax_ce", "dL/do", latex)
    assert elapsed < SECONDS + 5  # the 5 s check budget, reading, and the diagnosis cut short
    if verdict_or_words in ("too_complex", "not_equivalent", "equivalent"):
        assert json.loads(out)["verdict"] == verdict_or_words
        assert code == {"too_complex": 2, "not_equivalent": 1, "equivalent": 0}[verdict_or_words]
    else:
        assert code == 2
        assert verdict_or_words in err and len(err.strip().splitlines()) == 1


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
    code, out, err, elapsed = run(capsys, "check", "--json", str(write(tmp_path, text)))
    assert elapsed < 20  # the line's budget is 3 s
    report = json.loads(out)["reports"][0]
    assert report["lines"][1]["status"] in ("follows", "too_complex")
    assert code in (0, 2)


def test_no_traceback_from_the_installed_command(tmp_path):
    bomb = write(tmp_path, "a: &a [1]\nb: *a\n")
    for args in (["check", str(bomb)], ["equiv", "softmax_ce", "dL/do", TOWER]):
        done = subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True,
                              timeout=60, cwd=ROOT)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
