"""Atomic file writes: a crash or Ctrl-C never leaves a half-written output."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from flashgen.errors import OutputError


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside *path*; on success it replaces *path* in one step.

    The temporary file lives in the same folder so the final ``os.replace`` is atomic;
    on any failure it is removed and *path* keeps its previous content.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=folder)
        os.close(handle)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    temp = Path(temp_name)
    try:
        yield temp
        with temp.open("rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private (0600); keep the mode the output had, or a plain one.
        temp.chmod(stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        os.replace(temp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


_NAME_MAX = 255
"""Bytes in a file name on the common file systems (ext4, APFS, NTFS in UTF-16 units)."""


def _temp_prefix(path: Path) -> str:
    """``.<name>.``, shortened so that the temporary name (8 random characters and ``.tmp``
    more) still fits in a file name when *path*'s own name nearly fills one."""
    room = _NAME_MAX - len(".") - len(".") - 8 - len(".tmp")
    return f".{os.fsencode(path.name)[:room].decode('utf-8', errors='ignore')}."


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write *path* atomically with a function that fills an open binary file."""
    with atomic_output(path) as temp, temp.open("wb") as handle:
        write(handle)
