"""Years of messy notes: pathological notes, vault faults, output faults, state faults.

Each build must finish without a traceback, say what a person should know, and still
make the other notes' cards. The large inputs are made here (``bench.stress``).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner

from bench.stress import CONFIG, PATHOLOGICAL
from bench.vaultgen import generate_vault
from flashgen.build.pipeline import VaultCards, collect
from flashgen.cli.commands import cli
from flashgen.review import store as review
from flashgen.vault.index import scan_vault
from flashgen.vault.notes import MAX_NOTE_BYTES, decode_note
from tests.conftest import REPO, MakeVault
from tests.helpers import QA, run_cli

GOOD = QA.format(q="Still a card?", a="Yes")
PNG = next((REPO / "notes").rglob("*.png")).read_bytes()
NOW = 1_767_258_000.0  # 2026-01-01

needs_setpriv = pytest.mark.skipif(
    shutil.which("setpriv") is None, reason="needs setpriv to drop root"
)


run = run_cli


def build(vault: Path) -> VaultCards:
    """A build of *vault* (how long pathological notes take is ``bench/stress.py``'s)."""
    return collect(vault, now=NOW)


def messages(built: VaultCards, path: str) -> list[str]:
    return [f"{d.line}: {d.severity}: {d.message}" for d in built.diagnostics if d.path == path]


# Pathological notes

EXPECTED_FRONTS = {
    "huge.md": [],
    "many-lines.md": [],
    "nested-callouts.md": [f"Level {depth}?" for depth in range(1, 20)],  # markdown-it's limit
    "nested-quotes.md": ["Quotes?"],
    "dollars.md": ["Dollars?"],
    "brackets.md": ["Brackets?"],
    "long-line.md": ["One line?"],
    "openers.md": ["Openers?"],
    "bad-bytes.md": ["Bytes?"],
    "line-ends.md": ["CRLF?", "CR?"],
    "broken-yaml.md": ["YAML?"],
    "deep-yaml.md": ["Deep?"],
    "yaml-bomb.md": ["Laughs?"],
    "yaml-escapes.md": ["Esc?"],
    "exported.md": ["HTML?"],
    "Drawing.md": ["Drawing?"],
    "terminal-log.md": ["Log?"],
}


def test_every_pathological_note_is_tested() -> None:
    assert sorted(EXPECTED_FRONTS) == sorted(PATHOLOGICAL)


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_pathological_note_builds_and_the_others_still_do(
    name: str, make_vault: MakeVault
) -> None:
    content = PATHOLOGICAL[name]()
    vault = make_vault({name: content, "good.md": GOOD, "flashgen.yaml": CONFIG})
    built = build(vault)
    qa = [card.front for card in built.cards if card.note == name and card.kind == "qa"]
    assert qa == EXPECTED_FRONTS[name]
    assert [card.front for card in built.cards if card.note == "good.md"] == ["Still a card?"]
    source, _ = decode_note(name, content if isinstance(content, bytes) else content.encode())
    lines = source.text.count("\n") + 1 if source is not None else 0
    for card in built.cards:
        if card.note == name:
            assert 1 <= card.line <= lines
            for text in (card.front, card.back, card.deck, *card.tags):
                text.encode("utf-8")  # no lone surrogate: every output can hold it
                assert "\0" not in text
    again = build(vault)  # from the cache: the same cards and problems
    assert [c.id for c in again.cards] == [c.id for c in built.cards]
    assert again.diagnostics == built.diagnostics


def test_what_pathological_notes_say(make_vault: MakeVault) -> None:
    names = (
        "huge.md many-lines.md nested-callouts.md bad-bytes.md deep-yaml.md broken-yaml.md"
    ).split()
    vault = make_vault({name: PATHOLOGICAL[name]() for name in names})
    built = collect(vault, now=NOW)
    limits = "flashgen reads notes of up to 5 MB and 100,000 lines"
    assert messages(built, "huge.md") == [
        f"0: warning: note is too large to be notes (10.1 MB; {limits}); skipped: split it,"
        " or move pasted data out of the vault"
    ]
    assert messages(built, "many-lines.md") == [
        f"0: warning: note is too large to be notes (200,003 lines; {limits}); skipped:"
        " split it, or move pasted data out of the vault"
    ]
    nested = messages(built, "nested-callouts.md")
    # each callout's answer holds all those inside it: a page, not a card, and said so
    assert sum("warning: card is long (" in message for message in nested) == 19
    assert [message for message in nested if "card is long" not in message] == [
        "39: warning: nested too deeply (more than 20 levels of blockquotes, callouts and"
        " lists, a list level counting twice); what is deeper is not read: nest less"
    ]
    assert messages(built, "bad-bytes.md") == [
        "5: warning: NUL characters in the note (a damaged file?) read as \ufffd",
        "6: warning: not valid UTF-8 (byte 0xe9); unreadable bytes shown as \ufffd: re-save"
        " the note as UTF-8",
    ]
    assert messages(built, "deep-yaml.md") == [
        "1: warning: frontmatter is not valid YAML (nested too deeply); it is ignored, the"
        " note is still read: fix the YAML between the --- lines"
    ]
    assert messages(built, "broken-yaml.md") == [
        "3: warning: frontmatter is not valid YAML (expected ',' or ']', but got '<stream"
        " end>'); it is ignored, the note is still read: fix the YAML between the --- lines"
    ]


def test_a_date_that_is_none_is_a_warning_not_a_crash(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "---\ndate: 2024-02-30\n---\n" + QA.format(q="Q?", a="A")})
    built = collect(vault, now=NOW)
    assert [c.front for c in built.cards] == ["Q?"]
    assert messages(built, "a.md") == [
        "1: warning: frontmatter is not valid YAML (day is out of range for month); it is"
        " ignored, the note is still read: fix the YAML between the --- lines"
    ]


