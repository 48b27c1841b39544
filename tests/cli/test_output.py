"""What the build commands print: one line per distinct problem, a rebuild's news only,
``check`` listing everything, ``-q`` and ``-v``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from bench.o2a_unknown import generate
from flashgen.build import pipeline
from flashgen.build.diagnostics import DiagnosticGroup, group_diagnostics, select_diagnostics
from flashgen.build.pipeline import VaultCards
from flashgen.model import Diagnostic
from tests.conftest import REPO, MakeVault
from tests.helpers import PNG, QA, run_cli

UNKNOWN = (
    "warning: note type 'MyCard' is not one flashgen knows (Basic, Basic (and reversed card),"
    " Basic (optional reversed card), Basic (type in the answer), Cloze); its first field"
    " becomes the front and its 'Back:' field the back"
)


def test_the_same_warning_in_many_notes_is_one_line_with_a_count(tmp_path: Path) -> None:
    vault = generate(tmp_path / "o2a", cards=30, per_note=10)
    out = tmp_path / "out"
    code, stdout, err = run_cli("build", str(vault), "-o", str(out))
    assert code == 0
    assert err == (
        f"{vault}/note-0000.md:6: {UNKNOWN} (30 times in 3 notes;"
        f" 'flashgen check {vault}' lists every one)\n"
    )
    assert stdout.splitlines() == [
        "3 notes read, 30 cards (basic 30), 30 warnings, 0 errors",
        "+30 new ~0 changed -0 removed =0 unchanged",
        f"wrote {out / 'o2a.apkg'}: 30 notes in 1 deck, 0 media files",
    ]
    code, listed, err = run_cli("check", str(vault))
    assert (code, err) == (0, "")
    assert listed.splitlines()[:2] == [
        f"{vault}/note-0000.md:6: {UNKNOWN}",
        f"{vault}/note-0000.md:12: {UNKNOWN}",
    ]
    assert len(listed.splitlines()) == 31


def test_a_rebuild_prints_only_the_changed_notes_problems(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "a.md": QA.format(q="No answer?", a=""),
            "b.md": QA.format(q="Also none?", a=""),
            "c.md": QA.format(q="Fine?", a="Yes"),
        }
    )
    out = vault.parent / "out"
    first = run_cli("build", str(vault), "-o", str(out))
    none = "warning: question callout has no answer; write the answer in the callout's body"
    assert first[2] == f"{vault}/a.md:1: {none}\n{vault}/b.md:1: {none}\n"

    (vault / "c.md").write_text(QA.format(q="Fine?", a="Yes") + "> [!faq] Broken?\n>\n")
    code, stdout, err = run_cli("build", str(vault), "-o", str(out))
    assert code == 0
    assert err == (
        f"{vault}/c.md:4: {none}\n"
        f"2 warnings from notes unchanged since the last build not shown"
        f" ('flashgen check {vault}' lists all)\n"
    )
    assert stdout.splitlines()[0] == "3 notes read, 1 card (qa 1), 3 warnings, 0 errors"

    assert run_cli("build", str(vault), "-o", str(out), "-v")[2] == (
        f"{vault}/a.md:1: {none}\n{vault}/b.md:1: {none}\n{vault}/c.md:4: {none}\n"
    )
    quiet = run_cli("build", str(vault), "-o", str(out), "-q")
    assert quiet == (0, "", "")
    strict = run_cli("build", str(vault), "-o", str(out), "-q", "--strict")
    assert strict[:2] == (1, "") and strict[2].startswith("3 warnings from notes unchanged")


def test_quiet_keeps_errors_only(make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = make_vault({"a.md": QA.format(q="No answer?", a=""), "b.md": QA.format(q="Q", a="A")})
    real_collect = pipeline.collect

    def unreadable_note(root: Path, **options: Any) -> VaultCards:
        built = real_collect(root, **options)
        built.diagnostics.append(Diagnostic("other.md", 0, "error", "cannot read note"))
        return built

    monkeypatch.setattr(pipeline, "collect", unreadable_note)
    code, stdout, err = run_cli("build", str(vault), "-o", str(vault.parent / "out"), "-q")
    assert (code, stdout, err) == (1, "", f"{vault}/other.md: error: cannot read note\n")


def test_missing_images_are_warned_about_where_a_card_shows_them(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "diary.md": "Today ![[lost.png]] and ![[gone.png]].\n",
            "cards.md": QA.format(q="Which pic?", a="![[absent.png]]") + "Prose ![[away.png]]\n",
            "pic.png": PNG,
        }
    )
    out = vault.parent / "out"
    code, _stdout, err = run_cli("build", str(vault), "-o", str(out))
    assert code == 0
    assert err == (
        f"{vault}/cards.md:2: warning: image 'absent.png' not found in the vault;"
        " add the file or fix the name\n"
        f"3 warnings about images no card shows not shown ('flashgen check {vault}' lists all)\n"
    )
    listed = run_cli("check", str(vault))[1].splitlines()
    assert [line.split(": warning: ")[0] for line in listed[:-1]] == [
        f"{vault}/cards.md:2",
        f"{vault}/cards.md:4",
        f"{vault}/diary.md:1",
        f"{vault}/diary.md:1",
    ]
    assert listed[-1] == "2 notes read, 1 card (qa 1), 4 warnings, 0 errors"


def test_groups_count_places_and_files() -> None:
    one = Diagnostic("a.md", 3, "warning", "same")
    twice = [Diagnostic("a.md", 5, "warning", "twice"), Diagnostic("c.md", 1, "warning", "twice")]
    found = [one, twice[0], Diagnostic("a.md", 9, "warning", "same"), twice[1]]
    found += [Diagnostic("b.md", 1, "warning", "same"), Diagnostic("b.md", 2, "error", "same")]
    assert group_diagnostics(found) == [
        DiagnosticGroup(one, 3, 2),
        DiagnosticGroup(twice[0], 1, 1),
        DiagnosticGroup(twice[1], 1, 1),
        DiagnosticGroup(found[-1], 1, 1),
    ]


def test_errors_are_always_selected() -> None:
    old_error = Diagnostic("a.md", 1, "error", "bad")
    old_warning = Diagnostic("a.md", 2, "warning", "meh")
    minor = Diagnostic("b.md", 2, "warning", "pic", minor=True)
    selection = select_diagnostics([old_error, old_warning, minor], {old_error, old_warning})
    assert selection.shown == (old_error,)
    assert (selection.unchanged, selection.minor, selection.left_out) == (1, 1, 2)
    quiet = select_diagnostics([old_error, old_warning, minor], errors_only=True)
    assert (quiet.shown, quiet.warnings) == ((old_error,), 2)


def test_cards_piped_is_one_tab_separated_line_per_card(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "Geo/a.md": "---\ntags: [flashcards]\n---\nKenya::Nairobi\n\n"
            + QA.format(q="What is the capital\tof France, a city with a long history?", a="Paris"),
        }
    )
    code, stdout, err = run_cli("cards", str(vault))
    assert code == 0
    rows = [line.split("\t") for line in stdout.splitlines()]
    assert [row[1:] for row in rows] == [
        [
            "qa",
            "What is the capital of France, a city with a long history?",
            "Geo/a.md:6",
            "vault::Geo",
        ],
        ["basic", "Kenya", "Geo/a.md:4", "vault::Geo"],
    ]
    assert all(len(row[0]) == 16 for row in rows)
    assert err == "1 note read, 2 cards (basic 1, qa 1), 0 warnings, 0 errors\n"


def test_cards_on_a_terminal_is_a_table(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Shown in a table?", a="Yes")})
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    child = pexpect.spawn(
        sys.executable, ["-m", "flashgen", "cards", str(vault)], env=env, encoding="utf-8"
    )
    child.expect(pexpect.EOF, timeout=30)
    screen = child.before
    assert "┃" in screen and "│ Shown in a table? │" in screen and "\t" not in screen
