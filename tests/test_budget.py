"""Budgets count CPU time, survive a swallowed alarm, and hold off the main thread.

Every bound here is on CPU time (``time.process_time``, or the CPU time of the worker
process a call from another thread runs in) and loose (10 times the budget), so the
outcome does not depend on how busy the machine is.
"""

import json
import resource
import threading
import time

import pytest

from derive.check.equiv import check_equivalence
from derive.cli.main import main
from derive.engine.budget import bounded, time_budget
from derive.errors import TooComplex

BUDGET = 0.5
#: A double sum of 40,000 terms: several seconds of CPU to expand and check, ten times the budget the
#: tests below give it. (A tower of powers s^{s^{…}} no longer serves: a cheap numeric test now
#: tells it apart from the loss in a fraction of the budget.)
TOWER = r"\sum_{k=1}^{200}\sum_{j=1}^{200} s^{k} y^{j}"
TOWER_BUDGET = 0.5


def spin():
    while True:
        sum(range(1000))


def spin_and_swallow():
    """A body that catches Exception around its work, as many libraries do."""
    while True:
        try:
            sum(range(1000))
        except Exception:  # noqa: BLE001 - the point of the test
            pass


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_a_cpu_bound_body_is_stopped():
    start = time.process_time()
    with pytest.raises(TooComplex), time_budget(BUDGET):
        spin()
    assert time.process_time() - start < 10 * BUDGET


def test_a_swallowed_alarm_still_stops_the_body():
    start = time.process_time()
    with pytest.raises(TooComplex), time_budget(BUDGET):
        spin_and_swallow()
    assert time.process_time() - start < 10 * BUDGET


def test_nested_budgets_keep_the_tighter_deadline():
    start = time.process_time()
    with pytest.raises(TooComplex), time_budget(100.0), time_budget(BUDGET):
        spin()
    assert time.process_time() - start < 10 * BUDGET


def test_a_budget_that_is_not_spent_changes_nothing():
    with time_budget(100.0):
        assert sum(range(10)) == 45


def _in_a_thread(work):
    """Run ``work`` in a thread; return (its exception or None, its value, CPU of worker processes)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = work()
        except Exception as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error
    before = children_cpu()
    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=600)  # only so that a broken budget cannot hang the suite
    assert not thread.is_alive()
    return outcome.get("error"), outcome.get("value"), children_cpu() - before


def test_bounded_holds_on_another_thread():
    error, _, cpu = _in_a_thread(bounded(BUDGET)(spin_and_swallow))
    assert isinstance(error, TooComplex)
    assert cpu < 10 * BUDGET + 5  # the worker's own start included


def test_bounded_returns_values_and_errors_from_another_thread():
    assert _in_a_thread(bounded(10.0)(lambda: {"answer": 42}))[:2] == (None, {"answer": 42})
    error, _, _ = _in_a_thread(bounded(10.0)(lambda: int("x")))
    assert isinstance(error, ValueError)


def test_a_hostile_formula_is_stopped_on_the_main_thread():
    start = time.process_time()
    with pytest.raises(TooComplex):
        check_equivalence("sigmoid_bce", "L", TOWER, seconds=TOWER_BUDGET)
    assert time.process_time() - start < 10 * TOWER_BUDGET + 5  # the parser's first import included


def test_a_hostile_formula_from_a_worker_thread_is_stopped_within_its_budget():
    error, _, cpu = _in_a_thread(lambda: check_equivalence("sigmoid_bce", "L", TOWER, seconds=TOWER_BUDGET))
    assert isinstance(error, TooComplex), error
    assert cpu < 10 * TOWER_BUDGET + 5


def test_an_ordinary_formula_from_a_worker_thread_gets_its_verdict():
    error, result, _ = _in_a_thread(lambda: check_equivalence("sigmoid_bce", "dL/ds", r"\hat{y} - y"))
    assert error is None and result.verdict == "equivalent"


def test_equiv_never_answers_outside_the_two_verdicts(monkeypatch, capsys):
    """An undecidable formula is exit 2 with one line on stderr, and no JSON on stdout."""
    monkeypatch.setitem(check_equivalence.__wrapped__.__kwdefaults__, "seconds", TOWER_BUDGET)
    assert main(["equiv", "sigmoid_bce", "L", TOWER, "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "too" in err
    assert main(["equiv", "sigmoid_bce", "dL/ds", r"\hat{y} - y", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "equivalent"


def test_a_sum_of_many_terms_gets_a_verdict_not_a_shape_error():
    # 90 terms: more than one NumPy ufunc takes at once (64 operands); the sum still has L's shape.
    result = check_equivalence("sigmoid_bce", "L", r"\sum_{k=1}^{3}\sum_{j=1}^{30} s^{k} y^{j}", seconds=20)
    assert result.verdict == "not_equivalent" and result.mistake != "shape", result
    assert result.counterexample is not None
