"""The batch path of ``derive check`` gives the reports of the one-at-a-time path, number for number.

:func:`write_worked_files` makes a class's worth of worked files as students make them
(:mod:`test_student_rounding` shows the method): random inputs with two decimals, every
quantity computed from the student's own rounded earlier values, and then, file by file, one
of the situations the checker tells apart: rounded answers (correct), a slip carried
consistently into the later steps (wrong, then carried), a real mistake, a slip that
:mod:`derive.check.slips` names (a sign, a truncation, too few digits, log base 10, a factor,
two components swapped, a transposed matrix, another quantity's value), a declared tolerance,
an ``expect:`` block, numbers in scientific notation or quoted, and unusable files. The
benchmark (``benchmarks/bench_check.py``) and the Dask tests write their files with it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

import numpy as np
import pytest
from test_student_rounding import draw_inputs

from derive import naming
from derive.check import check_file, check_paths, evaluate, format_table
from derive.check import judge as judge_module
from derive.check.worked import numeric_rule
from derive.cli.main import main
from derive.registry import numeric

#: Each rule with the sizes its exercises come in (a few, so that many files share shapes) and its share.
RULES = {
    "sigmoid_bce": ([{}], 4),
    "softmax_ce": ([{"K": 3}, {"K": 4}], 4),
    "vae_kl": ([{"Z": 2}, {"Z": 3}], 3),
    "linear_mse": ([{"D": 2}], 2),
    "l2_linreg": ([{"N": 3}], 2),
    "rnn_bptt": ([{"D": 2, "H": 2, "K": 2}], 2),
    "lstm_step": ([{"D": 2, "H": 2, "K": 2}], 1),
}
#: What happens in a file, with its share.
SITUATIONS = {"rounded": 6, "carried": 3, "mistake": 2, "slip": 6, "unusable": 1}
SLIPS = ("sign", "truncated", "whole", "log_base", "factor", "swapped", "transposed", "wrong_value")
#: The answers a student of each rule writes: one of two sets (the contract's quantities when it has them).
ANSWER_SETS = {
    "lstm_step": (("f", "i", "C_tilde", "o", "C", "h", "y_hat", "L", "dL/dh", "dL/do", "dL/dW_o", "dL/dx"),
                  ("o", "C", "h", "L", "dL/dW_y", "dL/dh_prev", "dL/dC_prev")),
    "rnn_bptt": (("h_1", "y_hat_1", "L_1", "h_2", "L", "dL/do_2", "dL/dh_1", "dL/dV", "dL/dW", "dL/dU"),
                 ("h_2", "y_hat_2", "L", "dL/ds_2", "dL/dW")),
}


# -- a student's file ----------------------------------------------------------------------

def student_values(module, inputs, decimals, slip=None) -> dict:
    """Every quantity as the student computes it, from their own earlier values rounded to ``decimals``;
    ``slip`` (quantity, amount) is added to the first number of that quantity and carried."""
    shapes = {k: np.shape(v)[1:] for k, v in getattr(module, module.__name__.rsplit(".", 1)[-1])(
        **{naming.python_name(k): np.asarray(v)[None] for k, v in inputs.items()}).items()}
    values = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
    for name in module.QUANTITIES:
        function, arguments = module.FROM_DEPENDENCIES[name]
        with np.errstate(all="ignore"):
            out = function(**{naming.python_name(a): values[a][None] for a in arguments})
        raw = np.array(np.broadcast_to(np.asarray(out, dtype=float), (1,) + shapes[name])[0])
        if slip is not None and slip[0] == name:
            raw[(0,) * raw.ndim] += slip[1]
        values[name] = np.round(raw, decimals)
    return values


def texts_of(values, decimals, style="plain") -> np.ndarray:
    """Numbers as written: ``0.2500``, ``2.500e-01`` (scientific) or ``"0.2500"`` (quoted)."""
    def text(v):
        if style == "scientific":
            return f"{v:.{decimals}e}"
        written = f"{v:.{decimals}f}"
        return f'"{written}"' if style == "quoted" else written
    return np.vectorize(text, otypes=[object])(np.asarray(values, dtype=float))


def yaml_list(array) -> str:
    array = np.asarray(array, dtype=object)
    if array.ndim:
        return "[" + ", ".join(yaml_list(a) for a in array) + "]"
    return str(array[()])


def _input_text(value) -> str:
    return yaml_list(np.vectorize(lambda v: str(int(v)) if float(v).is_integer() else f"{v:.2f}",
                                  otypes=[object])(value))


def _slipped(kind, name, exact, values, module, decimals, rng):
    """The texts of ``name`` with the slip ``kind`` (None when it does not apply to this quantity)."""
    value = np.asarray(exact[name], dtype=float)
    if kind == "sign" and np.all(np.abs(value) > 0.05):
        return texts_of(-value, decimals)
    if kind == "truncated":
        cut = np.trunc(value * 10 ** decimals) / 10 ** decimals
        if np.any(np.abs(cut - np.round(value, decimals)) > 10 ** -(decimals + 2)):
            return texts_of(cut, decimals)
    if kind == "whole" and value.ndim == 0 and abs(value - round(float(value))) > 0.01:
        return np.array(str(round(float(value))), dtype=object)
    if kind == "log_base" and name.startswith("L") and value.ndim == 0 and value > 0.05:
        return texts_of(value / math.log(10), decimals)
    if kind == "factor" and np.all(np.abs(value) > 0.05):
        return texts_of(2 * value, decimals)
    if kind == "swapped" and value.ndim == 1 and value.size > 1 and abs(value[0] - value[1]) > 0.05:
        return texts_of(value[[1, 0] + list(range(2, value.size))], decimals)
    if kind == "transposed" and value.ndim == 2 and value.shape[0] == value.shape[1] \
            and np.max(np.abs(value - value.T)) > 0.05:
        return texts_of(value.T, decimals)
    if kind == "wrong_value":
        others = [q for q in module.QUANTITIES if q != name and np.shape(exact[q]) == value.shape
                  and np.max(np.abs(np.asarray(exact[q]) - value)) > 0.05]
        if others:
            return texts_of(exact[others[rng.integers(len(others))]], decimals)
    return None


def worked_text(number: int, seed: int = 0, rules=None) -> str:
    """The ``number``-th file of a class (the same text for the same number and seed), of one of ``rules``."""
    rng = np.random.default_rng([seed, number])
    names = list(rules or RULES)
    shares = np.array([RULES[n][1] for n in names], dtype=float)
    rule = names[rng.choice(len(names), p=shares / shares.sum())]
    module = numeric(rule)
    sizes = RULES[rule][0][rng.integers(len(RULES[rule][0]))]
    inputs = draw_inputs(module, sizes, rng)
    situation = list(SITUATIONS)[rng.choice(len(SITUATIONS), p=np.array(list(SITUATIONS.values()))
                                            / sum(SITUATIONS.values()))]
    sets = ANSWER_SETS.get(rule, (module.QUANTITIES, module.QUANTITIES[len(module.QUANTITIES) // 2:]))
    answered = list(sets[rng.integers(2)])
    decimals = int(rng.choice([2, 3, 4, 4]))
    exact = student_values(module, inputs, 12)
    values = student_values(module, inputs, decimals)
    style = ("plain", "plain", "plain", "scientific", "quoted")[rng.integers(5)]
    texts = {q: texts_of(values[q], decimals, style) for q in answered}
    extra = []
    if situation == "carried":
        slipped = answered[int(rng.integers(max(1, len(answered) // 2)))]
        values = student_values(module, inputs, decimals, (slipped, float(rng.choice([-0.3, -0.1, 0.1, 0.3]))))
        texts = {q: texts_of(values[q], decimals, style) for q in answered}
    elif situation == "mistake":
        name = answered[int(rng.integers(len(answered)))]
        wrong = np.array(values[name], dtype=float)
        wrong[(0,) * wrong.ndim] += float(rng.uniform(0.2, 2.0)) * rng.choice([-1, 1])
        texts[name] = texts_of(wrong, decimals, style)
    elif situation == "slip":  # each kind first in turn, then the others until one applies
        first = SLIPS[number % len(SLIPS)]
        for kind in [first] + [k for k in rng.permutation(SLIPS) if k != first]:
            for name in rng.permutation(answered):
                slipped = _slipped(kind, name, exact, values, module, max(decimals, 3), rng)
                if slipped is not None:
                    texts[name] = slipped
                    break
            else:
                continue
            break
    if rng.random() < 0.1:
        extra.append(f"tolerance: {{abs: {rng.choice(['0.001', '1.0e-3', '0.01'])}}}")
    if rng.random() < 0.1:
        extra.append("expect: {ok: true}" if situation == "rounded" else
                     f"expect: {{first_error: {json.dumps(answered[0])}}}")
    inputs_text = {k: _input_text(v) for k, v in inputs.items()}
    if situation == "unusable":
        problem = ("missing input", "unknown quantity", "out of domain", "answer shape", "text answer", "yaml",
                   "no answers")[rng.integers(7)]
        first = next(iter(inputs_text))
        if problem == "missing input":
            del inputs_text[first]
        elif problem == "unknown quantity":
            texts["dL/dnothing"] = np.array("0.5", dtype=object)
        elif problem == "out of domain":
            kind_of = module.DOMAINS
            name = next((n for n in inputs if kind_of[n] in ("one_hot", "unit", "positive")), first)
            inputs_text[name] = _input_text(-np.abs(inputs[name]) - 0.5)
        elif problem == "answer shape":
            texts[answered[-1]] = np.array([texts_of(0.5, 2)[()]] * 7, dtype=object)
        elif problem == "text answer":
            texts[answered[0]] = np.array("about a half", dtype=object)
        elif problem == "yaml":
            extra.append("answers: [unbalanced")
        else:
            texts = {}
    lines = [f"rule: {rule}", f"title: student {number} ({situation})", "inputs:"]
    lines += [f"  {k}: {v}" for k, v in inputs_text.items()]
    lines.append("answers:" if texts else "answers: {}")
    lines += [f'  "{q}": {yaml_list(t)}' for q, t in texts.items()]
    return "\n".join(lines + extra) + "\n"


def write_worked_files(folder, count: int, seed: int = 0, *, latex: int = 0) -> list:
    """``count`` files of :func:`worked_text` in ``folder``; ``latex`` of them with a LaTeX answer (SymPy)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        text = worked_text(number, seed)
        if number < latex:  # the checker's other path: a quoted LaTeX answer is read by SymPy
            text = ("rule: sigmoid_bce\ntitle: a LaTeX answer\ninputs: {s: 0.5, y: 1}\n"
                    f"answers:\n  y_hat: 0.622\n  L: \"-\\\\log {0.622 + number / 1000:.3f}\"\n")
        path = folder / f"student_{number:06d}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


