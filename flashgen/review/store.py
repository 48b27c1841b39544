"""The review store: each card's FSRS state and the review log, in SQLite.

What each answer does to a card is the scheduler's (:mod:`.scheduler`); the store keeps
the outcome, and the caller passes ``now`` in: nothing here reads the clock.

The store is one SQLite file (``<vault>/.flashgen/reviews.sqlite3`` by default) in WAL
mode with the schema of ``schema.sql``. Every answer is its own transaction, committed
before the next card is shown, so a killed process loses at most the card on screen.
Two sessions on one store take turns at writing (``BEGIN IMMEDIATE`` with a busy
timeout); the second one waits, and fails with a clear message only after the timeout.

A damaged store is never overwritten, repaired or deleted: opening it moves it aside to
``reviews.sqlite3.corrupt-<n>`` (the first free number; its ``-wal`` and ``-shm`` files
with it) and starts a new store, and :attr:`ReviewStore.notice` says so. When it cannot
be moved, opening raises :class:`CorruptStore`, whose message says how to move it. A
SQLite file that is not a review store (someone else's database passed as ``--state``)
and a store written by a newer flashgen (a higher ``PRAGMA user_version``) are refused
and left alone.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from flashgen.errors import FlashgenError
from flashgen.model import Card
from flashgen.review.scheduler import DEFAULT_RETENTION, CardState, Phase, Rating, Scheduler, utc
from flashgen.vault.paths import inside_vault

SCHEMA_VERSION = 1
"""The ``PRAGMA user_version`` this flashgen writes; ``schema.sql`` is that version."""

MIGRATIONS: Mapping[int, str] = {}
"""SQL that takes a store from version *n* to *n + 1*, for every *n* below the current."""

STORE_FOLDER = ".flashgen"
STORE_NAME = "reviews.sqlite3"

BUSY_TIMEOUT = 10.0
"""Seconds a session waits for another session's write before giving up."""


_TABLES = frozenset({"card_state", "review_log"})
_STATE_COLUMNS = ("phase", "step", "stability", "difficulty", "due", "last_review")
_BEFORE_COLUMNS = tuple(f"{name}_before" for name in _STATE_COLUMNS)


class ReviewStoreError(FlashgenError):
    """The review store cannot be opened, read or written."""


class CorruptStore(ReviewStoreError):
    """The store file is not a SQLite database flashgen can read."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message
        """What is wrong with the file, in a few words."""


class ForeignStore(CorruptStore):
    """The store file is a SQLite database, but not a review store; it is left untouched."""


class StoreBusy(ReviewStoreError):
    """Another session held the store's write lock for longer than the busy timeout."""


@dataclass(frozen=True, slots=True)
class Preview:
    """What each rating would do to a card, computed when its answer is shown."""

    card: Card
    """The card on screen."""
    at: datetime
    """When the preview was computed (UTC)."""
    before: CardState | None
    """The card's stored state; None for a new card."""
    outcomes: Mapping[Rating, CardState]
    """The state each rating gives, fuzz included, as if answered at ``at``."""

    def interval(self, rating: Rating) -> timedelta:
        """How long until the card comes back after *rating*."""
        return self.outcomes[rating].due - self.at


class Due(NamedTuple):
    """When a card is due and its phase: all a quiz queue needs of its state."""

    due: datetime
    """When the card is next due (UTC)."""
    phase: Phase
    """Learning, review or relearning."""


@dataclass(frozen=True, slots=True)
class Review:
    """One row of the review log."""

    id: int
    """Row id, increasing; never reused."""
    card_id: str
    """The card answered."""
    reviewed_at: datetime
    """When it was answered (UTC)."""
    rating: Rating
    """The answer."""
    duration_ms: int
    """Time from showing the card to the answer."""
    before: CardState | None
    """The card's state before the answer; None when it was new."""


@dataclass(frozen=True, slots=True)
class StoredCard:
    """A card the store has state for, as last seen in the notes."""

    card_id: str
    """The card's id."""
    note: str
    """Vault-relative path of its note when last answered ('' when seeded)."""
    line: int
    """Its line in that note then."""
    front: str
    """Its question side then."""
    due: datetime
    """When it is due."""
    reviews: int
    """How many answers the log holds for it."""


