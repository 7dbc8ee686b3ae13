"""Smoke test: every verb of the installed ``derive`` once; every --json output must parse.

Run with the interpreter of the environment derive is installed in:
    python .ci/smoke.py
Exit 0 when every verb answered as expected; otherwise one line per failure and exit 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "worked_examples" / "softmax_ce_three_classes.yaml"


def cases(tmp: Path):
    """(arguments, expected exit codes, whether stdout is JSON)."""
    (tmp / "examples").mkdir()
    (tmp / "examples" / EXAMPLE.name).write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return [
        (["--version"], {0}, False),
        (["list", "--json"], {0}, True),
        (["show", "sigmoid_bce"], {0}, False),
        (["show", "softmax_ce", "--format", "latex", "--lang", "ko"], {0}, False),
        (["grad", r"-y\log\sigma(s) - (1-y)\log(1-\sigma(s))", "--wrt", "s", "--at", "s=0.8,y=1", "--json"],
         {0}, True),
        (["grad", r"\|Wx - y\|^2", "--wrt", "W", "--shape", "W=2x3", "--shape", "x=3", "--shape", "y=2",
          "--at", "W=[[1,0,2],[0,1,1]],x=[1,2,3],y=[1,0]", "--json"], {0}, True),
        (["grad", r"\|Wx\|^2", "--wrt", "W", "--shape", "W=2x3", "--shape", "x=2"], {2}, False),
        (["check", str(EXAMPLE), "--json"], {0}, True),
        (["equiv", "softmax_ce", "dL/do", r"\hat{y}_j - y_j", "--json"], {0}, True),
        (["equiv", "softmax_ce", "dL/do", r"\hat{y}_j + y_j", "--json"], {1}, True),
        (["equiv", "softmax_ce", "dL/do", r"\hat{y}_j - y_j . + 100", "--json"], {2}, False),
        (["equiv", "l2_linreg", "dE/dw", r"\frac{2}{N} x^\top(\hat{y}-y)", "--json"], {0}, True),
        (["run", str(tmp / "examples"), "--rule", "softmax_ce", "--quiet"], {0}, False),
        (["docs", "--out", str(tmp / "docs"), "--rule", "sigmoid_bce"], {0}, False),
        (["exercise", "softmax_ce", "--student", "kim", "--student", "lee", "--out", str(tmp / "class"),
          "--lang", "ko"], {0}, False),
        (["grade", str(tmp / "class"), "--json", "-"], {0}, True),
    ]


def main() -> int:
    failures, total = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for args, codes, is_json in cases(Path(folder)):
            total, failed_before = total + 1, len(failures)
            done = subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True,
                                  timeout=600, cwd=folder)
            shown = "derive " + " ".join(args)
            if done.returncode not in codes:
                failures.append(f"{shown}: exit {done.returncode}, expected {sorted(codes)}: "
                                f"{done.stderr.strip()[-500:]}")
            elif "Traceback" in done.stdout + done.stderr:
                failures.append(f"{shown}: printed a traceback")
            elif is_json:
                try:
                    json.loads(done.stdout)
                except ValueError:
                    failures.append(f"{shown}: --json output does not parse: {done.stdout[:200]!r}")
            print(f"{'ok  ' if len(failures) == failed_before else 'FAIL'} {shown}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"smoke on Python {sys.version.split()[0]}")
    print(f"smoke: {total - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
