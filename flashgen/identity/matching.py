"""Matching: giving each card of a build its stable id, the Anki GUID and review-store key.

Nothing is ever written into the notes. A card's id comes, in order of preference, from:

1. an explicit id: an Obsidian block id ending the card (``^my-id``) or an
   Obsidian_to_Anki ``<!--ID: …-->`` comment, which extraction gives as a key
   ``("block", id, …)`` or ``("o2a", id, …)``. It is hashed without the note's path,
   so renaming or moving the note keeps it;
2. the ledger of the previous build (see :mod:`.ledger`): a card that was
   there before keeps the id it had, and when a card vanishes as another appears
   (a typo fixed in a question, a note renamed), :func:`keep_ids` matches the two
   and the new card inherits the old id;
3. otherwise the *derived* id: a hash of the note's path and the card's key (its kind
   and front; a comparison's names, item and fact; a cloze deletion's own text), never
   line numbers, so moving a card within its note keeps its id.

Matching (:func:`keep_ids`), for the cards whose derived id the ledger does not know,
against the ledger's cards that are gone:

- an *exact* match: same kind and the same identifying text (the key's text, or the
  front of an explicitly identified card), else the same front (a cloze whose hidden
  text was fixed), in any note: a renamed note or a card moved to another note;
- a *similar* match, within one note or between a note that disappeared and one that
  appeared (same file name, or sharing an exactly matched card, or the only two of their
  kind in this build: a rename or a move): identifying texts whose difflib ratio is at
  least :data:`TEXT_SIMILARITY`, or the same distinctive answer (at least
  :data:`DISTINCTIVE_WORDS` words, and no other candidate with that answer).

Pairs are taken greedily, best first, so no old id ever goes to two new cards; and
the ids of one build are always distinct. Matching reads only the ledger, never the
build cache: what it compares the ledger keeps.
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from flashgen.identity.keys import ID_LENGTH, derive_ids
from flashgen.identity.ledger import (
    EXPLICIT_KEYS,
    REMOVED_RETENTION,
    SEPARATOR,
    Ledger,
    NoteIds,
    Removed,
    Texts,
    card_texts,
    decode_texts,
    match_text,
    normal,
    split_ids,
)
from flashgen.model import Card, Diagnostic

TEXT_SIMILARITY = 0.9
"""Lowest difflib ratio between two identifying texts that makes them one edited card.

The ratio is ``2·M / (len(a) + len(b))`` with M the characters in common. One wrong
character in a text of n characters gives ``(n - 1) / n``: 0.9 keeps a one-character fix
in any question of 10 characters or more, two in 20, three in 30. Swapping the word a
short question is about stays below it: "What is a GAN?" → "What is a VAE?" is 0.857,
"What is 2+2?" → "What is 3+3?" is 0.833.
"""
DISTINCTIVE_WORDS = 3
"""Fewest words an answer needs to identify its card on its own (not "Yes", "4")."""
MAX_SIMILARITY_PAIRS = 40_000
"""Past this many pairs in one note, only exact text and same-answer matches are tried.

difflib is quadratic in text length; 40,000 pairs of like questions take under a second.
"""


NoteCards = Sequence[tuple[str, Card]]
"""The cards of one note, each with its derived id, in order."""


@dataclass(slots=True)
class Assignment:
    """The outcome of giving a build's cards their ids."""

    ids: dict[str, list[str]]
    """Note → the stable id of each of its cards, for the notes given as changed."""
    ledger: Ledger
    """The ledger to keep for the next build."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Id clashes between notes (two notes using one block id)."""
    matched: int = 0
    """Cards that inherited the id of a vanished card (edited, renamed, moved)."""
    vanished: int = 0
    """Cards of the previous build that are gone and were not matched."""
    changed: bool = False
    """Whether *ledger* differs from the one given (and should be saved)."""


