"""Tests of flashgen.identity."""
