"""One report shape: every file under worked_examples/, worked or derivation, gives a
``derive check --json`` report with the contract's fields (``steps`` a list, ``first_error``
a step's name or null)."""

import json
from pathlib import Path

import pytest

from derive.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "worked_examples"
FILES = sorted(EXAMPLES.rglob("*.yaml"))
#: the top-level fields of a report that the contract fixes
CONTRACT_KEYS = {"path", "rule", "ok", "first_error", "steps"}
#: derivation files with a known mistake: the name of the first line that does not follow
KNOWN = {"mistakes/sigmoid_bce_derivation_slip.yaml": "line 3",
         "mistakes/vae_kl_derivation_missing_term.yaml": "line 3"}


@pytest.fixture(scope="module")
def reports():
    """Every example's report, from one ``derive check --json`` over all of them."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "--json", *map(str, FILES)])
    found = json.loads(out.getvalue())["reports"]
    assert len(found) == len(FILES)
    return {str(Path(r["path"]).resolve().relative_to(EXAMPLES)): r for r in found}


def test_there_are_worked_and_derivation_files(reports):
    kinds = {r["kind"] for r in reports.values()}
    assert {"worked", "derivation"} <= kinds, kinds


@pytest.mark.parametrize("path", [str(f.relative_to(EXAMPLES)) for f in FILES])
def test_every_report_has_the_contract_shape(reports, path):
    report = reports[path]
    assert CONTRACT_KEYS <= set(report), f"{path}: missing {CONTRACT_KEYS - set(report)}"
    assert isinstance(report["steps"], list), path
    assert report["first_error"] is None or isinstance(report["first_error"], str), path
    names = [step["name"] for step in report["steps"]]
    assert report["first_error"] is None or report["first_error"] in names, path
    for step in report["steps"]:
        assert {"name", "status", "given", "expected", "recomputed"} <= set(step), f"{path}: {step['name']}"


def test_derivation_steps_are_its_lines(reports):
    derivations = {p: r for p, r in reports.items() if r["kind"] == "derivation"}
    assert set(KNOWN) <= set(derivations)
    for path, report in derivations.items():
        assert [s["number"] for s in report["steps"]] == [line["number"] for line in report["lines"]], path
        for step in report["steps"]:
            assert step["name"] == f"line {step['number']}" and step["given"] == step["latex"], path
            assert isinstance(step["diagnosis"], str), path


@pytest.mark.parametrize("path, name", sorted(KNOWN.items()))
def test_a_known_derivation_mistake_is_named(reports, path, name):
    report = reports[path]
    assert report["first_error"] == name
    assert report["first_error_line"] == int(name.split()[-1])
    first = next(s for s in report["steps"] if s["name"] == name)
    assert first["status"] == "does_not_follow" and "DOES NOT FOLLOW" in first["diagnosis"]
    assert report["as_expected"] is True  # the file's expect block (first_error: 3) still matches
