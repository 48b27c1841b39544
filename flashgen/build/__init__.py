"""Stage 5, the build: the pipeline from vault to identified cards, the per-note cache, the
state-file format, writing the outputs only when their cards changed with a report of
what changed, and watch mode. It writes decks through a deck writer it is given."""
