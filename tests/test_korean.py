"""Korean everywhere a student reads: ``--lang ko`` on check, equiv and grad, and every catalog complete.

Two kinds of test:

* **catalogs**: every English template (the check/equiv sentences, the error patterns, grad's
  lines and reasons, show's words) has a Korean version, in Hangul, with the same fields;
* **outputs**: a broad set of inputs (every worked example, the hostile tests' payloads as files,
  formulas and command lines) run through ``main([..., "--lang", "ko"])``: every line printed
  (stdout in text mode, and stderr) holds Hangul or is pure data (numbers, names, LaTeX, table
  rules, the file's own title). A new message without a Korean version fails here.
"""

from __future__ import annotations

import itertools
import re
import string
from pathlib import Path

import pytest
import yaml
from test_hostile_cli import _equiv_cases, _grad_cases
from test_hostile_worked import CASES as WORKED_CASES
from test_hostile_worked import DOCUMENTS, _document

from derive.autodiff import WHY, WHY_KO
from derive.check.messages import ENGLISH, KOREAN
from derive.cli.main import main
from derive.printing import glossary
from derive.printing.errors_ko import PHRASES, PREFIXES, SENTENCES, translate
from derive.printing.i18n import GRAD, WORDS

ROOT = Path(__file__).resolve().parents[1]
WORKED = ROOT / "worked_examples"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


# -- the catalogs ------------------------------------------------------------------------------

#: Templates that are pure data in every language (a separator, a flag): no Hangul needed.
DATA_TEMPLATES = {"accepted_at", "eq_convention_flags"}


def test_every_check_and_equiv_sentence_has_korean():
    assert set(KOREAN) == set(ENGLISH)
    for key, english in ENGLISH.items():
        korean = KOREAN[key]
        assert korean and (key in DATA_TEMPLATES or HANGUL.search(korean)), key
        assert _fields(korean) <= _fields(english), key  # no field the code does not fill


@pytest.mark.parametrize("table", [SENTENCES, PHRASES, PREFIXES], ids=["sentences", "phrases", "prefixes"])
def test_every_error_pattern_has_korean(table):
    for english, korean in table.items():
        assert HANGUL.search(korean) or not re.search(r"[A-Za-z]{3}", english.format_map(_Blank())), english
        assert _fields(korean) == _fields(english), english


class _Blank(dict):
    def __missing__(self, key):
        return ""


def test_grad_words_and_reasons_have_korean():
    assert set(WHY_KO) == set(WHY) and all(HANGUL.search(text) for text in WHY_KO.values())
    assert set(GRAD["ko"]) == set(GRAD["en"]) and set(WORDS["ko"]) == set(WORDS["en"])
    for key, english in GRAD["en"].items():
        assert HANGUL.search(GRAD["ko"][key]) and _fields(GRAD["ko"][key]) == _fields(english), key


def test_the_glossary_has_the_lectures_words():
    for word in ("순전파", "역전파", "기울기", "손실 함수", "연쇄 법칙", "가중치", "편향", "은닉층", "출력층", "학습률",
                 "원-핫", "소프트맥스", "시그모이드", "교차 엔트로피"):
        assert word in vars(glossary).values(), word
    assert glossary.STATUSES == {"correct": "정답", "carried": "이월 오류", "wrong": "오답"}


def test_translate_keeps_file_names_fields_and_latex():
    line = "w.yaml: field 'answers.L': expected a number, got nothing"
    assert translate(line, "ko") == "w.yaml: 필드 'answers.L': 기대한 것: 수, 받은 것: 아무것도 없음"
    assert translate(line, "en") == line
    assert translate(r"LATEX: unknown LaTeX command \foo", "ko") == r"LATEX: 알 수 없는 LaTeX 명령 \foo"
    assert translate("too complex to decide: LATEX: a sum of 201 terms (at most 200)", "ko") == \
        "너무 복잡해서 판정할 수 없다: LATEX: 항이 201개인 합 (최대 200개)"


# -- what a line may be without Hangul ---------------------------------------------------------

