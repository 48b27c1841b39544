"""Note parsing: frontmatter, tags, headings and embeds, with their lines."""

from __future__ import annotations

from flashgen.markdown.note import ParsedNote, parse_note
from flashgen.vault.notes import NoteSource


def parse(text: str) -> ParsedNote:
    return parse_note(NoteSource("n.md", text))


def test_frontmatter_tags_as_list_or_string_aliases_and_deck() -> None:
    note = parse("---\ntags: [a, '#b/c']\naliases: [One, Two]\ndeck: X::Y\n---\nbody #d\n")
    assert note.tags == ("a", "b/c", "d")
    assert note.aliases == ("One", "Two")
    assert note.deck == "X::Y"
    assert parse("---\ntags: a, b\n---\n").tags == ("a", "b")
    assert parse("---\ntags: a b\nalias: Solo\n---\n").tags == ("a", "b")
    assert parse("---\ntags: a b\nalias: Solo\n---\n").aliases == ("Solo",)


def test_broken_yaml_is_a_warning_at_its_line_and_the_note_is_still_read() -> None:
    note = parse("---\ntitle: ok\ntags: [a, b\nnext: 1\n---\n# Heading #t\n")
    (problem,) = note.diagnostics
    assert (problem.line, problem.severity) == (4, "warning")
    assert problem.message.startswith("frontmatter is not valid YAML")
    assert note.frontmatter == {}
    assert [h.text for h in note.headings] == ["Heading #t"]
    assert note.tags == ("t",)


def test_wrong_frontmatter_types_are_warnings() -> None:
    note = parse("---\ntags: 5\ndeck: [x]\n---\n")
    assert [d.message for d in note.diagnostics] == [
        "frontmatter 'tags' should be a list or a string; ignored",
        "frontmatter 'deck' should be a deck name such as Biology::Cells; ignored",
    ]
    assert parse("---\n- just\n- a list\n---\n").diagnostics[0].message == (
        "frontmatter is not a key: value mapping; ignored"
    )


def test_inline_tags_skip_code_colours_links_and_urls() -> None:
    note = parse(
        "#real and #nested/tag, colour #FF00FF, `#code` and [x](#anchor)\n"
        "https://example.com/#frag a#b #123\n\n```\n#fenced\n```\n"
    )
    assert note.tags == ("real", "nested/tag")


def test_headings_carry_their_path_and_display_text() -> None:
    note = parse("# Top\n## [[Autoencoders|VAE]] and **bold**\n### Deep $x$\n## Next\ntext\n")
    assert [(h.level, h.text, h.line) for h in note.headings] == [
        (1, "Top", 1),
        (2, "VAE and bold", 2),
        (3, "Deep $x$", 3),
        (2, "Next", 4),
    ]
    paragraph = next(i for i, t in enumerate(note.tokens) if t.type == "paragraph_open")
    assert note.context_at(paragraph) == ("Top", "Next")


def test_embeds_with_lines_and_sizes() -> None:
    note = parse("intro\n\n> quoted\n> ![[a.png|400]] and\n> ![[b.png|40x30]]\n\n![[Other Note]]\n")
    assert [(e.line, e.ref.target, e.ref.width, e.ref.height) for e in note.embeds] == [
        (4, "a.png", 400, None),
        (5, "b.png", 40, 30),
        (7, "Other Note", None, None),
    ]


def test_prices_and_code_dollars_are_not_math() -> None:
    note = parse("It costs $5 and $10.\n\n`echo $HOME` and $x^2$\n")
    math = [c.content for t in note.tokens for c in t.children or [] if c.type == "math_inline"]
    assert math == ["x^2"]