def test_line_endings_and_bom_keep_line_numbers(make_vault: MakeVault) -> None:
    vault = make_vault({"ends.md": PATHOLOGICAL["line-ends.md"]()})
    built = collect(vault, now=NOW)
    assert [(c.front, c.back, c.line) for c in built.cards] == [
        ("CRLF?", "Yes", 3),
        ("CR?", "Yes", 6),
    ]


def test_yaml_escapes_never_reach_a_card(make_vault: MakeVault) -> None:
    vault = make_vault({"esc.md": PATHOLOGICAL["yaml-escapes.md"]()})
    (card,) = collect(vault, now=NOW).cards
    assert card.deck == "D\ufffd"
    assert card.tags == ("t\ufffd", "\x1b[31m")  # shown as symbols on a terminal


def test_a_large_note_under_the_limits_is_read(make_vault: MakeVault) -> None:
    body = QA.format(q="First?", a="Yes") + "plain line of pasted text\n" * 40_000
    vault = make_vault({"big.md": body + QA.format(q="Last?", a="Yes")})
    assert len(body) < MAX_NOTE_BYTES
    built = build(vault)
    assert [(c.front, c.line) for c in built.cards] == [("First?", 1), ("Last?", 40_004)]


def test_surrogates_and_nul_in_text_and_names_reach_no_output(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(
        {
            "esc.md": PATHOLOGICAL["yaml-escapes.md"](),
            "bytes.md": PATHOLOGICAL["bad-bytes.md"](),
            "good.md": GOOD,
        }
    )
    # A name that is not UTF-8 comes back from the file system with lone surrogates.
    (vault / os.fsdecode(b"caf\xe9.md")).write_text(GOOD)
    out = tmp_path / "out"
    code, _, err = run("build", str(vault), "-o", str(out))
    assert code == 0, err
    assert f"{vault}/caf\ufffd.md: warning: name is not valid UTF-8; skipped: rename it" in err
    listing = json.loads((out / "vault.json").read_text(encoding="utf-8"))
    assert sorted(card["note"] for card in listing) == ["bytes.md", "esc.md", "good.md"]
    code, stdout, _ = run("cards", str(vault), "--json")
    assert code == 0 and json.loads(stdout) == listing


def test_a_paragraph_of_thousands_of_clozes_makes_none_and_says_why(
    make_vault: MakeVault,
) -> None:
    vault = make_vault({"log.md": "#flashcards\n\n" + "x ==a== " * 3_000 + "\n", "good.md": GOOD})
    built = build(vault)
    assert [c.front for c in built.cards] == ["Still a card?"]
    assert messages(built, "log.md") == [
        "3: warning: 3,000 cloze deletions in a text of 23,999 characters would make cards of"
        " 71,997,000 characters in all (at most 5,000,000); no cloze card is made from it:"
        " split it with blank lines"
    ]


def test_a_dash_inside_a_question_is_no_list_marker(make_vault: MakeVault) -> None:
    # Found while timing: the marker was looked for anywhere in the line, not at its start.
    vault = make_vault({"sums.md": "#flashcards\n\n- Is 5 - 3 = 2::yes\n"})
    assert [(c.front, c.back) for c in collect(vault, now=NOW).cards] == [("Is 5 - 3 = 2", "yes")]


# Vault faults


def test_symlink_loops_and_self_links(make_vault: MakeVault) -> None:
    vault = make_vault({"a/note.md": GOOD, "b/other.md": QA.format(q="Other?", a="Yes")})
    os.symlink("..", vault / "a" / "up")  # a loop through the parent
    os.symlink(vault, vault / "b" / "root")  # a second way to the root
    os.symlink("self.md", vault / "self.md")  # a link to itself
    built = build(vault)
    assert sorted(c.front for c in built.cards) == ["Other?", "Still a card?"]
    assert messages(built, "self.md") == ["0: warning: broken symlink or vanished file; skipped"]


def _vanish_and_truncate(vault: Path) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        if done == 1:  # a.md is read; b.md and c.md are next
            (vault / "b.md").write_text(QA.format(q="Kept?", a="Yes"))  # cut short
            (vault / "c.md").unlink()

    return progress


def test_a_note_deleted_or_truncated_during_the_build(make_vault: MakeVault) -> None:
    kept = QA.format(q="Kept?", a="Yes")
    second = kept + QA.format(q="Cut off?", a="Yes")
    vault = make_vault({"a.md": GOOD, "b.md": second, "c.md": QA.format(q="Gone?", a="Yes")})
    built = collect(vault, progress=_vanish_and_truncate(vault), now=NOW)
    assert [c.front for c in built.cards] == ["Still a card?", "Kept?"]
    assert [d.format() for d in built.diagnostics] == [
        f"b.md: warning: note changed while the build ran ({len(second)} bytes when listed,"
        f" {len(kept)} when read); its cards are from what was read: build again",
        "c.md: warning: note vanished while the build ran (deleted or renamed); skipped:"
        " build again",
    ]
    again = collect(vault, now=NOW + 10)
    assert [c.front for c in again.cards] == ["Still a card?", "Kept?"]
    assert again.diagnostics == []


def _as_nobody(command: list[str], tmp_path: Path) -> list[str]:
    """*command* run as nobody when we are root (root reads and writes anything)."""
    if os.geteuid() != 0:
        return command
    for folder in (tmp_path, *tmp_path.parents):
        folder.chmod(folder.stat().st_mode | 0o005)
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]


