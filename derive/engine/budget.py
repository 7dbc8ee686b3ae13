"""Budgets for symbolic work, counted in CPU seconds.

SymPy can take unbounded time on some inputs (``simplify`` of a large rational
function, a tower of exponents). Every symbolic check runs inside
:func:`time_budget`, which raises :class:`derive.errors.TooComplex` when the
budget is spent.

Why CPU time: a verdict must not depend on how busy the machine is. The budget
counts this process's CPU time (``time.process_time``, the ``ITIMER_PROF``
timer), which other processes do not consume; wall time would refuse on a busy
machine what it accepts on an idle one.

Why the alarm is not an ``Exception``: Python runs a signal handler between
bytecodes, which may be inside a library's ``except Exception`` (a loop that
catches Exception around its work would swallow nearly every alarm: they arrive
while the work runs, inside its ``try``). So the handler raises
:class:`BudgetSpent`, a ``BaseException`` like ``KeyboardInterrupt``, which the
budgeted block turns into :class:`derive.errors.TooComplex` where it ends.

Why the timer re-arms itself: the handler may also run inside a
garbage-collection callback, a ``__del__`` or a bare ``except:``, where even that
is swallowed and the work goes on. So once the budget is spent the handler fires
again every :data:`REARM_SECONDS` until the budgeted block is left.

Why a worker process off the main thread: only the main thread receives
signals. :func:`bounded` (the decorator of derive's public entry points) runs
the call in a forked worker process when it is made from another thread (a
notebook's executor, a web server, a Dask worker), where the same budgets hold,
with the operating system's CPU limit as a last resort.
"""

from __future__ import annotations

import functools
import math
import os
import pickle
import signal
import threading
import time
import warnings
from contextlib import contextmanager

from derive.errors import TooComplex

#: CPU seconds between two alarms once a budget is spent (if the first was swallowed).
REARM_SECONDS = 0.05
#: A worker gets its budget plus this much CPU before the operating system stops it.
WORKER_CPU_MARGIN = 10.0
#: Wall-clock seconds per CPU second a worker may take before it is killed (a hung worker).
WORKER_WALL_FACTOR = 20.0

_deadlines: list[float] = []  # CPU deadlines of the budgets being run, innermost last
_in_worker = False


class BudgetSpent(BaseException):
    """Raised by the alarm inside a budgeted block; the block's end turns it into TooComplex."""


def cpu_now() -> float:
    """The CPU time this process has used, in seconds."""
    return time.process_time()


class Deadline:
    """A CPU-time deadline that code can check between steps."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = cpu_now() + seconds

    def left(self) -> float:
        return self.end - cpu_now()

    def check(self) -> None:
        if self.left() <= 0:
            raise TooComplex(f"the check ran out of its time budget ({self.seconds:g} s of CPU time)")


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):
    signal.setitimer(signal.ITIMER_PROF, REARM_SECONDS)  # again, in case this one is swallowed
    raise BudgetSpent


def _arm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_PROF, max(seconds, 1e-3))


@contextmanager
def time_budget(seconds: float):
    """Raise TooComplex if the body uses more than ``seconds`` of CPU time.

    Nested budgets keep the tighter deadline. Off the main thread nothing can
    interrupt the body: callers there go through :func:`bounded`.
    """
    if not _can_alarm():
        yield
        return
    now = cpu_now()
    deadline = now + seconds
    if _deadlines:
        deadline = min(deadline, _deadlines[-1])
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    _deadlines.append(deadline)
    _arm(deadline - now)
    spent = False
    try:
        yield
    except BudgetSpent:
        spent = True
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        _deadlines.pop()
        signal.signal(signal.SIGPROF, previous)
        if _deadlines:
            left = _deadlines[-1] - cpu_now()
            if left <= 0:  # an enclosing budget is spent too: on to its end
                _arm(REARM_SECONDS)
                raise BudgetSpent
            _arm(left)
    if spent:
        raise TooComplex(f"the work ran out of its time budget ({seconds:g} s of CPU time)")


def within_budget(seconds: float, work, *args, **kwargs):
    """Run ``work(*args, **kwargs)``; return ``None`` if it exceeds the budget."""
    try:
        with time_budget(seconds):
            return work(*args, **kwargs)
    except TooComplex:
        return None


def bounded(seconds: float):
    """Decorate a public entry point: the whole call gets ``seconds`` of CPU time, on any thread.

    On the main thread (or inside a worker) the call runs here; on another
    thread it runs in a forked worker process, which the operating system stops
    after ``seconds`` plus :data:`WORKER_CPU_MARGIN` of CPU time at the latest.
    """
    def decorate(function):
        @functools.wraps(function)
        def call(*args, **kwargs):
            if _in_worker or _can_alarm() or not hasattr(os, "fork"):
                with time_budget(seconds):
                    return function(*args, **kwargs)
            return run_in_worker(seconds, function, *args, **kwargs)
        return call
    return decorate


def run_in_worker(seconds: float, function, /, *args, **kwargs):
    """``function(*args, **kwargs)`` in a forked process; its result or its exception comes back."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # forking with threads running
        pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_end)
        _work(write_end, seconds, function, args, kwargs)
    os.close(write_end)
    return _collect(pid, read_end, seconds)


def _work(write_end: int, seconds: float, function, args, kwargs):
    global _in_worker
    _in_worker = True
    status = 1
    try:
        import resource

        limit = math.ceil(cpu_now() + seconds + WORKER_CPU_MARGIN)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))
        try:
            with time_budget(seconds):
                outcome = ("value", function(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - every outcome goes back to the caller
            outcome = ("error", error)
        try:
            payload = pickle.dumps(outcome)
        except Exception as error:  # noqa: BLE001
            payload = pickle.dumps(("error", TooComplex(f"the result could not be passed back: {error}")))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)


def _collect(pid: int, read_end: int, seconds: float):
    wall_limit = WORKER_WALL_FACTOR * (seconds + WORKER_CPU_MARGIN)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(_read_all(read_end)), daemon=True)
    reader.start()
    reader.join(wall_limit)
    if reader.is_alive():
        os.kill(pid, signal.SIGKILL)
        reader.join()
    os.waitpid(pid, 0)
    payload = chunks[0] if chunks else b""
    if not payload:
        raise TooComplex(f"the work ran out of its time budget ({seconds:g} s of CPU time)")
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise value
    return value


def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read()