def keep_ids(
    changed: Mapping[str, NoteCards],
    kept: Collection[str],
    previous: Ledger,
    *,
    notes: Collection[str],
    now: float,
    last_cards: Mapping[str, Card] | None = None,
) -> Assignment:
    """Give the cards of the *changed* notes their stable ids, keeping *previous*'s.

    *kept* notes are unchanged since *previous* was saved: their cards keep their ids and
    their ledger lines are carried over untouched. *notes* are the vault's note paths now
    (to tell a renamed note); *now* (seconds since the epoch) dates removed cards.
    *last_cards* (stable id → the card as the last build made it), when at hand, keeps
    the cards that vanish now whole in the ledger, for the deck to carry a while; ids
    never depend on it.
    """
    matcher = _Matcher(changed, kept, previous, notes)
    matcher.keep_known()
    matcher.match_exact()
    matcher.match_similar()
    matcher.give_new_ids()
    return matcher.finish(now, last_cards or {})


def assign_ids(cards: Iterable[Card]) -> tuple[list[Card], list[Diagnostic]]:
    """Give cards ids without any ledger: their derived ids, made distinct.

    What a first build gives; :func:`keep_ids` is what later builds use.
    """
    derived, diagnostics = derive_ids(cards)
    by_note: dict[str, list[tuple[str, Card]]] = {}
    for card in derived:
        by_note.setdefault(card.note, []).append((card.id, card))
    outcome = keep_ids(by_note, (), Ledger(), notes=by_note.keys(), now=0.0)
    taken = {note: iter(ids) for note, ids in outcome.ids.items()}
    result = [dataclasses.replace(card, id=next(taken[card.note])) for card in derived]
    return result, [*diagnostics, *outcome.diagnostics]


def removed_cards(ledger: Ledger) -> list[Card]:
    """The removed cards the ledger knows, each with its stable id, oldest first."""
    cards = []
    for stable, gone in ledger.removed.items():
        card = gone.card()
        if card is not None:
            cards.append(card if card.id == stable else dataclasses.replace(card, id=stable))
    return cards


@dataclass(slots=True)
class _New:
    """A card of a changed note."""

    note: str
    derived: str
    card: Card


@dataclass(slots=True)
class _Old:
    """A card of the previous build that may go to a card of a changed note."""

    stable: str
    derived: str
    note: str
    texts: Texts | None
    """What it said, when known (matching by text needs it)."""
    removed: Removed | None
    """None when it was in the previous build, else when it vanished and what it was."""
    order: int

    @property
    def kind(self) -> str:
        return "" if self.texts is None else self.texts.kind

    @property
    def line(self) -> int:
        return 0 if self.texts is None else self.texts.line


