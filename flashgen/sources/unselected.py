"""Why a note that holds flashcard syntax is not read as flashcards, and how to fix it.

obsidian-spaced-repetition reads only notes tagged ``#flashcards`` (``spaced.tags``).
A note written in its syntax but without the tag, or with a damaged tag (``#flashcrds``,
a ``#flashcards`` pasted onto a word, which Obsidian reads as no tag), silently makes no
cards; the spaced-repetition source tells the user once per note, with these words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from flashgen.markdown.note import ParsedNote
from flashgen.markdown.source import code_spans, mask

_NEAR = 0.8
"""How alike a tag must be to a flashcard tag to be taken for a misspelling of it."""


@dataclass(frozen=True, slots=True)
class Unselected:
    """Why a note is not read as flashcards."""

    why: str
    """What is wrong, in a few words."""
    fix: str
    """How to make its cards."""
    damaged: bool
    """True when the note has a damaged flashcard tag: the author meant it as flashcards."""

    def message(self, cards: int) -> str:
        """``{N} card(s) not made: flashcard syntax but no flashcard tag ({why}); {fix}``."""
        noun = "card" if cards == 1 else "cards"
        return (
            f"{cards} {noun} not made: flashcard syntax but no flashcard tag ({self.why});"
            f" {self.fix}"
        )


def why_unselected(note: ParsedNote, tags: Sequence[str]) -> Unselected:
    """Why *note*, which carries none of *tags*, is not read: a damaged tag, or none."""
    wanted = tags[0].strip("/")
    for tag in note.tags:
        top = tag.split("/", 1)[0]
        for name in tags:
            if SequenceMatcher(None, top.lower(), name.lower().strip("/")).ratio() >= _NEAR:
                return Unselected(
                    f"'#{tag}' is not '#{name}'", f"write #{name} to make them", damaged=True
                )
    pasted = _pasted_tag(note, tags)
    if pasted is not None:
        return Unselected(
            f"'{pasted}' is no tag: a tag needs a space before its '#'",
            "put a space before the '#' to make them",
            damaged=True,
        )
    return Unselected(
        f"the note has no #{wanted}",
        f"add #{wanted} to the note (or to its frontmatter tags) to make them",
        damaged=False,
    )


def _pasted_tag(note: ParsedNote, tags: Sequence[str]) -> str | None:
    """A flashcard tag glued to the word before it (``word#flashcards``), as written."""
    names = "|".join(re.escape(name.strip("/")) for name in tags)
    pattern = re.compile(rf"\S+#(?:{names})\b", re.IGNORECASE)
    for line in note.lines:
        if "#" not in line:
            continue
        found = pattern.search(mask(line, [code_spans]))
        if found is not None and not found[0].startswith(("#", "[", "(")):
            return line[found.start() : found.end()]
    return None