def _english(line: str) -> bool:
    """Two English words in a row outside LaTeX, quotes, names and paths: a sentence, not data."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", " ", line)
    text = re.sub(r"\\[A-Za-z]+", " ", text)
    words = [w for w in re.split(r"[\s,;:()\[\]{}=+*^|<>]+", text) if w]
    plain = [bool(re.fullmatch(r"[A-Za-z]{2,}", w)) for w in words]
    return any(a and b for a, b in itertools.pairwise(plain))


def assert_korean(out: str, err: str, allowed: set[str] = frozenset(), *, json_mode: bool = False):
    lines = err.splitlines() + ([] if json_mode else out.splitlines())
    for line in lines:
        if not line.strip() or HANGUL.search(line):
            continue
        stripped = line.strip()
        if any(stripped in text for text in allowed) or re.match(r"^\s*\d+\. ", line):  # a title; a formula line
            continue
        assert not _english(line), f"a line without Korean: {line!r}\nstdout:\n{out[-3000:]}\nstderr:\n{err[-2000:]}"


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _titles(folder: Path) -> set[str]:
    """The files' own words: their titles and the reasons a student wrote beside a derivation's lines."""
    titles = set()
    for path in folder.rglob("*.y*ml"):
        try:
            content = yaml.safe_load(path.read_text())
        except yaml.YAMLError:
            continue
        if not isinstance(content, dict):
            continue
        if isinstance(content.get("title"), str):
            titles.add(" ".join(content["title"].split()))
        for line in content.get("lines") or []:
            if isinstance(line, dict) and isinstance(line.get("why"), str):
                titles.add(f"({line['why']})")
    return titles


# -- check ---------------------------------------------------------------------------------------

def test_check_every_worked_example_in_korean(capsys):
    code, out, err = run(capsys, "check", "--expect", "--lang", "ko", WORKED)
    assert code == 0, err
    assert_korean(out, err, _titles(WORKED))
    for word in ("정답", "이월 오류", "오답", "첫 오류", "기대값", "적은 값", "파일이 기대한 대로"):
        assert word in out, word
    assert "부호가 반대" in out and "전치된 행렬" in out and "버림" in out and "자릿수가 부족하다" in out
    assert "`conventions: {" in out and "를 추가하라" in out  # an undeclared convention, named in Korean
    assert not re.search(r"  (correct|carried|wrong)(  |$)", out, re.MULTILINE)  # no English status in a table


def test_check_english_is_unchanged(capsys):
    code, out, _ = run(capsys, "check", "--expect", WORKED / "mistakes")
    assert code == 0 and "carried" in out and "first error: " in out and not HANGUL.search(out.replace("½", ""))


def test_check_json_keeps_english_enums(capsys):
    code, out, _ = run(capsys, "check", "--json", "--lang", "ko", WORKED / "mistakes" / "softmax_ce_sign_flipped.yaml")
    assert code == 1 and '"status": "wrong"' in out and '"message": "sign flipped"' in out


def test_check_hostile_files_in_korean(capsys, tmp_path):
    """The hostile worked files' payloads, every position, in one folder: each refusal and verdict in Korean."""
    folder = tmp_path / "files"
    folder.mkdir()
    count = 0
    for param in WORKED_CASES:
        position, payload, _expectation, mode = param.values
        if position == "title" or mode != "json":  # a title is the file's own text, not derive's
            continue
        (folder / f"case{count:04d}.yaml").write_text(_document(position, payload))
        count += 1
    for name, (content, _words) in DOCUMENTS.items():
        (folder / f"document_{name}.yaml").write_text(content if isinstance(content, str) else "")
    code, out, err = run(capsys, "check", "--lang", "ko", folder)
    assert code == 2 and count > 100
    assert_korean(out, err, {"three classes"})
    assert err.count("\n") >= count // 2 and "필드" in err and "사용할 수 없는 입력" in out


# -- equiv ---------------------------------------------------------------------------------------

