r"""Latency of derive's commands, start-up included: each command run as a fresh process.

The figures of the speed issue: ``import derive.numpy`` on top of ``import numpy`` (goal 50 ms),
``derive list``, ``derive show RULE`` and ``derive --help`` (0.5 s), ``derive grad`` and ``derive equiv``
(1.5 s), ``derive run`` and ``derive docs`` (60 s on two cores).

Run: ``python benchmarks/bench_latency.py [--runs 7] [--root DIR]``. Prints, per command, the
median wall time and the median CPU time (user + system, of the process and its children) over
``--runs`` runs, against the goal (1.5 s wall; ``derive run``, which proves every rule and checks
every worked example, 60 s wall on two cores, over at most :data:`RUN_RUNS` runs). ``--root`` times
another checkout of derive (a copy of an older commit, say) with this Python, for a before-and-after
table. ``--only run`` times ``derive run`` alone.

On a shared machine the wall time moves with the load; the CPU time much less. Where
``PYTHONDONTWRITEBYTECODE`` is set (as on the development machines), every run compiles derive's
sources again (about a tenth of a second); ``--bytecode`` lets Python keep the compiled files, in a
temporary folder, as an installed derive does.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 1.5

FIVE_TERMS = r"-y\log\sigma(s) - (1-y)\log(1-\sigma(s)) + \frac{\lambda}{2} w^2 + |w| + (s - t)^2"

#: (label, arguments of `derive`, goal in wall seconds): the answers read from the proof records.
QUICK_COMMANDS = [
    ("list", ["list"], 0.5),
    ("show softmax_ce", ["show", "softmax_ce"], 0.5),
    ("show lstm_step --format latex --lang ko", ["show", "lstm_step", "--format", "latex", "--lang", "ko"], 0.5),
    ("--help", ["--help"], 0.5),
]

#: (label, arguments of `derive`): typical questions, goal :data:`GOAL_SECONDS`.
COMMANDS = [
    ("grad five-term loss --wrt s --wrt w", ["grad", FIVE_TERMS, "--wrt", "s", "--wrt", "w"]),
    ("grad five-term loss --wrt s --at ...", ["grad", FIVE_TERMS, "--wrt", "s", "--at",
                                              "s=0.8,y=1,lambda=0.1,w=0.5,t=0.2"]),
    ("equiv softmax_ce dL/do \\hat{y} - y", ["equiv", "softmax_ce", "dL/do", r"\hat{y} - y"]),
    ("equiv softmax_ce dL/do \\hat{y}_j - y_j", ["equiv", "softmax_ce", "dL/do", r"\hat{y}_j - y_j"]),
    ("equiv sigmoid_bce dL/ds \\sigma(s) - y", ["equiv", "sigmoid_bce", "dL/ds", r"\sigma(s) - y"]),
    ("equiv lstm_step dL/dC ...", ["equiv", "lstm_step", "dL/dC",
                                   r"\frac{\partial L}{\partial h} \odot o \odot (1 - \tanh^2(C))"]),
    ("equiv softmax_ce dL/do (sign slip)", ["equiv", "softmax_ce", "dL/do", r"y_j - \hat{y}_j"]),
]


#: (label, arguments of `derive`, goal in wall seconds): the main job, proven from current proof records
#: where they are, its model files and worked examples checked in full (worker processes, one per core).
SLOW_COMMANDS = [("run (every rule, every worked example)", ["run", "--quiet"], 60.0),
                 ("docs (every page and figure)", ["docs", "--out", "{tmp}"], 60.0)]
#: At most this many timed runs of a slow command (each takes seconds to a minute).
RUN_RUNS = 3


#: ``import derive.numpy`` after ``import numpy`` in one fresh process: what derive's NumPy functions add.
IMPORT_GOAL_SECONDS = 0.05
IMPORT_CODE = ("import time; start = time.perf_counter(); import numpy; middle = time.perf_counter(); "
               "import derive.numpy; import derive.numpy.softmax_ce; end = time.perf_counter(); "
               "print(middle - start, end - middle)")


def import_cost(root: Path, runs: int) -> tuple[float, float]:
    """Median seconds of ``import numpy`` and of ``import derive.numpy`` (with one module) after it."""
    env = dict(os.environ, PYTHONPATH=str(root))
    found = []
    for _ in range(runs + 1):  # the first only warms the page cache
        out = subprocess.run([sys.executable, "-c", IMPORT_CODE], cwd=root, env=env, capture_output=True,
                             text=True, check=True).stdout
        found.append(tuple(float(x) for x in out.split()))
    numpy_seconds, derive_seconds = zip(*found[1:])
    return statistics.median(numpy_seconds), statistics.median(derive_seconds)


def run_once(arguments: list[str], root: Path, bytecode: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one ``python -m derive ARGS`` in ``root``; with
    ``bytecode``, compiled modules are kept in that folder."""
    env = dict(os.environ, PYTHONPATH=str(root))
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = bytecode
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "derive", *arguments], cwd=root, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"derive {' '.join(arguments)}: exit {done.returncode}\n{done.stderr}")
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout of derive to time (default: this one)")
    parser.add_argument("--only", help="time only the commands whose label contains this")
    parser.add_argument("--bytecode", action="store_true",
                        help="keep compiled modules between runs (in a temporary folder), as an install does")
    args = parser.parse_args()
    bytecode = tempfile.mkdtemp(prefix="derive-bench-") if args.bytecode else None
    print(f"{'command':<42} {'wall':>7} {'cpu':>7}   (medians of {args.runs} runs; goal {GOAL_SECONDS} s wall)")
    if not args.only or args.only in "import derive.numpy":
        numpy_seconds, derive_seconds = import_cost(args.root, args.runs)
        verdict = "ok" if derive_seconds < IMPORT_GOAL_SECONDS else "OVER"
        print(f"{'import derive.numpy (after numpy)':<42} {derive_seconds * 1000:5.1f}ms {'':>7}   {verdict} "
              f"(goal {IMPORT_GOAL_SECONDS * 1000:g} ms; import numpy itself {numpy_seconds * 1000:.0f} ms)", flush=True)
    tmp = tempfile.mkdtemp(prefix="derive-bench-docs-")
    every = [(label, arguments, goal, args.runs) for label, arguments, goal in QUICK_COMMANDS]
    every += [(label, arguments, GOAL_SECONDS, args.runs) for label, arguments in COMMANDS]
    every += [(label, arguments, goal, min(args.runs, RUN_RUNS)) for label, arguments, goal in SLOW_COMMANDS]
    for label, arguments, goal, runs in every:
        if args.only and args.only not in label:
            continue
        arguments = [a.replace("{tmp}", tmp) for a in arguments]
        run_once(arguments, args.root, bytecode)  # not counted: files into the page cache, bytecode written
        walls, cpus = zip(*((wall, cpu) for wall, cpu, _ in (run_once(arguments, args.root, bytecode)
                                                             for _ in range(runs))))
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        verdict = "ok" if wall < goal else "OVER"
        extra = f" (goal {goal:g} s, {runs} runs)" if goal != GOAL_SECONDS else ""
        print(f"{label:<42} {wall:6.2f}s {cpu:6.2f}s   {verdict}{extra}", flush=True)


if __name__ == "__main__":
    main()
