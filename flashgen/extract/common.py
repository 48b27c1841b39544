"""What every card source shares: the note in hand, Markdown slicing and finishing."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
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


# --- searching in linear time ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delimited:
    """A pattern for text between an opener and a closer, found in linear time.

    ``re`` retries a failed search at every later opener, and each retry looks for a
    closer to the end of the line: a pasted line of 10,000 ``[[`` or ``$`` took seconds.
    Searching each line only up to the end of its last closer makes every retry stop at
    a closer instead. *closer* must match wherever the pattern's own closer does,
    lookarounds included, and an opener must match up to the first closer after it:
    the first on its line, or with *multiline* (a ``DOTALL`` pattern, or a body such as
    ``[^)]*`` that takes line breaks) the first in the text.
    """

    pattern: re.Pattern[str]
    """Opener, body and closer."""
    closer: re.Pattern[str]
    """The closer alone."""
    multiline: bool = False
    """True when a match may span lines."""

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The matches of :attr:`pattern` in *text*, as ``pattern.finditer`` finds them."""
        for start, end in self._regions(text):
            yield from self.pattern.finditer(text, start, end)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each match."""
        return (found.span() for found in self.finditer(text))

    def _regions(self, text: str) -> Iterator[tuple[int, int]]:
        """Each line that holds a closer, from its start to the end of its last closer."""
        if self.multiline:
            last = max((found.end() for found in self.closer.finditer(text)), default=-1)
            if last >= 0:
                yield 0, last
            return
        start = last = line_end = -1
        for found in self.closer.finditer(text):
            if found.start() > line_end:  # the first closer of a later line
                if last >= 0:
                    yield start, last
                start = text.rfind("\n", 0, found.start()) + 1
                line_end = text.find("\n", found.start())
                line_end = len(text) if line_end < 0 else line_end
            last = found.end()
        if last >= 0:
            yield start, last


Finder = Callable[[str], Iterator[tuple[int, int]]]
"""Finds spans in a text: ``(start, end)`` offsets, in order, not overlapping."""


def pattern_spans(pattern: re.Pattern[str]) -> Finder:
    """The spans of a pattern that needs no :class:`Delimited` (each try stops early)."""
    return lambda text: (found.span() for found in pattern.finditer(text))


def mask(text: str, finders: Sequence[Finder]) -> str:
    """*text* with every span the *finders* find blanked out by NULs, offset for offset.

    Each finder searches the text the finders before it left.
    """
    for find in finders:
        parts: list[str] = []
        last = 0
        for start, end in find(text):
            parts += (text[last:start], "\0" * (end - start))
            last = end
        if parts:
            parts.append(text[last:])
            text = "".join(parts)
    return text


_BACKTICKS_RE = re.compile(r"`+")


def code_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each inline code span of *text*, line by line.

    A run of backticks opens a span that the next run of the same length on its line
    closes, as in CommonMark; a run with no such closer is text. Each run is looked at
    once, so a line of unmatched backticks takes linear time.
    """
    if "`" not in text:
        return
    offset = 0
    for line in text.split("\n"):
        yield from _line_code_spans(line, offset)
        offset += len(line) + 1


def _line_code_spans(line: str, offset: int) -> Iterator[tuple[int, int]]:
    runs = [(found.start(), len(found[0])) for found in _BACKTICKS_RE.finditer(line)]
    ahead: dict[int, list[int]] = {}  # run length -> starts of the runs still ahead, last first
    for start, length in reversed(runs):
        ahead.setdefault(length, []).append(start)
    taken = 0
    for start, length in runs:
        closers = ahead[length]
        closers.pop()  # this run
        if start >= taken and closers:
            taken = closers[-1] + length
            yield offset + start, offset + taken


# --- cloze deletions, shared by the spaced-repetition and Obsidian_to_Anki sources ---------

_CURLY_CLOZE = Delimited(
    re.compile(r"\{\{c(\d+)::(.+?)(?:::([^{}]*?))?\}\}", re.DOTALL),
    re.compile(r"\}\}"),
    multiline=True,
)


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
        for m in _CURLY_CLOZE.finditer(text if masked is None else masked)
    ]


MAX_CLOZE_CHARACTERS = 5_000_000
"""Most characters the cloze cards of one text may hold together, each holding the whole
text: a pasted log full of ``==`` would make thousands of cards of a megabyte each."""


def cloze_overflow(text: str, cards: int) -> str | None:
    """Why *text* makes none of its *cards* cloze cards, or None when they are not too large."""
    total = len(text) * cards
    if total <= MAX_CLOZE_CHARACTERS:
        return None
    return (
        f"{cards:,} cloze deletions in a text of {len(text):,} characters would make cards of"
        f" {total:,} characters in all (at most {MAX_CLOZE_CHARACTERS:,}); no cloze card is"
        " made from it: split it with blank lines"
    )


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
