"""The ``flashgen`` command: parses arguments, calls the library, formats output."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from flashgen import __version__
from flashgen.cli.progress import progress_bars
from flashgen.cli.report import (
    Verbosity,
    WatchPrinter,
    build_summary,
    describe_deck,
    diagnostic_lines,
    no_cards_line,
    plural,
    prefix_of,
)
from flashgen.errors import FlashgenError

# Each command imports the stages it needs when it runs: ``flashgen --version`` and
# ``--help`` load none of them (nor genanki, rich, fsrs, markdown-it), and start at once.
if TYPE_CHECKING:
    from flashgen.build.pipeline import VaultCards
    from flashgen.model import Card
    from flashgen.review.session import Lineup
    from flashgen.review.store import ReviewStore

DEFAULT_VAULT = "notes"
DEFAULT_OUTPUT = "cards"
DEFAULT_NEW_LIMIT = 20
"""``review.session.DEFAULT_NEW_LIMIT``, here so that ``--help`` needs no review module."""
DEFAULT_RETENTION = 0.9
"""``review.scheduler.DEFAULT_RETENTION``, likewise (a test keeps them equal)."""

T = TypeVar("T")


class _OneLineUsage(click.ClickException):
    """Bad usage as one ``Error: ...`` line that says where help is, not click's usage block."""

    exit_code = 2


def _one_line(err: click.UsageError, ctx: click.Context) -> _OneLineUsage:
    message = err.format_message().rstrip(".")
    return _OneLineUsage(f"{message} (see '{ctx.command_path} --help')")


class _Command(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            raise _one_line(err, ctx) from err


class _Group(click.Group):
    """The command group: one-line usage errors, and each command's summary shown whole."""

    command_class = _Command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            raise _one_line(err, ctx) from err

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as err:
            raise _one_line(err, ctx) from err

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, command.get_short_help_str(limit=1_000))  # first sentence, never cut
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


output_option = click.option(
    "-o",
    "--output",
    default=DEFAULT_OUTPUT,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the deck and listing.",
)
# Not click.Path(file_okay=False): the library says in one line what to pass instead.
vault_argument = click.argument(
    "vault", default=DEFAULT_VAULT, type=click.Path(readable=False, path_type=Path)
)


def _run(action: Callable[[], T]) -> T:
    """Turn library errors into one-line ``Error: ...`` messages with exit status 1."""
    try:
        return action()
    except FlashgenError as err:
        raise click.ClickException(str(err)) from err


def _collect(vault: Path, *, save: bool = True) -> VaultCards:
    """Read the vault's cards; without *save*, leave the vault's state files untouched."""
    from flashgen.build.pipeline import collect

    with progress_bars() as bars:
        progress = None if bars is None else bars.notes
        return _run(lambda: collect(vault, progress=progress, save=save, now=time.time()))


def _verbosity_options(command: Callable[..., None]) -> Callable[..., None]:
    """``-q``/``-v``: the command's ``verbosity`` argument (a :class:`Verbosity` value)."""
    quiet = click.option(
        "-q",
        "--quiet",
        "verbosity",
        flag_value=Verbosity.QUIET.value,
        default=Verbosity.NORMAL.value,
        help="Print errors only.",
    )
    verbose = click.option(
        "-v",
        "--verbose",
        "verbosity",
        flag_value=Verbosity.VERBOSE.value,
        help="List every diagnostic, one line each (also unchanged notes' and minor ones).",
    )
    return quiet(verbose(command))


