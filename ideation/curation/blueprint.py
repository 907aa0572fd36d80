"""The curation feature's blueprint, in a module of its own: `views` and `proposal_views`
import it and attach their routes. Nothing here imports a view."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("curation", __name__)
