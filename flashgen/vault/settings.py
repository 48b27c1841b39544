"""Obsidian's own settings in ``<vault>/.obsidian/``, which decide how the vault reads.

Obsidian's behaviour is the spec, and some of it is the user's choice:

- ``app.json`` ``strictLineBreaks`` (Settings → Editor → "Strict line breaks", off by
  default): off, a single newline inside a paragraph shows as a line break;
- ``app.json`` ``attachmentFolderPath`` (Settings → Files and links → "Default location
  for new attachments"): ``/`` the vault's root (the default), ``./`` or ``./sub`` beside
  the note, or a folder of the vault;
- ``templates.json`` ``folder``: the core Templates plugin's template folder (when the
  plugin is on in ``core-plugins.json`` and no folder is set, a ``Templates`` folder at
  the vault's root, the name its users give it), and
  ``plugins/templater-obsidian/data.json`` ``templates_folder``, Templater's: notes
  there are templates (their ``{{date}}`` frontmatter is no note's), not notes.

A missing file is the default; a file that is not JSON, or a value of the wrong type, is
a warning and the default. Nothing outside the vault is read: a settings file that is a
symlink leading out of it is not read.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashgen.model import Diagnostic
from flashgen.vault.paths import inside_vault

SETTINGS_FOLDER = ".obsidian"
DEFAULT_TEMPLATES = "Templates"
"""The core Templates plugin's folder when it is on and none is set."""
_MAX_BYTES = 1_000_000
"""A settings file larger than this is not Obsidian's; it is not read."""


@dataclass(frozen=True, slots=True)
class ObsidianSettings:
    """What flashgen takes from a vault's Obsidian settings (defaults: Obsidian's)."""

    strict_line_breaks: bool = False
    """Whether a single newline inside a paragraph is only a space (Obsidian: off)."""
    attachment_folder: str = "/"
    """Where new attachments go: ``/`` (vault root), ``./`` or ``./sub`` (beside the
    note), or a vault-relative folder."""
    template_folders: tuple[str, ...] = ()
    """Vault-relative folders that hold templates (core Templates plugin, Templater)."""

    def is_template(self, note: str) -> bool:
        """True when the vault-relative *note* sits in a template folder."""
        return any(note.startswith(folder + "/") for folder in self.template_folders)

    def attachment_folder_of(self, note: str) -> str:
        """The vault-relative folder new attachments of *note* go to (``""``: the root)."""
        folder = self.attachment_folder.strip()
        if folder in ("", "/"):
            return ""
        if folder == "." or folder.startswith("./"):
            return posixpath.normpath(posixpath.join(posixpath.dirname(note), folder)).strip(".")
        return folder.strip("/")


def read_settings(root: Path) -> tuple[ObsidianSettings, list[Diagnostic]]:
    """The settings of the vault at *root* (resolved), and the problems reading them."""
    problems: list[Diagnostic] = []
    app = _read_json(root, "app.json", problems)
    templates = _read_json(root, "templates.json", problems)
    templater = _read_json(root, "plugins/templater-obsidian/data.json", problems)
    strict = _typed(app, "strictLineBreaks", bool, False, "app.json", problems)
    attachments = _typed(app, "attachmentFolderPath", str, "/", "app.json", problems)
    folders = [
        _typed(templates, "folder", str, "", "templates.json", problems),
        _typed(templater, "templates_folder", str, "", "templater-obsidian/data.json", problems),
    ]
    if not folders[0].strip("/ ") and _templates_on(root) and (root / DEFAULT_TEMPLATES).is_dir():
        folders[0] = DEFAULT_TEMPLATES
    cleaned = tuple(dict.fromkeys(f.strip().strip("/") for f in folders if f.strip().strip("/")))
    return ObsidianSettings(strict, attachments, cleaned), problems


def _templates_on(root: Path) -> bool:
    """Whether the core Templates plugin is on: ``core-plugins.json`` is a list of the
    plugins on (older Obsidian) or a map of each plugin to whether it is on."""
    ignored: list[Diagnostic] = []  # a broken core-plugins.json means only: not on
    enabled = _read_json(root, "core-plugins.json", ignored, raw=True)
    if isinstance(enabled, list):
        return "templates" in enabled
    return isinstance(enabled, dict) and enabled.get("templates") is True


def _read_json(root: Path, name: str, problems: list[Diagnostic], *, raw: bool = False) -> Any:
    path = root / SETTINGS_FOLDER / name
    where = f"{SETTINGS_FOLDER}/{name}"
    try:
        if not path.is_file():
            return {}
        if not inside_vault(root, path) or path.stat().st_size > _MAX_BYTES:
            problems.append(Diagnostic(where, 0, "warning", "not read: it is not Obsidian's"))
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        problems.append(
            Diagnostic(where, 0, "warning", f"cannot be read ({err}); Obsidian's defaults apply")
        )
        return {}
    return data if raw or isinstance(data, dict) else {}


def _typed(
    data: dict[str, Any],
    key: str,
    kind: type[Any],
    default: Any,
    where: str,
    problems: list[Diagnostic],
) -> Any:
    value = data.get(key, default)
    if isinstance(value, kind):
        return value
    problems.append(
        Diagnostic(
            f"{SETTINGS_FOLDER}/{where}",
            0,
            "warning",
            f"'{key}' should be a {kind.__name__}; Obsidian's default applies",
        )
    )
    return default
