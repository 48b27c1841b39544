"""The build's progress bars: on a terminal, each step of a big first build; elsewhere none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

from bench.vaultgen import generate_vault
from tests.conftest import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm"}


def test_a_big_first_build_on_a_terminal_shows_each_step(tmp_path: Path) -> None:
    vault = generate_vault(tmp_path / "vault", 400)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "flashgen", "build", str(vault), "-o", str(tmp_path / "out")],
        env=ENV,
        encoding="utf-8",
        timeout=300,
        dimensions=(24, 120),
    )
    child.expect("reading notes")
    child.expect("rendering cards")
    child.expect(r"wrote .*vault\.apkg: 4,400 notes")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_bar_when_not_on_a_terminal(tmp_path: Path) -> None:
    vault = generate_vault(tmp_path / "vault", 400)
    done = subprocess.run(
        [sys.executable, "-m", "flashgen", "build", str(vault), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "400 notes read, 4,400 cards (comparison-item 800, comparison-which 1,600, qa 2,000),"
        " 0 warnings, 0 errors",
        "+4,400 new ~0 changed -0 removed =0 unchanged",
        f"wrote {tmp_path / 'out' / 'vault.apkg'}: 4,400 notes in 140 decks, 50 media files",
    ]
    assert done.stderr == ""  # no bar, no escape codes
