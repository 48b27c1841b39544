"""Tests of flashgen.cli."""
