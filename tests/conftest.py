"""Shared fixtures: small real vaults written to temporary folders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_VAULT = REPO / "notes"

MakeVault = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_vault(tmp_path: Path) -> MakeVault:
    """Write ``{relative path: text or bytes}`` into a fresh vault folder and return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "vault"
        root.mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


@pytest.fixture
def sample_vault(tmp_path: Path) -> Path:
    """A private copy of the sample vault ``notes/`` (tests may edit it)."""
    target = tmp_path / "notes"
    shutil.copytree(SAMPLE_VAULT, target, ignore=shutil.ignore_patterns(".flashgen"))
    return target


def assert_only_build_outputs(out: Path, vault: Path) -> None:
    """A build left the deck, the listing and their state, and no temporary files."""
    assert sorted(p.name for p in out.iterdir()) == [
        f".{vault.name}.apkg.collection",
        f".{vault.name}.apkg.parts",
        f".{vault.name}.apkg.state",
        f"{vault.name}.apkg",
        f"{vault.name}.json",
    ]
    assert sorted(p.name for p in (vault / ".flashgen").iterdir()) == [
        "anki-notes.pickle",
        "cache.pickle",
        "ledger.pickle",
    ]
