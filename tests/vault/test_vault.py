"""Vault reading: which files count, how links resolve, and bad files."""

from __future__ import annotations

import os
from pathlib import Path

from flashgen.vault.index import leaves_vault, scan_vault
from flashgen.vault.notes import decode_note, read_note
from tests.conftest import MakeVault


def test_skips_obsidian_trash_hidden_and_excalidraw(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "a.md": "A",
            "sub/b.md": "B",
            ".obsidian/app.json": "{}",
            ".obsidian/x.md": "no",
            ".trash/old.md": "no",
            ".hidden/c.md": "no",
            "Drawing.excalidraw.md": "no",
            "img.png": b"png",
        }
    )
    vault = scan_vault(root)
    assert vault.notes() == ["a.md", "sub/b.md"]
    assert sorted(vault.files) == ["Drawing.excalidraw.md", "a.md", "img.png", "sub/b.md"]


def test_resolution_follows_obsidian_order(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "A/note.md": "",
            "A/img/Screen 1.png": b"a",
            "B/img/Screen 1.png": b"b",
            "B/deep/note.md": "",
            "pics/unique.png": b"u",
            "Other Note.md": "",
        }
    )
    vault = scan_vault(root)
    # exact vault path
    assert vault.resolve("B/img/Screen 1.png", "A/note.md") == "B/img/Screen 1.png"
    # relative to the note's folder
    assert vault.resolve("img/Screen 1.png", "A/note.md") == "A/img/Screen 1.png"
    # ambiguous name: the one nearest the note wins
    assert vault.resolve("Screen 1.png", "B/deep/note.md") == "B/img/Screen 1.png"
    assert vault.resolve("Screen 1.png", "A/note.md") == "A/img/Screen 1.png"
    # unique name anywhere; notes without extension; case-insensitive
    assert vault.resolve("unique.png", "A/note.md") == "pics/unique.png"
    assert vault.resolve("other note", "A/note.md") == "Other Note.md"
    assert vault.resolve("missing.png", "A/note.md") is None


def test_targets_leaving_the_vault_never_resolve(make_vault: MakeVault, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"secret")
    root = make_vault({"a/note.md": "", "x.png": b"x"})
    vault = scan_vault(root)
    for target in ("../../secret.png", "~/secret.png", "C:/secret.png"):
        assert leaves_vault(target, "a/note.md")
        assert vault.resolve(target, "a/note.md") is None
    # "/" starts a vault-root path, as in Obsidian: never a path of the machine
    assert not leaves_vault("/etc/passwd", "a/note.md")
    assert vault.resolve("/etc/passwd", "a/note.md") is None
    assert vault.resolve("/x.png", "a/note.md") == "x.png"
    assert not leaves_vault("../x.png", "a/note.md")
    assert vault.resolve("../x.png", "a/note.md") == "x.png"


def test_symlinks_out_of_the_vault_are_not_followed(make_vault: MakeVault, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.md").write_text("secret")
    root = make_vault({"a.md": "A"})
    os.symlink(outside, root / "link-dir")
    os.symlink(outside / "leak.md", root / "leak.md")
    os.symlink(root, root / "loop")  # a loop back to the root
    vault = scan_vault(root)
    assert vault.notes() == ["a.md"]
    messages = sorted(d.format() for d in vault.diagnostics)
    assert messages == [
        "leak.md: warning: symlink leads outside the vault; not followed",
        "link-dir: warning: symlink leads outside the vault; not followed",
    ]


def test_decode_handles_bom_crlf_and_bad_bytes() -> None:
    source, problems = decode_note("a.md", b"\xef\xbb\xbfline1\r\nline2\rline3")
    assert source is not None and source.text == "line1\nline2\nline3"
    assert problems == []
    source, problems = decode_note("a.md", b"ok\nbad \xff here")
    assert source is not None and source.text == "ok\nbad \ufffd here"
    assert [p.format() for p in problems] == [
        "a.md:2: warning: not valid UTF-8 (byte 0xff); unreadable bytes shown as \ufffd:"
        " re-save the note as UTF-8"
    ]
    assert decode_note("a.md", b"\x89PNG\0\0")[0] is None
    assert [p.message for p in decode_note("a.md", b"")[1]] == ["note is empty; no cards"]


def test_read_note_reports_a_vanished_file(make_vault: MakeVault) -> None:
    root = make_vault({"a.md": "A"})
    source, problems = read_note(root, "gone.md")
    assert source is None
    assert [p.format() for p in problems] == [
        "gone.md: warning: note vanished while the build ran (deleted or renamed); skipped:"
        " build again"
    ]
