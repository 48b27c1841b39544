"""The ``flashgen`` command: parses arguments, calls the library, formats output."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from flashgen import __version__
from flashgen.anki.package import write_apkg
from flashgen.build.outputs import Export, iter_changes, update_outputs
from flashgen.build.pipeline import Progress as ProgressFn
from flashgen.build.pipeline import VaultCards, collect
from flashgen.build.watch import Rebuild, watch_vault
from flashgen.cli.screen import make_console, render_stats, run_quiz
from flashgen.cli.terminal import (
    check_terminal,
    fixed_now,
    local_zone,
    now,
    printable,
    start_of_day,
)
from flashgen.errors import FlashgenError
from flashgen.review.lock import QuizLock
from flashgen.review.scheduler import DEFAULT_RETENTION
from flashgen.review.seeding import seed_review_store
from flashgen.review.session import DEFAULT_NEW_LIMIT, CardFilter, QuizSession
from flashgen.review.stats import collect_stats
from flashgen.review.store import ReviewStore, default_store_path

DEFAULT_VAULT = "notes"
DEFAULT_OUTPUT = "cards"
PROGRESS_THRESHOLD = 200
"""Show a progress bar on a terminal only for vaults with at least this many notes."""

T = TypeVar("T")

output_option = click.option(
    "-o",
    "--output",
    default=DEFAULT_OUTPUT,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the deck and listing.",
)
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


def _collect(vault: Path, *, save: bool = True) -> VaultCards:
    """Read the vault's cards; without *save*, leave the vault's state files untouched."""
    with _progress_bar() as progress:
        return _run(lambda: collect(vault, progress=progress, save=save, now=time.time()))


def _prefix(vault: Path) -> str:
    """What diagnostics' vault-relative paths are shown under: the vault as typed."""
    return f"{vault.as_posix().rstrip('/')}/"


