"""``derive grad`` and derive.autodiff: gradients of forward expressions a student might invent.

One table of specs; each spec is a forward expression, the variables to
differentiate by, and where its variables live (magnitude range, and whether
negative values are allowed), chosen away from kinks. Each gradient is checked
against central finite differences of the forward expression.
"""

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.autodiff import WHY, gradient_steps, prove_gradient_steps
from derive.cli.main import main
from derive.engine.equality import NUMPY_FUNCTIONS
from derive.latex.adapter import parse_latex
from derive.symbolic.functions import sigmoid

ROOT = Path(__file__).resolve().parent.parent
SIGNED = (0.2, 2.0, True)


@dataclass
class Spec:
    latex: str
    wrt: list
    domains: dict = field(default_factory=dict)  # name -> (low, high, signed); default SIGNED
    rtol: float = 1e-6


SPECS = {
    "huber_inner": Spec(r"\begin{cases} \frac{1}{2} r^2 & |r| \le \delta \\ "
                        r"\delta (|r| - \frac{1}{2}\delta) & \text{otherwise} \end{cases}",
                        ["r", "delta"], {"r": (0.1, 0.4, True), "delta": (0.6, 0.9, False)}),
    "huber_outer": Spec(r"\begin{cases} \frac{1}{2} r^2 & |r| \le \delta \\ "
                        r"\delta (|r| - \frac{1}{2}\delta) & \text{otherwise} \end{cases}",
                        ["r", "delta"], {"r": (1.2, 3.0, True), "delta": (0.6, 0.9, False)}),
    "log_cosh": Spec(r"\log\cosh(\hat{y} - y)", ["y_hat", "y"]),
    "focal": Spec(r"-(1 - \sigma(s))^{2} \log \sigma(s)", ["s"]),
    "softplus": Spec(r"\operatorname{softplus}(w x + b)", ["w", "b"]),
    "weighted_relu": Spec(r"v \operatorname{ReLU}(a x + c)", ["v", "a", "c"],
                          {"a": (0.5, 1.5, False), "x": (0.5, 1.5, False), "c": (0.1, 0.3, False)}),
    "relu_flat_side": Spec(r"w \max(0, x)", ["w", "x"], {"x": (-2.0, -0.2, False)}),
    "swish": Spec(r"x \sigma(x)", ["x"]),
    "tanh_squared": Spec(r"\tanh^{2}(w x)", ["w", "x"]),
    "squared_error": Spec(r"(y - w x - b)^2", ["w", "b"]),
    "bce_written_out": Spec(r"-y \log \sigma(s) - (1 - y) \log(1 - \sigma(s))", ["s", "y"],
                            {"y": (0.05, 0.95, False)}),
    "bce_of_probability": Spec(r"-y \log \hat{y} - (1 - y) \log(1 - \hat{y})", ["y_hat"],
                               {"y": (0.05, 0.95, False), "y_hat": (0.05, 0.95, False)}),
    "log_one_plus_exp": Spec(r"\log(1 + e^{x})", ["x"]),
    "log_sum_exp_two": Spec(r"\log(e^{a} + e^{b})", ["a", "b"]),
    "gaussian_bump": Spec(r"e^{-x^2/2}", ["x"]),
    "sqrt": Spec(r"\sqrt{x^2 + 1}", ["x"]),
    "gaussian_nll": Spec(r"\frac{1}{2}\log(2\pi\sigma^2) + \frac{(x - \mu)^2}{2\sigma^2}", ["mu", "sigma"],
                         {"sigma": (0.3, 2.0, False)}),
    "hinge_active": Spec(r"\max(0, 1 - y s)", ["s", "y"], {"y": (0.5, 1.5, False), "s": (0.1, 0.5, True)}),
    "hinge_flat": Spec(r"\max(0, 1 - y s)", ["s"], {"y": (0.5, 1.5, False), "s": (2.5, 3.0, False)}),
    "entropy_log2": Spec(r"-p \log_2 p", ["p"], {"p": (0.05, 0.95, False)}),
    "product": Spec(r"(x^2 + 1) \tanh(x) e^{-x}", ["x"]),
    "quotient": Spec(r"\frac{x}{1 + x^2}", ["x"]),
    "quotient_of_exps": Spec(r"\frac{e^{a}}{e^{a} + e^{b}}", ["a", "b"]),
    "vae_kl_scalar": Spec(r"-\frac{1}{2}(1 + \text{logvar} - \mu^2 - e^{\text{logvar}})", ["mu", "logvar"]),
    "ridge": Spec(r"(y - w x)^2 + \lambda w^2", ["w", "lambda"], {"lam": (0.05, 1.0, False)}),
    "lasso": Spec(r"(y - w x)^2 + \lambda |w|", ["w"], {"lam": (0.05, 1.0, False)}),
    "gradient_symbol": Spec(r"\frac{\partial L}{\partial h} (1 - \tanh^2(h))", ["h", "dL/dh"]),
    "general_power": Spec(r"x^{x}", ["x"], {"x": (0.3, 2.0, False)}),
    "sign_times": Spec(r"\operatorname{sgn}(w) w^2", ["w"]),
    "clipped_and_max": Spec(r"\min(1, x^2) + \max(a, b)", ["x", "a", "b"], {"x": (0.1, 0.8, True)}),
}


