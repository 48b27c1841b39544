"""Tests of flashgen.build."""
