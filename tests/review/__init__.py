"""Tests of flashgen.review."""