EQUIV = [  # (rule, quantity, formula, words the Korean verdict must hold)
    ("softmax_ce", "dL/do", r"\hat{y}_j - y_j", "동치: softmax_ce의 dL/do와 같다"),
    ("softmax_ce", "dL/do", r"y_j - \hat{y}_j", "부호가 반대"),
    ("softmax_ce", "dL/do", r"2(\hat{y}_j - y_j)", "상수배만큼 다르다"),
    ("linear_mse", "dL/dw", r"2(\hat{y}-y)x", "`conventions: {squared_error: full}` 를 추가하라"),
    ("sigmoid_bce", "L", r"-(y \log_{10} \hat{y} + (1-y)\log_{10}(1-\hat{y}))", "밑이 10인 로그"),
    ("sigmoid_bce", "dL/ds", r"\hat{y}", "반례"),
]


@pytest.mark.parametrize("rule, quantity, latex, words", EQUIV)
def test_equiv_verdicts_in_korean(capsys, rule, quantity, latex, words):
    code, out, err = run(capsys, "equiv", "--lang", "ko", rule, quantity, latex)
    assert code in (0, 1), err
    assert words in out, out
    assert_korean(out, err)


def test_equiv_english_is_unchanged(capsys):
    code, out, _ = run(capsys, "equiv", "softmax_ce", "dL/do", r"y_j - \hat{y}_j")
    assert code == 1 and out.startswith("not equivalent: the sign is flipped") and "counterexample (" in out


def test_equiv_json_keeps_english_and_adds_the_message(capsys):
    code, out, _ = run(capsys, "equiv", "--json", "--lang", "ko", "softmax_ce", "dL/do", r"y_j - \hat{y}_j")
    assert code == 1 and '"verdict": "not_equivalent"' in out and '"message": "동치가 아님: 부호가 반대' in out


def _cases(params, keep):
    return [p.values for p in params if keep(p)]


@pytest.mark.parametrize("rule, quantity, latex", [
    v[:3] for v in _cases(_equiv_cases(), lambda p: p.values[4] == "text" and p.values[0] == "softmax_ce"
                          and p.values[3] == "refused")])
def test_equiv_refusals_in_korean(capsys, rule, quantity, latex):
    code, out, err = run(capsys, "equiv", "--lang", "ko", rule, quantity, latex)
    assert code == 2 and out == ""
    assert_korean(out, err)


def test_equiv_unknown_names_in_korean(capsys):
    for args in (["nope", "dL/do", "x"], ["softmax_ce", "dL/dnope", "x"], ["softmax_ce", "dL/do", r"\hat{z}_j"],
                 ["softmax_ce", "dL/do", r"\frac{1}{0} + \infty"], ["softmax_ce", "dL/do", r"\sum_{k=1}^{1000} o_k"]):
        code, out, err = run(capsys, "equiv", "--lang", "ko", *args)
        assert code == 2, (args, out, err)
        assert_korean(out, err)


# -- grad ----------------------------------------------------------------------------------------

def test_grad_in_korean(capsys):
    code, out, err = run(capsys, "grad", r"\sigma(2x) + \log(x)", "--wrt", "x", "--at", "x=0.5", "--lang", "ko")
    assert code == 0, err
    for words in ("순전파: f = ", "x에 대한 기울기:", "연쇄 법칙", "시그모이드의 도함수", "증명: 기호 증명", "결과: df/dx = ",
                  "x=0.5에서: df/dx = 2.393223866"):
        assert words in out, words
    assert_korean(out, err)


def test_grad_english_is_unchanged(capsys):
    code, out, _ = run(capsys, "grad", "x^2", "--wrt", "x", "--at", "x=3")
    assert code == 0 and out.splitlines()[0] == "forward: f = x²" and "  at x=3: df/dx = 6" in out


@pytest.mark.parametrize("args", [
    v[0] for v in _cases(_grad_cases(), lambda p: p.values[2] == "text" and p.values[1] != "any")])
def test_grad_refusals_in_korean(capsys, tmp_path, args):
    code, out, err = run(capsys, "grad", *args, "--lang", "ko")
    assert code == 2, (args, out, err)
    assert_korean(out, err)


# -- the command line ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["check", "--lang", "ko"], ["equiv", "softmax_ce", "--lang", "ko"],
                                  ["grad", "x^2", "--lang", "ko"], ["check", "--lang", "ko", "nope.yaml"],
                                  ["check", "--lang", "ko", "a", "--yaml"]])
