"""Bad usage and empty vaults: one line that says what to do, never a usage block."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, MakeVault
from tests.helpers import QA, run_cli

NO_CARDS = (
    "no cards, so no deck written: flashgen reads question callouts (> [!question] …),"
    " 'X vs. Y' sections, obsidian-spaced-repetition cards (Q::A, ?, ==cloze==) in notes"
    " tagged #flashcards and Obsidian_to_Anki START … END blocks;"
    " see 'Card syntax' in the README\n"
)


def test_a_vault_without_cards_says_what_flashgen_reads_and_writes_no_deck(
    make_vault: MakeVault,
) -> None:
    vault = make_vault({"a.md": "Just prose.\n", "b.md": "# More prose\n\nNo cards here.\n"})
    out = vault.parent / "out"
    assert run_cli("build", str(vault), "-o", str(out)) == (
        0,
        "2 notes read, 0 cards, 0 warnings, 0 errors\n" + NO_CARDS,
        "",
    )
    assert not out.exists()


def test_a_note_with_card_syntax_but_no_flashcard_tag_is_named(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "Just prose.\n\nFrance::Paris, but no flashcards tag.\n"})
    assert run_cli("build", str(vault), "-o", str(vault.parent / "out")) == (
        0,
        "1 note read, 0 cards, 1 warning, 0 errors\n" + NO_CARDS,
        f"{vault}/a.md:3: warning: 1 card not made: flashcard syntax but no flashcard tag"
        " (the note has no #flashcards); add #flashcards to the note (or to its frontmatter"
        " tags) to make them\n",
    )


def test_the_no_cards_line_follows_the_configuration(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "flashgen.yaml": "sources: {comparisons: false, o2a: false}\nspaced: {tags: []}\n",
            "a.md": "Prose.\n",
        }
    )
    stdout = run_cli("build", str(vault), "-o", str(vault.parent / "out"))[1]
    assert stdout.splitlines()[1] == (
        "no cards, so no deck written: flashgen reads question callouts (> [!question] …)"
        " and obsidian-spaced-repetition cards (Q::A, ?, ==cloze==);"
        " see 'Card syntax' in the README"
    )


def test_a_file_given_as_the_vault_is_one_line(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    for command in ("build", "check", "cards", "quiz", "stats", "orphans", "watch"):
        extra = ["--plain"] if command == "quiz" else []
        assert run_cli(command, str(vault / "a.md"), *extra) == (
            1,
            "",
            f"Error: {vault / 'a.md'} is a file, not a vault folder: pass the folder that"
            f" holds your notes, such as {vault}\n",
        ), command


def test_orphans_delete_answered_no_deletes_nothing(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    env = {"FLASHGEN_NOW": "2026-01-01T09:00:00Z"}
    assert run_cli("quiz", str(vault), "--plain", input="\n3\n", env=env)[0] == 0
    (vault / "a.md").write_text(QA.format(q="Another question entirely?", a="B"))
    code, _out, err = run_cli("orphans", str(vault), "--delete", input="n\n")
    assert code == 0
    assert err.splitlines()[-2:] == [
        "Delete the state and review log of 1 card? [y/N]: n",
        "nothing deleted",
    ]


def _as_nobody(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``flashgen *args`` in *tmp_path* as an unprivileged user (root reads anything)."""
    command = [sys.executable, "-m", "flashgen", *args]
    if os.geteuid() == 0:
        for folder in (tmp_path, *tmp_path.parents):
            folder.chmod(folder.stat().st_mode | 0o005)
        tmp_path.chmod(0o777)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {**os.environ, "PYTHONPATH": str(REPO), "FLASHGEN_NOW": "2026-01-01T09:00:00Z"}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False, input=""
    )


needs_setpriv = pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None, reason="needs setpriv to drop root"
)


@needs_setpriv
def test_an_unreadable_vault_is_one_line(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    vault.chmod(0o300)
    done = _as_nobody(tmp_path, "build", "vault")
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "Error: cannot read the vault folder vault (Permission denied); check its permissions\n",
    )


@needs_setpriv
def test_quiz_on_a_read_only_vault_suggests_state(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    for path in (vault, vault / "a.md"):
        path.chmod(0o555)
    done = _as_nobody(tmp_path, "quiz", "vault", "--plain")
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "Error: vault is read-only, and the review state is kept in it (vault/.flashgen/);"
        " keep it elsewhere with --state, e.g. flashgen quiz vault --state ~/reviews.sqlite3\n",
    )
    elsewhere = _as_nobody(tmp_path, "quiz", "vault", "--plain", "--state", "reviews.sqlite3")
    assert elsewhere.returncode == 0 and elsewhere.stderr == ""
    assert "Q?" in elsewhere.stdout and (tmp_path / "reviews.sqlite3").is_file()


def filter_vault(make_vault: MakeVault) -> Path:
    return make_vault(
        {
            "Physics/Waves/sound.md": "#acoustics/loud\n\n"
            + QA.format(q="Speed of sound?", a="343"),
            "Physics/heat.md": QA.format(q="Boiling point?", a="100"),
            "Physiology/heart.md": QA.format(q="Chambers?", a="4"),
        }
    )


def test_deck_by_a_sub_deck_s_own_name(make_vault: MakeVault) -> None:
    vault = filter_vault(make_vault)
    env = {"FLASHGEN_NOW": "2026-01-01T09:00:00Z"}
    for name in ("Waves", "waves", "Physics::Waves", "physics/waves", "vault::Physics::Waves"):
        code, out, err = run_cli("quiz", str(vault), "--plain", "--deck", name, input="", env=env)
        assert (code, err) == (0, ""), name
        assert "Speed of sound?" in out and "Boiling point?" not in out, name
    code, out, _ = run_cli("quiz", str(vault), "--plain", "--deck", "PHYSICS", input="", env=env)
    assert code == 0 and "new 2" in out and "Chambers?" not in out
    code, out, _ = run_cli("quiz", str(vault), "--plain", "--tag", "LOUD", input="", env=env)
    assert code == 0 and "new 1" in out


def test_a_deck_or_tag_that_names_nothing_lists_the_closest(make_vault: MakeVault) -> None:
    vault = filter_vault(make_vault)
    assert run_cli("quiz", str(vault), "--plain", "--deck", "Physcs", input="") == (
        1,
        "",
        "Error: no deck 'Physcs' among the cards; the closest: vault::Physics,"
        " vault::Physics::Waves\n",
    )
    assert run_cli("quiz", str(vault), "--plain", "--tag", "acoustic", input="") == (
        1,
        "",
        "Error: no tag 'acoustic' among the cards; the closest: acoustics/loud\n",
    )


def test_quiz_on_a_vault_without_cards_says_why_and_makes_no_store(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "Just prose.\n"})
    code, out, err = run_cli("quiz", str(vault), "--plain", input="")
    assert (code, err) == (0, "")
    assert out == NO_CARDS.replace(
        "no cards, so no deck written:", "No cards to review: the notes make none yet;"
    )
    assert not (vault / ".flashgen" / "reviews.sqlite3").exists()
