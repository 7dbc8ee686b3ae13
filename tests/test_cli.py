"""The command line: list, show, docs, and bad input (exit 2, one line, no traceback)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli.main import main
from derive.printing.i18n import has_korean
from derive.registry import rules

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_follows_the_contract(capsys):
    code, out, _ = run_cli(capsys, "list", "--json")
    assert code == 0
    listed = {r["name"]: r for r in json.loads(out)["rules"]}
    assert listed["softmax_ce"]["inputs"] == {"o": ["K"], "y": ["K"]}
    assert listed["softmax_ce"]["quantities"] == ["y_hat", "L", "dL/do"]
    assert listed["l2_linreg"]["quantities"][:4] == ["y_hat", "E", "R", "L"]
    for name in ("l1_linreg", "l2_linreg"):
        assert set(listed[name]["inputs"]) == {"x", "y", "w", "b", "lr", "lam"}
        for quantity in ("y_hat", "E", "R", "L", "dL/dw", "dL/db", "w_new", "b_new"):
            assert quantity in listed[name]["quantities"]


def test_show_softmax_ce_ends_with_y_hat_minus_y(capsys):
    code, out, _ = run_cli(capsys, "show", "softmax_ce", "--format", "latex", "--no-proof")
    assert code == 0
    derivation = out.split("Derivation of dL/do")[1]
    last_step = derivation.strip().splitlines()[-2].strip()
    assert last_step.startswith(r"&= \hat{y}_{j} - y_{j} &&")
    assert r"\begin{align*}" in out and "one-hot target" in out


def test_show_markdown_in_korean(capsys):
    code, out, _ = run_cli(capsys, "show", "sigmoid_bce", "--format", "markdown", "--lang", "ko")
    assert code == 0
    assert "$$" in out and "시그모이드의 도함수" in out and "기호 증명" in out


def test_every_step_of_every_rule_has_a_korean_reason():
    missing = [f"{rule.name}: {step.why}" for rule in rules().values()
               for derivation in rule.derivations for step in derivation.steps if not has_korean(step)]
    assert not missing, "steps without a Korean reason: " + "; ".join(missing)


def test_docs_writes_pages_and_figures(tmp_path, capsys):
    code, _, _ = run_cli(capsys, "docs", "--out", str(tmp_path), "--jobs", "1", "--rule", "sigmoid_bce")
    assert code == 0
    page = (tmp_path / "rules" / "sigmoid_bce.md").read_text()
    assert "$$" in page and r"\frac{\partial L}{\partial s} = " in page
    assert "시그모이드" in (tmp_path / "ko" / "rules" / "sigmoid_bce.md").read_text()
    assert "sigmoid_bce.md" in (tmp_path / "index.md").read_text()
    figure = tmp_path / "figures" / "ce_vs_mse_gradient.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, fragment", [
    (["show", "no_such_rule"], "unknown rule 'no_such_rule'"),
    (["show"], "the following arguments are required"),
    (["grad", r"\frac{1}{", "--wrt", "x"], "derive grad"),
    (["grad", "x^2", "--wrt", "q"], "q"),
    (["run", "/no/such/folder"], "not a folder"),
])
def test_bad_input_exits_2_with_one_line(argv, fragment):
    result = subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) <= 2


def test_run_with_rule_leaves_the_model_files_out_without_calling_them_unusable(capsys):
    """`derive run --rule R` checks R's worked files; the model files it does not run are not 'unusable'."""
    code, out, _ = run_cli(capsys, "run", str(ROOT / "worked_examples"), "--rule", "word2vec_cbow", "--quiet")
    assert code == 0
    assert "(unusable files)" not in out and "FAILED" not in out
    assert "word2vec_cbow " in out
