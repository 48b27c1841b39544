"""Whether a path stays inside the vault: the check behind "nothing outside the vault is read"."""

from __future__ import annotations

from pathlib import Path


def inside_vault(root: Path, path: Path) -> bool:
    """True when *path*, symlinks followed, is inside the resolved vault folder *root*."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False
