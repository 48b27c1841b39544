"""Obsidian's own settings, read from ``.obsidian/`` as Obsidian reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashgen.build.pipeline import collect
from flashgen.config import Config, parse_config
from flashgen.errors import ConfigError
from flashgen.vault.index import scan_vault
from flashgen.vault.settings import ObsidianSettings, read_settings
from tests.conftest import MakeVault
from tests.helpers import PNG


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


TEMPLATE = "---\ncreated: {{date}}\ntags: [{{tags}}]\n---\n> [!question] {{title}}?\n> Answer\n"


@pytest.mark.parametrize(
    "settings",
    [
        {".obsidian/templates.json": '{"folder": "Templates"}'},
        {".obsidian/core-plugins.json": '["file-explorer", "templates"]'},
        {".obsidian/core-plugins.json": '{"templates": true, "sync": false}'},
    ],
)
def test_template_notes_make_no_cards_and_no_warnings(
    make_vault: MakeVault, settings: dict[str, str | bytes]
) -> None:
    vault = make_vault(
        {
            **settings,
            "Templates/Daily.md": TEMPLATE,
            "Notes/real.md": "> [!question] Real?\n> Yes\n",
        }
    )
    built = collect(vault, now=0.0)
    assert [card.front for card in built.cards] == ["Real?"]
    assert built.diagnostics == [] and built.notes_read == 1


def test_without_the_plugin_a_templates_folder_is_notes(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            ".obsidian/core-plugins.json": '{"templates": false}',
            "Templates/Daily.md": "> [!question] Daily?\n> Yes\n",
        }
    )
    assert [card.front for card in collect(vault, now=0.0).cards] == ["Daily?"]


def test_an_image_name_in_two_folders_resolves_to_the_attachment_folder(
    make_vault: MakeVault,
) -> None:
    files: dict[str, str | bytes] = {
        "Course/Week1/lecture.md": "x",
        "Course/old/pic.png": PNG,
        "Assets/pic.png": PNG,
    }
    assert scan_vault(make_vault(files)).resolve("pic.png", "Course/Week1/lecture.md") == (
        "Course/old/pic.png"  # nearest, without the setting
    )
    vault = make_vault({".obsidian/app.json": '{"attachmentFolderPath": "Assets"}'})
    index = scan_vault(vault)
    assert index.resolve("pic.png", "Course/Week1/lecture.md") == "Assets/pic.png"
    (vault / "Course/Week1/lecture.md").write_text("> [!question] Which?\n> ![[pic.png]]\n")
    assert [card.media for card in collect(vault, now=0.0).cards] == [("Assets/pic.png",)]
    (vault / "Course/Week1/pic.png").write_bytes(PNG)  # the note's own folder comes first
    assert scan_vault(vault).resolve("pic.png", "Course/Week1/lecture.md") == (
        "Course/Week1/pic.png"
    )


def test_a_missing_image_says_where_attachments_go(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            ".obsidian/app.json": '{"attachmentFolderPath": "./attachments"}',
            "Bio/cell.md": "> [!question] Cell?\n> ![[mito.png]]\n",
        }
    )
    [problem] = collect(vault, now=0.0).diagnostics
    assert problem.message == (
        "image 'mito.png' not found in the vault (new attachments go to 'Bio/attachments/');"
        " add the file or fix the name"
    )


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
