"""Challenges, their phases and themes; public pages, set-up and progress."""
