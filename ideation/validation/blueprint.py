"""The validation feature's blueprint, in a module of its own: the view modules import it and
attach their routes; `views` imports them all. Nothing here imports a view."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("validation", __name__)
