"""The benchmark suite in one command: every generated function of derive.numpy against hand-written NumPy.

Run: ``python benchmarks/run.py [--quick] [--json results.json] [--repeat 7] [--only RULE ...]``.

For every rule (and the loops over time and depth) at the lecture's size and at a large size, the
generated function is timed against the hand-written NumPy of ``benchmarks/references.py``, and,
for the headline rules when they are installed, against PyTorch's CPU autograd and JAX's
``jit(value_and_grad)`` (``benchmarks/frameworks.py``), all in float64 on every core. The weights
are passed once, shared by the batch (their gradients summed over it). Before any timing, the
numbers of every contender are compared with the generated ones.

Timing: each contender's call is repeated until a sample lasts at least 20 ms; the contenders
take turns, sample after sample (the order rotating), and the median of each one's samples is
kept: load from other work on the machine slows all of them alike. Ratios are generated / other:
below 1 the generated code is faster. Beside each ratio against hand-written NumPy, the quartiles
of the ratios of the samples taken in the same turn show how far the machine's noise moves it
(on a virtual machine, where the first touch of new memory is costly, easily ±10 %): a ratio
above 1 whose lower quartile is below 1 is within the noise. Against the frameworks each turn
starts with an untimed call (their worker threads spin for a while after a call returns).

Against the frameworks, a rule whose function computes more than a framework's pass (the MLP
returns every δ, the notes' updates and the new weights) is timed as ``derive emit --only`` makes
it: the loss and the gradients the framework returns, and what they are computed from.

Memory bandwidth: a threaded ``numpy.add`` of large arrays, on one thread and on every core,
gives the machine's bandwidth (bytes read and written per second). For the element-wise rules the
table shows the fraction of it that each contender reaches: the bytes of the inputs read once and
of the results written once, divided by the time; last, the generated function writing into
result arrays given (``out=``), the same ones every call.

``--quick``: the headline rules at their large size only, three samples each. ``--json PATH``
writes every number to PATH. A benchmark, not a test: it exits 0 whatever the ratios.
"""

from __future__ import annotations

import os

# PyTorch's OpenMP threads wait for work spinning, for a while after each call; in one process with
# the other contenders they would take the cores from the NumPy threads timed next. Asleep instead:
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import importlib
import json
import platform
import statistics
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import frameworks
import references

from derive.check.worked import size_of
from derive.engine import domains
from derive.numpy import _kernels

ELEMENT_WISE = ("softmax_ce", "sigmoid_bce", "vae_kl")
HEADLINE = ELEMENT_WISE + ("mlp_backprop_regression", "mlp_backprop", "lstm_step", "rnn_bptt_loop", "lstm_bptt_loop")
#: The rules timed against PyTorch and JAX too: the headline ones and the curriculum's layer norm.
AGAINST_FRAMEWORKS = HEADLINE + ("layer_norm", "conv2d", "max_pool2d", "avg_pool2d", "scaled_dot_product_attention",
                                  "gcn")
LOOPS = ("rnn_bptt_loop", "lstm_bptt_loop", "seq2seq_loop", "deep_chain_loop")

#: The inputs passed once, shared by the batch (their gradients are sums over the batch).
MLP_SHARED = {"W_1", "b_1", "W_2", "b_2", "W_3", "b_3", "lr"}
LSTM_SHARED = {"W_f", "W_i", "W_c", "W_o", "b_f", "b_i", "b_c", "b_o", "W_y"}
SHARED = {"mlp_backprop": MLP_SHARED, "mlp_backprop_regression": MLP_SHARED, "mlp_backprop_binary": MLP_SHARED,
          "mlp_backprop_multilabel": MLP_SHARED, "lstm_step": LSTM_SHARED, "lstm_bptt": LSTM_SHARED,
          "lstm_bptt_loop": LSTM_SHARED, "rnn_bptt": {"U", "W", "V"}, "rnn_bptt_loop": {"U", "W", "V"},
          "autoencoder": {"W_enc", "W_dec", "lr"}, "vae_loss": {"W_mu", "W_logvar", "W_dec"},
          "gan_discriminator": {"w", "b", "lr"}, "gan_generator": {"W_g", "w", "b", "lr"},
          "layer_norm": {"gamma", "beta", "eps"}, "conv2d": {"w", "b"},
          "cnn_classifier": {"w", "b", "W_d", "b_d"}, "gcn": {"W"},
          "seq2seq_loop": (LSTM_SHARED - {"W_y"}) | {f"{n}_dec" for n in LSTM_SHARED}}
