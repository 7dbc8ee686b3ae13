"""``derive emit RULE_OR_MODEL_FILE --out FILE.py``: a module that needs NumPy alone.

The emitted module is imported in a separate ``python -S`` process whose path holds only the
output folder and NumPy's: ``import derive`` fails there. Its results are compared with
derive.numpy's module on random batched inputs, with weights batched and shared.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from derive.cli.main import main
from derive.registry import rules

NUMPY_SITE = str(Path(np.__file__).resolve().parent.parent)
SIZES = {"D": 3, "H": 2, "K": 4, "T": 3, "H_1": 4, "H_2": 3, "Z": 2, "N": 5}
BATCH = 5
IMPORTS_DERIVE = re.compile(r"^\s*(from derive\b|import derive\b)", re.MULTILINE)

#: Runs in the isolated process: import the emitted module, prove derive is not importable,
#: call the function on the inputs of inputs.npz, save the results (keys with '/' as '__').
ISOLATED = """
import importlib, json, sys
import numpy as np
try:
    import derive
    sys.exit("derive is importable: " + derive.__file__)
except ImportError:
    pass
module = importlib.import_module(sys.argv[1])
inputs = dict(np.load("inputs.npz"))
out = getattr(module, sys.argv[1])(**inputs)
np.savez("outputs.npz", **{k.replace("/", "__"): np.asarray(v) for k, v in out.items()})
print(json.dumps({"modules": sorted(m for m in sys.modules if m.split(".")[0] in ("derive", "sympy")),
                  "quantities": list(module.QUANTITIES), "inputs": list(module.INPUTS)}))
