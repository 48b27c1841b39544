"""Tests of flashgen.anki."""