#: Domains of the loops' inputs (their modules record none; the others are real).
LOOP_DOMAINS = {"rnn_bptt_loop": {"y": "one_hot"}, "lstm_bptt_loop": {"y": "one_hot"},
                "seq2seq_loop": {"y_dec": "one_hot"}}

MLP_LECTURE = {"D": 3, "H_1": 4, "H_2": 2, "K": 3}
MLP_LARGE = {"D": 784, "H_1": 256, "H_2": 256, "K": 10}
LSTM_LECTURE = {"H": 2, "D": 3, "K": 2}
LSTM_LARGE = {"H": 128, "D": 64, "K": 32}
#: rule -> ((batch, sizes) at the lecture's size, (batch, sizes) large)
SIZES = {
    "softmax_ce": ((64, {"K": 5}), (16384, {"K": 1000})),
    "sigmoid_bce": ((64, {}), (10_000_000, {})),
    "vae_kl": ((64, {"Z": 4}), (65536, {"Z": 64})),
    "ce_vs_mse": ((64, {}), (2_000_000, {})),
    "bernoulli_entropy": ((64, {}), (2_000_000, {})),
    "cross_entropy_kl": ((64, {"K": 5}), (16384, {"K": 100})),
    "elbo": ((64, {"K": 5}), (16384, {"K": 100})),
    "gaussian_kl": ((64, {}), (2_000_000, {})),
    "jsd": ((64, {"K": 5}), (16384, {"K": 100})),
    "vae_reparam": ((64, {"Z": 4}), (65536, {"Z": 64})),
    "deep_chain": ((64, {}), (1_000_000, {})),
    "residual_chain": ((64, {}), (1_000_000, {})),
    "linear_mse": ((64, {"D": 3}), (65536, {"D": 64})),
    "perceptron": ((64, {"D": 3}), (65536, {"D": 64})),
    "rosenblatt": ((64, {"D": 2}), (65536, {"D": 64})),
    "dropout": ((64, {"D": 4}), (65536, {"D": 256})),
    "adam": ((64, {"D": 4}), (65536, {"D": 256})),
    "momentum": ((64, {"D": 4}), (65536, {"D": 64})),
    "nesterov": ((64, {"D": 4}), (65536, {"D": 256})),
    "adagrad": ((64, {"D": 4}), (65536, {"D": 256})),
    "rmsprop": ((64, {"D": 4}), (65536, {"D": 256})),
    "adadelta": ((64, {"D": 4}), (65536, {"D": 256})),
    "layer_norm": ((64, {"D": 4}), (8192, {"D": 512})),
    "batch_norm": ((64, {"M": 4}), (512, {"M": 1024})),
    "weight_init": ((64, {"D": 3}), (65536, {"D": 256})),
    "cnn_classifier": ((8, {"C": 1, "F": 2, "H": 4, "W": 4, "K": 3, "M": 2}),
                       (256, {"C": 1, "F": 8, "H": 28, "W": 28, "K": 3, "M": 10})),
    "gd_trajectories": ((64, {"S": 10}), (65536, {"S": 100})),
    "conv2d": ((8, {"C": 1, "F": 2, "H": 5, "W": 5, "K": 3}), (32, {"C": 3, "F": 16, "H": 32, "W": 32, "K": 3})),
    "max_pool2d": ((8, {"C": 1, "H": 4, "W": 4}), (32, {"C": 16, "H": 32, "W": 32})),
    "avg_pool2d": ((8, {"C": 1, "H": 4, "W": 4}), (32, {"C": 16, "H": 32, "W": 32})),
    "l1_linreg": ((64, {"N": 5}), (65536, {"N": 32})),
    "l2_linreg": ((64, {"N": 5}), (65536, {"N": 32})),
    "gan_discriminator": ((64, {"D": 3}), (65536, {"D": 256})),
    "gan_generator": ((64, {"Z": 2, "D": 3}), (4096, {"Z": 100, "D": 784})),
    "attention": ((64, {"T": 3, "D": 2}), (4096, {"T": 32, "D": 64})),
    "autoencoder": ((64, {"D": 4, "H": 2}), (4096, {"D": 784, "H": 64})),
    "vae_loss": ((64, {"D": 4, "Z": 2}), (4096, {"D": 784, "Z": 32})),
    "mlp_backprop": ((64, MLP_LECTURE), (1024, MLP_LARGE)),
    "mlp_backprop_regression": ((64, MLP_LECTURE), (1024, MLP_LARGE)),
    "mlp_backprop_binary": ((64, {**MLP_LECTURE, "K": 1}), (1024, {**MLP_LARGE, "K": 1})),
    "mlp_backprop_multilabel": ((64, MLP_LECTURE), (1024, MLP_LARGE)),
    "lstm_step": ((64, LSTM_LECTURE), (256, LSTM_LARGE)),
    "lstm_bptt": ((64, LSTM_LECTURE), (256, LSTM_LARGE)),
    "rnn_bptt": ((64, {"D": 3, "H": 2, "K": 2}), (1024, {"D": 64, "H": 128, "K": 32})),
    "rnn_bptt_loop": ((64, {"T": 4, "D": 3, "H": 2, "K": 2}), (64, {"T": 32, "D": 32, "H": 64, "K": 16})),
    "lstm_bptt_loop": ((64, {"T": 4, **LSTM_LECTURE}), (64, {"T": 32, "D": 32, "H": 64, "K": 16})),
    # an encoder and a decoder LSTM: "thank you" -> "고마워 <EOS>" at the lecture's size; 32 + 32 steps
    "seq2seq_loop": ((64, {"T": 2, "T_dec": 2, "H": 2, "D": 3, "D_dec": 3, "K_dec": 3}),
                     (64, {"T": 32, "T_dec": 32, "H": 64, "D": 32, "D_dec": 32, "K_dec": 16})),
    "deep_chain_loop": ((64, {"T": 3}), (65536, {"T": 32})),
    # a transformer layer's attention: batch 32 × 8 heads, 128 positions, head size 64
    "scaled_dot_product_attention": ((8, {"T": 5, "D": 4, "E": 3}), (32 * 8, {"T": 128, "D": 64, "E": 64})),
    # one graph (a batch of one, W shared): 1000 nodes, about 1 % of the node pairs edges (SAMPLED)
    "gcn": ((1, {"n": 6, "F": 3, "C": 4}), (1, {"n": 1000, "F": 64, "C": 16})),
}
MIN_SAMPLE_SECONDS = 0.02
#: A network of one's own, from a model file (``benchmarks/bench_model.py``): ReLU layers, softmax head.
MODEL = "model file, ReLU MLP"