"""


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def isolated(folder: Path, module: str, inputs: dict) -> tuple[dict, dict]:
    """``module``'s function on ``inputs``, in a process that can import NumPy and ``folder`` only."""
    np.savez(folder / "inputs.npz", **inputs)
    env = {"PYTHONPATH": os.pathsep.join([str(folder), NUMPY_SITE]), "PATH": os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-S", "-c", ISOLATED, module], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    with np.load(folder / "outputs.npz") as saved:
        outputs = {k.replace("__", "/"): saved[k] for k in saved.files}
    return outputs, json.loads(done.stdout)


def _size(text: str) -> int:
    return sum(int(t) if t.strip().isdigit() else SIZES[t.strip()] for t in text.split("+"))


def random_inputs(name: str, seed: int = 0, shared=()) -> dict:
    """Random inputs of derive.numpy's module ``name``, batched, those in ``shared`` without the batch axis."""
    import importlib

    module = importlib.import_module(f"derive.numpy.{name}")
    rng = np.random.default_rng(seed)
    values = {}
    for input_name, shape in module.INPUTS.items():
        shape = (BATCH,) + tuple(_size(d) for d in shape)
        kind = module.DOMAINS[input_name]
        if kind == "one_hot":
            value = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
        elif kind in ("positive", "nonzero", "unit", "simplex"):
            value = rng.uniform(0.2, 0.8, shape)
            value = value / value.sum(axis=-1, keepdims=True) if kind == "simplex" else value
        else:
            value = rng.normal(0, 0.8, shape)
        values[input_name.replace("/", "_")] = value[0] if input_name in shared else value
    return values


def assert_same(got: dict, expected: dict):
    assert list(got) == list(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-12, atol=1e-12, err_msg=key)
        assert np.shape(got[key]) == np.shape(value), key


@pytest.mark.parametrize("name, shared", [
    ("mlp_backprop", ()),
    ("mlp_backprop", ("W_1", "W_2", "W_3", "b_1", "b_2", "b_3", "lr")),
    ("lstm_step", ("W_f", "W_i", "W_c", "W_o", "b_f", "W_y")),
    ("softmax_ce", ()),
    ("l2_linreg", ("w", "b", "lr", "lam")),
    ("attention", ("h_enc",)),
    ("vae_kl", ()),
])
def test_emitted_module_equals_derive_numpy_without_derive(tmp_path, capsys, name, shared):
    code, _, err = run_cli(capsys, "emit", name, "--out", str(tmp_path / f"{name}.py"))
    assert code == 0, err
    inputs = random_inputs(name, seed=len(shared), shared=shared)
    got, facts = isolated(tmp_path, name, inputs)
    assert facts["modules"] == []  # neither derive nor SymPy was imported
    import importlib

    module = importlib.import_module(f"derive.numpy.{name}")
    assert facts["quantities"] == list(module.QUANTITIES) and facts["inputs"] == list(module.INPUTS)
    assert_same(got, getattr(module, name)(**inputs))


def test_the_emitted_function_is_derive_numpys_character_for_character(tmp_path, capsys):
    for name in ("mlp_backprop", "lstm_step"):
        target = tmp_path / f"{name}.py"
        assert run_cli(capsys, "emit", name, "--out", str(target))[0] == 0
        emitted = target.read_text()
        committed = (Path(__file__).resolve().parents[1] / "derive" / "numpy" / f"{name}.py").read_text()
        assert emitted[emitted.index("\nINPUTS = "):] == committed[committed.index("\nINPUTS = "):]
        assert not IMPORTS_DERIVE.search(emitted)
        assert f"from the rule ``{name}``" in emitted.split('"""')[1] and "derive 0." in emitted.split('"""')[1]


def test_output_is_byte_identical_across_runs(tmp_path, capsys):
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    assert run_cli(capsys, "emit", "lstm_step", "--out", str(first))[0] == 0
    command = [sys.executable, "-m", "derive", "emit", "lstm_step", "--out", str(second)]
    done = subprocess.run(command, capture_output=True, timeout=300, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert first.read_bytes() == second.read_bytes()
    code, out, _ = run_cli(capsys, "emit", "lstm_step", "--out", "-")
    assert code == 0 and out == first.read_text()


@pytest.mark.parametrize("argv, words", [
    (["emit", "no_such_rule", "--out", "{tmp}/x.py"], "unknown rule 'no_such_rule'"),
    (["emit", "softmax_ce"], "--out"),
    (["emit", "softmax_ce", "--out", "{tmp}/missing/x.py"], "does not exist"),
    (["emit", "softmax_ce", "--out", "{tmp}"], "is a folder"),
    (["emit", "softmax_ce", "--out", ""], "--out"),
    (["emit", "rnn_bptt_loop", "--out", "{tmp}/x.py"], "not a rule"),
    (["emit", "{tmp}/absent.yaml", "--out", "{tmp}/x.py"], "absent.yaml"),
])
def test_unusable_input_exits_2_with_one_line(tmp_path, capsys, argv, words):
    code, _, err = run_cli(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("derive emit: "), err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "x.py").exists()


def test_unusable_input_exits_2_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "derive", "emit", "nope", "--out", str(tmp_path / "x.py")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_out_exits_2(tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run_cli(capsys, "emit", "softmax_ce", "--out", str(folder / "x.py"))
    finally:
        folder.chmod(0o700)
    assert code == 2 and "permission denied" in err


def test_emit_is_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "emit" in capsys.readouterr().out


# -- model files ---------------------------------------------------------------------------------------
#: The classic 2-2-2 example, as committed (worked_examples/models/).
CLASSIC = (Path(__file__).resolve().parent.parent / "worked_examples" / "models" / "classic_222.yaml").read_text()


def test_a_model_file_emits_its_network(tmp_path, capsys):
    from derive.model import files

    model = tmp_path / "classic.yaml"
    model.write_text(CLASSIC)
    rule = files.rule_from_file(str(model))
    out = tmp_path / "net.py"
    code, _, err = run_cli(capsys, "emit", str(model), "--out", str(out))
    assert code == 0, err
    assert f"def {rule.name}(*, " in out.read_text() and "``classic.yaml``" in out.read_text()
    inputs = {"x": [0.05, 0.10], "y": [0.01, 0.99], "W_h": [[0.15, 0.20], [0.25, 0.30]], "b_h": [0.35, 0.35],
              "W_o": [[0.40, 0.45], [0.50, 0.55]], "b_o": [0.60, 0.60], "lr": 0.5}
    one = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
    (tmp_path / f"{rule.name}.py").write_text(out.read_text())
    got, facts = isolated(tmp_path, rule.name, one)
    assert facts["modules"] == []
    # the contract's numbers (Mazur's worked example)
    np.testing.assert_allclose(got["o"], [0.75136507, 0.772928465], rtol=1e-8)
    np.testing.assert_allclose(got["L"], 0.298371109, rtol=1e-8)
    np.testing.assert_allclose(got["W_o_new"], [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], rtol=1e-8)
    # a batch of four examples with the weights shared: summed gradients, one update
    batch = dict(one, x=np.tile(one["x"], (4, 1)) * [[1], [2], [3], [4]], y=np.tile(one["y"], (4, 1)))
    summed, _ = isolated(tmp_path, rule.name, batch)
    each = [isolated(tmp_path, rule.name, dict(one, x=batch["x"][n]))[0] for n in range(4)]
    np.testing.assert_allclose(summed["dL/dW_h"], sum(e["dL/dW_h"] for e in each), rtol=1e-12)
    np.testing.assert_allclose(summed["W_o_new"], one["W_o"] - 0.5 * sum(e["dL/dW_o"] for e in each), rtol=1e-12)


def test_a_bad_model_file_exits_2(tmp_path, capsys):
    pytest.importorskip("derive.model.files")
    model = tmp_path / "bad.yaml"
    model.write_text("title: bad\nmodel:\n  layers: []\n  loss: hinge\n")
    code, _, err = run_cli(capsys, "emit", str(model), "--out", str(tmp_path / "x.py"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


# -- derive grad --emit-numpy, the same inlining --------------------------------------------------------
def test_grad_emit_numpy_needs_numpy_alone(tmp_path, capsys):
    target = tmp_path / "hinge.py"
    code = main(["grad", r"\max(0, 1 - y s) + \lambda |s| + \sigma(s)", "--wrt", "s", "--emit-numpy", str(target)])
    capsys.readouterr()
    assert code == 0
    source = target.read_text()
    assert "derive.numpy" not in source.split('"""', 2)[2].split("# -- kernels")[0]
    script = ("import sys, numpy as np\n"
              "try:\n    import derive\n    sys.exit('derive importable')\nexcept ImportError:\n    pass\n"
              "import hinge\n"
              "print(hinge.df_ds(lam=0.1, s=np.array([-2.0, 0.5, 3.0]), y=1.0).tolist())")
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), NUMPY_SITE]), "PATH": os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    s = np.array([-2.0, 0.5, 3.0])
    sigma = 1 / (1 + np.exp(-s))
    np.testing.assert_allclose(json.loads(done.stdout), [-1.0, -1.0, 0.0] + 0.1 * np.sign(s) + sigma * (1 - sigma))


def test_grad_emit_without_kernels_has_no_kernel_section(tmp_path, capsys):
    target = tmp_path / "square.py"
    assert main(["grad", "a x^2", "--wrt", "x", "--emit-numpy", str(target)]) == 0
    capsys.readouterr()
    assert "_k" not in target.read_text() and "derive.numpy" not in target.read_text()


def test_every_rule_emits_a_module_that_compiles():
    from derive.codegen.generate import standalone_module_source

    for name, rule in rules().items():
        source = standalone_module_source(rule, f"the rule ``{name}``")
        compile(source, name, "exec")
        assert not IMPORTS_DERIVE.search(source), name


def _emitted(tmp_path, capsys, rule, only):
    """The module ``derive emit RULE --only ONLY`` writes, imported."""
    import importlib.util

    path = tmp_path / f"{rule}_only.py"
    assert main(["emit", rule, "--only", only, "--out", str(path)]) == 0, capsys.readouterr()
    spec = importlib.util.spec_from_file_location(f"{rule}_only", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, rule)


@pytest.mark.parametrize("rule, only, shared", [
    ("layer_norm", "y,dL/dx,dL/dgamma,dL/dbeta", ("gamma", "beta", "eps")),  # without the loss L
    ("mlp_backprop", "L,dL/dW_1,dL/db_1", ("W_1", "b_1", "W_2", "b_2", "W_3", "b_3", "lr")),
])
def test_only_keeps_the_sums_of_shared_inputs_gradients(tmp_path, capsys, rule, only, shared):
    """--only computes what it names as the whole function does: a gradient by an input shared by the
    batch stays summed over it, whether or not the quantity it is the gradient of is kept."""
    import importlib

    module = importlib.import_module(f"derive.numpy.{rule}")
    rng = np.random.default_rng(4)
    sizes = {"D": 4, "H_1": 3, "H_2": 3, "K": 2}
    inputs = {}
    for name, shape in module.INPUTS.items():
        dims = tuple(int(eval(str(d), {}, sizes)) for d in shape)  # the module's own shapes, not user text
        inputs[name] = rng.uniform(0.1, 0.9, dims if name in shared else (5,) + dims)
    if module.DOMAINS.get("y") == "one_hot":
        inputs["y"] = np.eye(2)[rng.integers(0, 2, size=5)]
    whole = getattr(module, rule)(**inputs)
    part = _emitted(tmp_path, capsys, rule, only)(**inputs)
    for name in only.split(","):
        np.testing.assert_allclose(part[name], whole[name], rtol=1e-12, err_msg=name)