def _report(built: VaultCards, vault: Path, strict: bool) -> int:
    """Print diagnostics and the summary on stderr; return the exit status."""
    prefix = _prefix(vault)
    for diagnostic in built.diagnostics:
        click.echo(printable(diagnostic.format(prefix)), err=True)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(built.kinds().items()))
    warnings, errors = built.count("warning"), built.count("error")
    click.echo(
        f"{built.notes_read} notes read, {built.card_count()} cards"
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
@output_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
@click.option("--diff", is_flag=True, help="List each new (+), changed (~) and removed (-) card.")
def build(vault: Path, output: Path, strict: bool, diff: bool) -> None:
    """Build VAULT (default: notes) into an Anki deck, OUTPUT/<vault>.apkg.

    Only notes changed since the last build are read again, and the deck is rewritten
    only when its cards changed. Re-importing the deck in Anki updates edited cards in
    place and keeps their review history; cards deleted from the notes stay in the deck
    for 90 days tagged flashgen::removed (search tag:flashgen::removed in Anki).

    \b
    Example:
      flashgen build ~/MyVault -o ~/decks/ --diff
    """
    before = _deck_stamp(output, vault)
    try:
        built = _collect(vault)
        status = _report(built, vault, strict)
        export = _run(lambda: update_outputs(built, output, now=time.time(), write_deck=write_apkg))
    except KeyboardInterrupt:  # every write is atomic: the deck is the old one or the new one
        if _deck_stamp(output, vault) == before:
            click.echo("interrupted; the previous deck is unchanged", err=True)
        else:
            click.echo("interrupted after writing the deck; build again to finish", err=True)
        sys.exit(130)
    for diagnostic in export.summary.diagnostics:  # images that vanished mid-build
        click.echo(diagnostic.format(_prefix(vault)), err=True)
    if strict and export.summary.diagnostics:
        status = 1
    if diff:
        for line in iter_changes(export):
            click.echo(printable(line))
    click.echo(export.summary_line(), err=True)
    click.echo(_describe_deck(export), err=True)
    sys.exit(status)


def _deck_stamp(output: Path, vault: Path) -> tuple[int, int] | None:
    """Size and time of the deck a build of *vault* writes into *output*, if it exists."""
    try:
        info = (output / f"{vault.resolve().name}.apkg").stat()
    except (OSError, RuntimeError):
        return None
    return (info.st_size, info.st_mtime_ns)


def _describe_deck(export: Export) -> str:
    summary = export.summary
    holds = (
        f"{summary.notes} notes in {summary.decks} deck{'s' * (summary.decks != 1)},"
        f" {summary.media} media files"
        + (f", {export.removed_kept} tagged flashgen::removed" if export.removed_kept else "")
    )
    return (
        f"wrote {export.deck}: {holds}" if export.written else f"unchanged {export.deck}: {holds}"
    )


@cli.command()
@vault_argument
@output_option
def watch(vault: Path, output: Path) -> None:
    """Rebuild VAULT's deck whenever a note or an image changes, until Ctrl-C (or SIGTERM).

    Each rebuild lists the cards added (+), changed (~) and removed (-) and the
    problems that appeared; a broken edit is reported and watching goes on.

    \b
    Example:
      flashgen watch ~/MyVault -o ~/decks/
    """
    printer = _WatchPrinter(vault)
    # A service manager's stop (SIGTERM) ends the watch as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with suppress(KeyboardInterrupt):  # Ctrl-C during a build: its writes are atomic
            _run(
                lambda: watch_vault(
                    vault, output, on_build=printer, clock=time.time, write_deck=write_apkg
                )
            )
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("stopped watching", err=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class _WatchPrinter:
    """Prints each rebuild of ``flashgen watch``: new problems, card changes, summary."""

    def __init__(self, vault: Path) -> None:
        self.prefix = _prefix(vault)
        self.vault = vault
        self.seen: set[str] = set()
        self.started = False

    def __call__(self, rebuild: Rebuild) -> None:
        if rebuild.changed:
            names = ", ".join(rebuild.changed[:3])
            more = len(rebuild.changed) - 3
            click.echo(f"changed: {names}" + (f" and {more} more" if more > 0 else ""), err=True)
        if rebuild.built is not None:
            lines = [printable(d.format(self.prefix)) for d in rebuild.built.diagnostics]
            for line in lines:
                if line not in self.seen:
                    click.echo(line, err=True)
            self.seen = set(lines)
        if rebuild.error is not None:
            click.echo(f"Error: {rebuild.error}; still watching", err=True)
        if rebuild.export is not None:
            for diagnostic in rebuild.export.summary.diagnostics:
                click.echo(diagnostic.format(self.prefix), err=True)
            for line in iter_changes(rebuild.export):
                click.echo(printable(line))
            click.echo(
                f"{rebuild.export.summary_line()}; {_describe_deck(rebuild.export)}", err=True
            )
        if rebuild.changed == ():
            click.echo(f"watching {self.vault} for changes (Ctrl-C to stop)", err=True)


@cli.command()
@vault_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
def check(vault: Path, strict: bool) -> None:
    """Report problems in VAULT's notes without writing anything.

    \b
    Example:
      flashgen check ~/MyVault --strict
    """
    sys.exit(_report(_collect(vault, save=False), vault, strict))


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
        text = json.dumps([card.to_dict() for card in built.cards], indent=1, ensure_ascii=False)
        click.echo(text.encode("utf-8", errors="replace").decode("utf-8"))
    else:
        table = Table("id", "kind", "front", "where", "deck", show_lines=False)
        for card in built.cards:
            front = " ".join(card.front.split())
            cells = (
                card.id,
                card.kind,
                front[:70] + ("…" * (len(front) > 70)),
                f"{card.note}:{card.line}",
                card.deck,
            )
            table.add_row(*(Text(printable(cell)) for cell in cells))  # no rich markup
        Console().print(table)
    sys.exit(_report(built, vault, strict=False))


# Review commands: quiz, stats, orphans. The review state lives in VAULT/.flashgen/.

state_option = click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Review store file.  [default: VAULT/.flashgen/reviews.sqlite3]",
)


def _store_path(built: VaultCards, state: Path | None) -> Path:
    return state if state is not None else _run(lambda: default_store_path(built.vault.root))


def _open_store(path: Path, **options: Any) -> ReviewStore:
    """Open the review store, saying so when a damaged one had to be set aside."""
    store = _run(lambda: ReviewStore.open(path, **options))
    if store.notice is not None:
        click.echo(f"warning: {printable(store.notice)}", err=True)
    return store


def _mention_problems(built: VaultCards, vault: Path) -> None:
    """One line on stderr when the notes have problems; ``check`` lists them."""
    problems = len(built.diagnostics)
    if problems:
        click.echo(
            f"{problems} problem{'s' * (problems != 1)} in the notes;"
            f" run 'flashgen check {vault}' to see them",
            err=True,
        )


@cli.command()
@vault_argument
@state_option
@click.option(
    "--new",
    "new_limit",
    default=DEFAULT_NEW_LIMIT,
    show_default=True,
    type=click.IntRange(min=0),
    help="New cards to show this session.",
)
@click.option(
    "--deck", "decks", multiple=True, help="Only this deck and its subdecks (repeatable)."
)
@click.option(
    "--tag", "tags", multiple=True, help="Only cards with this tag or a child tag (repeatable)."
)
@click.option(
    "--note",
    "notes",
    multiple=True,
    help="Only cards of this note, folder or glob, e.g. 'Math/*' (repeatable).",
)
@click.option(
    "--retention",
    default=DEFAULT_RETENTION,
    show_default=True,
    type=click.FloatRange(0.7, 0.99),
    help="FSRS desired retention: recall probability at which cards come due.",
)
@click.option(
    "--plain", is_flag=True, help="Read each answer as a line (for scripts; no TTY needed)."
)
@click.option("--no-images", is_flag=True, help="Show images as their path, not drawn.")
@click.option(
    "--no-bury", is_flag=True, help="Show new siblings of cards answered today (Anki buries them)."
)
def quiz(
    vault: Path,
    state: Path | None,
    new_limit: int,
    decks: tuple[str, ...],
    tags: tuple[str, ...],
    notes: tuple[str, ...],
    retention: float,
    plain: bool,
    no_images: bool,
    no_bury: bool,
) -> None:
    """Review VAULT's due cards in the terminal, scheduled by FSRS.

    Due cards come first (oldest first), then new ones; cards of one source are
    never shown back to back. Keys: space or enter shows the answer (space and the
    arrows scroll a long one); 1 Again, 2 Hard, 3 Good, 4 Easy (each shows its next
    interval); u undoes the last answer; e opens the note in $VISUAL/$EDITOR at the
    card (or prints note:line); o opens its image; O opens the note in Obsidian;
    q quits. Every answer is saved at once. One quiz at a time per review store.

    \b
    Example:
      flashgen quiz ~/MyVault --deck Math --new 10
    """
    _run(lambda: check_terminal(plain))
    built = _collect(vault)
    _mention_problems(built, vault)
    cards = CardFilter(decks, tags, notes).select(built.cards)
    if built.cards and not cards:
        raise click.ClickException("no card matches --deck/--tag/--note; check the spelling")
    fuzz = _run(fixed_now) is None
    path = _store_path(built, state)
    with (
        closing(_run(lambda: QuizLock.take(path))),
        _open_store(path, retention=retention, fuzz=fuzz) as store,
    ):
        moment = _run(now)
        _run(lambda: seed_review_store(store, cards, local_zone(), moment))
        day = None if no_bury else start_of_day(moment)
        session = _run(
            lambda: QuizSession(store, cards, moment, new_limit=new_limit, bury_since=day)
        )
        _run(
            lambda: run_quiz(
                session,
                plain=plain,
                vault_root=built.vault.root,
                vault_name=built.vault.name,
                location_prefix=_prefix(vault),
                images=not no_images,
                line_breaks=built.line_breaks,
            )
        )


@cli.command("stats")
@vault_argument
@state_option
def stats_command(vault: Path, state: Path | None) -> None:
    """Show VAULT's review statistics: card states, due counts, retention, daily charts.

    \b
    Example:
      flashgen stats ~/MyVault
    """
    built = _collect(vault)
    moment = _run(now)
    with _open_store(_store_path(built, state), create=False) as store:
        result = _run(lambda: collect_stats(built.cards, store, moment, local_zone()))
    make_console().print(render_stats(result))


@cli.command()
@vault_argument
@state_option
@click.option("--delete", is_flag=True, help="Remove the orphans' state and review log.")
@click.option("-y", "--yes", is_flag=True, help="Delete without asking for confirmation.")
def orphans(vault: Path, state: Path | None, delete: bool, yes: bool) -> None:
    """List cards with review history that VAULT's notes no longer make.

    A card becomes an orphan when its question is deleted or reworded; its state
    is kept in case it comes back. --delete removes it for good.

    \b
    Example:
      flashgen orphans ~/MyVault --delete
    """
    built = _collect(vault)
    path = _store_path(built, state)
    if not path.exists():
        click.echo(f"no review store at {path}; nothing to list", err=True)
        return
    with _open_store(path, create=False) as store:
        found = _run(lambda: store.orphans({card.id for card in built.cards}))
        for orphan in found:
            where = f"{orphan.note}:{orphan.line}" if orphan.note else "(seeded)"
            front = " ".join(orphan.front.split())
            click.echo(
                printable(
                    f"{orphan.card_id}  {where}  {orphan.reviews}"
                    f" review{'s' * (orphan.reviews != 1)}  {front[:60] + '…' * (len(front) > 60)}"
                ).rstrip()
            )
        click.echo(f"{len(found)} orphaned card{'s' * (len(found) != 1)} in {path}", err=True)
        if not delete or not found:
            return
        if built.count("error"):
            raise click.ClickException(
                "the notes have errors, and cards of unreadable notes would be taken for"
                f" orphans; fix them first ('flashgen check {vault}')"
            )
        if not yes:
            count = f"{len(found)} card{'s' * (len(found) != 1)}"
            click.confirm(f"Delete the state and review log of {count}?", abort=True)
        removed = _run(lambda: store.delete([orphan.card_id for orphan in found]))
        click.echo(f"deleted {removed} card{'s' * (removed != 1)}", err=True)


@cli.command()
@vault_argument
@click.option(
    "--collection",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The Anki collection file (collection.anki2 in your Anki profile folder).",
)
@click.option(
    "--keep-removed", is_flag=True, help="Tag notes gone from the vault instead of deleting them."
)
def sync(vault: Path, collection: Path, keep_removed: bool) -> None:
    """Write VAULT's cards straight into an Anki collection (close Anki first).

    Adds new notes, updates changed ones (an edit made in Anki since wins), moves cards
    whose deck changed and deletes the notes whose cards left the vault (--keep-removed
    tags them flashgen::removed). Notes of other note types are never touched; Anki's
    backup is made before the first write. Needs: pip install "flashgen[anki]".

    \b
    Example:
      flashgen sync ~/MyVault --collection ~/.local/share/Anki2/"User 1"/collection.anki2
    """
    try:
        from flashgen.anki.sync import sync_collection  # the anki package: an optional extra
    except ModuleNotFoundError as err:
        if err.name is None or not err.name.startswith("anki"):
            raise
        raise click.ClickException(
            'flashgen sync needs the anki package: pip install "flashgen[anki]"'
        ) from err
    from flashgen.build.outputs import note_state_path, sync_render_cache_path

    built = _collect(vault)
    status = _report(built, vault, strict=False)
    errors = built.count("error")
    report = _run(
        lambda: sync_collection(
            built.cards,
            collection,
            vault_root=built.vault.root,
            vault_name=built.vault.name,
            timestamp=time.time(),
            note_state=note_state_path(built.vault.root),
            render_cache=sync_render_cache_path(built.vault.root),
            sanitize_html=built.config.sanitize_html,
            line_breaks=built.line_breaks,
            keep_removed=keep_removed,
            remove=not errors,
        )
    )
    click.echo(report.summary_line(), err=True)
    if report.not_removed:
        click.echo(
            f"{report.not_removed} notes gone from the vault left in Anki: the notes have"
            f" errors, so cards of unreadable notes would be taken for removed; fix them"
            f" ('flashgen check {vault}') and sync again",
            err=True,
        )
    if report.written:
        click.echo(f"synced {collection} (Anki's backup in {report.backup})", err=True)
    else:
        click.echo(f"unchanged {collection}: it already holds these cards", err=True)
    sys.exit(status)
