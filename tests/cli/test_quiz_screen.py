"""The quiz screen in a real pseudo-terminal: math, images, paging, siblings, status line."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import pexpect
import pytest
from PIL import Image

from flashgen.model import Card, CardKind
from flashgen.review.scheduler import Rating
from flashgen.review.session import QuizSession
from flashgen.review.store import ReviewStore
from tests.cli.test_quiz import NOW, T0, answer, finish, quiz, spawn
from tests.conftest import MakeVault
from tests.helpers import QA

BLOCK_CELL = re.compile(r"\x1b\[38;2;\d+;\d+;\d+;48;2;\d+;\d+;\d+m▀")
"""A half-block cell: 24-bit foreground (upper pixel) and background (lower pixel)."""


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def frame(child: pexpect.spawn) -> str:
    """The last screen drawn before the text just matched (a screen starts with a clear)."""
    return str(child.before).rsplit("\x1b[2J", 1)[-1]


def screen(child: pexpect.spawn, key: str | None = None) -> str:
    """Press *key*, then the whole next screen (up to its key hints), as text."""
    if key is not None:
        child.send(key)
    child.expect_exact("· q quit")
    return ANSI.sub("", frame(child))


def drawn(child: pexpect.spawn, key: str, marker: str) -> str:
    """Press *key*; the screen on which *marker* shows (a card's text comes first, with
    blank room for its pictures, then the screen with them)."""
    child.send(key)
    child.expect_exact(marker)
    head = str(child.before).rsplit("\x1b[2J", 1)[-1] + str(child.after)
    child.expect_exact("· q quit")
    return head + str(child.before)


def picture() -> bytes:
    """A 16x8 PNG: red left half, blue right half."""
    image = Image.new("RGB", (16, 8), (255, 0, 0))
    image.paste((0, 0, 255), (8, 0, 16, 8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_vault(make_vault: MakeVault) -> Path:
    note = "# Shapes\n\n" + QA.format(q="What does the flag look like?", a="![[flag.png]]")
    return make_vault({"shapes.md": note, "flag.png": picture()})


def test_math_shows_as_unicode_without_backslash_commands(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    note = "# Algebra\n\n" + QA.format(
        q=r"What is $\lambda$ when $x^2 = \lambda$ over $\mathbb{R}$?",
        a=r"$\lambda = \frac{a}{b}$, so $x = \sqrt{\lambda}$ and $x_1 \geq 0$.",
    )
    child = spawn(make_vault({"algebra.md": note}), tmp_path / "r.sqlite3")
    assert "What is λ when x² = λ over ℝ?" in screen(child)
    shown = screen(child, " ")
    assert "λ = a/b, so x = √λ and x₁ ≥ 0." in shown
    assert "\\" not in shown
    child.send("q")
    finish(child)


def test_math_that_does_not_convert_shows_its_tex(make_vault: MakeVault) -> None:
    note = "# Calculus\n\n" + QA.format(q=r"What is $e^{-x^2}$ near $0$?", a="About $1$.")
    code, out, _ = quiz(make_vault({"calc.md": note}), input="\n3\n")
    assert code == 0
    assert r"What is $e^{-x^2}$ near 0?" in out  # never half-converted


def test_image_card_draws_half_block_cells(make_vault: MakeVault, tmp_path: Path) -> None:
    child = spawn(
        image_vault(make_vault),
        tmp_path / "r.sqlite3",
        TERM="xterm-256color",
        COLORTERM="truecolor",
    )
    child.expect_exact("What does the flag look like?")
    shown = drawn(child, " ", "▀")
    assert "image: flag.png" in shown
    cells = BLOCK_CELL.findall(shown)
    assert len(cells) == 16 * 4  # 16 x 8 pixels, two per cell
    assert "\x1b[38;2;255;0;0;48;2;255;0;0m▀" in shown and "\x1b_G" not in shown
    child.send("q")
    finish(child)


def test_a_kitty_terminal_gets_the_kitty_sequence(make_vault: MakeVault, tmp_path: Path) -> None:
    child = spawn(image_vault(make_vault), tmp_path / "r.sqlite3", TERM="xterm-kitty")
    child.expect_exact("What does the flag look like?")
    shown = drawn(child, " ", "\x1b_Ga=T")
    assert re.search(
        r"\x1b_Ga=T,f=100,c=16,r=4,C=1,q=2,m=0;iVBORw0KGgo[A-Za-z0-9+/=]+\x1b\\", shown
    )
    child.send("q")
    finish(child)


@pytest.mark.parametrize(
    ("answer", "sequence"),
    [
        ("\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[?62;22c", "\x1b_Ga=T,f=100,c=16,r=4"),
        ("\x1b[6;20;10t\x1b[?62;4;22c", '\x1b7\x1bP0;1q"1;1;160;80#'),  # 16 x 4 cells
    ],
)
def test_the_terminal_is_asked_how_it_draws_pictures(
    make_vault: MakeVault, tmp_path: Path, answer: str, sequence: str
) -> None:
    child = spawn(image_vault(make_vault), tmp_path / "r.sqlite3", TERM="xterm-256color")
    child.delaybeforesend = None
    child.expect_exact("\x1b[16t\x1b[c")  # the query, before the first card with a picture
    child.send(answer)
    assert "What does the flag look like?" in screen(child)
    shown = drawn(child, " ", sequence)
    assert "▀" not in shown
    child.send("q")
    finish(child)


def test_no_images_shows_the_path_only(make_vault: MakeVault, tmp_path: Path) -> None:
    child = spawn(
        image_vault(make_vault), tmp_path / "r.sqlite3", NOW, "--no-images", TERM="xterm-kitty"
    )
    child.expect_exact("What does the flag look like?")
    child.send(" ")
    child.expect_exact("1 Again")
    shown = frame(child)
    assert "image: flag.png" in shown and "▀" not in shown and "\x1b_G" not in shown
    child.send("q")
    finish(child)


def test_a_long_answer_is_paged_under_the_question(make_vault: MakeVault, tmp_path: Path) -> None:
    lines = "\n".join(f"> - step {n:02d}" for n in range(1, 61))
    note = f"# Recipe\n\n> [!QUESTION] How is the long recipe made?\n{lines}\n"
    child = spawn(make_vault({"recipe.md": note}), tmp_path / "r.sqlite3", size=(24, 80))
    assert "How is the long recipe made?" in screen(child)
    shown = screen(child, " ")
    position = re.search(r"answer, lines 1-(\d+) of 60", shown)
    assert position is not None, shown
    last = int(position.group(1))
    assert "How is the long recipe made?" in shown
    assert "step 01" in shown and f"step {last:02d}" in shown
    assert f"step {last + 1:02d}" not in shown
    assert len(shown.splitlines()) <= 24  # never printed past the top
    shown = screen(child, " ")  # a page down
    assert "How is the long recipe made?" in shown  # the question stays on screen
    assert "step 01" not in shown and f"step {last + 1:02d}" in shown
    assert re.search(rf"answer, lines \d+-{2 * last - 1}|answer, lines \d+-60", shown)
    for _ in range(4):  # PgDn to the end
        shown = screen(child, "\x1b[6~")
    assert "step 60" in shown and "answer, lines" in shown
    after = screen(child, "\x1b[B")  # the end: down moves no further (the clock may)
    assert after.splitlines()[1:] == shown.splitlines()[1:]
    shown = screen(child, "\x1b[5~")  # PgUp
    assert "step 60" not in shown
    child.setwinsize(40, 80)  # a taller terminal: drawn again, more lines at once
    shown = screen(child)
    assert re.search(r"answer, lines \d+-\d+ of 60", shown) and len(shown.splitlines()) > 24
    child.send("3")
    child.send("q")
    out = finish(child)
    assert "Reviewed 1 card" in out
    with ReviewStore.open(tmp_path / "r.sqlite3") as store:
        assert [r.duration_ms > 0 for r in store.reviews()] == [True]  # the time on the card


def test_no_cards_and_nothing_due_say_different_things(make_vault: MakeVault) -> None:
    code, out, _ = quiz(make_vault({"empty.md": "# Nothing to learn here\n"}), input="")
    assert code == 0
    assert "No cards to review: the notes make none yet" in out
    note = "# Sums\n\n" + QA.format(q="What is 1+1?", a="2")
    code, out, _ = quiz(make_vault({"sums.md": note}), "--new", "0", input="")
    assert "Nothing is due now. Raise --new to see new cards." in out
    assert "No cards" not in out


def test_the_status_line_replaces_its_message(make_vault: MakeVault, tmp_path: Path) -> None:
    child = spawn(image_vault(make_vault), tmp_path / "r.sqlite3", PATH="/nonexistent")
    child.expect_exact("What does the flag look like?")
    child.send("u")
    child.expect_exact("Nothing to undo in this session.")
    child.send("e")
    child.expect_exact("shapes.md:3")
    assert "Nothing to undo" not in frame(child)
    child.send("o")
    child.expect_exact("no opener found; open it yourself:")
    shown = frame(child)
    assert "shapes.md:3" not in shown and "Nothing to undo" not in shown
    child.send("q")
    finish(child)


# Siblings

SIBLINGS = (
    "---\ntags: [flashcards]\n---\n"
    "A ==dog== is a chien, a ==cat== is a chat, a ==cow== is a vache.\n\n"
    "Kenya:::Nairobi\n\nFrance::Paris\n\nSpain::Madrid\n\nItaly::Rome\n"
)
FRONTS = {
    "A [...] is a chien": "passage",
    "a [...] is a chat": "passage",
    "a [...] is a vache": "passage",
    "Kenya": "pair",
    "Nairobi": "pair",
    "France": "France",
    "Spain": "Spain",
    "Italy": "Italy",
}


def answer_all(child: pexpect.spawn, count: int) -> list[str]:
    """Answer *count* cards with Easy; the family of each card shown, in order."""
    shown = []
    pattern = [re.escape(front) for front in FRONTS]
    for _ in range(count):
        child.expect(pattern)
        shown.append(FRONTS[child.after])
        child.send(" ")
        child.expect_exact("4 Easy")
        child.send("4")
    return shown


def test_siblings_are_never_back_to_back(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"words.md": SIBLINGS})
    child = spawn(vault, tmp_path / "r.sqlite3", NOW, "--no-bury")
    families = answer_all(child, 8)
    assert sorted(families) == sorted(FRONTS.values())
    assert all(a != b for a, b in itertools.pairwise(families)), families
    assert "Reviewed 8 cards" in finish(child)


def test_new_siblings_of_answered_cards_wait_until_tomorrow(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault, state = make_vault({"words.md": SIBLINGS}), tmp_path / "r.sqlite3"
    child = spawn(vault, state)
    families = answer_all(child, 5)
    assert families == ["passage", "pair", "France", "Spain", "Italy"]
    out = finish(child)
    assert "3 new siblings of cards answered today wait until tomorrow" in out
    later = spawn(vault, state, "2026-01-01T18:00:00Z")  # the same day: still buried
    later.expect_exact("Nothing is due now.")
    later.expect_exact("wait until tomorrow (--no-bury)")
    finish(later)
    tomorrow = spawn(vault, state, "2026-01-02T09:00:00Z")
    assert answer_all(tomorrow, 1) == ["passage"]
    tomorrow.send("q")
    finish(tomorrow)


def test_session_keeps_review_siblings_apart(tmp_path: Path) -> None:
    def card(name: str, family: str) -> Card:
        return Card(name, CardKind.QA, name, "back", "a.md", 1, deck="v", family=family)

    cards = [card("a1", "a"), card("a2", "a"), card("a3", "a"), card("b1", "b")]
    with ReviewStore.open(tmp_path / "r.sqlite3", fuzz=False) as store:
        session = QuizSession(store, cards, T0)
        order = []
        while (next_card := session.next_card(T0)) is not None:
            order.append(next_card.id)
            answer(session, next_card, Rating.EASY, T0)
    assert order == ["a1", "b1", "a2", "a3"]  # a2 after a3's sibling only when nothing else is left


def test_e_opens_the_editor_at_the_card_line(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = image_vault(make_vault)
    calls, editor = tmp_path / "calls.txt", tmp_path / "editor"
    editor.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    editor.chmod(0o755)
    child = spawn(vault, tmp_path / "r.sqlite3", EDITOR=f"{editor} --wait")
    screen(child)
    shown = screen(child, "e")
    assert "edited shapes.md:3; the quiz shows the change when it next starts" in shown
    assert "What does the flag look like?" in shown  # the card is drawn again
    assert calls.read_text() == f"--wait +3 {vault.resolve() / 'shapes.md'}\n"
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    child.send("q")
    finish(child)
    child = spawn(vault, tmp_path / "r.sqlite3", VISUAL=str(failing), EDITOR=str(editor))
    screen(child)
    shown = screen(child, "e")
    assert "the editor " in shown and "exited with status 3; the card is at shapes.md:3" in shown
    child.send("q")
    finish(child)


def test_undo_brings_back_the_siblings_an_answer_buried(tmp_path: Path) -> None:
    def card(name: str, family: str) -> Card:
        return Card(name, CardKind.QA, name, "back", "a.md", 1, deck="v", family=family)

    cards = [card("a1", "a"), card("a2", "a"), card("b1", "b"), card("c1", "")]
    with ReviewStore.open(tmp_path / "r.sqlite3", fuzz=False) as store:
        session = QuizSession(store, cards, T0, new_limit=2, bury_since=T0)
        first = session.next_card(T0)
        assert first is not None and first.id == "a1"
        answer(session, first, Rating.GOOD, T0)
        assert session.summary().buried == 1  # a2 waits; b1 takes its place
        session.undo()
        assert session.summary().buried == 0
        order = []
        while (next_card := session.next_card(T0)) is not None:
            order.append(next_card.id)
        assert order == ["a1", "a2"]  # as before the answer: the new-card limit is 2


def test_a_late_answer_to_the_query_is_not_taken_for_keys(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    child = spawn(image_vault(make_vault), tmp_path / "r.sqlite3", TERM="xterm-256color")
    child.expect_exact("\x1b[16t\x1b[c")
    assert "What does the flag look like?" in screen(child)  # drawn after giving up
    child.send("\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[?62;4;22c")  # too late
    child.send(" ")
    shown = drawn(child, "", "▀")  # half-blocks: the answer came after the wait
    assert "keys:" not in shown and "1 Again" in shown
    child.send("q")
    finish(child)


def test_single_newlines_in_the_quiz_follow_the_vaults_setting(make_vault: MakeVault) -> None:
    note = "# Poem\n\n> [!QUESTION] How does it go?\n> Roses are red,\n> violets are blue.\n"
    code, out, _ = quiz(make_vault({"poem.md": note}), input="\n3\nq\n")
    assert code == 0 and re.search(r"Roses are red, *\nviolets are blue\.", out)  # the default
    strict = make_vault({"flashgen.yaml": "markdown:\n  strict_line_breaks: true\n"})
    code, out, _ = quiz(strict, input="\n3\nq\n")
    assert code == 0 and "Roses are red, violets are blue." in out