@dataclass
class Case:
    rule: str
    size: str  # "lecture" or "large"
    batch: int
    sizes: dict
    inputs: dict = field(default_factory=dict)


# -- inputs ---------------------------------------------------------------------------------------------
def _value(domain: str, shape: tuple, rng, fan_in: int):
    if domain == "one_hot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    if domain == "simplex":
        g = rng.gamma(2.0, size=shape)
        return g / g.sum(axis=-1, keepdims=True)
    if domain == "unit":
        return rng.uniform(0.05, 0.95, shape)
    if domain == "positive":
        return rng.uniform(0.5, 1.5, shape) if shape else float(rng.uniform(0.05, 0.2))
    if domain == "nonzero":
        v = rng.normal(size=shape)
        return v + np.copysign(0.5, v)
    if domain in ("sign", "binary", "rate", "nonnegative", "count"):  # the rules' own samplers
        return domains.by_kind(domain).sample(rng, shape)
    return rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape) if len(shape) >= 2 else rng.normal(size=shape)


def _adjacency(shape: tuple, rng, density: float = 0.01) -> np.ndarray:
    """Undirected graphs without self-loops: symmetric 0/1 matrices, each pair of nodes an edge
    with probability ``density``, stored dense."""
    upper = np.triu(rng.random(shape) < density, 1)
    return (upper | np.swapaxes(upper, -1, -2)).astype(float)


#: Inputs drawn otherwise than from their domain: rule -> {input: sampler(shape, rng)}.
SAMPLED = {"gcn": {"A": _adjacency}}


