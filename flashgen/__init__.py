"""flashgen: turn an Obsidian vault into spaced-repetition flashcards."""

__version__ = "0.1.0"
