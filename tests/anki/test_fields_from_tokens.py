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

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from markdown_it.common.utils import escapeHtml
from markdown_it.utils import read_fixture_file

from bench.messyvault import generate_messy_vault
from flashgen.anki.fields import from_blocks, to_html
from flashgen.build.pipeline import collect
from flashgen.markdown.render import is_plain
from flashgen.markdown.wikilink import match_wikilink
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

- Lazy question
?
lazy answer
==
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


_PIECES = (
    "word", "*em*", "**strong**", "`code`", "$x^2$", "[[Other|link]]", "[[Other#Part]]",
    "![[img.png|50]]", "==hi==", "~~del~~", "<b>b</b>", "&amp;", "a_b_c", "#tag",
    "[l](http://x.y)", "\\*", "x  ", "*open", "close*", "`open", "2.", "1)", "- ", "> ",
    "<span>", "[ref]", "'q'", '"dq"', "(p)", "!", "~", "==", "$5", "$$y$$",
)  # fmt: skip
"""What the generated lines are made of: marks that may open, close or span lines."""
_INDENTS = ("", "", "", "- ", "  - ", "    - ", "1. ", "2) ", "> ", "   ", "# ", "* ")


def _generated_notes(seed: int, notes: int = 40) -> dict[str, str | bytes]:
    """Notes of spaced-repetition cards (``?``/``??`` blocks, in the text or a question
    callout) and question callouts whose lines are random runs of :data:`_PIECES`."""
    rng = random.Random(seed)

    def line() -> str:
        return rng.choice(_INDENTS) + " ".join(
            rng.choice(_PIECES) for _ in range(rng.randint(1, 5))
        )

    def card() -> str:
        asks = [line() for _ in range(rng.randint(1, 3))]
        answers = [line() for _ in range(rng.randint(1, 4))]
        lines = [*asks, rng.choice(["?", "??"]), *answers]
        shape = rng.random()
        if shape < 0.3:
            return "\n".join(f"> {text}" for text in ["[!QUESTION]", *lines])
        if shape < 0.5:
            return "> [!QUESTION] Title\n" + "\n".join(f"> {text}" for text in answers)
        return "\n".join(lines)

    files: dict[str, str | bytes] = {"img.png": PNG, "Other.md": "# Other\n## Part\n"}
    for index in range(notes):
        cards = "\n\n".join(card() for _ in range(6))
        files[f"n{index}.md"] = f"---\ntags: [flashcards]\n---\n{cards}\n"
    return files


_CODE_RE = re.compile(r'<pre><code>.*?</code></pre>|<div class="math">.*?</div>', re.DOTALL)
_LINK_RE = re.compile(r"!?\[\[[^\]\n]*\]\]")


def _links_as_text(html: str) -> str:
    """*html* with the wiki-links in its code and math as a card's Markdown has them (their
    text), which is no HTML Obsidian shows (see the test of code and math below)."""

    def text(found: re.Match[str]) -> str:
        ref = match_wikilink(found[0])
        return found[0] if ref is None else escapeHtml(ref.display)

    return _CODE_RE.sub(lambda block: _LINK_RE.sub(text, block[0]), html)


def _compare(vault: Path, *, links_in_code: bool = False) -> Counter[str]:
    """Check every side of the vault's cards; count the sides by how they are rendered.
    With *links_in_code*, wiki-links in code and math count as their text."""
    built = collect(vault, cache=False, ledger=False, save=False, now=1e9)
    paths: Counter[str] = Counter()
    for card in built.cards:
        for side, markdown in (("front", card.front), ("back", card.back)):
            html = card.rendered(side)
            if html is None:
                paths["plain" if is_plain(markdown) else "parsed"] += 1
                continue
            paths[f"tokens {card.kind.value}"] += 1
            _same(card, markdown, html, links_in_code)
    return paths


