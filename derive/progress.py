"""Progress on standard error for work that can take more than two seconds (``derive docs``).

``for item in progress(items, total, "docs"): ...`` writes ``docs: 3/12`` over itself with
``\\r`` while the loop runs, then clears the line. It writes only to a terminal: nothing when
standard error is a file or a pipe, or when ``DERIVE_QUIET`` is set, so logs and tests see
exactly the output they saw before.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # typing.Self is Python 3.11+; the annotation is never evaluated
    from typing import Self


class progress:
    """Wrap ``iterable`` (``total`` items): iterate it, showing ``label: i/total`` on ``stream``
    (standard error by default). Usable as a context manager, which clears the line on exit
    even when the loop stops early."""

    def __init__(self, iterable, total: int | None = None, label: str = "", *, stream=None):
        self.iterable = iterable
        self.total = len(iterable) if total is None and hasattr(iterable, "__len__") else total
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.shown = 0  # width of the line on screen, 0 when nothing is shown
        isatty = getattr(self.stream, "isatty", None)
        self.active = bool(isatty and isatty()) and not os.environ.get("DERIVE_QUIET")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _update(self, done: int) -> None:
        line = f"{self.label}: {done}/{self.total if self.total is not None else '?'}"
        self._write("\r" + line.ljust(self.shown))
        self.shown = max(self.shown, len(line))

    def close(self) -> None:
        """Clear the progress line, leaving the cursor at its start for the next message."""
        if self.shown:
            self._write("\r" + " " * self.shown + "\r")
            self.shown = 0

    def __iter__(self):
        if not self.active:
            yield from self.iterable
            return
        self._update(0)
        try:
            for done, item in enumerate(self.iterable, 1):
                self._update(done)
                yield item
        finally:
            self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
