"""How the commands word what they print: counts, diagnostics, the build summary, the
lines of ``flashgen watch``.

Cheap to import (the commands load it at start-up): the build stage is imported only
when diagnostics are printed.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flashgen.build.diagnostics import DiagnosticGroup
    from flashgen.build.outputs import Export
    from flashgen.build.pipeline import VaultCards
    from flashgen.build.watch import Rebuild
    from flashgen.config import Config
    from flashgen.model import Diagnostic


class Verbosity(Enum):
    """How much of the diagnostics a command prints (``-q``, default, ``-v``)."""

    QUIET = "quiet"
    """Errors only, and no summary."""
    NORMAL = "normal"
    """Each distinct problem once; what notes unchanged since the last build said, and
    problems that change no card, only counted."""
    VERBOSE = "verbose"
    """Every diagnostic, one line each (what ``flashgen check`` prints)."""


def plural(count: int, word: str) -> str:
    """``1 note``, ``2 notes``, ``1,000 notes``."""
    return f"{count:,} {word}{'s' * (count != 1)}"


def prefix_of(vault: Path) -> str:
    """What diagnostics' vault-relative paths are shown under: the vault as typed."""
    return f"{vault.as_posix().rstrip('/')}/"


def check_command(vault: Path) -> str:
    """The command that lists every diagnostic of *vault*, as the user would type it."""
    return f"flashgen check {shlex.quote(str(vault))}"


def diagnostic_lines(
    diagnostics: Sequence[Diagnostic],
    vault: Path,
    verbosity: Verbosity,
    recalled: Collection[Diagnostic] = (),
    *,
    counts: bool = True,
) -> Iterator[str]:
    """The lines that show *diagnostics* at *verbosity*, safe to print on a terminal;
    with *counts*, a last line counting those left out."""
    from flashgen.build.diagnostics import group_diagnostics, select_diagnostics
    from flashgen.cli.terminal import printable

    selection = select_diagnostics(
        diagnostics,
        recalled,
        errors_only=verbosity is Verbosity.QUIET,
        everything=verbosity is Verbosity.VERBOSE,
    )
    prefix = prefix_of(vault)
    if verbosity is Verbosity.VERBOSE:
        for diagnostic in selection.shown:
            yield printable(diagnostic.format(prefix))
    else:
        for group in group_diagnostics(selection.shown):
            yield printable(_group_line(group, vault))
    reasons = {
        "from notes unchanged since the last build": selection.unchanged,
        "about images no card shows": selection.minor,
    }
    given = [(reason, count) for reason, count in reasons.items() if count and counts]
    if len(given) == 1:
        [(reason, count)] = given
        yield f"{plural(count, 'warning')} {reason} not shown ('{check_command(vault)}' lists all)"
    elif given:
        parts = " and ".join(f"{count:,} {reason}" for reason, count in given)
        total = plural(selection.unchanged + selection.minor, "warning")
        yield f"{total} not shown, {parts} ('{check_command(vault)}' lists all)"


def _group_line(group: DiagnosticGroup, vault: Path) -> str:
    line = group.first.format(prefix_of(vault))
    if group.count == 1:
        return line
    where = f"in {plural(group.notes, 'note')}" if group.notes > 1 else "in this note"
    return f"{line} ({group.count:,} times {where}; '{check_command(vault)}' lists every one)"


def no_cards_line(config: Config, lead: str = "no cards, so no deck written: ") -> str:
    """Why a vault made no cards, after *lead*: the syntaxes flashgen reads there, and
    where the README tells more."""
    spaced = "obsidian-spaced-repetition cards (Q::A, ?, ==cloze==)"
    if config.spaced_tags:
        spaced += " in notes tagged " + " or ".join(f"#{tag}" for tag in config.spaced_tags)
    syntaxes = {
        "question callouts (> [!question] …)": config.questions,
        "'X vs. Y' sections": config.comparisons,
        spaced: config.spaced,
        "Obsidian_to_Anki START … END blocks": config.o2a,
    }
    read = [name for name, on in syntaxes.items() if on]
    if not read:
        return f"{lead}every source is off in flashgen.yaml (sources:)"
    listed = ", ".join(read[:-1]) + (" and " if len(read) > 1 else "") + read[-1]
    selected = f" among notes tagged {', '.join(config.tags)}" if config.tags else ""
    return f"{lead}flashgen reads {listed}{selected}; see 'Card syntax' in the README"


