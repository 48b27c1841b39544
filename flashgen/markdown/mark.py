"""Obsidian highlights: ``==text==`` becomes ``<mark>text</mark>``.

mdit-py-plugins has no ``mark`` plugin, so this one follows the delimiter machinery
markdown-it uses for ``~~strikethrough~~``: each ``==`` becomes a text token plus a
delimiter, ``balance_pairs`` matches openers with closers, and a post-processing rule
turns the matched pairs into ``mark_open``/``mark_close``. Unmatched ``==`` stay text.

Readers of source text find highlights with :data:`HIGHLIGHT`: ``==`` that opens before a
character that is neither a blank nor ``=``, and closes after one.
"""

from __future__ import annotations

import re
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter
from markdown_it.token import Token

from flashgen.markdown.source import Delimited

_MARKER = "="

HIGHLIGHT = Delimited(re.compile(r"==(?=[^\s=])(.+?)(?<=[^\s=])=="), re.compile(r"(?<=[^\s=])=="))
"""A highlight in a line of source text; group 1 holds what it highlights."""


def mark_plugin(md: MarkdownIt) -> None:
    """Parse ``==highlight==`` into ``mark_open``/``mark_close`` tokens (tag ``mark``)."""
    md.inline.ruler.before("emphasis", "mark", _tokenize)
    md.inline.ruler2.before("emphasis", "mark", _post_process)


def _tokenize(state: StateInline, silent: bool) -> bool:
    """Push each ``==`` of a run of ``=`` as a text token with a delimiter."""
    if silent or state.src[state.pos] != _MARKER:
        return False
    scanned = state.scanDelims(state.pos, True)
    if scanned.length < 2:
        return False
    pairs, odd = divmod(scanned.length, 2)
    # The odd ``=`` stays outside the highlight: before an opener, after a closer.
    odd_first = scanned.can_open or not scanned.can_close
    if odd and odd_first:
        state.push("text", "", 0).content = _MARKER
    for _ in range(pairs):
        state.push("text", "", 0).content = _MARKER * 2
        state.delimiters.append(
            Delimiter(
                marker=ord(_MARKER),
                length=0,  # no "rule of 3", as for strikethrough
                token=len(state.tokens) - 1,
                end=-1,
                open=scanned.can_open,
                close=scanned.can_close,
            )
        )
    if odd and not odd_first:
        state.push("text", "", 0).content = _MARKER
    state.pos += scanned.length
    return True


def _post_process(state: StateInline) -> None:
    """Turn matched ``==`` pairs into mark tokens, at every nesting level."""
    _mark_pairs(state, state.delimiters)
    for meta in state.tokens_meta:
        if meta and "delimiters" in meta:
            _mark_pairs(state, meta["delimiters"])


def _mark_pairs(state: StateInline, delimiters: list[Delimiter]) -> None:
    for opener in delimiters:
        if opener.marker != ord(_MARKER) or opener.end == -1:
            continue
        closer = delimiters[opener.end]
        _retag(state.tokens[opener.token], "mark_open", 1)
        _retag(state.tokens[closer.token], "mark_close", -1)


def _retag(token: Token, kind: str, nesting: Literal[1, -1]) -> None:
    token.type, token.tag, token.nesting = kind, "mark", nesting
    token.markup, token.content = _MARKER * 2, ""
