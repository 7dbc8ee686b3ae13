"""Generated ``vae_kl`` (KL and both gradients) against hand-written NumPy, in one process.

Run: ``python benchmarks/bench_vae_kl.py [--n 65536] [--z 64] [--repeat 15]``. Prints the best
time of each over the repeats and their ratio (goal: generated within 1.3x of hand-written).
A benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from derive.numpy import vae_kl

GOAL = 1.3


def hand_written(mu, logvar):
    """What one writes by hand: KL = ½ Σ (μ² + e^{logvar} − logvar − 1) and its gradients."""
    var = np.exp(logvar)
    kl = 0.5 * np.sum(mu * mu + var - logvar - 1.0, axis=-1)
    return {"KL": kl, "dKL/dmu": mu, "dKL/dlogvar": 0.5 * (var - 1.0)}


def best_seconds(function, repeat: int, number: int) -> float:
    return min(timeit.repeat(function, repeat=repeat, number=number)) / number


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=65536, help="batch size N")
    parser.add_argument("--z", type=int, default=64, help="latent size Z")
    parser.add_argument("--repeat", type=int, default=15, help="timing repeats (best is kept)")
    parser.add_argument("--number", type=int, default=3, help="calls per repeat")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    mu = rng.normal(size=(args.n, args.z))
    logvar = rng.normal(size=(args.n, args.z))

    generated, by_hand = vae_kl(mu=mu, logvar=logvar), hand_written(mu, logvar)
    for name in by_hand:  # the same numbers, or the timing means nothing
        np.testing.assert_allclose(generated[name], by_hand[name], rtol=1e-12, atol=1e-12)

    t_generated = best_seconds(lambda: vae_kl(mu=mu, logvar=logvar), args.repeat, args.number)
    t_hand = best_seconds(lambda: hand_written(mu, logvar), args.repeat, args.number)
    ratio = t_generated / t_hand
    print(f"vae_kl on (N={args.n}, Z={args.z}), best of {args.repeat} x {args.number}:")
    print(f"  generated    {t_generated * 1e3:8.2f} ms")
    print(f"  hand-written {t_hand * 1e3:8.2f} ms")
    print(f"  ratio        {ratio:8.2f}x  (goal <= {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'})")
    return ratio


if __name__ == "__main__":
    main()
