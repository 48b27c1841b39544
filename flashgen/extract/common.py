"""What every card source shares: the note in hand, Markdown slicing and finishing."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from flashgen.config import Config
from flashgen.model import Card, Diagnostic, Severity
from flashgen.obsidian import IMAGE_EXTENSIONS, WikiRef, replace_wikilinks
from flashgen.parse import ParsedNote
from flashgen.vault import VaultIndex, leaves_vault

_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}>[ ]?")


def is_image(target: str) -> bool:
    """True when an embed target names an image file."""
    return posixpath.splitext(target)[1].lower() in IMAGE_EXTENSIONS


@dataclass(slots=True)
class NoteContext:
    """One note being turned into cards, with the vault it resolves links against."""

    note: ParsedNote
    """The parsed note."""
    vault: VaultIndex
    """The vault, for link and embed resolution."""
    config: Config
    """The vault's flashgen configuration."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems found while extracting."""
    resolved: dict[str, str | None] = field(default_factory=dict)
    """Embed target → vault path (None when missing or outside the vault)."""

    @property
    def deck(self) -> str:
        """The note's deck: frontmatter ``deck:``, else vault name and folders."""
        if self.note.deck:
            return self.note.deck.replace("/", "::")
        folder = posixpath.dirname(self.note.path)
        folders = folder.split("/") if self.config.deck_folders else []
        parts = [self.config.deck_root or self.vault.name, *(p for p in folders if p)]
        return "::".join(parts)

    def warn(self, line: int, message: str, severity: Severity = "warning") -> None:
        """Record a diagnostic at a 1-based line of this note."""
        self.diagnostics.append(Diagnostic(self.note.path, line, severity, message))

    def resolve_embeds(self) -> None:
        """Resolve every image embed of the note once, reporting missing and outside ones."""
        for embed in self.note.embeds:
            target = embed.ref.target
            if target in self.resolved:
                continue
            if leaves_vault(target, self.note.path):
                self.resolved[target] = None
                self.warn(embed.line, f"embed '{target}' points outside the vault; not read")
                continue
            found = self.vault.resolve(target, self.note.path)
            self.resolved[target] = found
            if found is None and is_image(target):
                self.warn(
                    embed.line,
                    f"image '{target}' not found in the vault; add the file or fix the name",
                )

    def card(
        self,
        kind: str,
        front: str,
        back: str,
        *,
        line: int,
        context: tuple[str, ...],
        key: tuple[str, ...],
        extra: tuple[tuple[str, str], ...] = (),
    ) -> Card:
        """Build a card of this note: finishes the Markdown and gathers its media."""
        media: list[str] = []
        front = self.finish(front, media)
        back = self.finish(back, media)
        return Card(
            id="",
            kind=kind,
            front=front,
            back=back,
            note=self.note.path,
            line=line,
            context=context,
            tags=self.note.tags,
            deck=self.deck,
            media=tuple(dict.fromkeys(media)),
            extra=extra,
            key=key,
        )

    def finish(self, markdown: str, media: list[str]) -> str:
        """Show wiki-links as their text and point image embeds at their vault path."""

        def replace(ref: WikiRef) -> str:
            if not ref.embed:
                return ref.display
            found = self.resolved.get(ref.target)
            if found is None or not is_image(found):
                # a missing image stays an embed, which the exporters show as missing
                return f"![[{ref.target}]]" if is_image(ref.target) else ref.display
            media.append(found)
            return f"![[{found}{_size(ref)}]]"

        return replace_wikilinks(markdown, replace).strip()


def _size(ref: WikiRef) -> str:
    if ref.width is None:
        return ""
    return f"|{ref.width}" + (f"x{ref.height}" if ref.height is not None else "")


def unquote(lines: list[str] | tuple[str, ...], depth: int) -> list[str]:
    """Strip *depth* levels of ``>`` blockquote markers from each line."""
    result = []
    for line in lines:
        stripped = line
        for _ in range(depth):
            stripped, count = _QUOTE_PREFIX.subn("", stripped, count=1)
            if not count:
                break
        result.append(stripped)
    return result


def split_first_paragraph(text: str) -> tuple[str, str]:
    """Split Markdown at its first blank line: (first paragraph, rest)."""
    lines = text.strip("\n").split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            return "\n".join(lines[:index]), "\n".join(lines[index + 1 :]).strip("\n")
    return "\n".join(lines), ""


# --- cloze deletions, shared by the spaced-repetition and Obsidian_to_Anki sources ---------

_CURLY_CLOZE_RE = re.compile(r"\{\{c(\d+)::(.+?)(?:::([^{}]*?))?\}\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Deletion:
    """One cloze deletion in a card's Markdown text."""

    start: int
    """Offset of its first character, markup included."""
    end: int
    """Offset just past its last character, markup (and hint) included."""
    text: str
    """The Markdown it hides."""
    hint: str
    """What the front shows instead (``[hint]``); empty for ``[...]``."""
    group: str
    """Deletions sharing a group are hidden on one card (Anki's ``c1``)."""


def curly_deletions(text: str, masked: str | None = None) -> list[Deletion]:
    """The ``{{c1::text}}`` / ``{{c1::text::hint}}`` deletions of *text*, grouped by number.

    *masked* is *text* with the parts that cannot hold a deletion (code, math) blanked
    out, offset for offset; by default nothing is.
    """
    return [
        Deletion(m.start(), m.end(), text[m.start(2) : m.end(2)], m[3] or "", f"c{m[1]}")
        for m in _CURLY_CLOZE_RE.finditer(text if masked is None else masked)
    ]


def cloze_groups(deletions: list[Deletion]) -> list[list[Deletion]]:
    """The deletions one card each hides, in order of first appearance."""
    groups: dict[str, list[Deletion]] = {}
    for deletion in deletions:
        groups.setdefault(deletion.group, []).append(deletion)
    return list(groups.values())


def cloze_sides(text: str, deletions: list[Deletion], group: str) -> tuple[str, str]:
    """Front and back of the card that asks for *group*.

    The front hides the group's deletions as ``[...]`` (or ``[hint]``), the back shows
    them highlighted; every other deletion is plain text on both sides.
    """
    front: list[str] = []
    back: list[str] = []
    last = 0
    for deletion in sorted(deletions, key=lambda d: d.start):
        front.append(text[last : deletion.start])
        back.append(text[last : deletion.start])
        if deletion.group == group:
            front.append(f"[{deletion.hint or '...'}]")
            back.append(f"=={deletion.text}==")
        else:
            front.append(deletion.text)
            back.append(deletion.text)
        last = deletion.end
    front.append(text[last:])
    back.append(text[last:])
    return "".join(front), "".join(back)
