"""The Python API (derive.api): your own network through derive.model, on the CLI's machinery."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import derive
from derive.cli.main import main
from derive.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = ROOT / "worked_examples" / "models" / "classic_222.yaml"
HIDDEN_DELTA = ROOT / "worked_examples" / "mistakes" / "classic_222_hidden_delta.yaml"

SPEC = {"layers": [{"name": "h", "units": 2, "activation": "sigmoid"},
                   {"name": "o", "units": 2, "activation": "sigmoid"}],
        "loss": {"kind": "squared_error", "half": True},
        "update": True}
INPUTS = {"x": [0.05, 0.10], "y": [0.01, 0.99], "W_h": [[0.15, 0.20], [0.25, 0.30]], "b_h": [0.35, 0.35],
          "W_o": [[0.40, 0.45], [0.50, 0.55]], "b_o": [0.60, 0.60], "lr": 0.5}
#: The published numbers of the classic example: E_total, w5+ and w1+.
PUBLISHED = {"L": 0.298371109, "W_o_new": [[0.35891648, 0.408666186], [0.511301270, 0.561370121]],
             "W_h_new": [[0.149780716, 0.19956143], [0.24975114, 0.29950229]]}


@pytest.fixture(scope="module")
def net():
    return derive.model(SPEC, title="the classic 2-2-2 example")


def written(path: Path) -> dict:
    """A YAML file with every scalar as the text written (what a student would pass as strings)."""
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)


def cli_json(capsys, *argv) -> dict:
    main(list(argv))
    return json.loads(capsys.readouterr().out)


def test_the_published_numbers(net):
    report = net.check(INPUTS, PUBLISHED)
    assert report.ok and report.first_error is None
    assert report.statuses == {"L": "correct", "W_h_new": "correct", "W_o_new": "correct"}
    exact = net.evaluate(**INPUTS)
    assert exact["L"] == pytest.approx(0.298371109, abs=5e-10)
    assert exact["W_o_new"][0, 0] == pytest.approx(0.35891648, abs=5e-9)
    assert exact["W_h_new"][0, 0] == pytest.approx(0.149780716, abs=5e-10)
    assert list(exact)[:5] == ["z_h", "h", "z_o", "o", "L"]


def test_a_slip_carried_forward(net):
    answers = {name: value for name, value in yaml.safe_load(HIDDEN_DELTA.read_text())["answers"].items()}
    report = net.check(INPUTS, answers)
    assert not report.ok and report.first_error == "dL/dz_h"
    assert report.statuses["dL/dz_h"] == "wrong"
    assert report.statuses["dL/dW_h"] == report.statuses["W_h_new"] == "carried"
    assert report.statuses["W_o_new"] == "correct"


def test_precision_is_the_written_text(net):
    # The exact L is 0.2983711: the float 0.2980 is written 0.298 (± 0.0005), close enough;
    # the string "0.2980" keeps its four decimals (± 0.00005), and is off.
    assert net.check(INPUTS, {"L": 0.2980}).statuses == {"L": "correct"}
    assert net.check(INPUTS, {"L": "0.2980"}).statuses == {"L": "wrong"}
    assert net.check(INPUTS, {"L": "0.2980"}, tolerance=1e-3).ok
    assert net.check(INPUTS, {"L": "\\frac{1}{2}((0.75136507 - 0.01)^2 + (0.772928465 - 0.99)^2)"}).ok  # LaTeX
    assert net.check(INPUTS, {"L": np.float64(0.298371109)}).ok  # NumPy numbers are Python numbers first
    assert net.check({k: np.asarray(v) for k, v in INPUTS.items()}, {"o": np.array([0.75136507, 0.772928465])}).ok


def test_json_equals_derive_check_json(capsys):
    net = derive.model(str(CLASSIC))
    assert net.name == "classic_222" and net.title == "the classic 2-2-2 example"
    top = written(CLASSIC)
    mine = json.loads(json.dumps(net.check(top["inputs"], top["answers"]).to_json()))
    assert mine == cli_json(capsys, "check", "--json", str(CLASSIC))["reports"][0]
    assert mine["ok"] is True and [s["name"] for s in mine["steps"]][:2] == ["z_h", "h"]


def test_json_of_a_slip_equals_derive_check_json(capsys):
    net = derive.model(HIDDEN_DELTA)
    top = written(HIDDEN_DELTA)
    report = net.check(top["inputs"], top["answers"])
    cli = cli_json(capsys, "check", "--json", str(HIDDEN_DELTA))["reports"][0]
    cli.pop("expect"), cli.pop("as_expected")  # the file's expect: block, which the API call has not
    assert report.as_dict() == cli
    assert derive.check(HIDDEN_DELTA).to_json() == cli_json(capsys, "check", "--json",
                                                           str(HIDDEN_DELTA))["reports"][0]


def test_report_renders_as_a_coloured_table(net):
    report = net.check(INPUTS, {"L": 0.298371109, "dL/dz_h": [0.036350306, 0.009954255],
                                "W_h_new": [[0.149091242, 0.198182485], [0.24975114, 0.29950229]]})
    page = report._repr_html_()
    assert "<table>" in page and "from your numbers" in page
    assert 'color:#cf222e;font-weight:bold">wrong<' in page  # red
    assert 'color:#9a6700;font-weight:bold">carried<' in page  # amber
    assert 'color:#1a7f37;font-weight:bold">correct<' in page  # green
    assert "first error: dL/dz_h" in page
    markdown = report._repr_markdown_()
    assert "| quantity | yours | expected | verdict | from your numbers |" in markdown
    assert "| `dL/dz_h` | `[0.036350306, 0.009954255]` | `[0.00877135, 0.00995425]` | **wrong** |" in markdown
    assert "follows from your dL/dz\\_h" in markdown
    text = str(report)
    assert "first error: dL/dz_h" in text and "carried" in text
    assert "정답" in report.text("ko") or "오답" in report.text("ko")


def test_derivation_renders_and_proves(net):
    derivation = net.derivation()
    assert derivation.proven is None
    markdown = derivation._repr_markdown_()
    assert "$$" in markdown and r"\frac{\partial L}{\partial z_{h}}" in markdown
    assert r"\begin{align*}" in derivation._repr_latex_()
    assert "dL/dz_h = dL/dh ⊙ h ⊙ (1 - h)" in str(derivation)
    assert derivation.prove().proven is True
    assert "(proof: symbolic)" in str(derivation) and "all proven" in str(derivation)
    assert "proof: symbolic" in derivation.markdown()


def test_numpy_and_source(net):
    function = net.numpy()
    batch = {k: np.asarray(v, dtype=float)[None] for k, v in INPUTS.items()}
    out = function(**batch)
    assert out["L"].shape == (1,) and out["L"][0] == pytest.approx(net.evaluate(**INPUTS)["L"], rel=1e-12)
    source = net.source()
    assert f"def {net.name}(" in source and "QUANTITIES = " in source


def test_show_check_and_rules_as_functions():
    assert "softmax_ce" in derive.rules()
    assert "dL/ds" in derive.show("sigmoid_bce", prove=False)
    assert "$$" in derive.show(CLASSIC, format="markdown", prove=False)
    report = derive.check(CLASSIC)
    assert report.ok and report.path == str(CLASSIC)
    assert derive.model.spec.read_model  # the subpackages stay packages
    assert callable(derive.check) and derive.check.check_paths


@pytest.mark.parametrize(("spec", "options", "field"), [
    ({"layers": [{"name": "h", "units": 0, "activation": "sigmoid"}], "loss": "squared_error"}, {},
     "model.layers[0].units"),
    ({"layers": [{"name": "o", "units": 2, "activation": "sigmoid"}], "loss": "cross_entropy"}, {},
     "model.layers[0].activation"),
    ({"layers": [{"name": "o", "units": 2, "activation": "tanh"}], "loss": "squared_error"}, {"name": "My net"},
     "name"),
    ({"layers": [{"name": "o", "units": 2, "activation": "tanh"}], "loss": "squared_error"}, {"input_size": 0},
     "input_size"),
    ({"layers": [{"name": "o", "units": 2, "activation": "tanh"}], "loss": "squared_error"},
     {"conventions": {"l2": "half"}}, "conventions.l2"),
])
def test_bad_specs_name_the_field(spec, options, field):
    with pytest.raises(InputError) as raised:
        derive.model(spec, **options)
    assert raised.value.field == field


def test_bad_inputs_and_answers_name_the_field(net):
    with pytest.raises(InputError, match="one-hot|W_o|missing") as raised:
        net.check({**INPUTS, "W_o": [[0.4, 0.45]]}, {"L": 0.3})
    assert raised.value.field == "inputs.W_o"
    with pytest.raises(InputError) as raised:
        net.check(INPUTS, {"dL/dW_q": 1.0})
    assert raised.value.field == "answers.dL/dW_q"


def test_import_derive_is_cheap():
    code = ("import sys, derive\n"
            "assert 'sympy' not in sys.modules and 'numpy' not in sys.modules, 'import derive'\n"
            f"net = derive.model({SPEC!r})\n"
            "assert 'sympy' not in sys.modules, 'derive.model(spec)'\n"
            "derive.rules()\n"
            "assert 'sympy' not in sys.modules, 'derive.rules()'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
