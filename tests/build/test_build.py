"""``flashgen build``/``check``/``cards`` end to end on real files, with bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MakeVault, assert_only_build_outputs
from tests.helpers import QA, run_cli

run = run_cli


def test_build_writes_deck_and_listing(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"Topic/a.md": QA.format(q="What is 2+2?", a="4")})
    out = tmp_path / "out"
    code, stdout, err = run("build", str(vault), "-o", str(out))
    assert code == 0, err
    assert (out / "vault.apkg").is_file()
    listing = json.loads((out / "vault.json").read_text())
    assert [(c["front"], c["back"], c["deck"]) for c in listing] == [
        ("What is 2+2?", "4", "vault::Topic")
    ]
    assert err == ""
    assert stdout.splitlines() == [
        "1 note read, 1 card (qa 1), 0 warnings, 0 errors",
        "+1 new ~0 changed -0 removed =0 unchanged",
        f"wrote {out / 'vault.apkg'}: 1 note in 1 deck, 0 media files",
    ]
    assert_only_build_outputs(out, vault)


def test_rebuild_reports_changes_and_leaves_an_unchanged_deck_alone(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(
        {
            "a.md": "# A\n\n" + QA.format(q="What is 2+2?", a="4") + QA.format(q="Gone?", a="Yes"),
            "b.md": QA.format(q="What is 3+3?", a="6"),
        }
    )
    out = tmp_path / "out"
    assert run("build", str(vault), "-o", str(out))[0] == 0
    deck = out / "vault.apkg"
    before = deck.stat().st_mtime_ns

    code, stdout, err = run("build", str(vault), "-o", str(out), "--diff")
    assert code == 0 and err == ""
    assert stdout.splitlines()[-2:] == [
        "+0 new ~0 changed -0 removed =3 unchanged",
        f"unchanged {deck}: 3 notes in 1 deck, 0 media files",
    ]
    assert deck.stat().st_mtime_ns == before

    (vault / "a.md").write_text(
        "# A\n\n" + QA.format(q="What is 2+2?", a="four") + QA.format(q="New?", a="Yes!")
    )
    code, stdout, err = run("build", str(vault), "-o", str(out), "--diff")
    assert code == 0
    assert stdout.splitlines()[1:] == [
        "~ a.md:3 qa What is 2+2?",
        "+ a.md:6 qa New?",
        "- a.md:6 qa Gone?",
        "+1 new ~1 changed -1 removed =1 unchanged",
        f"wrote {deck}: 4 notes in 1 deck, 0 media files, 1 tagged flashgen::removed",
    ]


def test_bad_notes_become_diagnostics_and_the_rest_still_builds(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    (tmp_path / "secret.png").write_bytes(b"top secret")
    vault = make_vault(
        {
            "good.md": QA.format(q="Good?", a="Yes"),
            "broken-yaml.md": "---\ntags: [a, b\ntitle: x\n---\n" + QA.format(q="Y?", a="y"),
            "latin1.md": ("> [!question] Caf\xe9?\n> ok\n").encode("latin-1"),
            "empty.md": "",
            "binary.md": b"\x89PNG\r\n\x1a\n\0\0\0IHDR",
            "missing.md": "x\n\n" + QA.format(q="Pic?", a="![[nowhere.png]]"),
            "outside.md": QA.format(q="Out?", a="![[../secret.png]]"),
        }
    )
    os.symlink(vault / "does-not-exist.md", vault / "dangling.md")
    out = tmp_path / "out"
    code, _, err = run("build", str(vault), "-o", str(out))
    p = f"{vault.as_posix()}/"
    assert err.splitlines() == [
        f"{p}binary.md: warning: binary file with a .md name; skipped",
        f"{p}broken-yaml.md:3: warning: frontmatter is not valid YAML (expected ',' or ']',"
        " but got ':'); it is ignored, the note is still read: fix the YAML between the --- lines",
        f"{p}dangling.md: warning: broken symlink or vanished file; skipped",
        f"{p}empty.md: warning: note is empty; no cards",
        f"{p}latin1.md:1: warning: not valid UTF-8 (byte 0xe9); unreadable bytes shown as \ufffd:"
        " re-save the note as UTF-8",
        f"{p}missing.md:4: warning: image 'nowhere.png' not found in the vault;"
        " add the file or fix the name",
        f"{p}outside.md:2: warning: embed '../secret.png' points outside the vault; not read",
    ]
    assert code == 0
    # from the cache: the same problems, only counted (the skipped files are read again)
    again = run("build", str(vault), "-o", str(out))
    assert again[0] == 0
    assert again[2].splitlines() == [
        f"{p}binary.md: warning: binary file with a .md name; skipped",
        f"{p}dangling.md: warning: broken symlink or vanished file; skipped",
        f"5 warnings from notes unchanged since the last build not shown"
        f" ('flashgen check {vault}' lists all)",
    ]
    assert run("check", str(vault))[1].splitlines()[:-1] == err.splitlines()
    fronts = sorted(c["front"] for c in json.loads((out / "vault.json").read_text()))
    assert fronts == ["Caf\ufffd?", "Good?", "Out?", "Pic?", "Y?"]
    with open(out / "vault.apkg", "rb") as deck:
        assert b"top secret" not in deck.read()
    code, _, _ = run("check", str(vault), "--strict")
    assert code == 1


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv to drop root")
def test_unreadable_note_is_an_error_and_others_still_build(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"good.md": QA.format(q="Good?", a="Yes"), "locked.md": "secret"})
    (vault / "locked.md").chmod(0)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "flashgen", "build", str(vault), "-o", str(out)]
    if os.geteuid() == 0:  # root reads anything: run as nobody to meet a real EACCES
        for folder in (tmp_path, *tmp_path.parents):
            folder.chmod(folder.stat().st_mode | 0o005)
        tmp_path.chmod(0o777)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent.parent)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1, done.stderr
    assert (
        f"{vault.as_posix()}/locked.md: error: cannot read note: Permission denied;"
        " check that it is readable"
    ) in done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    fronts = [c["front"] for c in json.loads((out / "vault.json").read_text())]
    assert fronts == ["Good?"]


def test_missing_vault_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, err = run("build", str(tmp_path / "nope"))
    assert code == 1
    assert err == (
        f"Error: vault folder not found: {tmp_path / 'nope'} (pass the folder that holds"
        " your notes)\n"
    )


def test_bad_config_names_the_key(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "", "flashgen.yaml": "sources:\n  questionz: true\n"})
    code, _, err = run("check", str(vault))
    assert code == 1
    assert err == (
        "Error: flashgen.yaml: unknown key 'sources.questionz'"
        " (known: questions, comparisons, discrimination, spaced, o2a)\n"
    )


def test_cards_json_lists_every_key(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "---\ntags: [x/y]\n---\n# H\n" + QA.format(q="Q?", a="A #t")})
    code, out, _ = run("cards", str(vault), "--json")
    assert code == 0
    (card,) = json.loads(out)
    assert {k: card[k] for k in ("kind", "front", "back", "note", "line", "context", "tags")} == {
        "kind": "qa",
        "front": "Q?",
        "back": "A #t",
        "note": "a.md",
        "line": 5,
        "context": ["H"],
        "tags": ["x/y", "t"],
    }
    assert set(card) >= {"id", "deck", "media"}


def test_every_command_has_help_with_an_example() -> None:
    for command in ("build", "check", "cards", "watch"):
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "Example:" in out
