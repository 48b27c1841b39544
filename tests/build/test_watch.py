"""``flashgen watch``: a rebuild per edit or save burst, broken edits survived, Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import watchfiles

from flashgen.anki.package import write_apkg
from flashgen.build.watch import Rebuild, Touched, VaultFilter, watch_vault
from tests.conftest import REPO, MakeVault, assert_only_build_outputs
from tests.helpers import QA, package_notes

WAIT = 15.0
"""Seconds any one step may take, on a slow machine."""
ENV = {**os.environ, "PYTHONPATH": str(REPO), "FLASHGEN_NOW": "2026-01-01T09:00:00Z", "TZ": "UTC"}
"""For ``flashgen watch`` in a subprocess: this checkout, a fixed clock for its lines."""


def fronts(deck: Path) -> list[str]:
    """The first field of every note in a package."""
    return sorted(fields[0] for _guid, _tags, fields in package_notes(deck))


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Lines:
    """The lines a stream yields, gathered by a thread so that tests can wait for one."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text: str) -> str:
        """The first line (from the start) containing *text*, waiting for it if need be."""
        deadline = time.monotonic() + WAIT
        while True:
            found = next((line for line in self.seen if text in line), None)
            if found is not None:
                return found
            try:
                self.seen.append(self._queue.get(timeout=max(deadline - time.monotonic(), 0)))
            except queue.Empty as err:
                raise AssertionError(f"no line with {text!r}; got {self.seen}") from err


def test_the_filter_keeps_notes_and_images_only(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    events = VaultFilter(root, root / "cards")
    change = watchfiles.Change.modified
    for kept in ("a.md", "deep/er/b.md", "img/x.png", "flashgen.yaml"):
        assert events(change, str(root / kept)), kept
    for ignored in (
        ".flashgen/cache.pickle",
        ".obsidian/workspace.json",
        ".git/index",
        "cards/vault.apkg",
        "cards/.vault.apkg.1234.tmp",
        "a.md~",
        ".a.md.swp",
        ".#a.md",
        "sedAb12Cd",
        "notes/sed0XyZ9q",
        "folder/.hidden.md",
    ):
        assert not events(change, str(root / ignored)), ignored
    assert not events(change, str(tmp_path / "elsewhere.md"))


def test_watch_rebuilds_after_each_edit_and_stops_cleanly_on_ctrl_c(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"a.md": QA.format(q="First?", a="1")})
    out = tmp_path / "out"
    deck = out / "vault.apkg"
    command = [sys.executable, "-m", "flashgen", "watch", str(vault), "-o", str(out), "--diff"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    )
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = Lines(process.stdout), Lines(process.stderr)
    try:
        stderr.wait_for(f"watching {vault} for changes (Ctrl-C to stop)")
        assert fronts(deck) == ["First?"]
        assert stdout.wait_for("note read") == "1 note read, 1 card (qa 1), 0 warnings, 0 errors"
        assert stdout.seen[0] == "+ a.md:1 qa First?"  # --diff: the first build's cards too

        two = QA.format(q="First?", a="1") + QA.format(q="Second?", a="2")
        (vault / "a.md").write_text(two)
        eventually(lambda: fronts(deck) == ["First?", "Second?"], "the new card in the deck")
        assert stdout.wait_for("Second?") == "+ a.md:4 qa Second?"
        stdout.wait_for("09:00:00 a.md: +1 new ~0 changed -0 removed")

        # A broken edit is reported, and watching goes on.
        (vault / "flashgen.yaml").write_text("sources:\n  questionz: true\n")
        stderr.wait_for("Error: flashgen.yaml: unknown key 'sources.questionz'")
        (vault / "flashgen.yaml").unlink()
        (vault / "b.md").write_text("---\ntags: [x\n---\n" + QA.format(q="Third?", a="3"))
        stderr.wait_for("b.md:2: warning: frontmatter is not valid YAML")
        eventually(lambda: "Third?" in fronts(deck), "the card of the note with bad YAML")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=WAIT)
    assert code == 0, stderr.seen
    assert stderr.wait_for("stopped watching") == stderr.seen[-1]
    assert "Traceback" not in "\n".join(stderr.seen)
    assert_only_build_outputs(out, vault)


