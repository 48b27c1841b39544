"""Tests for the Obsidian markdown-it plugins in ``flashgen.obsidian``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it.token import Token
from markdown_it.utils import read_fixture_file

from flashgen.markdown.parser import make_parser
from flashgen.markdown.source import find_wikilinks, replace_wikilinks
from flashgen.markdown.wikilink import IMAGE_EXTENSIONS, WikiRef, match_wikilink

FIXTURES = Path(__file__).parent.parent / "fixtures" / "obsidian.md"


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"),
    read_fixture_file(FIXTURES),
    ids=[f"{case[0]}-{case[1]}" for case in read_fixture_file(FIXTURES)],
)
def test_fixture(line: int, title: str, source: str, expected: str) -> None:
    assert make_parser().render(source) == expected


def parse(source: str) -> list[Token]:
    return make_parser().parse(source)


def children(source: str) -> list[Token]:
    """All inline child tokens of *source*, in order."""
    return [child for token in parse(source) for child in token.children or []]


def of_type(tokens: list[Token], kind: str) -> list[Token]:
    return [token for token in tokens if token.type == kind]


# --- callouts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "meta"),
    [
        ("[!QUESTION]- Why is the sky blue?", ("question", "-", "Why is the sky blue?")),
        ("[!tip]+ Open by default", ("tip", "+", "Open by default")),
        ("[!Note] Title", ("note", "", "Title")),
        ("[!my_type-2]", ("my_type-2", "", "")),
        ("[!faq]-", ("faq", "-", "")),
        ("[!info]   spaced   ", ("info", "", "spaced")),
    ],
)
def test_callout_meta(header: str, meta: tuple[str, str, str]) -> None:
    [callout] = of_type(parse(f"> {header}\n> body\n"), "callout_open")
    kind, fold, title = meta
    assert callout.meta == {"type": kind, "fold": fold, "title": title}
    assert callout.info == kind
    assert callout.tag == "div"


def test_callout_maps_and_header_removed() -> None:
    source = "intro\n\n> [!question] Q?\n> first\n> second\n\nafter\n"
    tokens = parse(source)
    types = [token.type for token in tokens]
    assert types[3:8] == [
        "callout_open",
        "paragraph_open",
        "inline",
        "paragraph_close",
        "callout_close",
    ]
    callout, paragraph, inline = tokens[3:6]
    assert callout.map == [2, 5]
    assert paragraph.map == [3, 5]
    assert inline.map == [3, 5]
    assert inline.content == "first\nsecond"
    assert tokens[7].tag == "div"


def test_callout_header_only_paragraph_removed() -> None:
    tokens = parse("> [!note] Title\n>\n> Body\n")
    assert [token.type for token in tokens] == [
        "callout_open",
        "paragraph_open",
        "inline",
        "paragraph_close",
        "callout_close",
    ]
    assert tokens[0].map == [0, 3]
    assert tokens[1].map == [2, 3]


def test_callout_header_is_a_line_of_its_own() -> None:
    # dollarmath's $$ block cannot interrupt a paragraph; after a header it must not need to.
    tokens = parse("> [!note] T\n> $$\n> x\n> $$\n")
    assert [(token.type, token.map) for token in tokens] == [
        ("callout_open", [0, 4]),
        ("math_block", [1, 4]),
        ("callout_close", None),
    ]


def test_callout_empty() -> None:
    tokens = parse("> [!note]\n")
    assert [token.type for token in tokens] == ["callout_open", "callout_close"]


def test_callout_followed_by_list() -> None:
    tokens = parse("> [!note] Steps\n> - one\n> - two\n")
    assert [token.type for token in tokens[:2]] == ["callout_open", "bullet_list_open"]
    assert tokens[1].map == [1, 3]


def test_nested_callouts() -> None:
    source = "> [!note] Outer\n> text\n> > [!warning]- Inner\n> > careful\n"
    tokens = parse(source)
    opens = of_type(tokens, "callout_open")
    assert [(token.info, token.map, token.level) for token in opens] == [
        ("note", [0, 4], 0),
        ("warning", [2, 4], 1),
    ]
    assert opens[1].meta["fold"] == "-"
    assert len(of_type(tokens, "callout_close")) == 2
    assert not of_type(tokens, "blockquote_open")


def test_plain_blockquote_inside_callout_stays() -> None:
    tokens = parse("> [!note]\n> > quoted\n> after\n")
    assert [token.type for token in tokens if token.type.endswith(("_open", "_close"))] == [
        "callout_open",
        "blockquote_open",
        "paragraph_open",
        "paragraph_close",
        "blockquote_close",
        "callout_close",
    ]


@pytest.mark.parametrize(
    "source",
    ["> just a quote\n", "> text\n> [!note] second line\n", "> [note] no bang\n", "> [!] empty\n"],
)
def test_plain_blockquote_untouched(source: str) -> None:
    tokens = parse(source)
    assert tokens[0].type == "blockquote_open"
    assert tokens[-1].type == "blockquote_close"
    assert not of_type(tokens, "callout_open")


# --- wiki-links and embeds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "meta", "display"),
    [
        ("[[Note]]", ("Note", None, None, None), "Note"),
        ("[[Note#Heading]]", ("Note", "Heading", None, None), "Note > Heading"),
        ("[[#Heading]]", ("", "Heading", None, None), "Heading"),
        ("[[Note#^block-1]]", ("Note", None, "block-1", None), "Note > ^block-1"),
        ("[[#^block-1]]", ("", None, "block-1", None), "^block-1"),
        ("[[Note|alias]]", ("Note", None, None, "alias"), "alias"),
        ("[[Note#Heading|alias]]", ("Note", "Heading", None, "alias"), "alias"),
        ("[[Note#^b|alias]]", ("Note", None, "b", "alias"), "alias"),
        ("[[ Spaced Note ]]", ("Spaced Note", None, None, None), "Spaced Note"),
        ("[[Note|400]]", ("Note", None, None, "400"), "400"),
        ("[[dir/Note.md]]", ("dir/Note.md", None, None, None), "dir/Note.md"),
    ],
)
def test_wikilink_tokens(
    source: str, meta: tuple[str, str | None, str | None, str | None], display: str
) -> None:
    tokens = children(f"see {source} now")
    [token] = of_type(tokens, "wikilink")
    assert tokens[0].content == "see "
    target, heading, block, alias = meta
    assert token.meta == {"target": target, "heading": heading, "block": block, "alias": alias}
    assert token.content == display


@pytest.mark.parametrize(
    "source",
    ["[[unclosed", "[[]]", "[[|alias]]", "[[#]]", "[[two\nlines]]", "[[a [[b", "\\[[Note]]"],
)
def test_not_a_wikilink(source: str) -> None:
    tokens = children(source)
    assert not of_type(tokens, "wikilink")
    assert not of_type(tokens, "embed")


def test_wikilink_keeps_later_link_after_stray_brackets() -> None:
    tokens = of_type(children("[[a [[b]] c"), "wikilink")
    assert [token.meta["target"] for token in tokens] == ["b"]


@pytest.mark.parametrize(
    ("source", "meta", "display"),
    [
        ("![[file.png]]", ("file.png", None, None, None, None, None), "file.png"),
        ("![[file.png|400]]", ("file.png", None, None, None, 400, None), "file.png"),
        ("![[file.png|400x300]]", ("file.png", None, None, None, 400, 300), "file.png"),
        ("![[file.png|a caption]]", ("file.png", None, None, "a caption", None, None), "a caption"),
        ("![[file.png|400px]]", ("file.png", None, None, "400px", None, None), "400px"),
        ("![[Note]]", ("Note", None, None, None, None, None), "Note"),
        ("![[Note#Heading]]", ("Note", "Heading", None, None, None, None), "Note > Heading"),
        ("![[Note#^quote]]", ("Note", None, "quote", None, None, None), "Note > ^quote"),
    ],
)
def test_embed_tokens(source: str, meta: tuple[Any, ...], display: str) -> None:
    [token] = children(source)
    assert token.type == "embed"
    keys = ("target", "heading", "block", "alias", "width", "height")
    assert token.meta == dict(zip(keys, meta, strict=True))
    assert token.content == display


def test_wikilink_in_table_with_escaped_pipe() -> None:
    source = "| a | b |\n|---|---|\n| [[Note\\|alias]] | ![[p.png\\|40]] |\n"
    tokens = children(source)
    [link] = of_type(tokens, "wikilink")
    [embed] = of_type(tokens, "embed")
    assert (link.meta["target"], link.meta["alias"]) == ("Note", "alias")
    assert (embed.meta["target"], embed.meta["width"]) == ("p.png", 40)


def test_wikilinks_in_code_are_text() -> None:
    source = "`[[Note]]` ``![[a.png]]``\n\n```\n[[Note]]\n```\n\n    [[indented]]\n"
    assert not of_type(children(source), "wikilink")
    assert not of_type(children(source), "embed")


def test_renderers_can_be_overridden() -> None:
    md = make_parser()
    md.add_render_rule(
        "wikilink", lambda self, tokens, idx, options, env: f"<{tokens[idx].meta['target']}>"
    )
    assert md.render("[[Note|alias]]") == "<p><Note></p>\n"


def test_image_extensions() -> None:
    assert ".png" in IMAGE_EXTENSIONS
    assert ".avif" in IMAGE_EXTENSIONS
    assert ".pdf" not in IMAGE_EXTENSIONS
    assert WikiRef(embed=True, target="A.PNG").is_image
    assert not WikiRef(embed=True, target="Note").is_image


# --- WikiRef, replace_wikilinks, find_wikilinks -------------------------------------------


def test_match_wikilink_gives_raw_and_fields() -> None:
    ref = match_wikilink("x ![[img.png|400x300]] y", 2)
    assert ref == WikiRef(
        embed=True,
        target="img.png",
        width=400,
        height=300,
        raw="![[img.png|400x300]]",
    )
    assert match_wikilink("x [[a]]", 0) is None
    assert match_wikilink("[[a]]", 0, 4) is None


@pytest.mark.parametrize(
    ("ref", "display"),
    [
        (WikiRef(embed=False, target="N"), "N"),
        (WikiRef(embed=False, target="N", heading="H"), "N > H"),
        (WikiRef(embed=False, target="", heading="H"), "H"),
        (WikiRef(embed=False, target="N", heading="A#B"), "N > A > B"),
        (WikiRef(embed=False, target="N", block="b"), "N > ^b"),
        (WikiRef(embed=False, target="", block="b"), "^b"),
        (WikiRef(embed=False, target="N", heading="H", alias="x"), "x"),
        (WikiRef(embed=True, target="a.png", width=4), "a.png"),
    ],
)
def test_wikiref_display(ref: WikiRef, display: str) -> None:
    assert ref.display == display


def test_token_meta_and_wikiref_agree() -> None:
    raw = "![[Note#^id|caption]]"
    [token] = children(raw)
    ref = match_wikilink(raw)
    assert ref is not None
    assert token.meta == ref.meta()
    assert token.content == ref.display


def test_replace_wikilinks() -> None:
    source = "See [[Note#Heading|this]] and ![[img.png|400]].\n[[Other]]\n"
    result = replace_wikilinks(source, lambda ref: f"<{ref.display}|{ref.embed}>")
    assert result == "See <this|False> and <img.png|True>.\n<Other|False>\n"


def test_replace_wikilinks_leaves_code_alone() -> None:
    source = (
        "a [[A]] `[[B]]` ``x ` [[C]]`` [[D]]\n"
        "```python\n"
        "[[E]]\n"
        "```\n"
        "> ~~~\n"
        "> [[F]]\n"
        "> ~~~\n"
        "- ````md\n"
        "  [[G]]\n"
        "  ````\n"
        "`unclosed [[H]]\n"
        "\\[[I]] [[J]]\n"
    )
    result = replace_wikilinks(source, lambda ref: ref.target.lower())
    assert result == source.replace("[[A]]", "a").replace("[[D]]", "d").replace(
        "`unclosed [[H]]", "`unclosed h"
    ).replace("[[J]]", "j")


def test_unclosed_fence_runs_to_the_end() -> None:
    assert replace_wikilinks("[[A]]\n```\n[[B]]\n", lambda ref: "x") == "x\n```\n[[B]]\n"


def test_code_span_does_not_cross_a_blank_line() -> None:
    source = "`open\n\n[[A]] `close`\n"
    assert replace_wikilinks(source, lambda ref: "x") == "`open\n\nx `close`\n"


def test_find_wikilinks_lines() -> None:
    source = "# Title\n\n[[A]] and ![[b.png|10]]\n```\n[[code]]\n```\nlast [[C#^id]]"
    found = find_wikilinks(source)
    assert [(line, ref.raw) for line, ref in found] == [
        (2, "[[A]]"),
        (2, "![[b.png|10]]"),
        (6, "[[C#^id]]"),
    ]
    assert found[1][1].width == 10
    assert found[2][1].block == "id"


# --- tags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("#tag", "tag"),
        ("text #nested/tag", "nested/tag"),
        ("#tag-with_dash.", "tag-with_dash"),
        ("#über", "über"),
        ("#日本語", "日本語"),
        ("#y1984", "y1984"),
        ("#123xyz", "123xyz"),
        ("#ffg", "ffg"),
        ("#fffff", "fffff"),
        ("line\n#second", "second"),
    ],
)
def test_tag(source: str, name: str) -> None:
    [token] = of_type(children(source), "tag")
    assert token.meta == {"name": name}
    assert token.content == f"#{name}"


@pytest.mark.parametrize(
    "source",
    [
        "a#b",
        "#123",
        "#fff",
        "#FF00FF",
        "#00ff00aa",
        "#abcd",
        "#123abc",
        "https://x.com/#a",
        "[text](#anchor)",
        "[#label](x)",
        "`#code`",
        "```\n#code\n```\n",
        "    #indented\n",
        "\\#escaped",
        "# heading",
        "#",
        "**#bold**",
    ],
)
def test_not_a_tag(source: str) -> None:
    assert not of_type(children(source), "tag")


# --- block ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "block_id"),
    [
        ("A fact. ^fact-1", "fact-1"),
        ("A paragraph\n^para-2", "para-2"),
        ("^alone", "alone"),
        ("- item ^Item3", "Item3"),
    ],
)
def test_block_id(source: str, block_id: str) -> None:
    tokens = children(source)
    [token] = of_type(tokens, "block_id")
    assert token.meta == {"id": block_id}
    assert tokens[-1] is token
    # The space or line break before the id goes with it.
    before = tokens[:-1][-1:]
    assert all(t.type == "text" and not t.content[-1].isspace() for t in before)


def test_block_id_on_each_list_item() -> None:
    ids = [token.meta["id"] for token in of_type(children("- a ^one\n- b ^two\n"), "block_id")]
    assert ids == ["one", "two"]


@pytest.mark.parametrize(
    "source",
    ["x^2", "$a^b$", "a ^b c", "^b middle", "line ^a\nnext", "[x ^id](url)", "^under_score"],
)
def test_not_a_block_id(source: str) -> None:
    assert not of_type(children(source), "block_id")


# --- math and highlights ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "kind", "content"),
    [
        ("$x$", "math_inline", "x"),
        ("a $x^2$ b", "math_inline", "x^2"),
        ("$$x$$", "math_block", "x"),
        ("a $$x$$ b", "math_inline_double", "x"),
        ("$x$ is 5", "math_inline", "x"),
    ],
)
def test_math(source: str, kind: str, content: str) -> None:
    tokens = parse(source) + children(source)
    [token] = [token for token in tokens if token.type.startswith("math")]
    assert (token.type, token.content) == (kind, content)


@pytest.mark.parametrize(
    "source",
    [
        "costs $5 and $10",
        "$5/$10",
        "$ x $",
        "`$x$`",
        "```\n$x$\n```\n",
        "\\$x$",
        "$x$5",
    ],
)
def test_not_math(source: str) -> None:
    tokens = parse(source) + children(source)
    assert not [token for token in tokens if token.type.startswith("math")]


def test_highlight() -> None:
    tokens = children("a ==b== c")
    assert [token.type for token in tokens] == ["text", "mark_open", "text", "mark_close", "text"]
    assert make_parser().render("x == y ==z") == "<p>x == y ==z</p>\n"


def test_front_matter_token() -> None:
    [front_matter, *_] = parse("---\ntags: [a]\n---\ntext\n")
    assert front_matter.type == "front_matter"
    assert front_matter.map == [0, 3]


# --- robustness ---------------------------------------------------------------------------

_OBSIDIAN_BITS = st.sampled_from(
    [
        *("[[", "]]", "![[", "|", "#", "^", "$", "$$", "==", "`", "```", "~~~", "[!", "]"),
        *("\n", "\n\n", " ", "> ", "- ", "a", "1", "x.png", "\\", "|---|", "#fff", "^id"),
    ]
)


@given(st.text() | st.lists(_OBSIDIAN_BITS, max_size=40).map("".join))
def test_parse_never_raises(text: str) -> None:
    md = make_parser()
    md.parse(text)
    md.render(text)


@given(st.text() | st.lists(_OBSIDIAN_BITS, max_size=40).map("".join))
def test_replace_identity(text: str) -> None:
    assert replace_wikilinks(text, lambda ref: ref.raw) == text
    for line, ref in find_wikilinks(text):
        assert ref.raw in text.split("\n")[line]
