"""The pipeline: read the vault, parse notes, extract cards, give them ids, export."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flashgen.apkg import ApkgSummary, write_apkg
from flashgen.config import Config, load_config
from flashgen.errors import OutputError
from flashgen.extract import extract_cards, is_selected
from flashgen.files import write_atomic
from flashgen.identity import assign_ids
from flashgen.model import Card, Diagnostic
from flashgen.parse import parse_note
from flashgen.vault import VaultIndex, read_note, scan_vault

Progress = Callable[[int, int], None]
"""Called with (notes done, notes in all) as the build goes."""


@dataclass(slots=True)
class VaultCards:
    """The cards of a vault and everything said about it while making them."""

    vault: VaultIndex
    """The vault that was read."""
    config: Config
    """Its configuration."""
    cards: list[Card] = field(default_factory=list)
    """Every card, in note order."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Every problem found, in note order."""
    notes_read: int = 0
    """Notes parsed (skipped and unreadable files not counted)."""

    def kinds(self) -> Counter[str]:
        """Cards counted by kind."""
        return Counter(card.kind for card in self.cards)

    def count(self, severity: str) -> int:
        """How many diagnostics have *severity*."""
        return sum(1 for d in self.diagnostics if d.severity == severity)


def collect(root: Path, *, progress: Progress | None = None) -> VaultCards:
    """Read every note of the vault at *root* into cards. Bad notes become diagnostics."""
    vault = scan_vault(root)
    result = VaultCards(vault, load_config(vault.root))
    result.diagnostics.extend(vault.diagnostics)
    notes = vault.notes()
    cards: list[Card] = []
    for done, path in enumerate(notes, start=1):
        source, problems = read_note(vault.root, path)
        result.diagnostics.extend(problems)
        if source is not None:
            note = parse_note(source)
            result.notes_read += 1
            result.diagnostics.extend(note.diagnostics)
            if is_selected(note, result.config):
                found, problems = extract_cards(note, vault, result.config)
                cards.extend(found)
                result.diagnostics.extend(problems)
        if progress is not None:
            progress(done, len(notes))
    result.cards, problems = assign_ids(cards)
    result.diagnostics.extend(problems)
    result.diagnostics.sort(key=lambda d: (d.path, d.line))
    return result


def _write_text(handle: BinaryIO, text: str) -> None:
    handle.write(text.encode("utf-8") + b"\n")


def deck_path(out_dir: Path, built: VaultCards) -> Path:
    """Where the vault's deck goes: ``<out>/<vault name>.apkg``."""
    return out_dir / f"{built.vault.name}.apkg"


def package_timestamp(now: float, deck: Path) -> float:
    """The deck's timestamp: *now*, but always a whole second past the previous deck's.

    Anki updates a re-imported note only when the package is newer (by its whole-second
    note times) than the last import, so two builds within one second must still differ.
    """
    try:
        previous = deck.stat().st_mtime
    except OSError:
        return now
    return max(now, float(int(previous) + 1))


def write_outputs(built: VaultCards, out_dir: Path, *, now: float) -> ApkgSummary:
    """Write the deck and the card listing (``<vault>.json``) into *out_dir*.

    *now* is the build time (the CLI reads the clock); see ``package_timestamp``.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output folder {out_dir}: {err.strerror}") from err
    deck = deck_path(out_dir, built)
    summary = write_apkg(
        built.cards,
        deck,
        vault_root=built.vault.root,
        vault_name=built.vault.name,
        timestamp=package_timestamp(now, deck),
    )
    listing = json.dumps([card.to_dict() for card in built.cards], indent=1, ensure_ascii=False)
    write_atomic(out_dir / f"{built.vault.name}.json", lambda handle: _write_text(handle, listing))
    return summary
