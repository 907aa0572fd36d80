"""Prototypes of a concept, with versions that record what changed and why."""
