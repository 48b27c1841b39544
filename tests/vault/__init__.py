"""Tests of flashgen.vault."""