def default_store_path(vault_root: Path) -> Path:
    """Where a vault keeps its review state: ``<vault>/.flashgen/reviews.sqlite3``.

    Raises :class:`ReviewStoreError` when a symlink leads that path out of the vault:
    flashgen reads nothing outside the vault unless told to (``--state``).
    """
    path = vault_root / STORE_FOLDER / STORE_NAME
    for link in (path.parent, path):
        if link.is_symlink() and not inside_vault(vault_root.resolve(), link):
            raise ReviewStoreError(
                f"{link} is a symlink leading outside the vault, where flashgen reads"
                " nothing; to keep the review store elsewhere, pass --state FILE"
            )
    return path


class ReviewStore:
    """Review state and log of one vault; use :meth:`open`, then as a context manager."""

    def __init__(self, db: sqlite3.Connection, path: Path, scheduler: Scheduler) -> None:
        self._db = db
        self._path = path
        self._scheduler = scheduler
        self.notice: str | None = None
        """What the user must hear about opening the store (a damaged one set aside)."""

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        retention: float = DEFAULT_RETENTION,
        fuzz: bool = True,
        create: bool = True,
    ) -> ReviewStore:
        """Open (and with *create*, make) the store at *path*.

        Without *create*, a missing file gives an empty store in memory, so that
        reporting commands leave no file behind. *fuzz* spreads review intervals a little,
        as Anki does; turn it off for reproducible schedules. A damaged file is moved aside
        (see the module's documentation) and :attr:`notice` says where.
        """
        scheduler = Scheduler(retention, fuzz)
        try:
            return cls._open(path, scheduler, create)
        except ForeignStore:
            raise
        except CorruptStore as err:
            damage = err.reason
            aside = _set_aside(path, err)
        store = cls._open(path, scheduler, create)
        store.notice = (
            f"{path} is damaged ({damage}); it is kept as {aside}, and a new review store"
            " is started: your notes are fine, but the review history starts afresh"
        )
        return store

    @classmethod
    def _open(cls, path: Path, scheduler: Scheduler, create: bool) -> ReviewStore:
        if path.exists() and not path.is_file():
            raise ReviewStoreError(f"{path} is not a file; pass --state with a file path")
        if not path.exists() and not create:
            store = cls(sqlite3.connect(":memory:", isolation_level=None), path, scheduler)
            store._prepare()
            return store
        _check_header(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise ReviewStoreError(f"cannot open the review store {path}: {err}") from err
        store = cls(db, path, scheduler)
        try:
            store._prepare()
        except BaseException:
            db.close()
            raise
        return store

    @property
    def path(self) -> Path:
        """The store's file."""
        return self._path

    def close(self) -> None:
        """Close the database; every answer is already committed."""
        self._db.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # Reading

    def state(self, card_id: str) -> CardState | None:
        """The card's stored state, or None when it is new."""
        with self._guard():
            row = self._db.execute(
                f"SELECT {', '.join(_STATE_COLUMNS)} FROM card_state WHERE card_id = ?",
                (card_id,),
            ).fetchone()
        return None if row is None else _state_from_row(row)

    def states(self) -> dict[str, CardState]:
        """Every stored state by card id (orphans included)."""
        with self._guard():
            rows = self._db.execute(
                f"SELECT card_id, {', '.join(_STATE_COLUMNS)} FROM card_state"
            ).fetchall()
        return _states_by_id(rows)

    def card_ids(self) -> set[str]:
        """The ids of every card with a state; any other card is new."""
        # One string split here is twice as fast as a row per card (no id holds a NUL).
        with self._guard():
            (joined,) = self._db.execute(
                "SELECT group_concat(card_id, char(0)) FROM card_state"
            ).fetchone()
        return set(joined.split("\0")) if joined is not None else set()

    def due_by(self, by: datetime) -> dict[str, Due]:
        """When the cards due by *by*, and every card in (re)learning, are due: what a
        quiz queue orders by (:meth:`state` reads the rest of a card's state)."""
        with self._guard():
            rows = self._db.execute(
                "SELECT card_id, due, phase FROM card_state WHERE due <= ? OR phase != ?",
                (_text(by), int(Phase.REVIEW)),
            ).fetchall()
        phases = {int(phase): phase for phase in Phase}
        return {card_id: Due(_time(due), phases[phase]) for card_id, due, phase in rows}

    def first_due(self, card_ids: Collection[str]) -> datetime | None:
        """When the first of *card_ids* that has a state is due; None if none has one."""
        with self._guard():
            for card_id, due in self._db.execute(
                "SELECT card_id, due FROM card_state ORDER BY due"
            ):
                if card_id in card_ids:
                    return _time(due)
        return None

    def reviews(self, since: datetime | None = None) -> list[Review]:
        """Log rows answered at or after *since* (all when None), oldest first."""
        query = (
            f"SELECT id, card_id, reviewed_at, rating, duration_ms, {', '.join(_BEFORE_COLUMNS)}"
        )
        query += " FROM review_log"
        arguments: tuple[str, ...] = ()
        order = " ORDER BY id"
        if since is not None:
            query += " WHERE reviewed_at >= ?"
            arguments = (_text(since),)
            # "+id": sort the few rows found through the time index, rather than walk the
            # whole log in id order (what SQLite picks otherwise) to find them.
            order = " ORDER BY +id"
        with self._guard():
            rows = self._db.execute(query + order, arguments).fetchall()
        return [_review_from_row(row) for row in rows]

    def orphans(self, known: Collection[str]) -> list[StoredCard]:
        """Stored cards whose id is not in *known* (the ids the notes make now)."""
        with self._guard():
            rows = self._db.execute(
                "SELECT s.card_id, s.note, s.line, s.front, s.due,"
                " (SELECT count(*) FROM review_log AS l WHERE l.card_id = s.card_id)"
                " FROM card_state AS s ORDER BY s.note, s.line, s.card_id"
            ).fetchall()
        return [
            StoredCard(row[0], row[1], row[2], row[3], _time(row[4]), row[5])
            for row in rows
            if row[0] not in known
        ]

    # Scheduling

    def preview(self, card: Card, now: datetime) -> Preview:
        """Read the card's state and compute the state each rating would give at *now*."""
        now = utc(now)
        before = self.state(card.id)
        outcomes = self._scheduler.outcomes(before, now)
        return Preview(card, now, before, outcomes)

    def answer(self, preview: Preview, rating: Rating, now: datetime, duration_ms: int) -> Review:
        """Record *rating* for the previewed card at *now*, in one committed transaction.

        The card gets the outcome the preview showed, moved to *now*: the interval shown
        is the interval given, fuzz included. Should another session have answered the
        card since the preview, the answer is scheduled afresh from the newer state.
        """
        now = utc(now)
        card = preview.card
        with self._write() as db:
            current = self._read_state(card.id)
            if current == preview.before:
                shift = max(now - preview.at, timedelta(0))
                outcome = preview.outcomes[rating]
                after = replace(outcome, due=outcome.due + shift, last_review=now)
            else:
                after = self._scheduler.review(current, rating, now)
            before = _state_values(current)
            cursor = db.execute(
                "INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms, "
                f"{', '.join(_BEFORE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (card.id, _text(now), int(rating), max(duration_ms, 0), *before),
            )
            db.execute(
                f"INSERT INTO card_state (card_id, {', '.join(_STATE_COLUMNS)}, note, line, front)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (card_id) DO UPDATE SET"
                " phase = excluded.phase, step = excluded.step, stability = excluded.stability,"
                " difficulty = excluded.difficulty, due = excluded.due,"
                " last_review = excluded.last_review, note = excluded.note,"
                " line = excluded.line, front = excluded.front",
                (card.id, *_state_values(after), card.note, card.line, card.front),
            )
            review_id = cursor.lastrowid
        assert review_id is not None
        return Review(review_id, card.id, now, rating, max(duration_ms, 0), current)

    def undo(self, review: Review) -> CardState | None:
        """Delete *review* from the log and restore the card's state before it, atomically.

        Returns the restored state (None: the card is new again). Only a card's newest
        answer can be undone.
        """
        with self._write() as db:
            row = db.execute(
                f"SELECT card_id, {', '.join(_BEFORE_COLUMNS)} FROM review_log WHERE id = ?",
                (review.id,),
            ).fetchone()
            if row is None:
                raise ReviewStoreError("that answer is no longer in the review log")
            newer = db.execute(
                "SELECT 1 FROM review_log WHERE card_id = ? AND id > ?", (row[0], review.id)
            ).fetchone()
            if newer is not None:
                raise ReviewStoreError(
                    "the card was answered again since (in another session); nothing undone"
                )
            db.execute("DELETE FROM review_log WHERE id = ?", (review.id,))
            before = _state_from_row(row[1:])
            if before is None:
                db.execute("DELETE FROM card_state WHERE card_id = ?", (row[0],))
            else:
                db.execute(
                    "UPDATE card_state SET phase = ?, step = ?, stability = ?, difficulty = ?,"
                    " due = ?, last_review = ? WHERE card_id = ?",
                    (*_state_values(before), row[0]),
                )
        return before

    def seed_state(
        self,
        card_id: str,
        due: datetime,
        interval_days: float,
        ease: float,
        now: datetime,
    ) -> bool:
        """Give a card never seen before a review state from SM-2 history; False if it has one.

        For obsidian-spaced-repetition's ``<!--SR:!due,interval,ease-->`` (pass its ease
        divided by 100: 250 → 2.5); see :meth:`Scheduler.from_sm2`.
        """
        state = self._scheduler.from_sm2(due, interval_days, ease, now)
        with self._write() as db:
            cursor = db.execute(
                f"INSERT INTO card_state (card_id, {', '.join(_STATE_COLUMNS)})"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (card_id) DO NOTHING",
                (card_id, *_state_values(state)),
            )
            return cursor.rowcount == 1

    def delete(self, card_ids: Collection[str]) -> int:
        """Remove the state and log of *card_ids* in one transaction; return cards removed."""
        with self._write() as db:
            removed = 0
            for card_id in card_ids:
                removed += db.execute(
                    "DELETE FROM card_state WHERE card_id = ?", (card_id,)
                ).rowcount
                db.execute("DELETE FROM review_log WHERE card_id = ?", (card_id,))
        return removed

    # Internals

    def _read_state(self, card_id: str) -> CardState | None:
        row = self._db.execute(
            f"SELECT {', '.join(_STATE_COLUMNS)} FROM card_state WHERE card_id = ?", (card_id,)
        ).fetchone()
        return None if row is None else _state_from_row(row)

    def _prepare(self) -> None:
        """Check the file, create or migrate the schema, and set the pragmas."""
        with self._guard():
            # Read the version before anything writes: a newer store is left as it is.
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ReviewStoreError(
                    f"{self._path} was written by a newer flashgen (store version {version},"
                    f" this one knows {SCHEMA_VERSION}); upgrade flashgen to use it"
                )
            tables = self._tables()
            if version == 0 and tables - _TABLES - {"sqlite_sequence"}:
                raise ForeignStore(
                    f"{self._path} is a SQLite file but not a flashgen review store;"
                    " pass --state with another path"
                )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            if version == 0:
                schema = (
                    resources.files("flashgen.review").joinpath("schema.sql").read_text("utf-8")
                )
                self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{schema}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
                )
            for step in range(max(version, 1), SCHEMA_VERSION):
                self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[step]}\n"
                    f"PRAGMA user_version = {step + 1};\nCOMMIT;"
                )
            if not self._tables() >= _TABLES:
                raise self._corrupt("its tables are missing")

    def _tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so that two sessions queue up."""
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite errors into messages that say what to do."""
        try:
            yield
        except sqlite3.Error as err:
            name = getattr(err, "sqlite_errorname", "")
            if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise StoreBusy(
                    f"the review store {self._path} is busy: another flashgen session kept it"
                    f" locked for {BUSY_TIMEOUT:g}s; finish that session and try again"
                ) from err
            if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
                raise self._corrupt(str(err)) from err
            raise ReviewStoreError(f"cannot use the review store {self._path}: {err}") from err

    def _corrupt(self, reason: str) -> CorruptStore:
        return _corrupt(self._path, reason)