def _report(
    built: VaultCards,
    vault: Path,
    strict: bool,
    verbosity: Verbosity = Verbosity.NORMAL,
    *,
    listing: bool = False,
    summary_err: bool = False,
) -> int:
    """Print the diagnostics (on stderr, or stdout for a *listing*) and the summary (stdout,
    or stderr with *summary_err*); return the exit status."""
    # --strict makes warnings errors: -q shows them then, or a failure would say nothing.
    shown = Verbosity.NORMAL if strict and verbosity is Verbosity.QUIET else verbosity
    for line in diagnostic_lines(built.diagnostics, vault, shown, built.recalled):
        click.echo(line, err=not listing)
    warnings, errors = built.count("warning"), built.count("error")
    if verbosity is not Verbosity.QUIET:
        click.echo(build_summary(built), err=summary_err)
    return 1 if errors or (strict and warnings) else 0


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
@_verbosity_options
def build(vault: Path, output: Path, strict: bool, diff: bool, verbosity: str) -> None:
    """Build VAULT (default: notes) into an Anki deck, OUTPUT/<vault>.apkg.

    Only notes changed since the last build are read again, and the deck is rewritten
    only when its cards changed. Re-importing the deck in Anki updates edited cards in
    place and keeps their review history; cards deleted from the notes stay in the deck
    for 90 days tagged flashgen::removed (search tag:flashgen::removed in Anki).

    \b
    Example:
      flashgen build ~/MyVault -o ~/decks/ --diff
    """
    from flashgen.anki.package import write_apkg
    from flashgen.build.outputs import iter_changes, update_outputs
    from flashgen.cli.terminal import printable

    before = _deck_stamp(output, vault)
    try:
        built = _collect(vault)
        status = _report(built, vault, strict, Verbosity(verbosity))
        if not built.card_count() and not built.removed:  # an empty deck helps no one
            if verbosity != Verbosity.QUIET.value:
                click.echo(no_cards_line(built.config))
            sys.exit(status)
        with progress_bars() as bars:
            progress = None if bars is None else bars.deck
            export = _run(
                lambda: update_outputs(
                    built, output, now=time.time(), write_deck=write_apkg, progress=progress
                )
            )
    except KeyboardInterrupt:  # every write is atomic: the deck is the old one or the new one
        if _deck_stamp(output, vault) == before:
            click.echo("interrupted; the previous deck is unchanged", err=True)
        else:
            click.echo("interrupted after writing the deck; build again to finish", err=True)
        sys.exit(130)
    for diagnostic in export.summary.diagnostics:  # images that vanished mid-build
        click.echo(diagnostic.format(prefix_of(vault)), err=True)
    if strict and export.summary.diagnostics:
        status = 1
    if diff:
        for line in iter_changes(export):
            click.echo(printable(line))
    if verbosity != Verbosity.QUIET.value:
        click.echo(export.summary_line())
        click.echo(describe_deck(export))
    sys.exit(status)


def _deck_stamp(output: Path, vault: Path) -> tuple[int, int] | None:
    """Size and time of the deck a build of *vault* writes into *output*, if it exists."""
    try:
        info = (output / f"{vault.resolve().name}.apkg").stat()
    except (OSError, RuntimeError):
        return None
    return (info.st_size, info.st_mtime_ns)


@cli.command()
@vault_argument
@output_option
@click.option(
    "--diff", is_flag=True, help="Also list each card added (+), changed (~), removed (-)."
)
@_verbosity_options
def watch(vault: Path, output: Path, diff: bool, verbosity: str) -> None:
    """Rebuild VAULT's deck whenever a note or an image changes, until Ctrl-C (or SIGTERM).

    The first build prints its summary; each rebuild one line: the time, the files
    touched, and the cards added (+), changed (~) and removed (-), then the problems
    of the notes that changed. A broken edit is reported and watching goes on.

    \b
    Example:
      flashgen watch ~/MyVault -o ~/decks/
    """
    from flashgen.anki.package import write_apkg
    from flashgen.build.watch import watch_vault

    printer = WatchPrinter(vault, Verbosity(verbosity), diff)
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


@cli.command()
@vault_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit status 1).")
@click.option("-q", "--quiet", is_flag=True, help="List errors only.")
def check(vault: Path, strict: bool, quiet: bool) -> None:
    """List every problem in VAULT's notes, one per line, without writing anything.

    Each line reads path:line: severity: message, on stdout, then the summary.

    \b
    Example:
      flashgen check ~/MyVault --strict
    """
    verbosity = Verbosity.QUIET if quiet else Verbosity.VERBOSE
    sys.exit(_report(_collect(vault, save=False), vault, strict, verbosity, listing=True))


@cli.command()
@vault_argument
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@_verbosity_options
def cards(vault: Path, as_json: bool, verbosity: str) -> None:
    """List the cards VAULT makes: a table on a terminal, else one line per card, or JSON.

    Piped, each card is one line of tab-separated fields: id, kind, front, note:line,
    deck (the front on one line, whole).

    \b
    Example:
      flashgen cards ~/MyVault --json | jq '.[].front'
    """
    import json

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from flashgen.cli.terminal import printable

    built = _collect(vault)
    if as_json:
        text = json.dumps([card.to_dict() for card in built.cards], indent=1, ensure_ascii=False)
        click.echo(text.encode("utf-8", errors="replace").decode("utf-8"))
    elif not sys.stdout.isatty():  # for grep, cut and awk: no box drawing, nothing cut
        for card in built.cards:
            cells = (card.id, card.kind, card.front, f"{card.note}:{card.line}", card.deck)
            click.echo("\t".join(printable(" ".join(cell.split())) for cell in cells))
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
    sys.exit(_report(built, vault, False, Verbosity(verbosity), summary_err=True))


# Review commands: quiz, stats, orphans. The review state lives in VAULT/.flashgen/.

state_option = click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Review store file.  [default: VAULT/.flashgen/reviews.sqlite3]",
)


def _store_path(built: VaultCards, state: Path | None) -> Path:
    from flashgen.review.store import default_store_path

    return state if state is not None else _run(lambda: default_store_path(built.vault.root))


