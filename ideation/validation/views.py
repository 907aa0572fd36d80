"""Routes of the validation feature: importing this module attaches them all to ``bp``."""

from __future__ import annotations

from ideation.validation import (
    decision_views,
    demo_content,  # registers the demo of concepts, prototypes and rounds
    invitation_views,
    models,  # noqa: F401 - registers the tables
    results_views,
    round_views,
)
from ideation.validation.blueprint import bp

__all__ = ["bp", "decision_views", "demo_content", "invitation_views", "results_views",
           "round_views"]
