"""Stage 6b, review in flashgen itself: the pure FSRS scheduler (the only importer of
fsrs), the SQLite review store and its schema, the quiz session's queue, statistics, and
seeding review state from obsidian-spaced-repetition history."""
