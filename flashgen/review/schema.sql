-- The review store: FSRS state per card and an append-only review log.
--
-- Schema version 1, kept in PRAGMA user_version (flashgen.review.SCHEMA_VERSION).
-- A change to this file needs a new version and a migration in flashgen/review.py.
--
-- Times are ISO 8601 UTC text with microseconds ("2026-01-01T09:00:00.000000+00:00"),
-- one fixed width so that text order is time order. Phases are fsrs.State values:
-- 1 learning, 2 review, 3 relearning. Ratings are fsrs.Rating values: 1 again, 2 hard,
-- 3 good, 4 easy. Statements are idempotent: two processes creating the store at once
-- both succeed.

-- One row per card ever answered (or seeded); a card without a row is new.
CREATE TABLE IF NOT EXISTS card_state (
    card_id     TEXT PRIMARY KEY,             -- flashgen Card.id, the Anki GUID
    phase       INTEGER NOT NULL CHECK (phase IN (1, 2, 3)),
    step        INTEGER,                      -- learning/relearning step; NULL in review
    stability   REAL,                         -- days until recall probability falls to 90%
    difficulty  REAL,                         -- 1 (easy) .. 10 (hard)
    due         TEXT NOT NULL,
    last_review TEXT,
    note        TEXT NOT NULL DEFAULT '',     -- where the card was last seen, for orphans
    line        INTEGER NOT NULL DEFAULT 0,
    front       TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX IF NOT EXISTS card_state_due ON card_state (due);

-- One row per answer, never updated; undo deletes the newest row of a card.
CREATE TABLE IF NOT EXISTS review_log (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id            TEXT NOT NULL,
    reviewed_at        TEXT NOT NULL,
    rating             INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    duration_ms        INTEGER NOT NULL CHECK (duration_ms >= 0),
    -- The card's state before the answer; all NULL when the card was new.
    phase_before       INTEGER CHECK (phase_before IN (1, 2, 3)),
    step_before        INTEGER,
    stability_before   REAL,
    difficulty_before  REAL,
    due_before         TEXT,
    last_review_before TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS review_log_card ON review_log (card_id, id);
CREATE INDEX IF NOT EXISTS review_log_time ON review_log (reviewed_at);
