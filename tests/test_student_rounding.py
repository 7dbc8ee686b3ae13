"""A student's own rounding, carried through the steps they did not write, is not a mistake.

Each file here is made as a student makes it: from random inputs (two decimals, as an
exercise gives them), every quantity of the rule in dependency order, each computed with the
generated ``FROM_DEPENDENCIES`` function from the student's own rounded earlier values and
rounded to 3, 4 or 6 decimals; a random subset of them is written down (the others the
student computed too, rounded or kept in the calculator). Every answer must be ``correct``.
With one slip early on, carried consistently through the later steps, that step is
``wrong``, every later answer that depends on it is ``carried`` and the others stay ``correct``
(as the contract says, an answer that the slip no longer moves beyond its written precision,
or that comes from answers that are all ``correct``, is ``correct`` too).
"""

import importlib
import json
import zlib

import numpy as np
import pytest

from derive import naming
from derive.check import check_file
from derive.check.judge import SLACK_ABS, SLACK_REL
from derive.cli.main import main
from derive.registry import numeric

#: Each rule with the sizes of its exercise (small, as on paper).
SIZES = {
    "lstm_step": {"D": 2, "H": 2, "K": 3},
    "lstm_bptt": {"D": 2, "H": 2, "K": 2},
    "mlp_backprop": {"D": 3, "H_1": 3, "H_2": 2, "K": 3},
    "mlp_backprop_binary": {"D": 3, "H_1": 3, "H_2": 2},
    "mlp_backprop_multilabel": {"D": 2, "H_1": 3, "H_2": 2, "K": 2},
    "mlp_backprop_regression": {"D": 2, "H_1": 2, "H_2": 3, "K": 2},
    "rnn_bptt": {"D": 2, "H": 2, "K": 3},
    "softmax_ce": {"K": 4},
    "vae_kl": {"Z": 3},
    "l2_linreg": {"N": 4},
}
SEEDS = range(5)
DECIMALS = (3, 4, 6)
#: The 24 quantities of lstm_step that the contract names (the issue's student writes them all).
LSTM_CONTRACT = ("f", "i", "C_tilde", "o", "C", "h", "g", "y_hat", "L", "dL/dg", "dL/dW_y", "dL/dh", "dL/do",
                 "dL/dC", "dL/df", "dL/di", "dL/dC_tilde", "dL/dW_o", "dL/dW_f", "dL/dW_i", "dL/dW_c",
                 "dL/dh_prev", "dL/dC_prev", "dL/dx")


# -- making a student's file -------------------------------------------------------------

def draw_inputs(module, sizes, rng) -> dict:
    """Inputs as an exercise states them: two decimals, weights in [-1, 1], labels 0 or 1."""
    inputs = {}
    for name, dims in module.INPUTS.items():
        shape = tuple(sum(int(t) if t.isdigit() else sizes[t] for t in d.replace(" ", "").split("+"))
                      for d in dims)  # 'D + H', '1'
        kind = module.DOMAINS[name]
        if kind == "one_hot":
            value = np.eye(shape[-1])[rng.integers(shape[-1])]
        elif kind == "unit":
            value = rng.integers(0, 2, size=shape).astype(float)
        elif kind == "positive":
            value = np.round(rng.uniform(0.1, 0.9, size=shape), 2)
        else:
            value = np.round(rng.uniform(-1.0, 1.0, size=shape), 2)
        inputs[name] = value
    return inputs


def shapes_of(module, inputs) -> dict:
    out = getattr(module, module.__name__.rsplit(".", 1)[-1])(
        **{naming.python_name(k): np.asarray(v)[None] for k, v in inputs.items()})
    return {k: np.asarray(v).shape[1:] for k, v in out.items()}


def student_work(module, inputs, decimals, *, round_unwritten=True, written=(), slip=None):
    """Every quantity as the student computes it: from their own earlier values, rounded.

    Returns (the values the student carried, the texts they would write). An unwritten
    quantity is rounded too when ``round_unwritten`` (else kept with every digit). ``slip``:
    (quantity, component, amount) added to that quantity before it is rounded and carried."""
    shapes = shapes_of(module, inputs)
    values = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
    texts = {}
    for name in module.QUANTITIES:
        function, arguments = module.FROM_DEPENDENCIES[name]
        with np.errstate(all="ignore"):  # a slip may leave a function's domain: the caller tries again
            out = function(**{naming.python_name(a): values[a][None] for a in arguments})
        raw = np.array(np.broadcast_to(np.asarray(out, dtype=float), (1,) + shapes[name])[0])
        if slip is not None and slip[0] == name:
            raw[slip[1]] += slip[2]
        text = np.vectorize(lambda v: f"{v:.{decimals}f}", otypes=[object])(raw)
        texts[name] = text
        values[name] = text.astype(float) if round_unwritten or name in written else raw
    return values, texts


