"""Proof records (derive/records): current, reproducible, and what the verbs print from them is
what they print proving now. Then the start-up: the verbs that read records import no SymPy,
``derive --help`` imports no verb, ``get_rule`` imports one rule module."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derive import records
from derive.cli.main import build_parser, main
from derive.records import build

ROOT = Path(__file__).resolve().parents[1]
#: Rules small enough to prove again in a test (about a second each).
SMALL = ("sigmoid_bce", "linear_mse")
#: Derive modules that proving and printing import but whose text cannot change a record.
NOT_FINGERPRINTED = {"__init__.py": "the package's lazy attributes", "progress.py": "a progress line on a terminal"}


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def stale(monkeypatch):
    """Every record stale, as after a change to a fingerprinted source."""
    monkeypatch.setattr(records, "fingerprint", lambda: "0" * 64)


@pytest.fixture
def needs_current(request):
    if records.every_current() is None:
        pytest.skip(f"the records are not current (test_every_record_is_current says so): run {records.COMMAND}")


# -- the records ---------------------------------------------------------------------------------

def test_every_record_is_current():
    import derive.numpy

    every = records.every_record()
    stale = [r.name for r in every if not r.current]
    assert not stale, f"stale proof records ({', '.join(stale)}): run {records.COMMAND}"
    assert records.every_current() is not None, f"a proof record is missing: run {records.COMMAND}"
    assert sorted(r.name for r in every) == sorted(derive.numpy.__all__), f"run {records.COMMAND}"
    unproven = [f"{r.name}: {c.describe()}" for r in every for c in r.failures]
    assert not unproven, f"recorded checks not proven: {unproven}"


@pytest.mark.parametrize("name", SMALL)
def test_proving_again_writes_the_same_bytes(name, needs_current):
    assert build.record_text(name) == records.path_of(name).read_text(encoding="utf-8"), \
        f"{name}'s record differs from a fresh one: run {records.COMMAND}"


def test_the_fingerprint_covers_what_proving_and_printing_import():
    imported = python(
        "import sys\n"
        "from derive.records import build\n"
        "from derive.registry import rules\n"
        "rules(); build.record_text('sigmoid_bce')\n"
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'derive'))\n")
    package = records.PACKAGE
    covered = {p.relative_to(package).as_posix() for p in records.source_files()}
    used = {Path(f).resolve().relative_to(package).as_posix() for f in imported.split()}
    missing = used - covered - set(NOT_FINGERPRINTED)
    assert not missing, f"add to derive.records.SOURCES: {sorted(missing)}"


def test_the_fingerprint_needs_no_sympy():
    # what it costs is measured by benchmarks/bench_latency.py (derive show, list), not asserted here
    out = python("import sys\nfrom derive import records\n"
                 "print(len(records.fingerprint()), 'sympy' in sys.modules)")
    length, sympy_loaded = out.split()
    assert sympy_loaded == "False" and int(length) == 64


# -- the verbs read them -------------------------------------------------------------------------

@pytest.mark.parametrize("name", SMALL[:1])
def test_show_from_the_record_is_show_proving_now(name, capsys, needs_current):
    from derive.engine.verify import verify_rule
    from derive.printing.derivation import render
    from derive.registry import get_rule

    rule = get_rule(name)
    report = verify_rule(rule)
    for fmt in records.FORMATS:
        for lang in records.LANGUAGES:
            code, out, err = run_cli(capsys, "show", name, "--format", fmt, "--lang", lang)
            assert (code, err) == (0, "")
            assert out == render(rule, fmt, report, lang), (fmt, lang)


def test_show_prove_proves_now(capsys, needs_current, monkeypatch):
    called = []
    from derive.engine import verify

    real = verify.verify_rule
    monkeypatch.setattr(verify, "verify_rule", lambda *a, **k: called.append(1) or real(*a, **k))
    code, out, _ = run_cli(capsys, "show", "sigmoid_bce", "--prove")
    assert code == 0 and called and out == records.current("sigmoid_bce").page("text", "en")


def test_a_stale_record_is_proven_again_and_said_so(capsys, needs_current, stale):
    code, out, err = run_cli(capsys, "show", "sigmoid_bce", "--format", "markdown")
    assert code == 0 and out == records.load("sigmoid_bce").page("markdown", "en")
    assert "stale" in err and records.COMMAND in err and err.count("\n") == 1
    code, _, err = run_cli(capsys, "show", "sigmoid_bce", "--lang", "ko")
    assert code == 0 and "증명 기록" in err


def test_list_json_is_the_same_from_the_records_as_from_the_rules(capsys, needs_current):
    from derive.cli.list_rules import describe
    from derive.registry import rules

    code, out, err = run_cli(capsys, "list", "--json")
    assert (code, err) == (0, "")
    assert out == json.dumps({"rules": [describe(r) for r in rules().values()]}, ensure_ascii=False) + "\n"


def test_list_from_the_rules_when_the_records_are_stale(capsys, needs_current, stale):
    code, out, err = run_cli(capsys, "list")
    assert code == 0 and "softmax_ce" in out and "stale" in err


def test_show_and_list_from_the_records_import_no_sympy(needs_current):
    out = python("import sys\nfrom derive.cli.main import main\nimport contextlib, io\n"
                 "with contextlib.redirect_stdout(io.StringIO()):\n"
                 "    main(['show', 'lstm_step', '--format', 'markdown', '--lang', 'ko'])\n"
                 "    main(['list', '--json'])\n"
                 "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sympy' or m.startswith('derive.rules')))\n")
    assert out.strip() == "[]"


def test_run_proves_by_the_records(tmp_path, capsys, needs_current, monkeypatch):
    def refuse(name):
        raise AssertionError(f"{name} proven although its record is current")
    monkeypatch.setattr("derive.cli.run._prove_one", refuse)
    shutil.copy(ROOT / "worked_examples" / "sigmoid_bce_confident.yaml", tmp_path)
    code, out, err = run_cli(capsys, "run", tmp_path, "--rule", "sigmoid_bce", "--jobs", "1")
    assert code == 0, out + err
    record = records.current("sigmoid_bce")
    assert f"sigmoid_bce: {len(record.checks)} checks proven by its proof record (ok)" in err
    assert "all rules derived and proven; all worked examples as expected" in out


def test_docs_pages_are_the_records(tmp_path, capsys, needs_current, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("proving started although the records are current")
    monkeypatch.setattr("derive.cli.docs.ProcessPoolExecutor", refuse)
    code, _, _ = run_cli(capsys, "docs", "--out", tmp_path, "--rule", "sigmoid_bce")
    assert code == 0
    record = records.current("sigmoid_bce")
    assert (tmp_path / "rules" / "sigmoid_bce.md").read_text(encoding="utf-8") == record.page("markdown", "en")
    assert (tmp_path / "ko" / "latex" / "sigmoid_bce.tex").read_text(encoding="utf-8") == record.page("latex", "ko")
    assert record.title("ko") in (tmp_path / "ko" / "index.md").read_text(encoding="utf-8")


def test_api_show_reads_the_record(needs_current):
    import derive

    shown = derive.show("sigmoid_bce", format="markdown", lang="ko")
    assert shown == records.current("sigmoid_bce").page("markdown", "ko")
    assert shown._repr_latex_() == records.current("sigmoid_bce").page("latex", "ko")
    assert shown.derivation.proven is True


# -- start-up: load only what the verb uses ------------------------------------------------------

def test_top_level_help_lists_each_verbs_own_line():
    assert build_parser(summaries=True).format_help() == build_parser().format_help()


def test_help_imports_no_verb():
    out = python("import sys, contextlib, io\nfrom derive.cli.main import main\n"
                 "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
                 "    main(['--help'])\n"
                 "print(sorted(m for m in sys.modules if m.startswith('derive.cli.') or m == 'sympy'))\n")
    assert out.strip() == "['derive.cli.main']"


def test_get_rule_imports_the_rules_module_alone_and_rules_keeps_their_order():
    out = python("import sys\nfrom derive import registry\nregistry.get_rule('softmax_ce')\n"
                 "print(sorted(m for m in sys.modules if m.startswith('derive.rules.') and m[13] != '_'))\n"
                 "print(list(registry.rules()))\n")
    alone, order = out.splitlines()
    assert alone == "['derive.rules.softmax_ce']"
    assert order == python("from derive import registry\nprint(list(registry.rules()))\n").strip()


def test_an_unknown_rule_is_named_with_exit_2(capsys):
    from derive.records.__main__ import main

    assert main(["--rule", "nope", "--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m derive.records: field '--rule': unknown rule 'nope'; known rules: ")
    assert "Traceback" not in err
