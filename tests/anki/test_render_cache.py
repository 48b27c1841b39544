"""The export renders only what changed: the render cache, and text that skips the parser."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import flashgen.anki.render_cache
from flashgen.anki.fields import to_html, to_inline_html
from flashgen.anki.package import write_apkg
from flashgen.build.outputs import DeckSummary, update_outputs
from flashgen.build.pipeline import collect
from flashgen.build.state import load_state, save_state
from flashgen.markdown import render
from flashgen.model import Card, CardKind, Diagnostic
from tests.conftest import MakeVault
from tests.helpers import PNG, QA

T0 = 1_700_000_000.0
NOW = 1_800_000_000.0


# Plain text


def parsed_html(markdown: str) -> str:
    """What ``to_html`` gives when the text goes through the parser."""
    html: str = render.field_parser().render(markdown, {}).strip("\n")
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


@given(st.from_regex(render._PLAIN, fullmatch=True))
def test_text_that_skips_the_parser_is_what_the_parser_gives(text: str) -> None:
    assert parsed_html(text) == text
    assert render.field_parser().renderInline(text, {}) == text


@pytest.mark.parametrize(
    "text",
    ["Note 3", "What is 2+2? — four, it's (x/y) 50% @home: yes!", "Ça va", "Alpha0 vs. Beta0", ""],
)
def test_plain_text_is_its_own_html(text: str) -> None:
    assert render._PLAIN.fullmatch(text)
    assert to_html(text, {}) == to_inline_html(text, {}) == parsed_html(text) == text


@pytest.mark.parametrize(
    "text",
    ["1. one", "- item", "a  ", "a\nb", "#tag", "a_b_", "a <b>", "x & y", 'say "hi"', "$x$"],
)
def test_other_text_goes_through_the_parser(text: str) -> None:
    assert not render._PLAIN.fullmatch(text)


# The render cache, package by package


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Markdown of every field rendered from now on."""
    seen: list[str] = []
    field_html = flashgen.anki.render_cache._field_html

    def counting(
        markdown: str,
        media: Mapping[str, str],
        *,
        inline: bool = False,
        sanitize: bool = False,
        line_breaks: bool = False,
        rendered: str | None = None,
    ) -> str:
        seen.append(markdown)  # from its Markdown, or from the HTML its note gave it
        return field_html(
            markdown,
            media,
            inline=inline,
            sanitize=sanitize,
            line_breaks=line_breaks,
            rendered=rendered,
        )

    monkeypatch.setattr(flashgen.anki.render_cache, "_field_html", counting)
    return seen


QUESTION = Card(
    id="q1",
    kind=CardKind.QA,
    front="What is *this*?",
    back="![[img.png|100]] and $x$",
    note="a.md",
    line=3,
    context=("Top", "Part"),
    media=("img.png",),
)
COMPARISON = Card(
    id="c1",
    kind=CardKind.COMPARISON_ITEM,
    front="GAN",
    back="- adversarial",
    note="b.md",
    line=7,
    extra=(("title", "GAN vs VAE"), ("others", "VAE")),
)
OTHER = Card(id="q2", kind=CardKind.QA, front="Other?", back="**yes**", note="b.md", line=1)
CARDS = (QUESTION, COMPARISON, OTHER)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "img.png").write_bytes(PNG)
    return root


def package(cards: tuple[Card, ...], vault: Path, out: Path, cache: Path | None) -> DeckSummary:
    return write_apkg(
        cards, out, vault_root=vault, vault_name="vault", timestamp=T0, render_cache=cache
    )


def test_a_second_package_renders_only_the_cards_that_changed(
    vault: Path, tmp_path: Path, renders: list[str]
) -> None:
    cache = tmp_path / "out" / ".deck.render"
    out = tmp_path / "out" / "deck.apkg"
    package(CARDS, vault, out, cache)
    first = out.read_bytes()
    assert len(renders) == 10 and cache.is_file()  # a call a field, and a context heading

    renders.clear()
    package(CARDS, vault, out, cache)
    assert renders == [] and out.read_bytes() == first

    edited = dataclasses.replace(OTHER, back="**no**")
    package((QUESTION, COMPARISON, edited), vault, out, cache)
    assert renders == ["Other?", "**no**"]

    renders.clear()
    (vault / "img.png").write_bytes(PNG + b"changed")  # a new media name for the image
    package((QUESTION, COMPARISON, edited), vault, out, cache)
    assert renders == ["Top", "Part", QUESTION.front, QUESTION.back]