def make_inputs(rule: str, batch: int, sizes: dict, seed: int = 0) -> dict:
    """Random inputs in each input's domain: the shared ones without the batch axis."""
    module = importlib.import_module(f"derive.numpy.{rule}")
    domains = getattr(module, "DOMAINS", LOOP_DOMAINS.get(rule, {}))
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, shape in module.INPUTS.items():
        dims = tuple(size_of(str(d), sizes) for d in shape)
        full = dims if name in SHARED.get(rule, ()) else (batch,) + dims
        own = dims[-1:] or (1,)
        sampler = SAMPLED.get(rule, {}).get(name)
        inputs[name] = sampler(full, rng) if sampler else _value(domains.get(name, "real"), full, rng, own[0])
    return inputs


def cases(quick: bool, only) -> list[Case]:
    found = []
    names = [n for n in SIZES if not only or n in only]
    for rule in names:
        lecture, large = SIZES[rule]
        if quick and rule not in HEADLINE:
            continue
        for label, (batch, sizes) in (("lecture", lecture), ("large", large)):
            if quick and label == "lecture":
                continue
            found.append(Case(rule, label, batch, sizes))
    if not quick and (not only or "model" in only):
        found.append(Case(MODEL, "large", 1024, {"D": 784, "H_1": 256, "H_2": 256, "K": 10}))
    return found


# -- timing ---------------------------------------------------------------------------------------------
def interleaved_medians(contenders: dict, repeat: int, settle: bool = False) -> dict:
    """The median seconds per call of each contender (:func:`interleaved_samples`)."""
    return {name: statistics.median(values) for name, values in interleaved_samples(contenders, repeat, settle).items()}


def paired_ratio_spread(samples: dict, name: str, other: str) -> tuple[float, float]:
    """The lower and upper quartiles of the ratios name/other of the samples taken in the same turn:
    how far this machine's noise moves the ratio (one contender's turn follows the other's)."""
    ratios = sorted(a / b for a, b in zip(samples[name], samples[other]))
    if len(ratios) < 4:
        return ratios[0], ratios[-1]
    quartiles = statistics.quantiles(ratios, n=4)
    return quartiles[0], quartiles[2]


def interleaved_samples(contenders: dict, repeat: int, settle: bool = False) -> dict:
    """The median seconds per call of each contender, the contenders taking turns sample by sample.

    ``settle``: each turn starts with one untimed call. PyTorch's and XLA's worker threads keep
    spinning for some milliseconds after a call returns, and would slow down whichever contender
    runs next (seen here: the generated sigmoid_bce 158 ms after itself, 184 ms right after JAX)."""
    number = {}
    for name, function in contenders.items():
        start = time.perf_counter()
        function()
        once = max(time.perf_counter() - start, 1e-7)
        number[name] = max(1, min(10_000, int(MIN_SAMPLE_SECONDS / once)))
    samples = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            function, count = contenders[name], number[name]
            if settle:
                function()
            start = time.perf_counter()
            for _ in range(count):
                function()
            samples[name].append((time.perf_counter() - start) / count)
    return samples


