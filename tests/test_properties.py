"""Properties that hold for any input: the parser and the card sources never raise, every
card points inside its note, the linear-time searches find what ``re`` finds."""

from __future__ import annotations

import re
from html import unescape as html_unescape
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen.anki.sanitize import sanitize_html
from flashgen.cli.terminal import printable
from flashgen.config import Config
from flashgen.identity.keys import derive_ids
from flashgen.markdown.note import parse_note
from flashgen.markdown.source import Delimited
from flashgen.sources.history import SR_COMMENT
from flashgen.sources.registry import extract_cards
from flashgen.vault.index import FileStamp, VaultIndex
from flashgen.vault.notes import NoteSource, decode_note

# Pieces of every syntax flashgen reads, so that random notes reach every rule.
FRAGMENTS = (
    *"\n \t\r>[]()!#$`*_=~:|^{}<%-?\\",
    "\n\n",
    "> ",
    "[!question] ",
    "[!faq]- ",
    "::",
    ":::",
    "\n?\n",
    "\n??\n",
    "==",
    "**",
    "{{c1::",
    "::hint}}",
    "}}",
    "[[",
    "]]",
    "![[",
    "![](",
    "#flashcards ",
    "#flashcards/Sub ",
    " ^block-1",
    "$$",
    "```\n",
    "~~~\n",
    "- ",
    "1. ",
    "---\n",
    "tags: [",
    "deck: ",
    "<!--SR:!2024-01-01,3,250-->",
    "<!--",
    "-->",
    "<%",
    "%>",
    "START\n",
    "\nEND\n",
    "Basic\n",
    "Cloze\n",
    "Back: ",
    "TARGET DECK\n",
    "FILE TAGS\n",
    "### ",
    " vs. ",
    "**A:**",
    "| a | b |\n",
    "|---|---|\n",
    "(k:: v)",
    "[k:: v]",
    "^[hint]",
    "<script>",
    "</div>",
    "<!--ID: 123-->",
    "http://x.y/",
    "x.png",
    "\x00",
    "\ud800",
    "\ufeff",
    "\x1b[31m",
    "\u2028",
    "\x85",
    "é",
    "🧠",
)

notes = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=60).map(
    "".join
)

CONFIGS = (Config(), Config(spaced_tags=(), bold_cloze=True))
"""The defaults, and every source on for every note."""

_STAMP = FileStamp(1, 1)
VAULT = VaultIndex(
    root=Path("/nowhere"),
    files={"a.md": _STAMP, "dir/note.md": _STAMP, "x.png": _STAMP, "dir/x.png": _STAMP},
)

fast = settings(max_examples=300, deadline=None, database=None)


def _check_note(note_text: str, path: str, config: Config) -> None:
    note = parse_note(NoteSource(path, note_text))
    cards, problems = extract_cards(note, VAULT, config)
    lines = len(note.lines)
    for card in cards:
        assert 1 <= card.line <= lines, (card, lines)
        assert card.note == path
    for diagnostic in (*note.diagnostics, *problems):
        assert 0 <= diagnostic.line <= lines, (diagnostic, lines)
    with_ids, _ = derive_ids(cards)  # ids hash the text: it must be encodable
    for card in with_ids:
        "\0".join((card.front, card.back, card.deck, *card.tags)).encode("utf-8")


@fast
@given(notes, st.sampled_from(CONFIGS), st.sampled_from(("a.md", "dir/note.md")))
def test_any_text_parses_and_every_card_points_inside_its_note(
    text: str, config: Config, path: str
) -> None:
    _check_note(text, path, config)


@fast
@given(st.text(), st.sampled_from(CONFIGS))
def test_any_unicode_text_parses(text: str, config: Config) -> None:
    _check_note(text, "a.md", config)


@fast
@given(st.binary(max_size=400) | notes.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_decode_and_parse(data: bytes) -> None:
    source, problems = decode_note("a.md", data)
    for problem in problems:
        assert problem.line >= 0
    if source is not None:
        assert "\r" not in source.text and "\0" not in source.text
        _check_note(source.text, "a.md", CONFIGS[1])


# The linear-time searches of ``Delimited`` find exactly what ``re`` finds.

SEARCHES = (
    Delimited(re.compile(r"!?\[\[.*?\]\]"), re.compile(r"\]\]")),
    Delimited(re.compile(r"==(?=[^\s=])(.+?)(?<=[^\s=])=="), re.compile(r"(?<=[^\s=])==")),
    Delimited(re.compile(r"\]\([^)]*\)"), re.compile(r"\)"), multiline=True),
    Delimited(re.compile(r"\[[^\[\]]*?::[^\]]*\]"), re.compile(r"\]"), multiline=True),
    Delimited(
        re.compile(r"\{\{c(\d+)::(.+?)(?:::([^{}]*?))?\}\}", re.DOTALL),
        re.compile(r"\}\}"),
        multiline=True,
    ),
    SR_COMMENT,
)
delimited_text = st.lists(
    st.sampled_from(
        (*"![]()={}\n\t a", "[[", "]]", "==", "](", "::", "{{c1::", "}}", "<!--SR:", "-->")
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None, database=None)
@given(delimited_text, st.sampled_from(SEARCHES))
def test_delimited_search_finds_what_re_finds(text: str, search: Delimited) -> None:
    expected = [found.span() for found in search.pattern.finditer(text)]
    assert list(search.spans(text)) == expected


# Output safety


@fast
@given(st.text() | notes)
def test_printable_text_holds_no_control_character(text: str) -> None:
    shown = printable(text)
    assert not any(
        (ord(char) < 0x20 and char not in "\t\n") or 0x7F <= ord(char) < 0xA0 for char in shown
    )


html = st.lists(
    st.sampled_from(
        (
            *("<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:x'>"),
            *("<iframe>", "</iframe>", "<b>", "</b>", "<svg>", "<style>", "<p title='", "<!--"),
            *("-->", "onclick", "text", "&amp;", *"<>&\"'= /"),
        )
    )
    | st.text(max_size=3),
    max_size=30,
).map("".join)


@settings(
    max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(html)
def test_sanitized_html_holds_no_script_and_is_stable(markup: str) -> None:
    clean = sanitize_html(markup)
    lowered = clean.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<style" not in lowered
    for tag in re.findall(r"<[^<>]*>", lowered):  # text is escaped: these are real tags
        # written back as name="value" (value escaped), so this reads them all
        for name, value in re.findall(r'\s([^\s="]+)(?:="([^"]*)")?', tag):
            assert not name.startswith("on")
            assert not re.sub(r"[\x00-\x20]", "", html_unescape(value)).startswith("javascript:")
    assert sanitize_html(clean) == clean
