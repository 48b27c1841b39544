"""Stage 7, the command line: click commands, the terminal (keys, the clock, opening files)
and the quiz screen. The only stage that prints or reads the clock."""

from __future__ import annotations


def main() -> None:
    """Console-script entry point: the commands are imported only now."""
    from flashgen.cli.commands import cli

    cli(prog_name="flashgen")