def yaml_list(array) -> str:
    if isinstance(array, np.ndarray) and array.ndim:
        return "[" + ", ".join(yaml_list(a) for a in array) + "]"
    return str(array[()] if isinstance(array, np.ndarray) else array)


def write_file(path, rule, inputs, texts, answered) -> str:
    def number(v):
        return str(int(v)) if float(v).is_integer() else f"{v:.2f}"
    lines = [f"rule: {rule}", f"title: a student's own rounding ({path.stem})", "inputs:"]
    lines += [f"  {k}: {yaml_list(np.vectorize(number, otypes=[object])(v))}" for k, v in inputs.items()]
    lines.append("answers:")
    lines += [f'  "{q}": {yaml_list(texts[q])}' for q in answered]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def ancestors(module, name) -> set:
    """Every quantity ``name`` is computed from, directly or through others."""
    found, todo = set(), [name]
    while todo:
        for argument in module.FROM_DEPENDENCIES[todo.pop()][1]:
            if argument in module.FROM_DEPENDENCIES and argument not in found:
                found.add(argument)
                todo.append(argument)
    return found


def written_sources(module, name, answered) -> set:
    """The answers the student's ``name`` was computed from: through the quantities not written."""
    found, todo = set(), [name]
    while todo:
        for argument in module.FROM_DEPENDENCIES[todo.pop()][1]:
            if argument in answered:
                found.add(argument)
            elif argument in module.FROM_DEPENDENCIES:
                todo.append(argument)
    return found


def statuses(path) -> dict:
    report = check_file(path)
    assert report.error is None, report.error
    return {s.name: s.status for s in report.steps}


def answered_subset(module, rng, seed) -> list:
    """All quantities for the first seed, the last one alone for the second, a random subset after."""
    names = list(module.QUANTITIES)
    if seed == 0:
        return names
    if seed == 1:
        return names[-1:]
    keep = rng.random(len(names)) < rng.uniform(0.2, 0.8)
    keep[rng.integers(len(names))] = True
    return [n for n, k in zip(names, keep) if k]


# -- all correct -------------------------------------------------------------------------

@pytest.mark.parametrize("rule", sorted(SIZES))
def test_own_rounding_is_correct(rule, tmp_path):
    module = numeric(rule)
    failures = []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, zlib.crc32(rule.encode())])
        inputs = draw_inputs(module, SIZES[rule], rng)
        answered = answered_subset(module, rng, seed)
        for decimals in DECIMALS:
            _, texts = student_work(module, inputs, decimals, round_unwritten=seed % 2 == 0,
                                         written=answered)
            path = write_file(tmp_path / f"{rule}_{seed}_{decimals}.yaml", rule, inputs, texts, answered)
            found = statuses(path)
            bad = {q: s for q, s in found.items() if s != "correct"}
            if bad:
                failures.append(f"seed {seed}, {decimals} decimals: {bad}")
    assert not failures, f"{rule}: answers computed from the student's own rounding judged as mistakes:\n" + \
        "\n".join(failures)


def test_the_issues_lstm_student_is_correct(tmp_path, capsys):
    """All 24 quantities of an LSTM step at four decimals, each from the student's own rounding:
    dL/dW_o, dL/dW_c, dL/dh_prev and dL/dx go through the gates' pre-activation gradients, unwritten."""
    module = numeric("lstm_step")
    for seed in SEEDS:
        inputs = draw_inputs(module, SIZES["lstm_step"], np.random.default_rng([seed, 24]))
        _, texts = student_work(module, inputs, 4)
        path = write_file(tmp_path / f"lstm_{seed}.yaml", "lstm_step", inputs, texts, LSTM_CONTRACT)
        assert main(["check", path, "--json"]) == 0, f"seed {seed}"
        report = json.loads(capsys.readouterr().out)["reports"][0]
        assert [s["status"] for s in report["steps"]] == ["correct"] * 24, f"seed {seed}"


# -- one slip, carried consistently --------------------------------------------------------

def expected_statuses(module, inputs, texts, answered, slip, decimals) -> dict:
    """The slip ``wrong``; an answer off the exact value (at its written precision) and computed
    from an answer that is not ``correct`` is ``carried``; every other answer ``correct`` (among
    them one that the slip no longer reaches once rounded, and one computed from such answers)."""
    function = getattr(module, module.__name__.rsplit(".", 1)[-1])
    exact = function(**{naming.python_name(k): np.asarray(v)[None] for k, v in inputs.items()})
    half = 0.5 * 10.0 ** -decimals
    expected = {}
    for name in answered:
        given, value = texts[name].astype(float), np.asarray(exact[name])[0]
        close = np.abs(given - value) <= half + SLACK_ABS + SLACK_REL * np.maximum(np.abs(given), np.abs(value))
        if name == slip:
            expected[name] = "wrong"
        elif not close.all() and any(expected[a] != "correct" for a in written_sources(module, name, answered)):
            expected[name] = "carried"
        else:
            expected[name] = "correct"
    return expected


