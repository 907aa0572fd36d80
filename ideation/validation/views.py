"""Routes of the validation feature."""

from __future__ import annotations

from flask import Blueprint

from ideation.validation import models  # noqa: F401 - registers the tables

bp = Blueprint("validation", __name__)

# The routes live in one module per part; importing them attaches them to ``bp``.
from ideation.validation import (  # noqa: E402
    decision_views,
    demo_content,  # registers the demo of concepts, prototypes and rounds
    invitation_views,
    results_views,
    round_views,
)

__all__ = ["bp", "decision_views", "demo_content", "invitation_views", "results_views",
           "round_views"]
