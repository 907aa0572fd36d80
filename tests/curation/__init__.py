"""Tests for ideation.curation."""
