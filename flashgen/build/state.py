"""The state-file format every state file of flashgen shares (cache, ledger, deck state,
render cache): two pickles of plain values, a header then a body, with the body's CRC-32
in the header; written atomically, read with a restricted unpickler.

Plain values are tuples, strings, numbers, bytes, lists and dicts: a restricted
unpickler refuses anything else, so a foreign or forged file runs no code. A file that
cannot be read raises :class:`StateError`, which every caller turns into a warning and a
fresh start: state files are never the only copy of anything the user wrote.
"""

from __future__ import annotations

import contextlib
import gc
import io
import pickle
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from flashgen.build.atomic import write_atomic
from flashgen.vault.paths import inside_vault

STATE_FOLDER = ".flashgen"


class StateError(Exception):
    """A state file cannot be read; callers turn it into a warning and start afresh."""


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles builtin values only: a foreign or forged file cannot name a class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Make many long-lived objects without the cyclic garbage collector looking at them.

    A cache holds hundreds of thousands of tuples, none in a cycle. The collector would
    traverse them all, again and again while they are made and once more afterwards;
    instead it is paused, and what was made goes straight to the oldest generation.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def plain_loads(data: bytes) -> Any:
    """Unpickle *data*, plain values only; ``StateError`` when it is not such a pickle."""
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except Exception as err:  # a damaged pickle raises nearly anything
        raise StateError(f"damaged: {type(err).__name__}") from err


def load_state(path: Path) -> tuple[dict[str, Any], Any]:
    """A state file's header and body (see :func:`save_state`); ``StateError`` if unreadable."""
    _refuse_symlink(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise StateError(err.strerror or str(err)) from err
    stream = io.BytesIO(data)
    try:
        header = _PlainUnpickler(stream).load()
    except Exception as err:  # a damaged pickle raises nearly anything
        raise StateError(f"damaged: {type(err).__name__}") from err
    if not isinstance(header, dict):
        raise StateError("not a flashgen state file")
    if zlib.crc32(memoryview(data)[stream.tell() :]) != header.get("crc"):
        raise StateError("damaged: checksum mismatch")
    try:
        with bulk():
            body = _PlainUnpickler(stream).load()
    except Exception as err:
        raise StateError(f"damaged: {type(err).__name__}") from err
    return header, body


def read_header(path: Path) -> dict[str, Any]:
    """The header of a state file; the body is neither read nor checked."""
    _refuse_symlink(path)
    try:
        with path.open("rb") as handle:
            header = _PlainUnpickler(handle).load()
    except OSError as err:
        raise StateError(err.strerror or str(err)) from err
    except Exception as err:
        raise StateError(f"damaged: {type(err).__name__}") from err
    if not isinstance(header, dict):
        raise StateError("not a flashgen state file")
    return header


def _refuse_symlink(path: Path) -> None:
    # State files are only ever written in place (atomically), never as links: a link is
    # someone's attempt to make flashgen read a file elsewhere.
    if path.is_symlink():
        raise StateError("it is a symlink, not read")


def state_outside(vault_root: Path) -> bool:
    """True when the vault's state folder ``.flashgen`` is a symlink leading out of it."""
    folder = vault_root / STATE_FOLDER
    return folder.is_symlink() and not inside_vault(vault_root.resolve(), folder)


def save_state(path: Path, header: dict[str, Any], body: Any) -> None:
    """Write a state file atomically: *header*, with a CRC-32 of the body, then *body*.

    Both are pickles of plain values. Raises ``OutputError`` when it cannot be written.
    """
    data = _dumps(body)
    head = pickle.dumps({**header, "crc": zlib.crc32(data)}, protocol=5)

    def write(handle: BinaryIO) -> None:
        handle.write(head)
        handle.write(data)

    write_atomic(path, write)


def _dumps(value: Any) -> bytes:
    """*value* pickled without the memo: 3-5x as fast for the many small tuples of a
    state body, and without a table of every object pickled (tens of megabytes).

    A value referenced twice is written twice, which plain data (no cycles) allows.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo (the attribute is marked deprecated, and kept since 3.0)
    pickler.dump(value)
    return buffer.getvalue()
