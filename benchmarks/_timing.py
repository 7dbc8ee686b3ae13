"""Shared timing helper for the benchmarks: best of several repeats, in one process."""

from __future__ import annotations

import timeit


def best_seconds(function, repeat: int = 7, number: int = 1) -> float:
    """The fastest of ``repeat`` runs (the least disturbed by other work on the machine)."""
    return min(timeit.repeat(function, repeat=repeat, number=number)) / number


def report(label: str, generated: float, hand_written: float, goal: float = 1.3) -> str:
    ratio = generated / hand_written
    verdict = "within goal" if ratio <= goal else "OVER GOAL"
    return (f"{label:<40} generated {generated * 1e3:8.2f} ms   hand-written {hand_written * 1e3:8.2f} ms"
            f"   ratio {ratio:4.2f}x  ({verdict}: <= {goal}x)")
