"""Time budgets for symbolic work.

SymPy can take unbounded time on some inputs (``simplify`` of a large rational
function, a tower of exponents). Every symbolic check runs inside
:func:`time_budget`, which raises :class:`derive.errors.TooComplex` when the time
is up. It uses ``SIGALRM`` and so needs the main thread; elsewhere (a worker
thread) the budget is not enforced and callers keep to cheap methods.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from derive.errors import TooComplex

_deadlines: list[float] = []


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):
    raise TooComplex("the symbolic check ran out of its time budget")


@contextmanager
def time_budget(seconds: float):
    """Raise TooComplex if the body runs longer than ``seconds`` (nested budgets keep the tighter)."""
    if not _can_alarm():
        yield
        return
    now = time.monotonic()
    deadline = now + seconds
    if _deadlines:
        deadline = min(deadline, _deadlines[-1])
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _deadlines.append(deadline)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - now, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _deadlines.pop()
        signal.signal(signal.SIGALRM, previous)
        if _deadlines:
            left = _deadlines[-1] - time.monotonic()
            if left <= 0:
                raise TooComplex("the symbolic check ran out of its time budget")
            signal.setitimer(signal.ITIMER_REAL, left)


def within_budget(seconds: float, work, *args, **kwargs):
    """Run ``work(*args, **kwargs)``; return ``None`` if it exceeds the budget."""
    try:
        with time_budget(seconds):
            return work(*args, **kwargs)
    except TooComplex:
        return None