def draw_point(spec: Spec, names, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    point = {}
    for name in sorted(names):
        low, high, signed = spec.domains.get(name, SIGNED)
        value = rng.uniform(low, high)
        point[name] = float(value * rng.choice([-1.0, 1.0]) if signed else value)
    return point


def forward_function(spec: Spec):
    forward = parse_latex(spec.latex)
    symbols = sorted(forward.free_symbols, key=lambda s: s.name)
    function = sp.lambdify(symbols, forward, modules=[NUMPY_FUNCTIONS, "numpy"])
    return forward, [s.name for s in symbols], lambda point: float(function(*(point[s.name] for s in symbols)))


def central_difference(f, point: dict, name: str) -> float:
    h = 1e-6 * max(1.0, abs(point[name]))
    up, down = dict(point), dict(point)
    up[name] += h
    down[name] -= h
    return (f(up) - f(down)) / (2 * h)


def plain(name: str) -> str:
    return {"lambda": "lam"}.get(name, name)


def run_grad(args, capsys):
    code = main(["grad", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the table ---------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(SPECS))
def test_gradient_agrees_with_finite_differences_and_every_step_is_proven(key, capsys):
    spec = SPECS[key]
    forward, names, f = forward_function(spec)
    point = draw_point(spec, names, seed=sum(map(ord, key)))
    at = ",".join(f"{n}={v!r}" for n, v in point.items())
    args = [spec.latex, *(a for v in spec.wrt for a in ("--wrt", v)), "--at", at, "--json"]
    code, out, err = run_grad(args, capsys)
    assert code == 0, f"{key}: exit {code}: {err}"
    report = json.loads(out)
    assert set(report) >= {"forward", "gradients", "steps"}
    assert "latex" in report["forward"]
    assert report["forward"]["value"] == pytest.approx(f(point), rel=1e-9, abs=1e-12)
    for step in report["steps"]:
        assert set(step) >= {"latex", "why"}, f"{key}: {step}"
        assert step["why"] in WHY.values()
        assert not step["proof"].startswith("FAILED"), f"{key}: step not proven: {step}"
    for variable in spec.wrt:
        gradient = report["gradients"][variable]
        assert set(gradient) >= {"latex", "value"}
        expected = central_difference(f, point, plain(variable))
        assert gradient["value"] == pytest.approx(expected, rel=spec.rtol, abs=1e-7), \
            f"{key}: d/d{variable} at {point}: {gradient['value']} vs finite differences {expected}"


# -- the engine directly ----------------------------------------------------------------
@pytest.mark.parametrize("key", ["focal", "huber_inner", "gaussian_nll", "weighted_relu", "entropy_log2"])
def test_steps_are_a_proven_chain_ending_at_sympy_diff(key):
    forward = parse_latex(SPECS[key].latex)
    variable = next(s for s in forward.free_symbols if s.name == plain(SPECS[key].wrt[0]))
    steps = gradient_steps(forward, variable)
    assert steps[0].lhs == sp.Derivative(forward, variable)
    assert all(step.lhs is None for step in steps[1:])
    assert not steps[-1].rhs.has(sp.Derivative)
    assert {step.why for step in steps} <= set(WHY.values())
    proofs = prove_gradient_steps(steps, variable)
    assert len(proofs) == len(steps) + 1
    assert all(proofs), [(s.why, p.method, p.detail) for s, p in zip(steps, proofs)]


def test_one_rule_per_step_in_lecture_order():
    x = sp.Symbol("x", real=True)
    steps = gradient_steps(parse_latex(r"\sigma(2x)"), x)
    assert [s.why for s in steps] == [WHY["sigmoid"], WHY["constant_factor"], WHY["variable"]]


def test_result_keeps_the_sigmoid():
    x = sp.Symbol("x", real=True)
    steps = gradient_steps(parse_latex(r"\log(1 + e^{x})"), x)
    assert steps[-1].rhs == sigmoid(x)


# -- the command line -------------------------------------------------------------------------
def test_json_without_a_point_has_null_values(capsys):
    code, out, _ = run_grad([r"x \sigma(x)", "--wrt", "x", "--json"], capsys)
    report = json.loads(out)
    assert code == 0
    assert report["gradients"]["x"]["value"] is None
    assert report["steps"][0]["latex"].startswith(r"\frac{\partial}{\partial x}")


def test_human_output_names_every_step_and_its_proof(capsys):
    code, out, _ = run_grad([r"\log(1 + e^{x})", "--wrt", "x", "--at", "x=0.5"], capsys)
    assert code == 0
    assert "forward:" in out and "result:" in out
    assert WHY["log"] in out and "proof: symbolic" in out
    assert "0.6224593312" in out  # σ(0.5)


def test_aliases_and_latex_names_for_wrt(capsys):
    args = [r"\lambda w^2", "--wrt", "lam", "--wrt", r"\lambda", "--at", "lambda=0.5,w=2", "--json"]
    code, out, _ = run_grad(args, capsys)
    report = json.loads(out)
    assert code == 0
    assert report["gradients"]["lam"]["value"] == pytest.approx(4.0)
    assert report["gradients"][r"\lambda"]["value"] == pytest.approx(4.0)


@pytest.mark.parametrize("args, fragment", [
    ([r"\frac{1}{", "--wrt", "x"], "LATEX"),
    (["x^2", "--wrt", "y"], "no variable named 'y'"),
    (["x^2 + a", "--wrt", "x", "--at", "x=1"], "missing values for a"),
    (["x^2", "--wrt", "x", "--at", "x=abc"], "expected a number"),
    (["x^2", "--wrt", "x", "--at", "x=1,q=2"], "no variable named 'q'"),
    (["x^2", "--wrt", "x", "--at", "x"], "name=value"),
    (["x^2", "--wrt", "x", "--at", "x=inf"], "finite"),
    ([r"\sum_k y_k", "--wrt", "y"], "--shape"),
    ([r"W^\top x", "--wrt", "x"], "--shape"),
    ([r"\log x", "--wrt", "x", "--at", "x=-1"], "not defined"),
])
def test_unusable_input_exits_2_with_one_line(args, fragment, capsys):
    code, out, err = run_grad(args, capsys)
    assert code == 2
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("args", [[r"\frac{1}{2", "--wrt", "x"], ["x^2 + y", "--wrt", "z"]])
def test_subprocess_errors_have_no_traceback(args):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "derive", "grad", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("derive grad:")


def test_emitted_numpy_agrees_with_finite_differences(tmp_path, capsys):
    spec = SPECS["gaussian_nll"]
    target = tmp_path / "nll_grad.py"
    code, _, err = run_grad([spec.latex, "--wrt", "mu", "--wrt", "sigma", "--emit-numpy", str(target)], capsys)
    assert code == 0, err
    loaded = importlib.util.spec_from_file_location("nll_grad", target)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    _, names, f = forward_function(spec)
    for seed in range(5):
        point = draw_point(spec, names, seed)
        assert module.f(**point) == pytest.approx(f(point), rel=1e-12)
        for variable in ("mu", "sigma"):
            got = getattr(module, f"df_d{variable}")(**point)
            assert got == pytest.approx(central_difference(f, point, variable), rel=1e-6, abs=1e-8)


def test_emitted_numpy_is_vectorized_and_handles_kinks(tmp_path, capsys):
    target = tmp_path / "hinge_grad.py"
    code, _, err = run_grad([r"\max(0, 1 - y s) + \lambda |s|", "--wrt", "s", "--emit-numpy", str(target)], capsys)
    assert code == 0, err
    loaded = importlib.util.spec_from_file_location("hinge_grad", target)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    s = np.array([-2.0, 0.5, 3.0])
    got = module.df_ds(lam=0.1, s=s, y=1.0)
    np.testing.assert_allclose(got, [-1.0 - 0.1, -1.0 + 0.1, 0.1])


def test_emitted_numpy_forward_with_max_and_min(tmp_path, capsys):
    target = tmp_path / "clip_grad.py"
    code, _, err = run_grad([r"\min(1, x^2) + \max(a, b)", "--wrt", "x", "--emit-numpy", str(target)], capsys)
    assert code == 0, err
    loaded = importlib.util.spec_from_file_location("clip_grad", target)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(module.f(a=1.0, b=2.0, x=x), [2.25, 3.0])
    np.testing.assert_allclose(module.df_dx(a=1.0, b=2.0, x=x), [1.0, 0.0])


def test_text_report_reads_as_mathematics(capsys):
    """The readable report prints formulas as text, not LaTeX source; --json keeps the LaTeX."""
    code, out, err = run_grad([r"\frac{1}{2}(x - y)^2 + \sigma(x)", "--wrt", "x"], capsys)
    assert code == 0, err
    assert "\\" not in out and "{" not in out, out
    assert out.splitlines()[0] == "forward: f = (x - y)²/2 + sigmoid(x)"
    assert "  result: df/dx = x + (1 - sigmoid(x))*sigmoid(x) - y  (equal to SymPy's derivative: symbolic)" in out
    code, out, err = run_grad([r"\frac{1}{2}(x - y)^2", "--wrt", "x", "--json"], capsys)
    assert json.loads(out)["forward"]["latex"] == r"\frac{\left(x - y\right)^{2}}{2}"
