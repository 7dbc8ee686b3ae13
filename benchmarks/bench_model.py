"""Your own network, generated: a 784-256-256-10 ReLU MLP with a softmax head, against hand-written NumPy.

Run: ``python benchmarks/bench_model.py [--batch 1024] [--repeat 9] [--no-update]``.

The model is read as a model file's ``model:`` would be, its rule built (SymPy), its NumPy module
generated and loaded from memory, as :mod:`derive.model.files` does for ``derive check``. It
runs on a batch with the weights and biases passed once, without the batch axis (shared), so
its parameter gradients are the sums over the batch and its update is applied once, as every
framework does. Against it: the same forward and backward pass as one writes it by hand
(matrix products, a stable log-softmax), returning the same quantities (x's gradient and the
updates included, since the generated module returns them); and, when torch is importable,
PyTorch's CPU autograd (float64) on the same batch. The numbers are compared before timing.
Prints the best time of each over the repeats and the ratio (goal: within 1.1x). A benchmark,
not a test. The two NumPy versions take turns, so load from other work slows both alike; on a
busy machine ``OPENBLAS_NUM_THREADS=1`` (and ``OMP_NUM_THREADS=1`` for torch) steadies the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_seconds, report

from derive.codegen.generate import module_source, restricted
from derive.model.build import build_rule
from derive.model.spec import read_model

WIDTHS = (784, 256, 256, 10)
GOAL = 1.1


def model_spec(update: bool) -> dict:
    spec = {"layers": [{"name": "h1", "units": WIDTHS[1], "activation": "relu"},
                       {"name": "h2", "units": WIDTHS[2], "activation": "relu"},
                       {"name": "o", "units": WIDTHS[3], "activation": "softmax"}],
            "loss": "cross_entropy"}
    if update:
        spec["update"] = True
    return spec


def generated_function(update: bool, only=None):
    """The model's generated NumPy function, and the seconds it took to derive and generate it;
    with ``only``, the function of ``derive emit --only`` (those quantities and what they need)."""
    start = time.perf_counter()
    rule = build_rule(read_model(model_spec(update)), name="mnist_mlp", input_size=WIDTHS[0])
    if only:
        rule = restricted(rule, only)
    source = module_source(rule)
    module = types.ModuleType("mnist_mlp")
    exec(compile(source, "<derive model mnist_mlp>", "exec"), module.__dict__)  # noqa: S102 - derive's output
    return module.mnist_mlp, time.perf_counter() - start


def hand_written(x, y, W_h1, b_h1, W_h2, b_h2, W_o, b_o, lr=None):
    """Forward and backward by hand, the weights shared by the batch: what the module returns."""
    z_h1 = x @ W_h1.T
    z_h1 += b_h1
    h1 = np.maximum(z_h1, 0.0)
    z_h2 = h1 @ W_h2.T
    z_h2 += b_h2
    h2 = np.maximum(z_h2, 0.0)
    z_o = h2 @ W_o.T
    z_o += b_o
    shifted = z_o - z_o.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    o = e / total
    L = np.log(total[:, 0]) - np.sum(y * shifted, axis=1)
    d_o = o - y
    d_h2 = d_o @ W_o
    d_z2 = d_h2 * (z_h2 > 0)
    d_h1 = d_z2 @ W_h2
    d_z1 = d_h1 * (z_h1 > 0)
    out = {"z_h1": z_h1, "h1": h1, "z_h2": z_h2, "h2": h2, "z_o": z_o, "o": o, "L": L, "dL/do": -y / o,
           "dL/dz_o": d_o, "dL/dW_o": d_o.T @ h2, "dL/db_o": d_o.sum(axis=0), "dL/dh2": d_h2, "dL/dz_h2": d_z2,
           "dL/dW_h2": d_z2.T @ h1, "dL/db_h2": d_z2.sum(axis=0), "dL/dh1": d_h1, "dL/dz_h1": d_z1,
           "dL/dW_h1": d_z1.T @ x, "dL/db_h1": d_z1.sum(axis=0), "dL/dx": d_z1 @ W_h1}
    if lr is not None:
        for name, value in (("W_h1", W_h1), ("b_h1", b_h1), ("W_h2", W_h2), ("b_h2", b_h2), ("W_o", W_o), ("b_o", b_o)):
            out[f"{name}_new"] = value - lr * out[f"dL/d{name}"]
    return out


def training_step(x, y, W_h1, b_h1, W_h2, b_h2, W_o, b_o, lr=None):
    """What a training step needs and no more: the loss and the parameters' gradients (or updates).
    The generated module returns more (dL/dx, dL/do, every δ): this is the cost of that."""
    z_h1 = x @ W_h1.T
    z_h1 += b_h1
    h1 = np.maximum(z_h1, 0.0)
    z_h2 = h1 @ W_h2.T
    z_h2 += b_h2
    h2 = np.maximum(z_h2, 0.0)
    z_o = h2 @ W_o.T
    z_o += b_o
    shifted = z_o - z_o.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    L = np.log(total[:, 0]) - np.sum(y * shifted, axis=1)
    d_o = e / total - y
    d_z2 = (d_o @ W_o) * (z_h2 > 0)
    d_z1 = (d_z2 @ W_h2) * (z_h1 > 0)
    grads = (d_z1.T @ x, d_z1.sum(axis=0), d_z2.T @ h1, d_z2.sum(axis=0), d_o.T @ h2, d_o.sum(axis=0))
    if lr is None:
        return L, grads
    return L, tuple(p - lr * g for p, g in zip((W_h1, b_h1, W_h2, b_h2, W_o, b_o), grads))


def random_inputs(batch: int, update: bool, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    D, H1, H2, K = WIDTHS
    inputs = {"x": rng.uniform(0.0, 1.0, (batch, D)), "y": np.eye(K)[rng.integers(0, K, batch)],
              "W_h1": rng.normal(0, np.sqrt(2 / D), (H1, D)), "b_h1": rng.normal(0, 0.1, H1),
              "W_h2": rng.normal(0, np.sqrt(2 / H1), (H2, H1)), "b_h2": rng.normal(0, 0.1, H2),
              "W_o": rng.normal(0, np.sqrt(1 / H2), (K, H2)), "b_o": rng.normal(0, 0.1, K)}
    if update:
        inputs["lr"] = 0.1
    return inputs


def torch_step(torch, inputs: dict):
    """PyTorch CPU autograd on the same batch: the loss summed over it, gradients by x and every parameter."""
    leaves = {name: torch.from_numpy(value).requires_grad_()
              for name, value in inputs.items() if name not in ("y", "lr")}
    y = torch.from_numpy(inputs["y"])
    h1 = torch.relu(torch.nn.functional.linear(leaves["x"], leaves["W_h1"], leaves["b_h1"]))
    h2 = torch.relu(torch.nn.functional.linear(h1, leaves["W_h2"], leaves["b_h2"]))
    z_o = torch.nn.functional.linear(h2, leaves["W_o"], leaves["b_o"])
    L = -(y * torch.log_softmax(z_o, dim=1)).sum(dim=1)
    L.sum().backward()
    return {f"dL/d{name}": leaf.grad for name, leaf in leaves.items()}


def interleaved(first, second, repeat: int) -> tuple[float, float]:
    """The best time of each, the two taking turns: a machine busy with other work slows both alike."""
    times = ([], [])
    for _ in range(repeat):
        for function, seen in zip((first, second), times):
            seen.append(best_seconds(function, repeat=1))
    return min(times[0]), min(times[1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024, help="examples in the batch")
    parser.add_argument("--repeat", type=int, default=15, help="timing repeats (best is kept)")
    parser.add_argument("--no-update", dest="update", action="store_false", help="a model without update: true")
    args = parser.parse_args(argv)

    function, seconds = generated_function(args.update)
    print(f"derived and generated the {'-'.join(map(str, WIDTHS))} model in {seconds:.2f} s")
    inputs = random_inputs(args.batch, args.update)
    generated, by_hand = function(**inputs), hand_written(**inputs)
    assert set(generated) == set(by_hand), set(generated) ^ set(by_hand)
    for name, value in by_hand.items():  # the same numbers, or the timing means nothing
        np.testing.assert_allclose(generated[name], value, rtol=1e-10, atol=1e-12, err_msg=name)
    assert generated["dL/dW_h1"].shape == inputs["W_h1"].shape  # shared: summed over the batch
    L, params = training_step(**inputs)
    names = [f"{p}_new" if args.update else f"dL/d{p}" for p in ("W_h1", "b_h1", "W_h2", "b_h2", "W_o", "b_o")]
    for name, value in zip(["L", *names], [L, *params]):
        np.testing.assert_allclose(generated[name], value, rtol=1e-10, atol=1e-12, err_msg=f"training step {name}")

    label = f"MLP {'-'.join(map(str, WIDTHS))}, N={args.batch}, shared W"
    t_generated, t_hand = interleaved(lambda: function(**inputs), lambda: hand_written(**inputs), args.repeat)
    print(report(label, t_generated, t_hand, goal=GOAL))
    ratios = {"hand-written": t_generated / t_hand}
    step, _ = generated_function(args.update, only=["L", *names])  # derive emit --only L,W_h1_new,...
    stepped = step(**inputs)
    for name, value in zip(["L", *names], [L, *params]):
        np.testing.assert_allclose(stepped[name], value, rtol=1e-10, atol=1e-12, err_msg=f"--only {name}")
    t_only, t_step = interleaved(lambda: step(**inputs), lambda: training_step(**inputs), args.repeat)
    ratios["training step"] = t_only / t_step
    print(report("  the training step alone (emit --only)", t_only, t_step, goal=GOAL))

    try:
        import torch
    except ImportError:
        print("PyTorch: not importable here; skipped")
        return ratios
    grads = torch_step(torch, inputs)
    for name, value in grads.items():
        np.testing.assert_allclose(generated[name], value.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"torch {name}")
    t_torch = best_seconds(lambda: torch_step(torch, inputs), args.repeat)
    ratios["torch"] = t_generated / t_torch
    print(f"{'':<40} PyTorch CPU autograd (float64, {torch.get_num_threads()} threads) {t_torch * 1e3:8.2f} ms"
          f"   generated/torch {ratios['torch']:4.2f}x")
    return ratios


if __name__ == "__main__":
    main()
