"""Generated ``vae_kl`` (KL and both gradients) against hand-written NumPy (and PyTorch, JAX when installed).

Run: ``python benchmarks/bench_vae_kl.py [--quick] [--json PATH]``: the rows of the suite
``benchmarks/run.py`` for vae_kl, at the lecture's size and at N = 65536, Z = 64, with the memory
bandwidth each reaches.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run


def main(argv=None) -> int:
    return run.main(["--only", "vae_kl", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
