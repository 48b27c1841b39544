"""``flashgen check`` reports and writes nothing: not the cache, not the ledger, no folder."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import MakeVault
from tests.helpers import PNG, QA, run_cli

Snapshot = dict[str, tuple[bool, bytes, int]]


def snapshot(root: Path) -> Snapshot:
    """Every file and folder under *root*: is it a folder, its bytes, its modification time."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            data = b"" if path.is_dir() else path.read_bytes()
            found[path.relative_to(root).as_posix()] = (
                path.is_dir(),
                data,
                path.stat().st_mtime_ns,
            )
    return found


NOTES: dict[str, str | bytes] = {
    "a.md": QA.format(q="What is a GAN?", a="Two networks ![[pic.png]]"),
    "b/c.md": "---\ntags: [flashcards]\n---\nKenya::Nairobi\n\n==Paris== is in France.\n",
    "broken.md": "---\ntags: [unclosed\n---\n" + QA.format(q="No answer?", a=""),
    "pic.png": PNG,
}


def test_check_on_a_vault_never_built_leaves_it_as_it_was(make_vault: MakeVault) -> None:
    vault = make_vault(NOTES)
    before = snapshot(vault.parent)
    code, out, _err = run_cli("check", str(vault))
    assert code == 0 and "warning" in out
    assert snapshot(vault.parent) == before
    assert not (vault / ".flashgen").exists()


def test_check_after_edits_leaves_the_state_files_as_they_were(make_vault: MakeVault) -> None:
    vault = make_vault(NOTES)
    assert run_cli("build", str(vault), "-o", str(vault.parent / "out"))[0] == 0
    (vault / "a.md").write_text(QA.format(q="What is a GAN, again?", a="Two networks"))
    (vault / "new.md").write_text(QA.format(q="New?", a="Yes"))
    (vault / "b" / "c.md").unlink()
    before = snapshot(vault.parent)
    code, out, _err = run_cli("check", str(vault))
    assert code == 0 and "3 notes read" in out
    assert snapshot(vault.parent) == before