def test_usage_errors_in_korean(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert_korean(out, err)


# -- the rules' own texts: titles, sources, notes, derivation titles ------------------------------

def _variants(rule):
    from derive.engine.conventions import alternatives, in_convention

    if rule.builder is None:
        return [rule]
    return [in_convention(rule, c.only(rule.convention_keys)) for c in alternatives(rule)]


@pytest.mark.parametrize("name", sorted(__import__("derive.registry", fromlist=["rules"]).rules()))
def test_every_rule_text_has_korean(name):
    from derive.printing.i18n import has_korean, has_korean_text
    from derive.registry import get_rule

    for rule in _variants(get_rule(name)):
        missing = [f"{field}: {getattr(rule, field)}" for field in ("title", "source")
                   if not has_korean_text(rule, field)]
        missing += [f"note of {item.name}: {item.note}" for item in [*rule.inputs.values(), *rule.public_quantities]
                    if not has_korean_text(item, "note")]
        missing += [f"title of {d.target}: {d.title}" for d in rule.derivations if not has_korean_text(d, "title")]
        missing += [f"step of {d.target}: {step.why}" for d in rule.derivations for step in d.steps
                    if not has_korean(step)]
        assert not missing, (rule.title, missing)
        assert HANGUL.search(rule.title_ko or "") or rule.convention == rule.default_convention


@pytest.mark.parametrize("name", sorted(__import__("derive.registry", fromlist=["rules"]).rules()))
def test_show_prints_the_rule_in_korean(capsys, name):
    from derive.registry import get_rule

    rule = get_rule(name)
    code, out, err = run(capsys, "show", name, "--lang", "ko", "--no-proof")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{name}: ") and HANGUL.search(lines[0]), lines[0]
    if rule.source:
        assert lines[1].startswith("출처: ") and HANGUL.search(lines[1]), lines[1]
    for item in rule.inputs.values():
        line = next(line for line in lines if line.startswith(f"  {item.name} "))
        assert not item.note or HANGUL.search(line), line
    for q in rule.public_quantities:
        line = next(line for line in lines if line.startswith(f"  {q.name} = "))
        assert not q.note or HANGUL.search(line.split("    # ")[-1]), line
    headings = [line for line in lines if line.startswith(f"{glossary.DERIVATION}: ")]
    assert len(headings) == len(rule.derivations)
    for heading, derivation in zip(headings, rule.derivations):
        assert not derivation.title or HANGUL.search(heading.split(": ", 2)[-1]), heading

    code, out, err = run(capsys, "show", name, "--lang", "ko", "--no-proof", "--format", "markdown")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"# `{name}`: ") and HANGUL.search(lines[0]), lines[0]
    if rule.source:
        assert lines[2].startswith("*출처: ") and HANGUL.search(lines[2]), lines[2]
    rows = [line for line in lines if line.startswith("| $")]
    assert len(rows) == len(rule.inputs)
    for row, item in zip(rows, rule.inputs.values()):
        assert not item.note or HANGUL.search(row), row
    headings = [line for line in lines if line.startswith(f"## {glossary.DERIVATION}: ")]
    assert len(headings) == len(rule.derivations)
    for heading, derivation in zip(headings, rule.derivations):
        assert not derivation.title or HANGUL.search(heading.split(": ", 2)[-1]), heading


def test_show_convention_variant_keeps_korean(capsys):
    code, out, _ = run(capsys, "show", "l2_linreg", "--lang", "ko", "--no-proof", "--convention", "l2=half")
    assert code == 0
    first = out.splitlines()[0]
    assert HANGUL.search(first) and f"{glossary.CONVENTION} {{" in first and "l2: half" in first, first
    assert "# 정규화된 손실 함수" in out


def test_show_english_titles_are_unchanged(capsys):
    code, out, _ = run(capsys, "show", "sigmoid_bce", "--no-proof")
    assert code == 0 and out.splitlines()[0] == "sigmoid_bce: Sigmoid + binary cross-entropy"
    assert "Derivation of dL/ds: Gradient of the binary cross-entropy by the logit" in out
    assert not HANGUL.search(out)
