"""Watch mode: rebuild the deck whenever the vault changes, until Ctrl-C.

watchfiles reports file events in batches: a batch ends after :data:`STEP_MS` without
events (or :data:`DEBOUNCE_MS` at most), so an editor's save burst (write a temporary
file, rename it, touch it) is one rebuild. Each rebuild is an ordinary incremental
build, so it takes what changed from a fresh scan, whatever the events said. Changes
under hidden folders (``.flashgen/``, ``.obsidian/``, ``.git/``), editor scratch files
(``~``, ``.swp``, ``.#…``, ``sed``'s ``sedXXXXXX``), files that came and went within
one batch, and the output folder are ignored: they make no cards, and flashgen's own
writes must not wake it up. Each rebuild says which files it found added, edited,
deleted or renamed (:class:`Touched`).

A build that fails (a broken ``flashgen.yaml``, an unwritable output folder) is
reported and watching goes on. Ctrl-C raises ``KeyboardInterrupt``, while waiting
or during a build, and every file flashgen writes is replaced atomically, so no deck
is ever left half written.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from flashgen.build.outputs import DeckWriter, Export, update_outputs
from flashgen.build.pipeline import VaultCards, collect
from flashgen.errors import FlashgenError
from flashgen.vault.index import SKIPPED_FOLDERS, check_vault_folder

DEBOUNCE_MS = 1_000
"""Longest time events are gathered into one rebuild."""
STEP_MS = 100
"""Quiet time that ends a burst of events."""
POLL_MS = 250
"""How often the wait wakes up to check for a stop request."""

_SCRATCH = re.compile(
    r"(~|\.sw[a-p]|\.tmp|\.crdownload|\.part)$|^\.#|^#.*#$|^sed[A-Za-z0-9]{6}$", re.IGNORECASE
)
"""Editor backups, swap and lock files, ``sed -i``'s temporary files, downloads in progress."""


@dataclass(frozen=True, slots=True)
class Touched:
    """The files a rebuild found changed since the build before, vault-relative."""

    added: tuple[str, ...] = ()
    """New files."""
    edited: tuple[str, ...] = ()
    """Files whose content or time changed."""
    deleted: tuple[str, ...] = ()
    """Files gone."""
    renamed: tuple[tuple[str, str], ...] = ()
    """(old path, new path) of files moved or renamed, edited on the way or not."""

    def __bool__(self) -> bool:
        return bool(self.added or self.edited or self.deleted or self.renamed)


def touched(paths: Iterable[str], before: VaultCards, after: VaultCards) -> Touched:
    """What happened to *paths* (those events named) between two builds.

    A file deleted and one added in the same batch are a rename when they have the same
    size and time (a move keeps both) or, for notes, when cards of the old one kept their
    ids in the new one (a note renamed and edited at once).
    """
    old, new = before.vault.files, after.vault.files
    added = [path for path in paths if path in new and path not in old]
    deleted = [path for path in paths if path in old and path not in new]
    edited = [path for path in paths if path in old and path in new and old[path] != new[path]]
    renamed: list[tuple[str, str]] = []
    for gone in list(deleted):
        match = next((path for path in added if _same_file(gone, path, before, after)), None)
        if match is not None:
            renamed.append((gone, match))
            deleted.remove(gone)
            added.remove(match)
    return Touched(tuple(added), tuple(edited), tuple(deleted), tuple(renamed))


def _same_file(old: str, new: str, before: VaultCards, after: VaultCards) -> bool:
    if before.vault.files[old] == after.vault.files[new]:
        return True
    old_ids = _ids_of(before, old)
    return bool(old_ids) and bool(old_ids & _ids_of(after, new))


def _ids_of(built: VaultCards, note: str) -> set[str]:
    """The ids of the cards *note* made in *built*."""
    return {card.id for card in built.cards if card.note == note}


@dataclass(frozen=True, slots=True)
class Rebuild:
    """One build of the watch: what set it off and what came of it."""

    changed: tuple[str, ...]
    """Vault-relative paths whose change set it off (empty for the first build)."""
    built: VaultCards | None
    """The cards read; None when the vault could not be read at all."""
    export: Export | None
    """What was written; None when the build failed or the vault has no cards yet."""
    error: str | None = None
    """Why the build failed, as a one-line message."""
    touched: Touched = Touched()
    """What happened to the files of :attr:`changed` since the last build that read the
    vault (nothing for the first build)."""


class VaultFilter:
    """Which file events matter to a vault: not hidden, not scratch, not the output."""

    def __init__(self, root: Path, output: Path) -> None:
        self.root = root.resolve()
        self.output = output.resolve()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        """True when a change to *path* may change the cards."""
        changed = Path(path)
        if changed == self.output or changed.is_relative_to(self.output):
            return False
        try:
            parts = changed.relative_to(self.root).parts
        except ValueError:
            return False
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in parts):
            return False
        return not parts or _SCRATCH.search(parts[-1]) is None

    def relative(self, path: str) -> str:
        """*path* relative to the vault, POSIX style."""
        return Path(path).relative_to(self.root).as_posix()


def watch_vault(
    root: Path,
    output: Path,
    *,
    on_build: Callable[[Rebuild], None],
    clock: Callable[[], float],
    write_deck: DeckWriter,
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    step_ms: int = STEP_MS,
) -> None:
    """Build the vault at *root* into *output*, then again after each burst of changes.

    *on_build* receives every build, the first one included. Returns when *stop* is set;
    Ctrl-C raises ``KeyboardInterrupt``. *clock* gives the build time
    (``update_outputs``'s *now*); *write_deck* writes decks. A batch of events whose files
    neither exist nor existed at the last build (an editor's scratch file) builds nothing.
    """
    check_vault_folder(root)
    events = VaultFilter(root, output)
    batches = watchfiles.watch(
        events.root,
        watch_filter=events,
        debounce=debounce_ms,
        step=step_ms,
        stop_event=stop,
        rust_timeout=POLL_MS,
        yield_on_timeout=True,
        raise_interrupt=True,  # else watchfiles logs its own line on Ctrl-C
    )
    first = True
    last: VaultCards | None = None
    # The watcher starts with the first batch (a timeout at the latest); building only
    # then means no change made during the first build can be missed.
    for batch in batches:
        if not first and not batch:
            continue
        changed = tuple(sorted({events.relative(path) for _change, path in batch}))
        known = last.vault.files if last is not None else {}
        changed = tuple(path for path in changed if path in known or (events.root / path).exists())
        if not first and not changed:
            continue  # files that came and went within the batch
        done = rebuild(root, output, () if first else changed, clock(), write_deck, last)
        last = done.built or last
        on_build(done)
        first = False


def rebuild(
    root: Path,
    output: Path,
    changed: tuple[str, ...],
    now: float,
    write_deck: DeckWriter,
    before: VaultCards | None = None,
) -> Rebuild:
    """One incremental build of watch mode; library errors become ``Rebuild.error``.

    *before* is the last build that read the vault, to tell what happened to *changed*.
    """
    try:
        built = collect(root, now=now)
    except FlashgenError as err:
        return Rebuild(changed, None, None, str(err))
    happened = touched(changed, before, built) if before is not None else Touched()
    if not built.card_count() and not built.removed:  # no empty deck, as flashgen build
        return Rebuild(changed, built, None, touched=happened)
    try:
        export = update_outputs(built, output, now=now, write_deck=write_deck)
    except FlashgenError as err:
        return Rebuild(changed, built, None, str(err), happened)
    return Rebuild(changed, built, export, touched=happened)
