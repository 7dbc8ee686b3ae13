"""Paths typed by users, checked before anything is read, written or proven."""

from __future__ import annotations

import os
from pathlib import Path

from derive.errors import InputError

#: The longest name of one file or folder most file systems accept, in bytes.
MAX_NAME_BYTES = 255


def user_path(raw, what: str) -> Path:
    """``raw`` as a Path, or a one-line InputError naming ``what`` (e.g. ``--out``) and the problem.

    An empty name, a NUL byte or a name too long for the file system would otherwise
    surface as an OSError or ValueError from deep inside a write.
    """
    text = os.fsdecode(raw) if isinstance(raw, bytes) else str(raw)
    if not text.strip():
        raise InputError(f"{what}: expected a path, got an empty string")
    if "\x00" in text:
        raise InputError(f"{what}: the path contains a NUL character")
    try:
        parts = [os.fsencode(part) for part in Path(text).parts]
    except UnicodeError:
        raise InputError(f"{what}: the path cannot be encoded for this file system") from None
    if any(len(part) > MAX_NAME_BYTES for part in parts):
        raise InputError(f"{what}: a name in the path is longer than {MAX_NAME_BYTES} bytes")
    return Path(text)
