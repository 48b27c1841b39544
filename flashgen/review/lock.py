"""One quiz at a time on a review store: a lock file beside it.

Two sessions on one store would show the same cards at the same time. The first session
holds an exclusive OS lock on ``<store>.lock`` (``fcntl.flock``; ``msvcrt.locking`` on
Windows) for as long as it runs; a second one is refused with a message that says which
process holds it and what to do. The OS drops the lock when the process ends, however it
ends, so a crash leaves no stale lock to clean up; the file itself stays (removing it
while another process opens it would let two sessions in).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from flashgen.errors import FlashgenError


class QuizRunning(FlashgenError):
    """Another quiz session holds the review store."""


class QuizLock:
    """The lock of one store: :meth:`take` it, :meth:`close` it."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def take(cls, store: Path) -> QuizLock:
        """Lock *store* for this process, or raise :class:`QuizRunning` without waiting."""
        path = store.with_name(store.name + ".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise FlashgenError(f"cannot create the quiz lock {path}: {err.strerror}") from err
        if not _lock(fd):
            holder = _read(fd)
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise QuizRunning(
                f"another flashgen quiz is running on {store}{who}; answer or quit it (q)"
                " first, then start this one again. Every answer it gave is saved"
            )
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def close(self) -> None:
        """Let the next session in (``with contextlib.closing(QuizLock.take(...))``)."""
        with contextlib.suppress(OSError):
            _unlock(self._fd)
        os.close(self._fd)


def _read(fd: int) -> str:
    with contextlib.suppress(OSError, AttributeError):  # no pread on Windows
        return os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    return ""


def _lock(fd: int) -> bool:
    """Take the exclusive lock without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)
