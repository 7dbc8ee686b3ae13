"""The errors derive reports to users, and what the command line does with them."""

from __future__ import annotations


class DeriveError(Exception):
    """Base class of every error derive reports as a message instead of a traceback."""

    exit_code = 2


class InputError(DeriveError):
    """The input is unusable: the message names the file, the field and what was expected."""

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None):
        self.path = path
        self.field = field
        where = ": ".join(p for p in (path, f"field '{field}'" if field else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


class LatexError(InputError):
    """A formula could not be read."""


class TooComplex(DeriveError):
    """A symbolic check ran out of its time or size budget."""


class ProofError(DeriveError):
    """A derivation step could not be proven equal to the one before it."""

    exit_code = 1
