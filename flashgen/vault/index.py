"""The files of a vault: which ones make it up, and resolving links between them.

Nothing outside the vault root is ever read: the file list is built by walking the
root (symlinks are followed only when they lead back inside it), and link resolution
only ever answers with a path from that list.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flashgen.errors import VaultNotFound
from flashgen.model import Diagnostic
from flashgen.vault.paths import inside_vault
from flashgen.vault.settings import ObsidianSettings, read_settings

SKIPPED_FOLDERS = frozenset({".obsidian", ".trash", ".flashgen", ".git"})
"""Folders never read (hidden folders are skipped too)."""

NOTE_SUFFIX = ".md"


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What tells whether a file changed since it was last read."""

    size: int
    """Size in bytes."""
    mtime_ns: int
    """Modification time in nanoseconds."""


@dataclass(slots=True)
class VaultIndex:
    """Every readable file in a vault, for listing notes and resolving links."""

    root: Path
    """Absolute, resolved vault folder."""
    files: dict[str, FileStamp] = field(default_factory=dict)
    """Vault-relative POSIX path → stamp, for every file that is not skipped."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems met while walking (symlinks out of the vault, unreadable folders)."""
    settings: ObsidianSettings = field(default_factory=ObsidianSettings)
    """The vault's Obsidian settings (``.obsidian/``)."""
    _by_name: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The vault's name, as Obsidian shows it: its folder's name."""
        return self.root.name

    def notes(self) -> list[str]:
        """Vault-relative paths of the Markdown notes, sorted; templates are not notes."""
        return sorted(p for p in self.files if is_note_path(p) and not self.settings.is_template(p))

    def resolve(self, target: str, from_note: str) -> str | None:
        """Resolve a link or embed target as Obsidian does, or return None.

        Order: the exact vault path; the path relative to the note's folder; then any
        file whose path ends with the target (a bare name is the common case). When
        several match, the one nearest to the note's folder wins. A target without an
        extension also tries ``.md``.
        """
        target = target.strip().replace("\\", "/")
        if not target or leaves_vault(target, from_note):
            return None
        for candidate in (target, target + NOTE_SUFFIX):
            found = self._resolve_one(candidate, from_note)
            if found is not None:
                return found
        return None

    def _resolve_one(self, target: str, from_note: str) -> str | None:
        folder = posixpath.dirname(from_note)
        for path in (target.lstrip("/"), posixpath.normpath(posixpath.join(folder, target))):
            exact = self._lookup_exact(path)
            if exact is not None:
                return exact
        suffix = "/" + posixpath.normpath(target).lower()
        name = posixpath.basename(target).lower()
        matches = [p for p in self._names().get(name, []) if ("/" + p.lower()).endswith(suffix)]
        if not matches:
            return None
        # Same name in several folders: the note's own folder, then where Obsidian puts
        # the note's new attachments, then the nearest.
        attachments = self.settings.attachment_folder_of(from_note)
        return min(
            matches,
            key=lambda p: (
                posixpath.dirname(p) != folder,
                posixpath.dirname(p) != attachments,
                -_shared_depth(p, folder),
                p.count("/"),
                p,
            ),
        )

    def _lookup_exact(self, path: str) -> str | None:
        if path in self.files:
            return path
        lowered = path.lower()
        for candidate in self._names().get(posixpath.basename(lowered), []):
            if candidate.lower() == lowered:
                return candidate
        return None

    def _names(self) -> dict[str, list[str]]:
        if not self._by_name and self.files:
            for path in sorted(self.files):
                self._by_name.setdefault(posixpath.basename(path).lower(), []).append(path)
        return self._by_name


def _shared_depth(path: str, folder: str) -> int:
    """How many leading folders ``path`` shares with ``folder``."""
    ours = [part for part in folder.split("/") if part]
    theirs = posixpath.dirname(path).split("/")
    depth = 0
    for a, b in zip(ours, theirs, strict=False):
        if a != b:
            break
        depth += 1
    return depth


def leaves_vault(target: str, from_note: str) -> bool:
    """True when a link target points outside the vault (a drive, home, or ``../`` out).

    A target starting with ``/`` is a vault-root path, as Obsidian reads it.
    """
    target = target.replace("\\", "/")
    if (len(target) > 1 and target[1] == ":") or target.startswith("~"):
        return True
    if target.startswith("/"):
        return False  # "/.." is "/" still: resolving stays inside the vault's own files
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_note), target))
    return joined == ".." or joined.startswith("../")


def is_note_path(path: str) -> bool:
    """True for Markdown notes, excluding Excalidraw drawings saved as Markdown."""
    lowered = path.lower()
    return lowered.endswith(NOTE_SUFFIX) and not lowered.endswith(".excalidraw.md")


def check_vault_folder(root: Path) -> None:
    """Raise :class:`VaultNotFound`, saying what to pass instead, unless *root* is a folder
    that can be read."""
    if root.is_file():
        raise VaultNotFound(
            f"{root} is a file, not a vault folder: pass the folder that holds your notes,"
            f" such as {root.parent}"
        )
    if not root.is_dir():
        raise VaultNotFound(
            f"vault folder not found: {root} (pass the folder that holds your notes)"
        )
    try:
        with os.scandir(root):
            pass
    except OSError as err:
        raise VaultNotFound(
            f"cannot read the vault folder {root} ({err.strerror}); check its permissions"
        ) from err


def scan_vault(root: Path) -> VaultIndex:
    """List the files of the vault at *root*, skipping Obsidian's own and hidden folders."""
    check_vault_folder(root)
    index = VaultIndex(root=root.resolve())
    if not _is_utf8(index.root.name):
        # The name becomes the deck's, and no deck or link can hold undecodable bytes.
        raise VaultNotFound(
            f"the vault folder's name {printable_path(index.root.name)!r} is not UTF-8;"
            " rename the folder"
        )
    index.settings, problems = read_settings(index.root)
    index.diagnostics.extend(problems)
    for rel, stamp in _walk(index, index.root, "", {_dir_key(index.root)}):
        index.files[rel] = stamp
    return index


def _dir_key(path: Path) -> tuple[int, int]:
    info = path.stat()
    return (info.st_dev, info.st_ino)


def _walk(
    index: VaultIndex, folder: Path, rel: str, seen: set[tuple[int, int]]
) -> Iterator[tuple[str, FileStamp]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        index.diagnostics.append(
            Diagnostic(rel or ".", 0, "warning", f"cannot list folder: {err.strerror}; skipped")
        )
        return
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
            continue
        if not _is_utf8(entry.name):
            # Undecodable bytes come back as lone surrogates, which no output can hold.
            index.diagnostics.append(
                Diagnostic(
                    printable_path(child),
                    0,
                    "warning",
                    "name is not valid UTF-8; skipped: rename it",
                )
            )
            continue
        try:
            info = entry.stat(follow_symlinks=True)
        except OSError:
            index.diagnostics.append(
                Diagnostic(child, 0, "warning", "broken symlink or vanished file; skipped")
            )
            continue
        if entry.is_symlink() and not inside_vault(index.root, Path(entry.path)):
            index.diagnostics.append(
                Diagnostic(child, 0, "warning", "symlink leads outside the vault; not followed")
            )
            continue
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue  # a symlink loop, or a second way into a folder already read
            yield from _walk(index, Path(entry.path), child, seen | {key})
        elif stat.S_ISREG(info.st_mode):
            yield child, FileStamp(info.st_size, info.st_mtime_ns)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_path(path: str) -> str:
    """*path* with the bytes that are not UTF-8 (lone surrogates) shown as U+FFFD."""
    return os.fsencode(path).decode("utf-8", errors="replace")
