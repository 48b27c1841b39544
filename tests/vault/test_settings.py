"""Obsidian's own settings, read from ``.obsidian/`` as Obsidian reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashgen.config import Config, parse_config
from flashgen.errors import ConfigError
from flashgen.vault.index import scan_vault
from flashgen.vault.settings import ObsidianSettings, read_settings
from tests.conftest import MakeVault


def test_defaults_are_obsidians(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "x"})
    assert read_settings(vault.resolve()) == (ObsidianSettings(False, "/", ()), [])


def test_the_settings_a_vault_chose(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            ".obsidian/app.json": '{"strictLineBreaks": true, "attachmentFolderPath": "./att"}',
            ".obsidian/templates.json": '{"folder": "Templates/"}',
            ".obsidian/plugins/templater-obsidian/data.json": '{"templates_folder": "Meta/T"}',
        }
    )
    settings = scan_vault(vault).settings
    assert settings == ObsidianSettings(True, "./att", ("Templates", "Meta/T"))
    assert settings.is_template("Templates/Daily.md")
    assert not settings.is_template("Templates.md") and not settings.is_template("Notes/a.md")
    assert settings.attachment_folder_of("Notes/a.md") == "Notes/att"


@pytest.mark.parametrize(
    ("folder", "note", "expected"),
    [("/", "a/b.md", ""), ("./", "a/b.md", "a"), ("./", "b.md", ""), ("img", "a/b.md", "img")],
)
def test_attachment_folders(folder: str, note: str, expected: str) -> None:
    assert ObsidianSettings(attachment_folder=folder).attachment_folder_of(note) == expected


def test_bad_settings_are_warnings_and_defaults(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            ".obsidian/app.json": '{"strictLineBreaks": "yes"}',
            ".obsidian/templates.json": "{not json",
        }
    )
    settings, problems = read_settings(vault.resolve())
    assert settings == ObsidianSettings()
    assert sorted((d.path, d.severity) for d in problems) == [
        (".obsidian/app.json", "warning"),
        (".obsidian/templates.json", "warning"),
    ]


def test_a_settings_file_leading_out_of_the_vault_is_not_read(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"strictLineBreaks": true}')
    vault = make_vault({"a.md": "x"})
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "app.json").symlink_to(outside)
    settings, problems = read_settings(vault.resolve())
    assert settings.strict_line_breaks is False
    assert [d.message for d in problems] == ["not read: it is not Obsidian's"]


def test_flashgen_yaml_overrides_obsidian_line_breaks() -> None:
    assert Config().line_breaks(strict_in_obsidian=False) is True
    assert Config().line_breaks(strict_in_obsidian=True) is False
    strict = parse_config({"markdown": {"strict_line_breaks": True}})
    assert strict.line_breaks(strict_in_obsidian=False) is False
    loose = parse_config({"markdown": {"strict_line_breaks": False}})
    assert loose.line_breaks(strict_in_obsidian=True) is True
    unset = parse_config({"markdown": {"strict_line_breaks": None}})
    assert unset.strict_line_breaks is None
    with pytest.raises(
        ConfigError, match=r"'markdown\.strict_line_breaks' should be true or false"
    ):
        parse_config({"markdown": {"strict_line_breaks": "yes"}})
