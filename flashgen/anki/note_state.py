"""What flashgen remembers of the Anki notes it made: when each one's content last
changed, and the number of each cloze deletion.

Anki updates an imported note only when the incoming note is newer (its ``mod``, in
whole seconds) than the one in the collection. So a note's ``mod`` is when its content
last changed, not when the deck was built: a note whose content is the same keeps the
time it had, and an edit made to it in Anki survives the next import. When the content
changed, the time is the note file's own modification time (when the user edited it),
but never earlier than a second past the time the note had, nor later than the build.
A note the state does not know yet (new, or made by a flashgen that kept no times)
takes the build time: the decks before stamped every note so.

Cloze numbers last for life: a deletion keeps the number it was given (by its card's
id, which the identity ledger keeps through edits), a new deletion takes the next
number its note never used, and a number once used is never given again.

The state lives in ``<vault>/.flashgen/anki-notes.pickle`` (a state file, see
:mod:`flashgen.build.state`), shared by ``flashgen build`` and ``flashgen sync``.
Losing it is harmless for the cloze numbers of notes never edited since (they are
given again in order) and makes the next deck stamp every note with the build time,
as a first build does. Body: ``{"times": {guid: (digest, mod)}, "clozes": {card id:
(guid, number)}, "next": {guid: next number}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from flashgen.build.state import StateError, load_state, save_state
from flashgen.errors import OutputError

FORMAT = "flashgen-anki-notes"
VERSION = 1


@dataclass(slots=True)
class NoteState:
    """Note times and cloze numbers, as read, and as this build uses them."""

    times: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    """GUID → (digest of the note's content, its ``mod``)."""
    clozes: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Card id of a cloze deletion → (GUID of its note, its cloze number)."""
    next: dict[str, int] = field(default_factory=dict)
    """GUID of a cloze note → the lowest number it never used."""
    used: set[str] = field(default_factory=set)
    """GUIDs of the notes of this build."""
    changed: bool = False
    """Whether anything differs from what was read."""

    def mod(
        self, guid: str, digest: bytes, *, timestamp: float, edited: Callable[[], float | None]
    ) -> int:
        """The ``mod`` of the note *guid* whose content has *digest* (see the module)."""
        self.used.add(guid)
        known = self.times.get(guid)
        if known is not None and known[0] == digest:
            return known[1]
        if known is None:  # a new note, or one that a deck without times (or none) dated
            mod = int(timestamp)
        else:
            when = edited()
            mod = int(min(timestamp, when if when is not None else timestamp))
            mod = max(mod, known[1] + 1)
        self.times[guid] = (digest, mod)
        self.changed = True
        return mod

    def numbers(self, guid: str, card_ids: list[str]) -> list[int]:
        """The cloze number of each of the note *guid*'s deletions (by card id), in order."""
        self.used.add(guid)
        next_free = self.next.get(guid, 1)
        taken: set[int] = set()
        result: list[int] = []
        for card_id in card_ids:
            known = self.clozes.get(card_id)
            if known is not None and known[0] == guid and known[1] not in taken:
                number = known[1]
            else:
                number = next_free
                self.clozes[card_id] = (guid, number)
                self.changed = True
            next_free = max(next_free, number + 1)
            taken.add(number)
            result.append(number)
        if self.next.get(guid) != next_free:
            self.next[guid] = next_free
            self.changed = True
        return result

    def guid_of(self, card_id: str) -> str | None:
        """The GUID of the cloze note the deletion *card_id* belonged to, if any."""
        known = self.clozes.get(card_id)
        return None if known is None else known[0]

    def kept(self) -> NoteState:
        """This state without the notes this build no longer makes."""
        used = self.used
        if used.issuperset(self.times.keys()) and used.issuperset(self.next.keys()):
            # every note still made (as after most builds): nothing to filter but clozes
            clozes = self.clozes
            if not all(known[0] in used for known in clozes.values()):
                clozes = {card: known for card, known in clozes.items() if known[0] in used}
            unchanged = len(used) == len(self.times.keys() | self.next.keys())
            return NoteState(
                self.times, clozes, self.next, set(used), self.changed or not unchanged
            )
        return NoteState(
            {guid: time for guid, time in self.times.items() if guid in used},
            {card: known for card, known in self.clozes.items() if known[0] in used},
            {guid: number for guid, number in self.next.items() if guid in used},
            set(used),
            True,  # a note is no longer made
        )


def load_note_state(path: Path | None) -> NoteState:
    """The state at *path*; an empty one when there is none or it cannot be read."""
    if path is None or not path.exists():
        return NoteState()
    try:
        header, body = load_state(path)
    except StateError:
        return NoteState(changed=True)  # every note is stamped afresh, as on a first build
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        return NoteState(changed=True)
    try:
        times, clozes, numbers = body["times"], body["clozes"], body["next"]
    except (KeyError, TypeError):
        return NoteState(changed=True)
    # checked as they are rather than copied: 110,000 notes' times are read in 0.03 s
    if not (
        _all_of(times, bytes, int) and _all_of(clozes, str, int) and isinstance(numbers, dict)
    ) or not all(type(guid) is str and type(number) is int for guid, number in numbers.items()):
        return NoteState(changed=True)
    return NoteState(times=times, clozes=clozes, next=numbers)


def _all_of(found: object, first: type, second: type) -> bool:
    """Whether *found* is a dict of strings to pairs of a *first* and a *second*."""
    return isinstance(found, dict) and all(
        type(key) is str
        and type(pair) is tuple
        and len(pair) == 2
        and type(pair[0]) is first
        and type(pair[1]) is second
        for key, pair in found.items()
    )


def save_note_state(path: Path | None, state: NoteState) -> None:
    """Keep *state* (without the notes no longer made) at *path*, when it changed.

    A state that cannot be written is let go: the next build stamps the notes whose
    time it lost with its own time, that's all.
    """
    if path is None:
        return
    kept = state.kept()
    if not kept.changed:
        return
    body = {"times": kept.times, "clozes": kept.clozes, "next": kept.next}
    with suppress(OutputError):
        save_state(path, {"format": FORMAT, "version": VERSION}, body)
