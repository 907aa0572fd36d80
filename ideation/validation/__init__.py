"""Validation rounds: stakeholders test a prototype version with a feedback form; the round
ends in a decision that answers the minority."""
