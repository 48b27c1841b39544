"""What the inline rules of the Obsidian plugins share."""

from __future__ import annotations

from markdown_it.rules_inline import StateInline


def starts_word(state: StateInline, marker: str) -> bool:
    """True when *marker* is at ``state.pos`` and begins a word.

    Obsidian reads ``#tag`` and ``^block-id`` only at the start of the text or after
    whitespace, so ``a#b``, ``x^2`` and URL fragments stay text.
    """
    src, start = state.src, state.pos
    return src[start] == marker and (start == 0 or src[start - 1].isspace())