def test_the_cache_keeps_only_the_cards_of_the_last_package(
    vault: Path, tmp_path: Path, renders: list[str]
) -> None:
    cache = tmp_path / ".deck.render"
    package(CARDS, vault, tmp_path / "deck.apkg", cache)
    package((OTHER,), vault, tmp_path / "deck.apkg", cache)
    _header, body = load_state(cache)
    assert len(body) == 1
    renders.clear()
    package(CARDS, vault, tmp_path / "deck.apkg", cache)
    assert len(renders) == 8


def test_a_damaged_foreign_or_outdated_cache_is_rendered_afresh(
    vault: Path, tmp_path: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    package(CARDS, vault, tmp_path / "plain.apkg", None)
    expected = (tmp_path / "plain.apkg").read_bytes()
    cache = tmp_path / ".deck.render"
    out = tmp_path / "deck.apkg"
    package(CARDS, vault, out, cache)
    header, body = load_state(cache)

    def damaged() -> None:
        cache.write_bytes(cache.read_bytes()[:-20])

    def forged() -> None:  # well-formed, with a checksum, but fields that are no text
        save_state(cache, header, {key: (1, 2, 3) for key in body})

    def outdated() -> None:
        monkeypatch.setattr(
            flashgen.anki.render_cache, "_render_stamp", lambda: ("another flashgen",)
        )

    for spoil in (damaged, forged, lambda: cache.write_bytes(b"junk"), cache.unlink, outdated):
        spoil()
        renders.clear()
        assert package(CARDS, vault, out, cache).diagnostics == ()
        assert len(renders) == 10 and out.read_bytes() == expected
        renders.clear()
        package(CARDS, vault, out, cache)  # rewritten, and good again
        assert renders == []


def test_an_unwritable_cache_does_not_fail_the_package(vault: Path, tmp_path: Path) -> None:
    cache = tmp_path / "not-a-folder" / ".deck.render"
    cache.parent.write_text("a file")
    summary = package(CARDS, vault, tmp_path / "deck.apkg", cache)
    assert summary.notes == 3 and (tmp_path / "deck.apkg").is_file()


# Through a build


def test_a_one_note_edit_renders_that_notes_cards_only(
    make_vault: MakeVault, tmp_path: Path, renders: list[str]
) -> None:
    vault = make_vault(
        {
            "a.md": QA.format(q="A1?", a="*a*") + "\n" + QA.format(q="A2?", a="*b*"),
            "b.md": QA.format(q="B1?", a="*c*"),
        }
    )
    out = tmp_path / "out"
    update_outputs(collect(vault, now=NOW), out, now=NOW, write_deck=write_apkg)
    assert len(renders) == 6 and not (out / ".vault.apkg.render").exists()  # the parts serve
    renders.clear()
    (vault / "b.md").write_text(QA.format(q="B1?", a="*see*"))
    export = update_outputs(collect(vault, now=NOW + 10), out, now=NOW + 10, write_deck=write_apkg)
    assert export.summary_line() == "+0 new ~1 changed -0 removed =2 unchanged"
    assert renders == ["B1?", "*see*"]


def test_an_image_gone_before_the_export_is_a_warning_and_the_next_build_adds_it(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"a.md": QA.format(q="Which?", a="![[pic.png]]"), "pic.png": PNG})
    os.utime(vault / "pic.png", ns=(1_600_000_000_000_000_000,) * 2)
    out = tmp_path / "out"
    built = collect(vault, now=NOW)
    (vault / "pic.png").unlink()
    export = update_outputs(built, out, now=NOW, write_deck=write_apkg)
    assert export.written and export.summary.media == 0
    assert export.summary.diagnostics == (
        Diagnostic(
            "a.md", 1, "warning", "image pic.png vanished during the build; rebuild to include it"
        ),
    )
    # Back as it was: the scan sees no change, yet the deck is written again, with it.
    (vault / "pic.png").write_bytes(PNG)
    os.utime(vault / "pic.png", ns=(1_600_000_000_000_000_000,) * 2)
    export = update_outputs(collect(vault, now=NOW + 10), out, now=NOW + 10, write_deck=write_apkg)
    assert export.written and export.summary.media == 1
    assert export.summary.diagnostics == ()
