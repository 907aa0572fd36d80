"""The Agenda voor Actie: the outcome of a challenge, its actions after the hand-over, and the
PDF rendered from the same page."""