class _Matcher:
    """One id assignment; each step gives ids to more of the cards still *pending*."""

    def __init__(
        self,
        changed: Mapping[str, NoteCards],
        kept: Collection[str],
        previous: Ledger,
        notes: Collection[str],
    ) -> None:
        self.changed = changed
        self.kept = kept if isinstance(kept, (set, frozenset)) else set(kept)
        self.previous = previous
        self.notes = notes
        self.new = [
            _New(note, derived, card) for note, cards in changed.items() for derived, card in cards
        ]
        self.ids: list[str | None] = [None] * len(self.new)
        self.owner: dict[str, int] = {}
        """Stable id → index of the new card holding it."""
        self.pending: list[int] = []
        self.old: dict[str, _Old] = {}
        """The previous cards no card holds yet, by stable id."""
        self._olds()
        self.links: set[tuple[str, str]] = set()
        """(old note, new note) of each exact match: a note renamed or moved, or a card moved."""
        self.diagnostics: list[Diagnostic] = []
        self.matched = 0

    def _olds(self) -> None:
        order = 0
        for note, ids in self.previous.notes.items():
            if note in self.kept:
                continue
            stables, deriveds = split_ids(ids.stables), split_ids(ids.deriveds)
            known = decode_texts(ids.texts, len(stables))
            texts: list[Texts | None] = [None] * len(stables) if known is None else [*known]
            for stable, derived, said in zip(stables, deriveds, texts, strict=True):
                self.old[stable] = _Old(stable, derived, note, said, None, order)
                order += 1
        for stable, gone in self.previous.removed.items():
            card = gone.card()
            self.old[stable] = _Old(
                stable,
                gone.derived,
                "" if card is None else card.note,
                None if card is None else Texts.of(card),
                gone,
                order,
            )
            order += 1

    def keep_known(self) -> None:
        """Step 1: a card whose derived id the ledger knows takes that card's id."""
        by_derived: dict[str, str] = {}
        for old in sorted(self.old.values(), key=lambda old: old.removed is None):
            by_derived[old.derived] = old.stable  # a card in the last build wins
        for index, new in enumerate(self.new):
            stable = by_derived.get(new.derived)
            rival = None if stable is None else self.owner.get(stable)
            if stable is None:
                self.pending.append(index)
            elif rival is None:
                self._claim(index, stable)
            elif self.old[stable].note == new.note != self.new[rival].note:
                # Two notes use one explicit id: the note that had it keeps it.
                self.ids[rival] = None
                self.pending.append(rival)
                self._claim(index, stable)
            else:
                self.pending.append(index)
        self.pending.sort()
        for stable in self.owner:
            del self.old[stable]

    def _claim(self, index: int, stable: str) -> None:
        self.ids[index] = stable
        self.owner[stable] = index

    def _inherit(self, index: int, old: _Old) -> None:
        self._claim(index, old.stable)
        del self.old[old.stable]
        self.matched += 1

    def match_exact(self) -> None:
        """Step 2: the same kind and identifying text (else front), in any note."""
        known = [old for old in self.old.values() if old.texts is not None]
        if not self.pending or not known:
            return
        by_text: dict[tuple[str, str], list[_Old]] = {}
        by_front: dict[tuple[str, str], list[_Old]] = {}
        for old in known:
            assert old.texts is not None
            by_text.setdefault((old.kind, old.texts.text), []).append(old)
            by_front.setdefault((old.kind, old.texts.front), []).append(old)
        still: list[int] = []
        for index in self.pending:
            card = self.new[index].card
            candidates = [
                old
                for old in by_text.get((card.kind, match_text(card)), [])
                if old.stable in self.old
            ] or [
                old
                for old in by_front.get((card.kind, normal(card.front)), [])
                if old.stable in self.old
            ]
            if not candidates:
                still.append(index)
                continue
            best = min(candidates, key=lambda old: _preference(old, card))
            self._inherit(index, best)
            self.links.add((best.note, card.note))
        self.pending = still

    def match_similar(self) -> None:
        """Step 3: similar text or the same distinctive answer, in the same or a renamed note."""
        vanished = [
            old for old in self.old.values() if old.removed is None and old.texts is not None
        ]
        if not self.pending or not vanished:
            return
        by_note: dict[str, list[_Old]] = {}
        for old in vanished:
            by_note.setdefault(old.note, []).append(old)
        news: dict[str, list[int]] = {}
        for index in self.pending:
            news.setdefault(self.new[index].note, []).append(index)
        partners = self._partners(set(by_note), set(news))
        backs = Counter(old.texts.back for old in vanished if old.texts is not None)
        backs.update(normal(self.new[index].card.back) for index in self.pending)
        pairs: list[tuple[float, int, int, int, _Old]] = []
        for note, indexes in news.items():
            names = (note, *partners.get(note, ()))
            olds = [old for name in names for old in by_note.get(name, [])]
            similar = len(indexes) * len(olds) <= MAX_SIMILARITY_PAIRS
            for index in indexes:
                card = self.new[index].card
                for old in olds:
                    score = _score(old, card, backs, similar=similar)
                    if score is not None:
                        pairs.append((-score, abs(old.line - card.line), index, old.order, old))
        pairs.sort(key=lambda pair: pair[:4])
        for *_, index, _order, old in pairs:
            if self.ids[index] is None and old.stable in self.old:
                self._inherit(index, old)
        self.pending = [index for index in self.pending if self.ids[index] is None]

    def _partners(self, old_notes: set[str], new_notes: set[str]) -> dict[str, set[str]]:
        """New note → the vanished notes it may have been renamed or moved from."""
        gone = {note for note in old_notes if note not in self.notes}
        appeared = {note for note in new_notes if note not in self.previous.notes}
        partners: dict[str, set[str]] = {}
        for old_note, new_note in self.links:
            if old_note in gone and new_note in appeared:
                partners.setdefault(new_note, set()).add(old_note)
        names: dict[str, set[str]] = {}
        for note in gone:
            names.setdefault(posixpath.basename(note).casefold(), set()).add(note)
        for note in appeared:
            for old_note in names.get(posixpath.basename(note).casefold(), ()):
                partners.setdefault(note, set()).add(old_note)
        if len(gone) == 1 and len(appeared) == 1:
            partners.setdefault(next(iter(appeared)), set()).update(gone)
        return partners

    def give_new_ids(self) -> None:
        """Step 4: the cards left are new: their derived id, or a numbered one if taken."""
        if not self.pending:
            return
        reserved = set(self.previous.removed)
        for ids in self.previous.notes.values():
            reserved.update(split_ids(ids.stables))
        for index in self.pending:
            new = self.new[index]
            stable, number = new.derived, 1
            while stable in self.owner or stable in reserved:
                number += 1
                material = f"{new.derived}\x1f#{number}\x1f{new.note}"
                stable = hashlib.sha256(material.encode("utf-8")).hexdigest()[:ID_LENGTH]
            if stable != new.derived and new.card.key and new.card.key[0] in EXPLICIT_KEYS:
                self._clash(new)
            self._claim(index, stable)
        self.pending = []

    def _clash(self, new: _New) -> None:
        """Warn that an explicit id is used twice."""
        holder = self.owner.get(new.derived)
        if holder is not None:
            where = self.new[holder].note
        else:
            where = next(
                (
                    note
                    for note, ids in self.previous.notes.items()
                    if note != new.note and new.derived in split_ids(ids.deriveds)
                ),
                "another note",
            )
        key = new.card.key
        self.diagnostics.append(
            Diagnostic(
                new.note,
                new.card.line,
                "warning",
                f"the {key[0]} id '{key[1] if len(key) > 1 else ''}' is also used in {where};"
                " this card gets an id of its own: give one of the two another id",
            )
        )

    def finish(self, now: float, last_cards: Mapping[str, Card]) -> Assignment:
        """The ids of the changed notes' cards and the ledger to keep."""
        ids: dict[str, list[str]] = {note: [] for note in self.changed}
        for new, stable in zip(self.new, self.ids, strict=True):
            assert stable is not None
            ids[new.note].append(stable)
        before = self.previous.notes
        notes = {note: before[note] for note in self.kept if note in before}
        for note, cards in self.changed.items():
            if cards:
                notes[note] = NoteIds(
                    SEPARATOR.join(ids[note]),
                    SEPARATOR.join(derived for derived, _card in cards),
                    card_texts([card for _derived, card in cards]),
                )
        removed: dict[str, Removed] = {}
        vanished = 0
        for old in sorted(self.old.values(), key=lambda old: old.order):
            gone = old.removed
            if gone is None:
                vanished += 1
                last = last_cards.get(old.stable)
                record = None if last is None else dataclasses.replace(last, id=old.stable)
                gone = Removed(old.derived, now, None if record is None else record.to_record())
            if now - gone.at <= REMOVED_RETENTION:
                removed[old.stable] = gone
        changed = notes != self.previous.notes or removed.keys() != self.previous.removed.keys()
        return Assignment(
            ids=ids,
            ledger=Ledger(notes=notes, removed=removed),
            diagnostics=self.diagnostics,
            matched=self.matched,
            vanished=vanished,
            changed=changed,
        )