def _corrupt(path: Path, reason: str) -> CorruptStore:
    aside = _free_name(path)
    return CorruptStore(
        f"{path} is not a readable review store ({reason}); flashgen leaves it"
        f" untouched. Move it aside to start afresh: mv '{path}' '{aside}'",
        reason=reason,
    )


_SQLITE_HEADER = b"SQLite format 3\0"


def _check_header(path: Path) -> None:
    """Raise :class:`CorruptStore` when the file at *path* is not a SQLite database.

    Checked before SQLite opens it: SQLite deletes the ``-wal`` file of a "database" it
    cannot read when it closes it, and that journal is the user's to keep.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError:
        return  # SQLite will say what is wrong
    if header and header != _SQLITE_HEADER:
        raise _corrupt(path, "file is not a database")


def _free_name(path: Path) -> Path:
    """The first ``<path>.corrupt-<n>`` that does not exist (nor its ``-wal``, ``-shm``)."""
    number = 1
    while any(
        (aside := path.with_name(f"{path.name}.corrupt-{number}"))
        .with_name(aside.name + end)
        .exists()
        for end in ("", *_COMPANIONS)
    ):
        number += 1
    return aside


_COMPANIONS = ("-wal", "-shm")
"""The files SQLite keeps beside a database in WAL mode; they belong to it."""


def _set_aside(path: Path, err: CorruptStore) -> Path:
    """Move the damaged store *path* and its companions to a free ``.corrupt-<n>`` name.

    Nothing is overwritten or deleted. Raises *err* (whose message says how to move the
    file by hand) when the file cannot be moved.
    """
    aside = _free_name(path)
    try:
        os.rename(path, aside)
    except OSError:
        raise err from None
    for end in _COMPANIONS:
        companion, moved = path.with_name(path.name + end), aside.with_name(aside.name + end)
        if companion.exists():
            try:
                os.rename(companion, moved)
            except OSError as failure:
                # A new store beside the old one's journal would read that journal.
                raise ReviewStoreError(
                    f"{path} is damaged and was moved to {aside}, but {companion} could not"
                    f" follow it ({failure.strerror}): move it to {moved} yourself"
                ) from failure
    return aside


def _text(moment: datetime) -> str:
    """A time as stored: fixed-width ISO 8601 in UTC, so text order is time order."""
    return utc(moment).isoformat(timespec="microseconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _state_values(state: CardState | None) -> tuple[int | float | str | None, ...]:
    if state is None:
        return (None,) * len(_STATE_COLUMNS)
    return (
        int(state.phase),
        state.step,
        state.stability,
        state.difficulty,
        _text(state.due),
        None if state.last_review is None else _text(state.last_review),
    )


def _state_from_row(row: tuple[object, ...] | sqlite3.Row) -> CardState | None:
    phase, step, stability, difficulty, due, last_review = tuple(row)
    if phase is None:
        return None
    assert isinstance(phase, int) and isinstance(due, str)
    assert step is None or isinstance(step, int)
    assert stability is None or isinstance(stability, float)
    assert difficulty is None or isinstance(difficulty, float)
    assert last_review is None or isinstance(last_review, str)
    return CardState(
        Phase(phase),
        step,
        stability,
        difficulty,
        _time(due),
        None if last_review is None else _time(last_review),
    )


def _states_by_id(rows: list[tuple[object, ...]]) -> dict[str, CardState]:
    result: dict[str, CardState] = {}
    for card_id, *values in rows:
        state = _state_from_row(tuple(values))
        assert isinstance(card_id, str) and state is not None
        result[card_id] = state
    return result


def _review_from_row(row: tuple[object, ...]) -> Review:
    review_id, card_id, reviewed_at, rating, duration_ms = row[:5]
    assert isinstance(review_id, int) and isinstance(card_id, str)
    assert isinstance(reviewed_at, str) and isinstance(rating, int)
    assert isinstance(duration_ms, int)
    return Review(
        review_id,
        card_id,
        _time(reviewed_at),
        Rating(rating),
        duration_ms,
        _state_from_row(row[5:]),
    )
