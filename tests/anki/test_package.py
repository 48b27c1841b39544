"""The Anki exporter, checked by importing its packages into a real Anki collection."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flashgen.anki.fields import to_html
from flashgen.anki.notetypes import COMPARISON_MODEL_ID, QA_MODEL_ID
from flashgen.anki.package import anki_tag, deck_id, media_name, write_apkg
from flashgen.build.outputs import DeckSummary
from flashgen.errors import OutputError
from flashgen.model import Card, CardKind, Diagnostic
from tests.helpers import (
    import_apkg,
    media_files,
    notes_by_guid,
    open_collection,
    review,
    revlog,
    scheduling,
    tiny_png,
)

T0 = 1_700_000_000.0
AI_SHOT = "AI/Screen_Shot 1.png"
MATH_SHOT = "Math/Screen_Shot 1.png"


RED = tiny_png((255, 0, 0))
BLUE = tiny_png((0, 0, 255))


def expected_name(data: bytes) -> str:
    return f"Screen_Shot_1-{hashlib.sha1(data).hexdigest()[:10]}.png"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "My Vault"
    for path, data in ((AI_SHOT, RED), (MATH_SHOT, BLUE)):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Send the exporter's system-temp files to a folder the test can watch."""
    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


QA = Card(
    id="qa-1",
    kind=CardKind.QA,
    front="What does $a<b$ mean in <b>math</b>?",
    back=f"That 1 < 2, and $$x^2$$:\n\n$$\n\\sum_i x_i\n$$\n\n![[{AI_SHOT}|400]]",
    note="AI/Generative models.md",
    line=12,
    context=("Generative", "Diffusion"),
    tags=("ai/generative", "to review"),
    deck="notes::AI-Notes::Generative",
    media=(AI_SHOT,),
)
MATH = Card(
    id="math-1",
    kind=CardKind.QA,
    front="Show the other screenshot",
    back=f"![[{MATH_SHOT}|400]] and ![[gone.png|400]]",
    note="Math/Sums.md",
    line=3,
    deck="notes::Math",
    media=(MATH_SHOT,),
)
COMPARISON = Card(
    id="cmp-1",
    kind=CardKind.COMPARISON_ITEM,
    front="GAN",
    back="adversarial training",
    note="AI/Generative models.md",
    line=40,
    tags=("ai",),
    deck="notes::AI-Notes::Generative",
    extra=(("title", "GAN vs VAE vs Diffusion"), ("others", "VAE, Diffusion")),
)
CARDS = (QA, MATH, COMPARISON)
QA_BACK_HTML = (
    "<p>That 1 &lt; 2, and \\[x^2\\]:</p>\n"
    '<div class="math">\\[\\sum_i x_i\\]</div>\n'
    f'<p><img src="{expected_name(RED)}" width="400"></p>'
)


def build(cards: tuple[Card, ...], vault: Path, out: Path, timestamp: float = T0) -> DeckSummary:
    return write_apkg(cards, out, vault_root=vault, vault_name="My Vault", timestamp=timestamp)


