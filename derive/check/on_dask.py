r"""Checking many worked files past one machine: partitions of files on Dask, each checked by the batch path.

How it works
------------
:func:`check_paths_dask` lists the files here (:func:`derive.check.files_under`: a path
that does not exist is refused before any work), cuts the list into partitions of
``partition_size`` files and makes each partition one ``dask.delayed`` task:
:func:`check_partition`, which is :func:`derive.check.batch.check_files` on the
partition's paths, in a worker. The workers read the files themselves (only the paths
travel to them) and send back the reports, which are put in the order of the files: the
list :func:`derive.check.check_paths` gives, so the same table, JSON and summary.

``scheduler`` chooses where the partitions run:

* ``None`` or ``"processes"``: local processes, one per core (Dask's default pool);
* ``"threads"`` or ``"synchronous"``: Dask's local scheduler of that name (threads share
  one interpreter: useful for tests and debugging, not for speed);
* anything else is the address of a Dask distributed scheduler (``tcp://host:8786``):
  the partitions run on its workers, which need derive installed and the files readable
  at the same paths.

Example: 100,000 files in partitions of 2,000 are 50 tasks; on two local processes each
checks 25 partitions, every partition in a handful of vectorized calls per rule and shape.

A worker off its main thread (a distributed worker runs tasks in threads) checks a file
that needs SymPy in a forked process, under the same CPU budget as ever
(:func:`derive.engine.budget.bounded`); files of plain numbers need no budget
(:mod:`derive.check.batch`).

Dask is an optional extra (``pip install 'derive[dask]'``), imported only here, only when
asked for; without it :func:`check_paths_dask` raises a :class:`~derive.errors.DeriveError`
(exit 2) that names the extra.
"""

from __future__ import annotations

import importlib
import queue
import threading

from derive.check.batch import BLOCK, check_files
from derive.errors import DeriveError
from derive.progress import progress

#: Files per partition (per task) by default.
PARTITION = BLOCK
#: The names of Dask's local schedulers; any other scheduler is a distributed scheduler's address.
LOCAL = ("processes", "threads", "synchronous", "sync", "single-threaded")
EXTRA = "pip install 'derive[dask]'"


def _require(module: str, what: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DeriveError(f"{what} needs Dask, an optional extra of derive: {EXTRA}") from None


def check_partition(paths: list[str]) -> list:
    """The reports of one partition's files (run in a Dask worker)."""
    return check_files(paths)


def partitions(files: list, size: int) -> list[list[str]]:
    """``files`` as consecutive partitions of ``size`` paths (the last one shorter)."""
    if size < 1:
        raise DeriveError(f"the partition size must be at least 1, got {size}")
    return [[str(f) for f in files[start:start + size]] for start in range(0, len(files), size)]


def check_paths_dask(paths, scheduler: str | None = None, *, partition_size: int = PARTITION,
                     show_progress: bool | None = None) -> list:
    """:func:`derive.check.check_paths` with partitions of the files checked on Dask (the module's
    docstring); ``show_progress`` (default: when there is more than one file) counts the files
    checked on a terminal."""
    from derive.check import files_under

    dask = _require("dask", "checking on Dask")
    files = files_under(paths)
    parts = partitions(files, partition_size)
    # impure: a key of its own for every call, so that two checks on one cluster never share a result
    tasks = [dask.delayed(check_partition, pure=False)(part) for part in parts]
    finished = _on_cluster(tasks, scheduler) if scheduler not in (None, *LOCAL) \
        else _on_this_machine(dask, tasks, scheduler or "processes")
    if show_progress is None:
        show_progress = len(files) > 1
    results: list = [None] * len(parts)
    counted = _each_file(finished, results)
    for _ in (progress(counted, total=len(files), label="check") if show_progress else counted):
        pass
    return [report for part in results for report in part]


def _each_file(finished, results: list):
    """One item per file checked (for the progress line), filing each partition's reports."""
    for number, reports in finished:
        results[number] = reports
        yield from reports


def _on_this_machine(dask, tasks: list, scheduler: str):
    """(partition number, reports) as each task finishes on a local scheduler.

    The scheduler runs in a thread of its own, so that this one can show the progress;
    a callback hands over each partition as it finishes.
    """
    from dask.callbacks import Callback

    numbers = {task.key: number for number, task in enumerate(tasks)}
    done: queue.Queue = queue.Queue()
    end = object()

    class Finished(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            if key in numbers:
                done.put((numbers[key], result))

    def compute():
        try:
            with Finished():
                dask.compute(*tasks, scheduler=scheduler)
            done.put(end)
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            done.put(error)

    worker = threading.Thread(target=compute, name="derive-check-dask", daemon=True)
    worker.start()
    while (item := done.get()) is not end:
        if isinstance(item, BaseException):
            raise item
        yield item
    worker.join()


def _on_cluster(tasks: list, address: str):
    """(partition number, reports) as each task finishes on the distributed scheduler at ``address``."""
    distributed = _require("dask.distributed", "checking on a Dask cluster (--scheduler)")
    try:
        client = distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise DeriveError(f"cannot reach the Dask scheduler at {address!r}: {error}") from None
    try:
        futures = client.compute(tasks)
        numbers = {future.key: number for number, future in enumerate(futures)}
        for future, reports in distributed.as_completed(futures, loop=client.loop, with_results=True):
            yield numbers[future.key], reports
    finally:
        client.close()


__all__ = ["PARTITION", "check_partition", "check_paths_dask", "partitions"]
