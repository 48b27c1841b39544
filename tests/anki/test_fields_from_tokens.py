"""Fields rendered from the note's tokens are the HTML their Markdown renders to.

A card side that is whole blocks (or whole lines of paragraphs) of its note comes with
its HTML, rendered from the note's own tokens while the note was read
(``Card.html``); the deck fills in its images and line breaks instead of parsing the
side's Markdown again. Here every such side of the sample vault, the test fixtures, a
messy vault and notes written to be awkward is compared, field by field, with what the
string renderer gives for its Markdown, with line breaks on and off, and with its images
packed and missing.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from bench.messyvault import generate_messy_vault
from flashgen.anki.fields import from_blocks, to_html
from flashgen.build.pipeline import collect
from flashgen.markdown.render import is_plain
from flashgen.model import Card
from tests.conftest import REPO, SAMPLE_VAULT, MakeVault
from tests.helpers import PNG

FIXTURES = REPO / "tests" / "fixtures"

AWKWARD: dict[str, str | bytes] = {
    "Spaced.md": """---
tags: [flashcards]
---
# Awkward cards

Q *one
?
two* A

Q with `code
?
span` here

- List question?
?
    - answer one
    - answer two

- [ ] Task question?
?
Task answer

Q1::A1
Q2 line
?
2. not a list
more

Question with ^id
?
Answer

Question
?
Answer line one\\
Answer line two

Front **bold**
and more
?
[ref]: http://example.com
tail

Front
?
<span>html</span>
after

Multi front
line two
??
Back *emph* with $x^2$ and [[Other|link]] and ![[img.png|100]]
more back ^blk

> [!note] inside
> Callout Q
> ?
> Callout *A* and ![[gone.png]]
> more

1. Ordered question?
?
   1. nested answer
   2. second

Q with hard \x20
break
?
A with trailing spaces \x20
and more

Q
?
A  *x*
    indented continuation

Q amp
?
A &amp; B &copy; <!-- c -->
""",
    "Questions.md": """# Questions

> [!QUESTION] Embeds?
> ![[img.png|100x50]] and ![x|30](img.png) and ![[gone.png]] and ![[Other]]
> and ![[Other#Part|shown]] and [[Other#Part]], [[2024-01-01 Daily]] and [[Other|it's]]
>
> - a *list* with `code` and $$x$$
>
> ```python
> x = 1
> ```

> [!QUESTION] Texts that depend on where they sit?
> A ![[sketch.excalidraw]], [[Other|*starred*]] and [[Other#^block-1]].

> [!QUESTION]
> First paragraph asks?
>
> Second answers, with a [link](http://example.com "title").
> ^answer-id

> [!QUESTION]
> Queues
> ??
> Are first in, first out
> <!--SR:!2026-01-12,4,250!2026-01-13,5,250-->

> [!faq] Only a title
> ?
> - a *list*
> - answer

> [!question] Ends on an id alone
> An answer.
>
> ^lone-id
""",
    "Other.md": "# Other\n\n## Part\n\nText.\n",
    "img.png": PNG,
}
"""Notes whose cards stress the cut between tokens and text."""


def _case_notes() -> dict[str, str | bytes]:
    """Each case of the plugins' fixture file as the answer of a question callout (but
    front matter, which a callout cannot hold: see the test of it below)."""
    notes: dict[str, str | bytes] = {}
    for line, title, source, _html in read_fixture_file(FIXTURES / "obsidian.md"):
        if source.startswith("---"):
            continue
        body = "\n".join(f"> {text}" if text else ">" for text in source.rstrip("\n").split("\n"))
        notes[f"cases/{line:04d}.md"] = f"> [!QUESTION] {title}?\n{body}\n"
    return notes


def _compare(vault: Path) -> Counter[str]:
    """Check every side of the vault's cards; count the sides by how they are rendered."""
    built = collect(vault, cache=False, ledger=False, save=False, now=1e9)
    paths: Counter[str] = Counter()
    for card in built.cards:
        for side, markdown in (("front", card.front), ("back", card.back)):
            html = card.rendered(side)
            if html is None:
                paths["plain" if is_plain(markdown) else "parsed"] += 1
                continue
            paths[f"tokens {card.kind.value}"] += 1
            _same(card, markdown, html)
    return paths


def _same(card: Card, markdown: str, html: str) -> None:
    packed = {path: f"media-{index}.png" for index, path in enumerate(card.media)}
    for media, line_breaks in ((packed, False), (packed, True), ({}, False)):
        assert from_blocks(html, media, line_breaks=line_breaks) == to_html(
            markdown, media, line_breaks=line_breaks
        ), (card.note, card.line, markdown)


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".flashgen"))
    return target


@pytest.mark.parametrize(
    "source", [SAMPLE_VAULT, *(FIXTURES / name for name in ("quality", "spaced", "comparisons"))]
)
def test_the_sample_vault_and_the_fixtures(source: Path, tmp_path: Path) -> None:
    paths = _compare(_copy(source, tmp_path))
    assert sum(count for path, count in paths.items() if path.startswith("tokens")) > 0


def test_a_messy_vault(tmp_path: Path) -> None:
    paths = _compare(generate_messy_vault(tmp_path / "messy", 80))
    # Each common syntax's sides go by the tokens where they are the note's blocks.
    for kind in ("qa", "basic", "comparison-item", "comparison-difference"):
        assert paths[f"tokens {kind}"] > 10, paths


def test_awkward_notes(make_vault: MakeVault) -> None:
    paths = _compare(make_vault({**AWKWARD, **_case_notes()}))
    assert paths["tokens basic"] >= 8 and paths["tokens qa"] >= 25, paths


def test_sides_whose_text_is_not_their_lines_are_rendered_from_their_markdown(
    make_vault: MakeVault,
) -> None:
    built = collect(make_vault(AWKWARD), cache=False, ledger=False, save=False, now=1e9)
    by_front = {card.front: card for card in built.cards}
    # emphasis and code that span the "?" line, a task box, a list that only starts alone,
    # HTML that starts a line, a comment: their Markdown is what the deck renders
    for front in ("Q *one", "Q with `code", "Q2 line", "Front", "Q amp"):
        assert by_front[front].rendered("back") is None, front
    assert by_front["Task question?"].html == ()
    # a heading's marker and a list's are cut off the question, which is rendered alone
    assert by_front["List question?"].rendered("back") is not None
    assert by_front["Embeds?"].rendered("back") is not None
    # a drawing's "*(drawing: …)*" and a link's text with Markdown in it, whose emphasis
    # or block id depends on the text around it in the card's Markdown
    assert by_front["Texts that depend on where they sit?"].html == ()


def test_front_matter_lines_in_an_answer_are_what_obsidian_shows(make_vault: MakeVault) -> None:
    # The one place the two renderings differ, and the tokens are right: the answer's
    # Markdown alone starts with "---", read as front matter and hidden; in the note it is
    # a rule and a heading, which Obsidian shows.
    vault = make_vault(
        {"a.md": "> [!QUESTION] What is shown?\n> ---\n> tags: [a]\n> ---\n> Text\n"}
    )
    [card] = collect(vault, cache=False, ledger=False, save=False, now=1e9).cards
    html = card.rendered("back")
    assert html is not None
    assert from_blocks(html, {}) == "<hr />\n<h2>tags: [a]</h2>\n<p>Text</p>"
    assert to_html(card.back, {}) == "Text"
