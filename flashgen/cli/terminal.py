"""The interactive terminal: reading keys, drawing cards and charts, the clock, opening files.

Only ``cli.py`` imports this module; everything below it takes ``now`` as an argument
and prints nothing.

For tests, the environment variable ``FLASHGEN_NOW`` (an ISO 8601 time with a zone,
e.g. ``2026-01-01T09:00:00Z``) replaces the clock and turns interval fuzz off, so that a
session's schedule is reproducible.
"""

from __future__ import annotations

import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TextIO

from flashgen.errors import FlashgenError

NOW_VARIABLE = "FLASHGEN_NOW"
"""Environment variable that fixes the clock (and turns fuzz off); for tests."""


class TerminalError(FlashgenError):
    """The terminal cannot be used as asked (no TTY, bad ``FLASHGEN_NOW``)."""


# The clock


def fixed_now() -> datetime | None:
    """The time ``FLASHGEN_NOW`` fixes, or None when it is not set."""
    value = os.environ.get(NOW_VARIABLE)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise TerminalError(f"{NOW_VARIABLE}={value} is not an ISO 8601 time") from err
    if moment.tzinfo is None:
        raise TerminalError(f"{NOW_VARIABLE}={value} needs a zone, e.g. 2026-01-01T09:00:00Z")
    return moment.astimezone(UTC)


def now() -> datetime:
    """The current time in UTC (``FLASHGEN_NOW`` when set)."""
    return fixed_now() or datetime.now(UTC)


def local_zone() -> tzinfo:
    """The user's time zone, for calendar days."""
    zone = datetime.now(UTC).astimezone().tzinfo
    assert zone is not None
    return zone


def start_of_day(moment: datetime) -> datetime:
    """Local midnight before *moment*, in UTC: where the user's "today" begins."""
    local = moment.astimezone(local_zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


# What a terminal would obey rather than show: C0 controls (but tab and line feed) as
# their Control Pictures (ESC as ␛), DEL as ␡, C1 controls (8-bit CSI, OSC) as U+FFFD.
_PRINTABLE = str.maketrans(
    {
        **{code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n"},
        0x7F: 0x2421,
        **{code: 0xFFFD for code in range(0x80, 0xA0)},
    }
)


def printable(text: str) -> str:
    """*text* safe to print on a terminal: control characters shown, never obeyed.

    A note may hold escape sequences (pasted terminal output, or a shared vault made to
    move the cursor, retitle the window or write the clipboard); printed raw, the
    terminal would run them.
    """
    return text.translate(_PRINTABLE)


# Keys


RESIZE_KEY = ""
"""What :meth:`TerminalKeys.read` returns when the terminal changed size: draw again."""


class Keys(Protocol):
    """Where answers come from: one key (or line) at a time, None at end of input."""

    plain: bool

    def read(self) -> str | None:
        """The next key: a character, ``\\n`` for Enter, or None at the end of input."""

    def paused(self) -> AbstractContextManager[None]:
        """The terminal as it was before the quiz, for the duration (to run an editor)."""


class LineKeys:
    """``--plain``: one answer per line, for scripts and tests; an empty line is Enter."""

    plain = True

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def read(self) -> str | None:
        """The next line's text, or ``\\n`` for an empty line."""
        line = self._stream.readline()
        if not line:
            return None
        return line.strip() or "\n"

    def paused(self) -> AbstractContextManager[None]:
        """Nothing to give back: line mode leaves the terminal as it is."""
        return nullcontext()


class TerminalKeys:
    """Single key presses from a TTY in cbreak mode (no echo, Ctrl-C still works)."""

    plain = False

    def __init__(self, stream: TextIO, saved: list[Any]) -> None:
        self._fd = stream.fileno()
        self._saved = saved
        self.resized = False
        """Set by the SIGWINCH handler of :func:`key_mode`; the next read returns ``""``."""

    @property
    def fd(self) -> int:
        """The terminal's file descriptor (to read a terminal's answers to queries)."""
        return self._fd

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Give the terminal back as it was (echo, line editing), then take it again."""
        import termios
        import tty

        termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
        try:
            yield
        finally:
            tty.setcbreak(self._fd)

    def read(self) -> str | None:
        """The next key; escape sequences (arrows) are read whole and returned as-is.

        ``""`` when the terminal was resized while waiting (see :data:`RESIZE_KEY`).
        """
        while not select.select([self._fd], [], [], 0.2)[0]:
            if self.resized:
                self.resized = False
                return RESIZE_KEY
        data = os.read(self._fd, 1)
        if not data:
            return None
        if data == b"\x1b":
            while select.select([self._fd], [], [], 0.03)[0]:
                data += os.read(self._fd, 16)
        elif data[0] >= 0xC0:
            length = 2 if data[0] < 0xE0 else 3 if data[0] < 0xF0 else 4
            data += os.read(self._fd, length - 1)
        return data.decode("utf-8", errors="replace")


@contextmanager
def key_mode(stream: TextIO) -> Iterator[TerminalKeys]:
    """Put the terminal in cbreak mode for the duration; restore it however we leave."""
    try:
        import termios
        import tty
    except ImportError as err:
        raise TerminalError("key mode needs a Unix terminal; use --plain") from err
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    keys = TerminalKeys(stream, saved)

    def resized(signum: int, frame: FrameType | None) -> None:
        keys.resized = True

    previous = signal.signal(signal.SIGWINCH, resized) if hasattr(signal, "SIGWINCH") else None
    try:
        tty.setcbreak(fd)
        yield keys
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)


def open_external(target: str) -> bool:
    """Open a file or link with the desktop's opener (xdg-open, open, start), not waiting."""
    if sys.platform == "win32":
        startfile: Callable[[str], None] | None = getattr(os, "startfile", None)
        if startfile is None:
            return False
        try:
            startfile(target)
        except OSError:
            return False
        return True
    command = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if command is None:
        return False
    try:
        subprocess.Popen(
            [command, target],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True


def editor_command(environ: Mapping[str, str]) -> list[str] | None:
    """The user's editor, ``$VISUAL`` before ``$EDITOR`` (as git and crontab read them)."""
    for name in ("VISUAL", "EDITOR"):
        try:
            command = shlex.split(environ.get(name, ""))
        except ValueError:
            continue
        if command:
            return command
    return None


def run_editor(command: list[str], path: Path, line: int) -> str | None:
    """Open *path* at *line* in *command* (``+LINE FILE``, which vi, nano, emacs take), waiting.

    Returns None when the editor ran and exited cleanly, otherwise what went wrong.
    """
    try:
        finished = subprocess.run([*command, f"+{line}", str(path)], check=False)
    except OSError as err:
        return f"cannot run the editor {command[0]}: {err.strerror or err}"
    if finished.returncode != 0:
        return f"the editor {command[0]} exited with status {finished.returncode}"
    return None


def check_terminal(plain: bool) -> None:
    """Refuse key mode when stdin is not a terminal."""
    if not plain and not sys.stdin.isatty():
        raise TerminalError(
            "flashgen quiz reads single keys and needs a terminal;"
            " use --plain to answer line by line from a script"
        )
