"""Tests of flashgen.sources."""
