"""Helpers over Markdown source text, for the readers that work on lines and offsets.

The parser's tokens say which block a line belongs to, but not where inline syntax sits
within a line. The spaced-repetition reader and the card finishing step work on source
text, so they find code spans, wiki-links and the like here, with the same rules as the
parser's plugins, in linear time whatever the text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from flashgen.markdown.wikilink import WikiRef, match_markdown_image, match_wikilink

LIST_MARKER = r"(?:[-+*]|\d{1,9}[.)])"
"""A list item's marker: a bullet, or a number followed by ``.`` or ``)``."""
_LIST_MARKER_RE = re.compile(rf"[ \t]*{LIST_MARKER}(?:[ \t]+|$)")


_TASK_BOX_RE = re.compile(r"\[.\][ \t]+")


def list_marker(line: str) -> re.Match[str] | None:
    """The list marker that opens *line* (its indent and the blanks after it), if any.

    Only at the start: "5 - 3" holds no marker. A task box ``[ ]`` is not part of it.
    """
    return _LIST_MARKER_RE.match(line)


def strip_list_marker(line: str) -> str:
    """*line* without the list marker (and task box) it opens with, if any."""
    found = list_marker(line)
    if found is None or found.end() == len(line):
        return line
    rest = line[found.end() :]
    box = _TASK_BOX_RE.match(rest)
    return rest if box is None else rest[box.end() :]


_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}>[ ]?")


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
    """``(start, end)`` of each inline code span of *text*.

    As in CommonMark, a run of backticks opens a span that the next run of the same
    length closes, within one paragraph (a blank line ends it); a run with no such
    closer is text. Each run is looked at once, so unmatched backticks take linear time.
    """
    if "`" not in text:
        return
    start = 0
    for blank in _BLANK_LINE_RE.finditer(text):
        yield from _paragraph_code_spans(text, start, blank.start())
        start = blank.end()
    yield from _paragraph_code_spans(text, start, len(text))


def _paragraph_code_spans(text: str, begin: int, end: int) -> Iterator[tuple[int, int]]:
    runs = [(found.start(), len(found[0])) for found in _BACKTICKS_RE.finditer(text, begin, end)]
    ahead: dict[int, list[int]] = {}  # run length -> starts of the runs still ahead, last first
    for start, length in reversed(runs):
        ahead.setdefault(length, []).append(start)
    taken = 0
    for start, length in runs:
        closers = ahead[length]
        closers.pop()  # this run
        if start >= taken and closers:
            taken = closers[-1] + length
            yield start, taken


_BLANK_LINE_RE = re.compile(r"\n[ \t>]*\n")
"""A blank line, also inside a blockquote: it ends a paragraph."""


# --- comments ------------------------------------------------------------------------------

_COMMENT_RE = re.compile(r"<!--.*?-->|%%.*?%%", re.DOTALL)


def strip_comments(source: str) -> str:
    """*source* without its comments, which Obsidian never shows: HTML comments
    (``<!-- … -->``) and Obsidian's own (``%% … %%``, inline or over several lines).

    Comments in fenced code and code spans are code, and stay. A line that held only
    comments goes; a line that held text keeps it, without the blanks the comment left.
    An unclosed ``<!--`` or ``%%`` is text.
    """
    if "<!--" not in source and "%%" not in source:
        return source
    parts: list[str] = []
    last = 0
    for seg_start, seg_end in _prose_segments(source):
        masked = mask(source[seg_start:seg_end], [code_spans])
        for found in _COMMENT_RE.finditer(masked):
            parts += (source[last : seg_start + found.start()], "\0")
            last = seg_start + found.end()
    if not parts:
        return source
    parts.append(source[last:])
    lines = []
    for line in "".join(parts).split("\n"):
        if "\0" not in line:
            lines.append(line)
        elif line.replace("\0", "").strip():
            lines.append(line.replace(" \0 ", " ").replace("\0", "").rstrip())
    return "\n".join(lines)


# --- wiki-links and embeds in source text ------------------------------------------------

# A fence may sit inside blockquotes and list items: ``> - ```python``.
_CONTAINER = rf"(?:[ \t]*(?:>|{LIST_MARKER}[ \t]))*[ \t]*"
_FENCE_OPEN_RE = re.compile(_CONTAINER + r"(`{3,}|~{3,})(.*)")
_FENCE_CLOSE_RE = re.compile(_CONTAINER + r"(`{3,}|~{3,})[ \t]*")
_INTERESTING_RE = re.compile(r"[\\`\[!]")


def replace_wikilinks(source: str, replace: Callable[[WikiRef], str]) -> str:
    """Return *source* with each wiki-link and embed replaced by ``replace(ref)``.

    Markdown images of vault files (``![alt](path.png)``) count as embeds too.

    Links inside fenced code blocks and inline code spans are left alone.
    """
    parts: list[str] = []
    last = 0
    for start, ref in _scan(source):
        parts += (source[last:start], replace(ref))
        last = start + len(ref.raw)
    parts.append(source[last:])
    return "".join(parts)


def find_wikilinks(source: str) -> list[tuple[int, WikiRef]]:
    """Return ``(line, ref)`` for each wiki-link and embed outside code; lines are 0-based."""
    line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
    return [(bisect.bisect_right(line_starts, start) - 1, ref) for start, ref in _scan(source)]


def _scan(source: str) -> Iterator[tuple[int, WikiRef]]:
    """Yield ``(offset, ref)`` for each link outside fenced code and code spans."""
    for seg_start, seg_end in _prose_segments(source):
        spans = dict(code_spans(source[seg_start:seg_end]))
        pos = seg_start
        while (found := _INTERESTING_RE.search(source, pos, seg_end)) is not None:
            pos = found.start()
            char = source[pos]
            if char == "\\":
                pos += 2
            elif char == "`":
                run = _BACKTICKS_RE.match(source, pos)
                assert run is not None  # pos is at a backtick
                span_end = spans.get(pos - seg_start)
                pos = run.end() if span_end is None else seg_start + span_end
            elif (ref := match_wikilink(source, pos, seg_end)) is not None or (
                ref := match_markdown_image(source, pos, seg_end)
            ) is not None:
                yield pos, ref
                pos += len(ref.raw)
            else:
                pos += 1


def _prose_segments(source: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of the runs of lines outside fenced code blocks."""
    offset = seg_start = 0
    fence: str | None = None
    for line in source.split("\n"):
        body = line.removesuffix("\r")
        if fence is None:
            opening = _FENCE_OPEN_RE.fullmatch(body)
            # A backtick fence's info string may not contain a backtick.
            if opening and not (opening[1][0] == "`" and "`" in opening[2]):
                fence = opening[1]
                yield seg_start, offset
        else:
            closing = _FENCE_CLOSE_RE.fullmatch(body)
            if closing and closing[1][0] == fence[0] and len(closing[1]) >= len(fence):
                fence = None
                seg_start = offset + len(line) + 1
        offset += len(line) + 1
    if fence is None:
        yield seg_start, len(source)
