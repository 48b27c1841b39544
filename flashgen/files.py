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
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
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


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write *path* atomically with a function that fills an open binary file."""
    with atomic_output(path) as temp, temp.open("wb") as handle:
        write(handle)
