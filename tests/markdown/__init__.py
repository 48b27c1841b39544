"""Tests of flashgen.markdown."""
