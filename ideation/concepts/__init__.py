"""Concepts: realistic directions worked out from shortlisted clusters, and their scores."""