@pytest.mark.parametrize("rule", sorted(SIZES))
def test_one_slip_is_wrong_and_the_steps_after_it_carried(rule, tmp_path):
    module = numeric(rule)
    names = list(module.QUANTITIES)
    failures, carried = [], 0
    for seed in SEEDS:
        rng = np.random.default_rng([seed, zlib.crc32(rule.encode()), 7])
        inputs = draw_inputs(module, SIZES[rule], rng)
        slip = names[rng.integers(max(1, len(names) // 2))]  # early on
        later = names[names.index(slip) + 1:]
        answered = [n for n in names if n == slip or (n in later and rng.random() < 0.7)]
        decimals = DECIMALS[seed % len(DECIMALS)]
        shape = shapes_of(module, inputs)[slip]
        component = tuple(int(rng.integers(n)) for n in shape)
        for amount in [0.3, -0.3][::int(rng.choice([-1, 1]))]:  # the sign that keeps every step finite
            _, texts = student_work(module, inputs, decimals, round_unwritten=seed % 2 == 0, written=answered,
                                    slip=(slip, component, amount))
            if all(np.isfinite(t.astype(float)).all() for t in texts.values()):
                break
        path = write_file(tmp_path / f"{rule}_{seed}.yaml", rule, inputs, texts, answered)
        found = statuses(path)
        expected = expected_statuses(module, inputs, texts, answered, slip, decimals)
        carried += sum(s == "carried" for s in expected.values())
        if found != expected:
            failures.append(f"seed {seed}, slip in {slip}{list(component)} at {decimals} decimals: "
                            + str({q: f"{found[q]} (expected {expected[q]})" for q in found if found[q] != expected[q]}))
    assert not failures, f"{rule}:\n" + "\n".join(failures)
    if any(ancestors(module, n) for n in names):
        assert carried, f"{rule}: no slip reached a later answer; the test proves nothing"


@pytest.mark.parametrize("slip", ["f", "dL/dg"])
def test_a_slip_in_the_lstm_is_carried_into_every_weight_gradient(slip, tmp_path):
    """The issue's second student: a slip in f (or in dL/dg), carried consistently."""
    module = numeric("lstm_step")
    for seed in SEEDS:
        inputs = draw_inputs(module, SIZES["lstm_step"], np.random.default_rng([seed, 25]))
        _, texts = student_work(module, inputs, 4, slip=(slip, (0,), 0.2))
        path = write_file(tmp_path / f"lstm_{seed}.yaml", "lstm_step", inputs, texts, LSTM_CONTRACT)
        found = statuses(path)
        assert found == expected_statuses(module, inputs, texts, LSTM_CONTRACT, slip, 4), f"seed {seed}"
        assert found[slip] == "wrong"
        weights = ("dL/dW_f", "dL/dW_i", "dL/dW_c", "dL/dW_o") if slip == "f" else \
            ("dL/dW_y", "dL/dW_f", "dL/dW_i", "dL/dW_c", "dL/dW_o")
        # each one, unless the slip no longer shows in it at four decimals (f(1 - f) is flat near 1/2)
        assert sum(found[w] == "carried" for w in weights) >= len(weights) - 1, f"seed {seed}: {found}"
        assert all(found[q] == "correct" for q in LSTM_CONTRACT[:LSTM_CONTRACT.index(slip)]), f"seed {seed}"


def test_long_chains_are_followed_step_by_step(tmp_path, monkeypatch):
    """Above the work limit the chain is followed one step at a time (an upper bound of the
    whole-chain spread): the rounding student is still correct, the slip still wrong."""
    monkeypatch.setattr(importlib.import_module("derive.check.judge"), "CHAIN_WORK", 0)
    module = numeric("lstm_step")
    inputs = draw_inputs(module, SIZES["lstm_step"], np.random.default_rng([3, 26]))
    _, texts = student_work(module, inputs, 3)
    path = write_file(tmp_path / "rounded.yaml", "lstm_step", inputs, texts, LSTM_CONTRACT[-4:])
    assert set(statuses(path).values()) == {"correct"}
    _, texts = student_work(module, inputs, 3, slip=("o", (1,), -0.3))
    path = write_file(tmp_path / "slip.yaml", "lstm_step", inputs, texts, ["o", "dL/dW_o", "dL/dx"])
    found = statuses(path)
    assert found["o"] == "wrong" and found["dL/dW_o"] == "carried"