def _preference(old: _Old, card: Card) -> tuple[int, int, int]:
    """Which of several exact matches a card takes: its own note first, then the nearest."""
    if old.note == card.note:
        place = 0
    elif posixpath.basename(old.note) == posixpath.basename(card.note):
        place = 1
    else:
        place = 2
    return (place, abs(old.line - card.line), old.order)


def _score(old: _Old, card: Card, backs: Counter[str], *, similar: bool) -> float | None:
    """How surely *card* is an edit of *old* (higher is surer), or None when it is not one.

    A similar identifying text scores above 2 (2.5 and more with the same answer); the
    same distinctive answer alone scores below 1.
    """
    if old.texts is None or old.kind != card.kind:
        return None
    back = normal(card.back)
    same_back = bool(back) and back == old.texts.back
    distinctive = same_back and backs[back] == 2 and len(back.split()) >= DISTINCTIVE_WORDS
    if not similar:
        return 0.5 if distinctive else None
    matcher = SequenceMatcher(None, old.texts.text, match_text(card), autojunk=False)
    if not distinctive and (
        matcher.real_quick_ratio() < TEXT_SIMILARITY or matcher.quick_ratio() < TEXT_SIMILARITY
    ):
        return None
    ratio = matcher.ratio()
    if ratio >= TEXT_SIMILARITY:
        return 1.0 + ratio + (0.5 if same_back else 0.0)
    return ratio if distinctive else None