def watch_line(at: datetime, rebuild: Rebuild, export: Export | None) -> str:
    """``09:12:03 a.md, new b.md, renamed c.md → d.md: +1 new ~0 changed -0 removed``
    (``: no cards yet`` without an *export*)."""
    touched = rebuild.touched
    names = [
        *touched.edited,
        *(f"new {path}" for path in touched.added),
        *(f"deleted {path}" for path in touched.deleted),
        *(f"renamed {old} → {new}" for old, new in touched.renamed),
    ] or list(rebuild.changed)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
    if export is None:
        return f"{at:%H:%M:%S} {shown}: no cards yet"
    changes = (
        f"+{export.count('+'):,} new ~{export.count('~'):,} changed -{export.count('-'):,} removed"
    )
    return f"{at:%H:%M:%S} {shown}: {changes}"


def build_summary(built: VaultCards) -> str:
    """``10 notes read, 68 cards (basic 3, qa 65), 1 warning, 0 errors``."""
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(built.kinds().items()))
    warnings, errors = built.count("warning"), built.count("error")
    return (
        f"{plural(built.notes_read, 'note')} read, {plural(built.card_count(), 'card')}"
        + (f" ({kinds})" if kinds else "")
        + f", {plural(warnings, 'warning')}, {plural(errors, 'error')}"
    )


def describe_deck(export: Export) -> str:
    """``wrote cards/notes.apkg: 68 notes in 7 decks, 8 media files``."""
    summary = export.summary
    holds = (
        f"{plural(summary.notes, 'note')} in {plural(summary.decks, 'deck')},"
        f" {plural(summary.media, 'media file')}"
        + (f", {export.removed_kept:,} tagged flashgen::removed" if export.removed_kept else "")
    )
    return (
        f"wrote {export.deck}: {holds}" if export.written else f"unchanged {export.deck}: {holds}"
    )


class WatchPrinter:
    """Prints each build of ``flashgen watch``: the first one's summary, then a line per
    rebuild, and the problems of the notes that changed."""

    def __init__(self, vault: Path, verbosity: Verbosity, diff: bool) -> None:
        self.vault = vault
        self.verbosity = verbosity
        self.diff = diff

    def __call__(self, rebuild: Rebuild) -> None:
        from flashgen.build.outputs import iter_changes
        from flashgen.cli.terminal import local_zone, now, printable

        first = rebuild.changed == ()
        built, export = rebuild.built, rebuild.export
        if built is not None:
            for line in diagnostic_lines(
                built.diagnostics, self.vault, self.verbosity, built.recalled, counts=first
            ):
                click.echo(line, err=True)
        if rebuild.error is not None:
            click.echo(f"Error: {rebuild.error}; still watching", err=True)
        elif export is None and built is not None and self.verbosity is not Verbosity.QUIET:
            if first:
                click.echo(build_summary(built))
                click.echo(no_cards_line(built.config, "no cards, so no deck written yet: "))
            else:
                click.echo(printable(watch_line(now().astimezone(local_zone()), rebuild, None)))
        if export is not None:
            for diagnostic in export.summary.diagnostics:
                click.echo(printable(diagnostic.format(prefix_of(self.vault))), err=True)
            if self.diff:
                for line in iter_changes(export):
                    click.echo(printable(line))
            if self.verbosity is Verbosity.QUIET:
                pass  # errors only
            elif not first:
                click.echo(printable(watch_line(now().astimezone(local_zone()), rebuild, export)))
            elif built is not None:
                click.echo(build_summary(built))
                click.echo(export.summary_line())
                click.echo(describe_deck(export))
        if first:
            click.echo(f"watching {self.vault} for changes (Ctrl-C to stop)", err=True)
