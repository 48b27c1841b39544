"""A build's progress bars on a terminal: notes read, cards rendered, media packed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich's progress display loads only when a bar is shown
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from flashgen.build.outputs import Stage

PROGRESS_THRESHOLD = 200
"""Show a progress bar on a terminal only for vaults with at least this many notes."""


class Bars:
    """The progress bars of a build on a terminal: one line per step, once it is big.

    The bars start with the first big step that has work left: a rebuild whose notes all
    come from the cache (a quiz's start) shows nothing and loads no progress display.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def notes(self, done: int, total: int) -> None:
        """Follow the notes read (``collect``'s *progress*)."""
        self.step("reading notes", done, total)

    def deck(self, stage: Stage, done: int, total: int) -> None:
        """Follow the deck being written (``update_outputs``'s *progress*)."""
        label = {"cards rendered": "rendering cards", "media packed": "packing media"}[stage]
        self.step(label, done, total)

    def step(self, label: str, done: int, total: int) -> None:
        """Show *label*'s bar at *done* of *total*, once *total* is worth a bar."""
        if total < PROGRESS_THRESHOLD:
            return
        if self._bar is None:
            if done >= total:
                return  # done before it began: no bar to show
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            self._bar = Progress(*columns, console=self._console, transient=True)
            self._bar.start()
        task = self._tasks.get(label)
        if task is None:
            task = self._tasks[label] = self._bar.add_task(label, total=total)
        self._bar.update(task, completed=done, total=total)

    def stop(self) -> None:
        """Take the bars off the screen."""
        if self._bar is not None:
            self._bar.stop()


@contextmanager
def progress_bars() -> Iterator[Bars | None]:
    """Progress bars on stderr when it is a terminal; None (nothing shown) otherwise."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    bars = Bars(console)
    try:
        yield bars
    finally:
        bars.stop()
