"""Reading one note's file: size limits, decoding, line endings, unreadable characters.

Nothing here raises for bad input: problems become diagnostics, and the text that comes
out is safe for every later stage (``\\n`` line endings, no NUL, no lone surrogates).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from flashgen.model import Diagnostic
from flashgen.vault.paths import inside_vault

_BINARY_SNIFF = 8192

MAX_NOTE_BYTES = 5_000_000
"""A larger note is not read: it is pasted data, not notes, and would take seconds to parse."""
MAX_NOTE_LINES = 100_000
"""A note with more lines is not read either (markdown-it reads some 50,000 lines a second)."""


@dataclass(frozen=True, slots=True)
class NoteSource:
    """The text of one note, ready to parse."""

    path: str
    """Vault-relative POSIX path."""
    text: str
    """Decoded text with ``\\n`` line endings and no BOM."""


_UNREADABLE_RE = re.compile(r"[\x00\ud800-\udfff]")
"""NUL and lone surrogates: markdown-it reads NUL as U+FFFD, and a lone surrogate (from
``surrogateescape`` decoding) cannot be encoded, so neither may reach a card."""


def clean_text(text: str) -> str:
    """*text* with ``\\n`` line endings, and NUL and lone surrogates as U+FFFD."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return replace_unreadable(text)


def replace_unreadable(text: str) -> str:
    """*text* with NUL and lone surrogates (which YAML escapes can make) as U+FFFD."""
    return _UNREADABLE_RE.sub("\ufffd", text)


def read_note(
    root: Path, rel: str, expected_size: int | None = None
) -> tuple[NoteSource | None, list[Diagnostic]]:
    """Read one note; problems become diagnostics, never exceptions.

    *expected_size* is the size the vault scan saw: a note that vanished or changed size
    since (deleted, renamed or edited while the build runs) gets a warning.
    """
    path = root / rel
    try:
        if not inside_vault(root, path):
            return None, [Diagnostic(rel, 0, "warning", "leads outside the vault; not read")]
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = b"" if size > MAX_NOTE_BYTES else handle.read(MAX_NOTE_BYTES + 1)
    except FileNotFoundError:
        return None, [
            Diagnostic(
                rel,
                0,
                "warning",
                "note vanished while the build ran (deleted or renamed); skipped: build again",
            )
        ]
    except OSError as err:
        reason = err.strerror or type(err).__name__
        return None, [
            Diagnostic(rel, 0, "error", f"cannot read note: {reason}; check that it is readable")
        ]
    if max(size, len(data)) > MAX_NOTE_BYTES:
        return None, [_too_large(rel, f"{max(size, len(data)) / 1e6:.1f} MB")]
    source, diagnostics = decode_note(rel, data)
    if source is not None and expected_size is not None and len(data) != expected_size:
        diagnostics.append(
            Diagnostic(
                rel,
                0,
                "warning",
                f"note changed while the build ran ({expected_size:,} bytes when listed,"
                f" {len(data):,} when read); its cards are from what was read: build again",
            )
        )
    return source, diagnostics


def _too_large(rel: str, size: str) -> Diagnostic:
    return Diagnostic(
        rel,
        0,
        "warning",
        f"note is too large to be notes ({size}; flashgen reads notes of up to"
        f" {MAX_NOTE_BYTES / 1e6:g} MB and {MAX_NOTE_LINES:,} lines); skipped: split it,"
        " or move pasted data out of the vault",
    )


def decode_note(rel: str, data: bytes) -> tuple[NoteSource | None, list[Diagnostic]]:
    """Decode note bytes: strip a BOM, normalise line endings, report non-text.

    NUL characters past the binary sniff become U+FFFD (as markdown-it reads them), with
    a warning; a note over :data:`MAX_NOTE_BYTES` or :data:`MAX_NOTE_LINES` is not read.
    """
    if b"\0" in data[:_BINARY_SNIFF]:
        return None, [Diagnostic(rel, 0, "warning", "binary file with a .md name; skipped")]
    if len(data) > MAX_NOTE_BYTES:
        return None, [_too_large(rel, f"{len(data) / 1e6:.1f} MB")]
    lines = max(data.count(b"\n"), data.count(b"\r"))
    if lines > MAX_NOTE_LINES:
        return None, [_too_large(rel, f"{lines:,} lines")]
    diagnostics: list[Diagnostic] = []
    if not data.strip():
        diagnostics.append(Diagnostic(rel, 0, "warning", "note is empty; no cards"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        body = err.object  # without the BOM, which err.start does not count
        before = body[: err.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        diagnostics.append(
            Diagnostic(
                rel,
                line,
                "warning",
                f"not valid UTF-8 (byte 0x{body[err.start]:02x}); unreadable bytes shown as"
                " \N{REPLACEMENT CHARACTER}: re-save the note as UTF-8",
            )
        )
        text = data.decode("utf-8-sig", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        diagnostics.append(
            Diagnostic(
                rel,
                line,
                "warning",
                "NUL characters in the note (a damaged file?) read as \N{REPLACEMENT CHARACTER}",
            )
        )
        text = text.replace("\0", "\ufffd")
    return NoteSource(rel, text), diagnostics