def _flashgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "flashgen", *args]


ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@needs_setpriv
def test_an_unreadable_folder_is_skipped_with_a_warning(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"good.md": GOOD, "locked/secret.md": QA.format(q="Secret?", a="Yes")})
    (vault / "locked").chmod(0)
    tmp_path.chmod(0o777)
    out = tmp_path / "out"
    command = _as_nobody(_flashgen("build", str(vault), "-o", str(out)), tmp_path)
    done = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
    assert done.returncode == 0, done.stderr
    assert (
        f"{vault}/locked: warning: cannot list folder: Permission denied; skipped"
        in done.stderr.splitlines()
    )
    assert "Traceback" not in done.stderr
    assert [c["front"] for c in json.loads((out / "vault.json").read_text())] == ["Still a card?"]


def test_a_note_and_a_folder_with_the_same_name(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault(
        {
            "Topic.md": QA.format(q="Topic?", a="![[Topic/pic.png]] see [[Topic/Sub]]"),
            "Topic/pic.png": PNG,
            "Topic/Sub.md": QA.format(q="Sub?", a="![[pic.png|100]] from [[Topic]]"),
        }
    )
    index = scan_vault(vault)
    assert index.resolve("Topic", "Topic/Sub.md") == "Topic.md"
    assert index.resolve("Topic/Sub", "Topic.md") == "Topic/Sub.md"
    built = collect(vault, now=NOW)
    assert [(c.front, c.deck, c.media) for c in built.cards] == [
        ("Topic?", "vault", ("Topic/pic.png",)),
        ("Sub?", "vault::Topic", ("Topic/pic.png",)),
    ]
    assert built.diagnostics == []
    code, out, err = run("build", str(vault), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert out.splitlines()[-1].endswith("2 notes in 2 decks, 1 media file")


def test_names_with_emoji_hash_percent_and_trailing_spaces(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(
        {
            "🧠 Brain/Émoji 🎉.md": QA.format(q="Emoji?", a="![[pic #1.png]] and ![[🖼.png]]"),
            "C# notes.md": QA.format(q="Hash?", a="![](pic%20%231.png) [[🧠 Brain/Émoji 🎉]]"),
            "100%20done.md": QA.format(q="Percent?", a="![[my%20pic.png]]"),
            "Trailing /note .md": QA.format(q="Spaces?", a="![[Trailing /sp ace .png ]]"),
            "pic #1.png": PNG,
            "🖼.png": PNG + b"1",
            "my%20pic.png": PNG + b"2",
            "Trailing /sp ace .png": PNG + b"3",
        }
    )
    built = collect(vault, now=NOW)
    found = {c.front: (c.note, c.deck, c.media) for c in built.cards}
    assert found == {
        "Percent?": ("100%20done.md", "vault", ("my%20pic.png",)),
        "Hash?": ("C# notes.md", "vault", ("pic #1.png",)),
        "Spaces?": ("Trailing /note .md", "vault::Trailing ", ("Trailing /sp ace .png",)),
        # "#" starts a heading in a wiki-link, as in Obsidian ("pic " is a note, not
        # found): a Markdown link embeds such a name
        "Emoji?": ("🧠 Brain/Émoji 🎉.md", "vault::🧠 Brain", ("🖼.png",)),
    }
    assert built.diagnostics == []
    code, out, err = run("build", str(vault), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert out.splitlines()[-1].endswith("4 notes in 3 decks, 4 media files")


def test_very_long_names_and_paths(tmp_path: Path) -> None:
    vault = tmp_path / ("v" * 230)  # the deck, its state and their temporary files too
    folder = vault
    while len(os.fsencode(folder)) < 3_500:  # PATH_MAX is 4,096 bytes
        folder = folder / ("é" * 120)  # 240 bytes: NAME_MAX is 255
    folder.mkdir(parents=True)
    note = folder / ("n" * 200 + ".md")
    (folder / ("p" * 200 + ".png")).write_bytes(PNG)
    note.write_text(QA.format(q="Deep?", a=f"![[{'p' * 200}.png]]"))
    assert 3_700 < len(os.fsencode(note)) < 4_096
    out = tmp_path / "out"
    code, _, err = run("build", str(vault), "-o", str(out))
    assert code == 0, err
    (card,) = json.loads((out / f"{vault.name}.json").read_text())
    assert card["front"] == "Deep?" and card["media"] == [
        f"{note.parent.relative_to(vault)}/{'p' * 200}.png"
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{vault.name}.apkg", f"{vault.name}.json", f".{vault.name}.apkg.state"]
        + [f".{vault.name}.apkg.render"] * (out / f".{vault.name}.apkg.render").exists()
        + [f".{vault.name}.apkg.parts", f".{vault.name}.apkg.collection"]
    )


# Output faults

PREVIOUS = b"the previous deck"


def _previous_deck(out: Path, name: str = "vault") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    deck = out / f"{name}.apkg"
    deck.write_bytes(PREVIOUS)
    return deck


@needs_setpriv
def test_an_unwritable_output_folder_is_a_one_line_error(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"good.md": GOOD})
    tmp_path.chmod(0o777)
    out = tmp_path / "out"
    deck = _previous_deck(out)
    out.chmod(0o555)
    command = _as_nobody(_flashgen("build", str(vault), "-o", str(out)), tmp_path)
    done = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == f"Error: cannot write {deck}: Permission denied"
    assert "Traceback" not in done.stderr
    assert deck.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.iterdir()) == ["vault.apkg"]


def _limit_file_size() -> None:
    # Writes past 200 KB fail with EFBIG, as on a full disk (SIGXFSZ ignored, so the
    # write returns an error instead of killing the process).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_full_disk_leaves_the_previous_deck(tmp_path: Path) -> None:
    vault = generate_vault(tmp_path / "vault", 40)
    out = tmp_path / "out"
    deck = _previous_deck(out)
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = subprocess.run(
        _flashgen("build", str(vault), "-o", str(out)),
        capture_output=True,
        text=True,
        env={**ENV, "TMPDIR": str(temp)},
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"Error: cannot write {deck}: "), last
    assert last.endswith(("File too large", "disk I/O error")), last
    assert "Traceback" not in done.stderr
    assert deck.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.iterdir()) == ["vault.apkg"]
    assert list(temp.iterdir()) == []


INTERRUPT_IN_ZIP = """
import os, signal, sys
from flashgen.anki.apkg_zip import ZipWriter
from flashgen.cli import main
write = ZipWriter.write
def interrupt(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the deck is being written
    return write(self, *args, **kwargs)
ZipWriter.write = interrupt
sys.argv = ["flashgen", *sys.argv[1:]]
main()
"""


def test_ctrl_c_while_the_deck_is_written_leaves_the_previous_deck(tmp_path: Path) -> None:
    vault = generate_vault(tmp_path / "vault", 60)
    out = tmp_path / "out"
    deck = _previous_deck(out)
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_IN_ZIP, "build", str(vault), "-o", str(out)],
        capture_output=True,
        text=True,
        env={**ENV, "TMPDIR": str(temp)},
        check=False,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines()[-1] == "interrupted; the previous deck is unchanged"
    assert "Traceback" not in done.stderr
    assert deck.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.iterdir()) == ["vault.apkg"]
    assert list(temp.iterdir()) == []


