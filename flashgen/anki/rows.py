"""The rows of a package's collection, made the same in every package.

Note and card ids are drawn from the note's GUID (not counted from the build time), and
the schema cookie that ``VACUUM INTO`` carries on is reset, so that a collection patched
from the last one has the bytes of one made from nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3

ROW_IDS = range(1 << 40, 1 << 52)
"""The note and card ids of a package (see :func:`row_id`)."""


class UsedIds:
    """The note and card ids a collection holds: read all at once for many new notes,
    else looked up one by one (a patch for a few notes need not read 200,000 ids)."""

    def __init__(self, cursor: sqlite3.Cursor, *, everything: bool) -> None:
        self._cursor = cursor
        self._ids: set[int] = set()
        self._all = everything
        if everything:
            query = "SELECT id FROM notes UNION ALL SELECT id FROM cards"
            self._ids = {found for (found,) in cursor.execute(query)}

    def __contains__(self, id_: int) -> bool:
        if id_ in self._ids:
            return True
        if self._all:
            return False
        query = "SELECT 1 FROM notes WHERE id = ? UNION ALL SELECT 1 FROM cards WHERE id = ?"
        return self._cursor.execute(query, (id_, id_)).fetchone() is not None

    def add(self, id_: int) -> None:
        self._ids.add(id_)


def row_id(name: str, used: UsedIds) -> int:
    """A note or card id drawn from *name*, so that it is the same in every package.

    Ids fall in 2**40 … 2**52 (past any millisecond time Anki gives, below 2**53 for
    JavaScript); one already *used* (two names hashed alike) probes upwards.
    """
    digest = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")
    found = ROW_IDS.start + digest % len(ROW_IDS)
    while found in used:
        found = ROW_IDS.start + (found + 1 - ROW_IDS.start) % len(ROW_IDS)
    used.add(found)
    return found


_SCHEMA_COOKIE = slice(40, 44)
"""Where a SQLite file's header counts its schema's changes (a big-endian 32-bit number)."""


def reset_schema_cookie(db_name: str) -> None:
    """Set the schema cookie of the closed database *db_name* to 1.

    ``VACUUM INTO`` carries the count on from the source, so a collection patched from
    the kept one would differ from one made from nothing in these four bytes alone. The
    count only tells open connections that the schema changed; the file has none.
    """
    with open(db_name, "r+b") as handle:
        handle.seek(_SCHEMA_COOKIE.start)
        handle.write((1).to_bytes(_SCHEMA_COOKIE.stop - _SCHEMA_COOKIE.start, "big"))
