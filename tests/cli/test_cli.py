"""The command line itself: what starting it loads, its help, its one-line usage errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flashgen.cli import commands
from flashgen.review.scheduler import DEFAULT_RETENTION
from flashgen.review.session import DEFAULT_NEW_LIMIT
from tests.helpers import run_cli

PIPELINE = (
    "flashgen.vault",
    "flashgen.markdown",
    "flashgen.sources",
    "flashgen.identity",
    "flashgen.build",
    "flashgen.anki",
    "flashgen.review",
    "flashgen.config",
    "flashgen.model",
    "flashgen.cli.screen",
    "genanki",
    "rich",
    "fsrs",
    "markdown_it",
    "mdit_py_plugins",
    "yaml",
    "watchfiles",
)
"""Modules ``--version`` and ``--help`` must not load: they are what made start-up slow."""

LOADED = """
import json, sys
from flashgen.cli import main
sys.argv = ["flashgen", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_load_no_pipeline_module(option: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, option], capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stderr.splitlines()[-1])
    assert "flashgen.cli.commands" in loaded  # the check looks at a real start
    assert [name for name in loaded if name.startswith(PIPELINE)] == []


def test_a_command_loads_what_it_needs_when_it_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, "check", "/nonexistent-vault"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "flashgen.build.pipeline" in json.loads(done.stderr.splitlines()[-1])


def test_option_defaults_shown_in_help_are_the_library_s() -> None:
    assert commands.DEFAULT_RETENTION == DEFAULT_RETENTION
    assert commands.DEFAULT_NEW_LIMIT == DEFAULT_NEW_LIMIT


def test_help_shows_each_command_s_summary_whole() -> None:
    code, out, err = run_cli("--help")
    assert code == 0 and err == ""
    commands_part = out.split("Commands:\n")[1]
    assert "..." not in commands_part
    text = " ".join(commands_part.split())
    assert "build Build VAULT (default: notes) into an Anki deck, OUTPUT/<vault>.apkg." in text
    assert (
        "watch Rebuild VAULT's deck whenever a note or an image changes, until Ctrl-C"
        " (or SIGTERM)." in text
    )


def test_bad_usage_is_one_line_never_the_usage_block() -> None:
    assert run_cli("build", "--nope") == (
        2,
        "",
        "Error: No such option '--nope' (see 'flashgen build --help')\n",
    )
    assert run_cli("biuld") == (
        2,
        "",
        "Error: No such command 'biuld'. Did you mean 'build'? (see 'flashgen --help')\n",
    )
    assert run_cli("quiz", "--new", "x") == (
        2,
        "",
        "Error: Invalid value for '--new': 'x' is not a valid integer range"
        " (see 'flashgen quiz --help')\n",
    )