def test_imported_notes_match_the_cards(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    assert build(CARDS, vault, out) == DeckSummary(notes=3, decks=2, media=2)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        notes = notes_by_guid(col)
        assert sorted(notes) == ["cmp-1", "math-1", "qa-1"]

        qa = notes["qa-1"]
        assert qa.notetype == "flashgen Q/A"
        assert qa.fields == {
            "Front": "What does \\(a&lt;b\\) mean in <b>math</b>?",
            "Back": QA_BACK_HTML,
            "Context": "Generative \u203a Diffusion",
            "Source": '<a href="obsidian://open?vault=My%20Vault&amp;file=AI%2FGenerative%20models">'
            "AI/Generative models.md:12</a>",
            "Id": "qa-1",
        }
        assert qa.tags == ("ai::generative", "to_review")
        assert qa.decks == ("notes::AI-Notes::Generative",)

        math = notes["math-1"]
        assert math.fields["Back"] == (
            f'<img src="{expected_name(BLUE)}" width="400"> and '
            '<span class="missing">gone.png</span>'
        )
        assert math.decks == ("notes::Math",)

        cmp = notes["cmp-1"]
        assert cmp.notetype == "flashgen Comparison"
        assert cmp.fields == {
            "Front": "GAN",
            "Back": "adversarial training",
            "Title": "GAN vs VAE vs Diffusion",
            "Others": "VAE, Diffusion",
            "Context": "",
            "Source": '<a href="obsidian://open?vault=My%20Vault&amp;file=AI%2FGenerative%20models">'
            "AI/Generative models.md:40</a>",
            "Id": "cmp-1",
        }
        assert cmp.tags == ("ai",)
        assert cmp.decks == ("notes::AI-Notes::Generative",)

        assert qa.notetype_id == math.notetype_id == QA_MODEL_ID
        assert cmp.notetype_id == COMPARISON_MODEL_ID
        decks = {deck.name for deck in col.decks.all_names_and_ids()}
        assert {"notes::AI-Notes::Generative", "notes::AI-Notes", "notes::Math"} <= decks

        check = col.media.check()
        assert (list(check.missing), list(check.unused)) == ([], [])
        # The two "Screen_Shot 1.png" are two files, each with its own content.
        assert media_files(col) == {expected_name(RED): RED, expected_name(BLUE): BLUE}
    finally:
        col.close()


def test_reimport_updates_the_note_and_keeps_its_reviews(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    build(CARDS, vault, out, timestamp=T0)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        (card_id,) = notes_by_guid(col)["qa-1"].card_ids
        review(col, card_id)
        reviews = revlog(col, card_id)
        state = scheduling(col, card_id)
        assert len(reviews) == 1

        edited = dataclasses.replace(QA, back="A typo, fixed.")
        build((edited, MATH, COMPARISON), vault, out, timestamp=T0)
        import_apkg(col, out)
        # Anki skips notes that are not newer than its own: the timestamp must grow.
        assert notes_by_guid(col)["qa-1"].fields["Back"] == QA_BACK_HTML

        build((edited, MATH, COMPARISON), vault, out, timestamp=T0 + 60)
        import_apkg(col, out)

        notes = notes_by_guid(col)
        assert len(notes) == 3
        assert notes["qa-1"].fields["Back"] == "A typo, fixed."
        assert notes["qa-1"].card_ids == (card_id,)
        assert revlog(col, card_id) == reviews
        assert scheduling(col, card_id) == state
    finally:
        col.close()


def test_rebuild_gives_same_bytes_and_no_leftovers(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    build(CARDS, vault, out, timestamp=T0)
    first = out.read_bytes()
    build(CARDS, vault, out, timestamp=T0)
    assert out.read_bytes() == first  # same input and timestamp, same bytes
    assert out.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["My Vault", "deck.apkg", "systemp"]


def test_unwritable_folder_raises_output_error(vault: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    with pytest.raises(OutputError, match=r"cannot write .*blocker/deck\.apkg"):
        build(CARDS, vault, blocker / "deck.apkg")
    assert blocker.read_text() == "a file, not a folder"


def test_failed_replace_keeps_the_old_deck(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "deck.apkg"
    out.write_bytes(b"the previous deck")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OutputError, match="No space left on device"):
        build(CARDS, vault, out)
    assert out.read_bytes() == b"the previous deck"
    assert [p.name for p in out_dir.iterdir()] == ["deck.apkg"]


def test_an_image_deleted_before_the_write_is_a_warning_and_shown_missing(
    vault: Path, tmp_path: Path
) -> None:
    (vault / AI_SHOT).unlink()  # after the scan that listed it in the card's media
    out = tmp_path / "deck.apkg"
    summary = build(CARDS, vault, out)
    assert summary.diagnostics == (
        Diagnostic(
            "AI/Generative models.md",
            12,
            "warning",
            "image AI/Screen_Shot 1.png vanished during the build; rebuild to include it",
        ),
    )
    assert (summary.notes, summary.media) == (3, 1)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        back = notes_by_guid(col)["qa-1"].fields["Back"]
        assert back.endswith('<p><span class="missing">Screen_Shot 1.png</span></p>')
        assert media_files(col) == {expected_name(BLUE): BLUE}
    finally:
        col.close()


def test_an_unreadable_image_is_a_warning(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (vault / MATH_SHOT).unlink()
    (vault / MATH_SHOT).mkdir()  # replaced by a folder: gone as an image
    read_bytes = Path.read_bytes

    def forbidden(path: Path) -> bytes:
        if path.name == "Screen_Shot 1.png" and path.parent.name == "AI":
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", forbidden)
    summary = build(CARDS, vault, tmp_path / "deck.apkg")
    assert [d.format() for d in summary.diagnostics] == [
        "AI/Generative models.md:12: warning: cannot read image AI/Screen_Shot 1.png"
        " (Permission denied); it is shown as missing: make it readable and rebuild",
        "Math/Sums.md:3: warning: image Math/Screen_Shot 1.png vanished during the build;"
        " rebuild to include it",
    ]
    assert summary.media == 0


def test_duplicate_card_ids_are_refused(vault: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="qa-1"):
        build((QA, QA), vault, tmp_path / "deck.apkg")


def test_media_name_separates_same_basename() -> None:
    assert media_name("a/Screen_Shot 1.png", b"x") != media_name("b/Screen_Shot 1.png", b"y")
    assert media_name("a/Screen_Shot 1.png", b"x") == media_name("b/Screen_Shot 1.png", b"x")
    assert media_name("été/Façade [1].JPG", b"x") == "Façade_1-11f6ad8ec5.JPG"


def test_anki_tag() -> None:
    assert [anki_tag(t) for t in ("a/b/c", "to review", "plain")] == [
        "a::b::c",
        "to_review",
        "plain",
    ]


def test_deck_id_is_stable_and_in_range() -> None:
    assert deck_id("notes::Math") == deck_id("notes::Math") != deck_id("notes::Maths")
    assert 1 << 30 <= deck_id("notes::Math") < 1 << 31


def test_render_rules() -> None:
    media = {"img/a b.png": "a_b-0123456789.png"}
    assert to_html("$$a<b$$ and $c$", media) == "\\[a&lt;b\\] and \\(c\\)"
    assert to_html("![[img/a b.png|300x200]]", media) == (
        '<img src="a_b-0123456789.png" width="300" height="200">'
    )
    assert to_html("![[img/b.png|400]]", media) == '<span class="missing">b.png</span>'
    assert to_html("[[Note#Part|this]], ![[Other#Part]] #ai/gen ^block1", media) == (
        "this, Other &gt; Part #ai/gen"
    )
    assert to_html("Use <kbd>Ctrl</kbd> & ==this==", media) == (
        "Use <kbd>Ctrl</kbd> &amp; <mark>this</mark>"
    )
    assert to_html("> [!tip] Why $x$?\n> Because", media) == (
        '<div class="callout" data-callout="tip">\n'
        '<div class="callout-title">Why \\(x\\)?</div>\n'
        '<div class="callout-content">\n<p>Because</p>\n</div>\n</div>'
    )
