"""Curation helpers: cluster suggestions, assignment and near-duplicate detection."""
