"""How a hostile-input case is run and judged; shared by the tests/test_hostile_*.py files.

A case calls the command line in this process (``derive.cli.main.main``, output read with
pytest's ``capsys``) under a watchdog, then :func:`judge` asserts what holds for every
input whatever it is:

* no exception leaves ``main`` (argparse's SystemExit is the command's exit status), and no
  "Traceback" on either stream;
* the exit status is 0, 1 or 2, and 2 comes with exactly one line on stderr (an argparse
  usage error may add its "(see 'derive --help')" hint line);
* with ``--json`` and status 0 or 1, stdout is one JSON object in strict JSON (no NaN);
* the call stays within its CPU budget, and the watchdog stops a call that hangs.

Budgets count CPU time (``time.process_time``), which a busy machine does not inflate; the
watchdog's wall-clock limit is only a stop for a hung call and is many times any honest run.

Known failures of code outside the hostile tests are listed once, in :data:`KNOWN`, by
case id; :func:`case` marks them ``xfail(strict=True)`` so that a fix shows as XPASS.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from derive.cli.main import main

#: CPU seconds a refusal may take (reading, validating: no proving).
REFUSE_CPU = 3.0
#: CPU seconds a formula verdict may take: derive's check budget plus reading and the diagnosis.
VERDICT_CPU = 15.0
#: Wall-clock seconds after which a call counts as hung (a stop, not a measurement).
HANG_WALL = 60.0

USAGE_HINT = "(see 'derive --help')"


class Hung(BaseException):
    """Raised into a call that ran past the watchdog (BaseException: no ``except Exception`` eats it)."""


@contextmanager
def watchdog(cpu_seconds: float, wall_seconds: float = HANG_WALL):
    """Interrupt the body after ``cpu_seconds`` of user CPU time or ``wall_seconds`` of wall time.

    derive's own budgets use ITIMER_PROF; this uses ITIMER_VIRTUAL and ITIMER_REAL, so neither
    disturbs the other. The handler re-arms itself in case the first interrupt is swallowed."""
    timers = {signal.SIGVTALRM: signal.ITIMER_VIRTUAL, signal.SIGALRM: signal.ITIMER_REAL}

    def stop(signum, frame):
        signal.setitimer(timers[signum], 0.05)
        raise Hung(f"still running after {cpu_seconds:g} s of CPU or {wall_seconds:g} s of wall time")

    previous = {s: signal.signal(s, stop) for s in timers}
    signal.setitimer(signal.ITIMER_VIRTUAL, cpu_seconds)
    signal.setitimer(signal.ITIMER_REAL, wall_seconds)
    try:
        yield
    finally:
        for which in timers.values():
            signal.setitimer(which, 0)
        for s, handler in previous.items():
            signal.signal(s, handler)


@dataclass
class Outcome:
    args: tuple
    code: int
    out: str
    err: str
    cpu: float

    @property
    def lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    @property
    def message(self) -> str:
        return self.lines[0] if self.lines else ""

    def json(self) -> dict:
        return strict_json(self.out)

    def __str__(self):
        return (f"derive {' '.join(map(repr, self.args))} -> {self.code}\n"
                f"stdout: {self.out[:2000]}\nstderr: {self.err[:2000]}")


def strict_json(text: str):
    """JSON as the standard has it: NaN and Infinity are not JSON."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def invoke(capsys, *args, cpu: float = REFUSE_CPU, wall: float = HANG_WALL) -> Outcome:
    """``derive ARGS`` in this process; the exit status, both streams and the CPU time it used."""
    capsys.readouterr()
    start = time.process_time()
    try:
        with watchdog(cpu + 2.0, wall):
            code = main([str(a) for a in args])
    except SystemExit as exit_:  # argparse: usage errors and --help
        code = exit_.code if isinstance(exit_.code, int) else 2
    except Hung as hung:
        captured = capsys.readouterr()
        pytest.fail(f"derive {' '.join(map(repr, args))} hung: {hung}\nstderr: {captured.err[-1000:]}")
    except Exception as error:  # noqa: BLE001 - the installed command would print a traceback
        captured = capsys.readouterr()
        pytest.fail(f"derive {' '.join(map(repr, args))} raised {type(error).__name__}: {error}"
                    f"\nstderr: {captured.err[-1000:]}")
    used = time.process_time() - start
    captured = capsys.readouterr()
    return Outcome(tuple(args), code, captured.out, captured.err, used)


@functools.cache
def warm_up() -> None:
    """Import what the verbs import (SymPy, the LaTeX parser, the rules) once, outside any case's budget."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for args in (["list", "--json"], ["equiv", "--json", "softmax_ce", "dL/do", r"\hat{y}_j - y_j"],
                     ["grad", "--json", "x^2", "--wrt", "x", "--at", "x=1"]):
            try:
                main(args)
            except BaseException:  # noqa: BLE001 - a broken verb shows in its own cases
                pass


def judge(outcome: Outcome, *, cpu: float = REFUSE_CPU, json_flag: bool | None = None) -> Outcome:
    """The properties every call has, whatever its input (see the module docstring)."""
    assert "Traceback" not in outcome.out + outcome.err, str(outcome)
    assert outcome.code in (0, 1, 2), str(outcome)
    if outcome.code == 2:
        lines = outcome.lines
        if len(lines) == 2 and lines[1] == USAGE_HINT:
            lines = lines[:1]
        assert len(lines) == 1, f"exit 2 needs exactly one line on stderr\n{outcome}"
    if json_flag is None:
        json_flag = "--json" in outcome.args
    if json_flag and outcome.code in (0, 1):
        try:
            assert isinstance(outcome.json(), dict), str(outcome)
        except ValueError as error:
            pytest.fail(f"--json output is not JSON ({error})\n{outcome}")
    assert outcome.cpu <= cpu, f"{outcome.cpu:.1f} s of CPU time, more than {cpu:g}\n{outcome}"
    return outcome


def assert_unusable(outcome: Outcome, *words: str) -> str:
    """Exit 2 with one line that contains every word (a file name, a field)."""
    assert outcome.code == 2, f"expected exit 2 (unusable input)\n{outcome}"
    for word in words:
        assert word in outcome.message, f"{word!r} not in the message\n{outcome}"
    return outcome.message


# -- known failures of code the hostile tests do not own ------------------------------------------
#: case id pattern ('*' matches any text) -> reason: the verb, what happens, and the file and function at fault.
KNOWN: dict[str, str] = {}


def known(case_id: str) -> str | None:
    for pattern, reason in KNOWN.items():
        if re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), case_id):
            return reason
    return None


def case(case_id: str, *values):
    """``pytest.param(*values, id=case_id)``, marked xfail(strict=True) when the case is a known failure."""
    reason = known(case_id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(*values, id=case_id, marks=marks)