def _same(card: Card, markdown: str, html: str, links_in_code: bool = False) -> None:
    packed = {path: f"media-{index}.png" for index, path in enumerate(card.media)}
    for media, line_breaks in ((packed, False), (packed, True), ({}, False)):
        ours = from_blocks(html, media, line_breaks=line_breaks)
        if links_in_code:
            ours = _links_as_text(ours)
        assert ours == to_html(markdown, media, line_breaks=line_breaks), (
            card.note,
            card.line,
            markdown,
        )


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


@pytest.mark.parametrize("seed", range(4))
def test_generated_notes(seed: int, make_vault: MakeVault) -> None:
    paths = _compare(make_vault(_generated_notes(seed)), links_in_code=True)
    assert paths["tokens basic"] + paths["tokens qa"] > 100, paths


def test_sides_whose_text_is_not_their_lines_are_rendered_from_their_markdown(
    make_vault: MakeVault,
) -> None:
    built = collect(make_vault(AWKWARD), cache=False, ledger=False, save=False, now=1e9)
    by_front = {card.front: card for card in built.cards}
    # emphasis and code that span the "?" line, a task box, a list that only starts alone,
    # HTML that starts a line, a comment: their Markdown is what the deck renders
    # and a lazy line of a list item that, alone, underlines a heading
    for front in ("Q *one", "Q with `code", "Q2 line", "Front", "Q amp", "Lazy question"):
        assert by_front[front].rendered("back") is None, front
    assert by_front["Task question?"].html == ()
    # a heading's marker and a list's are cut off the question, which is rendered alone
    assert by_front["List question?"].rendered("back") is not None
    assert by_front["Embeds?"].rendered("back") is not None
    # a drawing's "*(drawing: …)*" and a link's text with Markdown in it, whose emphasis
    # or block id depends on the text around it in the card's Markdown
    assert by_front["Texts that depend on where they sit?"].html == ()


def test_front_matter_lines_in_an_answer_are_what_obsidian_shows(make_vault: MakeVault) -> None:
    # Where the two renderings differ, the tokens are right: the answer's Markdown alone
    # starts with "---", read as front matter and hidden; in the note it is a rule and a
    # heading, which Obsidian shows.
    vault = make_vault(
        {"a.md": "> [!QUESTION] What is shown?\n> ---\n> tags: [a]\n> ---\n> Text\n"}
    )
    [card] = collect(vault, cache=False, ledger=False, save=False, now=1e9).cards
    html = card.rendered("back")
    assert html is not None
    assert from_blocks(html, {}) == "<hr />\n<h2>tags: [a]</h2>\n<p>Text</p>"
    assert to_html(card.back, {}) == "Text"


def test_code_and_math_are_what_obsidian_shows(make_vault: MakeVault) -> None:
    # The card's Markdown has its wiki-links replaced by their text, in indented code and
    # math too, and its first line's indent cut: alone, an indented code block at the top
    # of a comparison item is a list. The note's tokens keep code and math as written.
    vault = make_vault(
        {
            "a.md": "> [!QUESTION] Which code?\n>     see [[Other]]\n>\n> $$\n> [[Other]]\n> $$\n",
            "b.md": "## TCP vs. UDP\n\n### TCP\n    - handshake\n\n### UDP\n- datagrams\n",
            "Other.md": "# Other\n",
        }
    )
    built = collect(vault, cache=False, ledger=False, save=False, now=1e9)
    by_front = {card.front: card for card in built.cards}
    question = by_front["Which code?"]
    html = from_blocks(question.rendered("back") or "", {})
    assert html == (
        '<pre><code>see [[Other]]\n</code></pre>\n<div class="math">\\[[[Other]]\\]</div>'
    )
    assert "see Other" in to_html(question.back, {})
    tcp = by_front["What characterises **TCP** compared with UDP?"]
    assert from_blocks(tcp.rendered("back") or "", {}) == "<pre><code>- handshake\n</code></pre>"
    assert to_html(tcp.back, {}) == "<ul>\n<li>handshake</li>\n</ul>"
