"""Moderation: reports by participants and the core team's queue (publish, hide, restore)."""