# -- the two paths agree -----------------------------------------------------------------

@pytest.fixture(scope="module")
def class_of_200(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    write_worked_files(folder, 200, seed=13, latex=2)
    return folder


@pytest.fixture(scope="module")
def both(class_of_200):
    """The reports alone and in a batch, and the sizes of the groups the batch judged."""
    alone = check_paths([class_of_200], batch=False)
    sizes = []
    original = judge_module.judge_group

    def spy(files):
        sizes.append(len(files))
        return original(files)

    judge_module.judge_group = spy
    try:
        batched = check_paths([class_of_200])
    finally:
        judge_module.judge_group = original
    return alone, batched, sizes


def test_the_class_has_every_situation(both):
    alone, _, _ = both
    statuses = {s.status for r in alone for s in r.steps if r.kind == "worked"}
    assert statuses == {"correct", "carried", "wrong"}, statuses
    slips = {f.slip.kind for r in alone for f in r.findings.values() if f.slip is not None}
    assert {"sign", "truncated", "too_few_digits", "log_base", "factor", "swapped", "transposed",
            "wrong_value"} <= slips, slips
    assert sum(r.error is not None for r in alone) >= 5
    assert sum(r.ok for r in alone) >= 50
    assert sum(r.expect is not None for r in alone) >= 5


def test_the_batch_judges_groups_at_once(both):
    _, _, sizes = both
    assert sum(sizes) >= 150 and len(sizes) <= 40 and max(sizes) >= 10, sizes


def test_batch_and_alone_give_the_same_json(both):
    alone, batched, _ = both
    assert [r.path for r in alone] == [r.path for r in batched]
    for one, many in zip(alone, batched):
        assert json.dumps(one.to_json()) == json.dumps(many.to_json()), one.path


def test_batch_and_alone_give_the_same_text(both):
    alone, batched, _ = both
    for lang in ("en", "ko"):
        assert format_table(alone, lang) == format_table(batched, lang)


def test_batch_and_alone_agree_to_the_last_bit(both):
    """Not just the printed numbers: the allowed distances the verdicts came from."""
    alone, batched, _ = both
    for one, many in zip(alone, batched):
        for a, b in zip(one.steps, many.steps):
            for field in ("given", "expected", "recomputed", "tolerance", "allowed"):
                x, y = getattr(a, field, None), getattr(b, field, None)
                assert (x is None) == (y is None), (one.path, a.name, field)
                if x is not None:
                    assert np.array_equal(x, y, equal_nan=True), (one.path, a.name, field)


def test_the_command_line_says_the_same(class_of_200, monkeypatch):
    """``derive check --json`` (the batch path) prints the one-at-a-time reports, and the same exit code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--json", str(class_of_200)])
    alone = check_paths([class_of_200], batch=False)
    assert json.loads(out.getvalue()) == {"reports": [r.to_json() for r in alone]}
    assert code == 2  # the class has unusable files
    lines = err.getvalue().splitlines()
    assert len(lines) == sum(r.error is not None for r in alone)
    for line in lines:  # one line each, naming the file, never a traceback
        assert line.startswith("derive check: ") and "student_" in line and "Traceback" not in line


# -- the batch API -------------------------------------------------------------------------

def test_evaluate_is_the_rule_at_each_point_bit_for_bit():
    rng = np.random.default_rng(3)
    module = numeric("lstm_step")
    points = [draw_inputs(module, {"D": 2, "H": 2, "K": 2}, rng) for _ in range(40)]
    points += [draw_inputs(module, {"D": 3, "H": 2, "K": 3}, rng) for _ in range(5)]  # another shape
    rule = numeric_rule("lstm_step", "test")
    many = evaluate("lstm_step", points)
    for point, values in zip(points, many):
        alone = rule.evaluate(point)
        assert set(alone) == set(values)
        for name in alone:
            assert np.array_equal(alone[name], values[name], equal_nan=True), name


@pytest.mark.parametrize("rule_name", ["lstm_step", "rnn_bptt"])
def test_evaluate_on_thousands_of_points_is_still_bit_for_bit(rule_name):
    """Stacked, 2,100 points of two hidden units make arrays of 4,200 numbers: the kernels must
    give each number the same bits as in the one-point call (tanh_pair once switched formulas
    at 4,096 numbers, so that a verdict could depend on the other files of the folder)."""
    rng = np.random.default_rng(5)
    module = numeric(rule_name)
    sizes = {"D": 2, "H": 2, "K": 2}
    points = [draw_inputs(module, sizes, rng) for _ in range(2100)]
    rule = numeric_rule(rule_name, "test")
    many = evaluate(rule_name, points)
    for point, values in list(zip(points, many))[::7]:
        alone = rule.evaluate(point)
        for name in alone:
            assert np.array_equal(alone[name], values[name], equal_nan=True), name


def test_a_file_alone_and_in_a_group_of_copies(tmp_path):
    """The same file many times in one group: every copy's report is the file's own."""
    text = next(t for t in (worked_text(n, seed=2) for n in range(100)) if "(carried)" in t)
    for number in range(30):
        (tmp_path / f"copy_{number:02d}.yaml").write_text(text)
    one = check_file(tmp_path / "copy_00.yaml").to_json()
    for report in check_paths([tmp_path]):
        assert report.to_json() == {**one, "path": report.path}


def test_a_bad_file_among_good_ones_is_reported_alone(tmp_path):
    write_worked_files(tmp_path, 30, seed=4)
    (tmp_path / "student_000003.yaml").write_text("rule: softmax_ce\ninputs: {o: [1, 2], y: [0, 2]}\n"
                                                   "answers: {L: 0.31}\n")
    reports = check_paths([tmp_path])
    bad = reports[3]
    assert bad.error.startswith(str(tmp_path / "student_000003.yaml")) and "inputs.y" in bad.error
    assert [r.to_json() for r in reports] == [check_file(p).to_json() for p in sorted(tmp_path.iterdir())]


def test_files_of_plain_numbers_do_not_import_sympy(tmp_path):
    """vae_kl has no conventions: nothing in checking its files, right or wrong, needs SymPy."""
    import subprocess
    import sys

    for number in range(40):
        (tmp_path / f"kl_{number:02d}.yaml").write_text(worked_text(number, seed=5, rules=["vae_kl"]))
    code = ("import sys; from derive.check import check_paths; check_paths([sys.argv[1]]); "
            "print('sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
