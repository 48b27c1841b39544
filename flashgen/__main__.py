"""Allow ``python -m flashgen``."""

from flashgen.cli import main

main()
