"""Generated softmax_ce and sigmoid_bce against hand-written NumPy (and PyTorch, JAX when installed).

Run: ``python benchmarks/bench_core.py [--quick] [--json PATH]``: the rows of the suite
``benchmarks/run.py`` for these two rules, at the lecture's size and at the large one
(softmax_ce at 16384 x 1000, sigmoid_bce at 10^7), with the memory bandwidth each reaches.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run


def main(argv=None) -> int:
    return run.main(["--only", "softmax_ce", "sigmoid_bce", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
