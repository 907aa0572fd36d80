"""Reuse of a challenge's outcome: the core team's exports, the public open-data download."""

from __future__ import annotations

import json

from flask import Response, abort, current_app, render_template

from ideation.challenges.views import get_challenge
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.security import public
from ideation.extensions import limiter
from ideation.reports import exports, public_data
from ideation.reports.views import bp

FORMATS = {"csv": ("text/csv", exports.as_csv), "json": ("application/json", exports.as_json)}
DATASET_LABELS = {
    "ideas": _l("Ideas, with their cluster, status and supports"),
    "clusters": _l("Clusters"),
    "concepts": _l("Concepts, with the mean score per criterion"),
    "prototypes": _l("Prototypes, a row per version"),
    "rounds": _l("Validation rounds, a row per answer"),
}


@bp.get("/c/<slug>/exports")
def exports_page(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    return render_template("reports/exports.html", challenge=challenge, labels=DATASET_LABELS)


@bp.get("/c/<slug>/exports/<dataset>.<fmt>")
def export(slug: str, dataset: str, fmt: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    if dataset not in exports.DATASETS or fmt not in FORMATS:
        abort(404)
    mimetype, writer = FORMATS[fmt]
    # Written out here, in the request's session: the rows are read in chunks of ids.
    body = "".join(writer(exports.DATASETS[dataset](challenge)))
    name = f"{challenge.slug}-{dataset}.{fmt}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/c/<slug>/open-data.json")
@public
@limiter.limit(lambda: current_app.config["IDEATION_API_RATE_LIMIT"])
def open_data(slug: str) -> Response:
    """Everything public about a published challenge, without personal data, with its
    licence; for anyone to reuse."""
    challenge = get_challenge(slug)
    if not challenge.is_published:
        abort(404)
    body = json.dumps(public_data.open_data(challenge), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{challenge.slug}-open-data.json"'})