def test_watch_reports_a_rename_and_ignores_sed_s_temporary_file(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(
        {"a.md": QA.format(q="What is teh first step?", a="1"), "b.md": QA.format(q="B?", a="b")}
    )
    command = [sys.executable, "-m", "flashgen", "watch", str(vault), "-o", str(tmp_path / "o")]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    )
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = Lines(process.stdout), Lines(process.stderr)
    try:
        stderr.wait_for("watching")
        # What `sed -i s/teh/the/ a.md` does: write a sedXXXXXX file beside, move it over.
        scratch = vault / "sedK3x9Qa"
        scratch.write_text(QA.format(q="What is the first step?", a="1"))
        os.replace(scratch, vault / "a.md")
        stdout.wait_for("09:00:00 a.md: +0 new ~1 changed -0 removed")
        os.rename(vault / "b.md", vault / "c.md")
        stdout.wait_for("09:00:00 renamed b.md → c.md: +0 new ~1 changed -0 removed")
        (vault / "c.md").unlink()
        stdout.wait_for("09:00:00 deleted c.md: +0 new ~0 changed -1 removed")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT) == 0
    assert stdout.seen[3:] == [
        "09:00:00 a.md: +0 new ~1 changed -0 removed",
        "09:00:00 renamed b.md → c.md: +0 new ~1 changed -0 removed",
        "09:00:00 deleted c.md: +0 new ~0 changed -1 removed",
    ]
    stderr.wait_for("stopped watching")
    assert stderr.seen == [f"watching {vault} for changes (Ctrl-C to stop)", "stopped watching"]


@contextmanager
def watching(vault: Path, out: Path, builds: list[Rebuild]) -> Iterator[None]:
    """Run ``watch_vault`` in a thread until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(
        target=watch_vault,
        args=(vault, out),
        kwargs={
            "on_build": builds.append,
            "stop": stop,
            "clock": time.time,
            "write_deck": write_apkg,
        },
    )
    thread.start()
    try:
        eventually(lambda: len(builds) == 1, "the first build")
        yield
    finally:
        stop.set()
        thread.join(WAIT)
    assert not thread.is_alive()


def test_an_editors_save_burst_is_one_rebuild(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"a.md": QA.format(q="What is teh first step?", a="1")})
    builds: list[Rebuild] = []
    with watching(vault, tmp_path / "out", builds):
        # What editors do on save: write a temporary file, rename it over, touch it.
        temporary = vault / ".a.md.tmp"
        temporary.write_text(QA.format(q="What is the frist step?", a="1"))
        os.replace(temporary, vault / "a.md")
        os.utime(vault / "a.md")
        (vault / "a.md").write_text(QA.format(q="What is the first step?", a="1"))
        eventually(lambda: len(builds) == 2, "the rebuild")
        time.sleep(1.0)  # and no second one
        # A file that comes and goes within one batch (vim's "4913" write test) is none.
        (vault / "4913").write_text("")
        (vault / "4913").unlink()
        time.sleep(1.5)
    assert len(builds) == 2
    first, second = builds
    assert first.changed == () and second.changed == ("a.md",)
    assert first.built is not None and second.built is not None and second.export is not None
    assert [card.front for card in second.built.cards] == ["What is the first step?"]
    assert second.built.cards[0].id == first.built.cards[0].id  # a typo fix keeps the id
    assert second.export.summary_line() == "+0 new ~1 changed -0 removed =0 unchanged"
    assert second.touched == Touched(edited=("a.md",))


def test_watch_stops_on_sigterm_as_on_ctrl_c(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"a.md": QA.format(q="First?", a="1")})
    command = [sys.executable, "-m", "flashgen", "watch", str(vault), "-o", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    stderr = Lines(process.stderr)
    try:
        stderr.wait_for("watching")
    finally:
        process.terminate()
        code = process.wait(timeout=WAIT)
    assert code == 0
    stderr.wait_for("stopped watching")


def test_watch_writes_no_empty_deck(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"a.md": "Just prose.\n"})
    out = tmp_path / "out"
    builds: list[Rebuild] = []
    with watching(vault, out, builds):
        assert builds[0].built is not None and builds[0].export is None
        assert builds[0].error is None and not out.exists()
        (vault / "a.md").write_text(QA.format(q="Now a card?", a="Yes"))
        eventually(lambda: len(builds) == 2, "the rebuild")
    assert builds[1].export is not None and fronts(out / "vault.apkg") == ["Now a card?"]