def memory_bandwidth(threads: int, numbers: int = 1 << 25, repeat: int = 5) -> float:
    """Bytes per second of ``c = a + b`` over large arrays (each read or written once), on ``threads``."""
    a, b, c = np.ones(numbers), np.ones(numbers), np.empty(numbers)
    parts = [slice(i * numbers // threads, (i + 1) * numbers // threads) for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        def add():
            list(pool.map(lambda part: np.add(a[part], b[part], out=c[part]), parts))
        add()
        seconds = interleaved_medians({"add": add}, repeat)["add"]
    return 3 * 8 * numbers / seconds


# -- comparing numbers ------------------------------------------------------------------------------------
def assert_same(label: str, expected: dict, got: dict, rtol: float = 1e-7) -> None:
    for name, value in expected.items():
        want = frameworks.to_numpy(value)
        have = frameworks.to_numpy(got[name])
        if np.shape(want) != np.shape(have):
            raise AssertionError(f"{label}: {name} has shape {np.shape(have)}, expected {np.shape(want)}")
        scale = max(1.0, float(np.max(np.abs(want)))) if np.size(want) else 1.0
        np.testing.assert_allclose(have, want, rtol=rtol, atol=1e-9 * scale, err_msg=f"{label}: {name}")


def restricted_function(rule: str, wanted):
    """The generated function of ``rule`` computing ``wanted`` alone (``derive emit --only``)."""
    from derive.codegen.generate import module_source, restricted
    from derive.registry import rules

    source = module_source(restricted(rules()[rule], list(wanted)))
    module = types.ModuleType(f"{rule}_only")
    exec(compile(source, f"<{rule} --only>", "exec"), module.__dict__)  # noqa: S102 - derive's own output
    return getattr(module, rule)


def nbytes(values: dict) -> int:
    return sum(np.asarray(v).nbytes for v in values.values())


# -- one case --------------------------------------------------------------------------------------------
def run_case(case: Case, repeat: int, found: dict, bandwidth: float) -> dict:
    if case.rule == MODEL:  # derived from the model file now (SymPy), generated and loaded from memory
        import bench_model

        inputs = bench_model.random_inputs(case.batch, update=True)
        generated, _ = bench_model.generated_function(update=True)
        reference = bench_model.hand_written
    else:
        inputs = make_inputs(case.rule, case.batch, case.sizes)
        generated = getattr(importlib.import_module(f"derive.numpy.{case.rule}"), case.rule)
        reference = getattr(references, case.rule)
    ours = generated(**inputs)
    theirs = reference(**inputs)
    assert_same(f"{case.rule} ({case.size}) hand-written", theirs, ours)
    if set(theirs) != set(ours):
        raise AssertionError(f"{case.rule}: the reference returns {sorted(set(theirs) ^ set(ours))} differently")
    contenders = {"generated": lambda: generated(**inputs), "hand-written": lambda: reference(**inputs)}
    if case.rule in ELEMENT_WISE and case.size == "large":  # results into arrays reused from call to call
        given = {name: np.empty_like(value) for name, value in ours.items() if isinstance(value, np.ndarray)}
        contenders["generated, out="] = lambda: generated(**inputs, out=given)
    samples = interleaved_samples(contenders, repeat)
    times = {name: statistics.median(values) for name, values in samples.items()}
    shared = [n for n in inputs if n not in ("x", "y")] if case.rule == MODEL \
        else sorted(SHARED.get(case.rule, ()))
    row = {"rule": case.rule, "size": case.size, "batch": case.batch, "sizes": case.sizes, "shared": shared,
           "seconds": dict(times),
           "ratio": {"hand-written": times["generated"] / times["hand-written"]},
           "ratio_quartiles": {"hand-written": paired_ratio_spread(samples, "generated", "hand-written")}}
    if case.rule in ELEMENT_WISE:
        moved = nbytes(inputs) + nbytes(ours)
        row["bytes"] = moved
        row["bandwidth_fraction"] = {name: moved / seconds / bandwidth for name, seconds in times.items()}
    if case.rule in AGAINST_FRAMEWORKS:  # at the lecture's size too: there the calls' own overhead counts
        row.update(_against_frameworks(case, inputs, generated, ours, repeat, found, bandwidth, row))
    return row


def _against_frameworks(case, inputs, generated, ours, repeat, found, bandwidth, row) -> dict:
    makers = {"torch": frameworks.torch_function, "jax": frameworks.jax_function}
    contenders, outputs = {}, None
    for name, module in found.items():
        if module is None:
            continue
        if name == "torch":
            module.set_num_threads(_kernels.THREADS)
        function = makers[name](module, case.rule, inputs)
        if function is None:
            continue
        result = function()
        outputs = outputs or list(result)
        contenders[name] = (function, result)
    if not contenders:
        return {}
    ours_fn = generated
    if case.rule not in ELEMENT_WISE and case.rule not in LOOPS:  # the same quantities as the frameworks
        ours_fn = restricted_function(case.rule, outputs)
    mine = ours_fn(**inputs)
    for name, (_, result) in contenders.items():
        assert_same(f"{case.rule} {name}", {k: mine[k] for k in result}, result, rtol=1e-6)
    times = interleaved_medians({"generated, same outputs": lambda: ours_fn(**inputs),
                                 **{name: function for name, (function, _) in contenders.items()}}, repeat,
                                settle=True)
    extra = {"framework_seconds": times, "framework_outputs": outputs}
    for name in contenders:
        row["ratio"][name] = times["generated, same outputs"] / times[name]
    if case.rule in ELEMENT_WISE:
        for name in contenders:
            row["bandwidth_fraction"][name] = row["bytes"] / times[name] / bandwidth
    return extra


# -- the report ---------------------------------------------------------------------------------------------
def _ms(seconds) -> str:
    return f"{seconds * 1e3:9.3f}" if seconds is not None else f"{'-':>9}"


def _ratio(value) -> str:
    return f"{value:6.2f}" if value is not None else f"{'-':>6}"


def _spread(quartiles) -> str:
    low, high = quartiles
    return f"{low:.2f}-{high:.2f}"


def print_table(rows: list, machine: dict) -> None:
    print(f"memory bandwidth (numpy.add of 3 x 256 MiB): one thread {machine['bandwidth_1'] / 1e9:.1f} GB/s, "
          f"{machine['threads']} threads {machine['bandwidth'] / 1e9:.1f} GB/s")
    head = (f"{'rule':<24} {'size':<8} {'gen ms':>9} {'hand ms':>9} {'gen/hand':>8} {'quartiles':>11} "
            f"{'torch ms':>9} {'gen/torch':>9} "
            f"{'jax ms':>9} {'gen/jax':>7}  bandwidth gen / hand / torch / jax / gen with out=")
    print(head)
    print("-" * len(head))
    for row in rows:
        fw = row.get("framework_seconds", {})
        bw = row.get("bandwidth_fraction")
        fraction = " / ".join(f"{bw[k]:.0%}" if k in bw else "-" for k in (
            "generated", "hand-written", "torch", "jax", "generated, out=")) if bw else ""
        print(f"{row['rule']:<24} {row['size']:<8} {_ms(row['seconds']['generated'])} "
              f"{_ms(row['seconds']['hand-written'])} {_ratio(row['ratio']['hand-written']):>8} "
              f"{_spread(row['ratio_quartiles']['hand-written']):>11} "
              f"{_ms(fw.get('torch'))} {_ratio(row['ratio'].get('torch')):>9} {_ms(fw.get('jax'))} "
              f"{_ratio(row['ratio'].get('jax')):>7}  {fraction}")
    slow = [r for r in rows if r["ratio"]["hand-written"] > 1.0]
    print(f"\n{len(rows)} cases; generated slower than hand-written in {len(slow)}: "
          + (", ".join(f"{r['rule']} ({r['size']}, {r['ratio']['hand-written']:.2f})" for r in slow) or "none"))
    beyond = [r for r in slow if r["ratio_quartiles"]["hand-written"][0] > 1.0]
    print(f"of which beyond the noise (even the lower quartile of the paired ratios above 1) in {len(beyond)}: "
          + (", ".join(f"{r['rule']} ({r['size']}, {r['ratio_quartiles']['hand-written'][0]:.2f})" for r in beyond)
             or "none"))
    print("gen/torch and gen/jax time the generated function with the framework's outputs only (emit --only)"
          " where the rule returns more; gen ms is the full function, its results in new arrays. 'gen with out='"
          " writes them into arrays given (the same arrays every call: no first touch of new memory).")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the headline rules at their large size, 3 samples")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--repeat", type=int, help="samples per contender (default 7; 3 with --quick)")
    parser.add_argument("--only", nargs="*", help="these rules alone")
    parser.add_argument("--no-frameworks", action="store_true", help="skip PyTorch and JAX")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    found = {} if args.no_frameworks else frameworks.available()
    machine = {"threads": _kernels.THREADS, "cpu": platform.processor() or platform.machine(),
               "numpy": np.__version__, "python": platform.python_version(),
               "torch": getattr(found.get("torch"), "__version__", None),
               "jax": getattr(found.get("jax"), "__version__", None)}
    machine["bandwidth_1"] = memory_bandwidth(1)
    machine["bandwidth"] = memory_bandwidth(_kernels.THREADS)
    rows = []
    for case in cases(args.quick, args.only):
        print(f"  {case.rule} ({case.size}) ...", file=sys.stderr, flush=True)
        rows.append(run_case(case, repeat, found, machine["bandwidth"]))
    print_table(rows, machine)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "repeat": repeat, "rows": rows}, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