def _open_store(path: Path, **options: Any) -> ReviewStore:
    """Open the review store, saying so when a damaged one had to be set aside."""
    from flashgen.cli.terminal import printable
    from flashgen.review.store import ReviewStore

    store = _run(lambda: ReviewStore.open(path, **options))
    if store.notice is not None:
        click.echo(f"warning: {printable(store.notice)}", err=True)
    return store


def _state_writable(vault: Path) -> bool:
    """Whether flashgen can write its state folder in *vault* (true when unsure)."""
    import os

    folder = vault / ".flashgen"
    target = folder if folder.is_dir() else vault
    return not target.is_dir() or os.access(target, os.W_OK)


def _mention_problems(built: VaultCards, vault: Path) -> None:
    """One line on stderr when the notes have problems; ``check`` lists them."""
    problems = len(built.diagnostics)
    if problems:
        click.echo(
            f"{plural(problems, 'problem')} in the notes; run 'flashgen check {vault}' to see them",
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
    "--deck",
    "decks",
    multiple=True,
    help="Only this deck and its subdecks, any case; the decks above may be left out"
    " (Physics is Vault::Physics) (repeatable).",
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    help="Only cards with this tag or a child tag, any case; its parents may be left out"
    " (repeatable).",
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
    from flashgen.cli.screen import run_quiz
    from flashgen.cli.terminal import check_terminal, fixed_now, local_zone, now, start_of_day
    from flashgen.review.lock import QuizLock
    from flashgen.review.seeding import seed_review_store
    from flashgen.review.session import CardFilter, Lineup, QuizSession

    _run(lambda: check_terminal(plain))
    writable = _state_writable(vault)
    if state is None and not writable:
        raise click.ClickException(
            f"{vault} is read-only, and the review state is kept in it ({vault}/.flashgen/);"
            f" keep it elsewhere with --state, e.g. flashgen quiz {vault} --state ~/reviews.sqlite3"
        )
    built = _collect(vault, save=writable)  # a read-only vault: no cache, the same ids
    _mention_problems(built, vault)
    if not built.card_count():  # counted, not decoded
        click.echo(no_cards_line(built.config, "No cards to review: the notes make none yet; "))
        return
    cards: list[Card] | Lineup
    if decks or tags or notes:
        chosen = CardFilter(decks, tags, notes)
        unmatched = chosen.unmatched(built.cards) if decks or tags else []
        if unmatched:
            raise click.ClickException("; ".join(unmatched))
        cards = chosen.select(built.cards)
        if not cards:
            raise click.ClickException("no card matches --deck/--tag/--note; check the spelling")
        seeds = cards
    else:  # every card: each decoded when shown, the first on screen at once
        cards = Lineup(built.card_ids(), built.families(), built.card_at)
        seeds = built.history_cards()
    fuzz = _run(fixed_now) is None
    path = _store_path(built, state)
    with (
        closing(_run(lambda: QuizLock.take(path))),
        _open_store(path, retention=retention, fuzz=fuzz) as store,
    ):
        moment = _run(now)
        _run(lambda: seed_review_store(store, seeds, local_zone(), moment))
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
                location_prefix=prefix_of(vault),
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
    from flashgen.cli.screen import make_console, render_stats
    from flashgen.cli.terminal import local_zone, now
    from flashgen.review.stats import collect_stats

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

    A card becomes an orphan when it is deleted from the notes, or rewritten beyond
    recognition (a front less than 90% alike and another answer: smaller edits keep
    the card's history); its state is kept in case it comes back. --delete removes
    it for good.

    \b
    Example:
      flashgen orphans ~/MyVault --delete
    """
    from flashgen.cli.terminal import printable

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
                    f"{orphan.card_id}  {where}  {plural(orphan.reviews, 'review')}"
                    f"  {front[:60] + '…' * (len(front) > 60)}"
                ).rstrip()
            )
        click.echo(f"{plural(len(found), 'orphaned card')} in {path}", err=True)
        if not delete or not found:
            return
        if built.count("error"):
            raise click.ClickException(
                "the notes have errors, and cards of unreadable notes would be taken for"
                f" orphans; fix them first ('flashgen check {vault}')"
            )
        question = f"Delete the state and review log of {plural(len(found), 'card')}?"
        if not yes and not click.confirm(question, err=True):
            click.echo("nothing deleted", err=True)
            return
        removed = _run(lambda: store.delete([orphan.card_id for orphan in found]))
        click.echo(f"deleted {plural(removed, 'card')}", err=True)


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
    click.echo(report.summary_line())
    if report.not_removed:
        click.echo(
            f"{plural(report.not_removed, 'note')} gone from the vault left in Anki: the notes have"
            f" errors, so cards of unreadable notes would be taken for removed; fix them"
            f" ('flashgen check {vault}') and sync again",
            err=True,
        )
    if report.written:
        click.echo(f"synced {collection} (Anki's backup in {report.backup})")
    else:
        click.echo(f"unchanged {collection}: it already holds these cards")
    sys.exit(status)
