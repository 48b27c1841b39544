"""The data every stage shares: diagnostics and the card model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["warning", "error"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in a note, reported as ``path:line: severity: message``."""

    path: str
    """Vault-relative POSIX path of the file (or ``flashgen.yaml``)."""
    line: int
    """1-based line number; 0 when the problem concerns the whole file."""
    severity: Severity
    """``warning`` keeps the build going; ``error`` makes it exit 1."""
    message: str
    """What is wrong and how to fix it."""

    def format(self, prefix: str = "") -> str:
        """Render as ``prefix/path:line: severity: message``."""
        location = f"{prefix}{self.path}" + (f":{self.line}" if self.line else "")
        return f"{location}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Card:
    """One flashcard, whatever syntax it came from."""

    id: str
    """Stable identity: survives edits; the Anki GUID and the review-store key."""
    kind: str
    """Where it came from: ``qa``, ``comparison-item``, ``cloze`` ..."""
    front: str
    """Question side, Markdown source; wiki-links shown as their display text."""
    back: str
    """Answer side, Markdown source; embeds rewritten to vault-relative paths."""
    note: str
    """Vault-relative POSIX path of the note the card came from."""
    line: int
    """1-based line of the card's first line in the note."""
    context: tuple[str, ...] = ()
    """Heading path above the card, outermost first."""
    tags: tuple[str, ...] = ()
    """Obsidian tags of the note and the card, without ``#``."""
    deck: str = ""
    """Anki deck name, ``::``-separated."""
    media: tuple[str, ...] = ()
    """Vault-relative paths of the images the card embeds."""
    extra: tuple[tuple[str, str], ...] = field(default=())
    """Kind-specific fields (e.g. a comparison's ``title`` and ``others``)."""
    key: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """What identifies the card within its note; the identity stage derives ``id`` from it."""

    def get(self, key: str, default: str = "") -> str:
        """Return the kind-specific field *key*."""
        return dict(self.extra).get(key, default)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with the keys ``flashgen cards --json`` promises."""
        return {
            "id": self.id,
            "kind": self.kind,
            "front": self.front,
            "back": self.back,
            "note": self.note,
            "line": self.line,
            "context": list(self.context),
            "tags": list(self.tags),
            "deck": self.deck,
            "media": list(self.media),
            **dict(self.extra),
        }
