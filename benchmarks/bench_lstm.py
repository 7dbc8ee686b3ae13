"""Generated ``lstm_step`` and the BPTT loops against hand-written NumPy (and PyTorch, JAX when installed).

Run: ``python benchmarks/bench_lstm.py [--quick] [--json PATH]``: the rows of the suite
``benchmarks/run.py`` for lstm_step (the lecture's size B=64, H=2, D=3, K=2 and a training-like
batch B=256, H=128, D=64, K=32), rnn_bptt_loop and lstm_bptt_loop (N=64, T=32, D=32, H=64, K=16).
The weights are passed once, shared by the batch: the gradients by them are sums over the batch
(one matrix product each), in the generated code and in the hand-written reference
(``benchmarks/references.py``) alike; the numbers are compared before timing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run


def main(argv=None) -> int:
    return run.main(["--only", "lstm_step", "rnn_bptt_loop", "lstm_bptt_loop",
                     *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