def test_ctrl_c_in_a_terminal_while_notes_are_read(tmp_path: Path) -> None:
    vault = generate_vault(tmp_path / "vault", 400)
    out = tmp_path / "out"
    deck = _previous_deck(out)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "flashgen", "build", str(vault), "-o", str(out)],
        env={**ENV, "TERM": "xterm"},
        encoding="utf-8",
        timeout=60,
    )
    child.expect("reading notes")  # the progress bar: the build is under way
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, child.before
    assert "interrupted; the previous deck is unchanged" in child.before
    assert "Traceback" not in child.before
    assert deck.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.iterdir()) == ["vault.apkg"]


# State faults (the store's own tests are in test_review.py and test_quiz.py)


def _quiz(vault: Path, *args: str, input: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["quiz", str(vault), "--plain", *args],
        input=input,
        env={"FLASHGEN_NOW": "2026-01-01T09:00:00Z", "TZ": "UTC"},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_a_damaged_store_is_set_aside_by_stats_too(make_vault: MakeVault) -> None:
    vault = make_vault({"good.md": GOOD})
    path = vault / ".flashgen" / "reviews.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"\0garbage" * 100)
    code, _, err = run("stats", str(vault))
    assert code == 0
    assert err.startswith(f"warning: {path} is damaged (file is not a database); it is kept as")
    assert (path.parent / "reviews.sqlite3.corrupt-1").read_bytes() == b"\0garbage" * 100


def test_a_store_from_a_newer_flashgen_is_refused(make_vault: MakeVault) -> None:
    vault = make_vault({"good.md": GOOD})
    path = vault / ".flashgen" / "reviews.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {review.SCHEMA_VERSION + 1}")
    db.execute("CREATE TABLE future (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    code, _, err = _quiz(vault, input="q\n")
    assert code == 1
    assert err == (
        f"Error: {path} was written by a newer flashgen (store version"
        f" {review.SCHEMA_VERSION + 1}, this one knows {review.SCHEMA_VERSION}); upgrade"
        " flashgen to use it\n"
    )
    assert path.read_bytes() == before


def test_a_locked_store_waits_then_fails_clearly(
    make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault({"good.md": GOOD})
    assert _quiz(vault, input="q\n")[0] == 0  # makes the store
    path = vault / ".flashgen" / "reviews.sqlite3"
    monkeypatch.setattr(review, "BUSY_TIMEOUT", 0.3)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another session, in the middle of an answer
    try:
        code, _, err = _quiz(vault, input="\n3\nq\n")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert code == 1
    assert err.splitlines()[-1] == (
        f"Error: the review store {path} is busy: another flashgen session kept it locked for"
        " 0.3s; finish that session and try again"
    )
