"""The ledger's file, ``<vault>/.flashgen/ledger.pickle``: a state file (see :mod:`.state`)
whose header is ``{"format": "flashgen-ledger", "version": 3}`` and whose body is
:meth:`Ledger.to_plain`."""

from __future__ import annotations

from pathlib import Path

from flashgen.build.state import STATE_FOLDER, StateError, load_state, save_state
from flashgen.identity.ledger import FORMAT, READABLE_VERSIONS, VERSION, Ledger
from flashgen.model import Diagnostic

LEDGER_NAME = "ledger.pickle"


def load_ledger(folder: Path) -> tuple[Ledger, list[Diagnostic]]:
    """The ledger in *folder*; an empty one when missing or, with a warning, unreadable."""
    path = folder / LEDGER_NAME
    if not path.exists():
        return Ledger(), []
    try:
        header, body = load_state(path)
        version = header.get("version")
        if header.get("format") != FORMAT or version not in READABLE_VERSIONS:
            raise StateError("not a flashgen ledger of a version this flashgen reads")
        assert isinstance(version, int)
        return Ledger.from_plain(body, version), []
    except (StateError, ValueError) as err:
        return Ledger(), [
            Diagnostic(
                f"{STATE_FOLDER}/{LEDGER_NAME}",
                0,
                "warning",
                f"the id ledger cannot be read ({err}); it is started afresh, so cards"
                " edited before now may get new ids",
            )
        ]


def save_ledger(folder: Path, ledger: Ledger) -> None:
    """Write *ledger* atomically into *folder*; ``OutputError`` when it cannot be written."""
    save_state(folder / LEDGER_NAME, {"format": FORMAT, "version": VERSION}, ledger.to_plain())
