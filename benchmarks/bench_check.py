"""How fast is ``derive check`` on a class's worth of files? (A benchmark to run by hand, not a timed test.)

Generates worked files as students make them (``tests/test_batch_check.py``: seven rules, rounded
answers, carried errors, real mistakes, the slips the checker names, tolerances, unusable files)
into a temporary folder, then measures, in this process:

1. one file at a time (``check_paths(..., batch=False)``) against the batch path (files grouped by
   rule and shapes, each group judged in one vectorized pass), in files per second, and that
   both give the same reports;
2. ``derive check --json FOLDER`` as a user runs it (a fresh process: start-up, reading,
   checking, printing; goal for 10,000 files: under 30 s on two cores);
3. with ``--profile``: where the batch path spends its time;
4. with ``--dask``: ``derive.check.check_paths_dask`` (local processes, partitions of
   ``--partition-size`` files) on ``--dask-files`` files (100,000 by default: the first 10,000
   generated, then copies of them), against the plain batch path on the same folder;
5. with ``--startup``: one file of plain numbers and one with a LaTeX answer, start-up
   included (goal: under 1 s for plain numbers), and the heaviest imports.

Usage: ``python benchmarks/bench_check.py [--files 10000] [--alone 2000] [--profile]
[--dask [--dask-files 100000]] [--startup]``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the generator of student files lives beside the test that uses it

from test_batch_check import write_worked_files

from derive.check import check_paths, check_paths_dask, format_table

PLAIN = """rule: sigmoid_bce
title: plain numbers
inputs: {s: 0.8, y: 1}
answers:
  y_hat: 0.690
  L: 0.371
  dL/ds: -0.310
"""
WITH_LATEX = PLAIN.replace("L: 0.371", 'L: "-\\\\log 0.690"')


def timed(function, *args, **kwargs):
    """(wall seconds, CPU seconds of this process, the value): on a busy machine the CPU time is the
    measure of the work; the wall time is what a user waits."""
    start, cpu = time.perf_counter(), time.process_time()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, time.process_time() - cpu, value


def rate(count: int, seconds: float, cpu: float | None = None) -> str:
    text = f"{seconds:7.2f} s wall {count / seconds:6.0f} files/s"
    return text if cpu is None else text + f";  {cpu:7.2f} s CPU {count / cpu:6.0f} files/s"


def same(first, second) -> bool:
    return [r.to_json() for r in first] == [r.to_json() for r in second]


def summary(reports) -> str:
    return format_table(reports).rsplit("\n\n", 1)[-1]


def copies(folder: Path, count: int, source: Path) -> None:
    """``count`` files in ``folder``: the texts of the files in ``source``, again and again, under new names."""
    texts = [path.read_text() for path in sorted(source.iterdir())]
    for number in range(count):
        (folder / f"student_{number:06d}.yaml").write_text(texts[number % len(texts)])


def wall(args: list[str], repeat: int = 1) -> tuple[float, subprocess.CompletedProcess, float]:
    """Median wall time of ``python -m derive ARGS`` over ``repeat`` runs, the last run, and its CPU time."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "derive", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False, env={**os.environ, "DERIVE_QUIET": "1"})
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return statistics.median(times), done, cpu


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


def startup(tmp: Path, repeat: int) -> None:
    plain, latex = tmp / "plain.yaml", tmp / "latex.yaml"
    plain.write_text(PLAIN)
    latex.write_text(WITH_LATEX)
    seconds, _, _ = wall(["check", str(plain)], repeat)
    print(f"one worked file, plain numbers:   {seconds:6.2f} s (median of {repeat}, start-up included; goal < 1 s)")
    print("  heaviest top-level imports (cumulative):")
    for microseconds, name in heaviest_imports(plain):
        print(f"    {microseconds / 1e6:6.3f} s  {name}")
    seconds, _, _ = wall(["check", str(latex)], repeat)
    print(f"one worked file, a LaTeX answer:  {seconds:6.2f} s (SymPy and the LaTeX parser load)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="files for the batch measurements")
    parser.add_argument("--alone", type=int, default=None,
                        help="files checked one at a time (default: all of --files)")
    parser.add_argument("--profile", action="store_true", help="profile the batch path")
    parser.add_argument("--dask", action="store_true", help="measure check_paths_dask too")
    parser.add_argument("--dask-files", type=int, default=100_000)
    parser.add_argument("--partition-size", type=int, default=2000)
    parser.add_argument("--no-compare", action="store_true",
                        help="with --dask: skip the plain batch path on the same files")
    parser.add_argument("--startup", action="store_true", help="measure start-up on one file")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each start-up measurement")
    args = parser.parse_args()
    os.environ.setdefault("DERIVE_QUIET", "1")
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.startup:
            startup(tmp, args.repeat)
        folder = tmp / "class"
        seconds, _, _ = timed(write_worked_files, folder, args.files)
        print(f"generated {args.files} worked files in {seconds:.1f} s")
        check_paths(sorted(folder.iterdir())[:100])  # imports, the rules' modules and caches out of the timings
        alone_count = args.files if args.alone is None else min(args.alone, args.files)
        some = sorted(folder.iterdir())[:alone_count]
        seconds_alone, cpu_alone, alone = timed(check_paths, some, batch=False)
        print(f"one at a time, {alone_count:6d} files: {rate(alone_count, seconds_alone, cpu_alone)}")
        seconds_batch, cpu_batch, batched = timed(check_paths, [folder])
        print(f"batch,         {args.files:6d} files: {rate(args.files, seconds_batch, cpu_batch)}")
        speed_up = (args.files / cpu_batch) / (alone_count / cpu_alone)
        print(f"  speed-up {speed_up:.1f}x (CPU); the same reports: {same(alone, batched[:alone_count])}")
        print(f"  {summary(batched)}")
        seconds, done, cpu = wall(["check", "--json", str(folder)])
        reports = json.loads(done.stdout)["reports"]
        print(f"derive check --json, {len(reports)} files (fresh process, output included): "
              f"{seconds:.2f} s wall, {cpu:.2f} s CPU (goal < 30 s)")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(check_paths, [folder])
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
        if args.dask:
            big = tmp / "many"
            big.mkdir()
            seconds, _, _ = timed(copies, big, args.dask_files, folder)
            print(f"wrote {args.dask_files} files ({min(args.files, args.dask_files)} distinct) in {seconds:.1f} s")
            seconds_dask, _, found = timed(check_paths_dask, [big], partition_size=args.partition_size)
            print(f"Dask, local processes ({os.cpu_count()}), partitions of {args.partition_size}: "
                  f"{rate(args.dask_files, seconds_dask)}")
            print(f"  {summary(found)}")
            if not args.no_compare:
                seconds_plain, cpu_plain, plain = timed(check_paths, [big])
                print(f"batch path, one process, {args.dask_files} files: "
                      f"{rate(args.dask_files, seconds_plain, cpu_plain)}")
                print(f"  the same summary: {summary(found) == summary(plain)}; "
                      f"the same reports: {same(found, plain)}")


if __name__ == "__main__":
    main()
