"""The ``flashgen`` command: parses arguments, calls the library, formats output."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from flashgen import __version__
from flashgen.build import Progress as ProgressFn
from flashgen.build import VaultCards, collect, deck_path, write_outputs
from flashgen.errors import FlashgenError

DEFAULT_VAULT = "notes"
DEFAULT_OUTPUT = "cards"
PROGRESS_THRESHOLD = 200
"""Show a progress bar on a terminal only for vaults with at least this many notes."""

T = TypeVar("T")

vault_argument = click.argument(
    "vault", default=DEFAULT_VAULT, type=click.Path(file_okay=False, path_type=Path)
)


def _run(action: Callable[[], T]) -> T:
    """Turn library errors into one-line ``Error: ...`` messages with exit status 1."""
    try:
        return action()
    except FlashgenError as err:
        raise click.ClickException(str(err)) from err


@contextmanager
def _progress_bar() -> Iterator[ProgressFn | None]:
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("reading notes"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("notes", total=None)

        def advance(done: int, total: int) -> None:
            if total >= PROGRESS_THRESHOLD:
                bar.update(task, completed=done, total=total)

        yield advance


def _collect(vault: Path) -> VaultCards:
    with _progress_bar() as progress:
        return _run(lambda: collect(vault, progress=progress))


def _report(built: VaultCards, vault: Path, strict: bool) -> int:
    """Print diagnostics and the summary on stderr; return the exit status."""
    prefix = f"{vault.as_posix().rstrip('/')}/"
    for diagnostic in built.diagnostics:
        click.echo(diagnostic.format(prefix), err=True)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(built.kinds().items()))
    warnings, errors = built.count("warning"), built.count("error")
    click.echo(
        f"{built.notes_read} notes read, {len(built.cards)} cards"
        + (f" ({kinds})" if kinds else "")
        + f", {warnings} warning{'s' * (warnings != 1)}, {errors} error{'s' * (errors != 1)}",
        err=True,
    )
    return 1 if errors or (strict and warnings) else 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flashgen")
def cli() -> None:
    """Turn an Obsidian vault into spaced-repetition flashcards.

    \b
    Example:
      flashgen build                    # notes/ → cards/notes.apkg
      flashgen build ~/MyVault -o ~/decks/
    """


@cli.command()
@vault_argument
@click.option(
    "-o",
    "--output",
    default=DEFAULT_OUTPUT,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the deck and listing.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
def build(vault: Path, output: Path, strict: bool) -> None:
    """Build VAULT (default: notes) into an Anki deck, OUTPUT/<vault>.apkg.

    Re-importing the deck in Anki updates edited cards in place and keeps their
    review history.

    \b
    Example:
      flashgen build ~/MyVault -o ~/decks/
    """
    built = _collect(vault)
    status = _report(built, vault, strict)
    summary = _run(lambda: write_outputs(built, output, now=time.time()))
    click.echo(
        f"wrote {deck_path(output, built)}: {summary.notes} notes in {summary.decks}"
        f" deck{'s' * (summary.decks != 1)}, {summary.media} media files",
        err=True,
    )
    sys.exit(status)


@cli.command()
@vault_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
def check(vault: Path, strict: bool) -> None:
    """Report problems in VAULT's notes without writing anything.

    \b
    Example:
      flashgen check ~/MyVault --strict
    """
    sys.exit(_report(_collect(vault), vault, strict))


@cli.command()
@vault_argument
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def cards(vault: Path, as_json: bool) -> None:
    """List the cards VAULT makes, as a table or as JSON.

    \b
    Example:
      flashgen cards ~/MyVault --json | jq '.[].front'
    """
    built = _collect(vault)
    if as_json:
        click.echo(
            json.dumps([card.to_dict() for card in built.cards], indent=1, ensure_ascii=False)
        )
    else:
        table = Table("id", "kind", "front", "where", "deck", show_lines=False)
        for card in built.cards:
            front = " ".join(card.front.split())
            table.add_row(
                card.id,
                card.kind,
                front[:70] + ("…" * (len(front) > 70)),
                f"{card.note}:{card.line}",
                card.deck,
            )
        Console().print(table)
    sys.exit(_report(built, vault, strict=False))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="flashgen")
