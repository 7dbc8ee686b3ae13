"""``derive check --dask``: partitions of files checked on Dask give the reports of the plain path;
Dask is optional (imported only when asked, a clear message without it); the generated functions
take Dask arrays chunked along the batch axis."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from test_batch_check import write_worked_files

from derive.check import check_paths, check_paths_dask, format_table
from derive.cli.main import main


def run_cli(args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def summary(reports) -> str:
    return format_table(reports).rsplit("\n\n", 1)[-1]


@pytest.fixture(scope="module")
def class_of_2000(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class_2000")
    write_worked_files(folder, 2000, seed=21, latex=1)
    return folder


@pytest.fixture(scope="module")
def plain(class_of_2000):
    return check_paths([class_of_2000])


# -- without Dask ----------------------------------------------------------------------------

def test_without_dask_the_message_names_the_extra(tmp_path, monkeypatch):
    write_worked_files(tmp_path, 3)
    monkeypatch.setitem(sys.modules, "dask", None)  # import dask -> ImportError
    code, out, err = run_cli(["check", "--dask", str(tmp_path)])
    assert code == 2 and out == ""
    assert err == "derive check: checking on Dask needs Dask, an optional extra of derive: " \
                  "pip install 'derive[dask]'\n"


def test_dask_is_not_imported_unless_asked(tmp_path):
    write_worked_files(tmp_path, 5)
    code = "import sys; from derive.cli.main import main; main(['check', sys.argv[1]]); print('dask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr


# -- on Dask ---------------------------------------------------------------------------------

def test_two_thousand_files_on_local_processes(class_of_2000, plain):
    pytest.importorskip("dask")
    found = check_paths_dask([class_of_2000], partition_size=500)  # local processes, four partitions
    assert summary(found) == summary(plain)
    assert [r.to_json() for r in found] == [r.to_json() for r in plain]


def test_the_command_line_on_dask_says_the_same(tmp_path):
    pytest.importorskip("dask")
    write_worked_files(tmp_path, 120, seed=8)
    plain_code, plain_out, plain_err = run_cli(["check", "--json", str(tmp_path)])
    code, out, err = run_cli(["check", "--json", "--dask", "--scheduler", "synchronous", "--partition-size", "25",
                              str(tmp_path)])
    assert (code, json.loads(out), err) == (plain_code, json.loads(plain_out), plain_err)
    code, out, _ = run_cli(["check", "--dask", "--scheduler", "threads", str(tmp_path)])
    assert out == run_cli(["check", str(tmp_path)])[1]


def test_a_missing_path_is_refused_before_any_work(tmp_path):
    pytest.importorskip("dask")
    code, _, err = run_cli(["check", "--dask", str(tmp_path / "nowhere")])
    assert code == 2 and "no such file or folder" in err and "Traceback" not in err


def test_a_cluster_at_an_address(tmp_path):
    """The distributed scheduler (a local cluster here, its workers running tasks in threads)."""
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    write_worked_files(tmp_path, 150, seed=9, latex=1)  # the LaTeX file: SymPy in a forked worker, budgeted
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) \
            as cluster:
        found = check_paths_dask([tmp_path], scheduler=cluster.scheduler_address, partition_size=40)
    assert [r.to_json() for r in found] == [r.to_json() for r in check_paths([tmp_path])]


def test_an_unreachable_cluster_is_a_message(tmp_path):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    write_worked_files(tmp_path, 2)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, _, err = run_cli(["check", "--dask", "--scheduler", "tcp://127.0.0.1:9", str(tmp_path)])
    assert code == 2 and err.startswith("derive check: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'")
    assert "Traceback" not in err


# -- Dask arrays through the generated functions ------------------------------------------

def _chunked(value, chunks=250):
    da = pytest.importorskip("dask.array")
    return da.from_array(value, chunks=(chunks,) + value.shape[1:])


def test_an_element_wise_rule_on_dask_arrays():
    pytest.importorskip("dask.array")
    from derive.numpy import sigmoid_bce

    rng = np.random.default_rng(0)
    s, y = rng.normal(0, 4, 1000), rng.integers(0, 2, 1000).astype(float)
    expected = sigmoid_bce(s=s, y=y)
    found = sigmoid_bce(s=_chunked(s), y=_chunked(y))
    for name, value in expected.items():  # element by element: the same numbers, bit for bit
        assert np.array_equal(np.asarray(found[name]), value), name


def test_a_shared_weight_on_dask_arrays():
    """linear_mse with w and b shared by the batch: their gradients are sums over the chunks."""
    pytest.importorskip("dask.array")
    from derive.numpy import linear_mse

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(1000, 3)), rng.normal(size=1000)
    w, b = rng.normal(size=3), np.float64(0.3)
    expected = linear_mse(x=x, w=w, b=b, y=y)
    found = linear_mse(x=_chunked(x), w=w, b=b, y=_chunked(y))
    assert set(found) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(np.asarray(found[name]), value, rtol=1e-12, atol=1e-12, err_msg=name)


def test_dask_arrays_stay_lazy():
    """Nothing is computed until asked: the results are Dask arrays, chunked as the inputs."""
    pytest.importorskip("dask.array")
    from derive.numpy import linear_mse, sigmoid_bce

    found = sigmoid_bce(s=_chunked(np.linspace(-3, 3, 1000)), y=_chunked(np.ones(1000)))
    assert all(hasattr(v, "dask") for v in found.values()), {k: type(v).__name__ for k, v in found.items()}
    assert found["L"].chunks == ((250,) * 4,)
    rng = np.random.default_rng(2)
    found = linear_mse(x=_chunked(rng.normal(size=(1000, 3))), w=rng.normal(size=3), b=0.1,
                       y=_chunked(rng.normal(size=1000)))
    assert hasattr(found["dL/dw"], "dask") and found["dL/dw"].shape == (3,)  # summed over the chunks, lazily


@pytest.mark.parametrize("rule, sizes, shared_state", [
    ("rnn_bptt_loop", {"T": 4, "D": 3, "H": 5, "K": 2}, False),
    ("rnn_bptt_loop", {"T": 4, "D": 3, "H": 5, "K": 2}, True),
    ("lstm_bptt_loop", {"T": 3, "D": 3, "H": 4, "K": 2}, False),
    ("lstm_bptt_loop", {"T": 3, "D": 3, "H": 4, "K": 2}, True),
    ("deep_chain_loop", {"T": 5}, False),
])
def test_a_loop_on_dask_arrays_stays_lazy_and_gives_numpys_numbers(rule, sizes, shared_state):
    """A loop over time on sequences chunked along the batch, weights shared (and the first state,
    in some cases): every result a Dask array (nothing computed before asked), NumPy's numbers."""
    pytest.importorskip("dask.array")
    import importlib

    module = importlib.import_module(f"derive.numpy.{rule}")
    rng = np.random.default_rng(3)
    inputs = {}
    for name, shape in module.INPUTS.items():
        dims = tuple(sizes[d] if d in sizes else sizes["D"] + sizes["H"] for d in shape)  # "D + H": z's size
        per_example = name in module.SEQUENCES or name in ("x", "y") or (name in ("h_0", "C_0") and not shared_state)
        inputs[name] = rng.normal(0.0, 0.4, ((600,) + dims) if per_example else dims)
    function = getattr(module, rule)
    expected = function(**inputs)
    found = function(**{n: _chunked(v) if np.ndim(v) and v.shape[0] == 600 else v for n, v in inputs.items()})
    assert all(hasattr(v, "dask") for v in found.values()), {k: type(v).__name__ for k, v in found.items()}
    for name, value in expected.items():
        np.testing.assert_allclose(np.asarray(found[name]), value, rtol=1e-12, atol=1e-12, err_msg=name)
