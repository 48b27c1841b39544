"""obsidian-spaced-repetition's scheduling comments, ``<!--SR:!due,interval,ease-->``.

Shared by the sources that read that plugin's cards (its own syntax, and question
callouts holding it): the comment is never shown, and its groups, one per card in
order, are the cards' review history.
"""

from __future__ import annotations

import re

from flashgen.markdown.source import Delimited
from flashgen.model import SrHistory

SRGroup = SrHistory | None
"""One card's scheduling from a ``<!--SR:…-->`` comment (None: a group that is none)."""

# A run of blanks before the comment is taken from its start only (``(?<![ \t])``), and
# the comment goes through ``Delimited``: linear on any line.
SR_COMMENT = Delimited(re.compile(r"(?<![ \t])[ \t]*<!--SR:(.*?)-->"), re.compile(r"-->"))
"""A scheduling comment; group 1 holds its ``!due,interval,ease`` groups."""
_SR_GROUP_RE = re.compile(r"(\d{4}-\d{2}-\d{2}),(\d+),(\d+)")
SR_LINE_RE = re.compile(r"\s*(?:(?><!--SR:.*?-->)\s*)+")
"""A line holding scheduling comments only."""


def sr_groups(text: str) -> list[SRGroup]:
    """The ``(due, interval, ease)`` groups of the scheduling comments in *text*."""
    return [
        SrHistory.parse(due, interval, ease)
        for comment in SR_COMMENT.finditer(text)
        for due, interval, ease in _SR_GROUP_RE.findall(comment[1])
    ]


def without_sr_comments(text: str) -> str:
    """*text* without its scheduling comments (and the blanks before them)."""
    parts: list[str] = []
    last = 0
    for start, end in SR_COMMENT.spans(text):
        parts.append(text[last:start])
        last = end
    parts.append(text[last:])
    return "".join(parts)
