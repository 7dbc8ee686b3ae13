"""How fast is ``derive check``? (A benchmark to run by hand, not a timed test.)

Measures, as a user sees it (a fresh ``python -m derive`` process each time):

1. one worked file of plain numbers, start-up included (goal: under 1 s), with the
   modules that cost the most start-up time (``python -X importtime``);
2. one worked file with a quoted LaTeX answer (SymPy and the LaTeX parser load);
3. 1,000 generated worked files in one call (goal: under 60 s), plain numbers,
   a fifth of them with a deliberate slip;
4. the same 1,000 files with one LaTeX answer each.

Usage: ``python benchmarks/bench_check.py [--files 1000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PLAIN = """rule: sigmoid_bce
title: plain numbers
inputs: {s: 0.8, y: 1}
answers:
  y_hat: 0.690
  L: 0.371
  dL/ds: -0.310
"""
WITH_LATEX = PLAIN.replace("L: 0.371", 'L: "-\\\\log 0.690"')


def wall(args: list[str], repeat: int) -> tuple[float, str]:
    """Median wall time of ``python -m derive ARGS`` over ``repeat`` runs, and the last output."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "derive", *args], cwd=ROOT, capture_output=True,
                              text=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), done.stdout


def heaviest_imports(path: Path, top: int = 6) -> list[tuple[int, str]]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "derive", "check", str(path)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):  # top-level imports only
                rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top]


def _round(values, decimals):
    return [round(float(v), decimals) for v in np.ravel(values)]


def write_files(folder: Path, count: int, latex: bool) -> None:
    """``count`` worked files over four rules, every fifth with a slip in its first answer."""
    rng = np.random.default_rng(0)
    modules = {n: importlib.import_module(f"derive.numpy.{n}") for n in ("softmax_ce", "sigmoid_bce", "vae_kl")}
    for number in range(count):
        kind = ("softmax_ce", "sigmoid_bce", "vae_kl")[number % 3]
        if kind == "softmax_ce":
            k = int(rng.integers(2, 6))
            inputs = {"o": _round(rng.normal(0, 2, k), 2), "y": np.eye(k)[rng.integers(k)].astype(int).tolist()}
        elif kind == "sigmoid_bce":
            inputs = {"s": round(float(rng.normal(0, 2)), 2), "y": int(rng.integers(2))}
        else:
            z = int(rng.integers(1, 4))
            inputs = {"mu": _round(rng.normal(0, 1, z), 2), "logvar": _round(rng.normal(0, 1, z), 2)}
        module = modules[kind]
        out = getattr(module, kind)(**{k: np.asarray(v, dtype=float)[None] for k, v in inputs.items()})
        lines = [f"rule: {kind}", f"title: generated {number}", "inputs:"]
        lines += [f"  {k}: {v}" for k, v in inputs.items()]
        lines.append("answers:")
        for position, name in enumerate(module.QUANTITIES):
            value = out[name][0]
            if number % 5 == 0 and position == 0:
                value = value + 0.1  # a deliberate slip
            shown = _round(value, 4)
            text = shown[0] if np.ndim(value) == 0 else shown
            if latex and position == len(module.QUANTITIES) - 1 and np.ndim(value) == 0:
                text = f'"\\\\frac{{{int(round(shown[0] * 10000))}}}{{10000}}"'
            lines.append(f'  "{name}": {text}')
        (folder / f"w{number:04d}.yaml").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain, latex = tmp / "plain.yaml", tmp / "latex.yaml"
        plain.write_text(PLAIN)
        latex.write_text(WITH_LATEX)
        seconds, _ = wall(["check", str(plain)], args.repeat)
        print(f"one worked file, plain numbers:   {seconds:6.2f} s "
              f"(median of {args.repeat}, start-up included; goal < 1 s)")
        print("  heaviest top-level imports (cumulative):")
        for microseconds, name in heaviest_imports(plain):
            print(f"    {microseconds / 1e6:6.3f} s  {name}")
        seconds, _ = wall(["check", str(latex)], args.repeat)
        print(f"one worked file, a LaTeX answer:  {seconds:6.2f} s (SymPy and the LaTeX parser load)")
        for with_latex in (False, True):
            folder = tmp / f"many_{with_latex}"
            folder.mkdir()
            write_files(folder, args.files, with_latex)
            label = "a LaTeX answer each" if with_latex else "plain numbers"
            seconds, out = wall(["check", "--json", str(folder)], 1)
            reports = json.loads(out)["reports"]
            found = sum(not r["ok"] for r in reports)
            print(f"{len(reports)} files in one call, {label + ':':20s} {seconds:6.2f} s (goal < 60 s; "
                  f"{found} with the slip found)")


if __name__ == "__main__":
    main()
